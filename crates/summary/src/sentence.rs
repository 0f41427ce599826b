//! Sentence splitting for patent text.
//!
//! Patent prose is full of full stops that end nothing: `U.S. Pat. No.
//! 7,928,248`, `FIG. 3`, `e.g.`, `Ser. No. 12/345,678`, `3.5 mm`, `J. Smith`,
//! `1. A method comprising`. [`split_sentences`] is a small rule-based
//! splitter tuned for that prose; it never copies or rewrites text, so every
//! sentence is a byte range of its source ([`Span`]) and quoting it is exact.
//!
//! The rules, in order:
//!
//! * A blank line (a line holding only whitespace) always ends a sentence: it
//!   is a paragraph boundary. A single line break is ordinary whitespace.
//! * `.`, `?` and `!` end a sentence when they are followed (after any closing
//!   quotes or brackets) by whitespace and then an upper-case letter, a digit,
//!   an opening quote or an opening bracket. `e.g. the`, `etc. and`, `wt.%`,
//!   `3.5` and `2,2'-bis(...)` therefore never split.
//! * A `.` never ends a sentence after a known abbreviation (`Pat.`, `No.`,
//!   `FIG.`, `Ser.`, `Inc.`, `et al.`, journal abbreviations like `Proc. Natl.
//!   Acad. Sci.` ...; see [`NEVER_ENDS`]), after a month abbreviation followed
//!   by a digit (`Jan. 28 2009`), after a single capital letter (`J. Smith`),
//!   after letters joined by dots (`U.S.`, `i.e.`), or after a number that
//!   opens its sentence (`1. A method`, `1.2. Overview`: claim and section
//!   numbers).
//! * A sentence also ends before a claim number when concatenated claims lack
//!   the full stop: `... and B 2. The method of claim 1 ...` splits before
//!   `2.`.
//! * `;` never ends a sentence (claims and lists stay whole), except that a
//!   sentence longer than [`MAX_SENTENCE_CHARS`] is cut after `; ` boundaries
//!   into pieces of at most that length where the text allows it.
//!
//! Spans are trimmed of whitespace; empty spans and spans without any letter or
//! digit are dropped.

use patsearch_record::claims;
use serde::{Deserialize, Serialize};

/// Sentences longer than this many characters are cut at `; ` boundaries.
pub const MAX_SENTENCE_CHARS: usize = 600;

/// A byte range of a source text: `&text[span.start..span.end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Self { start, end }
    }

    /// The slice of `source` this span covers.
    ///
    /// # Panics
    /// When the span does not lie on character boundaries of `source` (it was
    /// made for another text).
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Tokens (compared case-sensitively, without their final `.`) after which a
/// full stop never ends a sentence: reference prefixes, figure labels, company
/// suffixes, titles, Latin abbreviations and the usual journal abbreviations
/// of chemistry and biology citations.
#[rustfmt::skip]
pub const NEVER_ENDS: &[&str] = &[
    // references and figures
    "Pat", "Pats", "pat", "No", "Nos", "no", "nos", "FIG", "FIGS", "Fig", "Figs", "fig", "figs",
    "Ser", "Appl", "Publ", "Pub", "App", "Ref", "Refs", "Eq", "Eqs", "Vol", "vol", "pp", "Sec",
    "Sect", "Ch", "Col", "col", "para", "Para", "Ex", "Tab", "cl",
    // companies
    "Co", "Inc", "Corp", "Ltd", "Mfg", "Bros", "Intl", "Assn", "GmbH",
    // titles
    "Dr", "Mr", "Mrs", "Ms", "Prof", "Jr", "Sr", "St", "Messrs",
    // Latin and friends (etc. deliberately absent: it often ends a sentence)
    "al", "approx", "Approx", "vs", "cf", "Cf", "viz", "ca", "resp", "wt", "Wt", "conc", "aq",
    "sp", "spp", "var", "ssp",
    // journal abbreviations
    "Proc", "Natl", "Nat", "Acad", "Sci", "Biol", "Chem", "Biochem", "Biophys", "Mol", "Res",
    "Soc", "Med", "Immunol", "Biotechnol", "Pharm", "Pharmacol", "Lett", "Phys", "Rev", "Eng",
    "Int", "Ed", "Eds", "Engl", "Angew", "Am", "Ann", "Genet", "Microbiol", "Virol", "Opin",
    "Curr", "Meth", "Enzymol", "Bioinf", "Comput", "Trans", "Commun", "Syst", "Electron", "Mater",
    "Polym", "Clin", "Exp", "Cell", "Nucl", "Acids", "Org", "Inorg", "Anal", "Opt", "Technol",
    "Ind", "Eur", "Hum", "Calcd", "Appln", "Seq", "Cat", "Ing",
];

/// Words that open a new sentence after a single capital (`the sheet P. The
/// sheet moves`); before any other capitalised word the capital is taken for
/// an initial (`J. Smith`).
#[rustfmt::skip]
const SENTENCE_OPENERS: &[&str] = &[
    "A", "After", "All", "Also", "Alternatively", "An", "Another", "As", "At", "Accordingly",
    "Additionally", "Although", "Because", "Before", "Both", "By", "Consequently", "Each",
    "Finally", "For", "Further", "Furthermore", "Hence", "Here", "However", "If", "In", "It",
    "Its", "Moreover", "Next", "Now", "On", "Once", "One", "Other", "Preferably", "Referring",
    "Similarly", "Since", "So", "Subsequently", "Such", "That", "The", "Their", "Then", "There",
    "Therefore", "These", "This", "Those", "Thus", "To", "When", "Where", "While", "With", "FIG",
    "FIGS", "Fig",
];

/// Month abbreviations: no sentence end when a digit follows (`Jan. 28 2009`).
#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
];

/// Whether `text` opens a dependent claim (`2. The method of claim 1`): how
/// claims concatenated without a full stop are told from a number in running
/// text. The claim number and the reference follow `patsearch_record::claims`.
fn starts_dependent_claim(text: &str) -> bool {
    if claims::leading_number(text).is_none_or(|n| n > 999) {
        return false;
    }
    let body = claims::strip_leading_number(text);
    let Some(rest) = ["The ", "A ", "An "]
        .iter()
        .find_map(|opening| body.strip_prefix(opening))
    else {
        return false;
    };
    let clause = rest.find(['.', ';']).map_or(rest, |end| &rest[..end]);
    claims::first_reference(clause).is_some_and(|r| r.start <= 120)
}

/// Splits `text` into sentences, each a trimmed byte range of `text`.
///
/// See the module documentation for the rules. The spans are in order, do not
/// overlap, and `&text[span.start..span.end]` is the sentence verbatim.
pub fn split_sentences(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    for para in paragraphs(text) {
        split_paragraph(text, para, &mut out);
    }
    out
}

/// The sentences of `text` as string slices (see [`split_sentences`]).
pub fn sentences(text: &str) -> impl Iterator<Item = &str> {
    split_sentences(text).into_iter().map(move |s| s.text(text))
}

/// Byte ranges of the paragraphs of `text`: runs of lines separated by blank
/// lines (lines holding only whitespace).
fn paragraphs(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = None;
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let line_start = pos;
        pos += line.len();
        if line.trim().is_empty() {
            if let Some(s) = start.take() {
                out.push(Span::new(s, end));
            }
        } else {
            start.get_or_insert(line_start);
            end = pos;
        }
    }
    if let Some(s) = start {
        out.push(Span::new(s, end));
    }
    out
}

fn split_paragraph(text: &str, para: Span, out: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    let mut sent_start = skip_ws(text, para.start, para.end);
    let mut i = sent_start;
    while i < para.end {
        let b = bytes[i];
        match b {
            b'.' | b'?' | b'!' => {
                if let Some(end) = sentence_end(text, para, sent_start, i) {
                    push(text, Span::new(sent_start, end), out);
                    sent_start = skip_ws(text, end, para.end);
                    i = sent_start;
                    continue;
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                // Concatenated claims without a full stop: `... B 2. The method of claim 1`.
                let next = i + 1;
                if next < para.end
                    && bytes[next].is_ascii_digit()
                    && next > sent_start
                    && !ends_sentence_already(text, sent_start, i)
                    && starts_dependent_claim(&text[next..para.end])
                {
                    push(text, Span::new(sent_start, i), out);
                    sent_start = next;
                    i = next;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if sent_start < para.end {
        push(text, Span::new(sent_start, para.end), out);
    }
}

/// Whether the text before `at` ends with sentence-final punctuation.
fn ends_sentence_already(text: &str, start: usize, at: usize) -> bool {
    text[start..at]
        .trim_end()
        .ends_with(['.', '?', '!', ':', ';'])
}

fn skip_ws(text: &str, mut i: usize, end: usize) -> usize {
    while i < end {
        let c = text[i..].chars().next().unwrap_or(' ');
        if !c.is_whitespace() {
            break;
        }
        i += c.len_utf8();
    }
    i
}

const CLOSERS: &[char] = &['"', '\'', '\u{201d}', '\u{2019}', ')', ']', '}'];
const OPENERS: &[char] = &['"', '\'', '\u{201c}', '\u{2018}', '(', '[', '{'];

/// When the punctuation at byte `i` ends a sentence, the byte just after the
/// sentence (past closing quotes/brackets).
fn sentence_end(text: &str, para: Span, sent_start: usize, i: usize) -> Option<usize> {
    let punct = text.as_bytes()[i];
    // Past the punctuation and any closers (`."`, `.)`, `?!`).
    let mut end = i + 1;
    while end < para.end {
        let c = text[end..].chars().next()?;
        if CLOSERS.contains(&c) || (c == '.' || c == '?' || c == '!') {
            end += c.len_utf8();
        } else {
            break;
        }
    }
    if end >= para.end {
        return None; // The paragraph end closes the sentence anyway.
    }
    let after = &text[end..para.end];
    let first = after.chars().next()?;
    if !first.is_whitespace() {
        return None;
    }
    let next_text = after.trim_start();
    let next = next_text.chars().next()?;
    if !(next.is_uppercase() || next.is_ascii_digit() || OPENERS.contains(&next)) {
        return None;
    }
    if punct == b'.' && !period_ends(text, sent_start, i, next_text) {
        return None;
    }
    Some(end)
}

/// Whether the full stop at byte `dot` ends a sentence, judged by the token
/// before it and the text `next_text` that follows the punctuation.
fn period_ends(text: &str, sent_start: usize, dot: usize, next_text: &str) -> bool {
    let next = next_text.chars().next().unwrap_or(' ');
    let next_word = next_text
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let before = &text[sent_start..dot];
    let token_start = before
        .rfind(|c: char| c.is_whitespace())
        .map(|p| p + before[p..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(0);
    let raw = &before[token_start..];
    let token = raw.trim_start_matches(OPENERS);
    if token.is_empty() {
        return true;
    }
    if NEVER_ENDS.contains(&token) {
        return false;
    }
    if next.is_ascii_digit() && MONTHS.contains(&token) {
        return false;
    }
    // A single capital initial (`J. Smith`), unless a usual sentence opener
    // follows (`... the sheet P. The sheet ...`).
    let mut chars = token.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_uppercase() && !SENTENCE_OPENERS.contains(&next_word) {
            return false;
        }
    }
    // Letters joined by dots: `U.S`, `e.g`, `i.e`, `a.k.a`, `Ph.D`.
    if token.contains('.')
        && token
            .split('.')
            .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(char::is_alphabetic))
    {
        return false;
    }
    // A number opening its sentence: claim `1.`, section `1.2.`.
    if token_start == 0
        && token.chars().next().is_some_and(|c| c.is_ascii_digit())
        && token.chars().all(|c| c.is_ascii_digit() || c == '.')
        && token.len() <= 8
    {
        return false;
    }
    true
}

fn push(text: &str, span: Span, out: &mut Vec<Span>) {
    let s = span.text(text);
    let trimmed_start = s.len() - s.trim_start().len();
    let t = s.trim();
    if t.is_empty() || !t.chars().any(char::is_alphanumeric) {
        return;
    }
    let start = span.start + trimmed_start;
    let whole = Span::new(start, start + t.len());
    if t.chars().count() > MAX_SENTENCE_CHARS {
        cut_long(text, whole, out);
    } else {
        out.push(whole);
    }
}

/// Cuts a long sentence after `; ` boundaries into pieces of at most
/// [`MAX_SENTENCE_CHARS`] characters where possible (a piece without any `; `
/// inside the limit runs to the next one).
fn cut_long(text: &str, span: Span, out: &mut Vec<Span>) {
    let s = span.text(text);
    // Byte offsets (relative to s) just after each "; ".
    let cuts: Vec<usize> = s
        .match_indices(';')
        .map(|(p, _)| p + 1)
        .filter(|&p| s[p..].starts_with(char::is_whitespace))
        .collect();
    let mut start = 0;
    while start < s.len() {
        let limit = char_offset(s, start, MAX_SENTENCE_CHARS);
        if limit >= s.len() {
            break;
        }
        let best = cuts
            .iter()
            .copied()
            .rfind(|&c| c > start && c <= limit)
            .or_else(|| cuts.iter().copied().find(|&c| c > start));
        match best {
            Some(cut) => {
                emit_trimmed(text, span.start + start, span.start + cut, out);
                start = cut;
            }
            None => break,
        }
    }
    emit_trimmed(text, span.start + start, span.end, out);
}

fn emit_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let t = s.trim();
    if !t.is_empty() && t.chars().any(char::is_alphanumeric) {
        out.push(Span::new(start + lead, start + lead + t.len()));
    }
}

/// The byte offset `n` characters after byte `from` in `s` (or `s.len()`).
fn char_offset(s: &str, from: usize, n: usize) -> usize {
    s[from..]
        .char_indices()
        .nth(n)
        .map_or(s.len(), |(p, _)| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        let spans = split_sentences(text);
        for w in spans.windows(2) {
            assert!(w[0].end <= w[1].start, "overlapping spans in {text:?}");
        }
        spans.iter().map(|s| s.text(text)).collect()
    }

    #[track_caller]
    fn one(text: &str) {
        assert_eq!(split(text), vec![text], "split inside {text:?}");
    }

    #[test]
    fn plain_sentences() {
        assert_eq!(
            split("The device has a housing. It is made of steel! Is it strong? Yes."),
            vec![
                "The device has a housing.",
                "It is made of steel!",
                "Is it strong?",
                "Yes."
            ]
        );
    }

    #[test]
    fn patent_references_stay_whole() {
        one("Such a system is disclosed in U.S. Pat. No. 7,928,248 to Smith, which is incorporated herein by reference.");
        one("Such a system is disclosed in U.S. Pat. No. 7 928 248 issued Apr. 12 2011.");
        one("This application claims priority to U.S. patent application Ser. No. 12/345,678, filed Jan. 28, 2009.");
        one("See U.S. Pat. Nos. 5,000,000 and 6,000,000 and U.S. Pat. Appl. Publ. No. 2004/0123456.");
        one("See U.S. Patent Application Publication No. 2010/0012345 A1 and U.S. Appl. No. 61/123,456.");
        one("This application is a Divisional of U.S. application Ser. No. 12 361 268 filed on Jan. 28 2009 entitled METHOD AND SYSTEM.");
    }

    #[test]
    fn figures_stay_whole() {
        one("As shown in FIG. 3, the valve opens.");
        one("FIGS. 1A-1C show the first embodiment of the invention.");
        one("Referring now to Fig. 2 the housing is shown in section.");
        one("The sensor (see FIG. 4A) is mounted on the frame.");
        assert_eq!(
            split("FIG. 1 is a block diagram of a system. FIG. 2 is a flow chart of a method."),
            vec![
                "FIG. 1 is a block diagram of a system.",
                "FIG. 2 is a flow chart of a method."
            ]
        );
    }

    #[test]
    fn latin_and_company_abbreviations() {
        one("A solvent, e.g. N,N-dimethylformamide, is added.");
        one("A solvent, e.g. DMF or THF, is added.");
        one("The terminal, i.e. a mobile phone, sends the request.");
        one("Metals such as copper, aluminium, etc. are suitable conductors.");
        one("The method of Smith et al. Nature 2003 is used.");
        one("Heating to approx. 80 degrees is sufficient.");
        one("Polymers were purchased from Sigma-Aldrich Co. LLC and used as received.");
        one("The software is available from Microsoft Corp. Redmond.");
        one("The chip is made by Intel Inc. California and by Acme Ltd. Tokyo.");
        one("Performance of A vs. B is compared in Table 1.");
        one("This differs from prior approaches, cf. Dr. Jones.");
        one("The method was described by J. Smith and K. L. Jones in 2004.");
        assert_eq!(
            split("The image is fixed on the paper sheet P. The sheet P is then ejected."),
            vec![
                "The image is fixed on the paper sheet P.",
                "The sheet P is then ejected."
            ]
        );
        one("Anal. Calcd. For C16H19N3O3S: 333.11, found: (M+H) 334.1.");
        one("Sequence alignment was performed as in Proc. Natl. Acad. Sci. USA 85:2444 (1988).");
    }

    #[test]
    fn etc_can_end_a_sentence() {
        assert_eq!(
            split("Suitable metals include copper, silver, etc. The layer is thin."),
            vec![
                "Suitable metals include copper, silver, etc.",
                "The layer is thin."
            ]
        );
    }

    #[test]
    fn numbers_and_chemistry() {
        one("The layer is 3.5 mm thick and contains about 0.1 wt.% of silica.");
        one("The composition comprises 0.1 wt. % of a stabiliser.");
        one("As described in section 1.2.3 above, the key is rotated.");
        one("The monomer 2,2'-bis(4-hydroxyphenyl)propane is reacted with phosgene.");
        one("The salt is dissolved in N,N-dimethylformamide at 25° C.");
        assert_eq!(
            split("The channel is permeable to Ca2+. The pore opens at -40 mV."),
            vec![
                "The channel is permeable to Ca2+.",
                "The pore opens at -40 mV."
            ]
        );
        assert_eq!(
            split("The pH was adjusted to 7.4. The mixture was stirred for 2 h."),
            vec![
                "The pH was adjusted to 7.4.",
                "The mixture was stirred for 2 h."
            ]
        );
    }

    #[test]
    fn claims_split_at_claim_numbers() {
        let text = "1. A method comprising: receiving a request; and sending a reply. \
                    2. The method of claim 1, wherein the request is encrypted. \
                    3. The method of claim 2, wherein the key is stored.";
        assert_eq!(
            split(text),
            vec![
                "1. A method comprising: receiving a request; and sending a reply.",
                "2. The method of claim 1, wherein the request is encrypted.",
                "3. The method of claim 2, wherein the key is stored."
            ]
        );
        // Concatenated claims without the full stop.
        assert_eq!(
            split("1. A device comprising a frame and a wheel 2. The device of claim 1 wherein the wheel is round"),
            vec![
                "1. A device comprising a frame and a wheel",
                "2. The device of claim 1 wherein the wheel is round"
            ]
        );
        one("1. Field of the Invention");
    }

    #[test]
    fn semicolons_do_not_split() {
        one("A system comprising: a processor; a memory coupled to the processor; and a display.");
    }

    #[test]
    fn quotes_and_brackets() {
        assert_eq!(
            split("The mode is called \"sleep.\" The device then wakes. (The timer is reset.) Then it stops."),
            vec![
                "The mode is called \"sleep.\"",
                "The device then wakes.",
                "(The timer is reset.)",
                "Then it stops."
            ]
        );
        assert_eq!(
            split("It works. \u{201c}Smart\u{201d} devices follow."),
            vec!["It works.", "\u{201c}Smart\u{201d} devices follow."]
        );
    }

    #[test]
    fn lower_case_after_a_period_does_not_split() {
        one("The value of x. is computed from the table.");
    }

    #[test]
    fn paragraphs_always_split() {
        let text = "BACKGROUND\n\nA first paragraph without a stop\n\n\n  Second paragraph.\nStill second.  \n \nThird";
        assert_eq!(
            split(text),
            vec![
                "BACKGROUND",
                "A first paragraph without a stop",
                "Second paragraph.",
                "Still second.",
                "Third"
            ]
        );
    }

    #[test]
    fn spans_are_trimmed_and_verbatim() {
        let text = "  First one.   Second one.  ";
        let spans = split_sentences(text);
        assert_eq!(spans, vec![Span::new(2, 12), Span::new(15, 26)]);
        assert_eq!(spans[1].text(text), "Second one.");
        assert!(split_sentences("   \n\n ... ").is_empty());
        assert!(split_sentences("").is_empty());
    }

    #[test]
    fn long_sentences_are_cut_at_semicolons() {
        let clause = "a component coupled to the frame and arranged to rotate about an axis";
        let text = (0..20)
            .map(|i| format!("{clause} {i}"))
            .collect::<Vec<_>>()
            .join("; ")
            + ".";
        let spans = split_sentences(&text);
        assert!(spans.len() > 1);
        for s in &spans {
            let t = s.text(&text);
            assert!(t.chars().count() <= MAX_SENTENCE_CHARS, "{t}");
            assert!(t.ends_with(';') || t.ends_with('.'), "{t}");
        }
        // Together they cover the whole sentence.
        assert_eq!(spans[0].start, 0);
        assert_eq!(spans.last().unwrap().end, text.len());
        // A long sentence without any "; " stays whole.
        let long = "word ".repeat(200) + "end.";
        assert_eq!(split(&long).len(), 1);
    }

    #[test]
    fn non_ascii_text() {
        assert_eq!(
            split("Die Erfindung betrifft eine Schraube. Über die Länge ist sie gleich."),
            vec![
                "Die Erfindung betrifft eine Schraube.",
                "Über die Länge ist sie gleich."
            ]
        );
        one("The angle is 90°. and the rest — “quoted”.");
    }
}
