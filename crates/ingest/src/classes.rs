//! Where patent XML puts classification codes: main and further codes as
//! sibling elements, and the ST.36 symbol spelled out field by field. How a
//! code's text becomes the stored form is `patsearch_record::classification`.

use patsearch_record::classification::normalise_ipc;
use patsearch_record::Classification;
use roxmltree::Node;

use crate::xml::child_text;

/// The codes `read` finds in each child of `node` named in `main` (marked
/// main) or in `further` (marked further), in document order.
pub(crate) fn main_and_further<'a, 'i: 'a, I>(
    node: Node<'a, 'i>,
    main: &[&str],
    further: &[&str],
    mut read: impl FnMut(Node<'a, 'i>) -> I,
) -> Vec<Classification>
where
    I: IntoIterator<Item = String>,
{
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
        out.extend(read(n).into_iter().map(|code| Classification {
            code,
            main: Some(is_main),
        }));
    }
    out
}

/// A symbol given as `<section>`, `<class>`, `<subclass>`, `<main-group>`,
/// `<subgroup>`, with `<symbol-position>` `F` marking the first (main) one.
pub(crate) fn structured_code(node: Node<'_, '_>) -> Option<Classification> {
    let section = child_text(node, "section")?;
    let class = child_text(node, "class").unwrap_or_default();
    let subclass = child_text(node, "subclass").unwrap_or_default();
    let group = child_text(node, "main-group")?;
    let subgroup = child_text(node, "subgroup").unwrap_or_else(|| "00".into());
    let code = normalise_ipc(&format!("{section}{class}{subclass}{group}/{subgroup}"))?;
    let main = child_text(node, "symbol-position").map(|p| p == "F");
    Some(Classification { code, main })
}
