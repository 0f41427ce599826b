//! USPTO full-text XML v4.x: `us-patent-grant` (v4.0 to v4.7) and
//! `us-patent-application` (v4.0 to v4.6), full-text and bibliographic (ipgb).
//! The elements these share with EPO documents are read by [`crate::st36`].

use patsearch_record::classification::{normalise_ipc, normalise_uspc};
use patsearch_record::{
    parse_date, CitedBy, Classification, NplCitation, Party, PatentCitation, PatentRecord,
    PublicationNumber, RelatedDocument, Relation, SourceRef,
};
use roxmltree::Node;

use crate::classes::{main_and_further, structured_code};
use crate::st36::{claims_of, description, document_ref, party};
use crate::xml::{child, child_text, children, descendants, path, text};
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
    children(bib, "classification-ipc")
        .flat_map(|ipc| {
            main_and_further(
                ipc,
                &["main-classification"],
                &["further-classification"],
                |n| normalise_ipc(&text(n)),
            )
        })
        .collect()
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

fn national_classes(node: Node<'_, '_>) -> Vec<Classification> {
    main_and_further(
        node,
        &["main-classification"],
        &["further-classification"],
        |n| normalise_uspc(n.text().unwrap_or_default()),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtd_versions() {
        assert_eq!(normalise_version("vé"), "vé");
        assert_eq!(normalise_version("v40"), "v4.0");
        assert_eq!(normalise_version("v4.5"), "v4.5");
    }
}
