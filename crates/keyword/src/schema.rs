//! The tantivy schema for patents, its analyzers, and record -> document.

use chrono::NaiveDate;
pub(crate) use patsearch_record::classification::code_steps;
use patsearch_record::classification::subclass;
use patsearch_record::{compact_code, family_keys, name_words, PatentRecord, TextSignature};
use tantivy::schema::{
    DateOptions, Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing,
    TextOptions, FAST, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, PreTokenizedString, RawTokenizer, RemoveLongFilter,
    SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer, TextAnalyzerBuilder, Token, Tokenizer,
};
use tantivy::{DateTime, Index, TantivyDocument};

/// Bumped whenever the schema or an analyzer changes meaning; an index with
/// another version is refused with advice to rebuild.
///
/// 3: unstemmed companions of the prose fields for wildcards (`title_words`
/// …), and `assignee_words` (each assignee's words as `name_words` makes
/// them) for the assignee filter.
/// 4: the title is also a fast (columnar) field, so a page of hits reads
/// titles without decompressing document-store blocks of whole records.
/// 5: `claims_starts` and `description_starts`, where each claim and
/// paragraph starts among its field's token positions, so that snippets find
/// their passage from the postings instead of re-reading the text; string
/// fast-field dictionaries without zstd blocks (see the workspace manifest);
/// the stored record is text, not bytes.
/// 6: family evidence: `family_keys` (the applications a record names,
/// `patsearch_record::family_keys`), `text_bands` and `text_signature` (the
/// MinHash signature of its description and its band tokens).
/// 7: `gist`, the one sentence that says what the patent is
/// (`patsearch_summary::gist`), as a fast column a page of hits reads like
/// the title.
pub const SCHEMA_VERSION: u32 = 7;

/// English words, lower-cased, accents folded, Porter-stemmed: patent prose.
pub(crate) const STEMMED: &str = "patsearch_en_stem";
/// Words lower-cased and accent-folded, not stemmed: names, and wildcard terms.
pub(crate) const WORDS: &str = "patsearch_words";
/// The whole value lower-cased: exact names.
pub(crate) const EXACT: &str = "patsearch_exact";
/// [`WORDS`] without English stop words (Lucene's list, as tantivy ships
/// it). Query side only: a word this drops is a stop word (see
/// [`crate::compile`]); the index keeps every word, so phrases still match.
pub(crate) const CONTENT_WORDS: &str = "patsearch_content_words";

/// The language of the stemmed fields.
const STEM_LANGUAGE: Language = Language::English;

/// Words as every analyzer of prose starts: split on what is not a letter
/// or digit, over-long tokens dropped, lower-cased, accents folded.
fn words() -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
}

/// Registers the analyzers the schema names. Tantivy does not persist custom
/// analyzers, so this runs on every open.
pub(crate) fn register_analyzers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(STEMMED, words().filter(Stemmer::new(STEM_LANGUAGE)).build());
    manager.register(WORDS, words().build());
    manager.register(
        CONTENT_WORDS,
        words()
            .filter(
                StopWordFilter::new(STEM_LANGUAGE)
                    .unwrap_or_else(|| StopWordFilter::remove(Vec::new())),
            )
            .build(),
    );
    manager.register(
        EXACT,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

/// Handles to every field of the schema.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Full publication number with kind (`US8799651B2`): the upsert key.
    pub pn: Field,
    /// Without kind (`US8799651`): what people look up.
    pub pn_base: Field,
    pub title: Field,
    /// The sentence a hit shows to say what the patent is.
    pub gist: Field,
    pub abstract_text: Field,
    pub claims: Field,
    pub description: Field,
    /// The prose fields again as words as written (lower-cased and
    /// accent-folded, not stemmed), matched only by wildcards: a stem is not a
    /// prefix of every form of its word (`charges` is indexed as `charg`), so
    /// `charge*` over stems would miss it.
    pub title_words: Field,
    pub abstract_words: Field,
    pub claims_words: Field,
    pub description_words: Field,
    pub assignee: Field,
    pub assignee_exact: Field,
    /// Each assignee's words exactly as `patsearch_record::name_words` makes
    /// them (lower-cased, not accent-folded): the assignee filter's candidate
    /// documents, which it then checks against the names themselves.
    pub assignee_words: Field,
    pub inventor: Field,
    pub inventor_exact: Field,
    pub cpc: Field,
    pub ipc: Field,
    /// CPC subclasses (`G06F`) as a fast field, for facet counts.
    pub cpc_subclass: Field,
    pub country: Field,
    pub kind: Field,
    pub filed: Field,
    pub published: Field,
    pub priority: Field,
    /// The token position at which each claim starts in `claims` (a fast
    /// multi-valued column, in claim order; see [`value_starts`]).
    pub claims_starts: Field,
    /// The applications the record names (see `patsearch_record::family_keys`).
    pub family_keys: Field,
    /// One token per band of the description's MinHash signature.
    pub text_bands: Field,
    /// The signature itself, to check a pair that shares a band.
    pub text_signature: Field,
    /// The token position at which each paragraph starts in `description`.
    pub description_starts: Field,
    /// The canonical record as JSON, for retrieval and snippets.
    pub record: Field,
}

fn text(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

/// Words matched only as a set (wildcard expansion, filters): no
/// frequencies, positions or norms, since nothing scores on them.
fn unscored(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    )
}

fn exact() -> TextOptions {
    TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(EXACT)
                .set_index_option(IndexRecordOption::Basic),
        )
        // Facet counts show names as written.
        .set_fast("raw")
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let date = DateOptions::default().set_indexed().set_fast();
    let fields = Fields {
        pn: b.add_text_field("pn", STRING | FAST),
        pn_base: b.add_text_field("pn_base", STRING),
        // A fast column as written, so a page of hits shows titles without
        // reading the document store (whose blocks hold whole records).
        title: b.add_text_field("title", text(STEMMED).set_stored().set_fast("raw")),
        // Not searched: shown under each hit's title, read like it.
        gist: b.add_text_field("gist", TextOptions::default().set_fast("raw")),
        abstract_text: b.add_text_field("abstract", text(STEMMED)),
        claims: b.add_text_field("claims", text(STEMMED)),
        description: b.add_text_field("description", text(STEMMED)),
        title_words: b.add_text_field("title_words", unscored(WORDS)),
        abstract_words: b.add_text_field("abstract_words", unscored(WORDS)),
        claims_words: b.add_text_field("claims_words", unscored(WORDS)),
        description_words: b.add_text_field("description_words", unscored(WORDS)),
        assignee: b.add_text_field("assignee", text(WORDS)),
        assignee_exact: b.add_text_field("assignee_exact", exact()),
        // Filled with pre-tokenized `name_words`; the analyzer named here
        // never runs.
        assignee_words: b.add_text_field("assignee_words", unscored(EXACT)),
        inventor: b.add_text_field("inventor", text(WORDS)),
        inventor_exact: b.add_text_field("inventor_exact", exact()),
        cpc: b.add_facet_field("cpc", FacetOptions::default()),
        ipc: b.add_facet_field("ipc", FacetOptions::default()),
        cpc_subclass: b.add_text_field("cpc_subclass", STRING | FAST),
        country: b.add_text_field("country", STRING | FAST),
        kind: b.add_text_field("kind", STRING | FAST),
        filed: b.add_date_field("filed", date.clone()),
        published: b.add_date_field("published", date.clone()),
        priority: b.add_date_field("priority", date),
        claims_starts: b.add_u64_field("claims_starts", FAST),
        description_starts: b.add_u64_field("description_starts", FAST),
        family_keys: b.add_text_field("family_keys", STRING | FAST),
        text_bands: b.add_text_field("text_bands", STRING),
        text_signature: b.add_bytes_field("text_signature", FAST),
        // Stored text rather than bytes: tantivy reads stored bytes back one
        // byte at a time (6% of a hybrid request's CPU under load), text in
        // one copy.
        record: b.add_text_field("record", STORED),
    };
    (b.build(), fields)
}

impl Fields {
    /// Reads the handles back from an existing index's schema.
    pub(crate) fn from_schema(schema: &Schema) -> tantivy::Result<Self> {
        let f = |name: &str| schema.get_field(name);
        Ok(Self {
            pn: f("pn")?,
            pn_base: f("pn_base")?,
            title: f("title")?,
            gist: f("gist")?,
            abstract_text: f("abstract")?,
            claims: f("claims")?,
            description: f("description")?,
            title_words: f("title_words")?,
            abstract_words: f("abstract_words")?,
            claims_words: f("claims_words")?,
            description_words: f("description_words")?,
            assignee: f("assignee")?,
            assignee_exact: f("assignee_exact")?,
            assignee_words: f("assignee_words")?,
            inventor: f("inventor")?,
            inventor_exact: f("inventor_exact")?,
            cpc: f("cpc")?,
            ipc: f("ipc")?,
            cpc_subclass: f("cpc_subclass")?,
            country: f("country")?,
            kind: f("kind")?,
            filed: f("filed")?,
            published: f("published")?,
            priority: f("priority")?,
            claims_starts: f("claims_starts")?,
            description_starts: f("description_starts")?,
            family_keys: f("family_keys")?,
            text_bands: f("text_bands")?,
            text_signature: f("text_signature")?,
            record: f("record")?,
        })
    }
}

pub(crate) fn date_value(date: NaiveDate) -> DateTime {
    // Tantivy keeps dates as i64 nanoseconds (years 1678 to 2261): clamp
    // query bounds such as `before:0001` or `[* TO 9999]` into that span.
    let lowest = NaiveDate::from_ymd_opt(1700, 1, 1).expect("valid date");
    let highest = NaiveDate::from_ymd_opt(2200, 12, 31).expect("valid date");
    let date = date.clamp(lowest, highest);
    let secs = date
        .and_hms_opt(0, 0, 0)
        .map(|dt| dt.and_utc().timestamp())
        .unwrap_or_default();
    DateTime::from_timestamp_secs(secs)
}

pub(crate) fn date_of(value: DateTime) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp(value.into_timestamp_secs(), 0).map(|dt| dt.date_naive())
}

/// The facet path of a classification code: each level of the hierarchy is
/// one step, so a prefix at any level matches every code below it.
/// `G06F16/245` -> `/G/G06/G06F/G06F16/G06F16:245`.
pub(crate) fn code_facet(code: &str) -> Option<Facet> {
    let code = compact_code(code);
    let steps = code_steps(&code)?;
    Some(Facet::from_path(steps))
}

/// `name`'s words as `name_words` makes them, so that the assignee filter's
/// terms (from `name_words` too) find every document `Filters::matches`
/// accepts, whatever the analyzers do (they fold accents, and drop long words).
fn name_word_tokens(name: &str) -> PreTokenizedString {
    let tokens = name_words(name)
        .into_iter()
        .enumerate()
        .map(|(position, text)| Token {
            position,
            text,
            ..Token::default()
        })
        .collect();
    PreTokenizedString {
        text: name.to_string(),
        tokens,
    }
}

/// The token position at which each of a multi-valued text field's values
/// starts, as tantivy numbers them: a value's positions follow on from the
/// previous value's last token, one apart (its `POSITION_GAP`), whatever
/// tokens the analyzer dropped. `words` must make the same tokens at the same
/// positions as the field's analyzer (`WORDS` does for `STEMMED`: stemming
/// rewrites words but never drops or adds one); a test holds the starts to
/// the positions tantivy stores.
pub(crate) fn value_starts<'a>(
    words: &mut TextAnalyzer,
    values: impl IntoIterator<Item = &'a str>,
) -> Vec<u64> {
    let mut starts = Vec::new();
    let mut next: u64 = 0;
    for text in values {
        starts.push(next);
        let mut end = next;
        let mut stream = words.token_stream(text);
        while stream.advance() {
            let token = stream.token();
            end = end.max(next + (token.position + token.position_length) as u64);
        }
        next = end + 1;
    }
    starts
}

/// The value (from 0) that the token at `position` belongs to, given
/// [`value_starts`].
pub(crate) fn value_at(starts: &[u64], position: u32) -> usize {
    starts
        .partition_point(|&s| s <= u64::from(position))
        .saturating_sub(1)
}

/// A gist is shown whole on a result line: longer sentences are cut at a
/// word boundary and marked.
pub const MAX_GIST_CHARS: usize = 300;

/// What a hit shows under its title: the sentence of the description that
/// best says what the invention is, else the abstract's first sentence
/// (a record with no description worth quoting), else nothing.
fn gist_of(record: &PatentRecord) -> String {
    let sentence = patsearch_summary::gist(record)
        .map(|s| s.text)
        .or_else(|| {
            patsearch_summary::split_sentences(&record.abstract_text)
                .first()
                .map(|s| s.text(&record.abstract_text).to_string())
        })
        .unwrap_or_default();
    let sentence = sentence.trim();
    if sentence.chars().count() <= MAX_GIST_CHARS {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(MAX_GIST_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':']))
}

/// The tantivy document for a record; `words` is the `WORDS` analyzer.
pub(crate) fn to_document(
    fields: &Fields,
    record: &PatentRecord,
    words: &mut TextAnalyzer,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.pn, record.publication_number.to_string());
    doc.add_text(fields.pn_base, record.publication_number.base());
    doc.add_text(fields.title, &record.title);
    doc.add_text(fields.gist, gist_of(record));
    doc.add_text(fields.title_words, &record.title);
    doc.add_text(fields.abstract_text, &record.abstract_text);
    doc.add_text(fields.abstract_words, &record.abstract_text);
    for claim in &record.claims {
        doc.add_text(fields.claims, &claim.text);
        doc.add_text(fields.claims_words, &claim.text);
    }
    for paragraph in &record.description {
        doc.add_text(fields.description, &paragraph.text);
        doc.add_text(fields.description_words, &paragraph.text);
    }
    for start in value_starts(words, record.claims.iter().map(|c| c.text.as_str())) {
        doc.add_u64(fields.claims_starts, start);
    }
    for start in value_starts(words, record.description.iter().map(|p| p.text.as_str())) {
        doc.add_u64(fields.description_starts, start);
    }
    for key in family_keys(record) {
        doc.add_text(fields.family_keys, key);
    }
    if let Some(signature) = TextSignature::of_description(record) {
        for band in signature.band_tokens() {
            doc.add_text(fields.text_bands, band);
        }
        doc.add_bytes(fields.text_signature, &signature.to_bytes());
    }
    for party in &record.assignees {
        doc.add_text(fields.assignee, &party.name);
        doc.add_text(fields.assignee_exact, &party.name);
        doc.add_pre_tokenized_text(fields.assignee_words, name_word_tokens(&party.name));
    }
    for party in &record.inventors {
        doc.add_text(fields.inventor, &party.name);
        doc.add_text(fields.inventor_exact, &party.name);
    }
    let mut subclasses: Vec<String> = Vec::new();
    for code in &record.cpc {
        if let Some(facet) = code_facet(&code.code) {
            doc.add_facet(fields.cpc, facet);
        }
        if let Some(subclass) = subclass(&code.code) {
            if !subclasses.contains(&subclass) {
                subclasses.push(subclass);
            }
        }
    }
    for subclass in subclasses {
        doc.add_text(fields.cpc_subclass, subclass);
    }
    for code in &record.ipc {
        if let Some(facet) = code_facet(&code.code) {
            doc.add_facet(fields.ipc, facet);
        }
    }
    doc.add_text(fields.country, record.country.to_ascii_uppercase());
    if let Some(kind) = &record.kind {
        doc.add_text(fields.kind, kind.to_ascii_uppercase());
    }
    if let Some(d) = record.filing_date() {
        doc.add_date(fields.filed, date_value(d));
    }
    if let Some(d) = record.publication_date {
        doc.add_date(fields.published, date_value(d));
    }
    if let Some(d) = record.priority_date() {
        doc.add_date(fields.priority, date_value(d));
    }
    let json = serde_json::to_string(record).expect("a record always serialises");
    doc.add_text(fields.record, json);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use tantivy::postings::Postings;
    use tantivy::schema::Value;
    use tantivy::DocSet;

    fn analyzers() -> (Index, TextAnalyzer, TextAnalyzer) {
        let (schema, _) = build_schema();
        let index = Index::create_in_ram(schema);
        register_analyzers(&index);
        let get = |name: &str| index.tokenizers().get(name).expect("registered");
        let (words, stemmed) = (get(WORDS), get(STEMMED));
        (index, words, stemmed)
    }

    fn positions(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = stream.token();
            out.push((token.text.clone(), token.position));
        }
        out
    }

    /// `value_starts` runs `WORDS` for the `STEMMED` fields: the two must
    /// make their tokens at the same positions.
    #[test]
    fn stemmed_words_sit_where_their_words_do() {
        let (_, mut words, mut stemmed) = analyzers();
        let text = "The BATTERIES of Köhler's charging-stations; ½ y ΟΔΟΣ 42nd \
                    supercalifragilisticexpialidociousnessandmoreandmoreletters end";
        let at = |tokens: Vec<(String, usize)>| tokens.into_iter().map(|t| t.1).collect::<Vec<_>>();
        let (w, s) = (positions(&mut words, text), positions(&mut stemmed, text));
        assert!(w.iter().any(|(t, _)| t == "batteries"));
        assert!(s.iter().any(|(t, _)| t == "batteri"));
        assert_eq!(at(w), at(s));
    }

    #[test]
    fn values_are_found_from_their_starts() {
        let starts = [0, 5, 6, 12];
        let values: Vec<usize> = [0, 4, 5, 6, 11, 12, 400]
            .map(|p| value_at(&starts, p))
            .to_vec();
        assert_eq!(values, [0, 0, 1, 2, 2, 3, 3]);
        assert_eq!(value_at(&[], 3), 0);
    }

    /// Where `value_starts` says each claim and paragraph starts is where
    /// tantivy puts it: every position tantivy stores for every term of a
    /// document's claims and description is that term's position in the
    /// value `value_at` names, on real grants, real corpus descriptions, and
    /// values that are empty or only a dropped (over-long) word.
    #[test]
    fn value_starts_are_where_tantivy_puts_each_value() {
        let patents = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/patents/uspto-patentpublicdata-samples/xml2014");
        let mut records = Vec::new();
        patsearch_ingest::run(
            &[patents],
            &patsearch_ingest::IngestOptions::default(),
            &patsearch_ingest::Progress::default(),
            |event| {
                if let patsearch_ingest::Event::Record(record) = event {
                    records.push(*record);
                }
            },
        );
        assert!(records.iter().filter(|r| r.claims.len() > 5).count() >= 3);
        for (i, v) in crate::test_corpus::first_records(12).iter().enumerate() {
            let mut r =
                PatentRecord::new(format!("US{}B2", 1_000_000 + i).parse().expect("number"));
            for p in v["description"].as_str().unwrap_or_default().split("\n\n") {
                r.description.push(patsearch_record::Paragraph {
                    text: p.into(),
                    ..Default::default()
                });
            }
            records.push(r);
        }
        let mut odd = PatentRecord::new("US999B2".parse().expect("number"));
        let long = "x".repeat(60);
        for (n, text) in [
            "first claim",
            "",
            &long,
            "claim after",
            "",
            "",
            "the last claim",
        ]
        .into_iter()
        .enumerate()
        {
            odd.claims.push(patsearch_record::Claim {
                number: n as u32 + 1,
                text: text.into(),
                depends_on: Vec::new(),
            });
        }
        records.push(odd);

        let (index, _, mut stemmed) = analyzers();
        let fields = Fields::from_schema(&index.schema()).expect("fields");
        let mut writer =
            crate::KeywordWriter::new(&index, fields.clone(), 50_000_000).expect("writer");
        for record in &records {
            writer.upsert(record).expect("upsert");
        }
        writer.finish().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let mut checked = 0;
        for segment in searcher.segment_readers() {
            let store = segment.get_store_reader(1).expect("store");
            for doc in 0..segment.max_doc() {
                let stored: TantivyDocument = store.get(doc).expect("doc");
                let json = stored
                    .get_first(fields.record)
                    .and_then(|v| v.as_str())
                    .expect("record");
                let record: PatentRecord = serde_json::from_str(json).expect("json");
                let claims: Vec<&str> = record.claims.iter().map(|c| c.text.as_str()).collect();
                let paragraphs: Vec<&str> =
                    record.description.iter().map(|p| p.text.as_str()).collect();
                for (field, starts_field, values) in [
                    (fields.claims, "claims_starts", claims),
                    (fields.description, "description_starts", paragraphs),
                ] {
                    let starts: Vec<u64> = segment
                        .fast_fields()
                        .u64(starts_field)
                        .expect("column")
                        .values_for_doc(doc)
                        .collect();
                    assert_eq!(starts.len(), values.len());
                    let mut expected: HashMap<String, Vec<u32>> = HashMap::new();
                    for (v, text) in values.iter().enumerate() {
                        for (term, position) in positions(&mut stemmed, text) {
                            expected
                                .entry(term)
                                .or_default()
                                .push(starts[v] as u32 + position as u32);
                        }
                    }
                    let inverted = segment.inverted_index(field).expect("inverted index");
                    for (term, want) in expected {
                        let mut postings = inverted
                            .read_postings(
                                &tantivy::Term::from_field_text(field, &term),
                                IndexRecordOption::WithFreqsAndPositions,
                            )
                            .expect("postings")
                            .expect("the term is indexed");
                        postings.seek(doc);
                        assert_eq!(postings.doc(), doc);
                        let mut stored = Vec::new();
                        postings.positions(&mut stored);
                        assert_eq!(stored, want, "{term} in {}", record.publication_number);
                        for &p in &stored {
                            assert!(value_at(&starts, p) < values.len());
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked} terms checked");
    }

    /// The assignee filter finds its candidates by `name_words` terms, so
    /// the index must hold exactly those words of each name, accents and
    /// long words included (the analyzers fold the first and drop the
    /// second).
    #[test]
    fn assignee_words_are_name_words() {
        let name = "Inter Control Hermann Köhler GmbH & Co. KG ΟΔΟΣ";
        let tokens: Vec<String> = name_word_tokens(name)
            .tokens
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(tokens, name_words(name));
        assert!(tokens.contains(&"köhler".to_string()));
    }

    #[test]
    fn dates_round_trip() {
        let d = NaiveDate::from_ymd_opt(2013, 1, 1).unwrap();
        assert_eq!(date_of(date_value(d)), Some(d));
    }
}
