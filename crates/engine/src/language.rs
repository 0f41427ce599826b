//! The language of a query, and whether the keyword index can match it.
//!
//! The keyword index analyses English (English stemming and stop words;
//! US and EP patents in English). A query in another language shares few
//! or no words with it, so in hybrid search its keyword ranking is noise
//! that pushes down what the multilingual semantic side found: such a query
//! is ranked by the semantic side alone, and the response says so.
//!
//! Detection is `whatlang`'s (trigram profiles per script): the script is
//! certain from the characters; within the Latin script the language is
//! trusted only when whatlang says its guess is reliable, so a short or
//! ambiguous query keeps the keyword side.

use serde::Serialize;
use whatlang::{Lang, Script};

/// The language the keyword index analyses.
const INDEX_LANGUAGE: Lang = Lang::Eng;

/// What was detected about a query's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryLanguage {
    /// ISO 639-3 code of the detected language (`eng`, `cmn`, `deu`, ...).
    pub code: &'static str,
    /// Its English name.
    pub name: &'static str,
    /// The writing system of most of the query's letters (`Latin`,
    /// `Mandarin`, `Hiragana`, ...).
    pub script: String,
    /// Whether the detector trusts its guess of the language (the script is
    /// always certain).
    pub reliable: bool,
    /// Whether the keyword index can match the query's words: the query is
    /// in the index's language, or in Latin script without a reliable other
    /// language.
    pub keyword_applies: bool,
}

/// The language of `query`; `None` when it has no letters (digits, emoji,
/// punctuation), which leaves the keyword side as it is.
pub fn detect(query: &str) -> Option<QueryLanguage> {
    let info = whatlang::detect(query)?;
    let latin = info.script() == Script::Latin;
    let keyword_applies = info.lang() == INDEX_LANGUAGE || (latin && !info.is_reliable());
    Some(QueryLanguage {
        code: info.lang().code(),
        name: info.lang().eng_name(),
        script: info.script().name().to_string(),
        reliable: info.is_reliable(),
        keyword_applies,
    })
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn queries_in_other_scripts_or_reliably_other_languages_skip_the_keyword_side() {
        for query in [
            "一种无线充电的手机保护壳",
            "ワイヤレス充電用のスマートフォンケース",
            "беспроводная зарядка телефона",
            "Verfahren zur drahtlosen Aufladung eines Mobiltelefons mit einer Schutzhülle",
            "un procedimiento para cargar la batería de un teléfono móvil sin cables, mediante una funda que recibe la energía",
        ] {
            let language = detect(query).expect("a language");
            assert!(!language.keyword_applies, "{query:?}: {language:?}");
        }
    }

    #[test]
    fn english_and_undecided_queries_keep_the_keyword_side() {
        for query in [
            "wireless charging of a mobile phone in a protective case",
            "stent coating",
            "CMOS image sensor",
            "lithium ion battery",
        ] {
            let language = detect(query).expect("a language");
            assert!(language.keyword_applies, "{query:?}: {language:?}");
        }
        assert_eq!(detect("12345 !!"), None);
        assert_eq!(detect("🔋⚡"), None);
    }
}
