//! Claims from XML markup, for every XML format: each claim's number, its
//! text without the printed number, and the claims it depends on from the
//! format's links (`<claim-ref>`, `CLREF`, `dependent-claim-reference`), or
//! from the wording ([`crate::claims`]) where it has none.

use std::collections::HashMap;

use patsearch_record::Claim;
use roxmltree::Node;

use crate::xml::{descendants, text};
use patsearch_record::claims;

/// How a format marks a claim and its links to the claims it depends on.
pub(crate) struct ClaimMarkup {
    /// The attribute that identifies a claim; links name it.
    pub(crate) id: &'static str,
    /// The element that links a claim to one it depends on.
    pub(crate) link: &'static str,
    /// The link's attribute holding the target claims' ids.
    pub(crate) target: &'static str,
}

/// Claim numbers beyond this are garbage (and would make "any preceding
/// claim" expand into an enormous list).
const MAX_CLAIM_NUMBER: u32 = 100_000;

/// A link range wider than this ("claims 1 to 99999") is not a range of claims.
const MAX_LINKED_RANGE: u32 = 500;

fn plausible_claim_number(n: u32) -> Option<u32> {
    (1..=MAX_CLAIM_NUMBER).contains(&n).then_some(n)
}

/// The number in an id such as `CLM-00012`.
pub(crate) fn id_number(id: &str) -> Option<u32> {
    let digits: String = id.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok().and_then(plausible_claim_number)
}

/// Claims numbered by `own_number` (a plausible number the markup gives the
/// claim), else by the printed number, else by position; with the text
/// `claim_text` reads, less the printed number; and dependencies from the
/// links, or from the wording where there are none.
pub(crate) fn read_claims<'a, 'i: 'a>(
    nodes: &[Node<'a, 'i>],
    markup: &ClaimMarkup,
    own_number: impl Fn(Node<'a, 'i>) -> Option<u32>,
    claim_text: impl Fn(Node<'a, 'i>) -> String,
) -> Vec<Claim> {
    let texts: Vec<String> = nodes.iter().map(|c| claim_text(*c)).collect();
    let mut number_by_id: HashMap<&str, u32> = HashMap::new();
    let mut numbers = Vec::with_capacity(nodes.len());
    for (i, (c, full)) in nodes.iter().zip(&texts).enumerate() {
        let number = own_number(*c)
            .and_then(plausible_claim_number)
            .or_else(|| claims::leading_number(full).and_then(plausible_claim_number))
            .unwrap_or_else(|| u32::try_from(i + 1).unwrap_or(u32::MAX));
        if let Some(id) = c.attribute(markup.id) {
            number_by_id.insert(id.trim(), number);
        }
        numbers.push(number);
    }
    nodes
        .iter()
        .zip(texts)
        .zip(numbers)
        .map(|((c, full), number)| {
            let body = claims::strip_leading_number(&full).to_string();
            let refs = linked_references(*c, markup, &number_by_id);
            let depends_on = if refs.is_empty() {
                claims::references_in_text(&body, number)
            } else {
                claims::earlier_claims(refs, number)
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
    markup: &ClaimMarkup,
    number_by_id: &HashMap<&str, u32>,
) -> Vec<u32> {
    let mut refs: Vec<u32> = Vec::new();
    let mut previous: Option<Node<'_, '_>> = None;
    for r in descendants(claim, markup.link) {
        let mut targets: Vec<u32> = r
            .attribute(markup.target)
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
            let between = between_text(prev, r).to_ascii_lowercase();
            if matches!(between.trim(), "to" | "through" | "thru" | "-" | "–")
                && last < first
                && first - last < MAX_LINKED_RANGE
            {
                refs.extend(last + 1..first);
            }
        }
        refs.extend(targets);
        previous = Some(r);
    }
    refs
}

/// The text between two sibling nodes (consecutive claim links), or empty
/// when they are not siblings or far apart.
fn between_text(a: Node<'_, '_>, b: Node<'_, '_>) -> String {
    let mut out = String::new();
    let mut n = a.next_sibling();
    while let Some(node) = n {
        if node == b {
            return out;
        }
        if node.is_text() {
            out.push_str(node.text().unwrap_or(""));
        } else {
            out.push_str(&text(node));
        }
        if out.len() > 40 {
            break;
        }
        n = node.next_sibling();
    }
    String::new()
}
