//! The WIPO ST.36 elements that USPTO v4.x and EPO `ep-patent-document`
//! XML share: document identifiers (`<document-id>`), parties
//! (`<addressbook>`), description paragraphs under their headings, and
//! `<claim>` blocks with their `<claim-ref>` links. A change here changes
//! both formats; what only one of them writes stays in its own module.

use patsearch_record::{parse_date, Claim, DocumentRef, Paragraph, Party};
use roxmltree::Node;

use crate::claim_markup::{read_claims, ClaimMarkup};
use crate::description::{paragraphs, DescriptionMarkup};
use crate::xml::{child, child_text, children, path_text, text};

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

/// `<heading>` and `<p num=...>`, inside the named sections.
const DESCRIPTION: DescriptionMarkup = DescriptionMarkup {
    is_heading: |name| name == "heading",
    is_paragraph: |name| name == "p",
    paragraph: |p, heading| {
        let t = text(p);
        (!t.is_empty()).then(|| Paragraph {
            number: p.attribute("num").map(str::to_string),
            heading: heading.clone(),
            text: t,
        })
    },
    is_section: |n| {
        matches!(
            n.tag_name().name(),
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
                | "invention-summary"
        )
    },
};

/// Description paragraphs with the heading each sits under.
pub(crate) fn description(node: Node<'_, '_>) -> Vec<Paragraph> {
    paragraphs(node, &DESCRIPTION)
}

/// `<claim id=... num=...>`, linked by `<claim-ref idref=...>`.
const CLAIMS: ClaimMarkup = ClaimMarkup {
    id: "id",
    link: "claim-ref",
    target: "idref",
};

/// The `<claim>` elements of a `<claims>` block, numbered by their `num`,
/// with dependencies from `<claim-ref>` links, or from the wording when there
/// are none.
pub(crate) fn claims_of(node: Node<'_, '_>) -> Vec<Claim> {
    let nodes: Vec<Node<'_, '_>> = children(node, "claim").collect();
    let num = |c: Node<'_, '_>| c.attribute("num").and_then(|n| n.trim().parse().ok());
    read_claims(&nodes, &CLAIMS, num, text)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The v4 and EPO claims follow the rule the pre-2005 readers always had:
    /// a claim number past any real claim count is not trusted, and two links
    /// far apart are not a range.
    #[test]
    fn absurd_claim_numbers_and_ranges_are_not_trusted() {
        let xml = r#"<claims>
<claim id="CLM-00001" num="4000000000"><claim-text>A widget as in any preceding claim.</claim-text></claim>
<claim id="CLM-00002" num="00002"><claim-text>2. The widget of <claim-ref idref="CLM-00001">claim 1</claim-ref> to <claim-ref idref="CLM-99999">claim 99999</claim-ref>.</claim-text></claim>
</claims>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let claims = claims_of(doc.root_element());
        assert_eq!(claims[0].number, 1, "numbered by position");
        assert!(claims[0].depends_on.is_empty());
        assert_eq!(claims[1].number, 2);
        assert_eq!(claims[1].depends_on, vec![1], "no range up to 99999");
    }
}
