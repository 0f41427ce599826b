//! Description paragraphs under their headings, for every XML format: a
//! heading applies to the paragraphs after it, sections are walked into, and
//! any other block becomes an unnumbered paragraph. Each format names its
//! headings, paragraphs and sections in a [`DescriptionMarkup`].

use patsearch_record::Paragraph;
use roxmltree::Node;

use crate::xml::text;

/// How a format marks up its description.
pub(crate) struct DescriptionMarkup {
    pub(crate) is_heading: fn(&str) -> bool,
    pub(crate) is_paragraph: fn(&str) -> bool,
    /// A paragraph element read under the current heading; `None` when empty.
    pub(crate) paragraph: fn(Node<'_, '_>, &Option<String>) -> Option<Paragraph>,
    /// Whether an element that is neither heading nor paragraph holds them.
    pub(crate) is_section: fn(Node<'_, '_>) -> bool,
}

/// The paragraphs of a description, each with the heading it sits under.
pub(crate) fn paragraphs(node: Node<'_, '_>, markup: &DescriptionMarkup) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut heading = None;
    walk(node, markup, &mut heading, &mut out);
    out
}

fn walk(
    node: Node<'_, '_>,
    markup: &DescriptionMarkup,
    heading: &mut Option<String>,
    out: &mut Vec<Paragraph>,
) {
    for n in node.children().filter(|n| n.is_element()) {
        let name = n.tag_name().name();
        if (markup.is_heading)(name) {
            let h = text(n);
            *heading = (!h.is_empty()).then_some(h);
        } else if (markup.is_paragraph)(name) {
            out.extend((markup.paragraph)(n, heading));
        } else if (markup.is_section)(n) {
            walk(n, markup, heading, out);
        } else {
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
