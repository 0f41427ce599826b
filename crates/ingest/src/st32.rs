//! USPTO ST.32 grants (`<PATDOC DTD="2.5">`, 2002 to 2004, and the odd v2.4
//! file that is well-formed XML), the "green book" format.
//!
//! Bibliographic fields are named by WIPO ST.32 codes (`B110` number, `B220`
//! filing date, `B511` main IPC ...), every value is wrapped in `<PDAT>`, and
//! the abstract, description and claims sit in `SDOAB`, `SDODE` and `SDOCL`
//! (read by [`crate::legacy_text`], which pap shares). Classifications are
//! fixed-width, right-aligned fields (`G06F 1516` is G06F 15/16, `428 641` is
//! 428/64.1).

use patsearch_record::classification::normalise_ipc;
use patsearch_record::{
    CitedBy, DocumentRef, NplCitation, Party, PatentCitation, PatentRecord, PublicationNumber,
    RelatedDocument, Relation,
};
use roxmltree::Node;

use crate::classes::main_and_further;
use crate::legacy_text::{
    abstract_of, claims_of, date_of, description, non_empty, source, ST32_CLAIMS,
};
use crate::xml::{child, child_text, children, descendant, descendants, text};
use crate::{DocContext, DocError};

pub(crate) fn parse(root: Node<'_, '_>, ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
    let bib = child(root, "SDOBI").ok_or(DocError::MissingField("publication number"))?;
    let b100 = child(bib, "B100").unwrap_or(bib);
    let doc_number = child(b100, "B110")
        .map(|n| child_text(n, "DNUM").unwrap_or_else(|| text(n)))
        .filter(|n| !n.is_empty())
        .ok_or(DocError::MissingField("publication number"))?;
    let kind = child_text(b100, "B130");
    let country = child_text(b100, "B190").unwrap_or_else(|| "US".into());
    let number = PublicationNumber::from_parts(&country, &doc_number, kind.as_deref())?;

    let mut record = PatentRecord::new(number);
    record.publication_date = date_of(child(b100, "B140"));

    if let Some(b200) = child(bib, "B200") {
        let number = child(b200, "B210").map(|n| child_text(n, "DNUM").unwrap_or_else(|| text(n)));
        if let Some(number) = number.and_then(non_empty) {
            record.application = Some(DocumentRef {
                country: Some(country.clone()),
                number,
                kind: None,
                date: date_of(child(b200, "B220")),
            });
        }
    }

    record.priority_claims = children(bib, "B300")
        .filter_map(|p| {
            let number = child(p, "B310")
                .map(|n| child_text(n, "DNUM").unwrap_or_else(|| text(n)))
                .and_then(non_empty)?;
            Some(DocumentRef {
                country: child_text(p, "B330"),
                number,
                kind: None,
                date: date_of(child(p, "B320")),
            })
        })
        .collect();

    let b500 = child(bib, "B500");
    if let Some(b500) = b500 {
        record.title = child_text(b500, "B540").unwrap_or_default();
        if let Some(b510) = child(b500, "B510") {
            record.ipc = main_and_further(b510, &["B511"], &["B512"], |n| st32_ipc(&raw_value(n)));
        }
        if let Some(b520) = child(b500, "B520") {
            let further = ["B522", "B522US"];
            record.us_classes =
                main_and_further(b520, &["B521"], &further, |n| st32_uspc(&raw_value(n)));
        }
        if let Some(b560) = child(b500, "B560") {
            read_st32_citations(b560, &mut record);
        }
    }
    if record.title.is_empty() {
        record.title = descendant(bib, "B540").map(text).unwrap_or_default();
    }

    if let Some(b600) = child(bib, "B600") {
        record.related_documents = st32_related(b600);
    }

    if let Some(b700) = child(bib, "B700") {
        record.inventors = descendants(b700, "B721").filter_map(st32_party).collect();
        record.assignees = descendants(b700, "B731").filter_map(st32_party).collect();
    }

    record.abstract_text = child(root, "SDOAB").map(abstract_of).unwrap_or_default();
    record.description = child(root, "SDODE").map(description).unwrap_or_default();
    record.claims = child(root, "SDOCL")
        .map(|cl| claims_of(descendants(cl, "CLM").collect(), &ST32_CLAIMS))
        .unwrap_or_default();
    if !record.claims.is_empty() {
        record.claims_lang = Some("en".into());
    }

    // `DTD="2.5"`; the occasional v2.4 document that is well-formed XML says so too.
    let version = root
        .attribute("DTD")
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .unwrap_or("2.5");
    record.source = source(ctx, format!("uspto-st32-v{version}"));
    Ok(record)
}

/// The value of a fixed-width field (`<B521><PDAT> 15328</PDAT></B521>`)
/// with its leading padding kept: in ST.32 the spaces are significant.
fn raw_value(node: Node<'_, '_>) -> String {
    let source = descendant(node, "PDAT").unwrap_or(node);
    let raw: String = source
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    if raw.contains(['\n', '\r', '\t']) {
        // Pretty-printed: whatever padding there was cannot be told from the indentation.
        raw.trim().to_string()
    } else {
        raw.trim_end().to_string()
    }
}

fn is_ipc_subclass(s: &str) -> bool {
    matches!(
        s.as_bytes(),
        [b'A'..=b'H', d1, d2, l] if d1.is_ascii_digit() && d2.is_ascii_digit() && l.is_ascii_uppercase()
    )
}

/// ST.32 IPC (`G06F 1516`, `B32B  302`, `E03C 104`) to `G06F15/16`, `B32B3/02`,
/// `E03C1/04`: four characters of subclass, the main group right-aligned in
/// three, then the subgroup. A field that lost its padding is read as if it
/// had been padded. Locarno design classes (`1402`) are not IPC and are
/// dropped; anything else unrecognised is kept compacted.
fn st32_ipc(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if raw.contains('/') {
        return normalise_ipc(raw);
    }
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return None;
    }
    let Some(subclass) = raw.get(..4).filter(|s| is_ipc_subclass(s)) else {
        return Some(compact);
    };
    let rest = &raw[4..];
    if rest.trim().is_empty() {
        return Some(subclass.to_string());
    }
    if !rest.chars().all(|c| c.is_ascii_digit() || c == ' ') {
        return Some(compact);
    }
    let padded = format!("{rest:>5}");
    let (group, subgroup) = padded.split_at(3);
    let (group, subgroup) = (group.trim(), subgroup.trim());
    if group.contains(' ') || subgroup.is_empty() || subgroup.contains(' ') {
        return Some(compact);
    }
    let group = group.trim_start_matches('0');
    let group = if group.is_empty() { "0" } else { group };
    Some(format!("{subclass}{group}/{subgroup}"))
}

/// ST.32 USPC (`709202`, `428 641`, `4304951`, ` 153276`, `D14480`, `D 1106`)
/// to `709/202`, `428/64.1`, `430/495.1`, `15/327.6`, `D14/480`, `D1/106`:
/// class right-aligned in three characters, subclass right-aligned in three,
/// then the subclass's decimal digits. A field shorter than six characters
/// lost its leading padding and is read as if it had kept it.
fn st32_uspc(raw: &str) -> Option<String> {
    let raw = raw.trim_end();
    if raw.trim().is_empty() || !raw.is_ascii() {
        return None;
    }
    let padded = format!("{raw:>6}");
    let (class, rest) = padded.split_at(3);
    let (sub, tail) = rest.split_at(3);
    let class: String = class.chars().filter(|c| !c.is_whitespace()).collect();
    let class = if class.starts_with(|c: char| c.is_ascii_digit()) {
        class.trim_start_matches('0').to_string()
    } else {
        class
    };
    let sub = sub.trim();
    let numeric_sub = !sub.is_empty() && sub.bytes().all(|b| b.is_ascii_digit());
    let sub = if numeric_sub {
        sub.trim_start_matches('0')
    } else {
        sub
    };
    if class.is_empty() || sub.is_empty() || sub.contains(' ') {
        return None;
    }
    let tail: String = tail.chars().filter(|c| !c.is_whitespace()).collect();
    let code = if tail.is_empty() {
        format!("{class}/{sub}")
    } else if numeric_sub && tail.bytes().all(|b| b.is_ascii_digit()) {
        let decimals = tail.trim_end_matches('0');
        if decimals.is_empty() {
            format!("{class}/{sub}")
        } else {
            format!("{class}/{sub}.{decimals}")
        }
    } else {
        format!("{class}/{sub}{tail}")
    };
    Some(code)
}

/// A `<DOC>` (DNUM, DATE, CTRY, KIND). Kind `00` is a placeholder for "application" and is dropped.
fn st32_doc(doc: Node<'_, '_>) -> Option<DocumentRef> {
    Some(DocumentRef {
        country: child_text(doc, "CTRY"),
        number: child_text(doc, "DNUM")?,
        kind: child_text(doc, "KIND").filter(|k| !k.bytes().all(|b| b == b'0')),
        date: date_of(child(doc, "DATE")),
    })
}

/// `<CITED-BY-EXAMINER/>` / `<CITED-BY-OTHER/>` markers of one `B561`/`B562`.
/// "Other" is read as the v4 parser reads its `cited by other` category.
fn st32_cited_by(node: Node<'_, '_>) -> Option<CitedBy> {
    node.descendants()
        .filter(|n| n.is_element())
        .find_map(|n| match n.tag_name().name() {
            "CITED-BY-EXAMINER" => Some(CitedBy::Examiner),
            "CITED-BY-OTHER" => Some(CitedBy::ThirdParty),
            _ => None,
        })
}

fn read_st32_citations(node: Node<'_, '_>, record: &mut PatentRecord) {
    for citation in node.children().filter(|n| n.is_element()) {
        match citation.tag_name().name() {
            "B561" => {
                let doc = child(citation, "PCIT").and_then(|p| child(p, "DOC"));
                let Some(r) = doc
                    .or_else(|| descendant(citation, "DOC"))
                    .and_then(st32_doc)
                else {
                    continue;
                };
                record.patent_citations.push(PatentCitation {
                    // US patents are cited without a country.
                    country: r.country.or_else(|| Some("US".into())),
                    number: r.number,
                    kind: r.kind,
                    date: r.date,
                    cited_by: st32_cited_by(citation),
                });
            }
            "B562" => {
                let t = child(citation, "NCIT").map_or_else(|| text(citation), text);
                if !t.is_empty() {
                    record.npl_citations.push(NplCitation {
                        text: t,
                        cited_by: st32_cited_by(citation),
                    });
                }
            }
            _ => {}
        }
    }
}

/// `B600`: related US documents. Only the parents (`PDOC`) are kept, as the v4
/// parser keeps `parent-doc`; the earlier publication of the same application
/// (`B690US`, `B650`) is not a relation between filings.
fn st32_related(b600: Node<'_, '_>) -> Vec<RelatedDocument> {
    let mut out = Vec::new();
    for rel in b600.children().filter(|n| n.is_element()) {
        let relation = match rel.tag_name().name() {
            "B630" => {
                for sub in rel.children().filter(|n| n.is_element()) {
                    let relation = match sub.tag_name().name() {
                        "B631" => Relation::Continuation,
                        "B632" => Relation::ContinuationInPart,
                        "B633" => Relation::Reissue,
                        _ => Relation::Other,
                    };
                    st32_parents(sub, relation, &mut out);
                }
                continue;
            }
            "B610" => Relation::Other,
            "B620" => Relation::Division,
            "B640" | "B641US" => Relation::Reissue,
            "B645" | "B645US" => Relation::Reexamination,
            "B660" => Relation::Substitution,
            "B680" | "B680US" => Relation::Provisional,
            "B650" | "B690US" => continue,
            _ => Relation::Other,
        };
        st32_parents(rel, relation, &mut out);
    }
    out
}

fn st32_parents(node: Node<'_, '_>, relation: Relation, out: &mut Vec<RelatedDocument>) {
    let parents: Vec<Node<'_, '_>> = descendants(node, "PDOC").collect();
    let docs: Vec<Node<'_, '_>> = if parents.is_empty() {
        // A provisional is given as a bare <DOC>; skip the child (CDOC) of a PARENT-US.
        descendants(node, "DOC")
            .filter(|d| !d.ancestors().any(|a| a.has_tag_name("CDOC")))
            .collect()
    } else {
        parents
            .into_iter()
            .filter_map(|p| child(p, "DOC"))
            .collect()
    };
    for doc in docs {
        if let Some(document) = st32_doc(doc) {
            out.push(RelatedDocument { relation, document });
        }
    }
}

/// An inventor (`B721`) or assignee (`B731`): `NAM` with `ONM` or `FNM`/`SNM`/`SFX`, and `ADR`.
fn st32_party(node: Node<'_, '_>) -> Option<Party> {
    let nam = descendant(node, "NAM")?;
    let name = child_text(nam, "ONM").or_else(|| {
        let parts: Vec<String> = ["FNM", "SNM", "SFX"]
            .iter()
            .filter_map(|n| child_text(nam, n))
            .collect();
        if parts.is_empty() {
            non_empty(text(nam))
        } else {
            Some(parts.join(" "))
        }
    })?;
    let adr = descendant(node, "ADR");
    // US residents are given with a STATE and no CTRY.
    let country = adr.and_then(|a| {
        child_text(a, "CTRY").or_else(|| child(a, "STATE").map(|_| "US".to_string()))
    });
    Some(Party {
        name,
        city: adr.and_then(|a| child_text(a, "CITY")),
        country,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_fields() {
        assert_eq!(st32_ipc("G06F 1516").as_deref(), Some("G06F15/16"));
        assert_eq!(st32_ipc("G06F 1300").as_deref(), Some("G06F13/00"));
        assert_eq!(st32_ipc("B32B  302").as_deref(), Some("B32B3/02"));
        assert_eq!(st32_ipc("E03C 104").as_deref(), Some("E03C1/04"));
        assert_eq!(st32_ipc("A61K 31415").as_deref(), Some("A61K31/415"));
        assert_eq!(st32_ipc("H04L 29/06").as_deref(), Some("H04L29/06"));
        assert_eq!(st32_ipc("G06F").as_deref(), Some("G06F"));
        assert_eq!(st32_ipc("1402"), None);
        assert_eq!(st32_ipc("01-01"), None);
        assert_eq!(st32_ipc("").as_deref(), None);
        assert_eq!(st32_ipc("XYZ 12").as_deref(), Some("XYZ12"));
        assert_eq!(st32_ipc("G06F 1x").as_deref(), Some("G06F1x"));
        assert_eq!(st32_ipc("Ü06F 1516").as_deref(), Some("Ü06F1516"));

        assert_eq!(st32_uspc("709202").as_deref(), Some("709/202"));
        assert_eq!(st32_uspc("428 641").as_deref(), Some("428/64.1"));
        assert_eq!(st32_uspc("4304951").as_deref(), Some("430/495.1"));
        assert_eq!(st32_uspc(" 153276").as_deref(), Some("15/327.6"));
        assert_eq!(st32_uspc(" 15328").as_deref(), Some("15/328"));
        assert_eq!(st32_uspc("4675").as_deref(), Some("4/675"));
        assert_eq!(st32_uspc("D14480").as_deref(), Some("D14/480"));
        assert_eq!(st32_uspc("D 1106").as_deref(), Some("D1/106"));
        assert_eq!(st32_uspc("709202000").as_deref(), Some("709/202"));
        assert_eq!(st32_uspc("428   "), None);
        assert_eq!(st32_uspc(""), None);
        assert_eq!(st32_uspc("42é"), None);
    }
}
