//! EPO publication XML: `ep-patent-document` v1.0 to v1.5.1 (A and B
//! publications) and the front-page-only `ep-bulletin-v1-0` records.
//!
//! The bibliographic data sits in `<SDOBI>` under WIPO ST.32 "B-field" names:
//! B110 number, B130 kind, B140 date, B190 office; B210/B220 application;
//! B300 priorities (flat B310/B320/B330 runs); B510 (old IPC, B511 main,
//! B512 further) or B510EP (`classification-ipcr` text lines); B520EP (CPC);
//! B540 titles (flat B541 language / B542 title pairs); B560 citations
//! (B561 patent, B562 non-patent); B620 the parent of a divisional; B700
//! parties (B711 applicants, B721 inventors, B731 proprietors). The text
//! parts (`<abstract>`, `<description>`, one `<claims>` per language) follow,
//! then the search report and `<ep-reference-list>` (documents the applicant
//! cited in the description).

use patsearch_record::{
    parse_date, CitedBy, Claim, ClaimSet, Classification, DocumentRef, NplCitation, Party,
    PatentCitation, PatentRecord, PublicationNumber, RelatedDocument, Relation, SourceRef,
};
use roxmltree::Node;

use crate::uspto::{self, document_ref, normalise_ipc};
use crate::xml::{child, child_text, children, collapse, descendants, path, path_text, text};
use crate::{DocContext, DocError};

pub(crate) fn parse(root: Node<'_, '_>, ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
    let sdobi = child(root, "SDOBI");
    let b100 = sdobi.and_then(|s| child(s, "B100"));
    let attribute = |name: &str| root.attribute(name).map(collapse).filter(|v| !v.is_empty());

    let doc_number = b100
        .and_then(|b| child_text(b, "B110"))
        .or_else(|| attribute("doc-number"))
        .ok_or(DocError::MissingField("publication number"))?;
    let kind = b100
        .and_then(|b| child_text(b, "B130"))
        .or_else(|| attribute("kind"));
    let country = b100
        .and_then(|b| child_text(b, "B190"))
        .or_else(|| attribute("country"))
        .unwrap_or_else(|| "EP".into());
    let number = PublicationNumber::from_parts(&country, &doc_number, kind.as_deref())?;

    let mut record = PatentRecord::new(number);
    record.lang = attribute("lang")
        .or_else(|| sdobi.and_then(|s| s.attribute("lang")).map(collapse))
        .or_else(|| sdobi.and_then(|s| path_text(s, &["B200", "B260"])))
        .filter(|l| !l.is_empty())
        .map(|l| l.to_ascii_lowercase());
    record.publication_date = b100
        .and_then(|b| path_text(b, &["B140", "date"]))
        .as_deref()
        .and_then(parse_date)
        .or_else(|| attribute("date-publ").as_deref().and_then(parse_date));

    if let Some(sdobi) = sdobi {
        read_bibliographic(sdobi, &mut record);
    }

    record.abstract_text = pick_abstract(root, record.lang.as_deref());
    record.description = child(root, "description")
        .map(uspto::description)
        .unwrap_or_default();
    read_claims(root, &mut record);
    read_citations(root, sdobi, &mut record);

    let format = attribute("dtd-version")
        .and_then(|v| v.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "ep-patent-document".into());
    record.source = Some(SourceRef {
        file: ctx.file.to_string(),
        ordinal: ctx.ordinal,
        format: Some(format),
    });
    Ok(record)
}

/// Application, priorities, divisional parent, title, classifications and parties.
fn read_bibliographic(sdobi: Node<'_, '_>, record: &mut PatentRecord) {
    if let Some(b200) = child(sdobi, "B200") {
        record.application = child_text(b200, "B210").map(|number| DocumentRef {
            country: Some("EP".into()),
            number,
            kind: None,
            date: path_text(b200, &["B220", "date"])
                .as_deref()
                .and_then(parse_date),
        });
    }
    record.priority_claims = child(sdobi, "B300").map(priorities).unwrap_or_default();
    record.related_documents = child(sdobi, "B600")
        .map(divisional_parents)
        .unwrap_or_default();

    if let Some(b500) = child(sdobi, "B500") {
        record.title = child(b500, "B540")
            .map(|t| pick_title(t, record.lang.as_deref()))
            .unwrap_or_default();
        record.ipc = ipc_codes(b500);
        record.cpc = cpc_codes(b500);
    }

    if let Some(b700) = child(sdobi, "B700") {
        record.applicants = parties(b700, "B710", "B711");
        record.inventors = parties(b700, "B720", "B721");
        record.assignees = parties(b700, "B730", "B731");
        // An application names no proprietor: its applicants own it.
        if record.assignees.is_empty() {
            record.assignees = record.applicants.clone();
        }
    }
}

/// B300 holds runs of B310 (number), B320 (date), B330 (country), one run per priority.
fn priorities(b300: Node<'_, '_>) -> Vec<DocumentRef> {
    let mut out: Vec<DocumentRef> = Vec::new();
    for n in b300.children().filter(|n| n.is_element()) {
        match n.tag_name().name() {
            "B310" => {
                let number = text(n);
                if !number.is_empty() {
                    out.push(DocumentRef {
                        number,
                        ..Default::default()
                    });
                }
            }
            "B320" => {
                if let Some(last) = out.last_mut() {
                    last.date = child_text(n, "date")
                        .or_else(|| Some(text(n)))
                        .as_deref()
                        .and_then(parse_date);
                }
            }
            "B330" => {
                if let Some(last) = out.last_mut() {
                    last.country = child_text(n, "ctry")
                        .or_else(|| Some(text(n)).filter(|t| !t.is_empty()))
                        .map(|c| c.to_ascii_uppercase());
                }
            }
            _ => {}
        }
    }
    out
}

/// B620: the earlier application(s) this one was divided from (Art. 76 EPC).
/// (B620EP lists the opposite direction, divisionals of this one, and is not
/// a relation this record can express.)
fn divisional_parents(b600: Node<'_, '_>) -> Vec<RelatedDocument> {
    let mut out = Vec::new();
    for b620 in children(b600, "B620") {
        for pdoc in descendants(b620, "pdoc") {
            let dnum = child(pdoc, "dnum");
            let number = dnum
                .and_then(|d| child_text(d, "anum").or_else(|| child_text(d, "pnum")))
                .or_else(|| child_text(pdoc, "anum"));
            let Some(number) = number else { continue };
            out.push(RelatedDocument {
                relation: Relation::Division,
                document: DocumentRef {
                    country: Some("EP".into()),
                    number,
                    kind: None,
                    date: child_text(pdoc, "date").as_deref().and_then(parse_date),
                },
            });
        }
    }
    out
}

/// B540 is a flat run of B541 (language) / B542 (title) pairs: English when
/// present, else the publication's language, else the first title.
fn pick_title(b540: Node<'_, '_>, doc_lang: Option<&str>) -> String {
    let mut titles: Vec<(Option<String>, String)> = Vec::new();
    let mut lang: Option<String> = None;
    for n in b540.children().filter(|n| n.is_element()) {
        match n.tag_name().name() {
            "B541" => lang = Some(text(n).to_ascii_lowercase()).filter(|l| !l.is_empty()),
            "B542" => {
                let t = text(n);
                if !t.is_empty() {
                    titles.push((lang.take(), t));
                }
            }
            _ => {}
        }
    }
    let with_lang = |wanted: &str| {
        titles
            .iter()
            .find(|(l, _)| l.as_deref() == Some(wanted))
            .map(|(_, t)| t.clone())
    };
    with_lang("en")
        .or_else(|| doc_lang.and_then(with_lang))
        .or_else(|| titles.first().map(|(_, t)| t.clone()))
        .unwrap_or_default()
}

/// The English abstract when there are several, else the one in the
/// publication's language, else the first.
fn pick_abstract(root: Node<'_, '_>, doc_lang: Option<&str>) -> String {
    let abstracts: Vec<(Option<String>, String)> = children(root, "abstract")
        .map(|a| (a.attribute("lang").map(str::to_ascii_lowercase), text(a)))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let with_lang = |wanted: &str| {
        abstracts
            .iter()
            .find(|(l, _)| l.as_deref() == Some(wanted))
            .map(|(_, t)| t.clone())
    };
    with_lang("en")
        .or_else(|| doc_lang.and_then(with_lang))
        .or_else(|| abstracts.first().map(|(_, t)| t.clone()))
        .unwrap_or_default()
}

// ---- classifications ----

/// IPC from B510EP (`classification-ipcr` lines, v1.0 onwards) or the older
/// B510 (B511 main, B512 further, B513/B514/B517EP additional and indexing).
fn ipc_codes(b500: Node<'_, '_>) -> Vec<Classification> {
    let mut out = Vec::new();
    for b510 in children(b500, "B510EP") {
        for c in descendants(b510, "classification-ipcr") {
            if let Some(code) = classification_line(c) {
                push_unique(&mut out, code);
            }
        }
    }
    for b510 in children(b500, "B510") {
        for n in b510.children().filter(|n| n.is_element()) {
            let main = match n.tag_name().name() {
                "B511" => true,
                "B512" | "B513" | "B514" | "B517EP" => false,
                _ => continue,
            };
            if let Some(code) = old_ipc(&text(n)) {
                push_unique(
                    &mut out,
                    Classification {
                        code,
                        main: Some(main),
                    },
                );
            }
        }
    }
    out
}

/// CPC from B520EP's `classifications-cpc` (v1.5.1).
fn cpc_codes(b500: Node<'_, '_>) -> Vec<Classification> {
    let mut out = Vec::new();
    for c in descendants(b500, "classification-cpc") {
        if let Some(code) = classification_line(c) {
            push_unique(&mut out, code);
        }
    }
    out
}

/// Adds `code` unless the symbol is already listed; a repeat marked main
/// promotes the earlier entry.
fn push_unique(out: &mut Vec<Classification>, code: Classification) {
    match out.iter_mut().find(|c| c.code == code.code) {
        Some(existing) => {
            if code.main == Some(true) {
                existing.main = Some(true);
            }
        }
        None => out.push(code),
    }
}

/// A `classification-ipcr` / `classification-cpc` element: its `<text>` line
/// (`C07D 271/113       20060101AFI20200522BHEP`), or structured children.
fn classification_line(node: Node<'_, '_>) -> Option<Classification> {
    let line = child_text(node, "text").unwrap_or_else(|| {
        if child(node, "section").is_some() {
            String::new()
        } else {
            text(node)
        }
    });
    if line.is_empty() {
        return structured_symbol(node);
    }
    classification_text(&line)
}

/// Reads the fixed-layout classification line the EPO prints: the symbol
/// (subclass, group/subgroup), the version date, then the level (`A`/`C`,
/// blank for CPC), the position (`F` first, `L` later) and the value
/// (`I` inventive, `N`/`A` additional).
fn classification_text(line: &str) -> Option<Classification> {
    let line = line.trim();
    let (symbol, rest) = match line.find('/') {
        Some(slash) => {
            // Older lines put a space after the slash (`B05B 7/ 00 A I`).
            let after = &line[slash + 1..];
            let spaces = after.len() - after.trim_start().len();
            let digits = after[spaces..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len() - spaces);
            line.split_at(slash + 1 + spaces + digits)
        }
        None => line.split_at(line.find(char::is_whitespace).unwrap_or(line.len())),
    };
    let code = normalise_ipc(symbol)?;
    if !code.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(Classification {
        code,
        main: position_flag(rest),
    })
}

/// `Some(true)` for an `F` (first) position, `Some(false)` for `L`, from the
/// part of the line after the symbol (`20060101AFI20200522BHEP`, `20130101 LI...`).
fn position_flag(rest: &str) -> Option<bool> {
    let compact: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
    let after_date = compact.trim_start_matches(|c: char| c.is_ascii_digit());
    if compact.len() - after_date.len() != 8 {
        return None;
    }
    let letters: Vec<char> = after_date
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let position = match letters.len() {
        0 | 1 => return None,
        2 => letters.first(),
        _ => letters.get(1),
    };
    match position {
        Some('F') => Some(true),
        Some('L') => Some(false),
        _ => None,
    }
}

/// A symbol given as `<section>`, `<class>`, `<subclass>`, `<main-group>`, `<subgroup>`.
fn structured_symbol(node: Node<'_, '_>) -> Option<Classification> {
    let section = child_text(node, "section")?;
    let class = child_text(node, "class").unwrap_or_default();
    let subclass = child_text(node, "subclass").unwrap_or_default();
    let group = child_text(node, "main-group")?;
    let subgroup = child_text(node, "subgroup").unwrap_or_else(|| "00".into());
    let code = normalise_ipc(&format!("{section}{class}{subclass}{group}/{subgroup}"))?;
    let main = child_text(node, "symbol-position").map(|p| p == "F");
    Some(Classification { code, main })
}

/// Pre-IPCR symbols as B511/B512 print them: an edition digit glued to the
/// section and spaces inside (` 7A 01B  45/00   A`, `2C 07D 307/12 A`,
/// `// A01N43/08`) -> `A01B45/00`.
fn old_ipc(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let compact = compact.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    let subclass = compact.get(..4)?;
    let [section, class1, class2, letter] = subclass.as_bytes() else {
        return None;
    };
    let well_formed = section.is_ascii_uppercase()
        && class1.is_ascii_digit()
        && class2.is_ascii_digit()
        && letter.is_ascii_uppercase();
    if !well_formed {
        return None;
    }
    let rest = compact.get(4..).unwrap_or_default();
    let group_len = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (group, after) = rest.split_at(group_len);
    if group.is_empty() {
        return Some(subclass.to_string());
    }
    let subgroup: String = after
        .strip_prefix('/')
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let subgroup = if subgroup.is_empty() {
        "00".to_string()
    } else {
        subgroup
    };
    normalise_ipc(&format!("{subclass}{group}/{subgroup}"))
}

// ---- parties ----

/// The parties listed under `group` (B710, B720, B730) as `item` (B711, ...).
fn parties(b700: Node<'_, '_>, group: &str, item: &str) -> Vec<Party> {
    children(b700, group)
        .flat_map(|g| children(g, item))
        .filter_map(party)
        .collect()
}

/// A B711/B721/B731: `<snm>` (the name as printed, "Surname, Given names"
/// for people) and the `<adr>` city and country.
fn party(node: Node<'_, '_>) -> Option<Party> {
    let name = child_text(node, "snm")
        .map(|surname| match child_text(node, "fnm") {
            Some(first) => format!("{first} {surname}"),
            None => surname,
        })
        .or_else(|| child_text(node, "onm"))
        .or_else(|| child_text(node, "name"))?;
    let adr = child(node, "adr");
    Some(Party {
        name,
        city: adr.and_then(|a| child_text(a, "city")),
        country: adr
            .and_then(|a| child_text(a, "ctry"))
            .or_else(|| child_text(node, "ctry"))
            .map(|c| c.to_ascii_uppercase()),
    })
}

// ---- claims ----

/// Every `<claims>` block, one per language: English (else the publication's
/// language, else the first) becomes the primary set, the others go to
/// `other_claim_sets` in document order.
fn read_claims(root: Node<'_, '_>, record: &mut PatentRecord) {
    let mut sets: Vec<ClaimSet> = children(root, "claims")
        .map(|c| ClaimSet {
            lang: c
                .attribute("lang")
                .map(|l| l.trim().to_ascii_lowercase())
                .filter(|l| !l.is_empty()),
            claims: claims_of(c),
        })
        .filter(|s| !s.claims.is_empty())
        .collect();
    if sets.is_empty() {
        return;
    }
    let position = |wanted: &str| sets.iter().position(|s| s.lang.as_deref() == Some(wanted));
    let primary = position("en")
        .or_else(|| record.lang.as_deref().and_then(position))
        .unwrap_or(0);
    let primary = sets.remove(primary.min(sets.len() - 1));
    record.claims_lang = primary.lang.or_else(|| record.lang.clone());
    record.claims = primary.claims;
    record.other_claim_sets = sets;
}

/// The claims of one block, as USPTO claims are read (numbers from `num`,
/// else the printed number; dependencies from `<claim-ref>` or the
/// wording), less the punctuation some EPO claims open with once the number
/// is gone ("- A rail (27) for ...", "1.) Tetrahydrofuran-Derivate ...").
fn claims_of(node: Node<'_, '_>) -> Vec<Claim> {
    let mut claims = uspto::claims_of(node);
    for claim in &mut claims {
        let trimmed = strip_leading_punctuation(&claim.text);
        if trimmed.len() != claim.text.len() {
            claim.text = trimmed.to_string();
        }
    }
    claims.retain(|c| !c.text.is_empty());
    claims
}

fn strip_leading_punctuation(text: &str) -> &str {
    text.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '–' | '—' | ')' | '.' | ':')
    })
}

// ---- citations ----

/// Patent and non-patent citations: B560 and the search report (put there by
/// the examiner), and the `<ep-reference-list>` of documents the applicant
/// cited in the description.
fn read_citations(root: Node<'_, '_>, sdobi: Option<Node<'_, '_>>, record: &mut PatentRecord) {
    let mut citations = Citations::default();
    if let Some(b560) = sdobi.and_then(|s| path(s, &["B500", "B560"])) {
        for n in b560.children().filter(|n| n.is_element()) {
            match n.tag_name().name() {
                "B561" => citations.patent(n, CitedBy::Examiner),
                "B562" => citations.npl(n, CitedBy::Examiner),
                _ => {}
            }
        }
    }
    for srep in children(root, "search-report-data") {
        for citation in descendants(srep, "citation") {
            if let Some(p) = child(citation, "patcit") {
                citations.patent(p, CitedBy::Examiner);
            } else if let Some(npl) = child(citation, "nplcit") {
                citations.npl(npl, CitedBy::Examiner);
            }
        }
    }
    for list in children(root, "ep-reference-list") {
        for n in list.descendants().filter(|n| n.is_element()) {
            match n.tag_name().name() {
                "patcit" => citations.patent(n, CitedBy::Applicant),
                "nplcit" => citations.npl(n, CitedBy::Applicant),
                _ => {}
            }
        }
    }
    record.patent_citations = citations.patents;
    record.npl_citations = citations.npl;
}

#[derive(Default)]
struct Citations {
    patents: Vec<PatentCitation>,
    npl: Vec<NplCitation>,
}

impl Citations {
    /// A `<patcit>` with a `<document-id>`, or a B561 written as text
    /// (`EP-A- 0 294 097`, `WO-A1-2014/114885`, `US- - 5 214 270`).
    fn patent(&mut self, node: Node<'_, '_>, by: CitedBy) {
        let patcit = if node.tag_name().name() == "patcit" {
            Some(node)
        } else {
            child(node, "patcit")
        };
        let citation = match patcit.and_then(document_ref) {
            Some(r) => Some(PatentCitation {
                country: r.country.map(|c| c.to_ascii_uppercase()),
                number: r.number,
                kind: r.kind,
                date: r.date,
                cited_by: Some(by),
            }),
            None => {
                let raw = child_text(node, "text").unwrap_or_else(|| text(node));
                citation_from_text(&raw, by)
            }
        };
        let Some(citation) = citation else { return };
        let same = |c: &PatentCitation| {
            c.country == citation.country
                && c.number == citation.number
                && c.cited_by == citation.cited_by
                && (c.kind == citation.kind || c.kind.is_none() || citation.kind.is_none())
        };
        match self.patents.iter_mut().find(|c| same(c)) {
            Some(existing) => {
                if existing.kind.is_none() {
                    existing.kind = citation.kind;
                }
                if existing.date.is_none() {
                    existing.date = citation.date;
                }
            }
            None => self.patents.push(citation),
        }
    }

    fn npl(&mut self, node: Node<'_, '_>, by: CitedBy) {
        let t = npl_text(node);
        if t.is_empty()
            || self
                .npl
                .iter()
                .any(|c| c.text == t && c.cited_by == Some(by))
        {
            return;
        }
        self.npl.push(NplCitation {
            text: t,
            cited_by: Some(by),
        });
    }
}

/// The text of a non-patent citation: its `<text>` when it has one, else its
/// structured fields (`<article>`: author, title, serial, date, volume,
/// pages) joined the way the printed reference list shows them:
/// "NAWIJN et al., Nat. Rev. Cancer, 2011, vol. 11, 23-34".
fn npl_text(node: Node<'_, '_>) -> String {
    if let Some(t) = child_text(node, "text") {
        return t;
    }
    let mut fields = Vec::new();
    npl_fields(node, &mut fields);
    fields.join(", ")
}

fn npl_fields(node: Node<'_, '_>, out: &mut Vec<String>) {
    let name = node.tag_name().name();
    let leaf = node
        .children()
        .all(|c| !c.is_element() || is_inline(c.tag_name().name()));
    if leaf {
        let t = text(node);
        if !t.is_empty() {
            out.push(match name {
                "sdate" | "edate" | "date" => printed_date(&t),
                "vid" => format!("vol. {t}"),
                "ino" => format!("no. {t}"),
                _ => t,
            });
        }
        return;
    }
    if name == "pp" {
        let pages: Vec<String> = ["ppf", "ppl"]
            .iter()
            .filter_map(|p| child_text(node, p))
            .collect();
        if !pages.is_empty() {
            out.push(pages.join("-"));
        }
        return;
    }
    for c in node.children() {
        if c.is_element() {
            npl_fields(c, out);
        } else if c.is_text() {
            let t = collapse(c.text().unwrap_or_default());
            if t.chars().any(char::is_alphanumeric) {
                out.push(t);
            }
        }
    }
}

fn is_inline(name: &str) -> bool {
    matches!(name, "i" | "b" | "u" | "o" | "sup" | "sub" | "smallcaps")
}

/// `20110000` -> `2011`, `20110300` -> `2011-03`, `20110315` -> `2011-03-15`.
fn printed_date(raw: &str) -> String {
    let (Some(year), Some(month), Some(day)) = (raw.get(..4), raw.get(4..6), raw.get(6..8)) else {
        return raw.to_string();
    };
    if raw.len() != 8 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.to_string();
    }
    match (month, day) {
        ("00", _) => year.to_string(),
        (_, "00") => format!("{year}-{month}"),
        _ => format!("{year}-{month}-{day}"),
    }
}

/// Reads `CC-KIND- NUMBER` (the B561 form) or, failing that, a number the way
/// a person writes it (`EP 1 234 567 A1`).
fn citation_from_text(raw: &str, by: CitedBy) -> Option<PatentCitation> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let mut parts = raw.splitn(3, '-');
    let (country, kind, number) = match (parts.next(), parts.next(), parts.next()) {
        (Some(c), Some(k), Some(n))
            if c.trim().len() == 2 && c.trim().chars().all(|ch| ch.is_ascii_alphabetic()) =>
        {
            let kind = k.trim();
            (
                c.trim().to_ascii_uppercase(),
                (!kind.is_empty()).then(|| kind.to_ascii_uppercase()),
                n,
            )
        }
        _ => {
            let parsed = PublicationNumber::parse_with_default(raw, "").ok()?;
            return Some(PatentCitation {
                country: Some(parsed.country().to_string()).filter(|c| !c.is_empty()),
                number: parsed.number().to_string(),
                kind: parsed.kind().map(str::to_string),
                date: None,
                cited_by: Some(by),
            });
        }
    };
    let number = match PublicationNumber::from_parts(&country, number, kind.as_deref()) {
        Ok(parsed) => parsed.number().to_string(),
        Err(_) => number.chars().filter(|c| !c.is_whitespace()).collect(),
    };
    if number.is_empty() {
        return None;
    }
    Some(PatentCitation {
        country: Some(country),
        number,
        kind,
        date: None,
        cited_by: Some(by),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use chrono::NaiveDate;

    use super::*;
    use crate::{parse_xml_document, Parsed};

    /// The go-epo-eps test documents (read-only shared data, never copied into the repo).
    const FIXTURES: &str = "/work/shared/data/patents/epo-go-epo-eps-testdata";

    fn fixtures() -> PathBuf {
        let dir = PathBuf::from(FIXTURES);
        assert!(
            dir.join("PROVENANCE.md").is_file(),
            "EPO fixtures are missing: expected the go-epo-eps test data (PROVENANCE.md, \
             application/, grant/) at {FIXTURES}; these tests need the shared patent data"
        );
        dir
    }

    fn parse_fixture(rel: &str) -> PatentRecord {
        let path = fixtures().join(rel);
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
        let ctx = DocContext {
            file: rel,
            ordinal: 1,
        };
        match parse_xml_document(&bytes, ctx) {
            Ok(Parsed::Record(record)) => *record,
            other => panic!("{rel} did not parse to a record: {other:?}"),
        }
    }

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn codes(classes: &[Classification]) -> Vec<&str> {
        classes.iter().map(|c| c.code.as_str()).collect()
    }

    fn claim(claims: &[Claim], number: u32) -> &Claim {
        claims
            .iter()
            .find(|c| c.number == number)
            .unwrap_or_else(|| panic!("no claim {number}"))
    }

    /// One row of the per-document table in PROVENANCE.md.
    #[derive(Debug)]
    struct Row {
        file: String,
        dtd: String,
        number: String,
        kind: String,
        pub_date: String,
        has_abstract: bool,
        claim_sets: usize,
        has_description: bool,
        cpc: usize,
        old_ipc: bool,
        has_assignee: bool,
        patcit: usize,
        nplcit: usize,
    }

    fn provenance_rows() -> Vec<Row> {
        let path = fixtures().join("PROVENANCE.md");
        let table = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let count = |cell: &str| -> usize {
            cell.parse()
                .unwrap_or_else(|_| panic!("bad count {cell:?} in PROVENANCE.md"))
        };
        table
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                // | file | root | dtd | number | kind | date | abstract | #claims | description
                // | #CPC | #IPCR | old IPC | USPC | assignee | #patcit | #nplcit |
                if cells.len() != 18 || !cells[1].ends_with(".xml") {
                    return None;
                }
                Some(Row {
                    file: cells[1].to_string(),
                    dtd: cells[3].to_string(),
                    number: cells[4].to_string(),
                    kind: cells[5].to_string(),
                    pub_date: cells[6].to_string(),
                    has_abstract: cells[7] == "y",
                    claim_sets: count(cells[8]),
                    has_description: cells[9] == "y",
                    cpc: count(cells[10]),
                    old_ipc: cells[12] == "y",
                    has_assignee: cells[14] == "y",
                    patcit: count(cells[15]),
                    nplcit: count(cells[16]),
                })
            })
            .collect()
    }

    #[test]
    fn every_fixture_parses_with_the_fields_provenance_lists() {
        let rows = provenance_rows();
        assert_eq!(rows.len(), 66, "PROVENANCE.md lists 66 documents");

        let mut on_disk = BTreeSet::new();
        for sub in ["application", "grant"] {
            let dir = fixtures().join(sub);
            for entry in std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            {
                let name = entry.expect("directory entry").file_name();
                on_disk.insert(format!("{sub}/{}", name.to_string_lossy()));
            }
        }
        let listed: BTreeSet<String> = rows.iter().map(|r| r.file.clone()).collect();
        assert_eq!(
            listed, on_disk,
            "PROVENANCE.md and the fixture files disagree"
        );

        for row in &rows {
            let r = parse_fixture(&row.file);
            let f = &row.file;
            assert_eq!(
                r.publication_number.to_string(),
                format!("EP{}{}", row.number, row.kind),
                "{f}"
            );
            assert_eq!(r.country, "EP", "{f}");
            assert_eq!(r.kind.as_deref(), Some(row.kind.as_str()), "{f}");
            assert_eq!(r.publication_date, parse_date(&row.pub_date), "{f}");
            assert!(r.lang.is_some(), "{f}: language");
            let source = r.source.as_ref().expect("source");
            assert_eq!(source.file, *f);
            assert_eq!(source.ordinal, 1);
            assert_eq!(source.format.as_deref(), Some(row.dtd.as_str()), "{f}");

            assert!(!r.title.is_empty(), "{f}: title");
            assert!(r.application.is_some(), "{f}: application");
            assert!(!r.inventors.is_empty(), "{f}: inventors");
            assert_eq!(
                !r.abstract_text.is_empty(),
                row.has_abstract,
                "{f}: abstract"
            );
            assert_eq!(
                !r.description.is_empty(),
                row.has_description,
                "{f}: description"
            );
            let sets = usize::from(!r.claims.is_empty()) + r.other_claim_sets.len();
            assert_eq!(sets, row.claim_sets, "{f}: claim sets");
            if !r.claims.is_empty() {
                assert!(r.claims_lang.is_some(), "{f}: claims language");
                let languages: Vec<Option<&str>> = std::iter::once(r.claims_lang.as_deref())
                    .chain(r.other_claim_sets.iter().map(|s| s.lang.as_deref()))
                    .collect();
                if languages.contains(&Some("en")) {
                    assert_eq!(r.claims_lang.as_deref(), Some("en"), "{f}: English first");
                }
                assert!(
                    r.other_claim_sets.iter().all(|s| !s.claims.is_empty()),
                    "{f}"
                );
            }
            assert_eq!(!r.cpc.is_empty(), row.cpc > 0, "{f}: CPC");
            assert_eq!(!r.ipc.is_empty(), row.old_ipc, "{f}: IPC");
            if row.has_assignee {
                assert!(!r.assignees.is_empty(), "{f}: assignee");
            }
            if row.patcit > 0 {
                assert!(!r.patent_citations.is_empty(), "{f}: patent citations");
            }
            if row.nplcit > 0 {
                assert!(!r.npl_citations.is_empty(), "{f}: NPL citations");
            }
            // Codes are normalised: no spaces, subclass + group/subgroup.
            for c in r.ipc.iter().chain(&r.cpc) {
                assert!(!c.code.contains(' ') && c.code.len() >= 4, "{f}: {c:?}");
                assert!(!c.code.ends_with('/'), "{f}: {c:?}");
            }
            for c in &r.patent_citations {
                assert!(
                    !c.number.is_empty() && !c.number.contains(' '),
                    "{f}: {c:?}"
                );
                assert!(c.cited_by.is_some(), "{f}: {c:?}");
            }
        }
    }

    #[test]
    fn application_v1_5_1_field_by_field() {
        let r = parse_fixture("application/v1-5-1-A1.xml");
        assert_eq!(r.publication_number.to_string(), "EP3882239A1");
        assert_eq!(r.kind.as_deref(), Some("A1"));
        assert_eq!(r.lang.as_deref(), Some("en"));
        assert_eq!(r.publication_date, date(2021, 9, 22));
        assert_eq!(
            r.application,
            Some(DocumentRef {
                country: Some("EP".into()),
                number: "19883405.3".into(),
                kind: None,
                date: date(2019, 11, 14),
            })
        );
        assert_eq!(
            r.priority_claims,
            vec![DocumentRef {
                country: Some("JP".into()),
                number: "2018214950".into(),
                kind: None,
                date: date(2018, 11, 15),
            }]
        );
        assert!(r.related_documents.is_empty());
        assert_eq!(r.title, "1,3,4-OXADIAZOLONE COMPOUND AND MEDICINE");
        assert!(r.abstract_text.starts_with(
            "The purpose of the present invention is to provide a compound having PIM \
             inhibitory activity. Examples of the present invention include"
        ));

        let first = &r.description[0];
        assert_eq!(first.number.as_deref(), Some("0001"));
        assert_eq!(first.heading.as_deref(), Some("TECHNICAL FIELD"));
        assert_eq!(
            first.text,
            "The present invention relates to a 1,3,4-oxadiazolone compound and a pharmaceutical."
        );
        assert_eq!(r.description[1].heading.as_deref(), Some("BACKGROUND ART"));

        assert_eq!(r.claims_lang.as_deref(), Some("en"));
        assert!(r.other_claim_sets.is_empty());
        assert_eq!(r.claims.len(), 14);
        let numbers: Vec<u32> = r.claims.iter().map(|c| c.number).collect();
        assert_eq!(numbers, (1..=14).collect::<Vec<_>>());
        let c1 = claim(&r.claims, 1);
        assert!(
            c1.text.starts_with(
                "A 1,3,4-oxadiazolone compound of the formula [1]: wherein X1 is a carbon atom \
                 or a nitrogen atom, when X1 is a carbon atom, R1 is a hydrogen atom"
            ),
            "{}",
            c1.text
        );
        assert!(c1.is_independent());
        assert!(claim(&r.claims, 2)
            .text
            .starts_with("The 1,3,4-oxadiazolone compound according to claim 1,"));
        assert_eq!(claim(&r.claims, 2).depends_on, vec![1]);
        assert_eq!(claim(&r.claims, 3).depends_on, vec![1, 2]);
        assert_eq!(claim(&r.claims, 4).depends_on, vec![1, 2, 3]);
        assert_eq!(claim(&r.claims, 8).depends_on, vec![7]);
        assert_eq!(claim(&r.claims, 10).depends_on, vec![9]);
        assert_eq!(
            claim(&r.claims, 12).depends_on,
            (1..=11).collect::<Vec<_>>()
        );

        assert_eq!(
            codes(&r.ipc),
            vec![
                "C07D271/113",
                "A61K31/4245",
                "A61K31/454",
                "A61K31/496",
                "A61K31/538",
                "A61K31/55",
                "A61K31/553",
                "A61P37/00",
                "A61P43/00",
                "C07D413/04",
                "C07D413/10",
                "C07D413/12",
                "C07D413/14",
                "C07D487/10",
            ]
        );
        assert_eq!(r.ipc[0].main, Some(true), "AFI: first position");
        assert!(
            r.ipc[1..].iter().all(|c| c.main == Some(false)),
            "ALI: later"
        );
        assert_eq!(
            codes(&r.cpc),
            vec![
                "C07D271/113",
                "C07D413/04",
                "Y02A50/30",
                "C07D413/10",
                "A61K31/553",
                "A61P37/00",
                "C07D413/14",
                "C07D413/12",
                "A61P43/00",
                "C07D487/10",
                "A61K31/496",
                "A61K31/454",
                "A61K31/55",
                "A61K31/538",
                "A61K31/4245",
            ]
        );
        // Every CPC line of this document is in a later ("L") position.
        assert!(r.cpc.iter().all(|c| c.main == Some(false)));

        let nippon = Party {
            name: "Nippon Shinyaku Co., Ltd.".into(),
            city: Some("Kyoto-shi Kyoto 601-8550".into()),
            country: Some("JP".into()),
        };
        assert_eq!(r.applicants, vec![nippon.clone()]);
        assert_eq!(
            r.assignees,
            vec![nippon],
            "an application's applicant owns it"
        );
        let inventors: Vec<&str> = r.inventors.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            inventors,
            vec![
                "KAMITANI Hirotaka",
                "ZAIMOKU Hisaaki",
                "HARUTA Yoshinari",
                "KIKUCHI Takeo"
            ]
        );
        assert_eq!(
            r.inventors[0].city.as_deref(),
            Some("Kamakura-shi, Kanagawa 247-0056")
        );
        assert_eq!(r.inventors[0].country.as_deref(), Some("JP"));

        // The reference list: 6 patent documents and 102 non-patent ones, all from the applicant.
        assert_eq!(r.patent_citations.len(), 6);
        assert_eq!(
            r.patent_citations[0],
            PatentCitation {
                country: Some("WO".into()),
                number: "2010022076".into(),
                kind: Some("A1".into()),
                date: None,
                cited_by: Some(CitedBy::Applicant),
            }
        );
        assert_eq!(r.npl_citations.len(), 102);
        assert_eq!(
            r.npl_citations[0],
            NplCitation {
                text: "NAWIJN et al., Nat. Rev. Cancer, 2011, vol. 11, 23-34".into(),
                cited_by: Some(CitedBy::Applicant),
            }
        );
        assert!(r
            .patent_citations
            .iter()
            .all(|c| c.cited_by == Some(CitedBy::Applicant)));
        assert!(r
            .npl_citations
            .iter()
            .all(|c| c.cited_by == Some(CitedBy::Applicant)));

        let source = r.source.expect("source");
        assert_eq!(source.file, "application/v1-5-1-A1.xml");
        assert_eq!(source.format.as_deref(), Some("ep-patent-document-v1-5-1"));
    }

    #[test]
    fn french_grant_with_three_claim_languages_field_by_field() {
        let r = parse_fixture("grant/v1-5-1-B1-2.xml");
        assert_eq!(r.publication_number.to_string(), "EP2147172B1");
        assert_eq!(r.kind.as_deref(), Some("B1"));
        assert_eq!(r.lang.as_deref(), Some("fr"));
        assert_eq!(r.publication_date, date(2023, 1, 4));
        let application = r.application.as_ref().expect("application");
        assert_eq!(application.number, "08787967.2");
        assert_eq!(application.date, date(2008, 4, 16));
        assert_eq!(r.priority_claims.len(), 1);
        assert_eq!(r.priority_claims[0].number, "0702912");
        assert_eq!(r.priority_claims[0].country.as_deref(), Some("FR"));
        assert_eq!(r.priority_claims[0].date, date(2007, 4, 20));
        // English title preferred over the document's French one.
        assert_eq!(r.title, "RAIL FOR STRETCHED CLOTH FALSE WALL");
        assert!(
            r.abstract_text.is_empty(),
            "B publications carry no abstract"
        );
        assert!(r.description[0]
            .text
            .starts_with("La présente invention concerne une lisse pour fausse paroi"));
        assert_eq!(r.description[0].number.as_deref(), Some("0001"));

        // English claims are the primary set; French and German follow in document order.
        assert_eq!(r.claims_lang.as_deref(), Some("en"));
        assert_eq!(r.claims.len(), 6);
        assert!(
            claim(&r.claims, 1).text.starts_with(
                "A rail (27) for a false wall with a stretched fabric (2), intended to be \
                 connected to the fabric (2) by means of one or more laces (3)"
            ),
            "the leading '- ' is dropped: {}",
            claim(&r.claims, 1).text
        );
        assert!(claim(&r.claims, 1).is_independent());
        assert_eq!(claim(&r.claims, 2).depends_on, vec![1]);
        assert_eq!(claim(&r.claims, 3).depends_on, vec![1, 2]);
        assert_eq!(claim(&r.claims, 4).depends_on, vec![1, 2, 3]);
        assert_eq!(claim(&r.claims, 5).depends_on, vec![1, 2, 3, 4]);
        assert_eq!(claim(&r.claims, 6).depends_on, vec![5]);
        let langs: Vec<Option<&str>> = r
            .other_claim_sets
            .iter()
            .map(|s| s.lang.as_deref())
            .collect();
        assert_eq!(langs, vec![Some("fr"), Some("de")]);
        let fr = &r.other_claim_sets[0].claims;
        let de = &r.other_claim_sets[1].claims;
        assert_eq!((fr.len(), de.len()), (6, 6));
        assert!(claim(fr, 1)
            .text
            .starts_with("Lisse (27) pour fausse paroi à toile tendue (2)"));
        assert_eq!(
            claim(fr, 3).depends_on,
            vec![1, 2],
            "revendication 1 ou la revendication 2"
        );
        assert_eq!(
            claim(fr, 4).depends_on,
            vec![1, 2, 3],
            "revendications 1 à 3"
        );
        assert!(claim(de, 1)
            .text
            .starts_with("Leiste (27) für eine Zwischenwand"));
        assert_eq!(claim(de, 4).depends_on, vec![1, 2, 3], "Ansprüche 1 bis 3");
        assert_eq!(claim(de, 6).depends_on, vec![5]);

        assert_eq!(
            r.ipc,
            vec![Classification {
                code: "E04B9/30".into(),
                main: Some(true),
            }]
        );
        assert_eq!(
            r.cpc,
            vec![Classification {
                code: "E04B9/303".into(),
                main: Some(true),
            }]
        );

        assert!(
            r.applicants.is_empty(),
            "a grant names its proprietor, not applicants"
        );
        assert_eq!(
            r.assignees,
            vec![Party {
                name: "Normalu".into(),
                city: Some("68680 Kembs".into()),
                country: Some("FR".into()),
            }]
        );
        assert_eq!(
            r.inventors,
            vec![Party {
                name: "MEYER, Yves".into(),
                city: Some("F-68170 Rixheim".into()),
                country: Some("FR".into()),
            }]
        );

        // B560: 8 documents from the search; the reference list: 4 from the applicant.
        let examiner: Vec<String> = r
            .patent_citations
            .iter()
            .filter(|c| c.cited_by == Some(CitedBy::Examiner))
            .map(|c| {
                format!(
                    "{}{}{}",
                    c.country.as_deref().unwrap_or(""),
                    c.number,
                    c.kind.as_deref().unwrap_or("")
                )
            })
            .collect();
        assert_eq!(
            examiner,
            vec![
                "EP0320349A",
                "FR2202997A",
                "FR2688551A",
                "FR2689923A",
                "FR2827990A",
                "FR2861769A",
                "GB1263090A",
                "US2610365A",
            ]
        );
        let applicant: Vec<&PatentCitation> = r
            .patent_citations
            .iter()
            .filter(|c| c.cited_by == Some(CitedBy::Applicant))
            .collect();
        assert_eq!(applicant.len(), 4);
        assert_eq!(applicant[0].country.as_deref(), Some("FR"));
        assert_eq!(applicant[0].number, "2861769");
        assert_eq!(applicant[0].kind, None);
        assert_eq!(applicant[3].number, "810540");
        assert_eq!(applicant[3].kind.as_deref(), Some("C"));
        assert!(r.npl_citations.is_empty());
        assert_eq!(
            r.source.and_then(|s| s.format).as_deref(),
            Some("ep-patent-document-v1-5-1")
        );
    }

    #[test]
    fn search_report_citations_are_the_examiners() {
        let r = parse_fixture("application/v1-5-1-A1-3.xml");
        assert_eq!(r.publication_number.to_string(), "EP4114164A1");
        assert_eq!(r.lang.as_deref(), Some("de"));
        assert_eq!(
            r.title,
            "DETERMINING A QUALITY VALUE WHEN FITTING AN ELECTRICAL COMPONENT"
        );
        assert_eq!(r.claims_lang.as_deref(), Some("de"), "no English claims");
        assert_eq!(r.claims.len(), 15);
        assert_eq!(
            r.patent_citations,
            vec![
                PatentCitation {
                    country: Some("US".into()),
                    number: "2020068759".into(),
                    kind: Some("A1".into()),
                    date: date(2020, 2, 27),
                    cited_by: Some(CitedBy::Examiner),
                },
                PatentCitation {
                    country: Some("EP".into()),
                    number: "3096596".into(),
                    kind: Some("B1".into()),
                    date: date(2020, 3, 25),
                    cited_by: Some(CitedBy::Examiner),
                },
            ]
        );
        assert_eq!(r.applicants[0].name, "Siemens Aktiengesellschaft");
        assert_eq!(r.inventors.len(), 9);
        assert_eq!(r.inventors[3].name, "Frühauf, Peter");
    }

    #[test]
    fn pre_ipcr_classification_and_numbered_claim_text() {
        // EP0000002A1 (1978): B511/B512 with an edition digit, claims printed "1.) ...".
        let r = parse_fixture("application/v1-1-A1.xml");
        assert_eq!(r.publication_number.to_string(), "EP0000002A1");
        assert_eq!(
            r.ipc,
            vec![
                Classification {
                    code: "C07D307/12".into(),
                    main: Some(true),
                },
                Classification {
                    code: "C07D407/12".into(),
                    main: Some(false),
                },
                Classification {
                    code: "C07D307/42".into(),
                    main: Some(false),
                },
                Classification {
                    code: "A01N43/08".into(),
                    main: Some(false),
                },
            ]
        );
        assert_eq!(
            r.title,
            "Tetrahydrofurane derivatives, processes for their preparation and their use as herbicides"
        );
        assert_eq!(r.claims_lang.as_deref(), Some("de"));
        assert_eq!(claim(&r.claims, 1).number, 1);
        assert!(claim(&r.claims, 1)
            .text
            .starts_with("Tetrahydrofuran-Derivate der Formel"));
    }

    #[test]
    fn bulletin_front_page_and_divisional_parent() {
        let r = parse_fixture("application/v1-0-A1-1.xml");
        assert_eq!(r.publication_number.to_string(), "EP1605745A1");
        assert_eq!(
            r.source.as_ref().and_then(|s| s.format.as_deref()),
            Some("ep-bulletin-v1-0")
        );
        assert_eq!(r.title, "DEVICE FOR FILLING CARROTING HOLES IN A LAWN");
        assert_eq!(codes(&r.ipc), vec!["A01B45/00"]);
        assert_eq!(r.applicants[0].name, "Cuadrado, Jean-Claude");
        assert_eq!(
            r.applicants[0].city.as_deref(),
            Some("66180 Villeneuve de la Raho")
        );
        assert!(r.claims.is_empty() && r.description.is_empty() && r.abstract_text.is_empty());
        assert_eq!(r.claims_lang, None);

        let r = parse_fixture("grant/v1-5-1-B2.xml");
        assert_eq!(
            r.related_documents,
            vec![RelatedDocument {
                relation: Relation::Division,
                document: DocumentRef {
                    country: Some("EP".into()),
                    number: "12184383.3".into(),
                    kind: None,
                    date: date(2012, 9, 14),
                },
            }]
        );
    }

    fn parse_str(xml: &str) -> Result<PatentRecord, DocError> {
        match parse_xml_document(
            xml.as_bytes(),
            DocContext {
                file: "inline.xml",
                ordinal: 3,
            },
        )? {
            Parsed::Record(r) => Ok(*r),
            Parsed::NonPatent(n) => panic!("not a patent: {n:?}"),
        }
    }

    #[test]
    fn missing_number_is_an_error_and_fallbacks_apply() {
        let err =
            parse_str("<ep-patent-document lang=\"en\"><SDOBI/></ep-patent-document>").unwrap_err();
        assert_eq!(err, DocError::MissingField("publication number"));
        let err = parse_str(
            "<ep-patent-document><SDOBI><B100><B110> </B110></B100></SDOBI></ep-patent-document>",
        )
        .unwrap_err();
        assert_eq!(err, DocError::MissingField("publication number"));

        // Root attributes stand in for an absent B100.
        let r = parse_str(
            "<ep-patent-document doc-number=\"1234567\" kind=\"B1\" country=\"EP\" \
             date-publ=\"20200102\" lang=\"DE\"/>",
        )
        .expect("parses");
        assert_eq!(r.publication_number.to_string(), "EP1234567B1");
        assert_eq!(r.publication_date, date(2020, 1, 2));
        assert_eq!(r.lang.as_deref(), Some("de"));
        assert_eq!(r.source.as_ref().map(|s| s.ordinal), Some(3));
        assert_eq!(
            r.source.and_then(|s| s.format).as_deref(),
            Some("ep-patent-document")
        );
    }

    #[test]
    fn odd_input_never_panics() {
        let xml = r#"<ep-patent-document lang="en" doc-number="42" kind="A1">
<SDOBI>
 <B100><B110>42</B110></B100>
 <B200><B210></B210><B220><date>2020</date></B220></B200>
 <B300><B320><date>20200101</date></B320><B310>X1</B310><B330/></B300>
 <B500>
  <B510EP><classification-ipcr><text>/</text></classification-ipcr>
   <classification-ipcr><text></text></classification-ipcr>
   <classification-ipcr><text>G06F</text></classification-ipcr>
   <classification-ipcr><text>ÄÖÜ 1/2 2006</text></classification-ipcr></B510EP>
  <B510><B511>7</B511><B512>// </B512><B511>A01B</B511></B510>
  <B520EP><classifications-cpc><classification-cpc><text>G06F  16/245  20190101 FI20190101BHEP</text></classification-cpc>
   <classification-cpc><section>H</section><class>04</class><subclass>L</subclass><main-group>009</main-group><subgroup>32</subgroup></classification-cpc></classifications-cpc></B520EP>
  <B540><B542>No language</B542><B541>de</B541></B540>
  <B560><B561><text>-</text></B561><B561><text>--</text></B561><B561><text>EP-A-</text></B561>
   <B561><text>EP 1 234 567 A1</text></B561><B562><text> </text></B562></B560>
  <B600><B620><parent><pdoc><dnum/></pdoc></parent></B620></B600>
 </B500>
 <B700><B710><B711><adr><city>Nowhere</city></adr></B711></B710><B720><B721><snm>Solo</snm></B721></B720></B700>
</SDOBI>
<abstract/>
<description><heading/><p num="">  </p><p>Text.</p></description>
<claims lang=""><claim num="x"><claim-text>- </claim-text></claim><claim num="0"><claim-text>1.) A thing.</claim-text></claim>
 <claim><claim-text>The thing of claim 1 and of claim 99.</claim-text></claim></claims>
<claims lang="fr"/>
<ep-reference-list><p><ul><li><patcit><document-id><country>us</country></document-id></patcit></li>
 <li><nplcit><article><serial><pubdate><sdate>2011</sdate></pubdate></serial></article></nplcit></li><li><nplcit/></li></ul></p></ep-reference-list>
</ep-patent-document>"#;
        let r = parse_str(xml).expect("parses");
        assert_eq!(r.publication_number.to_string(), "EP0000042A1");
        assert_eq!(r.application, None, "no application number");
        assert_eq!(r.priority_claims.len(), 1);
        assert_eq!(r.priority_claims[0].number, "X1");
        assert_eq!(r.priority_claims[0].date, None, "its date came before it");
        assert_eq!(r.title, "No language");
        assert_eq!(codes(&r.ipc), vec!["G06F", "A01B"]);
        assert_eq!(
            r.cpc,
            vec![
                Classification {
                    code: "G06F16/245".into(),
                    main: Some(true),
                },
                Classification {
                    code: "H04L9/32".into(),
                    main: None,
                },
            ]
        );
        assert_eq!(r.patent_citations.len(), 1);
        assert_eq!(r.patent_citations[0].country.as_deref(), Some("EP"));
        assert_eq!(r.patent_citations[0].number, "1234567");
        assert_eq!(r.patent_citations[0].kind.as_deref(), Some("A1"));
        assert_eq!(r.npl_citations.len(), 1);
        assert_eq!(r.npl_citations[0].text, "2011");
        assert!(r.applicants.is_empty(), "a party without a name is dropped");
        assert_eq!(r.inventors[0].name, "Solo");
        assert_eq!(r.description.len(), 1);
        assert_eq!(r.claims.len(), 2, "the empty claim is dropped");
        assert_eq!(r.claims[0].text, "A thing.");
        assert_eq!(r.claims[1].depends_on, vec![1]);
        assert_eq!(
            r.claims_lang.as_deref(),
            Some("en"),
            "falls back to the document language"
        );
        assert!(
            r.other_claim_sets.is_empty(),
            "an empty claims block is no set"
        );
    }

    #[test]
    fn classification_lines() {
        let c = classification_text("A61K   9/20        20060101AFI20051220BHEP").unwrap();
        assert_eq!((c.code.as_str(), c.main), ("A61K9/20", Some(true)));
        let c = classification_text("A61K  31/4245      20060101ALI20200522BHEP        ").unwrap();
        assert_eq!((c.code.as_str(), c.main), ("A61K31/4245", Some(false)));
        let c = classification_text("Y02A  50/30        20180101 LA20200801RGEP").unwrap();
        assert_eq!((c.code.as_str(), c.main), ("Y02A50/30", Some(false)));
        let c = classification_text("H05K  13/083       20180801 FI20211124BHEP").unwrap();
        assert_eq!((c.code.as_str(), c.main), ("H05K13/083", Some(true)));
        let c = classification_text("B05B 7/ 00 A I ").unwrap();
        assert_eq!((c.code.as_str(), c.main), ("B05B7/00", None));
        assert_eq!(classification_text("12345"), None);

        assert_eq!(old_ipc(" 7A 01B  45/00   A").as_deref(), Some("A01B45/00"));
        assert_eq!(old_ipc("2C 07D 307/12 A").as_deref(), Some("C07D307/12"));
        assert_eq!(old_ipc(" 5H 04N   5/92   A").as_deref(), Some("H04N5/92"));
        assert_eq!(old_ipc("2A 01N 43/08 -").as_deref(), Some("A01N43/08"));
        assert_eq!(old_ipc("// A01N43/08").as_deref(), Some("A01N43/08"));
        assert_eq!(old_ipc("7"), None);
        assert_eq!(old_ipc(""), None);
    }

    #[test]
    fn b561_citation_texts() {
        let read = |t: &str| {
            citation_from_text(t, CitedBy::Examiner).map(|c| {
                format!(
                    "{}|{}|{}",
                    c.country.unwrap_or_default(),
                    c.number,
                    c.kind.unwrap_or_default()
                )
            })
        };
        assert_eq!(read("EP-A- 0 294 097").as_deref(), Some("EP|0294097|A"));
        assert_eq!(read("US- - 5 214 270").as_deref(), Some("US|5214270|"));
        assert_eq!(
            read("WO-A1-2014/114885").as_deref(),
            Some("WO|2014114885|A1")
        );
        assert_eq!(read("WO-A-03/008444").as_deref(), Some("WO|03008444|A"));
        assert_eq!(
            read("DE-A1-102009 041 527").as_deref(),
            Some("DE|102009041527|A1")
        );
        assert_eq!(read("JP-A- H08 246 101").as_deref(), Some("JP|H08246101|A"));
        assert_eq!(read("US-E- R E36 154").as_deref(), Some("US|RE36154|E"));
        assert_eq!(read("JP-B-   118 718").as_deref(), Some("JP|118718|B"));
        assert_eq!(read("EP 1 234 567 A1").as_deref(), Some("EP|1234567|A1"));
        assert_eq!(read(""), None);
        assert_eq!(read("-"), None);
    }

    #[test]
    fn npl_dates_print_as_written() {
        assert_eq!(printed_date("20110000"), "2011");
        assert_eq!(printed_date("20110300"), "2011-03");
        assert_eq!(printed_date("20110315"), "2011-03-15");
        assert_eq!(printed_date("2011"), "2011");
        assert_eq!(printed_date("2011ABCD"), "2011ABCD");
    }
}
