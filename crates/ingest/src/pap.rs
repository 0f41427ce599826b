//! USPTO pre-grant application publications in the pap format
//! (`<patent-application-publication>`, v1.5 from 2001, v1.6 from 2002 to
//! 2004): long lower-case names (`subdoc-bibliographic-information`,
//! `continuity-data`, `dependent-claim-reference depends_on="CLM-00001"`).
//! The abstract, description and claims are read by [`crate::legacy_text`],
//! which ST.32 grants share.

use chrono::Datelike;
use patsearch_record::classification::{normalise_ipc, normalise_uspc};
use patsearch_record::{
    Classification, DocumentRef, Party, PatentRecord, PublicationNumber, RelatedDocument, Relation,
};
use roxmltree::Node;

use crate::classes::main_and_further;
use crate::legacy_text::{
    abstract_of, claims_of, date_of, description, non_empty, source, PAP_CLAIMS,
};
use crate::xml::{child, child_text, children, descendant, descendants, path, path_text, text};
use crate::{DocContext, DocError};

pub(crate) fn parse(root: Node<'_, '_>, ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
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
        .map(|cl| claims_of(children(cl, "claim").collect(), &PAP_CLAIMS))
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
    let (main, further) = (
        ["classification-ipc-primary"],
        ["classification-ipc-secondary"],
    );
    children(tech, "classification-ipc")
        .flat_map(|ipc| {
            main_and_further(ipc, &main, &further, |group| {
                descendants(group, "ipc")
                    .filter_map(|code| normalise_ipc(&text(code)))
                    .collect::<Vec<_>>()
            })
        })
        .collect()
}

/// `<uspc><class>313</class><subclass>503000</subclass></uspc>` -> `313/503`.
fn pap_uspc(tech: Node<'_, '_>) -> Vec<Classification> {
    let (main, further) = (
        ["classification-us-primary"],
        ["classification-us-secondary"],
    );
    children(tech, "classification-us")
        .flat_map(|us| {
            main_and_further(us, &main, &further, |group| {
                descendants(group, "uspc")
                    .filter_map(|uspc| {
                        let class = child_text(uspc, "class").unwrap_or_default();
                        let subclass = child_text(uspc, "subclass").unwrap_or_default();
                        if class.is_empty() || subclass.is_empty() {
                            return None;
                        }
                        normalise_uspc(&format!("{class:>3}{subclass}"))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect()
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
