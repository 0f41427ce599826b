//! USPTO full-text XML v4.x: `us-patent-grant` (v4.0 to v4.7) and
//! `us-patent-application` (v4.0 to v4.6), full-text and bibliographic (ipgb).

use std::collections::HashMap;

use patsearch_record::{
    parse_date, CitedBy, Claim, Classification, DocumentRef, NplCitation, Paragraph, Party,
    PatentCitation, PatentRecord, PublicationNumber, RelatedDocument, Relation, SourceRef,
};
use roxmltree::Node;

use crate::claims;
use crate::xml::{self, child, child_text, children, descendants, path, path_text, text};
use crate::{DocContext, DocError};

pub(crate) fn parse(root: Node<'_, '_>, ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
    let grant = root.tag_name().name() == "us-patent-grant";
    let bib = child(
        root,
        if grant {
            "us-bibliographic-data-grant"
        } else {
            "us-bibliographic-data-application"
        },
    )
    .ok_or(DocError::MissingField("bibliographic data"))?;

    let publication = path(bib, &["publication-reference", "document-id"])
        .ok_or(DocError::MissingField("publication-reference"))?;
    let pub_ref = document_ref(publication).ok_or(DocError::MissingField("publication number"))?;
    let country = pub_ref
        .country
        .clone()
        .or_else(|| root.attribute("country").map(str::to_string))
        .unwrap_or_else(|| "US".into());
    let number = PublicationNumber::from_parts(&country, &pub_ref.number, pub_ref.kind.as_deref())?;

    let mut record = PatentRecord::new(number);
    record.lang = root.attribute("lang").map(str::to_ascii_lowercase);
    record.publication_date = pub_ref
        .date
        .or_else(|| root.attribute("date-publ").and_then(parse_date));
    record.application =
        path(bib, &["application-reference", "document-id"]).and_then(document_ref);
    record.priority_claims = child(bib, "priority-claims")
        .map(|pc| {
            children(pc, "priority-claim")
                .filter_map(|c| {
                    let mut r = document_ref(c)?;
                    r.kind = None;
                    Some(r)
                })
                .collect()
        })
        .unwrap_or_default();
    record.related_documents = child(bib, "us-related-documents")
        .map(related_documents)
        .unwrap_or_default();
    record.title = child_text(bib, "invention-title").unwrap_or_default();

    record.ipc = ipc_codes(bib);
    record.cpc = cpc_codes(bib);
    record.us_classes = child(bib, "classification-national")
        .map(national_classes)
        .unwrap_or_default();

    let parties = child(bib, "us-parties").or_else(|| child(bib, "parties"));
    if let Some(parties) = parties {
        let applicants: Vec<(Party, bool)> = child(parties, "us-applicants")
            .or_else(|| child(parties, "applicants"))
            .map(|a| {
                a.children()
                    .filter(|n| n.is_element())
                    .filter_map(|n| {
                        let is_inventor = n
                            .attribute("app-type")
                            .is_some_and(|t| t.contains("inventor"));
                        party(n).map(|p| (p, is_inventor))
                    })
                    .collect()
            })
            .unwrap_or_default();
        record.inventors = child(parties, "inventors")
            .map(|i| children(i, "inventor").filter_map(party).collect())
            .unwrap_or_default();
        if record.inventors.is_empty() {
            record.inventors = applicants
                .iter()
                .filter(|(_, inv)| *inv)
                .map(|(p, _)| p.clone())
                .collect();
        }
        record.applicants = applicants.into_iter().map(|(p, _)| p).collect();
        record.assignees = child(parties, "assignees")
            .map(|a| children(a, "assignee").filter_map(party).collect())
            .unwrap_or_default();
    }
    if record.assignees.is_empty() {
        record.assignees = child(bib, "assignees")
            .map(|a| children(a, "assignee").filter_map(party).collect())
            .unwrap_or_default();
    }

    let citations = child(bib, "us-references-cited").or_else(|| child(bib, "references-cited"));
    if let Some(citations) = citations {
        read_citations(citations, &mut record);
    }

    record.abstract_text = children(root, "abstract")
        .map(text)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    record.description = child(root, "description")
        .map(description)
        .unwrap_or_default();
    record.claims = child(root, "claims").map(claims_of).unwrap_or_default();
    if !record.claims.is_empty() {
        record.claims_lang = record.lang.clone().or(Some("en".into()));
    }

    let version = root
        .attribute("dtd-version")
        .and_then(|v| v.split_whitespace().next())
        .map(normalise_version)
        .unwrap_or_else(|| "v4".into());
    record.source = Some(SourceRef {
        file: ctx.file.to_string(),
        ordinal: ctx.ordinal,
        format: Some(format!(
            "uspto-{}-{version}",
            if grant { "grant" } else { "application" }
        )),
    });
    Ok(record)
}

/// `v40` -> `v4.0`, `v4.5` stays.
fn normalise_version(v: &str) -> String {
    let digits = v.trim_start_matches(['v', 'V']);
    if digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("v{}.{}", &digits[..1], &digits[1..])
    } else {
        format!("v{digits}")
    }
}

/// Reads a `<document-id>` (or any element with country/doc-number/kind/date children).
pub(crate) fn document_ref(node: Node<'_, '_>) -> Option<DocumentRef> {
    let id = if child(node, "doc-number").is_some() {
        node
    } else {
        child(node, "document-id")?
    };
    Some(DocumentRef {
        country: child_text(id, "country"),
        number: child_text(id, "doc-number")?,
        kind: child_text(id, "kind"),
        date: child_text(id, "date").as_deref().and_then(parse_date),
    })
}

fn related_documents(node: Node<'_, '_>) -> Vec<RelatedDocument> {
    let mut out = Vec::new();
    for rel in node.children().filter(|n| n.is_element()) {
        let relation = match rel.tag_name().name() {
            "continuation" => Relation::Continuation,
            "continuation-in-part" => Relation::ContinuationInPart,
            "division" => Relation::Division,
            "us-provisional-application" => Relation::Provisional,
            "reissue" | "us-reissue" | "continuing-reissue" => Relation::Reissue,
            "us-reexamination-reissue-merger"
            | "reexamination"
            | "reexamination-reissue-merger" => Relation::Reexamination,
            "substitution" => Relation::Substitution,
            // The earlier publication of the same application is not a relation between filings.
            "related-publication" => continue,
            _ => Relation::Other,
        };
        if relation == Relation::Provisional {
            if let Some(document) = document_ref(rel) {
                out.push(RelatedDocument { relation, document });
            }
            continue;
        }
        for parent in descendants(rel, "parent-doc") {
            if let Some(document) = document_ref(parent) {
                out.push(RelatedDocument { relation, document });
            }
        }
    }
    out
}

fn ipc_codes(bib: Node<'_, '_>) -> Vec<Classification> {
    if let Some(ipcr) = child(bib, "classifications-ipcr") {
        return children(ipcr, "classification-ipcr")
            .filter_map(structured_code)
            .collect();
    }
    let mut out = Vec::new();
    for ipc in children(bib, "classification-ipc") {
        for n in ipc.children().filter(|n| n.is_element()) {
            let main = match n.tag_name().name() {
                "main-classification" => true,
                "further-classification" => false,
                _ => continue,
            };
            if let Some(code) = normalise_ipc(&text(n)) {
                out.push(Classification {
                    code,
                    main: Some(main),
                });
            }
        }
    }
    out
}

fn cpc_codes(bib: Node<'_, '_>) -> Vec<Classification> {
    let Some(cpc) = child(bib, "classifications-cpc") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (group, main) in [("main-cpc", true), ("further-cpc", false)] {
        for g in children(cpc, group) {
            for c in descendants(g, "classification-cpc") {
                if let Some(mut code) = structured_code(c) {
                    code.main = Some(main);
                    out.push(code);
                }
            }
            for c in descendants(g, "classification-cpc-text") {
                if let Some(code) = normalise_ipc(&text(c)) {
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

/// A code given as `<section>`, `<class>`, `<subclass>`, `<main-group>`, `<subgroup>`.
fn structured_code(node: Node<'_, '_>) -> Option<Classification> {
    let section = child_text(node, "section")?;
    let class = child_text(node, "class").unwrap_or_default();
    let subclass = child_text(node, "subclass").unwrap_or_default();
    let group = child_text(node, "main-group")?;
    let subgroup = child_text(node, "subgroup").unwrap_or_else(|| "00".into());
    let main = child_text(node, "symbol-position").map(|p| p == "F");
    let group = group.trim_start_matches('0');
    let group = if group.is_empty() { "0" } else { group };
    Some(Classification {
        code: format!("{section}{class}{subclass}{group}/{subgroup}"),
        main,
    })
}

/// `G06F015/00` / `G06F 15/00` / `G06F15/00` -> `G06F15/00`.
pub(crate) fn normalise_ipc(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 4 || !compact.is_char_boundary(4) {
        return None;
    }
    let (subclass, rest) = compact.split_at(4);
    if !subclass.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    match rest.split_once('/') {
        Some((group, subgroup)) => {
            let group = group.trim_start_matches('0');
            let group = if group.is_empty() { "0" } else { group };
            Some(format!("{subclass}{group}/{subgroup}"))
        }
        None if rest.is_empty() => Some(subclass.to_string()),
        None => Some(format!("{subclass}{rest}")),
    }
}

fn national_classes(node: Node<'_, '_>) -> Vec<Classification> {
    let mut out = Vec::new();
    for n in node.children().filter(|n| n.is_element()) {
        let main = match n.tag_name().name() {
            "main-classification" => true,
            "further-classification" => false,
            _ => continue,
        };
        let raw = n.text().unwrap_or_default();
        if let Some(code) = normalise_uspc(raw) {
            out.push(Classification {
                code,
                main: Some(main),
            });
        }
    }
    out
}

/// USPC as the XML writes it: a 3-character class, a 3-character subclass,
/// then the subclass decimal (`715513`, `705 26`, `707  7`, `34053912`,
/// `709202000`, `D 1106`) to the printed form (`715/513`, `705/26`, `707/7`,
/// `340/539.12`, `709/202`, `D1/106`).
pub(crate) fn normalise_uspc(raw: &str) -> Option<String> {
    let raw = raw.trim_end();
    if raw.len() < 4 || !raw.is_ascii() {
        return None;
    }
    let (class, rest) = raw.split_at(3);
    let (subclass, decimal) = rest.split_at(rest.len().min(3));
    let class: String = class.chars().filter(|c| !c.is_whitespace()).collect();
    let class = if class.starts_with(|c: char| c.is_ascii_digit()) {
        class.trim_start_matches('0').to_string()
    } else {
        class
    };
    let subclass = subclass.trim().trim_start_matches('0');
    let decimal = decimal.trim().trim_end_matches('0');
    if class.is_empty() || subclass.is_empty() {
        return None;
    }
    Some(if decimal.is_empty() {
        format!("{class}/{subclass}")
    } else {
        format!("{class}/{subclass}.{decimal}")
    })
}

/// An applicant, inventor or assignee from its `<addressbook>` (or its direct children).
pub(crate) fn party(node: Node<'_, '_>) -> Option<Party> {
    let book = child(node, "addressbook").unwrap_or(node);
    let name = child_text(book, "orgname").or_else(|| person_name(book))?;
    let address = child(book, "address");
    Some(Party {
        name,
        city: address.and_then(|a| child_text(a, "city")),
        country: address
            .and_then(|a| child_text(a, "country"))
            .or_else(|| path_text(node, &["residence", "country"])),
    })
}

fn person_name(book: Node<'_, '_>) -> Option<String> {
    let parts: Vec<String> = ["first-name", "middle-name", "last-name", "suffix"]
        .iter()
        .filter_map(|n| child_text(book, n))
        .collect();
    if parts.is_empty() {
        child_text(book, "name")
    } else {
        Some(parts.join(" "))
    }
}

fn cited_by(category: Option<String>) -> Option<CitedBy> {
    let category = category?.to_ascii_lowercase();
    Some(if category.contains("examiner") {
        CitedBy::Examiner
    } else if category.contains("applicant") {
        CitedBy::Applicant
    } else if category.contains("third") {
        CitedBy::ThirdParty
    } else {
        CitedBy::Other
    })
}

fn read_citations(node: Node<'_, '_>, record: &mut PatentRecord) {
    for citation in node.children().filter(|n| n.is_element()) {
        let by = cited_by(child_text(citation, "category"));
        if let Some(patcit) = child(citation, "patcit") {
            if let Some(r) = document_ref(patcit) {
                record.patent_citations.push(PatentCitation {
                    country: r.country,
                    number: r.number,
                    kind: r.kind,
                    date: r.date,
                    cited_by: by,
                });
            }
        } else if let Some(npl) = child(citation, "nplcit") {
            let t = text(npl);
            if !t.is_empty() {
                record.npl_citations.push(NplCitation {
                    text: t,
                    cited_by: by,
                });
            }
        }
    }
}

/// Description paragraphs with the heading each sits under.
pub(crate) fn description(node: Node<'_, '_>) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut heading = None;
    walk_description(node, &mut heading, &mut out);
    out
}

fn walk_description(node: Node<'_, '_>, heading: &mut Option<String>, out: &mut Vec<Paragraph>) {
    for n in node.children().filter(|n| n.is_element()) {
        match n.tag_name().name() {
            "heading" => {
                let h = text(n);
                *heading = (!h.is_empty()).then_some(h);
            }
            "p" => {
                let t = text(n);
                if !t.is_empty() {
                    out.push(Paragraph {
                        number: n.attribute("num").map(str::to_string),
                        heading: heading.clone(),
                        text: t,
                    });
                }
            }
            "description-of-drawings"
            | "brief-description-of-drawings"
            | "summary-of-invention"
            | "detailed-description"
            | "background-art"
            | "technical-field"
            | "disclosure"
            | "description-of-embodiments"
            | "best-mode"
            | "industrial-applicability"
            | "sequence-list-text"
            | "citation-list"
            | "invention-summary" => walk_description(n, heading, out),
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

/// The `<claim>` elements of a `<claims>` block, with dependencies from
/// `<claim-ref>` links, or from the wording when there are none.
pub(crate) fn claims_of(node: Node<'_, '_>) -> Vec<Claim> {
    let claim_nodes: Vec<Node<'_, '_>> = children(node, "claim").collect();
    let mut number_by_id: HashMap<&str, u32> = HashMap::new();
    let mut numbers = Vec::with_capacity(claim_nodes.len());
    for (i, c) in claim_nodes.iter().enumerate() {
        let number = c
            .attribute("num")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .filter(|&n| n > 0)
            .or_else(|| claims::leading_number(&text(*c)))
            .unwrap_or(i as u32 + 1);
        if let Some(id) = c.attribute("id") {
            number_by_id.insert(id, number);
        }
        numbers.push(number);
    }
    claim_nodes
        .iter()
        .zip(numbers)
        .map(|(c, number)| {
            let full = text(*c);
            let body = claims::strip_leading_number(&full).to_string();
            let refs = linked_references(*c, &number_by_id);
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

/// Claim numbers named by `<claim-ref idref=...>` links, with "claims 1 to 3"
/// written as two links expanded into the range.
fn linked_references(claim: Node<'_, '_>, number_by_id: &HashMap<&str, u32>) -> Vec<u32> {
    let mut refs: Vec<u32> = Vec::new();
    let mut previous: Option<Node<'_, '_>> = None;
    for r in descendants(claim, "claim-ref") {
        let target = r
            .attribute("idref")
            .and_then(|id| {
                number_by_id
                    .get(id.split_whitespace().next().unwrap_or(id))
                    .copied()
            })
            .or_else(|| {
                let t = text(r);
                t.split(|c: char| !c.is_ascii_digit())
                    .rfind(|s| !s.is_empty())
                    .and_then(|s| s.parse().ok())
            });
        let Some(target) = target else { continue };
        if let (Some(prev), Some(&last)) = (previous, refs.last()) {
            let between = between_text(prev, r).to_ascii_lowercase();
            let between = between.trim();
            if matches!(between, "to" | "through" | "-" | "–" | "thru") && last < target {
                refs.extend(last + 1..target);
            }
        }
        refs.push(target);
        previous = Some(r);
    }
    refs
}

/// The text between two sibling nodes (consecutive claim links), or empty
/// when they are not siblings or far apart.
pub(crate) fn between_text(a: Node<'_, '_>, b: Node<'_, '_>) -> String {
    let mut out = String::new();
    let mut n = a.next_sibling();
    while let Some(node) = n {
        if node == b {
            return out;
        }
        if node.is_text() {
            out.push_str(node.text().unwrap_or(""));
        } else {
            out.push_str(&xml::text(node));
        }
        if out.len() > 40 {
            break;
        }
        n = node.next_sibling();
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_forms() {
        assert_eq!(normalise_ipc("G06F015/00").as_deref(), Some("G06F15/00"));
        assert_eq!(normalise_ipc("G06F 17/30").as_deref(), Some("G06F17/30"));
        assert_eq!(normalise_uspc("715513").as_deref(), Some("715/513"));
        assert_eq!(normalise_uspc("705 26").as_deref(), Some("705/26"));
        assert_eq!(normalise_uspc("707  7").as_deref(), Some("707/7"));
        assert_eq!(normalise_uspc("709202000").as_deref(), Some("709/202"));
        assert_eq!(normalise_uspc("345173001").as_deref(), Some("345/173.001"));
        assert_eq!(normalise_uspc("D14344").as_deref(), Some("D14/344"));
        assert_eq!(normalise_uspc("34053912").as_deref(), Some("340/539.12"));
        assert_eq!(normalise_uspc("379 8802").as_deref(), Some("379/88.02"));
        assert_eq!(normalise_uspc("D 1106").as_deref(), Some("D1/106"));
        assert_eq!(normalise_uspc("D 32031").as_deref(), Some("D3/203.1"));
        assert_eq!(normalise_version("vé"), "vé");
        assert_eq!(normalise_version("v40"), "v4.0");
        assert_eq!(normalise_version("v4.5"), "v4.5");
    }

    #[test]
    fn claim_refs_and_ranges() {
        let xml = r#"<claims>
<claim id="CLM-00001" num="00001"><claim-text>1. A widget.</claim-text></claim>
<claim id="CLM-00002" num="00002"><claim-text>2. The widget of <claim-ref idref="CLM-00001">claim 1</claim-ref>, red.</claim-text></claim>
<claim id="CLM-00003" num="00003"><claim-text>3. A gadget.</claim-text></claim>
<claim id="CLM-00004" num="00004"><claim-text>4. The widget of any of <claim-ref idref="CLM-00001">claims 1</claim-ref> to <claim-ref idref="CLM-00003">3</claim-ref>.</claim-text></claim>
<claim id="CLM-00005" num="00005"><claim-text>5. The gadget of claim 3, blue.</claim-text></claim>
</claims>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let claims = claims_of(doc.root_element());
        assert_eq!(claims.len(), 5);
        assert_eq!(claims[0].text, "A widget.");
        assert!(claims[0].depends_on.is_empty());
        assert_eq!(claims[1].depends_on, vec![1]);
        assert!(claims[2].depends_on.is_empty());
        assert_eq!(claims[3].depends_on, vec![1, 2, 3]);
        assert_eq!(claims[4].depends_on, vec![3], "falls back to the wording");
    }
}
