// The patsearch page: search (/?q=...) and patent (/patent/NUMBER) views
// over the JSON API. Everything from the server is put into the page as
// text (textContent, text nodes); no markup from data is ever parsed.
"use strict";

(function () {
  const PAGE_SIZE = 10;
  const $ = (id) => document.getElementById(id);
  const KEY_STORAGE = "patsearch-api-key";
  const LAST_SEARCH = "patsearch-last-search";

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null) continue;
        if (k === "text") node.textContent = v;
        else if (k === "class") node.className = v;
        else if (k === "dataset") Object.assign(node.dataset, v);
        else node.setAttribute(k, v);
      }
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function headers(json) {
    const h = { Accept: "application/json" };
    if (json) h["Content-Type"] = "application/json";
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) h["X-Api-Key"] = key;
    return h;
  }

  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || "request failed (HTTP " + status + ")");
      this.status = status;
      this.code = e.code || "http_" + status;
      this.position = e.position;
    }
  }

  async function api(path, body) {
    const init = body === undefined
      ? { headers: headers(false) }
      : { method: "POST", headers: headers(true), body: JSON.stringify(body) };
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { error: { code: "network", message: "the server cannot be reached" } });
    }
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      if (response.status === 401) $("key-box").hidden = false;
      throw new ApiError(response.status, data);
    }
    return data;
  }

  // --- state in the URL ------------------------------------------------

  function readForm() {
    return {
      q: $("q").value.trim(),
      mode: $("mode").value,
      cpc: $("f-cpc").value.trim(),
      assignee: $("f-assignee").value.trim(),
      country: $("f-country").value.trim().toUpperCase(),
      date: $("f-date-field").value,
      from: $("f-from").value,
      to: $("f-to").value,
      members: $("f-members").checked ? "all" : "",
      page: 0,
    };
  }

  function fillForm(s) {
    $("q").value = s.q || "";
    $("mode").value = ["hybrid", "keyword", "semantic"].includes(s.mode) ? s.mode : "hybrid";
    $("f-cpc").value = s.cpc || "";
    $("f-assignee").value = s.assignee || "";
    $("f-country").value = s.country || "";
    $("f-date-field").value = ["published", "filed", "priority"].includes(s.date) ? s.date : "published";
    $("f-from").value = s.from || "";
    $("f-to").value = s.to || "";
    $("f-members").checked = s.members === "all";
    const n = ["cpc", "assignee", "country", "from", "to", "members"].filter((k) => s[k]).length;
    $("filter-count").textContent = n ? "(" + n + ")" : "";
    if (n) $("filters").open = true;
  }

  function toQueryString(s) {
    const p = new URLSearchParams();
    for (const k of ["q", "mode", "cpc", "assignee", "country", "date", "from", "to", "members"]) {
      if (s[k] && !(k === "date" && !s.from && !s.to)) p.set(k, s[k]);
    }
    if (s.page) p.set("page", String(s.page));
    return p.toString();
  }

  function fromQueryString(qs) {
    const p = new URLSearchParams(qs);
    const s = {};
    for (const k of ["q", "mode", "cpc", "assignee", "country", "date", "from", "to", "members"]) s[k] = p.get(k) || "";
    s.page = Math.max(0, parseInt(p.get("page") || "0", 10) || 0);
    return s;
  }

  function requestBody(s) {
    const filters = {};
    const list = (v) => v.split(",").map((x) => x.trim()).filter(Boolean);
    if (s.cpc) filters.cpc = list(s.cpc);
    if (s.assignee) filters.assignee = [s.assignee];
    if (s.country) filters.country = list(s.country);
    if (s.from || s.to) {
      const range = {};
      if (s.from) range.from = s.from;
      if (s.to) range.to = s.to;
      filters[s.date || "published"] = range;
    }
    return {
      query: s.q,
      mode: s.mode || "hybrid",
      filters: filters,
      limit: PAGE_SIZE,
      offset: s.page * PAGE_SIZE,
      highlight: true,
      collapse: s.members !== "all",
    };
  }

  // --- rendering helpers --------------------------------------------------

  // The snippet's text with its highlight ranges (UTF-8 byte offsets) as
  // <mark> elements; everything is a text node.
  function highlighted(text, ranges) {
    const frag = document.createDocumentFragment();
    const bytes = new TextEncoder().encode(text);
    const decoder = new TextDecoder();
    let pos = 0;
    const sorted = (ranges || []).slice().sort((a, b) => a[0] - b[0]);
    for (const [start, end] of sorted) {
      if (start < pos || end > bytes.length || start >= end) continue;
      if (start > pos) frag.append(decoder.decode(bytes.subarray(pos, start)));
      frag.append(el("mark", { text: decoder.decode(bytes.subarray(start, end)) }));
      pos = end;
    }
    if (pos < bytes.length) frag.append(decoder.decode(bytes.subarray(pos)));
    return frag;
  }

  function fmt(x, digits) {
    return typeof x === "number" ? x.toFixed(digits) : "";
  }

  function showError(err, query) {
    const box = $("error");
    box.replaceChildren();
    box.append(el("strong", { text: err.status === 0 ? "Network error: " : "Error: " }), err.message);
    if (err.code === "invalid_query" && typeof err.position === "number" && query) {
      const chars = Array.from(query);
      box.append(el("pre", { class: "caret", "aria-hidden": "true" }, [
        query + "\n" + " ".repeat(Math.min(err.position, chars.length)) + "^",
      ]));
      if ($("mode").value === "hybrid") {
        box.append(el("p", { text: "Hybrid search reads the query as keyword syntax too; the Semantic mode does not." }));
      }
    }
    box.hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
    $("error").replaceChildren();
  }

  function patentLink(pn, text, cls) {
    const a = el("a", { href: "/patent/" + encodeURIComponent(pn), class: cls, text: text });
    a.addEventListener("click", (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      history.pushState(null, "", a.getAttribute("href"));
      route();
    });
    return a;
  }

  // --- search view -----------------------------------------------------------

  let current = null;
  let generation = 0;

  function renderHit(hit, mode) {
    const li = el("li", {
      class: "hit",
      dataset: { pn: hit.publication_number, testid: "hit" },
    });
    li.append(el("div", { class: "hit-head" }, [
      patentLink(hit.publication_number, hit.title || "(untitled)", "hit-title"),
      el("span", { class: "hit-pn", text: hit.publication_number }),
    ]));
    if (hit.gist) li.append(el("p", { class: "hit-gist", dataset: { testid: "hit-gist" }, text: hit.gist }));

    const scores = el("p", { class: "hit-scores" });
    scores.append(el("span", { class: "score", text: (mode === "hybrid" ? "fused " : "score ") + fmt(hit.score, 4) }));
    if (mode !== "semantic") {
      scores.append(hit.keyword
        ? el("span", { class: "score-keyword", text: "keyword #" + hit.keyword.rank + " (BM25 " + fmt(hit.keyword.score, 2) + ")" })
        : el("span", { class: "score-keyword absent", text: "keyword: not in the top candidates" }));
    }
    if (mode !== "keyword") {
      scores.append(hit.semantic
        ? el("span", { class: "score-semantic", text: "semantic #" + hit.semantic.rank + " (cosine " + fmt(hit.semantic.score, 3) + ")" })
        : el("span", { class: "score-semantic absent", text: "semantic: not in the top candidates" }));
    }
    li.append(scores);

    if (hit.snippet && hit.snippet.text) {
      li.append(el("p", { class: "hit-snippet" }, [
        el("span", { class: "field-label", text: hit.snippet.field + ": " }),
        highlighted(hit.snippet.text, hit.snippet.highlights),
      ]));
    }
    if (hit.semantic && hit.semantic.passage) {
      const passage = hit.semantic.passage;
      // The abstract's snippet already shows what a title-and-abstract
      // match matched: then the passage is only named.
      const shown = hit.snippet && hit.snippet.field === "abstract" && passage.kind === "title_abstract";
      li.append(el("p", { class: "hit-passage", dataset: { kind: passage.kind } }, [
        el("span", { class: "field-label", text: "matched " + passage.label + (shown || !passage.text ? "" : ": ") }),
        shown || !passage.text ? null : passage.text,
      ]));
    }
    if (hit.family && hit.family.length) {
      const family = el("p", { class: "hit-family", dataset: { testid: "hit-family" } }, [
        el("span", { class: "field-label", text: "Family of " + hit.family_size + ": also " }),
      ]);
      hit.family.forEach((pn, i) => {
        if (i) family.append(", ");
        family.append(patentLink(pn, pn, "family-member"));
      });
      const unlisted = hit.family_size - 1 - hit.family.length;
      if (unlisted > 0) family.append(" and " + unlisted + " more");
      li.append(family);
    }
    return li;
  }

  async function runSearch(s) {
    current = s;
    fillForm(s);
    $("patent-view").hidden = true;
    $("prior-art-view").hidden = true;
    $("search-view").hidden = false;
    document.title = s.q ? s.q + " - patsearch" : "patsearch";
    clearError();
    if (!s.q) {
      $("results").replaceChildren();
      $("status").textContent = "";
      $("search-note").hidden = true;
      $("pager").hidden = true;
      $("intro").hidden = false;
      return;
    }
    $("intro").hidden = true;
    $("status").textContent = "Searching…";
    $("search-btn").disabled = true;
    const mine = ++generation;
    try {
      const data = await api("/v1/search", requestBody(s));
      if (mine !== generation) return;
      sessionStorage.setItem(LAST_SEARCH, location.search);
      const list = $("results");
      list.replaceChildren(...data.hits.map((h) => renderHit(h, data.mode)));
      list.start = data.offset + 1;
      const first = data.hits.length ? data.offset + 1 : 0;
      const last = data.offset + data.hits.length;
      $("status").textContent = data.total === 0
        ? "No results (" + data.mode + ", " + fmt(data.took_ms, 0) + " ms)."
        : "Results " + first + "–" + last + " of " + data.total + (s.members === "all" ? "" : " families") + " (" + data.mode + ", " + fmt(data.took_ms, 0) + " ms)";
      // A query in another language than the keyword index says how it
      // was ranked.
      $("search-note").textContent = data.note ? "Note: " + data.note + "." : "";
      $("search-note").hidden = !data.note;
      $("pager").hidden = data.total <= PAGE_SIZE && s.page === 0;
      $("prev").disabled = s.page === 0;
      $("next").disabled = last >= data.total || data.hits.length < PAGE_SIZE;
      $("page-info").textContent = "Page " + (s.page + 1);
    } catch (err) {
      if (mine !== generation) return;
      $("results").replaceChildren();
      $("status").textContent = "";
      $("pager").hidden = true;
      showError(err, s.q);
    } finally {
      if (mine === generation) $("search-btn").disabled = false;
    }
  }

  function go(s, replace) {
    const url = "/?" + toQueryString(s);
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    runSearch(s);
  }

  // --- patent view -------------------------------------------------------------

  function metaRow(dl, label, value) {
    if (!value || (Array.isArray(value) && !value.length)) return;
    dl.append(el("dt", { text: label }), el("dd", { text: Array.isArray(value) ? value.join("; ") : value }));
  }

  async function showPatent(pn) {
    generation++;
    $("search-view").hidden = true;
    $("prior-art-view").hidden = true;
    $("patent-view").hidden = false;
    clearError();
    const last = sessionStorage.getItem(LAST_SEARCH);
    $("back-link").setAttribute("href", last ? "/" + last : "/");
    for (const id of ["patent-title", "patent-number", "abstract", "claims-summary"]) $(id).textContent = "";
    for (const id of ["patent-meta", "claims", "description", "similar", "summary", "key-facts"]) $(id).replaceChildren();
    $("summary-status").textContent = "";
    $("summary-note").textContent = "";
    $("summary-query").value = "";
    $("similar-section").hidden = true;
    $("patent-title").textContent = "Loading " + pn + "…";
    let r;
    try {
      r = await api("/v1/patents/" + encodeURIComponent(pn));
    } catch (err) {
      $("patent-title").textContent = err.code === "not_found" ? "Not found" : "Cannot show " + pn;
      showError(err);
      return;
    }
    document.title = (r.title || r.publication_number) + " - patsearch";
    $("patent-title").textContent = r.title || "(untitled)";
    $("patent-number").textContent = r.publication_number;
    const meta = $("patent-meta");
    metaRow(meta, "Published", r.publication_date);
    metaRow(meta, "Filed", r.application && r.application.date);
    metaRow(meta, "Application", r.application && ((r.application.country || "") + r.application.number));
    metaRow(meta, "Assignees", (r.assignees || []).map((p) => p.name));
    metaRow(meta, "Inventors", (r.inventors || []).map((p) => p.name));
    metaRow(meta, "CPC", (r.cpc || []).map((c) => c.code));
    metaRow(meta, "IPC", (r.ipc || []).map((c) => c.code));
    $("abstract").replaceChildren(el("span", { class: "source-text", text: r.abstract || "(no abstract)" }));
    $("patent-prior-art").setAttribute("href", "/prior-art?patent=" + encodeURIComponent(r.publication_number));
    currentPatent = r.publication_number;
    loadSummary(r.publication_number, "");

    const claims = r.claims || [];
    const independent = claims.filter((c) => !c.depends_on || !c.depends_on.length).length;
    $("claims-summary").textContent = claims.length
      ? "(" + claims.length + ", " + independent + " independent)" : "";
    $("claims").replaceChildren(...claims.map((c) => {
      const isIndependent = !c.depends_on || !c.depends_on.length;
      const li = el("li", {
        id: "claim-" + c.number,
        class: "claim " + (isIndependent ? "independent" : "dependent"),
        value: String(c.number),
        dataset: { independent: String(isIndependent) },
      });
      li.append(el("span", {
        class: "claim-badge",
        text: isIndependent ? "Independent" : "Depends on " + c.depends_on.map((n) => "claim " + n).join(", "),
      }));
      li.append(el("p", { class: "claim-text" }, [el("span", { class: "source-text", text: c.text })]));
      return li;
    }));

    const desc = $("description");
    let heading = null;
    (r.description || []).forEach((p, i) => {
      if (p.heading && p.heading !== heading) {
        heading = p.heading;
        desc.append(el("h3", { text: heading }));
      }
      desc.append(el("p", { id: "para-" + i }, [
        p.number ? el("span", { class: "para-number", text: "[" + p.number + "] " }) : null,
        el("span", { class: "source-text", text: p.text }),
      ]));
    });
    if (!desc.childElementCount) desc.append(el("p", { class: "muted", text: "(no description)" }));

    const mine = generation;
    // Family members and near-duplicates come first, each saying why; then
    // the nearest patents by meaning.
    api("/v1/patents/" + encodeURIComponent(r.publication_number) + "/similar?limit=10")
      .then((data) => {
        if (mine !== generation || !data.hits.length) return;
        $("similar").replaceChildren(...data.hits.map((h) => el("li", { class: h.related ? "similar-hit related" : "similar-hit" }, [
          patentLink(h.publication_number, h.title || h.publication_number, "similar-title"),
          el("span", { class: "muted", text: " " + h.publication_number + " · cosine " + fmt(h.semantic && h.semantic.score, 3) }),
          h.related ? el("span", { class: "related-why", text: " · " + h.related.label }) : null,
        ])));
        $("similar-section").hidden = false;
      })
      .catch(() => { /* a keyword-only index has no similar patents */ });
  }

  // --- summary ------------------------------------------------------------------

  let currentPatent = null;

  // Where a quoted sentence lives on the patent page.
  function sourceTarget(s) {
    if (s.section === "abstract") return "abstract";
    if (s.section === "claims") return "claim-" + s.paragraph;
    return "para-" + s.index;
  }

  // A link to the sentence's source that, when followed, marks the
  // sentence there (from its byte range).
  function sourceLink(s) {
    const label = s.section === "abstract" ? "abstract"
      : s.section === "claims" ? "claim " + s.paragraph
      : "¶" + s.paragraph + (s.part ? " · " + s.part : "");
    const target = sourceTarget(s);
    const a = el("a", { href: "#" + target, class: "source-label", text: label, dataset: { section: s.section } });
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      const holder = document.getElementById(target);
      const span = holder && holder.querySelector(".source-text");
      if (!span) return;
      for (const old of document.querySelectorAll(".source-text.marked")) {
        old.replaceChildren(old.textContent);
        old.classList.remove("marked");
      }
      const text = span.textContent;
      span.replaceChildren(highlighted(text, [s.range]));
      span.classList.add("marked");
      holder.scrollIntoView({ block: "center" });
    });
    return a;
  }

  function quoted(s) {
    return el("span", { class: "quoted" }, [el("span", { class: "sentence-text", text: s.text }), " ", sourceLink(s)]);
  }

  function factRow(dl, label, content, testid) {
    dl.append(el("dt", { text: label }), el("dd", { dataset: { testid: testid } }, content));
  }

  async function loadSummary(pn, query) {
    const mine = generation;
    const params = new URLSearchParams();
    if (query) params.set("query", query);
    $("summary-status").textContent = "Summarizing…";
    let data;
    try {
      data = await api("/v1/patents/" + encodeURIComponent(pn) + "/summary" + (query ? "?" + params.toString() : ""));
    } catch (err) {
      if (mine !== generation) return;
      $("summary-status").textContent = "No summary: " + err.message;
      return;
    }
    if (mine !== generation) return;
    $("summary-status").textContent = "";
    $("summary-note").textContent = data.method === "lead"
      ? "(the description has nothing to quote: first sentences of the abstract and claims)"
      : data.query
        ? "(most relevant to your focus first; " + data.sentences.length + " of " + data.candidates + " candidate sentences)"
        : "(what the invention is, from the description and claims, in reading order; " + data.sentences.length + " of " + data.candidates + " sentences)";
    if (!data.sentences.length) $("summary-status").textContent = "Nothing to summarise: the patent has no description, abstract or claims text.";
    $("summary").replaceChildren(...data.sentences.map((s) => el("li", {
      class: "summary-sentence",
      dataset: { testid: "summary-sentence", section: s.section, paragraph: s.paragraph, start: String(s.range[0]), end: String(s.range[1]) },
    }, [quoted(s)])));
    const facts = data.key_facts;
    const dl = $("key-facts");
    dl.replaceChildren();
    const fact = (f) => f && f.sentences.length
      ? [el("span", {}, f.sentences.map((s) => quoted(s))),
         f.detection === "cues" ? el("span", { class: "muted", text: " (found by cue phrases)" }) : null]
      : [el("span", { class: "muted", text: "not found: no sentence of the description states it" })];
    factRow(dl, "Problem", fact(facts.problem), "fact-problem");
    factRow(dl, "Solution", fact(facts.solution), "fact-solution");
    factRow(dl, "Effect", fact(facts.effect), "fact-effect");
    factRow(dl, "First independent claim", facts.first_claim
      ? [el("a", { href: "#claim-" + facts.first_claim.number, text: "claim " + facts.first_claim.number + ": " }), facts.first_claim.text]
      : [el("span", { class: "muted", text: "none in the record" })], "fact-claim");
    const codes = [].concat(
      facts.cpc.length ? ["CPC " + facts.cpc.join(", ")] : [],
      facts.ipc.length ? ["IPC " + facts.ipc.join(", ")] : []);
    factRow(dl, "Classification", [codes.length ? codes.join(" · ") : el("span", { class: "muted", text: "none in the record" })], "fact-classification");
  }

  // --- prior art -----------------------------------------------------------------

  function priorArtFromQueryString(qs) {
    const p = new URLSearchParams(qs);
    return {
      text: p.get("text") || "",
      patent: p.get("patent") || "",
      before: p.get("before") || "",
      date_field: ["priority", "filed", "published"].includes(p.get("date")) ? p.get("date") : "priority",
    };
  }

  function renderPriorArtHit(hit, elements) {
    const li = el("li", { class: "hit pa-hit", dataset: { pn: hit.publication_number, testid: "prior-art-hit" } });
    li.append(el("div", { class: "hit-head" }, [
      patentLink(hit.publication_number, hit.title || "(untitled)", "hit-title"),
      el("span", { class: "hit-pn", text: hit.publication_number }),
    ]));
    const dates = [["priority", hit.priority_date], ["filed", hit.filing_date], ["published", hit.publication_date]]
      .filter((d) => d[1]).map((d) => d[0] + " " + d[1]);
    li.append(el("p", { class: "hit-scores" }, [
      el("span", { class: "score", text: "covers " + hit.covered + " of " + elements.length + " elements" }),
      el("span", { text: "mean similarity " + fmt(hit.score, 3) }),
      dates.length ? el("span", { text: dates.join(" · ") }) : null,
    ]));
    const table = el("table", { class: "chart", dataset: { testid: "claim-chart" } });
    table.append(el("thead", {}, [el("tr", {}, [
      el("th", { scope: "col", text: "Element" }),
      el("th", { scope: "col", text: "Similarity" }),
      el("th", { scope: "col", text: "Best matching passage" }),
    ])]));
    const body = el("tbody");
    const shown = new Set();
    for (const m of hit.mapping) {
      const e = elements[m.element];
      let evidence;
      if (m.quote) {
        evidence = [el("span", { class: "field-label", text: m.passage.label + ": " }), el("q", { text: m.quote.text })];
      } else if (m.text && !shown.has(m.passage.label)) {
        shown.add(m.passage.label);
        evidence = [el("span", { class: "field-label", text: m.passage.label + ": " }), m.text];
      } else {
        evidence = [el("span", { class: "field-label", text: m.passage.label })];
      }
      body.append(el("tr", { class: m.covered ? "covered" : "not-covered", dataset: { testid: "chart-row" } }, [
        el("th", { scope: "row" }, [el("span", { class: "element-label", text: e.label }), " " + e.text]),
        el("td", { class: "similarity" }, [
          fmt(m.similarity, 2) + (m.covered ? " ✓" : ""),
          m.quote ? el("span", { class: "quote-similarity", title: "similarity of the element with the quoted sentence", text: "sentence " + fmt(m.quote.similarity, 2) }) : null,
        ]),
        el("td", {}, evidence),
      ]));
    }
    table.append(body);
    li.append(el("div", { class: "chart-wrap" }, [table]));
    return li;
  }

  async function showPriorArt(qs) {
    generation++;
    const mine = generation;
    $("search-view").hidden = true;
    $("patent-view").hidden = true;
    $("prior-art-view").hidden = false;
    clearError();
    document.title = "Prior art - patsearch";
    const s = priorArtFromQueryString(qs);
    $("pa-before").value = s.before;
    $("pa-date-field").value = s.date_field;
    if (s.text) $("pa-text").value = s.text;
    $("pa-results").replaceChildren();
    $("pa-elements").replaceChildren();
    $("pa-status").textContent = "";
    if (!s.text && !s.patent) return;
    $("pa-status").textContent = "Searching…";
    $("pa-button").disabled = true;
    let data;
    try {
      if (s.patent) {
        const p = new URLSearchParams();
        if (s.before) { p.set("before", s.before); p.set("date_field", s.date_field); }
        const q = p.toString();
        data = await api("/v1/patents/" + encodeURIComponent(s.patent) + "/prior-art" + (q ? "?" + q : ""));
      } else {
        const body = { text: s.text, date_field: s.date_field };
        if (s.before) body.before = s.before;
        data = await api("/v1/prior-art", body);
      }
    } catch (err) {
      if (mine !== generation) return;
      $("pa-status").textContent = "";
      showError(err);
      return;
    } finally {
      if (mine === generation) $("pa-button").disabled = false;
    }
    if (mine !== generation) return;
    if (data.source && !s.text) $("pa-text").value = data.source.text;
    const parts = [];
    if (data.source) parts.push("Prior art for " + data.source.basis.label + " of " + data.source.publication_number + " (itself excluded)");
    parts.push(data.total + " documents ranked (" + fmt(data.took_ms, 0) + " ms)");
    parts.push(data.cutoff ? data.cutoff.date_field + " date before " + data.cutoff.before : "no date cut-off");
    $("pa-status").textContent = parts.join(" · ");
    const list = el("ol", { class: "element-list", dataset: { testid: "prior-art-elements" } },
      data.elements.map((e) => el("li", {}, [el("span", { class: "element-label", text: e.label }), " " + e.text])));
    $("pa-elements").replaceChildren(
      el("h2", { text: (data.split === "claim" ? "Claim elements" : "Sentences") + " searched (" + data.elements.length + ")" }),
      list,
      data.elements_dropped ? el("p", { class: "muted", text: data.elements_dropped + " more not searched." }) : "",
      el("p", { class: "muted", text: "An element counts as disclosed (✓) at similarity " + fmt(data.threshold, 2) + " or more." }));
    $("pa-results").replaceChildren(...data.hits.map((h) => renderPriorArtHit(h, data.elements)));
  }

  // --- routing -----------------------------------------------------------------

  function route() {
    const m = location.pathname.match(/^\/patent\/(.+)$/);
    if (m) {
      showPatent(decodeURIComponent(m[1]));
    } else if (location.pathname === "/prior-art") {
      showPriorArt(location.search);
    } else {
      runSearch(fromQueryString(location.search));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const s = readForm();
      if (!s.q) { $("q").focus(); return; }
      go(s, false);
    });
    $("prev").addEventListener("click", () => {
      if (!current || current.page === 0) return;
      go(Object.assign({}, current, { page: current.page - 1 }), false);
      $("main").focus();
    });
    $("next").addEventListener("click", () => {
      if (!current) return;
      go(Object.assign({}, current, { page: current.page + 1 }), false);
      $("main").focus();
    });
    $("clear-filters").addEventListener("click", () => {
      for (const id of ["f-cpc", "f-assignee", "f-country", "f-from", "f-to"]) $(id).value = "";
      $("f-members").checked = false;
      $("filter-count").textContent = "";
    });
    $("back-link").addEventListener("click", (ev) => {
      ev.preventDefault();
      history.pushState(null, "", $("back-link").getAttribute("href"));
      route();
    });
    $("api-key-save").addEventListener("click", () => {
      const key = $("api-key").value.trim();
      if (key) sessionStorage.setItem(KEY_STORAGE, key);
      else sessionStorage.removeItem(KEY_STORAGE);
      $("key-box").hidden = true;
      route();
    });
    $("summary-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (currentPatent) loadSummary(currentPatent, $("summary-query").value.trim());
    });
    $("prior-art-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = $("pa-text").value.trim();
      if (!text) { $("pa-text").focus(); return; }
      const p = new URLSearchParams();
      p.set("text", text);
      if ($("pa-before").value) { p.set("before", $("pa-before").value); p.set("date", $("pa-date-field").value); }
      history.pushState(null, "", "/prior-art?" + p.toString());
      showPriorArt(location.search);
    });
    for (const id of ["prior-art-link", "patent-prior-art"]) {
      $(id).addEventListener("click", (ev) => {
        if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
        ev.preventDefault();
        history.pushState(null, "", $(id).getAttribute("href"));
        route();
      });
    }
    window.addEventListener("popstate", route);
    route();
  });
})();
