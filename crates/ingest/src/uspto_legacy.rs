//! Pre-2005 USPTO XML: application publications (pap v1.5/v1.6) and ST.32 v2.5 grants (`PATDOC`).
//!
//! Both formats predate the v4 `us-patent-*` DTDs and share nothing with them
//! beyond their content:
//!
//! - **ST.32 grants** (`<PATDOC DTD="2.5">`, 2002 to 2004, and the odd v2.4
//!   file that is well-formed XML) name their bibliographic fields by WIPO ST.32
//!   codes (`B110` number, `B220` filing date, `B511` main IPC ...), wrap every
//!   value in `<PDAT>`, and keep the abstract, description and claims in
//!   `SDOAB`, `SDODE` and `SDOCL`. Classifications are fixed-width, right-aligned
//!   fields (`G06F 1516` is G06F 15/16, `428 641` is 428/64.1).
//! - **pap** (`<patent-application-publication>`, 2001 to 2004) uses long
//!   lower-case names (`subdoc-bibliographic-information`, `continuity-data`,
//!   `dependent-claim-reference depends_on="CLM-00001"`).

use std::collections::HashMap;

use chrono::Datelike;
use patsearch_record::{
    parse_date, CitedBy, Claim, Classification, DocumentRef, NplCitation, Paragraph, Party,
    PatentCitation, PatentRecord, PublicationNumber, RelatedDocument, Relation, SourceRef,
};
use roxmltree::Node;

use crate::claims;
use crate::uspto::{normalise_ipc, normalise_uspc};
use crate::xml::{
    self, child, child_text, children, descendant, descendants, path, path_text, text,
};
use crate::{DocContext, DocError};

pub(crate) fn parse(root: Node<'_, '_>, ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
    if root.tag_name().name() == "PATDOC" {
        parse_st32(root, ctx)
    } else {
        parse_pap(root, ctx)
    }
}

fn source(ctx: DocContext<'_>, format: String) -> Option<SourceRef> {
    Some(SourceRef {
        file: ctx.file.to_string(),
        ordinal: ctx.ordinal,
        format: Some(format),
    })
}

fn date_of(node: Option<Node<'_, '_>>) -> Option<chrono::NaiveDate> {
    node.map(text).as_deref().and_then(parse_date)
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

// ---- ST.32 v2.5 grants ----

fn parse_st32(root: Node<'_, '_>, ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
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
            record.ipc = st32_classes(b510, &["B511"], &["B512"], st32_ipc);
        }
        if let Some(b520) = child(b500, "B520") {
            record.us_classes = st32_classes(b520, &["B521"], &["B522", "B522US"], st32_uspc);
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
        .map(|cl| claims_of(descendants(cl, "CLM").collect(), "ID", ClaimLinks::St32))
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

fn st32_classes(
    node: Node<'_, '_>,
    main: &[&str],
    further: &[&str],
    normalise: fn(&str) -> Option<String>,
) -> Vec<Classification> {
    let mut out = Vec::new();
    for n in node.children().filter(|n| n.is_element()) {
        let name = n.tag_name().name();
        let is_main = if main.contains(&name) {
            true
        } else if further.contains(&name) {
            false
        } else {
            continue;
        };
        if let Some(code) = normalise(&raw_value(n)) {
            out.push(Classification {
                code,
                main: Some(is_main),
            });
        }
    }
    out
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

// ---- pap v1.5 / v1.6 application publications ----

fn parse_pap(root: Node<'_, '_>, ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
    let bib = child(root, "subdoc-bibliographic-information")
        .ok_or(DocError::MissingField("publication number"))?;
    let id = child(bib, "document-id").ok_or(DocError::MissingField("publication number"))?;
    let doc_number =
        child_text(id, "doc-number").ok_or(DocError::MissingField("publication number"))?;
    let kind = child_text(id, "kind-code");
    let country = child_text(id, "country-code").unwrap_or_else(|| "US".into());
    let number = PublicationNumber::from_parts(&country, &doc_number, kind.as_deref())?;

    let mut record = PatentRecord::new(number);
    record.publication_date = date_of(child(id, "document-date"));

    if let Some(filing) = child(bib, "domestic-filing-data") {
        let number = path_text(filing, &["application-number", "doc-number"])
            .or_else(|| child_text(filing, "application-number"));
        if let Some(number) = number {
            record.application = Some(DocumentRef {
                country: Some(country.clone()),
                number,
                kind: None,
                date: date_of(child(filing, "filing-date")),
            });
        }
    }

    record.priority_claims = children(bib, "foreign-priority-data")
        .filter_map(|p| {
            let number = path_text(p, &["priority-application-number", "doc-number"])
                .or_else(|| child_text(p, "priority-application-number"))?;
            Some(DocumentRef {
                country: child_text(p, "country-code"),
                number,
                kind: None,
                date: date_of(child(p, "filing-date")),
            })
        })
        .collect();

    let tech = child(bib, "technical-information");
    record.title = tech
        .and_then(|t| child_text(t, "title-of-invention"))
        .or_else(|| descendant(bib, "title-of-invention").map(text))
        .unwrap_or_default();
    if let Some(tech) = tech {
        record.ipc = pap_ipc(tech);
        record.us_classes = pap_uspc(tech);
    }

    if let Some(continuity) = child(bib, "continuity-data") {
        pap_related(continuity, &mut record.related_documents);
    }

    if let Some(inventors) = child(bib, "inventors") {
        for n in inventors.children().filter(|n| {
            n.is_element() && matches!(n.tag_name().name(), "first-named-inventor" | "inventor")
        }) {
            if let Some(p) = pap_party(n) {
                // `authority-applicant` marks the inventor as (one of) the applicants.
                if child(n, "authority-applicant").is_some() {
                    record.applicants.push(p.clone());
                }
                record.inventors.push(p);
            }
        }
    }
    record.assignees = children(bib, "assignee").filter_map(pap_party).collect();

    record.abstract_text = child(root, "subdoc-abstract")
        .map(abstract_of)
        .unwrap_or_default();
    record.description = child(root, "subdoc-description")
        .map(description)
        .unwrap_or_default();
    record.claims = child(root, "subdoc-claims")
        .map(|cl| claims_of(children(cl, "claim").collect(), "id", ClaimLinks::Pap))
        .unwrap_or_default();
    if !record.claims.is_empty() {
        record.claims_lang = Some("en".into());
    }

    // The DTD (pap-v15-2001-01-31 / pap-v16-2002-01-01) is named only in the
    // DOCTYPE, which is gone by now; v1.6 replaced v1.5 from the 2002 files on.
    let version = if record.publication_date.is_some_and(|d| d.year() >= 2002) {
        "v1.6"
    } else {
        "v1.5"
    };
    record.source = source(ctx, format!("uspto-pap-{version}"));
    Ok(record)
}

/// `<classification-ipc-primary><ipc>H01J001/62</ipc>` and `-secondary`.
fn pap_ipc(tech: Node<'_, '_>) -> Vec<Classification> {
    let mut out = Vec::new();
    for ipc in children(tech, "classification-ipc") {
        for group in ipc.children().filter(|n| n.is_element()) {
            let main = match group.tag_name().name() {
                "classification-ipc-primary" => true,
                "classification-ipc-secondary" => false,
                _ => continue,
            };
            for code in descendants(group, "ipc") {
                if let Some(code) = normalise_ipc(&text(code)) {
                    out.push(Classification {
                        code,
                        main: Some(main),
                    });
                }
            }
        }
    }
    out
}

/// `<uspc><class>313</class><subclass>503000</subclass></uspc>` -> `313/503`.
fn pap_uspc(tech: Node<'_, '_>) -> Vec<Classification> {
    let mut out = Vec::new();
    for us in children(tech, "classification-us") {
        for group in us.children().filter(|n| n.is_element()) {
            let main = match group.tag_name().name() {
                "classification-us-primary" => true,
                "classification-us-secondary" => false,
                _ => continue,
            };
            for uspc in descendants(group, "uspc") {
                let class = child_text(uspc, "class").unwrap_or_default();
                let subclass = child_text(uspc, "subclass").unwrap_or_default();
                if class.is_empty() || subclass.is_empty() {
                    continue;
                }
                if let Some(code) = normalise_uspc(&format!("{class:>3}{subclass}")) {
                    out.push(Classification {
                        code,
                        main: Some(main),
                    });
                }
            }
        }
    }
    out
}

fn pap_relation(name: &str) -> Relation {
    if name.contains("reissue") {
        Relation::Reissue
    } else if name.contains("continuation-in-part") {
        Relation::ContinuationInPart
    } else if name.contains("continuation") {
        Relation::Continuation
    } else if name.contains("division") {
        Relation::Division
    } else if name.contains("provisional") {
        Relation::Provisional
    } else if name.contains("reexam") {
        Relation::Reexamination
    } else if name.contains("substitut") {
        Relation::Substitution
    } else {
        Relation::Other
    }
}

/// `<document-id>` with doc-number, kind-code, document-date, country-code.
fn pap_doc(id: Node<'_, '_>) -> Option<DocumentRef> {
    Some(DocumentRef {
        country: child_text(id, "country-code"),
        number: child_text(id, "doc-number")?,
        kind: child_text(id, "kind-code"),
        date: date_of(child(id, "document-date")),
    })
}

/// `continuity-data`: `continuations/continuation-of/parent-child/parent`,
/// `division-of/...`, `non-provisional-of-provisional/document-id`,
/// `a-371-of-international/...`. Each parent is kept with its relation.
fn pap_related(node: Node<'_, '_>, out: &mut Vec<RelatedDocument>) {
    for rel in node.children().filter(|n| n.is_element()) {
        let relation = pap_relation(rel.tag_name().name());
        if child(rel, "parent-child").is_some() {
            for pc in children(rel, "parent-child") {
                if let Some(document) = path(pc, &["parent", "document-id"]).and_then(pap_doc) {
                    out.push(RelatedDocument { relation, document });
                }
            }
        } else if child(rel, "document-id").is_some() {
            for id in children(rel, "document-id") {
                if let Some(document) = pap_doc(id) {
                    out.push(RelatedDocument { relation, document });
                }
            }
        } else {
            // A grouping element such as `continuations`.
            pap_related(rel, out);
        }
    }
}

/// An inventor or assignee: `organization-name` or `name` (given/middle/family/suffix),
/// with city and country from `residence` or `address`.
fn pap_party(node: Node<'_, '_>) -> Option<Party> {
    let name = child_text(node, "organization-name").or_else(|| {
        let name = child(node, "name")?;
        let parts: Vec<String> = ["given-name", "middle-name", "family-name", "name-suffix"]
            .iter()
            .filter_map(|n| child_text(name, n))
            .collect();
        if parts.is_empty() {
            non_empty(text(name))
        } else {
            Some(parts.join(" "))
        }
    })?;
    let residence = child(node, "residence").and_then(|r| {
        r.children()
            .find(|n| n.is_element() && n.tag_name().name().starts_with("residence"))
    });
    let address = child(node, "address");
    let city = residence
        .and_then(|r| child_text(r, "city"))
        .or_else(|| address.and_then(|a| child_text(a, "city")));
    let country = residence
        .and_then(|r| child_text(r, "country-code"))
        .or_else(|| {
            address.and_then(|a| {
                path_text(a, &["country", "country-code"]).or_else(|| child_text(a, "country"))
            })
        });
    Some(Party {
        name,
        city,
        country,
    })
}

// ---- abstract, description and claims (both formats) ----

/// The abstract's paragraphs (`PARA` / `paragraph`) joined by a space.
fn abstract_of(node: Node<'_, '_>) -> String {
    let paragraphs: Vec<String> = node
        .descendants()
        .filter(|n| n.is_element() && matches!(n.tag_name().name(), "PARA" | "paragraph"))
        .filter(|n| {
            !n.ancestors()
                .skip(1)
                .any(|a| matches!(a.tag_name().name(), "PARA" | "paragraph"))
        })
        .map(text)
        .filter(|t| !t.is_empty())
        .collect();
    if paragraphs.is_empty() {
        text(node)
    } else {
        paragraphs.join(" ")
    }
}

/// Description paragraphs with the heading each sits under: `H`/`PARA` in
/// `SDODE` sections (`BRFSUM`, `DETDESC`, ...), `heading`/`paragraph` in pap
/// sections (`summary-of-invention/section`, ...).
fn description(node: Node<'_, '_>) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut heading = None;
    walk_description(node, &mut heading, &mut out);
    out
}

fn is_structural(name: &str) -> bool {
    matches!(name, "H" | "PARA" | "heading" | "paragraph")
}

fn walk_description(node: Node<'_, '_>, heading: &mut Option<String>, out: &mut Vec<Paragraph>) {
    for n in node.children().filter(|n| n.is_element()) {
        let name = n.tag_name().name();
        match name {
            "H" | "heading" => *heading = non_empty(text(n)),
            "PARA" | "paragraph" => {
                if let Some(p) = paragraph(n, heading) {
                    out.push(p);
                }
            }
            _ if n
                .descendants()
                .skip(1)
                .any(|d| d.is_element() && is_structural(d.tag_name().name())) =>
            {
                walk_description(n, heading, out)
            }
            _ => {
                let t = text(n);
                if !t.is_empty() {
                    out.push(Paragraph {
                        number: None,
                        heading: heading.clone(),
                        text: t,
                    });
                }
            }
        }
    }
}

/// One paragraph. pap prints its number in a leading `<number>[0001]</number>`
/// (or `1.`), which becomes `0001` (or `1`) and leaves the text; ST.32 grants
/// print none.
fn paragraph(n: Node<'_, '_>, heading: &Option<String>) -> Option<Paragraph> {
    let full = text(n);
    let (number, body) = match child(n, "number") {
        Some(num) => {
            let printed = text(num);
            let digits: String = printed.chars().filter(char::is_ascii_digit).collect();
            let body = match full.strip_prefix(printed.as_str()) {
                Some(rest) if !printed.is_empty() => rest.trim_start().to_string(),
                _ => full,
            };
            (non_empty(digits), body)
        }
        None => (n.attribute("N").map(str::to_string), full),
    };
    (!body.is_empty()).then(|| Paragraph {
        number,
        heading: heading.clone(),
        text: body,
    })
}

/// How a format links a claim to the claims it depends on.
#[derive(Clone, Copy)]
enum ClaimLinks {
    /// `<CLREF ID="CLM-00001">claim 1</CLREF>`
    St32,
    /// `<dependent-claim-reference depends_on="CLM-00001">`
    Pap,
}

impl ClaimLinks {
    fn element(self) -> &'static str {
        match self {
            ClaimLinks::St32 => "CLREF",
            ClaimLinks::Pap => "dependent-claim-reference",
        }
    }

    fn attribute(self) -> &'static str {
        match self {
            ClaimLinks::St32 => "ID",
            ClaimLinks::Pap => "depends_on",
        }
    }
}

/// Claim numbers beyond this are garbage (and would make "any preceding
/// claim" expand into an enormous list).
const MAX_CLAIM_NUMBER: u32 = 100_000;

fn plausible_claim_number(n: u32) -> Option<u32> {
    (1..=MAX_CLAIM_NUMBER).contains(&n).then_some(n)
}

/// The number in an id such as `CLM-00012`.
fn id_number(id: &str) -> Option<u32> {
    let digits: String = id.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok().and_then(plausible_claim_number)
}

/// Claims with their numbers (from the id, else the printed number, else the
/// position), text without the printed number, and dependencies from the
/// format's links, or from the wording where there are none.
fn claims_of(claim_nodes: Vec<Node<'_, '_>>, id_attr: &str, links: ClaimLinks) -> Vec<Claim> {
    let texts: Vec<String> = claim_nodes.iter().map(|c| claim_text(*c, links)).collect();
    let mut number_by_id: HashMap<&str, u32> = HashMap::new();
    let mut numbers = Vec::with_capacity(claim_nodes.len());
    for (i, (c, full)) in claim_nodes.iter().zip(&texts).enumerate() {
        let number = c
            .attribute(id_attr)
            .and_then(id_number)
            .or_else(|| claims::leading_number(full).and_then(plausible_claim_number))
            .unwrap_or_else(|| u32::try_from(i + 1).unwrap_or(u32::MAX));
        if let Some(id) = c.attribute(id_attr) {
            number_by_id.insert(id.trim(), number);
        }
        numbers.push(number);
    }
    claim_nodes
        .iter()
        .zip(texts)
        .zip(numbers)
        .map(|((c, full), number)| {
            let body = claims::strip_leading_number(&full).to_string();
            let refs = linked_references(*c, links, &number_by_id);
            let depends_on = if refs.is_empty() {
                claims::references_in_text(&body, number)
            } else {
                claims::finish(refs, number)
            };
            Claim {
                number,
                text: body,
                depends_on,
            }
        })
        .collect()
}

/// Claim numbers named by the claim's links, with "claims 1 to 3" written as
/// two links expanded into the range.
fn linked_references(
    claim: Node<'_, '_>,
    links: ClaimLinks,
    number_by_id: &HashMap<&str, u32>,
) -> Vec<u32> {
    let mut refs: Vec<u32> = Vec::new();
    let mut previous: Option<Node<'_, '_>> = None;
    for r in descendants(claim, links.element()) {
        let mut targets: Vec<u32> = r
            .attribute(links.attribute())
            .map(|ids| {
                ids.split_whitespace()
                    .filter_map(|id| number_by_id.get(id).copied().or_else(|| id_number(id)))
                    .collect()
            })
            .unwrap_or_default();
        if targets.is_empty() {
            let t = text(r);
            if let Some(n) = t
                .split(|c: char| !c.is_ascii_digit())
                .rfind(|s| !s.is_empty())
                .and_then(|s| s.parse().ok())
            {
                targets.push(n);
            }
        }
        let Some(&first) = targets.first() else {
            continue;
        };
        if let (Some(prev), Some(&last)) = (previous, refs.last()) {
            let between = crate::uspto::between_text(prev, r).to_ascii_lowercase();
            if matches!(between.trim(), "to" | "through" | "thru" | "-" | "–")
                && last < first
                && first - last < 500
            {
                refs.extend(last + 1..first);
            }
        }
        refs.extend(targets);
        previous = Some(r);
    }
    refs
}

/// A claim's text. Like [`xml::text`], except that the `<claim-text>` pap puts
/// inside a `dependent-claim-reference` stays inline ("claim 1, wherein", not
/// "claim 1 , wherein").
fn claim_text(node: Node<'_, '_>, links: ClaimLinks) -> String {
    let mut out = String::new();
    let mut pending = false;
    push_claim_text(node, links.element(), &mut out, &mut pending);
    out
}

fn push_claim_text(node: Node<'_, '_>, link: &str, out: &mut String, pending: &mut bool) {
    if descendant(node, link).is_none() {
        xml::push_text(node, out, pending);
        return;
    }
    for n in node.children() {
        if n.is_text() {
            xml::push_collapsed(n.text().unwrap_or(""), out, pending);
        } else if n.is_element() {
            let name = n.tag_name().name();
            if name == link {
                for t in n.descendants().filter(|d| d.is_text()) {
                    xml::push_collapsed(t.text().unwrap_or(""), out, pending);
                }
                continue;
            }
            let block = !is_inline(name);
            if block {
                *pending = true;
            }
            push_claim_text(n, link, out, pending);
            if block {
                *pending = true;
            }
        }
    }
}

/// Inline markup that can hold a claim link in these formats.
fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "highlight"
            | "bold"
            | "italic"
            | "underline"
            | "superscript"
            | "subscript"
            | "smallcaps"
            | "in-line-formula"
            | "cross-reference"
            | "PDAT"
            | "STEXT"
            | "HIL"
            | "BOLD"
            | "ITALIC"
            | "SB"
            | "SP"
            | "U"
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::NaiveDate;

    use super::*;
    use crate::Parsed;

    const DATA: &str = "/work/shared/data/patents";

    /// Reads and parses a fixture under [`DATA`]; panics (never skips) when it is missing.
    fn load(rel: &str) -> PatentRecord {
        let full = Path::new(DATA).join(rel);
        let bytes = std::fs::read(&full).unwrap_or_else(|e| {
            panic!(
                "fixture {} cannot be read ({e}): these tests need the shared patent data under {DATA}",
                full.display()
            )
        });
        match crate::parse_xml_document(
            &bytes,
            DocContext {
                file: rel,
                ordinal: 1,
            },
        ) {
            Ok(Parsed::Record(record)) => *record,
            Ok(Parsed::NonPatent(n)) => panic!("{rel}: parsed as a non-patent ({})", n.what),
            Err(e) => panic!("{rel}: {e}"),
        }
    }

    fn parse_str(xml: &str) -> Result<PatentRecord, DocError> {
        match crate::parse_xml_document(
            xml.as_bytes(),
            DocContext {
                file: "inline.xml",
                ordinal: 1,
            },
        )? {
            Parsed::Record(r) => Ok(*r),
            Parsed::NonPatent(n) => panic!("non-patent: {}", n.what),
        }
    }

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn codes(classes: &[Classification]) -> Vec<(&str, Option<bool>)> {
        classes.iter().map(|c| (c.code.as_str(), c.main)).collect()
    }

    fn names(parties: &[Party]) -> Vec<&str> {
        parties.iter().map(|p| p.name.as_str()).collect()
    }

    fn claim(record: &PatentRecord, number: u32) -> &Claim {
        record
            .claims
            .iter()
            .find(|c| c.number == number)
            .unwrap_or_else(|| panic!("{}: no claim {number}", record.publication_number))
    }

    /// One row of a PROVENANCE.md field table.
    struct Row {
        file: &'static str,
        number: &'static str,
        date: (i32, u32, u32),
        format: &'static str,
        abstract_: bool,
        claims: usize,
        description: bool,
        assignee: bool,
        patcit: usize,
        nplcit: usize,
    }

    /// Every pap and ST.32 document of the fixture sets, with the fields
    /// PROVENANCE.md marks present (number, kind, date, abstract, #claims,
    /// description, assignee, #patcit, #nplcit).
    const ROWS: &[Row] = &[
        Row {
            file: "uspto-patentpublicdata-samples/pap/US20010000044A1.xml",
            number: "US20010000044A1",
            date: (2001, 3, 15),
            format: "uspto-pap-v1.5",
            abstract_: true,
            claims: 21,
            description: true,
            assignee: false,
            patcit: 0,
            nplcit: 0,
        },
        Row {
            file: "uspto-patentpublicdata-samples/pap/US20010000943A1.xml",
            number: "US20010000943A1",
            date: (2001, 5, 10),
            format: "uspto-pap-v1.5",
            abstract_: true,
            claims: 13,
            description: true,
            assignee: true,
            patcit: 0,
            nplcit: 0,
        },
        Row {
            file: "uspto-patentpublicdata-samples/pap/US20010009014A1.xml",
            number: "US20010009014A1",
            date: (2001, 7, 19),
            format: "uspto-pap-v1.5",
            abstract_: true,
            claims: 55,
            description: true,
            assignee: false,
            patcit: 0,
            nplcit: 0,
        },
        Row {
            file: "uspto-patentpublicdata-samples/sgml/US06336130.xml",
            number: "US6336130B1",
            date: (2002, 1, 1),
            format: "uspto-st32-v2.5",
            abstract_: true,
            claims: 22,
            description: true,
            assignee: true,
            patcit: 6,
            nplcit: 3,
        },
        Row {
            file: "uspto-patentpublicdata-samples/sgml/US06337117.xml",
            number: "US6337117B1",
            date: (2002, 1, 8),
            format: "uspto-st32-v2.5",
            abstract_: true,
            claims: 39,
            description: true,
            assignee: true,
            patcit: 2,
            nplcit: 0,
        },
        // SGML-era v2.4 design patent; this file happens to be well-formed XML.
        Row {
            file: "uspto-patentpublicdata-samples/sgml/USD435854S1.xml",
            number: "USD435854S",
            date: (2001, 1, 2),
            format: "uspto-st32-v2.4",
            abstract_: false,
            claims: 1,
            description: true,
            assignee: true,
            patcit: 10,
            nplcit: 0,
        },
        Row {
            file: "uspto-go-uspto-testdata/application/v1-5-A1_1.xml",
            number: "US20010000001A1",
            date: (2001, 3, 15),
            format: "uspto-pap-v1.5",
            abstract_: true,
            claims: 0,
            description: false,
            assignee: false,
            patcit: 0,
            nplcit: 0,
        },
        Row {
            file: "uspto-go-uspto-testdata/application/v1-5-A1_2.xml",
            number: "US20010000002A1",
            date: (2001, 3, 15),
            format: "uspto-pap-v1.5",
            abstract_: true,
            claims: 33,
            description: true,
            assignee: false,
            patcit: 0,
            nplcit: 0,
        },
        Row {
            file: "uspto-go-uspto-testdata/grant/v2-5-B2.xml",
            number: "US6530116B2",
            date: (2003, 3, 11),
            format: "uspto-st32-v2.5",
            abstract_: true,
            claims: 20,
            description: true,
            assignee: true,
            patcit: 33,
            nplcit: 4,
        },
        Row {
            file: "uspto-patentsview-db-fixtures/xml/pa040101.two.xml",
            number: "US20040000002A1",
            date: (2004, 1, 1),
            format: "uspto-pap-v1.6",
            abstract_: true,
            claims: 1,
            description: true,
            assignee: true,
            patcit: 0,
            nplcit: 0,
        },
    ];

    #[test]
    #[should_panic(expected = "/work/shared/data/patents/no/such/fixture.xml cannot be read")]
    fn a_missing_fixture_fails_loudly() {
        load("no/such/fixture.xml");
    }

    #[test]
    fn every_fixture_matches_its_provenance_row() {
        for row in ROWS {
            let r = load(row.file);
            let f = row.file;
            assert_eq!(r.publication_number.to_string(), row.number, "{f}");
            assert_eq!(
                r.publication_date,
                date(row.date.0, row.date.1, row.date.2),
                "{f}"
            );
            assert!(!r.title.is_empty(), "{f}: title");
            assert_eq!(!r.abstract_text.is_empty(), row.abstract_, "{f}: abstract");
            assert_eq!(r.claims.len(), row.claims, "{f}: #claims");
            assert_eq!(
                !r.description.is_empty(),
                row.description,
                "{f}: description"
            );
            assert_eq!(!r.assignees.is_empty(), row.assignee, "{f}: assignee");
            assert_eq!(r.patent_citations.len(), row.patcit, "{f}: #patcit");
            assert_eq!(r.npl_citations.len(), row.nplcit, "{f}: #nplcit");
            assert!(!r.inventors.is_empty(), "{f}: inventors");
            // Design patents carry a Locarno class where utility documents carry IPC.
            let design = r.kind.as_deref().is_some_and(|k| k.starts_with('S'));
            assert_eq!(r.ipc.is_empty(), design, "{f}: ipc");
            assert!(r.application.is_some(), "{f}: application");
            let source = r.source.as_ref().expect("source");
            assert_eq!(source.file, row.file);
            assert_eq!(source.ordinal, 1);
            assert_eq!(source.format.as_deref(), Some(row.format), "{f}");
            // Claims are numbered 1..n in order and only ever depend on earlier claims.
            for (i, c) in r.claims.iter().enumerate() {
                assert_eq!(c.number as usize, i + 1, "{f}: claim order");
                assert!(!c.text.is_empty(), "{f}: claim {} text", c.number);
                assert!(
                    c.depends_on.iter().all(|&d| d < c.number),
                    "{f}: claim {} depends on {:?}",
                    c.number,
                    c.depends_on
                );
            }
            if row.claims > 0 {
                assert!(r.claims[0].is_independent(), "{f}: claim 1 is independent");
            }
        }
    }

    #[test]
    fn other_st32_fixtures_parse() {
        // Pretty-printed v2.5 documents from go-uspto (not in the PROVENANCE table).
        let b1 = load("uspto-go-uspto-testdata/grant/v2-5-B1.xml");
        assert_eq!(b1.publication_number.to_string(), "US6334226B1");
        assert_eq!(codes(&b1.ipc), [("E03C1/04", Some(true))]);
        assert_eq!(
            b1.us_classes.first().map(|c| c.code.as_str()),
            Some("4/675"),
            "padding lost to pretty-printing is restored"
        );
        assert_eq!(b1.priority_claims.len(), 2);
        assert_eq!(names(&b1.assignees), ["Toto Ltd."]);
        assert!(!b1.claims.is_empty());

        let s1 = load("uspto-go-uspto-testdata/grant/v2-5-S1.xml");
        assert_eq!(s1.publication_number.to_string(), "USD452599S1");
        assert!(s1.ipc.is_empty(), "Locarno 01-01 is not IPC");
        assert_eq!(codes(&s1.us_classes), [("D1/106", Some(true))]);
        assert_eq!(s1.claims.len(), 1);
        assert_eq!(s1.claims[0].number, 1);
        assert!(s1.claims[0]
            .text
            .starts_with("The ornamental design for a confection item"));
        assert_eq!(s1.inventors[0].name, "Ute Rossi-Wolter");
        assert_eq!(s1.inventors[0].city.as_deref(), Some("74193 Schwaigern"));
        assert_eq!(s1.description.len(), 7);
    }

    #[test]
    fn st32_grant_field_by_field() {
        let r = load("uspto-patentpublicdata-samples/sgml/US06336130.xml");
        assert_eq!(r.publication_number.to_string(), "US6336130B1");
        assert_eq!(r.country, "US");
        assert_eq!(r.kind.as_deref(), Some("B1"));
        assert_eq!(r.publication_date, date(2002, 1, 1));
        let app = r.application.as_ref().expect("application");
        assert_eq!(app.number, "09413215");
        assert_eq!(app.date, date(1999, 10, 5));
        assert_eq!(r.filing_date(), date(1999, 10, 5));
        assert_eq!(
            r.priority_claims,
            [DocumentRef {
                country: Some("NO".into()),
                number: "971605".into(),
                kind: None,
                date: date(1997, 4, 8),
            }]
        );
        assert_eq!(
            r.related_documents,
            [RelatedDocument {
                relation: Relation::Continuation,
                document: DocumentRef {
                    country: Some("US".into()),
                    number: "PCT/NO98/00107".into(),
                    kind: None,
                    date: date(1998, 4, 2),
                },
            }]
        );
        assert_eq!(
            r.title,
            "Arrangement for improving availability of services in a communication system"
        );
        assert_eq!(
            codes(&r.ipc),
            [("G06F15/16", Some(true)), ("G06F13/00", Some(false))]
        );
        assert_eq!(
            codes(&r.us_classes),
            [("709/202", Some(true)), ("709/201", Some(false))]
        );

        // Citations: five US patents and one WO, cited by the examiner / others.
        assert_eq!(r.patent_citations.len(), 6);
        assert_eq!(
            r.patent_citations[0],
            PatentCitation {
                country: Some("US".into()),
                number: "5825759".into(),
                kind: Some("A".into()),
                date: date(1998, 10, 1),
                cited_by: Some(CitedBy::Examiner),
            }
        );
        let wo = &r.patent_citations[5];
        assert_eq!(wo.country.as_deref(), Some("WO"));
        assert_eq!(wo.number, "96/25012");
        assert_eq!(wo.cited_by, Some(CitedBy::ThirdParty));
        assert_eq!(r.npl_citations.len(), 3);
        assert!(r.npl_citations[0]
            .text
            .starts_with("S. Krause et al.; Mobile Service Agents Enabling \u{2018}Intelligence on Demand\u{2019}"));
        assert!(r.npl_citations[1]
            .text
            .starts_with("IEEE 46th Technology Conference"));

        assert_eq!(
            r.inventors,
            [Party {
                name: "Thanh Van Do".into(),
                city: Some("Oslo".into()),
                country: Some("NO".into()),
            }]
        );
        assert_eq!(
            r.assignees,
            [Party {
                name: "Telefonaktiebolaget LM Ericsson (publ)".into(),
                city: Some("Stockholm".into()),
                country: Some("SE".into()),
            }]
        );
        assert!(r.applicants.is_empty());

        assert!(r
            .abstract_text
            .starts_with("A communications systems, e.g., a telecommunications system, includes"));
        let first = &r.description[0];
        assert_eq!(first.heading, None);
        assert!(first
            .text
            .starts_with("This is a continuation of PCT application"));
        let field = &r.description[1];
        assert_eq!(field.heading.as_deref(), Some("FIELD OF THE INVENTION"));
        assert!(field
            .text
            .starts_with("Generally, the present invention relates"));
        assert!(r
            .description
            .iter()
            .any(|p| p.heading.as_deref() == Some("DETAILED DESCRIPTION")
                && p.text.starts_with("FIG. 1, as previously discussed")));
        assert_eq!(r.description.len(), 42);

        assert_eq!(r.claims.len(), 22);
        let c1 = claim(&r, 1);
        assert!(c1
            .text
            .starts_with("An arrangement in a network including a plurality of mobile terminals"));
        assert!(c1
            .text
            .ends_with("each of the mobile terminals including a fixed network node agent representing the fixed network node."));
        assert!(c1.is_independent());
        let c2 = claim(&r, 2);
        assert!(c2
            .text
            .starts_with("The arrangement in claim 1, wherein the fixed network node agent"));
        assert_eq!(c2.depends_on, [1]);
        assert_eq!(claim(&r, 5).depends_on, [4]);
        assert_eq!(claim(&r, 11).depends_on, [10]);
        assert!(claim(&r, 9).is_independent());
        assert!(claim(&r, 18).is_independent());
        assert_eq!(claim(&r, 22).depends_on, [19]);
        assert_eq!(r.independent_claims().count(), 3);
        assert_eq!(r.claims_lang.as_deref(), Some("en"));
    }

    #[test]
    fn st32_padded_classes_and_us_inventors() {
        let r = load("uspto-go-uspto-testdata/grant/v2-5-B2.xml");
        assert_eq!(r.publication_number.to_string(), "US6530116B2");
        assert_eq!(r.publication_date, date(2003, 3, 11));
        assert_eq!(r.filing_date(), date(2001, 2, 13));
        assert_eq!(
            r.title,
            "Vacuum cleaner with muffled detachable blower exhaust"
        );
        assert_eq!(codes(&r.ipc), [("A47L5/14", Some(true))]);
        assert_eq!(
            codes(&r.us_classes),
            [
                ("15/328", Some(true)),
                ("15/327.6", Some(false)),
                ("15/326", Some(false)),
                ("15/412", Some(false)),
            ]
        );
        assert_eq!(
            names(&r.inventors),
            ["Robert C. Berfield", "Ronald Griffin", "Craig Seasholtz"]
        );
        assert_eq!(r.inventors[0].city.as_deref(), Some("Jersey Shore"));
        assert_eq!(r.inventors[0].country.as_deref(), Some("US"));
        assert_eq!(names(&r.assignees), ["Shop Vac Corporation"]);
        // The earlier publication of the same application (B690US) is not a relation.
        assert!(r.related_documents.is_empty());
        let canadian = r.patent_citations.last().expect("citations");
        assert_eq!(canadian.country.as_deref(), Some("CA"));
        assert_eq!(canadian.number, "461861");
        assert_eq!(canadian.date, date(1949, 12, 1));
        assert_eq!(
            r.patent_citations
                .iter()
                .filter(|c| c.cited_by == Some(CitedBy::Examiner))
                .count(),
            7
        );
        assert!(claim(&r, 1)
            .text
            .starts_with("A vacuum cleaner comprising: a housing"));
        assert_eq!(claim(&r, 2).depends_on, [1]);
        assert_eq!(claim(&r, 4).depends_on, [3]);
    }

    #[test]
    fn st32_other_fields_multiple_assignees() {
        let r = load("uspto-patentpublicdata-samples/sgml/USD435854S1.xml");
        assert_eq!(r.kind.as_deref(), Some("S"));
        assert_eq!(
            names(&r.assignees),
            [
                "Hitachi Maxell, Ltd.",
                "Sanyo Electric Co.,Ltd.",
                "Olympus Optical Co., Ltd."
            ]
        );
        assert_eq!(codes(&r.us_classes), [("D14/480", Some(true))]);
        assert!(r.ipc.is_empty(), "Locarno 14-02 is not IPC");
        assert_eq!(r.patent_citations[0].number, "D. 271298");
    }

    #[test]
    fn pap_field_by_field() {
        let r = load("uspto-patentpublicdata-samples/pap/US20010009014A1.xml");
        assert_eq!(r.publication_number.to_string(), "US20010009014A1");
        assert_eq!(r.kind.as_deref(), Some("A1"));
        assert_eq!(r.publication_date, date(2001, 7, 19));
        let app = r.application.as_ref().expect("application");
        assert_eq!(app.number, "09777392");
        assert_eq!(app.date, date(2001, 2, 5));
        assert_eq!(
            r.title,
            "Facilitating real-time, multi-point communications over the internet"
        );
        assert_eq!(codes(&r.ipc), [("G06F15/16", Some(true))]);
        assert_eq!(
            codes(&r.us_classes),
            [("709/204", Some(true)), ("709/227", Some(false))]
        );
        let related: Vec<(Relation, &str, Option<NaiveDate>)> = r
            .related_documents
            .iter()
            .map(|d| (d.relation, d.document.number.as_str(), d.document.date))
            .collect();
        assert_eq!(
            related,
            [
                (Relation::Division, "09432885", date(1999, 11, 2)),
                (Relation::ContinuationInPart, "09312927", date(1999, 5, 17)),
                (Relation::Provisional, "60128037", date(1999, 4, 6)),
            ]
        );
        assert_eq!(
            r.inventors,
            [
                Party {
                    name: "James A. Savage III".into(),
                    city: Some("San Jose".into()),
                    country: Some("US".into()),
                },
                Party {
                    name: "Sophie Muller".into(),
                    city: Some("Palo Alto".into()),
                    country: Some("US".into()),
                },
            ]
        );
        assert_eq!(r.applicants, r.inventors);
        assert!(r.assignees.is_empty());
        assert!(r.patent_citations.is_empty() && r.npl_citations.is_empty());

        assert!(r.abstract_text.starts_with(
            "Methods and apparatus are described for facilitating a first conference"
        ));
        let first = &r.description[0];
        assert_eq!(first.number.as_deref(), Some("0001"));
        assert_eq!(first.heading.as_deref(), Some("RELATED APPLICATION DATA"));
        assert!(first
            .text
            .starts_with("The present application is a continuation-in-part of U.S. Pat."));
        assert_eq!(
            r.description[1].heading.as_deref(),
            Some("BACKGROUND OF THE INVENTION")
        );
        assert!(r.description.iter().all(|p| p.number.is_some()));

        assert_eq!(r.claims.len(), 55);
        let c1 = claim(&r, 1);
        assert_eq!(
            c1.text,
            "A method for facilitating communication between a plurality of clients on a network, \
             comprising: receiving a request with a dispatch server, the request being from a first \
             one of the plurality of clients to join a first conference; and statelessly dispatching \
             the first client to the first conference on a first one of a plurality of media servers \
             associated with the dispatch server."
        );
        assert!(c1.is_independent());
        let c2 = claim(&r, 2);
        assert!(c2
            .text
            .starts_with("The method of claim 1 further comprising determining"));
        assert_eq!(c2.depends_on, [1]);
        assert_eq!(claim(&r, 3).depends_on, [2]);
        assert_eq!(claim(&r, 11).depends_on, [8]);
    }

    #[test]
    fn pap_assignee_priority_and_paragraph_numbers() {
        let r = load("uspto-patentpublicdata-samples/pap/US20010000943A1.xml");
        assert_eq!(r.filing_date(), date(2000, 12, 4));
        assert_eq!(
            r.title,
            "Organic electroluminescence device and method of manufacturing same"
        );
        assert_eq!(
            r.assignees,
            [Party {
                name: "IDEMITSU KOSAN CO., LTD.".into(),
                city: None,
                country: None,
            }]
        );
        assert_eq!(
            r.priority_claims,
            [DocumentRef {
                country: Some("JP".into()),
                number: "11-097727".into(),
                kind: None,
                date: date(1999, 4, 5),
            }]
        );
        assert_eq!(codes(&r.ipc), [("H01J1/62", Some(true))]);
        assert_eq!(
            codes(&r.us_classes),
            [("313/503", Some(true)), ("313/504", Some(false))]
        );
        assert_eq!(names(&r.inventors), ["Kenichi Fukuoka", "Mitsura Eida"]);
        assert_eq!(r.inventors[0].city.as_deref(), Some("Sodegaura-shi"));
        assert_eq!(r.inventors[0].country.as_deref(), Some("JP"));
        assert_eq!(r.related_documents.len(), 1);
        assert_eq!(r.related_documents[0].relation, Relation::Continuation);
        assert_eq!(r.related_documents[0].document.number, "PCT/JP00/02182");
        let p = &r.description[0];
        assert_eq!(p.number.as_deref(), Some("1"));
        assert!(p
            .text
            .starts_with("This is a continuation application of PCT"));
        assert!(r.abstract_text.contains("Min\u{2212}20 nm<t<Min+20 nm"));
        assert_eq!(claim(&r, 2).depends_on, [1]);
        assert!(claim(&r, 2)
            .text
            .starts_with("The organic electroluminescence device according to claim 1, wherein"));
    }

    #[test]
    fn pap_unlinked_dependencies_come_from_the_wording() {
        let r = load("uspto-patentpublicdata-samples/pap/US20010000044A1.xml");
        let c1 = claim(&r, 1);
        assert!(c1
            .text
            .starts_with("A method of doing business over a global communications network"));
        assert!(c1.is_independent());
        let c2 = claim(&r, 2);
        assert!(c2
            .text
            .starts_with("The method of claim 1, further comprising"));
        assert_eq!(c2.depends_on, [1]);
        assert_eq!(r.inventors[0].name, "Wayne W Lin");
        assert_eq!(r.inventors[0].city.as_deref(), Some("Irvine"));
        assert!(r.related_documents.is_empty());
    }

    #[test]
    fn pap_v16_and_front_page_only_documents() {
        let r = load("uspto-patentsview-db-fixtures/xml/pa040101.two.xml");
        assert_eq!(r.publication_number.to_string(), "US20040000002A1");
        assert_eq!(codes(&r.ipc), [("A41B1/00", Some(true))]);
        assert_eq!(codes(&r.us_classes), [("2/69", Some(true))]);
        assert_eq!(names(&r.assignees), ["Hill-Rom Services, Inc."]);
        assert_eq!(names(&r.inventors), ["Scott Hollander"]);
        assert_eq!(r.description[0].number.as_deref(), Some("0001"));
        assert_eq!(r.description[0].text, "1. Field of the Invention");

        let front = load("uspto-go-uspto-testdata/application/v1-5-A1_1.xml");
        assert!(front.claims.is_empty() && front.description.is_empty());
        assert_eq!(front.claims_lang, None);
        let related: Vec<(Relation, &str)> = front
            .related_documents
            .iter()
            .map(|d| (d.relation, d.document.number.as_str()))
            .collect();
        assert_eq!(
            related,
            [
                (Relation::Continuation, "09375495"),
                (Relation::Continuation, "08894495"),
                (Relation::Other, "PCT/US97/05183"),
                (Relation::ContinuationInPart, "08580840"),
            ]
        );
    }

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

    #[test]
    fn missing_number_is_an_error_and_odd_input_never_panics() {
        for xml in [
            "<PATDOC/>",
            "<PATDOC><SDOBI><B100><B110/></B100></SDOBI></PATDOC>",
            "<patent-application-publication/>",
            "<patent-application-publication><subdoc-bibliographic-information><document-id/></subdoc-bibliographic-information></patent-application-publication>",
        ] {
            assert_eq!(
                parse_str(xml).unwrap_err(),
                DocError::MissingField("publication number"),
                "{xml}"
            );
        }
        assert!(matches!(
            parse_str("<PATDOC><SDOBI><B100><B110><DNUM><PDAT>12?45</PDAT></DNUM></B110></B100></SDOBI></PATDOC>"),
            Err(DocError::BadNumber(_))
        ));

        // Skeletons with empty or odd values parse to sparse records.
        let grant = parse_str(
            "<PATDOC><SDOBI><B100><B110><DNUM><PDAT>06000001</PDAT></DNUM></B110></B100>\
             <B200><B210/></B200><B300/><B500><B510><B511><PDAT>\u{e9}</PDAT></B511><B512/></B510>\
             <B520><B521><PDAT>x</PDAT></B521></B520><B560><B561><PCIT/></B561><B562/></B560></B500>\
             <B600><B630><B631><PARENT-US/></B631></B630><B680US><DOC/></B680US></B600>\
             <B700><B720><B721/></B720><B730><B731><PARTY-US><NAM/></PARTY-US></B731></B730></B700></SDOBI>\
             <SDOCL><CL><CLM ID=\"x\"><PARA><PTEXT><PDAT>A thing of </PDAT><CLREF ID=\"CLM-99999\"><PDAT>claim</PDAT></CLREF>\
             <CLREF/></PTEXT></PARA></CLM><CLM/></CL></SDOCL></PATDOC>",
        )
        .expect("sparse grant");
        assert_eq!(grant.publication_number.to_string(), "US6000001");
        assert!(grant.application.is_none() && grant.patent_citations.is_empty());
        assert_eq!(
            grant.ipc,
            [Classification {
                code: "\u{e9}".into(),
                main: Some(true)
            }]
        );
        assert!(grant.us_classes.is_empty() && grant.related_documents.is_empty());
        assert!(grant.inventors.is_empty() && grant.assignees.is_empty());
        assert_eq!(grant.claims.len(), 2);
        assert_eq!(grant.claims[0].number, 1);
        assert!(grant.claims[0].depends_on.is_empty());
        assert_eq!(grant.claims[1].number, 2);
        assert_eq!(grant.claims[1].text, "");
        assert_eq!(
            grant.source.and_then(|s| s.format).as_deref(),
            Some("uspto-st32-v2.5")
        );

        let app = parse_str(
            "<patent-application-publication><subdoc-bibliographic-information>\
             <document-id><doc-number>20030000001</doc-number></document-id>\
             <technical-information><classification-us><classification-us-primary><uspc><class>1</class></uspc>\
             </classification-us-primary></classification-us></technical-information>\
             <continuity-data><continuations><continuation-of><parent-child/></continuation-of></continuations></continuity-data>\
             <inventors><inventor><name/></inventor></inventors><assignee/></subdoc-bibliographic-information>\
             <subdoc-claims><claim><claim-text>7. The device of <dependent-claim-reference depends_on=\"nope\">\
             <claim-text>claim 3</claim-text></dependent-claim-reference>, red.</claim-text></claim></subdoc-claims>\
             </patent-application-publication>",
        )
        .expect("sparse application");
        assert_eq!(app.publication_number.to_string(), "US20030000001");
        assert!(app.us_classes.is_empty() && app.related_documents.is_empty());
        assert!(app.inventors.is_empty() && app.assignees.is_empty());
        assert_eq!(app.claims.len(), 1);
        assert_eq!(app.claims[0].number, 7);
        assert_eq!(app.claims[0].text, "The device of claim 3, red.");
        assert_eq!(app.claims[0].depends_on, [3]);
        assert_eq!(
            app.source.and_then(|s| s.format).as_deref(),
            Some("uspto-pap-v1.5")
        );
    }

    #[test]
    fn absurd_claim_numbers_are_not_trusted() {
        let grant = parse_str(
            "<PATDOC><SDOBI><B100><B110><DNUM><PDAT>06000001</PDAT></DNUM></B110></B100></SDOBI>\
             <SDOCL><CL><CLM ID=\"CLM-4000000000\"><PARA><PTEXT><PDAT>4000000000. A thing as in any \
             preceding claim.</PDAT></PTEXT></PARA></CLM>\
             <CLM ID=\"CLM-00002\"><PARA><PTEXT><PDAT>2. A thing of </PDAT><CLREF ID=\"CLM-00001\">\
             <PDAT>claim 1</PDAT></CLREF><PDAT> to </PDAT><CLREF ID=\"CLM-99999999\"><PDAT>claim 99999999</PDAT>\
             </CLREF></PTEXT></PARA></CLM></CL></SDOCL></PATDOC>",
        )
        .expect("grant");
        assert_eq!(grant.claims[0].number, 1);
        assert!(grant.claims[0].depends_on.is_empty());
        assert_eq!(grant.claims[1].number, 2);
        assert_eq!(grant.claims[1].depends_on, [1]);
    }

    #[test]
    fn claim_ranges_from_two_links() {
        let app = parse_str(
            "<patent-application-publication><subdoc-bibliographic-information>\
             <document-id><doc-number>20030000001</doc-number><kind-code>A1</kind-code></document-id>\
             </subdoc-bibliographic-information><subdoc-claims>\
             <claim id=\"CLM-00001\"><claim-text>1. A.</claim-text></claim>\
             <claim id=\"CLM-00002\"><claim-text>2. B.</claim-text></claim>\
             <claim id=\"CLM-00003\"><claim-text>3. C.</claim-text></claim>\
             <claim id=\"CLM-00004\"><claim-text>4. D of any of <dependent-claim-reference depends_on=\"CLM-00001\">\
             <claim-text>claims 1</claim-text></dependent-claim-reference> to \
             <dependent-claim-reference depends_on=\"CLM-00003\"><claim-text>3</claim-text></dependent-claim-reference>.\
             </claim-text></claim></subdoc-claims></patent-application-publication>",
        )
        .expect("application");
        assert_eq!(app.claims[3].depends_on, [1, 2, 3]);
        assert_eq!(app.claims[3].text, "D of any of claims 1 to 3.");
    }
}
