//! What the two pre-2005 USPTO formats, ST.32 grants ([`crate::st32`]) and
//! pap applications ([`crate::pap`]), mark alike: the abstract, description
//! and claims (`PARA`/`paragraph`, `H`/`heading`, claims linked by `CLREF` or
//! `dependent-claim-reference`), and small value helpers.

use patsearch_record::{parse_date, Claim, Paragraph, SourceRef};
use roxmltree::Node;

use crate::claim_markup::{id_number, read_claims, ClaimMarkup};
use crate::description::{paragraphs, DescriptionMarkup};
use crate::xml::{self, child, descendant, text};
use crate::DocContext;

pub(crate) fn source(ctx: DocContext<'_>, format: String) -> Option<SourceRef> {
    Some(SourceRef {
        file: ctx.file.to_string(),
        ordinal: ctx.ordinal,
        format: Some(format),
    })
}

pub(crate) fn date_of(node: Option<Node<'_, '_>>) -> Option<chrono::NaiveDate> {
    node.map(text).as_deref().and_then(parse_date)
}

pub(crate) fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// The abstract's paragraphs (`PARA` / `paragraph`) joined by a space.
pub(crate) fn abstract_of(node: Node<'_, '_>) -> String {
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

fn is_structural(name: &str) -> bool {
    matches!(name, "H" | "PARA" | "heading" | "paragraph")
}

/// `H`/`PARA` in `SDODE` sections (`BRFSUM`, `DETDESC`, ...),
/// `heading`/`paragraph` in pap sections (`summary-of-invention/section`,
/// ...): any element holding them is a section.
const DESCRIPTION: DescriptionMarkup = DescriptionMarkup {
    is_heading: |name| matches!(name, "H" | "heading"),
    is_paragraph: |name| matches!(name, "PARA" | "paragraph"),
    paragraph,
    is_section: |n| {
        n.descendants()
            .skip(1)
            .any(|d| d.is_element() && is_structural(d.tag_name().name()))
    },
};

/// Description paragraphs with the heading each sits under.
pub(crate) fn description(node: Node<'_, '_>) -> Vec<Paragraph> {
    paragraphs(node, &DESCRIPTION)
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

/// ST.32: `<CLM ID="CLM-00002">`, linked by `<CLREF ID="CLM-00001">claim 1</CLREF>`.
pub(crate) const ST32_CLAIMS: ClaimMarkup = ClaimMarkup {
    id: "ID",
    link: "CLREF",
    target: "ID",
};

/// pap: `<claim id="CLM-00002">`, linked by
/// `<dependent-claim-reference depends_on="CLM-00001">`.
pub(crate) const PAP_CLAIMS: ClaimMarkup = ClaimMarkup {
    id: "id",
    link: "dependent-claim-reference",
    target: "depends_on",
};

/// Claims numbered by their id (`CLM-00012`), else the printed number, else
/// their position; text without the printed number; dependencies from the
/// format's links, or from the wording where there are none.
pub(crate) fn claims_of(claim_nodes: Vec<Node<'_, '_>>, markup: &ClaimMarkup) -> Vec<Claim> {
    let own_number = |c: Node<'_, '_>| c.attribute(markup.id).and_then(id_number);
    read_claims(&claim_nodes, markup, own_number, |c| {
        claim_text(c, markup.link)
    })
}

/// A claim's text. Like [`xml::text`], except that the `<claim-text>` pap puts
/// inside a `dependent-claim-reference` stays inline ("claim 1, wherein", not
/// "claim 1 , wherein").
fn claim_text(node: Node<'_, '_>, link: &str) -> String {
    let mut out = String::new();
    let mut pending = false;
    push_claim_text(node, link, &mut out, &mut pending);
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
