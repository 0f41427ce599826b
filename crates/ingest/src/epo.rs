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

use patsearch_record::classification::normalise_ipc;
use patsearch_record::{
    parse_date, CitedBy, Claim, ClaimSet, Classification, DocumentRef, NplCitation, Party,
    PatentCitation, PatentRecord, PublicationNumber, RelatedDocument, Relation, SourceRef,
};
use roxmltree::Node;

use crate::classes::{main_and_further, structured_code};
use crate::st36::{self, document_ref};
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
        .map(st36::description)
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
        let further = ["B512", "B513", "B514", "B517EP"];
        for code in main_and_further(b510, &["B511"], &further, |n| old_ipc(&text(n))) {
            push_unique(&mut out, code);
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
        return structured_code(node);
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

/// The claims of one block as [`st36::claims_of`] reads them (numbers from
/// `num`, else the printed number; dependencies from `<claim-ref>` or the
/// wording), less the punctuation some EPO claims open with once the number
/// is gone ("- A rail (27) for ...", "1.) Tetrahydrofuran-Derivate ...").
fn claims_of(node: Node<'_, '_>) -> Vec<Claim> {
    let mut claims = st36::claims_of(node);
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
    use super::*;

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
