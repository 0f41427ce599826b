//! Which part of a description each paragraph belongs to (background,
//! summary, drawings, ...).
//!
//! Two ways, tried in order:
//!
//! 1. **Headings.** The record's paragraph `heading` (the nearest heading above
//!    the paragraph, as the XML parsers keep it) or a paragraph that is itself
//!    a heading line (`BACKGROUND OF THE INVENTION` as a short upper-case
//!    paragraph) is classified with [`classify_heading`]. A heading that names
//!    no known part (`1. Field of the Invention` does, `Definitions` does not)
//!    is a sub-heading and keeps the part it sits in.
//! 2. **Cues,** when the headings name neither a background nor a summary: the
//!    benchmark corpus (its source stripped every heading) and many EPO
//!    publications have none. The leading unlabelled paragraphs are read in
//!    order: cross-reference paragraphs, then a field paragraph (`This
//!    invention relates to ...`), then background up to the first paragraph
//!    that opens a summary (`The present invention provides`, `According to a
//!    first aspect`, `An object of the invention is`, `This Summary is
//!    provided`), then summary up to the first paragraph that turns to the
//!    drawings or the detailed description (`Referring to`, `FIG. 1 is`,
//!    `Reference will now be made`, a figure list whose figure numbers were
//!    stripped: `is a block diagram of`). Nothing is inferred when no summary
//!    opener appears within the first 40 paragraphs: a background is only
//!    called one when something follows it.
//!
//! The result says which way it was found ([`Detection`]), so callers can
//! show a cue-based section as less certain.

use patsearch_record::Paragraph;
use serde::{Deserialize, Serialize};

/// A part of a patent description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Cross-references to related applications, government interest,
    /// sequence listings, incorporation by reference.
    Administrative,
    /// `TECHNICAL FIELD`, `FIELD OF THE INVENTION`.
    Field,
    /// `BACKGROUND`, `Description of the Related Art`, `PRIOR ART`.
    Background,
    /// A section that states the problem itself (`PROBLEMS TO BE SOLVED BY THE
    /// INVENTION`, `Technical Problem`), usual in patents of Japanese origin.
    Problem,
    /// `SUMMARY`, `BRIEF SUMMARY`, `DISCLOSURE OF THE INVENTION`, `MEANS FOR
    /// SOLVING THE PROBLEMS`, `OBJECTS OF THE INVENTION`.
    Summary,
    /// `BRIEF DESCRIPTION OF THE DRAWINGS`: the figure list.
    Drawings,
    /// `DETAILED DESCRIPTION`, embodiments, examples, best mode.
    Detailed,
}

/// How the parts of a description were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detection {
    /// From the description's own headings.
    Headings,
    /// From cue phrases, the description having no usable headings.
    Cues,
}

/// The part of each paragraph of a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptionParts {
    /// One per paragraph: its part, `None` where unknown.
    pub parts: Vec<Option<Part>>,
    /// One per paragraph: whether the paragraph is itself a heading line.
    pub heading_lines: Vec<bool>,
    /// How the parts were found; `None` when no part was found at all.
    pub detection: Option<Detection>,
}

impl DescriptionParts {
    /// Whether any paragraph belongs to `part`.
    pub fn has(&self, part: Part) -> bool {
        self.parts.contains(&Some(part))
    }
}

/// Classifies a heading (`BACKGROUND OF THE INVENTION`, `2. Description of the
/// Related Art`, `Brief Summary`); `None` for a heading that names no known
/// part (a sub-heading such as `Definitions` or `Overview`).
pub fn classify_heading(heading: &str) -> Option<Part> {
    let h = normalise_heading(heading);
    let has = |s: &str| h.contains(s);
    let words = h.split_whitespace().count();
    if words == 0 || words > 14 {
        return None;
    }
    if (has("CROSS") && has("REFERENCE"))
        || has("RELATED APPLICATION")
        || has("RELATED PATENT APPLICATION")
        || has("PRIORITY")
        || has("FEDERALLY")
        || has("GOVERNMENT")
        || has("INCORPORATION BY REFERENCE")
        || has("SEQUENCE LISTING")
        || has("COPYRIGHT")
        || has("REFERENCE TO A")
        || has("JOINT RESEARCH")
    {
        return Some(Part::Administrative);
    }
    if has("DETAILED DESCRIPTION") || has("DETAILED DISCLOSURE") {
        return Some(Part::Detailed);
    }
    if has("DRAWING") || has("FIGURES") || has("SEVERAL VIEWS") {
        return Some(Part::Drawings);
    }
    if has("PROBLEM") && !has("SOLVING") && !has("SOLUTION") && !has("MEANS") {
        return Some(Part::Problem);
    }
    if has("BACKGROUND") || has("PRIOR ART") || has("RELATED ART") || has("STATE OF THE ART") {
        return Some(Part::Background);
    }
    if has("SUMMARY")
        || has("SOLVING")
        || has("SOLUTION")
        || has("DISCLOSURE OF THE INVENTION")
        || has("DISCLOSURE OF INVENTION")
        || has("OBJECT")
        || has("ADVANTAGE")
        || has("EFFECT OF THE INVENTION")
        || has("EFFECTS OF THE INVENTION")
        || h == "BRIEF DESCRIPTION OF THE INVENTION"
        || h == "BRIEF DESCRIPTION"
    {
        return Some(Part::Summary);
    }
    if has("FIELD") {
        return Some(Part::Field);
    }
    if has("EMBODIMENT")
        || has("EXAMPLE")
        || has("BEST MODE")
        || has("MODE FOR")
        || has("MODES FOR")
        || has("CARRYING OUT")
        || has("DESCRIPTION OF THE INVENTION")
        || has("DESCRIPTION OF INVENTION")
        || has("INDUSTRIAL APPLICABILITY")
        || has("EXPERIMENTAL")
        || has("CONCLUSION")
        || h == "DESCRIPTION"
    {
        return Some(Part::Detailed);
    }
    None
}

/// Upper case, without leading numbering (`1.`, `II.`, `A.`, `(a)`) and
/// trailing punctuation.
fn normalise_heading(heading: &str) -> String {
    let mut h = heading.trim();
    // Leading "1.", "1)", "II.", "A." numbering.
    if let Some((first, rest)) = h.split_once(char::is_whitespace) {
        let f = first.trim_matches(|c| c == '(' || c == ')' || c == '.');
        let numbering = !f.is_empty()
            && f.len() <= 4
            && (f.chars().all(|c| c.is_ascii_digit() || c == '.')
                || f.chars().all(|c| "IVXivx".contains(c))
                || (f.len() == 1 && first.ends_with(['.', ')'])));
        if numbering {
            h = rest.trim_start();
        }
    }
    h.trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_uppercase()
}

/// Whether a paragraph's text is a heading line rather than prose: short, no
/// sentence punctuation inside, and either in capitals or a known heading.
pub fn is_heading_line(text: &str) -> bool {
    let t = text.trim();
    let words = t.split_whitespace().count();
    if words == 0 || words > 12 || t.len() > 120 {
        return false;
    }
    let body = t.trim_end_matches(['.', ':']);
    if body.contains(['.', ';', ',']) && !body.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let letters: Vec<char> = body.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 3 {
        return false;
    }
    let upper = letters.iter().all(|c| c.is_uppercase());
    upper || (words <= 8 && !t.ends_with('.') && classify_heading(t).is_some())
}

/// The part of every paragraph of `description`.
pub fn description_parts(description: &[Paragraph]) -> DescriptionParts {
    let n = description.len();
    let mut parts = vec![None; n];
    let mut heading_lines = vec![false; n];
    let mut current: Option<Part> = None;
    let mut last_heading: Option<&str> = None;
    let mut by_heading = false;
    for (i, p) in description.iter().enumerate() {
        let heading = p.heading.as_deref();
        if heading != last_heading {
            last_heading = heading;
            if let Some(part) = heading.and_then(classify_heading) {
                current = Some(part);
                by_heading = true;
            }
        }
        if is_heading_line(&p.text) {
            heading_lines[i] = true;
            if let Some(part) = classify_heading(&p.text) {
                current = Some(part);
                by_heading = true;
            }
        }
        parts[i] = current;
    }
    let named = |parts: &[Option<Part>], want: &[Part]| {
        parts.iter().any(|p| p.is_some_and(|p| want.contains(&p)))
    };
    if by_heading && named(&parts, &[Part::Background, Part::Problem, Part::Summary]) {
        return DescriptionParts {
            parts,
            heading_lines,
            detection: Some(Detection::Headings),
        };
    }
    // Cues over the leading paragraphs no heading labelled.
    let limit = parts.iter().position(Option::is_some).unwrap_or(n);
    let texts: Vec<&str> = description[..limit]
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    let inferred = infer_parts(&texts, &heading_lines[..limit]);
    let found = inferred.iter().any(Option::is_some);
    parts[..limit].copy_from_slice(&inferred);
    let detection = if found {
        Some(Detection::Cues)
    } else if by_heading {
        Some(Detection::Headings)
    } else {
        None
    };
    DescriptionParts {
        parts,
        heading_lines,
        detection,
    }
}

/// How many leading paragraphs may be cross-references.
const MAX_ADMIN_PARAGRAPHS: usize = 4;
/// How far (in paragraphs) a summary opener is looked for.
const SUMMARY_SEARCH: usize = 40;
/// The longest summary inferred from cues, in paragraphs.
const MAX_SUMMARY_PARAGRAPHS: usize = 30;

/// Parts of heading-less paragraphs from cue phrases; all `None` when no
/// summary opener is found.
fn infer_parts(texts: &[&str], heading_lines: &[bool]) -> Vec<Option<Part>> {
    let n = texts.len();
    let mut parts = vec![None; n];
    let lower: Vec<String> = texts
        .iter()
        .map(|t| t.chars().take(400).collect::<String>().to_lowercase())
        .collect();
    let mut i = 0;
    while i < n && i < MAX_ADMIN_PARAGRAPHS && (heading_lines[i] || is_administrative(&lower[i])) {
        if !heading_lines[i] {
            parts[i] = Some(Part::Administrative);
        }
        i += 1;
    }
    let background_start = if i < n && is_field(&lower[i]) {
        i + 1
    } else {
        i
    };
    let Some(mut summary_start) = (background_start..n.min(background_start + SUMMARY_SEARCH))
        .find(|&k| opens_summary(&lower[k]) && !turns_to_figures(&lower[k]))
    else {
        return vec![None; n];
    };
    // "This Summary is provided to introduce a selection of concepts ..."
    // follows the summary it speaks of: the summary starts after the
    // background's own closing boilerplate, or one paragraph earlier.
    if lower[summary_start].contains("this summary is provided") && summary_start > background_start
    {
        let from = summary_start.saturating_sub(5).max(background_start);
        summary_start = (from..summary_start)
            .rev()
            .find(|&k| {
                lower[k].contains("general background")
                    || lower[k].contains("background information")
            })
            .map_or(summary_start - 1, |k| k + 1);
    }
    for (k, l) in lower.iter().enumerate().take(i) {
        if is_administrative(l) {
            parts[k] = Some(Part::Administrative);
        }
    }
    if background_start > i {
        parts[i] = Some(Part::Field);
    }
    for part in &mut parts[background_start..summary_start] {
        *part = Some(Part::Background);
    }
    let end_limit = n.min(summary_start + MAX_SUMMARY_PARAGRAPHS);
    let summary_end = (summary_start + 1..end_limit)
        .find(|&k| opens_detailed(&lower[k]))
        .unwrap_or(end_limit);
    for part in &mut parts[summary_start..summary_end] {
        *part = Some(Part::Summary);
    }
    // What follows is the drawings or the detailed description.
    for (k, l) in lower.iter().enumerate().skip(summary_end) {
        parts[k] = Some(if is_figure_entry(l) {
            Part::Drawings
        } else {
            Part::Detailed
        });
    }
    parts
}

fn contains_any(text: &str, cues: &[&str]) -> bool {
    cues.iter().any(|c| text.contains(c))
}

/// Cross-reference, priority, government-interest and copyright paragraphs
/// (`lower` is lower-cased).
pub(crate) fn is_administrative(lower: &str) -> bool {
    contains_any(lower, ADMINISTRATIVE_PHRASES)
}

/// What cross-reference, priority, government-interest and copyright
/// paragraphs say (lower case).
pub(crate) const ADMINISTRATIVE_PHRASES: &[&str] = &[
    "incorporated herein by reference",
    "incorporated by reference",
    "hereby incorporated",
    "claims priority",
    "claims the benefit",
    "claim the benefit",
    "benefit of priority",
    "this application is a continuation",
    "this application is a division",
    "this application is a national",
    "application is a continuation",
    "provisional application",
    "provisional patent application",
    "federally sponsored",
    "government support",
    "government has certain rights",
    "subject to copyright",
    "copyright protection",
];

/// A field-of-the-invention opening: `This invention relates to ...`.
fn is_field(lower: &str) -> bool {
    let first = lower.split(". ").next().unwrap_or(lower);
    contains_any(
        first,
        &[
            "relates",
            "relate to",
            "pertains",
            "directed to",
            "concerns",
        ],
    ) && contains_any(
        first,
        &[
            "invention",
            "disclosure",
            "embodiment",
            "application",
            "field",
            "technolog",
            "subject matter",
        ],
    ) && !opens_summary(first)
}

/// A paragraph that opens a summary of the invention.
fn opens_summary(lower: &str) -> bool {
    contains_any(
        lower,
        &[
            "present invention provides",
            "invention provides",
            "disclosure provides",
            "embodiments provide",
            "embodiments of the invention provide",
            "embodiments of the present invention provide",
            "there is provided",
            "there are provided",
            "according to a first aspect",
            "according to an aspect",
            "according to one aspect",
            "according to a first embodiment",
            "according to one embodiment of the present",
            "according to an embodiment of the present",
            "in accordance with an aspect",
            "in accordance with one aspect",
            "in accordance with a first aspect",
            "in one aspect",
            "in a first aspect",
            "in a first embodiment of the present",
            "an object of the",
            "the object of the",
            "object of the present",
            "objects of the present",
            "objects of the invention",
            "aim of the present",
            "aim of the invention",
            "purpose of the present",
            "it is an object",
            "this summary is provided",
            "summary of the invention",
            "to solve the above",
            "to solve the problem",
            "to solve this problem",
            "to solve these problems",
            "to overcome the",
            "to achieve the above",
            "to achieve this object",
            "to achieve these objects",
            "briefly,",
            "briefly described",
            "briefly stated",
            "in summary,",
            "the invention solves",
            "this object is achieved",
            "these objects are achieved",
            "the object is achieved",
            "is achieved by a",
            "according to this disclosure",
            "according to the present disclosure",
            "according to the present invention",
            "according to the invention",
            "in accordance with various embodiments",
            "in accordance with an embodiment",
            "in accordance with one embodiment",
            "aspect of the present",
            "aspect of the disclosed",
            "aspect of the invention",
            "aspects of an embodiment",
            "aspects of the present",
            "embodiment of the present invention provides",
            "one embodiment of the invention",
            "one embodiment of the present",
            "embodiments of the present disclosure are directed",
            "embodiments of the invention are directed",
            "embodiments of the present invention are directed",
            "present invention is directed to",
            "present disclosure is directed to",
            "in one example,",
            "in one example a",
            "are disclosed herein",
            "is disclosed herein",
            " is provided.",
            " are provided.",
        ],
    )
}

/// A paragraph that is about the figures: a figure-list entry or one that
/// opens with a reference to a figure.
fn turns_to_figures(lower: &str) -> bool {
    is_figure_entry(lower)
        || [
            "referring",
            "reference is",
            "reference will",
            "with reference",
            "turning",
            "as shown",
        ]
        .iter()
        .any(|p| lower.trim_start().starts_with(p))
}

/// A paragraph that turns to the drawings or the detailed description.
fn opens_detailed(lower: &str) -> bool {
    is_figure_entry(lower)
        || contains_any(
            lower,
            &[
                "brief description of the drawings",
                "detailed description",
                "accompanying drawings",
                "accompanying figures",
                "reference will now be made",
                "reference is now made",
                "reference is made to",
                "is a block diagram",
                "is a flow chart",
                "is a flowchart",
                "is a flow diagram",
                "is a schematic",
                "referring to",
                "referring now",
                "with reference to the drawings",
                "with reference to the figures",
                "turning now to",
                "turning to",
                "for simplicity and clarity of illustration",
                "in the following description",
                "numerous specific details",
                "will now be described",
                "the drawings",
                "the figures",
            ],
        )
}

/// A figure-list entry: `FIG. 1 is a ...`, or one whose figure number the
/// source stripped (`is a block diagram of ...`, `shows a ...`).
pub(crate) fn is_figure_entry(lower: &str) -> bool {
    let t = lower.trim_start();
    let fig = ["fig. ", "figs. ", "fig ", "figure ", "figures "]
        .iter()
        .find_map(|p| t.strip_prefix(p));
    if let Some(rest) = fig {
        // "FIG. 1 is", "FIGS. 2A and 2B are", "FIG. 3 shows".
        let head: String = t.chars().take(40).collect();
        return rest.starts_with(|c: char| c.is_ascii_digit())
            && contains_any(
                &head,
                &[
                    " is ",
                    " are ",
                    " shows",
                    " illustrates",
                    " depicts",
                    " show ",
                ],
            );
    }
    [
        "is a ",
        "is an ",
        "are ",
        "shows ",
        "illustrates ",
        "depicts ",
        "is the ",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(heading: Option<&str>, text: &str) -> Paragraph {
        Paragraph {
            number: None,
            heading: heading.map(str::to_string),
            text: text.to_string(),
        }
    }

    #[test]
    fn headings_from_real_records() {
        use Part::*;
        let cases = [
            ("BACKGROUND OF THE INVENTION", Some(Background)),
            ("BACKGROUND", Some(Background)),
            ("Background of the Invention", Some(Background)),
            ("2. Description of the Related Art", Some(Background)),
            ("2. Description of the Prior Art", Some(Background)),
            ("BACKGROUND ART", Some(Background)),
            ("BACKGROUND AND SUMMARY", Some(Background)),
            ("1. Field of the Invention", Some(Field)),
            ("TECHNICAL FIELD", Some(Field)),
            ("FIELD", Some(Field)),
            ("SUMMARY OF THE INVENTION", Some(Summary)),
            ("BRIEF SUMMARY OF THE INVENTION", Some(Summary)),
            ("SUMMARY", Some(Summary)),
            ("OBJECTS AND SUMMARY OF THE INVENTION", Some(Summary)),
            ("DISCLOSURE OF THE INVENTION", Some(Summary)),
            ("MEANS FOR SOLVING THE PROBLEMS", Some(Summary)),
            ("BRIEF DESCRIPTION OF THE INVENTION", Some(Summary)),
            ("PROBLEMS TO BE SOLVED BY THE INVENTION", Some(Problem)),
            ("Technical Problem", Some(Problem)),
            ("Solution to Problem", Some(Summary)),
            ("BRIEF DESCRIPTION OF THE DRAWINGS", Some(Drawings)),
            (
                "BRIEF DESCRIPTION OF THE SEVERAL VIEWS OF THE DRAWINGS",
                Some(Drawings),
            ),
            ("Brief Description of Drawings", Some(Drawings)),
            ("BRIEF DESCRIPTION OF THE FIGURES", Some(Drawings)),
            ("DETAILED DESCRIPTION OF THE DRAWINGS", Some(Detailed)),
            (
                "DETAILED DESCRIPTION OF THE PREFERRED EMBODIMENTS",
                Some(Detailed),
            ),
            ("DESCRIPTION OF THE PREFERRED EMBODIMENT", Some(Detailed)),
            ("BEST MODE FOR CARRYING OUT THE INVENTION", Some(Detailed)),
            ("Example 1", Some(Detailed)),
            ("Third Embodiment", Some(Detailed)),
            (
                "CROSS-REFERENCE TO RELATED APPLICATIONS",
                Some(Administrative),
            ),
            (
                "CROSS REFERENCE TO RELATED APPLICATION",
                Some(Administrative),
            ),
            (
                "STATEMENT REGARDING FEDERALLY SPONSORED RESEARCH OR DEVELOPMENT",
                Some(Administrative),
            ),
            ("CLAIM OF PRIORITY", Some(Administrative)),
            ("SEQUENCE LISTING", Some(Administrative)),
            ("Definitions", None),
            ("Abbreviations", None),
        ];
        for (h, want) in cases {
            assert_eq!(classify_heading(h), want, "{h}");
        }
    }

    #[test]
    fn heading_lines() {
        assert!(is_heading_line("BACKGROUND OF THE INVENTION"));
        assert!(is_heading_line("BACKGROUND OF THE INVENTION."));
        assert!(is_heading_line("Summary of the Invention"));
        assert!(is_heading_line("1. Field of the Invention"));
        assert!(!is_heading_line("The invention relates to pumps."));
        assert!(!is_heading_line("Summary is given below, in brief."));
        assert!(!is_heading_line("A B"));
    }

    #[test]
    fn parts_follow_headings_and_sub_headings() {
        let d = vec![
            para(Some("BACKGROUND OF THE INVENTION"), "Field text."),
            para(
                Some("1. Field of the Invention"),
                "The invention relates to pumps.",
            ),
            para(Some("2. Description of the Related Art"), "Pumps leak."),
            para(Some("Overview"), "Still background."),
            para(
                Some("SUMMARY OF THE INVENTION"),
                "The invention provides a pump.",
            ),
            para(
                Some("BRIEF DESCRIPTION OF THE DRAWINGS"),
                "FIG. 1 is a pump.",
            ),
            para(Some("DETAILED DESCRIPTION"), "The pump has a rotor."),
        ];
        let p = description_parts(&d);
        use Part::*;
        assert_eq!(
            p.parts,
            vec![
                Some(Background),
                Some(Field),
                Some(Background),
                Some(Background),
                Some(Summary),
                Some(Drawings),
                Some(Detailed)
            ]
        );
        assert_eq!(p.detection, Some(Detection::Headings));
    }

    #[test]
    fn heading_paragraphs_count_as_headings() {
        let d = vec![
            para(None, "BACKGROUND"),
            para(None, "Pumps leak."),
            para(None, "SUMMARY"),
            para(None, "The invention provides a pump."),
        ];
        let p = description_parts(&d);
        assert_eq!(p.heading_lines, vec![true, false, true, false]);
        assert_eq!(p.parts[1], Some(Part::Background));
        assert_eq!(p.parts[3], Some(Part::Summary));
    }

    #[test]
    fn cues_without_headings() {
        // The opening of US8799651 in the benchmark corpus (abridged).
        let d: Vec<Paragraph> = [
            "This application is a Divisional of U.S. application Ser. No. 12 361 268 filed on Jan. 28 2009 entitled METHOD AND SYSTEM FOR ENCRYPTED FILE ACCESS the entirety of which is incorporated herein by reference.",
            "This invention relates to the field of encrypted file access. In particular the invention relates to file access through an encrypting system based on the accessing application.",
            "Backup of data has become very important as the amount of data produced by enterprises and personal users has increased.",
            "However a problem arises if a virus such as a Trojan horse or a worm infiltrates the computer and accesses the stored data by the route of applications access.",
            "An aim of the present invention is to provide an enhanced encrypting file system in which the encrypting file system conditionally decrypts data depending on the destination application.",
            "According to a first aspect of the present invention there is provided a method for file access in a file encryption system.",
            "It will be appreciated that for simplicity and clarity of illustration elements shown in the figures have not necessarily been drawn to scale.",
            "Referring to a computer system is shown within which the present invention may be implemented.",
        ]
        .iter()
        .map(|t| para(None, t))
        .collect();
        let p = description_parts(&d);
        use Part::*;
        assert_eq!(
            p.parts,
            vec![
                Some(Administrative),
                Some(Field),
                Some(Background),
                Some(Background),
                Some(Summary),
                Some(Summary),
                Some(Detailed),
                Some(Detailed)
            ]
        );
        assert_eq!(p.detection, Some(Detection::Cues));
    }

    #[test]
    fn no_summary_opener_no_parts() {
        let d = vec![
            para(None, "A pump has a rotor."),
            para(None, "The rotor turns."),
        ];
        let p = description_parts(&d);
        assert_eq!(p.parts, vec![None, None]);
        assert_eq!(p.detection, None);
    }

    #[test]
    fn figure_entries() {
        assert!(is_figure_entry("fig. 1 is a block diagram of a system."));
        assert!(is_figure_entry("figs. 2a and 2b are views of the valve."));
        assert!(is_figure_entry("is a block diagram of a system."));
        assert!(!is_figure_entry(
            "figure skating is a sport with jumps and spins."
        ));
        assert!(!is_figure_entry("the valve is a ball valve."));
    }
}
