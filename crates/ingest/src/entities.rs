//! Named character entities that patent XML uses without declaring them.
//!
//! Pre-2005 USPTO XML (pap v1.x, ST.32 v2.5) and some EPO files reference the
//! ISO 8879 entity sets through external DTDs we never fetch. HTML5's entity
//! list covers most of them; the ISO Greek set (`&agr;`, `&Dgr;`, `&PHgr;` ...)
//! is not in HTML5 and is listed here.

/// ISOgrk1: Greek letters under their SGML names.
const ISO_GREEK: &[(&str, &str)] = &[
    ("agr", "α"),
    ("Agr", "Α"),
    ("bgr", "β"),
    ("Bgr", "Β"),
    ("ggr", "γ"),
    ("Ggr", "Γ"),
    ("dgr", "δ"),
    ("Dgr", "Δ"),
    ("egr", "ε"),
    ("Egr", "Ε"),
    ("zgr", "ζ"),
    ("Zgr", "Ζ"),
    ("eegr", "η"),
    ("EEgr", "Η"),
    ("thgr", "θ"),
    ("THgr", "Θ"),
    ("igr", "ι"),
    ("Igr", "Ι"),
    ("kgr", "κ"),
    ("Kgr", "Κ"),
    ("lgr", "λ"),
    ("Lgr", "Λ"),
    ("mgr", "μ"),
    ("Mgr", "Μ"),
    ("ngr", "ν"),
    ("Ngr", "Ν"),
    ("xgr", "ξ"),
    ("Xgr", "Ξ"),
    ("ogr", "ο"),
    ("Ogr", "Ο"),
    ("pgr", "π"),
    ("Pgr", "Π"),
    ("rgr", "ρ"),
    ("Rgr", "Ρ"),
    ("sgr", "σ"),
    ("Sgr", "Σ"),
    ("sfgr", "ς"),
    ("tgr", "τ"),
    ("Tgr", "Τ"),
    ("ugr", "υ"),
    ("Ugr", "Υ"),
    ("phgr", "φ"),
    ("PHgr", "Φ"),
    ("khgr", "χ"),
    ("KHgr", "Χ"),
    ("psgr", "ψ"),
    ("PSgr", "Ψ"),
    ("ohgr", "ω"),
    ("OHgr", "Ω"),
];

/// The replacement text of a named entity from the standard sets, if known.
pub(crate) fn resolve(name: &str) -> Option<&'static str> {
    if let Some(text) = quick_xml::escape::resolve_html5_entity(name) {
        return Some(text);
    }
    ISO_GREEK
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn entities_seen_in_pre_2005_uspto_files_resolve() {
        for name in [
            "ldquo", "rdquo", "frac12", "minus", "plusmn", "deg", "mdash", "emsp", "lsqb", "rsqb",
            "Dgr", "PHgr", "mgr", "lgr", "agr", "ohgr", "af", "it", "frac15", "bsol", "Prime",
        ] {
            assert!(resolve(name).is_some(), "entity {name} should resolve");
        }
        assert_eq!(resolve("Dgr"), Some("Δ"));
        assert_eq!(resolve("frac12"), Some("½"));
        assert_eq!(resolve("no-such-entity"), None);
    }
}
