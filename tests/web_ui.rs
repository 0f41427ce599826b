//! End-to-end test of the web page: the real `patsearch serve` over a small
//! index of real documents (as in `http_api.rs`), driven in headless
//! Chromium through chromedriver's W3C WebDriver HTTP API.
//!
//! Needs Debian's `chromium` and `chromium-driver` packages
//! (`apt-get install chromium chromium-driver`, as `.ci/run` does); without
//! them the test fails and says so.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{ingest_corpus_and_grants, largest_family, spawn_server, KillOnDrop};

use serde_json::{json, Value};

const CORPUS_DOCS: usize = 120;
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// An index of the first corpus documents and four full-text grants, built
/// with `patsearch ingest`, and its canonical records.
fn build_index(tmp: &Path) -> (PathBuf, Vec<Value>) {
    let (index, records) = ingest_corpus_and_grants(tmp, CORPUS_DOCS);
    assert_eq!(records.len(), CORPUS_DOCS + 4);
    (index, records)
}

/// A running `patsearch serve`; its base URL.
fn start_server(index: &Path, tmp: &Path) -> (KillOnDrop, String) {
    spawn_server(index, &[], &[], &tmp.join("serve-stderr.log"))
}

/// A chromedriver process and one browser session, both ended when dropped.
struct Browser {
    agent: ureq::Agent,
    session: String,
    base: String,
    _driver: KillOnDrop,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).is_file(),
                "{path} not found: this test drives the web page in headless Chromium; \
                 install it with `apt-get install chromium chromium-driver` (as .ci/run does; \
                 package {package})"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let driver = KillOnDrop(driver);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = agent
                .get(format!("{base}/status"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--window-size=1280,1024",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let reply = send(&agent, "POST", &format!("{base}/session"), Some(&caps));
        let session = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {reply}"))
            .to_string();
        Browser {
            agent,
            session,
            base,
            _driver: driver,
            _profile: profile,
        }
    }

    /// A WebDriver command of this session; its `value`.
    fn cmd(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let reply = send(&self.agent, method, &url, body);
        assert!(
            reply["value"].get("error").is_none(),
            "WebDriver {method} {path}: {reply}"
        );
        reply["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(&json!({"url": url})));
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        let found = self.cmd(
            "POST",
            "/elements",
            Some(&json!({"using": "css selector", "value": css})),
        );
        found
            .as_array()
            .unwrap_or_else(|| panic!("elements {css}: {found}"))
            .iter()
            .map(|e| {
                e[ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("element {css}: {e}"))
                    .to_string()
            })
            .collect()
    }

    fn find(&self, css: &str) -> String {
        let found = self.find_all(css);
        assert!(!found.is_empty(), "no element matches {css}");
        found[0].clone()
    }

    fn click(&self, element: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        );
    }

    fn type_text(&self, element: &str, text: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({"text": text})),
        );
    }

    fn attribute(&self, element: &str, name: &str) -> Value {
        self.cmd("GET", &format!("/element/{element}/attribute/{name}"), None)
    }

    fn text(&self, element: &str) -> String {
        self.cmd("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Runs `script` in the page; what it returns.
    fn eval(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
    }

    /// Polls `check` for up to 20 s until it gives a value.
    fn wait_for<T>(&self, what: &str, mut check: impl FnMut(&Browser) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(v) = check(self) {
                return v;
            }
            if Instant::now() >= deadline {
                let page = self.eval(
                    "return document.getElementById('status').textContent + ' | error: ' \
                     + document.getElementById('error').textContent",
                );
                panic!("timed out waiting for {what}; page status: {page}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types `query`, picks `mode`, clicks Search and waits for the hits;
    /// their publication numbers.
    fn search(&self, query: &str, mode: &str) -> Vec<String> {
        let q = self.find("#q");
        self.cmd("POST", &format!("/element/{q}/clear"), Some(&json!({})));
        self.type_text(&q, query);
        self.click(&self.find(&format!("#mode option[value=\"{mode}\"]")));
        assert_eq!(
            self.eval("return document.getElementById('mode').value"),
            mode
        );
        self.click(&self.find("#search-btn"));
        // The status line names the mode of the results shown.
        self.wait_for(&format!("{mode} results"), |b| {
            let status = b.text(&b.find("#status"));
            let hits = b.find_all("li.hit");
            (status.contains(&format!("({mode},")) && !hits.is_empty()).then_some(())
        });
        self.find_all("li.hit")
            .iter()
            .map(|h| self.attribute(h, "data-pn").as_str().unwrap().to_string())
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.agent.delete(url).call();
    }
}

/// Sends a WebDriver request; the reply's JSON.
fn send(agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Value {
    let reply = match (method, body) {
        ("POST", Some(body)) => agent.post(url).send_json(body),
        ("GET", None) => agent.get(url).call(),
        ("DELETE", None) => agent.delete(url).call(),
        _ => unreachable!("{method} {url}"),
    };
    let mut reply = reply.unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
    reply
        .body_mut()
        .read_json()
        .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"))
}

#[test]
fn search_and_open_a_patent_in_the_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, records) = build_index(tmp.path());
    // A full-text grant (claims) that the search should find by its title.
    let grant = records
        .iter()
        .find(|r| r["claims"].as_array().is_some_and(|c| !c.is_empty()))
        .expect("a record with claims");
    let pn = grant["publication_number"].as_str().unwrap();
    let title = grant["title"].as_str().unwrap();
    assert!(!title.is_empty(), "{grant}");

    let (_server, base) = start_server(&index, tmp.path());
    let browser = Browser::start();
    browser.goto(&format!("{base}/"));
    assert_eq!(browser.eval("return document.title"), "patsearch");

    // Keyword mode: the title's words find the grant, highlighted.
    let hits = browser.search(title, "keyword");
    assert!(
        hits.iter().take(3).any(|h| h == pn),
        "keyword search for {title:?}: {pn} not among the first hits {hits:?}"
    );
    let marks = browser.find_all(".hit-snippet mark");
    assert!(
        !marks.is_empty(),
        "no highlighted snippet in keyword results"
    );
    assert!(!browser.text(&marks[0]).is_empty());
    let scores = browser.text(&browser.find("li.hit .hit-scores"));
    assert!(scores.contains("keyword #"), "scores: {scores:?}");
    // Each hit says what the patent is in one sentence quoted from it.
    let gists = browser.eval(
        "return Array.from(document.querySelectorAll('li.hit')).map((li) => \
         [li.dataset.pn, (li.querySelector('.hit-gist') || {}).textContent || ''])",
    );
    for pair in gists.as_array().unwrap() {
        let (number, gist) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        let record = records
            .iter()
            .find(|r| r["publication_number"] == number)
            .unwrap();
        let quoted = gist.trim_end_matches('…');
        assert!(!quoted.is_empty(), "{number}: no gist");
        assert!(
            record["description"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["text"].as_str().unwrap().contains(quoted))
                || record["abstract"].as_str().unwrap().contains(quoted),
            "{number}: gist {gist:?} is not quoted from the patent"
        );
    }

    assert!(
        browser.eval("return document.getElementById('search-note').hidden") == Value::Bool(true),
        "an English query needs no note"
    );

    // A Chinese query in hybrid mode: the page says it was ranked by meaning.
    browser.search("用于电池的冷却系统", "hybrid");
    let note = browser.text(&browser.find("#search-note"));
    assert!(note.contains("semantic side"), "note: {note:?}");

    // Semantic mode: new results, with cosine scores.
    let hits = browser.search(title, "semantic");
    assert!(
        hits.iter().take(3).any(|h| h == pn),
        "semantic search for {title:?}: {pn} not among the first hits {hits:?}"
    );
    let scores = browser.text(&browser.find("li.hit .hit-scores"));
    assert!(scores.contains("semantic #"), "scores: {scores:?}");

    // The first hit's page: its title, abstract and claims.
    let first = &hits[0];
    let expected_title = records
        .iter()
        .find(|r| r["publication_number"] == first.as_str())
        .and_then(|r| r["title"].as_str())
        .unwrap_or_else(|| panic!("{first} is not in the index"))
        .to_string();
    browser.click(&browser.find("li.hit a.hit-title"));
    browser.wait_for("the patent page", |b| {
        let t = b.text(&b.find("#patent-title"));
        (t == expected_title).then_some(())
    });
    let number = browser.text(&browser.find("#patent-number"));
    assert_eq!(&number, first);
    let path = browser.eval("return location.pathname");
    assert_eq!(path, format!("/patent/{first}"));
    let abstract_text = browser.text(&browser.find("#abstract"));
    let claims = browser.find_all("#claims li");
    assert!(
        !abstract_text.is_empty() || !claims.is_empty(),
        "{first}: neither abstract nor claims shown"
    );
    if first == pn {
        assert!(!claims.is_empty(), "{pn}: its claims are not shown");
        assert!(!browser.text(&claims[0]).is_empty());
    }

    // The patent page's summary: sentences of the record itself, each with
    // a label of its source; following a label marks the sentence there.
    let record = records
        .iter()
        .find(|r| r["publication_number"] == first.as_str())
        .unwrap();
    let sentences = browser.wait_for("the summary", |b| {
        let found = b.eval(
            "return Array.from(document.querySelectorAll('li.summary-sentence')).map((li) => \
             [li.querySelector('.sentence-text').textContent, li.dataset.section, \
              li.querySelector('.source-label').textContent])",
        );
        found.as_array().filter(|a| !a.is_empty()).cloned()
    });
    for s in &sentences {
        let (text, section) = (s[0].as_str().unwrap(), s[1].as_str().unwrap());
        let source: Vec<&str> = match section {
            "abstract" => vec![record["abstract"].as_str().unwrap()],
            "description" => record["description"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["text"].as_str().unwrap())
                .collect(),
            "claims" => record["claims"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["text"].as_str().unwrap())
                .collect(),
            other => panic!("section {other}"),
        };
        assert!(
            source.iter().any(|p| p.contains(text)),
            "summary sentence not in the {section}: {text:?}"
        );
        assert!(!s[2].as_str().unwrap().is_empty(), "{s}");
    }
    let facts = browser.text(&browser.find("#key-facts"));
    for label in [
        "Problem",
        "Solution",
        "Effect",
        "First independent claim",
        "Classification",
    ] {
        assert!(facts.contains(label), "key facts: {facts:?}");
    }
    browser.click(&browser.find("li.summary-sentence .source-label"));
    let first_sentence = sentences[0][0].as_str().unwrap().to_string();
    browser.wait_for("the quoted sentence marked in its source", |b| {
        let marked = b.eval(
            "const m = document.querySelector('.source-text.marked mark'); return m ? m.textContent : null",
        );
        (marked.as_str() == Some(first_sentence.as_str())).then_some(())
    });
    let link = browser.attribute(&browser.find("#patent-prior-art"), "href");
    assert_eq!(link, format!("/prior-art?patent={first}"));

    // The prior-art page: a claim paraphrasing US8849561 (locating a traffic
    // incident from where navigation devices left their routes) finds it
    // first, with a chart row per element.
    browser.click(&browser.find("#prior-art-link"));
    browser.wait_for("the prior-art page", |b| {
        (b.eval("return location.pathname") == "/prior-art").then_some(())
    });
    let text = browser.find("#pa-text");
    self_clear(&browser, &text);
    browser.type_text(
        &text,
        "A method for pinpointing where a traffic incident occurred, the method comprising: receiving, by a computer, data sent by a number of satellite navigation units; determining a section of a planned path between a start point and an end point of a navigation unit; detecting that the navigation unit left the planned path along that section; finding that two or more such sections overlap in a shared stretch; and reporting the shared stretch as the place of the incident.",
    );
    browser.click(&browser.find("#pa-button"));
    let hits = browser.wait_for("prior-art results", |b| {
        let hits = b.find_all("li.pa-hit");
        (!hits.is_empty()).then_some(hits)
    });
    assert_eq!(browser.attribute(&hits[0], "data-pn"), "US8849561");
    let elements = browser.find_all("#pa-elements li");
    assert_eq!(elements.len(), 6);
    let rows = browser.eval(
        "return document.querySelector('li.pa-hit table.chart').querySelectorAll('tbody tr').length",
    );
    assert_eq!(rows, 6);
    let status = browser.text(&browser.find("#pa-status"));
    assert!(status.contains("documents ranked"), "{status}");

    // The page of a patent with a family lists the family first, each
    // member saying why.
    let family = largest_family(&records);
    assert!(family.len() >= 2, "a family in the fixture: {family:?}");
    browser.goto(&format!("{base}/patent/{}", family[0]));
    let why = browser.wait_for("the family on the patent page", |b| {
        let found = b.eval(
            "return Array.from(document.querySelectorAll('li.similar-hit.related')).map((li) => \
             [li.querySelector('.similar-title').textContent, li.querySelector('.related-why').textContent])",
        );
        found.as_array().filter(|a| !a.is_empty()).cloned()
    });
    assert!(why.len() >= family.len() - 1, "{why:?}");
    for member in &why {
        assert!(
            member[1].as_str().unwrap().contains("application"),
            "{member}"
        );
    }

    // A search for the family's title shows it once, naming the others,
    // unless the link asks for every member.
    let family_title = records
        .iter()
        .find(|r| r["publication_number"] == family[0].as_str())
        .and_then(|r| r["title"].as_str())
        .unwrap()
        .to_string();
    let members_shown = |b: &Browser| -> Option<(usize, Vec<String>)> {
        let hits = b.find_all("li.hit");
        if hits.is_empty() {
            return None;
        }
        let shown = hits
            .iter()
            .filter(|h| family.contains(&b.attribute(h, "data-pn").as_str().unwrap().to_string()))
            .count();
        let named = b.eval(
            "return Array.from(document.querySelectorAll('li.hit .hit-family a.family-member')).map((a) => a.textContent)",
        );
        let named = named
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        Some((shown, named))
    };
    let query: String = url_encode(&family_title);
    browser.goto(&format!("{base}/?q={query}&mode=keyword"));
    let (shown, named) = browser.wait_for("collapsed hits", members_shown);
    assert_eq!(shown, 1, "one hit for the family");
    assert!(
        family.iter().filter(|m| named.contains(m)).count() >= family.len() - 1,
        "the hit names the other members: {named:?}"
    );
    let status = browser.text(&browser.find("#status"));
    assert!(status.contains("families"), "{status}");
    browser.goto(&format!("{base}/?q={query}&mode=keyword&members=all"));
    let (shown, _) = browser.wait_for("every member", members_shown);
    assert!(shown >= 2, "every member listed: {shown}");
    assert_eq!(
        browser.eval("return document.getElementById('f-members').checked"),
        true
    );
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn self_clear(browser: &Browser, element: &str) {
    browser.cmd(
        "POST",
        &format!("/element/{element}/clear"),
        Some(&json!({})),
    );
}
