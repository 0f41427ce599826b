//! Classification codes (IPC, CPC, USPC): how a source's spelling becomes the
//! stored form, and how stored codes and filter prefixes are compared.
//!
//! IPC and CPC share one hierarchy: section (`G`), class (`G06`), subclass
//! (`G06F`), main group (`G06F16`), subgroup (`G06F16/245`). Parsers store
//! codes in the form [`normalise_ipc`] gives; filters compare them with
//! [`code_has_prefix`] (vector side) or through the facet path of
//! [`code_steps`] (keyword side), which agree on every prefix `code_steps`
//! accepts.

/// `G06F015/00` / `G06F 15/00` / `G06F15/00` -> `G06F15/00`.
pub fn normalise_ipc(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 4 || !compact.is_char_boundary(4) {
        return None;
    }
    let (subclass, rest) = compact.split_at(4);
    if !subclass.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    match rest.split_once('/') {
        Some((group, subgroup)) => Some(format!("{subclass}{}/{subgroup}", main_group(group))),
        None if rest.is_empty() => Some(subclass.to_string()),
        None => Some(format!("{subclass}{rest}")),
    }
}

/// A main group without its zero padding (`015` -> `15`, `000` -> `0`).
fn main_group(group: &str) -> &str {
    let group = group.trim_start_matches('0');
    if group.is_empty() {
        "0"
    } else {
        group
    }
}

/// USPC as the XML writes it: a 3-character class, a 3-character subclass,
/// then the subclass decimal (`715513`, `705 26`, `707  7`, `34053912`,
/// `709202000`, `D 1106`) to the printed form (`715/513`, `705/26`, `707/7`,
/// `340/539.12`, `709/202`, `D1/106`).
pub fn normalise_uspc(raw: &str) -> Option<String> {
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

/// A classification code without separators or spaces, upper case: the form
/// prefixes are compared in (`G06F 16/245` -> `G06F16/245`).
pub fn compact_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The subclass of an IPC or CPC code (`G06F 16/245` -> `G06F`), when the
/// code is long enough to have one.
pub fn subclass(code: &str) -> Option<String> {
    let compact = compact_code(code);
    compact.get(..4).map(str::to_string)
}

/// Whether `code` falls under `prefix` in the classification hierarchy:
/// section, class, subclass, main group, then subgroup, each whole.
pub fn code_has_prefix(code: &str, prefix: &str) -> bool {
    let code = compact_code(code);
    let prefix = compact_code(prefix);
    if prefix.is_empty() {
        return true;
    }
    if !code.starts_with(&prefix) {
        return false;
    }
    // A prefix ends at a level boundary: after the subclass letter (4 chars),
    // after the whole main group (next char is '/'), or it is the whole code.
    let rest = &code[prefix.len()..];
    prefix.len() <= 4 || rest.is_empty() || rest.starts_with('/') || prefix.ends_with('/')
}

/// The hierarchy levels of a compact code or prefix: section, class,
/// subclass, main group, subgroup (`G06F16/245` -> `G`, `G06`, `G06F`,
/// `G06F16`, `G06F16:245`). `None` when it is not at a level boundary.
pub fn code_steps(code: &str) -> Option<Vec<String>> {
    let bytes = code.as_bytes();
    if bytes.is_empty() || !code.is_ascii() || !bytes[0].is_ascii_alphabetic() {
        return None;
    }
    let mut steps = vec![code[..1].to_string()];
    if code.len() == 1 {
        return Some(steps);
    }
    if code.len() < 3 || !code[1..3].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    steps.push(code[..3].to_string());
    if code.len() == 3 {
        return Some(steps);
    }
    if !bytes[3].is_ascii_alphabetic() {
        return None;
    }
    steps.push(code[..4].to_string());
    let rest = &code[4..];
    if rest.is_empty() {
        return Some(steps);
    }
    let (group, subgroup) = match rest.split_once('/') {
        Some((g, s)) => (g, Some(s)),
        None => (rest, None),
    };
    if group.is_empty() || !group.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let group = main_group(group);
    steps.push(format!("{}{group}", &code[..4]));
    match subgroup {
        None => Some(steps),
        Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            steps.push(format!("{}{group}:{s}", &code[..4]));
            Some(steps)
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipc_forms() {
        assert_eq!(normalise_ipc("G06F015/00").as_deref(), Some("G06F15/00"));
        assert_eq!(normalise_ipc("G06F 17/30").as_deref(), Some("G06F17/30"));
        assert_eq!(normalise_ipc("G06F 000/00").as_deref(), Some("G06F0/00"));
        assert_eq!(normalise_ipc("H04L").as_deref(), Some("H04L"));
        assert_eq!(normalise_ipc("G06"), None);
        assert_eq!(normalise_ipc("G0-F15/00"), None);
    }

    #[test]
    fn uspc_forms() {
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
        assert_eq!(normalise_uspc("715"), None);
    }

    #[test]
    fn subclasses() {
        assert_eq!(subclass("g06f 16/245").as_deref(), Some("G06F"));
        assert_eq!(subclass("G06"), None);
    }

    #[test]
    fn prefixes_follow_the_hierarchy() {
        assert!(code_has_prefix("G06F16/245", "G06F"));
        assert!(code_has_prefix("G06F16/245", "G"));
        assert!(code_has_prefix("G06F16/245", "G06"));
        assert!(code_has_prefix("G06F16/245", "G06F16"));
        assert!(code_has_prefix("G06F16/245", "G06F 16/245"));
        assert!(!code_has_prefix("G06F16/245", "G06F1"));
        assert!(!code_has_prefix("G06F16/245", "G06F16/24"));
        assert!(!code_has_prefix("G06F16/245", "H04L"));
    }

    #[test]
    fn code_levels() {
        let steps = |c: &str| code_steps(&compact_code(c));
        assert_eq!(
            steps("G06F16/245").unwrap(),
            ["G", "G06", "G06F", "G06F16", "G06F16:245"]
        );
        assert_eq!(steps("G06F 016/245").unwrap()[3], "G06F16");
        assert_eq!(steps("G06F").unwrap(), ["G", "G06", "G06F"]);
        assert_eq!(steps("G").unwrap(), ["G"]);
        assert_eq!(steps("H04L67").unwrap().len(), 4);
        assert!(steps("G0").is_none());
        assert!(steps("G06F1x").is_none());
        assert!(steps("").is_none());
        assert!(steps("06F").is_none());
    }

    /// The keyword side matches a prefix through its facet path, the vector
    /// side through `code_has_prefix`: for every prefix the keyword side
    /// accepts, both must say the same of every stored code.
    #[test]
    fn facet_paths_agree_with_prefixes() {
        let codes = ["G06F16/245", "G06F16/00", "G06F17/30", "H04L67/10", "G06Q"];
        let prefixes = [
            "G",
            "G06",
            "G06F",
            "G06F16",
            "G06F16/245",
            "G06F1",
            "H04L67",
        ];
        for code in codes {
            let path = code_steps(&compact_code(code)).unwrap();
            for prefix in prefixes {
                let want = code_steps(&compact_code(prefix)).unwrap();
                let by_facet = path.starts_with(&want);
                assert_eq!(
                    by_facet,
                    code_has_prefix(code, prefix),
                    "{code} under {prefix}"
                );
            }
        }
    }
}
