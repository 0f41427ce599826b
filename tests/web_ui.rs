//! End-to-end test of the web page: the real `patsearch serve` over a small
//! index of real documents (as in `http_api.rs`), driven in headless
//! Chromium through chromedriver's W3C WebDriver HTTP API.
//!
//! Needs Debian's `chromium` and `chromium-driver` packages
//! (`apt-get install chromium chromium-driver`, as `.ci/run` does); without
//! them the test fails and says so.
//!
//! The index is built once; one browser session then walks the page: search
//! and a patent's page, facets and their chips, the landscape charts, the
//! export links, errors, and a narrow window. With `PATSEARCH_SCREENSHOTS=DIR`
//! (relative to the project root, e.g. `docs`) it also writes
//! `DIR/search-1400.png` and `DIR/search-375.png`: the screenshots the README
//! shows. Normal runs write nothing into the repository.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{ingest_corpus_and_grants, largest_family, root, spawn_server, KillOnDrop};

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

/// The CPC subclass title the server is given (`cpc_titles`), with
/// characters that must reach the page as text.
const H01L_TITLE: &str = "Semiconductor devices <b>& not</b> \"otherwise\" provided for";

/// A running `patsearch serve`, given a CPC title file; its base URL.
fn start_server(index: &Path, tmp: &Path) -> (KillOnDrop, String) {
    let titles = tmp.join("cpc-titles.tsv");
    std::fs::write(&titles, format!("H01L\t{H01L_TITLE}\n")).unwrap();
    spawn_server(
        index,
        &[],
        &[("PATSEARCH_CPC_TITLES", titles.to_str().unwrap())],
        &tmp.join("serve-stderr.log"),
    )
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
                    // Overlay scrollbars, as on a phone: the page has the
                    // window's whole width.
                    "--hide-scrollbars",
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
        // The status line names the mode of the results shown; the view is
        // busy from the click until they are shown.
        self.wait_for(&format!("{mode} results"), |b| {
            let status = b.text(&b.find("#status"));
            let hits = b.find_all("li.hit");
            (b.busy() == "false" && status.contains(&format!("({mode},")) && !hits.is_empty())
                .then_some(())
        });
        self.hit_numbers()
    }

    /// The search view's `aria-busy`: "true" while a search runs, "false"
    /// once its results (or its error) are shown, empty before any search.
    fn busy(&self) -> String {
        self.eval("return document.getElementById('search-view').getAttribute('aria-busy') || ''")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The publication numbers of the hits shown, in order.
    fn hit_numbers(&self) -> Vec<String> {
        strings(&self.eval(
            "return Array.from(document.querySelectorAll('li.hit')).map((li) => li.dataset.pn)",
        ))
    }

    /// Waits until the search started (by a click or a page load) has
    /// finished; the hits shown (none after an error).
    fn wait_results(&self) -> Vec<String> {
        self.wait_for("the search to finish", |b| {
            (b.busy() == "false").then_some(())
        });
        self.hit_numbers()
    }

    /// The page's query string, parsed: (name, value) pairs in order.
    fn url_params(&self) -> Vec<(String, String)> {
        let search = self.eval("return location.search");
        parse_query(search.as_str().unwrap().trim_start_matches('?'))
    }

    /// Resizes the window (the viewport, in headless Chromium).
    fn set_window(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(&json!({"width": width, "height": height})),
        );
    }

    /// A screenshot of the viewport, as PNG bytes.
    fn screenshot(&self) -> Vec<u8> {
        let png = self.cmd("GET", "/screenshot", None);
        base64_decode(png.as_str().expect("a base64 screenshot"))
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
fn the_web_page_in_a_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, records) = build_index(tmp.path());
    let (_server, base) = start_server(&index, tmp.path());
    let api = Api::new(&base);
    let browser = Browser::start();

    search_open_a_patent_and_prior_art(&browser, &base, &records);
    enter_submits_and_the_page_shows_a_search_running(&browser, &base);
    facets_filter_and_chips_remove_the_filters(&browser, &base, &api);
    facet_values_are_shown_as_text_and_kept_in_links(&browser, &base, &api);
    the_year_chart_has_a_bar_per_year_of_the_facets(&browser, &base, &api);
    export_links_give_the_hits_of_the_same_search(&browser, &base, &api);
    api_errors_are_shown_in_the_page(&browser, &base, &api);
    cpc_facets_show_the_titles_the_server_knows(&browser, &base, &api);
    the_patent_page_says_when_a_record_has_no_claims(&browser, &base, &records);
    a_narrow_window_has_no_horizontal_scroll(&browser, &base, &records);
    if let Some(dir) = std::env::var_os("PATSEARCH_SCREENSHOTS") {
        screenshots(&browser, &base, &root().join(dir));
    }
}

/// Search in three modes, a patent's page with its summary, the prior-art
/// page, and a family shown once.
fn search_open_a_patent_and_prior_art(browser: &Browser, base: &str, records: &[Value]) {
    // A full-text grant (claims) that the search should find by its title.
    let grant = records
        .iter()
        .find(|r| r["claims"].as_array().is_some_and(|c| !c.is_empty()))
        .expect("a record with claims");
    let pn = grant["publication_number"].as_str().unwrap();
    let title = grant["title"].as_str().unwrap();
    assert!(!title.is_empty(), "{grant}");

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
    self_clear(browser, &text);
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
    let family = largest_family(records);
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

/// Enter in the query box submits; while the search runs the view is
/// busy and says so.
fn enter_submits_and_the_page_shows_a_search_running(browser: &Browser, base: &str) {
    browser.goto(&format!("{base}/"));
    // Requests are held back 1.5 s, so the running state can be seen.
    browser.eval(
        "const f = window.fetch; \
         window.fetch = (...a) => new Promise((r) => setTimeout(r, 1500)).then(() => f(...a)); \
         return null",
    );
    let q = browser.find("#q");
    browser.type_text(&q, "wireless charging\u{E007}");
    assert_eq!(browser.busy(), "true", "a search runs after Enter");
    assert_eq!(browser.text(&browser.find("#status")), "Searching…");
    assert_eq!(
        browser.eval("return document.getElementById('search-btn').disabled"),
        true
    );
    let hits = browser.wait_results();
    assert!(!hits.is_empty(), "Enter found nothing");
    assert_eq!(
        param(&browser.url_params(), "q"),
        ["wireless charging"],
        "the query is in the URL"
    );
    let status = browser.text(&browser.find("#status"));
    assert!(status.starts_with("Results 1–"), "{status}");
}

/// The facet groups the page shows: per group its key, and each value's
/// value and count as shown.
fn facets_shown(browser: &Browser) -> Value {
    browser.eval(
        "return Array.from(document.querySelectorAll('#facets section.facet')).map((s) => \
         [s.dataset.facet, Array.from(s.querySelectorAll('button.facet-value')).map((b) => \
         [b.dataset.value, b.querySelector('.facet-name').textContent, \
          b.querySelector('.facet-count').textContent.replace(/,/g, ''), \
          b.getAttribute('aria-pressed')])])",
    )
}

/// Checks the facets shown against the API's for the same search.
fn assert_facets_match(browser: &Browser, facets: &Value) {
    let shown = facets_shown(browser);
    let keys: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g[0].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "cpc_subclass",
            "assignee",
            "country",
            "kind",
            "filing_year",
            "year"
        ]
    );
    for group in shown.as_array().unwrap() {
        let key = group[0].as_str().unwrap();
        let expected: Vec<(String, String)> = facets[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["value"].as_str().unwrap().to_string(),
                    e["count"].to_string(),
                )
            })
            .collect();
        let got: Vec<(String, String)> = group[1]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                // The value is shown as text, exactly.
                assert_eq!(b[0], b[1], "{b}");
                (
                    b[0].as_str().unwrap().to_string(),
                    b[2].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got, expected, "facet {key}");
    }
}

/// The facet button of `value` in group `key`.
fn facet_button(browser: &Browser, key: &str, value: &str) -> String {
    browser
        .find_all(&format!(
            "#facets section[data-facet=\"{key}\"] button.facet-value"
        ))
        .into_iter()
        .find(|b| browser.attribute(b, "data-value") == value)
        .unwrap_or_else(|| panic!("no facet value {value:?} under {key}"))
}

/// The chips' labels.
fn chips(browser: &Browser) -> Vec<String> {
    strings(&browser.eval(
        "return Array.from(document.querySelectorAll('#chips li.chip .chip-label')).map((c) => c.textContent)",
    ))
}

fn hit_numbers_of(reply: &Value) -> Vec<String> {
    reply["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["publication_number"].as_str().unwrap().to_string())
        .collect()
}

/// A search shows the facets of its results; a click on a value filters by
/// it (the hits then have it), the filter shows as a chip, is in the URL,
/// and the URL reproduces the page; the chip's "×" removes it.
fn facets_filter_and_chips_remove_the_filters(browser: &Browser, base: &str, api: &Api) {
    let query = "wireless charging";
    browser.goto(&format!("{base}/?q=wireless%20charging"));
    let unfiltered = browser.wait_results();
    let reply = api.search(&page_search(query, "hybrid", json!({})));
    assert_eq!(unfiltered, hit_numbers_of(&reply));
    assert_facets_match(browser, &reply["facets"]);
    let note = browser.text(&browser.find("#facets-note"));
    let counted = reply["facets"]["counted"].as_u64().unwrap();
    assert!(
        note.contains(&format!("the {counted} ranked hits")),
        "hybrid facets count the candidate window: {note:?}"
    );
    assert!(chips(browser).is_empty());
    assert_eq!(
        browser.eval("return document.getElementById('active-filters').hidden"),
        true
    );

    // An assignee, a name with a comma when there is one.
    let names = strings(&json!(reply["facets"]["assignee"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["value"].clone())
        .collect::<Vec<_>>()));
    let name = names
        .iter()
        .find(|n| n.contains(','))
        .unwrap_or(&names[0])
        .clone();
    browser.click(&facet_button(browser, "assignee", &name));
    let hits = browser.wait_results();
    let reply = api.search(&page_search(
        query,
        "hybrid",
        json!({"assignee": [name.clone()]}),
    ));
    assert!(!hits.is_empty(), "filtered by {name}: no hits");
    assert_eq!(hits, hit_numbers_of(&reply), "filtered by {name}");
    for pn in &hits {
        assert!(
            has_assignee(&api.patent(pn), &name),
            "{pn} is not assigned to {name}"
        );
    }
    assert_eq!(chips(browser), [format!("Assignee: {name}")]);
    assert_eq!(param(&browser.url_params(), "assignee"), [name.as_str()]);
    assert_eq!(
        browser.attribute(&facet_button(browser, "assignee", &name), "aria-pressed"),
        "true"
    );
    assert_facets_match(browser, &reply["facets"]);

    // And a filing year of those: a date range on the filing date.
    let year = reply["facets"]["filing_year"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    browser.click(&facet_button(browser, "filing_year", &year));
    let hits = browser.wait_results();
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let both = json!({"assignee": [name.clone()], "filed": {"from": from, "to": to}});
    let reply = api.search(&page_search(query, "hybrid", both.clone()));
    assert!(!hits.is_empty());
    assert_eq!(hits, hit_numbers_of(&reply));
    for pn in &hits {
        let record = api.patent(pn);
        let filed = record["application"]["date"].as_str().unwrap_or_default();
        assert!(
            filed.starts_with(&year),
            "{pn} filed {filed}, not in {year}"
        );
        assert!(has_assignee(&record, &name), "{pn}");
    }
    let params = browser.url_params();
    assert_eq!(param(&params, "filed_from"), [from.as_str()]);
    assert_eq!(param(&params, "filed_to"), [to.as_str()]);
    assert_eq!(
        chips(browser),
        [format!("Assignee: {name}"), format!("Filed in {year}")]
    );

    // The URL reproduces the page.
    let url = browser.eval("return location.href");
    browser.goto(url.as_str().unwrap());
    assert_eq!(browser.wait_results(), hits, "reloaded {url}");
    assert_eq!(
        chips(browser),
        [format!("Assignee: {name}"), format!("Filed in {year}")]
    );
    assert_eq!(
        browser.eval("return [document.getElementById('f-assignee').value, document.getElementById('f-filed-from').value]"),
        json!([name, from])
    );

    // "×" on the assignee chip removes that filter only.
    let remove = browser
        .find_all("#chips li.chip")
        .into_iter()
        .find(|c| browser.text(c).starts_with("Assignee:"))
        .expect("the assignee chip");
    let button = browser.cmd(
        "POST",
        &format!("/element/{remove}/element"),
        Some(&json!({"using": "css selector", "value": ".chip-remove"})),
    );
    browser.click(button[ELEMENT].as_str().unwrap());
    let hits = browser.wait_results();
    let reply = api.search(&page_search(
        query,
        "hybrid",
        json!({"filed": {"from": from, "to": to}}),
    ));
    assert_eq!(hits, hit_numbers_of(&reply));
    assert_eq!(chips(browser), [format!("Filed in {year}")]);
    assert!(param(&browser.url_params(), "assignee").is_empty());

    // And the last one: the unfiltered search again.
    browser.click(&browser.find("#chips li.chip .chip-remove"));
    assert_eq!(browser.wait_results(), unfiltered);
    assert!(chips(browser).is_empty());
    let names: Vec<String> = browser.url_params().into_iter().map(|(k, _)| k).collect();
    assert!(names.iter().all(|k| k == "q" || k == "mode"), "{names:?}");

    // Links of the older form (one date range as date=&from=&to=, one
    // assignee) still give the same page.
    browser.goto(&format!(
        "{base}/?q=wireless%20charging&date=filed&from={from}&to={to}&assignee={}",
        url_encode(&name)
    ));
    assert_eq!(
        browser.wait_results(),
        hit_numbers_of(&api.search(&page_search(query, "hybrid", both)))
    );
    assert_eq!(
        chips(browser),
        [format!("Assignee: {name}"), format!("Filed in {year}")]
    );
}

/// Facet values with `&`, commas and the like are shown as text and come
/// back unchanged through the URL; keyword facets say they count matches.
fn facet_values_are_shown_as_text_and_kept_in_links(browser: &Browser, base: &str, api: &Api) {
    let query = "assignee:Seoul OR assignee:Honeywell";
    browser.goto(&format!("{base}/?q={}&mode=keyword", url_encode(query)));
    browser.wait_results();
    let reply = api.search(&page_search(query, "keyword", json!({})));
    assert_facets_match(browser, &reply["facets"]);
    let note = browser.text(&browser.find("#facets-note"));
    let counted = reply["facets"]["counted"].as_u64().unwrap();
    assert_eq!(
        note,
        format!("Counts over all {counted} matching publications.")
    );
    let name = "Seoul National University R&DB Foundation";
    browser.click(&facet_button(browser, "assignee", name));
    let hits = browser.wait_results();
    assert_eq!(
        hits,
        hit_numbers_of(&api.search(&page_search(query, "keyword", json!({"assignee": [name]}))))
    );
    assert_eq!(param(&browser.url_params(), "assignee"), [name]);
    assert_eq!(chips(browser), [format!("Assignee: {name}")]);
}

/// The bars of the year chart: (year, count) in order.
fn year_bars(browser: &Browser) -> Vec<(String, u64)> {
    let bars = browser.eval(
        "return Array.from(document.querySelectorAll('[data-testid=chart-years] rect.bar')).map((r) => \
         [r.getAttribute('data-value'), Number(r.getAttribute('data-count'))])",
    );
    bars.as_array()
        .unwrap()
        .iter()
        .map(|b| (b[0].as_str().unwrap().to_string(), b[1].as_u64().unwrap()))
        .collect()
}

/// The year chart has one bar per filing year of the API's facets for the
/// same query and filters, oldest first, with its number in a table.
fn the_year_chart_has_a_bar_per_year_of_the_facets(browser: &Browser, base: &str, api: &Api) {
    let query = "wireless charging";
    let all = api.search(&page_search(query, "hybrid", json!({})));
    let years = all["facets"]["filing_year"].as_array().unwrap();
    let rarest = years.iter().min_by_key(|e| e["count"].as_u64()).unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();
    let ibm = "International Business Machines Corporation";
    let one_year = format!("&filed_from={rarest}-01-01&filed_to={rarest}-12-31");
    let cases = [
        ("", json!({})),
        (
            "&assignee=International%20Business%20Machines%20Corporation",
            json!({"assignee": [ibm]}),
        ),
        (
            one_year.as_str(),
            json!({"filed": {"from": format!("{rarest}-01-01"), "to": format!("{rarest}-12-31")}}),
        ),
    ];
    for (url_filters, filters) in cases {
        browser.goto(&format!("{base}/?q=wireless%20charging{url_filters}"));
        browser.wait_results();
        let facets = &api.search(&page_search(query, "hybrid", filters.clone()))["facets"];
        let mut expected: Vec<(String, u64)> = facets["filing_year"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["value"].as_str().unwrap().to_string(),
                    e["count"].as_u64().unwrap(),
                )
            })
            .collect();
        expected.sort();
        assert!(!expected.is_empty(), "{filters}: no filing years");
        assert_eq!(year_bars(browser), expected, "{filters}");
        let chart = browser.eval(
            "const f = document.querySelector('[data-testid=chart-years]'); \
             const svg = f.querySelector('svg'); \
             return [svg.getAttribute('role'), svg.getAttribute('aria-label'), \
                     f.querySelectorAll('table tbody tr').length, \
                     Array.from(svg.querySelectorAll('text.tick')).map((t) => t.textContent)]",
        );
        assert_eq!(chart[0], "img");
        assert!(
            chart[1].as_str().unwrap().starts_with("Filings per year"),
            "{chart}"
        );
        assert_eq!(chart[2], expected.len(), "one table row a year: {chart}");
        // The most recent year is always named on the axis.
        let ticks = strings(&chart[3]);
        assert!(ticks.contains(&expected.last().unwrap().0), "{chart}");
        // The other two charts: a bar per value of their facets.
        for (testid, key) in [
            ("chart-assignees", "assignee"),
            ("chart-cpc", "cpc_subclass"),
        ] {
            let bars = browser.eval(&format!(
                "return document.querySelectorAll('[data-testid={testid}] rect.bar').length"
            ));
            assert_eq!(
                bars,
                facets[key].as_array().unwrap().len(),
                "{testid} {filters}"
            );
        }
    }
    // One year: one bar, named.
    assert_eq!(year_bars(browser).len(), 1);
}

/// The publication numbers of an export, in order.
fn exported_numbers(format: &str, body: &str) -> Vec<String> {
    match format {
        "csv" => {
            let mut reader = csv::Reader::from_reader(body.as_bytes());
            let column = reader
                .headers()
                .unwrap()
                .iter()
                .position(|h| h == "publication_number")
                .expect("a publication_number column");
            reader
                .records()
                .map(|r| r.unwrap()[column].to_string())
                .collect()
        }
        "ris" => {
            let entries = body.lines().filter(|l| l.starts_with("TY  - ")).count();
            let ends = body.lines().filter(|l| l.starts_with("ER  -")).count();
            assert_eq!(entries, ends, "{body}");
            let numbers: Vec<String> = body
                .lines()
                .filter_map(|l| l.strip_prefix("SN  - "))
                .map(|n| n.trim().to_string())
                .collect();
            assert_eq!(numbers.len(), entries, "{body}");
            numbers
        }
        _ => body
            .lines()
            .map(|l| {
                let row: Value = serde_json::from_str(l).unwrap();
                row["publication_number"].as_str().unwrap().to_string()
            })
            .collect(),
    }
}

/// The export links carry the page's search (its state flattened into
/// parameters, no limit: the server's maximum); fetched with the search
/// API's largest limit, they give that search's hits in its order.
fn export_links_give_the_hits_of_the_same_search(browser: &Browser, base: &str, api: &Api) {
    let cases = [
        (
            "q=wireless%20charging&filed_from=2013-01-01&filed_to=2013-12-31",
            json!({"query": "wireless charging", "mode": "hybrid", "collapse": true,
                   "filters": {"filed": {"from": "2013-01-01", "to": "2013-12-31"}}}),
            vec![
                ("query", "wireless charging"),
                ("mode", "hybrid"),
                ("filed_from", "2013-01-01"),
                ("filed_to", "2013-12-31"),
            ],
        ),
        (
            "q=wireless%20charging&mode=keyword&members=all&country=US&assignee=Google%20Inc.",
            json!({"query": "wireless charging", "mode": "keyword", "collapse": false,
                   "filters": {"country": ["US"], "assignee": ["Google Inc."]}}),
            vec![
                ("query", "wireless charging"),
                ("mode", "keyword"),
                ("collapse", "false"),
                ("country", "US"),
                ("assignee", "Google Inc."),
            ],
        ),
    ];
    for (state, search, mut params) in cases {
        browser.goto(&format!("{base}/?{state}"));
        assert!(!browser.wait_results().is_empty(), "{state}");
        // The same limit on both sides: a hybrid ranking fuses a window
        // that grows with offset + limit.
        let mut limited = search.clone();
        limited["limit"] = json!(100);
        let expected = hit_numbers_of(&api.search(&limited));
        assert!(!expected.is_empty(), "{search}");
        for format in ["csv", "ris", "jsonl"] {
            let link = browser.eval(&format!(
                "const a = document.querySelector('a.export-link[data-format={format}]'); \
                 return [a.getAttribute('href'), a.hasAttribute('download'), a.textContent]"
            ));
            let href = link[0].as_str().unwrap();
            assert_eq!(link[1], true, "a download link: {link}");
            let (path, query) = href.split_once('?').unwrap();
            assert_eq!(path, "/v1/export");
            let mut got = parse_query(query);
            got.sort();
            params.retain(|(k, _)| *k != "format");
            params.push(("format", format));
            let mut want: Vec<(String, String)> = params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            want.sort();
            assert_eq!(got, want, "{href}");

            let (status, disposition, body) = api.fetch(&format!("{href}&limit=100"));
            assert_eq!(status, 200, "{href}: {body}");
            assert!(disposition.starts_with("attachment"), "{disposition}");
            let numbers = exported_numbers(format, &body);
            assert_eq!(numbers, expected, "{format} export of {state}");
            // As the link is: every ranked hit, up to the server's maximum.
            let (status, _, body) = api.fetch(href);
            assert_eq!(status, 200, "{href}: {body}");
            let all = exported_numbers(format, &body);
            assert!(
                all.len() >= expected.len() && all.len() <= 1000,
                "{href}: {} rows",
                all.len()
            );
        }
    }
}

/// A search the API refuses shows the API's message in the page.
fn api_errors_are_shown_in_the_page(browser: &Browser, base: &str, api: &Api) {
    let query = "battery AND (charg*";
    let (status, reply) = api.post_search(&page_search(query, "keyword", json!({})));
    assert_eq!(status, 400, "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    browser.goto(&format!("{base}/?q={}&mode=keyword", url_encode(query)));
    assert!(browser.wait_results().is_empty());
    let error = browser.find("#error");
    assert_eq!(
        browser.attribute(&error, "hidden"),
        Value::Null,
        "the error is shown"
    );
    let text = browser.text(&error);
    assert!(text.contains(message), "page: {text:?}, API: {message:?}");
    assert_eq!(browser.text(&browser.find("#status")), "");
    assert_eq!(
        browser.eval("return document.getElementById('search-layout').hidden"),
        true
    );
}

/// A CPC subclass the server has a title for shows it, as text, beside its
/// code; the others show the code alone.
fn cpc_facets_show_the_titles_the_server_knows(browser: &Browser, base: &str, api: &Api) {
    let query = "wireless charging";
    let reply = api.search(&page_search(query, "hybrid", json!({})));
    let cpc = reply["facets"]["cpc_subclass"].as_array().unwrap();
    let h01l = cpc
        .iter()
        .find(|c| c["value"] == "H01L")
        .expect("H01L among the facets");
    assert_eq!(h01l["title"], H01L_TITLE);
    browser.goto(&format!("{base}/?q={}&mode=hybrid", url_encode(query)));
    browser.wait_results();
    let shown = browser.eval(
        "return Array.from(document.querySelectorAll('#facets section.facet[data-facet=cpc_subclass] button.facet-value')).map((b) => \
         [b.dataset.value, (b.querySelector('.facet-title') || {}).textContent || null])",
    );
    let shown = shown.as_array().unwrap();
    assert!(!shown.is_empty());
    for entry in shown {
        let expected = if entry[0] == "H01L" {
            json!(H01L_TITLE)
        } else {
            Value::Null
        };
        assert_eq!(entry[1], expected, "{entry}");
    }
}

/// The patent page shows the claims, or says that the record has none.
fn the_patent_page_says_when_a_record_has_no_claims(
    browser: &Browser,
    base: &str,
    records: &[Value],
) {
    let has_claims = |r: &&Value| r["claims"].as_array().is_some_and(|c| !c.is_empty());
    let with = records.iter().find(has_claims).unwrap();
    let without = records.iter().find(|r| !has_claims(r)).unwrap();
    for (record, claims) in [(with, true), (without, false)] {
        let pn = record["publication_number"].as_str().unwrap();
        browser.goto(&format!("{base}/patent/{pn}"));
        browser.wait_for("the patent page", |b| {
            (b.text(&b.find("#patent-number")) == pn).then_some(())
        });
        let shown = browser.eval(
            "return [document.querySelectorAll('#claims li').length, \
             !document.getElementById('no-claims').hidden, \
             document.getElementById('no-claims').textContent]",
        );
        let count = record["claims"].as_array().map_or(0, Vec::len);
        assert_eq!(shown[0], count, "{pn}");
        assert_eq!(shown[1], !claims, "{pn}: {shown}");
        assert_eq!(shown[2], "No claims in this record.");
    }
}

/// At 375 px nothing is wider than the window: the results (with the
/// facets and charts open), and a patent's page.
fn a_narrow_window_has_no_horizontal_scroll(browser: &Browser, base: &str, records: &[Value]) {
    browser.set_window(375, 812);
    let fits = |b: &Browser, what: &str| {
        let size = b.eval("return [document.documentElement.scrollWidth, window.innerWidth]");
        let (scroll, inner) = (size[0].as_u64().unwrap(), size[1].as_u64().unwrap());
        assert!(inner <= 400, "the window is not narrow: {size}");
        assert!(
            scroll <= inner,
            "{what}: scrollWidth {scroll} > innerWidth {inner}"
        );
    };
    browser.goto(&format!("{base}/?q=wireless%20charging"));
    assert!(!browser.wait_results().is_empty());
    // Folded on a narrow screen: results first.
    assert_eq!(
        browser.eval("return [document.getElementById('facets-panel').open, document.getElementById('landscape').open]"),
        json!([false, false])
    );
    fits(browser, "results");
    browser.click(&browser.find("#facets-panel > summary"));
    browser.click(&browser.find("#landscape > summary"));
    browser.click(&browser.find("#filters > summary"));
    fits(browser, "results with facets, charts and filters open");
    let grant = records
        .iter()
        .find(|r| r["claims"].as_array().is_some_and(|c| !c.is_empty()))
        .unwrap();
    let longest = records.iter().max_by_key(|r| r.to_string().len()).unwrap();
    for record in [grant, longest] {
        let pn = record["publication_number"].as_str().unwrap();
        browser.goto(&format!("{base}/patent/{pn}"));
        browser.wait_for("the patent page", |b| {
            (b.text(&b.find("#patent-number")) == pn).then_some(())
        });
        fits(browser, &format!("patent page {pn}"));
    }
    browser.set_window(1280, 1024);
}

/// The README's screenshots: the search page with facets and charts at
/// 1400 and 375 px.
fn screenshots(browser: &Browser, base: &str, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let url = format!("{base}/?q=wireless%20charging");
    let charts_drawn = |b: &Browser| {
        b.wait_results();
        b.wait_for("the charts", |b| {
            (!b.find_all("[data-testid=chart-years] rect.bar").is_empty()).then_some(())
        });
    };
    // A window of `height` px of page: the window's own height is more
    // (headless Chromium keeps room for its bars).
    let show = |b: &Browser, width: u32, height: u64| {
        let bars = b.eval("return window.outerHeight - window.innerHeight");
        b.set_window(
            width,
            (height + bars.as_u64().unwrap_or(0)).min(4000) as u32,
        );
        b.eval("window.scrollTo(0, 0); return null");
        // The pointer off the page, so that nothing shows hovered.
        b.cmd(
            "POST",
            "/actions",
            Some(
                &json!({"actions": [{"type": "pointer", "id": "mouse", "actions": [
                {"type": "pointerMove", "x": 0, "y": 0, "origin": "viewport"}]}]}),
            ),
        );
    };
    browser.set_window(1400, 1000);
    browser.goto(&url);
    charts_drawn(browser);
    show(browser, 1400, 1000);
    std::fs::write(dir.join("search-1400.png"), browser.screenshot()).unwrap();

    // On a phone both panels start folded: open them, and make the window
    // tall enough to show them and the first hit.
    browser.set_window(375, 812);
    browser.goto(&url);
    charts_drawn(browser);
    browser.click(&browser.find("#facets-panel > summary"));
    browser.click(&browser.find("#landscape > summary"));
    let height = browser.eval(
        "const hit = document.querySelector('li.hit'); \
         return Math.ceil(hit.getBoundingClientRect().bottom + window.scrollY + 16)",
    );
    show(browser, 375, height.as_u64().unwrap());
    std::fs::write(dir.join("search-375.png"), browser.screenshot()).unwrap();
    browser.set_window(1280, 1024);
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

/// The server's JSON API, for what the page should show.
struct Api {
    agent: ureq::Agent,
    base: String,
}

impl Api {
    fn new(base: &str) -> Api {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Api {
            agent,
            base: base.to_string(),
        }
    }

    /// `POST /v1/search`; its status and JSON.
    fn post_search(&self, body: &Value) -> (u16, Value) {
        let mut reply = self
            .agent
            .post(format!("{}/v1/search", self.base))
            .send_json(body)
            .unwrap();
        let status = reply.status().as_u16();
        (status, reply.body_mut().read_json().unwrap())
    }

    fn search(&self, body: &Value) -> Value {
        let (status, reply) = self.post_search(body);
        assert_eq!(status, 200, "search {body}: {reply}");
        reply
    }

    fn patent(&self, number: &str) -> Value {
        let mut reply = self
            .agent
            .get(format!("{}/v1/patents/{number}", self.base))
            .call()
            .unwrap();
        assert_eq!(reply.status().as_u16(), 200, "{number}");
        reply.body_mut().read_json().unwrap()
    }

    /// A GET of a page-relative or absolute URL: status, headers' content
    /// disposition, body.
    fn fetch(&self, href: &str) -> (u16, String, String) {
        let url = if href.starts_with('/') {
            format!("{}{href}", self.base)
        } else {
            href.to_string()
        };
        let mut reply = self.agent.get(&url).call().unwrap();
        let disposition = reply
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = reply
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap();
        (reply.status().as_u16(), disposition, body)
    }
}

/// The body the page sends for a state of the search page (first page).
fn page_search(query: &str, mode: &str, filters: Value) -> Value {
    json!({
        "query": query, "mode": mode, "filters": filters, "limit": 10, "offset": 0,
        "highlight": true, "facets": true, "collapse": true,
    })
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_else(|| panic!("{v}")).to_string())
        .collect()
}

/// Lowercased alphanumeric words: how the assignee filter compares names.
fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether one of a record's assignees carries every word of `name`.
fn has_assignee(record: &Value, name: &str) -> bool {
    let wanted = name_words(name);
    record["assignees"].as_array().is_some_and(|a| {
        a.iter().any(|p| {
            let words = name_words(p["name"].as_str().unwrap_or_default());
            wanted.iter().all(|w| words.contains(w))
        })
    })
}

/// `a=1&b=x%20y` -> [("a", "1"), ("b", "x y")], as URLSearchParams reads it.
fn parse_query(query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The values of parameter `name`.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Standard base64 (what WebDriver's screenshots are) to bytes.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    out
}
