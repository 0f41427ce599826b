//! Each element of the query language, on the shared index: the documents it
//! returns are exactly those that the records say it should return.
//!
//! Expectations come from the records through plain string logic (lower-cased
//! words of each field), never from the index. Where stemming makes several
//! word forms equal, the forms are listed and a vocabulary guard checks that
//! the data holds no other inflection of the word.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use patsearch_keyword::{KeywordConfig, SearchRequest};
use patsearch_record::{Cancellation, Filters};

use crate::fixtures::*;

const LITHIUM: &[&str] = &["lithium"];
const GLUCOSE: &[&str] = &["glucose"];
const INSULIN: &[&str] = &["insulin"];
const SENSOR: &[&str] = &["sensor", "sensors"];

/// Documents with one of `forms` in title, abstract, claims or description.
fn with_word(forms: &[&str]) -> BTreeSet<String> {
    shared().with_word(forms)
}

fn vocabulary(prefix: &str) -> BTreeSet<String> {
    shared().vocabulary(prefix)
}

fn union(a: &BTreeSet<String>, b: &BTreeSet<String>) -> BTreeSet<String> {
    a.union(b).cloned().collect()
}
fn inter(a: &BTreeSet<String>, b: &BTreeSet<String>) -> BTreeSet<String> {
    a.intersection(b).cloned().collect()
}
fn minus(a: &BTreeSet<String>, b: &BTreeSet<String>) -> BTreeSet<String> {
    a.difference(b).cloned().collect()
}
fn all_docs() -> BTreeSet<String> {
    shared().records.keys().cloned().collect()
}

/// Score of each hit of `query`, by publication number.
fn scores(query: &str) -> BTreeMap<String, f32> {
    shared()
        .ranked(query, &Filters::default())
        .into_iter()
        .collect()
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1.0)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn the_shared_index_holds_one_document_per_publication_number() {
    let s = shared();
    assert!(s.records.len() > 350, "{} records", s.records.len());
    assert_eq!(s.index.num_docs(), s.records.len() as u64);
}

#[test]
fn word_lists_cover_every_inflection_in_the_data() {
    // Stemming folds these forms together and nothing else in the data
    // shares their stems, so "a record has one of the forms" is exactly what
    // a search for the word should find.
    assert_eq!(vocabulary("lithium"), set(LITHIUM));
    assert_eq!(vocabulary("insulin"), set(INSULIN));
    assert_eq!(
        vocabulary("glucos"),
        set(&[
            "glucosamine",
            "glucosaminide",
            "glucose",
            "glucosidase",
            "glucoside"
        ])
    );
    assert_eq!(
        vocabulary("sensor"),
        set(&["sensor", "sensoren", "sensors", "sensory"])
    );
}

#[test]
fn a_single_word_finds_exactly_the_documents_containing_it() {
    let s = shared();
    let expected = with_word(LITHIUM);
    assert!(expected.len() >= 10, "{expected:?}");
    assert_eq!(s.found("lithium"), expected);
    assert_eq!(s.found("LiThIuM"), expected, "case does not matter");

    let results = s.search("lithium");
    assert_eq!(results.total, expected.len());
    for (i, hit) in results.hits.iter().enumerate() {
        assert_eq!(hit.rank, i + 1);
        assert!(hit.score > 0.0);
        if i > 0 {
            assert!(results.hits[i - 1].score >= hit.score, "ranked by score");
        }
        assert_eq!(hit.title, s.record(&hit.publication_number).title);
    }
}

/// `sensor's` searches for the sensor, not for the possessive: the same
/// documents and scores as `sensor`, while the quoted phrase `"sensor's"`
/// still asks for the possessive as written.
#[test]
fn a_possessive_word_is_searched_as_the_word() {
    let s = shared();
    let word = scores("sensor");
    assert!(word.len() >= 10, "{word:?}");
    for possessive in ["sensor's", "SENSOR'S", "sensor\u{2019}s"] {
        let found = scores(possessive);
        assert_eq!(
            found.keys().collect::<Vec<_>>(),
            word.keys().collect::<Vec<_>>(),
            "{possessive}"
        );
        for (number, score) in &found {
            assert!(
                close(*score, word[number]),
                "{possessive}: {number} {score} vs {}",
                word[number]
            );
        }
    }
    let phrase = s.found("\"sensor's\"");
    assert!(
        phrase.len() < word.len(),
        "the quoted possessive is a phrase: {phrase:?}"
    );
}

#[test]
fn juxtaposed_words_are_a_union_ranked_by_how_well_each_matches() {
    let s = shared();
    let (l, g) = (with_word(LITHIUM), with_word(GLUCOSE));
    let both = inter(&l, &g);
    assert!(!both.is_empty() && !minus(&l, &g).is_empty() && !minus(&g, &l).is_empty());
    assert_eq!(s.found("lithium glucose"), union(&l, &g));

    // The score of each document is the sum of what each word contributes.
    let (sl, sg, sboth) = (
        scores("lithium"),
        scores("glucose"),
        scores("lithium glucose"),
    );
    for (doc, score) in &sboth {
        let parts = sl.get(doc).copied().unwrap_or(0.0) + sg.get(doc).copied().unwrap_or(0.0);
        assert!(close(*score, parts), "{doc}: {score} != {parts}");
    }
    for doc in &both {
        assert!(sboth[doc] > sl[doc] && sboth[doc] > sg[doc], "{doc}");
    }
}

#[test]
fn or_is_the_union() {
    let s = shared();
    let expected = union(&with_word(LITHIUM), &with_word(INSULIN));
    assert_eq!(s.found("lithium OR insulin"), expected);
    assert_eq!(s.found("lithium || insulin"), expected);
}

#[test]
fn and_is_the_intersection() {
    let s = shared();
    let (l, g) = (with_word(LITHIUM), with_word(GLUCOSE));
    let expected = inter(&l, &g);
    assert!(!expected.is_empty() && expected.len() < l.len() && expected.len() < g.len());
    assert_eq!(s.found("lithium AND glucose"), expected);
    assert_eq!(s.found("lithium && glucose"), expected);
    assert_eq!(s.found("+lithium +glucose"), expected);
}

#[test]
fn not_and_minus_exclude() {
    let s = shared();
    let (l, g) = (with_word(LITHIUM), with_word(GLUCOSE));
    let expected = minus(&l, &g);
    assert!(!expected.is_empty() && expected.len() < l.len());
    assert_eq!(s.found("lithium NOT glucose"), expected);
    assert_eq!(s.found("lithium -glucose"), expected);
    assert_eq!(s.found("lithium AND NOT glucose"), expected);
    // An exclusion alone matches every other document.
    assert_eq!(s.found("-glucose"), minus(&all_docs(), &g));
    assert_eq!(s.found("NOT glucose"), minus(&all_docs(), &g));
}

#[test]
fn plus_requires_a_word_and_the_others_only_rank() {
    let s = shared();
    let (l, g) = (with_word(LITHIUM), with_word(GLUCOSE));
    assert_eq!(s.found("+lithium glucose"), l);
    assert_eq!(s.found("glucose +lithium"), l);
    let (sl, sreq) = (scores("lithium"), scores("+lithium glucose"));
    for doc in &l {
        if g.contains(doc) {
            assert!(sreq[doc] > sl[doc], "{doc}: glucose adds to the score");
        } else {
            assert!(close(sreq[doc], sl[doc]), "{doc}");
        }
    }
}

#[test]
fn parentheses_group_and_and_binds_tighter_than_or() {
    let s = shared();
    let (l, g, i) = (with_word(LITHIUM), with_word(GLUCOSE), with_word(INSULIN));
    let grouped = inter(&union(&l, &i), &g);
    let ungrouped = union(&l, &inter(&i, &g));
    assert_ne!(grouped, ungrouped, "the data must tell the groupings apart");
    assert_eq!(s.found("(lithium OR insulin) AND glucose"), grouped);
    assert_eq!(s.found("lithium OR (insulin AND glucose)"), ungrouped);
    assert_eq!(s.found("lithium OR insulin AND glucose"), ungrouped);
    assert_eq!(
        s.found("((lithium) OR (insulin)) AND (glucose)"),
        grouped,
        "nested parentheses"
    );
    assert_eq!(
        s.found("glucose -(lithium OR insulin)"),
        minus(&g, &union(&l, &i))
    );
}

#[test]
fn all_words_mode_makes_juxtaposition_an_and() {
    let s = shared();
    let index = s.index.clone().with_config(KeywordConfig {
        default_and: true,
        ..KeywordConfig::default()
    });
    let results = index
        .search(&SearchRequest {
            query: "lithium glucose",
            filters: &Filters::default(),
            limit: 1000,
            offset: 0,
            snippets: false,
            facets: false,
            collapse: false,
            cancel: &Cancellation::never(),
        })
        .unwrap();
    assert_eq!(
        numbers(&results),
        inter(&with_word(LITHIUM), &with_word(GLUCOSE))
    );
}

#[test]
fn a_quoted_phrase_needs_its_words_side_by_side() {
    let s = shared();
    for (query, first, second) in [
        ("\"blood glucose\"", &["blood", "blooded"][..], GLUCOSE),
        ("\"lithium ion\"", LITHIUM, &["ion", "ions"][..]),
    ] {
        let adjacent = s.expected_words(|t| t.adjacent(&TEXT_FIELDS, first, second));
        let apart = minus(&inter(&with_word(first), &with_word(second)), &adjacent);
        assert!(!adjacent.is_empty(), "{query}: no document has the phrase");
        assert!(
            !apart.is_empty(),
            "{query}: no document has both words apart"
        );
        assert_eq!(s.found(query), adjacent, "{query}");
    }
    assert_eq!(vocabulary("blood"), set(&["blood", "blooded"]));
    assert!(vocabulary("ion").is_superset(&set(&["ion", "ions"])));
}

/// Lucene's sloppy-phrase distance between `a` then `b` in `text`: the
/// number of words between them in order, or one more than the distance
/// back when `b` comes first (a swap costs two moves).
fn phrase_distance(text: &str, a: &[&str], b: &[&str]) -> Option<u32> {
    let w = words(text);
    let pa: Vec<i64> = (0..w.len())
        .filter(|&i| a.contains(&w[i].as_str()))
        .map(|i| i as i64)
        .collect();
    let pb: Vec<i64> = (0..w.len())
        .filter(|&i| b.contains(&w[i].as_str()))
        .map(|i| i as i64)
        .collect();
    pa.iter()
        .flat_map(|i| pb.iter().map(move |j| (i + 1 - j).unsigned_abs() as u32))
        .min()
}

#[test]
fn proximity_matches_within_n_words_and_not_beyond() {
    let s = shared();
    let input = ["input", "inputs"];
    let output = ["output", "outputs", "outputting"];
    // Every inflection of the two words in the abstracts.
    let abstract_vocab: BTreeSet<String> = s
        .records
        .values()
        .flat_map(|r| words(&r.abstract_text))
        .filter(|w| w.starts_with("input") || w.starts_with("output"))
        .collect();
    assert_eq!(
        abstract_vocab,
        set(&["input", "inputs", "output", "outputs", "outputting"])
    );
    let distance: BTreeMap<String, u32> = s
        .records
        .iter()
        .filter_map(|(n, r)| {
            Some((
                n.clone(),
                phrase_distance(&r.abstract_text, &input, &output)?,
            ))
        })
        .collect();
    let mut grew = 0;
    let mut previous = BTreeSet::new();
    for n in 0..=8u32 {
        let expected: BTreeSet<String> = distance
            .iter()
            .filter(|(_, d)| **d <= n)
            .map(|(k, _)| k.clone())
            .collect();
        let found = s.found(&format!("abstract:\"input output\"~{n}"));
        assert_eq!(found, expected, "~{n}");
        if n > 0 && expected.len() > previous.len() {
            grew += 1;
        }
        previous = expected;
    }
    assert!(grew >= 1, "the data must have pairs at several distances");
    assert!(
        distance.values().any(|d| *d > 8),
        "and pairs farther apart than any tested proximity"
    );
    // "~0" is the plain phrase.
    assert_eq!(
        s.found("abstract:\"input output\"~0"),
        s.found("abstract:\"input output\"")
    );
}

#[test]
fn a_trailing_wildcard_matches_every_word_with_the_prefix() {
    let s = shared();
    let charg = vocabulary("charg");
    assert!(charg.len() >= 4, "{charg:?}");
    let expected = s.expected_words(|t| t.any_word(&TEXT_FIELDS, |w| w.starts_with("charg")));
    assert_eq!(s.found("charg*"), expected);
    assert_eq!(s.found("CHARG*"), expected);

    // `?` stands for one character.
    assert_eq!(s.found("lith?um"), with_word(LITHIUM));
    assert!(s.found("lith?m").is_empty());
    // In a name field.
    let google = s.expected(|r| {
        r.assignees
            .iter()
            .any(|a| words(&a.name).iter().any(|w| w.starts_with("goog")))
    });
    assert!(!google.is_empty());
    assert_eq!(s.found("assignee:goog*"), google);
}

#[test]
fn a_wildcard_matches_words_as_written_not_their_stems() {
    // `charge*` must find "charge", "charged" and "charges" (whose stem is
    // "charg"), not only "charger" and "chargers".
    let s = shared();
    let expected = s.expected_words(|t| t.any_word(&TEXT_FIELDS, |w| w.starts_with("charge")));
    assert!(vocabulary("charge").contains("charge"));
    assert_eq!(s.found("charge*"), expected, "charge*");
    // Likewise a `?` inside a word whose stem differs from the word.
    let charging = s.with_word(&["charging"]);
    assert_eq!(s.found("ch?rging"), charging, "ch?rging");
}

#[test]
fn wildcards_ignore_case_and_accents_and_keep_to_their_field() {
    let s = shared();
    // EP2139306A2's assignee is "Inter Control Hermann Köhler GmbH & Co. KG".
    let kohler = s.found("assignee:koh*");
    assert!(kohler.contains("EP2139306A2"), "{kohler:?}");
    assert_eq!(s.found("assignee:köh*"), kohler);
    assert_eq!(s.found("ASSIGNEE:KÖH*"), kohler);
    // A field prefix restricts a wildcard to the words of that field.
    let in_title = s.expected_words(|t| t.any_word(&[Field::Title], |w| w.starts_with("charge")));
    assert!(!in_title.is_empty());
    assert!(in_title.len() < s.found("charge*").len());
    assert_eq!(s.found("title:charge*"), in_title);
    assert_eq!(s.found("title:CHARGE*"), in_title);
}

#[test]
fn an_excluded_word_missing_from_the_index_scores_like_one_present() {
    // Each document of `(-word) AND sensor` scores the same whether or not
    // `word` occurs anywhere in the index.
    let (present, absent) = (
        scores("(-glucose) AND sensor"),
        scores("(-qqqxyzzyqqq) AND sensor"),
    );
    assert!(present.len() < absent.len());
    for (doc, score) in &present {
        assert_eq!(absent.get(doc), Some(score), "{doc}");
    }
}

#[test]
fn text_field_prefixes_restrict_the_search_to_that_field() {
    let s = shared();
    let all = with_word(SENSOR);
    let fields = [
        ("title", "ti", Field::Title),
        ("abstract", "ab", Field::Abstract),
        ("claims", "cl", Field::Claims),
        ("description", "desc", Field::Description),
        ("claims", "claim", Field::Claims),
    ];
    for (field, alias, text) in fields {
        let expected = s.expected_words(|t| t.has(&[text], SENSOR));
        assert!(!expected.is_empty(), "{field}");
        assert!(expected.len() < all.len(), "{field} must be a restriction");
        assert_eq!(s.found(&format!("{field}:sensor")), expected, "{field}:");
        assert_eq!(s.found(&format!("{alias}:sensors")), expected, "{alias}:");
        assert_eq!(
            s.found(&format!("{}:sensor", field.to_uppercase())),
            expected,
            "field names ignore case"
        );
    }
    // A field applies to every word of a group, and to phrases.
    let title_expected = s.expected_words(|t| {
        t.has(&[Field::Title], SENSOR) || t.has(&[Field::Title], &["battery", "batteries"])
    });
    assert_eq!(s.found("title:(sensor OR battery)"), title_expected);
    let phrase = s.expected_words(|t| t.adjacent(&[Field::Title], &["light"], &["emitting"]));
    assert!(!phrase.is_empty());
    assert_eq!(s.found("title:\"light emitting\""), phrase);
}

#[test]
fn assignee_and_inventor_prefixes_search_names() {
    let s = shared();
    let by_assignee = |word: &str| {
        s.expected(|r| {
            r.assignees
                .iter()
                .any(|a| words(&a.name).iter().any(|w| w == word))
        })
    };
    let by_inventor = |word: &str| {
        s.expected(|r| {
            r.inventors
                .iter()
                .any(|a| words(&a.name).iter().any(|w| w == word))
        })
    };
    let google = by_assignee("google");
    assert!(google.len() >= 10, "{google:?}");
    assert_eq!(s.found("assignee:google"), google);
    assert_eq!(s.found("assignee:GOOGLE"), google);
    assert_eq!(s.found("owner:google"), google);
    // "google" in the text of other patents does not count.
    assert!(!minus(&with_word(&["google"]), &google).is_empty());

    let ibm = s.expected(|r| {
        r.assignees
            .iter()
            .any(|a| name_has_phrase(&a.name, &["business", "machines"]))
    });
    assert!(ibm.len() >= 20);
    assert_eq!(s.found("assignee:\"business machines\""), ibm);

    let cooley = by_inventor("cooley");
    assert_eq!(cooley, set(&["US11477946B2", "US11477947B2"]));
    assert_eq!(s.found("inventor:cooley"), cooley);
    // EPO names are written "Last, First".
    assert_eq!(s.found("inventor:noriyuki"), by_inventor("noriyuki"));
    assert_eq!(by_inventor("noriyuki"), set(&["EP0449582B1"]));
    // Inventor names are not assignee names.
    assert!(s.found("assignee:cooley").is_empty());

    // Accents fold: "Köhler" is found as written and as "kohler".
    let kohler = by_assignee("köhler");
    assert_eq!(kohler, set(&["EP2139306A2"]));
    assert_eq!(s.found("assignee:köhler"), kohler);
    assert_eq!(s.found("assignee:kohler"), kohler);
}

/// The levels of a classification code in the hierarchy, computed from its
/// text: `H05B3/34` -> `H`, `H05`, `H05B`, `H05B3`, `H05B3/34`.
fn code_levels(code: &str) -> Vec<String> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut levels = vec![
        code[..1].to_string(),
        code[..3].to_string(),
        code[..4].to_string(),
    ];
    let (group, subgroup) = code[4..].split_once('/').unwrap_or((&code[4..], ""));
    if !group.is_empty() {
        levels.push(format!("{}{group}", &code[..4]));
    }
    if !subgroup.is_empty() {
        levels.push(code.clone());
    }
    levels
}

#[test]
fn cpc_and_ipc_prefixes_follow_the_hierarchy() {
    let s = shared();
    let under = |scheme: &str, prefix: &str| {
        s.expected(|r| {
            let codes = if scheme == "cpc" { &r.cpc } else { &r.ipc };
            codes
                .iter()
                .any(|c| code_levels(&c.code).iter().any(|l| l == prefix))
        })
    };
    // A group is whole: H05B3 holds H05B3/34 and H05B3/86, not H05B33/14.
    let h05b3 = under("cpc", "H05B3");
    assert_eq!(h05b3, set(&["US20220240350A1", "US20220240351A1"]));
    assert!(s
        .record("US8927118B2")
        .cpc
        .iter()
        .any(|c| c.code == "H05B33/14"));
    assert_eq!(s.found("cpc:H05B3"), h05b3);
    assert_eq!(s.found("cpc:h05b3"), h05b3, "codes ignore case");
    assert_eq!(s.found("cpc:H05B33"), set(&["US8927118B2"]));
    assert_eq!(s.found("cpc:H05B3/34"), set(&["US20220240350A1"]));
    assert_eq!(s.found("cpc:\"H05B 3/34\""), set(&["US20220240350A1"]));
    assert!(s.found("cpc:H05B3/3").is_empty(), "a subgroup is whole too");
    assert_eq!(
        s.found("cpc:H05B"),
        set(&["US20220240350A1", "US20220240351A1", "US8927118B2"])
    );
    // G06F: the one document with a G06F CPC code, not those with G06F IPC only.
    assert_eq!(s.found("cpc:G06F"), set(&["US8926509B2"]));
    assert_eq!(s.found("cpc:G06F19"), set(&["US8926509B2"]));
    assert_eq!(s.found("cpc:G06F19/3418"), set(&["US8926509B2"]));
    assert!(s.found("cpc:G06F16").is_empty());
    let ipc_g06f = under("ipc", "G06F");
    assert!(ipc_g06f.len() >= 3);
    assert_eq!(s.found("ipc:G06F"), ipc_g06f);
    // A61B2560/0209 is in main group A61B2560, not A61B2.
    assert!(s.found("cpc:A61B2").is_empty());
    assert_eq!(s.found("cpc:A61B2560"), set(&["US8926509B2"]));

    // Every level of every code in the data.
    for scheme in ["cpc", "ipc"] {
        let prefixes: BTreeSet<String> = s
            .records
            .values()
            .flat_map(|r| if scheme == "cpc" { &r.cpc } else { &r.ipc })
            .flat_map(|c| code_levels(&c.code))
            .collect();
        assert!(prefixes.len() > 50, "{scheme}: {}", prefixes.len());
        for prefix in &prefixes {
            assert_eq!(
                s.found(&format!("{scheme}:{prefix}")),
                under(scheme, prefix),
                "{scheme}:{prefix}"
            );
        }
    }
}

#[test]
fn pn_finds_exactly_one_publication() {
    let s = shared();
    let one = set(&["US8926509B2"]);
    for query in [
        "pn:US8926509",
        "pn:US8926509B2",
        "pn:us8926509b2",
        "pn:US08926509",
        "number:US8926509B2",
        "pn:\"US 8,926,509 B2\"",
        "pn:8926509",
    ] {
        assert_eq!(s.found(query), one, "{query}");
    }
    assert!(s.found("pn:US8926509A1").is_empty(), "another kind");
    assert!(s.found("pn:US892650").is_empty(), "no prefix matching");
    // Corpus records have no kind.
    assert_eq!(s.found("pn:US8799651"), set(&["US8799651"]));
    // Applications, design patents and reissues keep their forms.
    assert_eq!(s.found("pn:US20220240350A1"), set(&["US20220240350A1"]));
    assert_eq!(s.found("pn:USD967598"), set(&["USD967598S1"]));
    assert_eq!(s.found("pn:USRE49257E1"), set(&["USRE49257E1"]));
    assert_eq!(s.found("pn:EP0449582B1"), set(&["EP0449582B1"]));
    assert_eq!(s.found("pn:EP0449582"), set(&["EP0449582B1"]));
    // Combined with other clauses.
    assert_eq!(
        s.found("pn:US8926509 OR pn:US8930553"),
        set(&["US8926509B2", "US8930553B2"])
    );
}

#[test]
fn country_and_kind_match_exactly() {
    let s = shared();
    let ep = s.expected(|r| r.country == "EP");
    assert!(ep.len() >= 4);
    assert_eq!(s.found("country:EP"), ep);
    assert_eq!(s.found("country:ep"), ep);
    assert_eq!(s.found("country:US"), s.expected(|r| r.country == "US"));
    for kind in ["B2", "B1", "A1", "S1", "E1"] {
        let expected = s.expected(|r| r.kind.as_deref() == Some(kind));
        assert!(!expected.is_empty(), "{kind}");
        assert_eq!(s.found(&format!("kind:{kind}")), expected, "kind:{kind}");
        assert_eq!(
            s.found(&format!("kind:{}", kind.to_lowercase())),
            expected,
            "kind:{kind} in lower case"
        );
    }
    assert_eq!(
        s.found("country:EP kind:B1"),
        union(&ep, &s.expected(|r| r.kind.as_deref() == Some("B1"))),
        "juxtaposed: either"
    );
    assert_eq!(
        s.found("country:EP AND kind:B1"),
        s.expected(|r| r.country == "EP" && r.kind.as_deref() == Some("B1"))
    );
}

#[test]
fn date_ranges_include_or_exclude_their_edges() {
    let s = shared();
    let filed =
        |pred: &dyn Fn(NaiveDate) -> bool| s.expected(|r| r.filing_date().is_some_and(pred));
    let (from, to) = (date(2013, 1, 2), date(2013, 1, 4));
    let on_edge = filed(&|d| d == from || d == to);
    assert!(
        !filed(&|d| d == from).is_empty() && !filed(&|d| d == to).is_empty(),
        "the data has documents filed on both edges"
    );
    let inclusive = filed(&|d| d >= from && d <= to);
    let exclusive = filed(&|d| d > from && d < to);
    assert!(inclusive.is_superset(&on_edge));
    assert!(exclusive.is_disjoint(&on_edge) && !exclusive.is_empty());
    assert_eq!(s.found("filed:[2013-01-02 TO 2013-01-04]"), inclusive);
    assert_eq!(s.found("filed:[20130102 TO 20130104]"), inclusive);
    assert_eq!(s.found("filing:[2013-01-02 TO 2013-01-04]"), inclusive);
    assert_eq!(s.found("filed:{2013-01-02 TO 2013-01-04}"), exclusive);
    assert_eq!(
        s.found("filed:[2013-01-02 TO 2013-01-04}"),
        filed(&|d| d >= from && d < to)
    );
    assert_eq!(
        s.found("filed:{2013-01-02 TO 2013-01-04]"),
        filed(&|d| d > from && d <= to)
    );
    // Open ends.
    assert_eq!(
        s.found("filed:[* TO 2008-06-05]"),
        filed(&|d| d <= date(2008, 6, 5))
    );
    assert!(!filed(&|d| d == date(2008, 6, 5)).is_empty());
    assert_eq!(
        s.found("filed:[2019-09-19 TO *]"),
        filed(&|d| d >= date(2019, 9, 19))
    );
    assert!(!filed(&|d| d == date(2019, 9, 19)).is_empty());
    // A single date, month or year is the whole period.
    assert_eq!(s.found("filed:2013-01-02"), filed(&|d| d == from));
    assert_eq!(
        s.found("filed:2012-10"),
        filed(&|d| d >= date(2012, 10, 1) && d <= date(2012, 10, 31))
    );
    let published =
        |pred: &dyn Fn(NaiveDate) -> bool| s.expected(|r| r.publication_date.is_some_and(pred));
    let in_2013 = published(&|d| d.format("%Y").to_string() == "2013");
    assert!(in_2013.len() >= 10);
    assert_eq!(s.found("published:2013"), in_2013);
    assert_eq!(s.found("publication:2013"), in_2013);
    assert_eq!(
        s.found("published:[2012 TO 2013]"),
        published(&|d| d >= date(2012, 1, 1) && d <= date(2013, 12, 31))
    );
    let priority =
        |pred: &dyn Fn(NaiveDate) -> bool| s.expected(|r| r.priority_date().is_some_and(pred));
    assert_eq!(
        s.found("priority:2008"),
        priority(&|d| d >= date(2008, 1, 1) && d <= date(2008, 12, 31))
    );
    // Combined with words.
    assert_eq!(
        s.found("lithium AND filed:[2013-01-02 TO 2013-01-04]"),
        inter(&with_word(LITHIUM), &inclusive)
    );
}

#[test]
fn before_and_after_are_strict() {
    let s = shared();
    let filed =
        |pred: &dyn Fn(NaiveDate) -> bool| s.expected(|r| r.filing_date().is_some_and(pred));
    let edge = date(2013, 1, 2);
    assert!(!filed(&|d| d == edge).is_empty());
    let before = filed(&|d| d < edge);
    assert!(!before.is_empty());
    assert_eq!(s.found("before:filing:2013-01-02"), before);
    assert_eq!(s.found("before:filed:20130102"), before);
    let late = date(2013, 1, 20);
    assert!(!filed(&|d| d == late).is_empty());
    let after = filed(&|d| d > late);
    assert!(!after.is_empty());
    assert_eq!(s.found("after:filing:2013-01-20"), after);
    // A year means the whole year: after:publication:2021 starts in 2022.
    let published =
        |pred: &dyn Fn(NaiveDate) -> bool| s.expected(|r| r.publication_date.is_some_and(pred));
    assert_eq!(
        s.found("after:publication:2021"),
        published(&|d| d >= date(2022, 1, 1))
    );
    assert_eq!(
        s.found("before:publication:2013"),
        published(&|d| d < date(2013, 1, 1))
    );
    // Without a field: the priority date.
    let priority =
        |pred: &dyn Fn(NaiveDate) -> bool| s.expected(|r| r.priority_date().is_some_and(pred));
    assert_eq!(
        s.found("before:2008-06-05"),
        priority(&|d| d < date(2008, 6, 5))
    );
    assert!(!priority(&|d| d == date(2008, 6, 5)).is_empty());
    assert_eq!(
        s.found("after:2021-02-11"),
        priority(&|d| d > date(2021, 2, 11))
    );
    assert!(!priority(&|d| d == date(2021, 2, 11)).is_empty());
}

#[test]
fn open_date_ranges_and_distant_years_do_not_break_the_search() {
    let s = shared();
    let with_filed = s.expected(|r| r.filing_date().is_some());
    assert_eq!(s.found("filed:[* TO *]"), with_filed, "filed:[* TO *]");
    assert_eq!(
        s.found("filed:[1000-01-01 TO 2008-06-05]"),
        s.expected(|r| r.filing_date().is_some_and(|d| d <= date(2008, 6, 5))),
        "filed:[1000-01-01 TO 2008-06-05]"
    );
    assert!(s.found("published:9999").is_empty(), "published:9999");
}

#[test]
fn stemming_matches_singular_and_plural() {
    let s = shared();
    // "batter" and "batters" have another stem; the guard lists them.
    assert_eq!(
        vocabulary("batter"),
        set(&["batter", "batteries", "batters", "battery"])
    );
    let forms = ["battery", "batteries"];
    let expected = with_word(&forms);
    let singular = with_word(&["battery"]);
    let plural = with_word(&["batteries"]);
    assert!(!minus(&singular, &plural).is_empty() && !minus(&plural, &singular).is_empty());
    assert_eq!(s.found("battery"), expected);
    assert_eq!(s.found("batteries"), expected);
    assert!(
        !minus(&with_word(&["batter", "batters"]), &expected).is_empty(),
        "a document with only `batter` exists, and is not found"
    );
    assert_eq!(s.found("sensors"), with_word(SENSOR));
    // Phrases are stemmed too.
    assert_eq!(s.found("\"lithium ions\""), s.found("\"lithium ion\""));
}

#[test]
fn words_without_letters_or_digits_are_not_searched() {
    let s = shared();
    // Punctuation around a word does not change it.
    assert_eq!(s.found("lithium,"), with_word(LITHIUM));
    assert_eq!(s.found("lithium , glucose"), s.found("lithium glucose"));
}

#[test]
fn field_boosts_choose_the_fields_a_bare_word_searches() {
    let s = shared();
    let only_title = s.index.clone().with_config(KeywordConfig {
        boosts: patsearch_keyword::FieldBoosts {
            title: 1.0,
            abstract_text: 0.0,
            claims: 0.0,
            description: 0.0,
        },
        ..KeywordConfig::default()
    });
    let found: BTreeSet<String> = only_title
        .candidates("sensor", &Filters::default(), 1000, &Cancellation::never())
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let expected = s.expected_words(|t| t.has(&[Field::Title], SENSOR));
    assert!(!expected.is_empty());
    assert_eq!(found, expected);
    // A field prefix still reaches its field.
    let found: BTreeSet<String> = only_title
        .candidates(
            "abstract:sensor",
            &Filters::default(),
            1000,
            &Cancellation::never(),
        )
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        found,
        s.expected_words(|t| t.has(&[Field::Abstract], SENSOR))
    );
}

#[test]
fn an_excluded_phrase_removes_only_the_documents_with_the_phrase() {
    let s = shared();
    let glucose = with_word(GLUCOSE);
    let phrase = s.expected_words(|t| t.adjacent(&TEXT_FIELDS, &["blood", "blooded"], GLUCOSE));
    let expected = minus(&glucose, &phrase);
    assert!(!phrase.is_empty() && !expected.is_empty());
    assert_eq!(s.found("glucose -\"blood glucose\""), expected, "-\"…\"");
    assert_eq!(
        s.found("glucose NOT \"blood glucose\""),
        expected,
        "NOT \"…\""
    );
    assert_eq!(
        s.found("-\"blood glucose\""),
        minus(&all_docs(), &phrase),
        "an excluded phrase alone"
    );
}
