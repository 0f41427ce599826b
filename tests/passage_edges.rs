//! Patents of unusual shape index, search and chart without error: no
//! description, no claims, a 2,000-paragraph description, one-word
//! paragraphs, a title and nothing else; and a pasted claim of 20,000
//! characters is cut to its first elements with a message saying so.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use serde_json::{json, Value};

struct Fixture {
    _dir: tempfile::TempDir,
    index: PathBuf,
}

fn claim(number: u32, text: &str, depends_on: &[u32]) -> Value {
    json!({"number": number, "text": text, "depends_on": depends_on})
}

fn paragraphs(texts: impl IntoIterator<Item = String>) -> Value {
    Value::Array(texts.into_iter().map(|t| json!({"text": t})).collect())
}

/// The unusual patents, in the canonical record shape (`assignees` tells
/// the reader so).
fn edge_records() -> Vec<Value> {
    vec![
        json!({
            "assignees": [],
            "publication_number": "US9900001", "country": "US",
            "title": "Charging pad with an aligned transmitter coil",
            "abstract": "A charging pad transfers power inductively to a phone placed on it through a transmitter coil that is aligned with the receiver coil of the phone.",
            "claims": [
                claim(1, "A charging pad comprising: a transmitter coil; a sensor detecting a phone placed on the pad; and a driver energising the coil when the phone is detected.", &[]),
                claim(2, "The charging pad of claim 1, wherein the coil is moved under the phone by a motor.", &[1]),
                claim(3, "(canceled)", &[]),
            ],
        }),
        json!({
            "assignees": [],
            "publication_number": "US9900002", "country": "US",
            "title": "Robot that cleans solar panels",
            "abstract": "A robot travels along a row of solar panels and wipes dust from them with a rotating brush, drawing its power from the panels.",
            "description": paragraphs([
                "The present invention relates to the maintenance of photovoltaic installations, and more particularly to a robot that removes dust from solar panels without water.".to_string(),
                "In one embodiment the robot runs on rails fixed to the frame of the panel row and turns a brush of soft bristles against the glass as it moves.".to_string(),
            ]),
        }),
        json!({
            "assignees": [],
            "publication_number": "US9900003", "country": "US",
            "title": "Bicycle derailleur with electronic shifting",
            "abstract": "An electronic rear derailleur moves the chain across the sprockets of a bicycle cassette when the rider presses a shift button on the handlebar.",
            "description": paragraphs((0..2000).map(|i| format!(
                "In embodiment {i} the derailleur motor moves the chain guide by one sprocket pitch when the controller receives shift command number {i} from the handlebar button."
            ))),
        }),
        json!({
            "assignees": [],
            "publication_number": "US9900004", "country": "US",
            "title": "Ultrasonic humidifier with a refillable tank",
            "abstract": "An ultrasonic transducer turns water from a refillable tank into a fine mist that a fan blows into the room.",
            "description": paragraphs((0..300).map(|i| if i % 2 == 0 { "Yes.".to_string() } else { "Mist".to_string() })),
        }),
        json!({
            "assignees": [],
            "publication_number": "US9900005", "country": "US",
            "title": "Coffee grinder with adjustable conical burrs",
        }),
    ]
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus.jsonl");
        write_corpus_lines(&corpus, 0, 40);
        let edges = dir.path().join("edges.jsonl");
        let lines: Vec<String> = edge_records().iter().map(Value::to_string).collect();
        std::fs::write(&edges, lines.join("\n") + "\n").unwrap();
        let index = dir.path().join("index");
        ingest_with_model(&index, &[corpus, edges], None);
        Fixture { _dir: dir, index }
    })
}

fn run(index: &Path, args: &[&str]) -> std::process::Output {
    patsearch()
        .args(args)
        .arg("--index")
        .arg(index)
        .arg("--model")
        .arg(model_dir())
        .output()
        .unwrap()
}

fn run_json(index: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let output = run(index, &all);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn patents_of_every_shape_are_found_by_every_mode() {
    let index = &fixture().index;
    for record in edge_records() {
        let number = record["publication_number"].as_str().unwrap();
        let title = record["title"].as_str().unwrap();
        for mode in ["keyword", "semantic", "hybrid"] {
            let results = run_json(index, &["search", title, "--mode", mode, "--limit", "3"]);
            let numbers = hit_numbers(&results);
            assert!(
                numbers.iter().any(|n| n.starts_with(number)),
                "{mode} search for {title:?} does not find {number} in its top 3: {numbers:?}"
            );
        }
    }
}

#[test]
fn a_long_description_is_read_for_its_first_paragraphs_only() {
    // A passage of the 2,000-paragraph patent that a search can credit is
    // one of its budget of paragraphs, not the 1,999th.
    let index = &fixture().index;
    let results = run_json(
        index,
        &[
            "search",
            "derailleur motor moves the chain guide by one sprocket pitch",
            "--mode",
            "semantic",
            "--limit",
            "1",
        ],
    );
    let hit = &results["hits"][0];
    assert!(
        hit["publication_number"]
            .as_str()
            .unwrap()
            .starts_with("US9900003"),
        "{results}"
    );
    let paragraph = hit["semantic"]["passage"]["kind"]["description"]
        .as_u64()
        .unwrap_or_else(|| panic!("the best passage is a description paragraph: {hit}"));
    assert!(
        paragraph < 3,
        "matched paragraph {paragraph}, past the default budget of 3: {hit}"
    );
    let text = hit["semantic"]["text"].as_str().unwrap();
    assert!(text.contains(&format!("embodiment {paragraph} ")), "{hit}");
}

#[test]
fn a_pasted_claim_of_20000_characters_is_cut_to_its_first_elements_with_a_message() {
    let index = &fixture().index;
    let mut claim = String::from("A charging system comprising: ");
    let mut i = 0;
    while claim.chars().count() < 19_900 {
        claim.push_str(&format!(
            "a transmitter coil number {i} energised by a driver circuit when a phone rests on the pad; "
        ));
        i += 1;
    }
    let file = fixture()._dir.path().join("long-claim.txt");
    std::fs::write(&file, &claim).unwrap();
    let file = file.to_str().unwrap();

    let results = run_json(index, &["prior-art", "--file", file]);
    let searched = results["elements"].as_array().unwrap().len();
    let dropped = results["elements_dropped"].as_u64().unwrap() as usize;
    assert!(
        searched > 0 && dropped > 0,
        "{searched} searched, {dropped} dropped"
    );
    assert!(searched + dropped > 200, "every element is counted");
    let numbers = hit_numbers(&results);
    assert!(
        numbers.iter().any(|n| n.starts_with("US9900001")),
        "the charging pad is among the hits: {numbers:?}"
    );

    let text = run(index, &["prior-art", "--file", file]);
    assert!(text.status.success(), "{}", stderr(&text));
    let out = stdout(&text);
    assert!(
        out.contains(&format!("{dropped} more not searched")),
        "the cut is said: {out}"
    );
}
