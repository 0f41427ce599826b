//! Turning the bytes of one XML document into a tree, tolerantly, and reading text out of it.
//!
//! Real patent XML is not always well-formed XML on its own: pre-2005 USPTO files
//! use entities declared only in external DTDs, EPO files carry raw `&` in names,
//! and a few files are not UTF-8. [`prepare`] repairs exactly those things in one
//! linear pass (borrowing the input untouched when nothing needs repair) so that
//! a strict, fast parser (roxmltree) can read the rest; anything still broken
//! (a missing start tag, a truncated file) is an error for the caller to report.

use std::borrow::Cow;
use std::collections::HashMap;

use roxmltree::{Document, Node};

use crate::{entities, DocError};

/// How deep elements may nest. Real patent XML stays below 30 levels (MathML
/// and nested claim clauses included); the readers walk the tree recursively,
/// and this keeps them well inside a worker thread's stack even in a debug build.
pub(crate) const MAX_ELEMENT_DEPTH: usize = 256;

/// A document made ready for the XML parser.
pub(crate) struct Prepared<'a> {
    pub(crate) text: Cow<'a, str>,
    /// Lines dropped from the front (declaration and DOCTYPE), to add back to
    /// error positions so they point into the original file.
    pub(crate) lines_before: u32,
}

/// Decodes `bytes` to UTF-8 and repairs entities, control characters and the
/// DOCTYPE; fails when entity expansion would take the text past `limit` bytes.
pub(crate) fn prepare(bytes: &[u8], limit: usize) -> Result<Prepared<'_>, DocError> {
    Ok(match decode(bytes) {
        Cow::Borrowed(text) => sanitize(text, limit)?,
        Cow::Owned(text) => {
            let prepared = sanitize(&text, limit)?;
            Prepared {
                text: Cow::Owned(prepared.text.into_owned()),
                lines_before: prepared.lines_before,
            }
        }
    })
}

/// The parser's message with its position moved back into the original file.
pub(crate) fn describe_error(error: &roxmltree::Error, lines_before: u32) -> String {
    let pos = error.pos();
    let message = error.to_string();
    let suffix = format!(" at {}:{}", pos.row, pos.col);
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    format!(
        "{message} at line {}, column {}",
        pos.row + lines_before,
        pos.col
    )
}

/// Parses prepared text into a tree.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, roxmltree::Error> {
    let options = roxmltree::ParsingOptions {
        // [`sanitize`] strips the DOCTYPE and expands what it declares within
        // the document limit; roxmltree's own expansion has no size bound, so
        // a DOCTYPE that got past it is an error, never expanded.
        allow_dtd: false,
        // Large EPO documents with many citations stay far below this; it only
        // bounds memory for hostile input.
        nodes_limit: 20_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    Document::parse_with_options(text, options)
}

/// Whether nodes nest more than `limit` levels below the document root.
/// Iterative, so it is safe on any tree roxmltree builds.
pub(crate) fn nesting_exceeds(doc: &Document<'_>, limit: usize) -> bool {
    let mut node = doc.root();
    let mut depth = 0;
    loop {
        if let Some(child) = node.first_child() {
            depth += 1;
            if depth > limit {
                return true;
            }
            node = child;
            continue;
        }
        loop {
            if let Some(next) = node.next_sibling() {
                node = next;
                break;
            }
            match node.parent() {
                Some(parent) => {
                    node = parent;
                    depth -= 1;
                }
                None => return false,
            }
        }
    }
}

/// Escapes `<` characters that cannot start markup (`<First Embodiment</heading>`,
/// `a < b`), as EPO text sometimes has. Run only after a parse failed, since it
/// looks at every tag; `None` when there was nothing to escape.
pub(crate) fn escape_stray_lt(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut last = 0;
    for at in memchr::memchr_iter(b'<', bytes) {
        let stray = match bytes.get(at + 1) {
            Some(b'/' | b'!' | b'?') => false,
            Some(b) if b.is_ascii_alphabetic() || *b == b'_' || *b == b':' || *b >= 0x80 => {
                // A start tag ends with `>` before any other `<`.
                match memchr::memchr2(b'<', b'>', &bytes[at + 1..]) {
                    Some(next) => bytes[at + 1 + next] == b'<',
                    None => true,
                }
            }
            _ => true,
        };
        if stray {
            out.push_str(&text[last..at]);
            out.push_str("&lt;");
            last = at + 1;
        }
    }
    if last == 0 {
        return None;
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// The encoding named in the XML declaration, if any.
fn declared_encoding(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(200)];
    let end = memchr::memmem::find(head, b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(label) = declared_encoding(bytes) {
        if let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes()) {
            if encoding != encoding_rs::UTF_8 {
                let (text, _, _) = encoding.decode(bytes);
                return text;
            }
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// A DOCTYPE declaration: its byte range and that of its internal subset.
#[derive(Debug, Clone, Copy)]
struct Doctype {
    end: usize,
    subset: Option<(usize, usize)>,
}

/// Finds the DOCTYPE declaration before the root element, if there is one.
fn doctype_span(text: &str) -> Option<Doctype> {
    // `<!DOCTYPE` inside a comment before the real one is not it.
    let start = memchr::memmem::find_iter(text.as_bytes(), b"<!DOCTYPE").find(|&at| {
        let before = &text.as_bytes()[..at];
        let opened = memchr::memmem::rfind(before, b"<!--");
        opened.is_none_or(|open| memchr::memmem::find(&before[open..], b"-->").is_some())
    })?;
    // Only a DOCTYPE before the root element counts.
    let head_end = text[..start].rfind('>').map_or(0, |i| i + 1);
    if text[head_end..start].contains('<') && !text[..start].trim_end().ends_with("?>") {
        return None;
    }
    let bytes = text.as_bytes();
    let mut i = start + "<!DOCTYPE".len();
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'[' => {
                    let subset_start = i + 1;
                    let close = find_subset_end(bytes, subset_start)?;
                    let gt = close + 1 + bytes[close + 1..].iter().position(|&c| c == b'>')?;
                    return Some(Doctype {
                        end: gt + 1,
                        subset: Some((subset_start, close)),
                    });
                }
                b'>' => {
                    return Some(Doctype {
                        end: i + 1,
                        subset: None,
                    })
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// The `]` that closes an internal DTD subset, skipping quoted strings and comments.
fn find_subset_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'<' if bytes[i..].starts_with(b"<!--") => {
                    i += memchr::memmem::find(&bytes[i..], b"-->")? + 2;
                }
                b']' => return Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Internal general entities with literal values (`<!ENTITY name "value">`).
fn internal_entities(subset: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut rest = subset;
    while let Some(at) = rest.find("<!ENTITY") {
        rest = &rest[at + "<!ENTITY".len()..];
        let decl_end = rest.find('>').unwrap_or(rest.len());
        let decl = rest[..decl_end].trim();
        if decl.starts_with('%') {
            continue;
        }
        let mut parts = decl.splitn(2, char::is_whitespace);
        let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
            continue;
        };
        let value = value.trim();
        let quote = value.chars().next();
        if let Some(q @ ('"' | '\'')) = quote {
            if let Some(end) = value[1..].find(q) {
                map.insert(name.to_string(), value[1..1 + end].to_string());
            }
        }
    }
    map
}

fn is_xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

fn is_forbidden_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

/// Whether `bytes` holds a control character XML forbids; written to vectorise.
fn has_forbidden_control(bytes: &[u8]) -> bool {
    bytes.chunks(64).any(|chunk| {
        chunk
            .iter()
            .fold(false, |acc, &b| acc | is_forbidden_control(b))
    })
}

/// Repairs what keeps real patent XML from parsing; borrows when nothing needs repair.
///
/// - Everything before the root element's DOCTYPE end goes (we never fetch
///   external DTDs); literal entities its internal subset declares are kept and substituted.
/// - Named entities outside the five XML ones are replaced by their character
///   from the standard sets, or U+FFFD when nobody knows them.
/// - A raw `&` that starts no reference becomes `&amp;`.
/// - Numeric references to characters XML forbids become U+FFFD; raw control characters are dropped.
///
/// Fails when the repaired text would exceed `limit` bytes: a small document
/// can declare a large entity and reference it thousands of times.
pub(crate) fn sanitize(text: &str, limit: usize) -> Result<Prepared<'_>, DocError> {
    let doctype = doctype_span(text);
    let (body_start, lines_before) = match doctype {
        Some(d) => (
            d.end,
            memchr::memchr_iter(b'\n', &text.as_bytes()[..d.end]).count() as u32,
        ),
        None => (0, 0),
    };
    let body = &text[body_start..];
    let bytes = body.as_bytes();
    let controls = has_forbidden_control(bytes);
    if !controls && memchr::memchr(b'&', bytes).is_none() {
        return Ok(Prepared {
            text: Cow::Borrowed(body),
            lines_before,
        });
    }
    let declared = doctype
        .and_then(|d| d.subset)
        .map(|(s, e)| internal_entities(&text[s..e]))
        .unwrap_or_default();
    let positions: Box<dyn Iterator<Item = usize>> = if controls {
        Box::new((0..bytes.len()).filter(|&i| bytes[i] == b'&' || is_forbidden_control(bytes[i])))
    } else {
        Box::new(memchr::memchr_iter(b'&', bytes))
    };

    let mut out = String::new();
    let mut last = 0;
    for i in positions {
        if i < last {
            continue;
        }
        let b = bytes[i];
        if b != b'&' {
            out.push_str(&body[last..i]);
            last = i + 1;
            continue;
        }
        let (replacement, consumed): (Cow<'_, str>, usize) = match reference_at(&bytes[i..]) {
            Reference::Numeric { code, .. } if is_xml_char(code) => continue,
            Reference::Numeric { len, .. } => (Cow::Borrowed("\u{FFFD}"), len),
            Reference::Named { len } => {
                let name = &body[i + 1..i + len - 1];
                if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
                    continue;
                }
                // A declared value is markup already: it goes in as written,
                // and is not scanned again, so entities declared in terms of
                // each other (billion laughs) expand one level only.
                let value = declared
                    .get(name)
                    .map(|v| Cow::Borrowed(v.as_str()))
                    .or_else(|| entities::resolve(name).map(|v| Cow::Owned(escape_text(v))))
                    .unwrap_or(Cow::Borrowed("\u{FFFD}"));
                (value, len)
            }
            Reference::None => (Cow::Borrowed("&amp;"), 1),
        };
        if out.len() + (i - last) + replacement.len() > limit {
            return Err(DocError::EntityExpansion { limit });
        }
        if out.is_empty() {
            out.reserve(body.len().min(limit) + 64);
        }
        out.push_str(&body[last..i]);
        out.push_str(&replacement);
        last = i + consumed;
    }
    if last == 0 {
        return Ok(Prepared {
            text: Cow::Borrowed(body),
            lines_before,
        });
    }
    if out.len() + (body.len() - last) > limit {
        return Err(DocError::EntityExpansion { limit });
    }
    out.push_str(&body[last..]);
    Ok(Prepared {
        text: Cow::Owned(out),
        lines_before,
    })
}

fn escape_text(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

enum Reference {
    Numeric { len: usize, code: u32 },
    Named { len: usize },
    None,
}

/// Recognises `&#123;`, `&#x1F;` and `&name;` at the start of `bytes`.
fn reference_at(bytes: &[u8]) -> Reference {
    debug_assert_eq!(bytes.first(), Some(&b'&'));
    let limit = bytes.len().min(40);
    let body = &bytes[1..limit];
    if let Some(num) = body.strip_prefix(b"#") {
        let (digits, radix, prefix) = match num.first() {
            Some(b'x' | b'X') => (&num[1..], 16, 2),
            _ => (num, 10, 1),
        };
        let end = digits
            .iter()
            .position(|&b| b == b';')
            .unwrap_or(digits.len());
        if end == 0 || end == digits.len() {
            return Reference::None;
        }
        let Ok(s) = std::str::from_utf8(&digits[..end]) else {
            return Reference::None;
        };
        return match u32::from_str_radix(s, radix) {
            Ok(code) => Reference::Numeric {
                len: 1 + prefix + end + 1,
                code,
            },
            Err(_) if s.bytes().all(|b| b.is_ascii_hexdigit()) => Reference::Numeric {
                len: 1 + prefix + end + 1,
                code: 0xFFFF_FFFF,
            },
            Err(_) => Reference::None,
        };
    }
    match body.first() {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {}
        _ => return Reference::None,
    }
    for (k, &b) in body.iter().enumerate() {
        if b == b';' {
            return Reference::Named { len: k + 2 };
        }
        if !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
            return Reference::None;
        }
    }
    Reference::None
}

// ---- reading the tree ----

/// The first child element named `name`.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

/// All child elements named `name`.
pub(crate) fn children<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// Follows a path of child element names.
pub(crate) fn path<'a, 'i>(node: Node<'a, 'i>, names: &[&str]) -> Option<Node<'a, 'i>> {
    names.iter().try_fold(node, |n, name| child(n, name))
}

/// The first descendant element (or the node itself) named `name`.
pub(crate) fn descendant<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

/// All descendant elements named `name`.
pub(crate) fn descendants<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.descendants()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// Normalised text of a child element, `None` when absent or empty.
pub(crate) fn child_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(text).filter(|t| !t.is_empty())
}

/// Normalised text of the element at `names` below `node`.
pub(crate) fn path_text(node: Node<'_, '_>, names: &[&str]) -> Option<String> {
    path(node, names).map(text).filter(|t| !t.is_empty())
}

/// Elements whose boundaries separate words: a paragraph, a claim clause, a
/// table cell. Inline markup (`<i>`, `<sub>`) joins its text to its neighbours.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "P"
            | "PARA"
            | "PTEXT"
            | "claim-text"
            | "CLMSTEP"
            | "heading"
            | "H"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "br"
            | "BR"
            | "row"
            | "entry"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "tables"
            | "maths"
            | "math"
            | "chemistry"
            | "table-external-doc"
            | "description-of-drawings"
            | "claim"
            | "CLM"
    )
}

/// Elements whose content is never prose: images, formula markup in
/// presentation form, processing data.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "img" | "EMI" | "image" | "figure" | "chem-structure-img" | "ocr-text"
    )
}

/// The text under `node` with whitespace collapsed: one space between words,
/// none at either end.
pub(crate) fn text(node: Node<'_, '_>) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    push_text(node, &mut out, &mut pending_space);
    out
}

/// Appends the collapsed text of `node` to `out`.
pub(crate) fn push_text(node: Node<'_, '_>, out: &mut String, pending_space: &mut bool) {
    for n in node.children() {
        if n.is_text() {
            push_collapsed(n.text().unwrap_or(""), out, pending_space);
        } else if n.is_element() {
            let name = n.tag_name().name();
            if is_skipped(name) {
                continue;
            }
            let block = is_block(name);
            if block {
                *pending_space = true;
            }
            push_text(n, out, pending_space);
            if block {
                *pending_space = true;
            }
        }
    }
}

/// The whitespace character starting at byte `i` of `text`, and its length.
#[inline]
fn whitespace_at(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        return b.is_ascii_whitespace().then_some(1);
    }
    let c = text[i..].chars().next()?;
    c.is_whitespace().then(|| c.len_utf8())
}

/// Appends `text` with runs of whitespace (Unicode's, so `&emsp;` and
/// no-break spaces count) collapsed to one space.
pub(crate) fn push_collapsed(text: &str, out: &mut String, pending_space: &mut bool) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(len) = whitespace_at(text, i) {
            *pending_space = true;
            i += len;
            continue;
        }
        let start = i;
        while i < bytes.len() {
            if bytes[i] < 0x80 {
                if bytes[i].is_ascii_whitespace() {
                    break;
                }
                i += 1;
            } else {
                match text[i..].chars().next() {
                    Some(c) if c.is_whitespace() => break,
                    Some(c) => i += c.len_utf8(),
                    None => break,
                }
            }
        }
        if *pending_space && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&text[start..i]);
        *pending_space = false;
    }
}

/// Collapses whitespace in a plain string.
pub(crate) fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending = false;
    push_collapsed(text, &mut out, &mut pending);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1 << 20;

    #[test]
    fn clean_xml_is_borrowed() {
        let xml = "<?xml version=\"1.0\"?><a>x &amp; y &#x2014; z</a>";
        assert!(matches!(
            sanitize(xml, LIMIT).unwrap().text,
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn undeclared_entities_resolve_and_raw_ampersands_escape() {
        let xml = "<a>&ldquo;Kador & Partner&rdquo; &frac12; &Dgr; &nosuch; &amp;</a>";
        let fixed = sanitize(xml, LIMIT).unwrap().text;
        let doc = parse(&fixed).unwrap();
        assert_eq!(text(doc.root_element()), "“Kador & Partner” ½ Δ \u{FFFD} &");
    }

    #[test]
    fn doctype_with_internal_subset_is_removed_and_literal_entities_kept() {
        let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE a SYSTEM \"a.dtd\" [\n<!ENTITY img1 SYSTEM \"x.TIF\" NDATA TIF>\n<!ENTITY co \"ACME &amp; Co\">\n]>\n<a>&co; made it</a>";
        let prepared = sanitize(xml, LIMIT).unwrap();
        assert_eq!(prepared.lines_before, 4);
        let fixed = prepared.text;
        assert!(!fixed.contains("DOCTYPE"));
        let doc = parse(&fixed).unwrap();
        assert_eq!(text(doc.root_element()), "ACME & Co made it");
    }

    #[test]
    fn stray_less_than_signs_are_escaped() {
        let xml = "<d><heading><First Embodiment</heading><p>a < b and c<d</p></d>";
        assert!(parse(xml).is_err());
        let fixed = escape_stray_lt(xml).unwrap();
        let doc = parse(&fixed).unwrap();
        assert_eq!(text(doc.root_element()), "<First Embodiment a < b and c<d");
        assert!(escape_stray_lt("<a><b/></a>").is_none());
    }

    #[test]
    fn forbidden_characters_are_repaired() {
        let xml = "<a>bad&#x0;char\u{1}here</a>";
        let fixed = sanitize(xml, LIMIT).unwrap().text;
        let doc = parse(&fixed).unwrap();
        assert_eq!(text(doc.root_element()), "bad\u{FFFD}charhere");
    }

    #[test]
    fn latin1_declared_files_decode() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>";
        let prepared = prepare(bytes, LIMIT).unwrap();
        let doc = parse(&prepared.text).unwrap();
        assert_eq!(text(doc.root_element()), "café");
    }

    #[test]
    fn text_separates_blocks_and_joins_inline_markup() {
        let xml = "<claim><claim-text>1. A device comprising:<claim-text>a part;</claim-text><claim-text>H<sub>2</sub>O  tank.</claim-text></claim-text></claim>";
        let doc = parse(xml).unwrap();
        assert_eq!(
            text(doc.root_element()),
            "1. A device comprising: a part; H2O tank."
        );
    }

    /// A document with a `size`-byte entity referenced `refs` times.
    fn entity_bomb(size: usize, refs: usize) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE a [\n<!ENTITY big \"{}\">\n]>\n<a>{}</a>",
            "x".repeat(size),
            "&big;".repeat(refs)
        )
    }

    #[test]
    fn entity_expansion_is_held_to_the_limit() {
        // 10 KB x 200 = 2 MB from a 10 KB document.
        let xml = entity_bomb(10_000, 200);
        assert_eq!(
            sanitize(&xml, LIMIT).err(),
            Some(DocError::EntityExpansion { limit: LIMIT })
        );
        // Just inside the limit it expands.
        let prepared = sanitize(&xml, 10_000 * 200 + 100).unwrap();
        assert_eq!(prepared.text.trim().len(), 10_000 * 200 + "<a></a>".len());
    }

    #[test]
    fn entities_declared_in_terms_of_each_other_expand_one_level() {
        let mut subset = String::from("<!ENTITY l0 \"lol\">\n");
        for level in 1..10 {
            let prev = format!("&l{};", level - 1).repeat(10);
            subset.push_str(&format!("<!ENTITY l{level} \"{prev}\">\n"));
        }
        let xml = format!("<?xml version=\"1.0\"?>\n<!DOCTYPE a [\n{subset}]>\n<a>&l9;&l9;</a>");
        let prepared = sanitize(&xml, LIMIT).unwrap();
        assert_eq!(
            prepared.text.trim(),
            format!("<a>{}</a>", "&l8;".repeat(20))
        );
        // What is left unexpanded is an unknown entity, not an expansion.
        assert!(parse(&prepared.text).is_err());
    }

    #[test]
    fn a_doctype_the_sanitizer_misses_is_never_expanded_by_the_parser() {
        let xml = "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>";
        assert!(parse(xml).is_err());
    }

    #[test]
    fn a_doctype_mentioned_in_a_comment_is_not_the_doctype() {
        let xml = "<?xml version=\"1.0\"?>\n<!-- not <!DOCTYPE x> -->\n<!DOCTYPE a [\n<!ENTITY e \"ok\">\n]>\n<a>&e;</a>";
        let prepared = sanitize(xml, LIMIT).unwrap();
        assert_eq!(prepared.text.trim(), "<a>ok</a>");
    }

    #[test]
    fn nesting_depth_is_measured_without_recursion() {
        let nested = |depth: usize| format!("{}x{}", "<e>".repeat(depth), "</e>".repeat(depth));
        let xml = nested(MAX_ELEMENT_DEPTH - 1);
        // The text node sits one level below the deepest element.
        assert!(!nesting_exceeds(&parse(&xml).unwrap(), MAX_ELEMENT_DEPTH));
        let xml = nested(MAX_ELEMENT_DEPTH);
        assert!(nesting_exceeds(&parse(&xml).unwrap(), MAX_ELEMENT_DEPTH));
        let xml = nested(200_000);
        assert!(nesting_exceeds(&parse(&xml).unwrap(), MAX_ELEMENT_DEPTH));
        let flat = format!("<a>{}</a>", "<b>x</b>".repeat(10_000));
        // a, b, then b's text.
        assert!(!nesting_exceeds(&parse(&flat).unwrap(), 3));
        assert!(nesting_exceeds(&parse(&flat).unwrap(), 2));
    }
}
