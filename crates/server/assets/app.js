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
  //
  // The search page's whole state lives in the query string, so a link
  // reproduces the page:
  //   q, mode, page, members=all (every family member),
  //   cpc, ipc, country, kind: comma-separated lists,
  //   assignee: repeated (a name may contain commas: "Apple, Inc."),
  //   filed_from, filed_to, published_from, published_to, priority_from,
  //   priority_to: YYYY-MM-DD.
  // Older links wrote one range as date=FIELD&from=D&to=D and one assignee;
  // fromQueryString still reads them.

  const MODES = ["hybrid", "keyword", "semantic"];
  const LIST_FILTERS = ["cpc", "ipc", "country", "kind"];
  const DATE_FIELDS = ["filed", "published", "priority"];

  function emptyState() {
    // No mode: the page's default (hybrid), as a link without one says.
    const s = { q: "", mode: "", assignee: [], members: "", page: 0 };
    for (const k of LIST_FILTERS) s[k] = [];
    for (const f of DATE_FIELDS) s[f] = { from: "", to: "" };
    return s;
  }

  function splitList(text, sep) {
    return (text || "").split(sep || ",").map((x) => x.trim()).filter(Boolean);
  }

  // "H02J, h04w ," -> ["H02J", "H04W"]: the server compares codes in any
  // case; upper case keeps URLs and chips uniform.
  function codes(text) {
    return unique(splitList(text).map((x) => x.toUpperCase()));
  }

  function unique(values) {
    return Array.from(new Set(values));
  }

  function readForm() {
    const s = emptyState();
    s.q = $("q").value.trim();
    s.mode = $("mode").value;
    for (const k of LIST_FILTERS) s[k] = codes($("f-" + k).value);
    // Assignee names are separated by ";" in the form: they contain commas.
    s.assignee = unique(splitList($("f-assignee").value, ";"));
    for (const f of DATE_FIELDS) {
      s[f] = { from: $("f-" + f + "-from").value, to: $("f-" + f + "-to").value };
    }
    s.members = $("f-members").checked ? "all" : "";
    return s;
  }

  function fillForm(s) {
    $("q").value = s.q || "";
    $("mode").value = MODES.includes(s.mode) ? s.mode : "hybrid";
    for (const k of LIST_FILTERS) $("f-" + k).value = s[k].join(", ");
    $("f-assignee").value = s.assignee.join("; ");
    for (const f of DATE_FIELDS) {
      $("f-" + f + "-from").value = s[f].from;
      $("f-" + f + "-to").value = s[f].to;
    }
    $("f-members").checked = s.members === "all";
    const n = activeFilters(s).length;
    $("filter-count").textContent = n ? "(" + n + ")" : "";
  }

  function toQueryString(s) {
    const p = new URLSearchParams();
    if (s.q) p.set("q", s.q);
    if (s.mode) p.set("mode", s.mode);
    for (const k of LIST_FILTERS) if (s[k].length) p.set(k, s[k].join(","));
    for (const name of s.assignee) p.append("assignee", name);
    for (const f of DATE_FIELDS) {
      if (s[f].from) p.set(f + "_from", s[f].from);
      if (s[f].to) p.set(f + "_to", s[f].to);
    }
    if (s.members) p.set("members", s.members);
    if (s.page) p.set("page", String(s.page));
    return p.toString();
  }

  function fromQueryString(qs) {
    const p = new URLSearchParams(qs);
    const s = emptyState();
    s.q = p.get("q") || "";
    s.mode = p.get("mode") || "";
    for (const k of LIST_FILTERS) s[k] = codes(p.getAll(k).join(","));
    s.assignee = unique(p.getAll("assignee").map((x) => x.trim()).filter(Boolean));
    // The old single range: date=FIELD&from=&to= (published by default).
    if (p.get("from") || p.get("to")) {
      const field = DATE_FIELDS.includes(p.get("date")) ? p.get("date") : "published";
      s[field] = { from: p.get("from") || "", to: p.get("to") || "" };
    }
    for (const f of DATE_FIELDS) {
      if (p.has(f + "_from")) s[f].from = p.get(f + "_from");
      if (p.has(f + "_to")) s[f].to = p.get(f + "_to");
    }
    s.members = p.get("members") === "all" ? "all" : "";
    s.page = Math.max(0, parseInt(p.get("page") || "0", 10) || 0);
    return s;
  }

  // The filters object of POST /v1/search.
  function requestFilters(s) {
    const filters = {};
    for (const k of LIST_FILTERS) if (s[k].length) filters[k] = s[k].slice();
    if (s.assignee.length) filters.assignee = s.assignee.slice();
    for (const f of DATE_FIELDS) {
      const range = {};
      if (s[f].from) range.from = s[f].from;
      if (s[f].to) range.to = s[f].to;
      if (range.from || range.to) filters[f] = range;
    }
    return filters;
  }

  function requestBody(s) {
    return {
      query: s.q,
      mode: s.mode || "hybrid",
      filters: requestFilters(s),
      limit: PAGE_SIZE,
      offset: s.page * PAGE_SIZE,
      highlight: true,
      facets: true,
      collapse: s.members !== "all",
    };
  }

  // GET /v1/export of the same search: the filters flattened into
  // parameters. No limit: the server's maximum (max_export_hits) applies.
  function exportHref(s, format) {
    const p = new URLSearchParams();
    p.set("query", s.q);
    p.set("format", format);
    p.set("mode", s.mode || "hybrid");
    if (s.members === "all") p.set("collapse", "false");
    for (const k of LIST_FILTERS) if (s[k].length) p.set(k, s[k].join(","));
    for (const name of s.assignee) p.append("assignee", name);
    for (const f of DATE_FIELDS) {
      if (s[f].from) p.set(f + "_from", s[f].from);
      if (s[f].to) p.set(f + "_to", s[f].to);
    }
    return "/v1/export?" + p.toString();
  }

  // A year as a date range: what a year facet or bar filters by.
  function yearRange(year) {
    return { from: year + "-01-01", to: year + "-12-31" };
  }

  function isYearRange(range, year) {
    return range.from === year + "-01-01" && range.to === year + "-12-31";
  }

  const FILTER_LABELS = { cpc: "CPC", ipc: "IPC", assignee: "Assignee", country: "Country", kind: "Kind" };
  const DATE_LABELS = { filed: "Filed", published: "Published", priority: "Priority" };

  // Every active filter as {label, remove(state)}: the chips above the
  // results, and the filter count in the form.
  function activeFilters(s) {
    const out = [];
    for (const k of ["cpc", "ipc", "assignee", "country", "kind"]) {
      for (const value of s[k]) {
        out.push({
          label: FILTER_LABELS[k] + ": " + value,
          remove: (t) => { t[k] = t[k].filter((v) => v !== value); },
        });
      }
    }
    for (const f of DATE_FIELDS) {
      const { from, to } = s[f];
      if (!from && !to) continue;
      const year = from.slice(0, 4);
      const text = isYearRange(s[f], year) ? "in " + year
        : from && to ? from + " to " + to
        : from ? "from " + from : "until " + to;
      out.push({
        label: DATE_LABELS[f] + " " + text,
        remove: (t) => { t[f] = { from: "", to: "" }; },
      });
    }
    if (s.members === "all") {
      out.push({ label: "Every family member", remove: (t) => { t.members = ""; } });
    }
    return out;
  }

  function copyState(s) {
    const t = Object.assign({}, s);
    for (const k of LIST_FILTERS.concat(["assignee"])) t[k] = s[k].slice();
    for (const f of DATE_FIELDS) t[f] = Object.assign({}, s[f]);
    return t;
  }

  // A new search from `s` changed by `change`, from the first page.
  function refine(s, change) {
    const t = copyState(s);
    change(t);
    t.page = 0;
    go(t, false);
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

  // --- facets ----------------------------------------------------------------

  // The facets of the response, in the sidebar's order, with the filter a
  // click on a value sets: a list filter gets the value, a year sets a date
  // range on its field (filing year: filed; publication year: published).
  const FACETS = [
    { key: "cpc_subclass", label: "CPC subclass", filter: "cpc" },
    { key: "assignee", label: "Assignee", filter: "assignee" },
    { key: "country", label: "Country", filter: "country" },
    { key: "kind", label: "Kind", filter: "kind" },
    { key: "filing_year", label: "Filing year", date: "filed" },
    { key: "year", label: "Publication year", date: "published" },
  ];
  // Years beyond these many are folded under "more years".
  const YEARS_SHOWN = 8;

  function facetActive(s, facet, value) {
    if (facet.date) return isYearRange(s[facet.date], value);
    // Codes are kept in upper case (see codes()); names as given.
    const wanted = facet.filter === "assignee" ? value : value.toUpperCase();
    return s[facet.filter].includes(wanted);
  }

  // Clicking a value filters by it; clicking an active value removes it.
  function toggleFacet(s, facet, value) {
    refine(s, (t) => {
      if (facet.date) {
        t[facet.date] = isYearRange(t[facet.date], value) ? { from: "", to: "" } : yearRange(value);
        return;
      }
      const v = facet.filter === "assignee" ? value : value.toUpperCase();
      t[facet.filter] = t[facet.filter].includes(v)
        ? t[facet.filter].filter((x) => x !== v)
        : t[facet.filter].concat([v]);
    });
  }

  function facetButton(s, facet, entry) {
    const active = facetActive(s, facet, entry.value);
    // A CPC subclass may come with its title (when the server knows it).
    const title = typeof entry.title === "string" && entry.title ? entry.title : null;
    const button = el("button", {
      type: "button",
      class: "facet-value",
      "aria-pressed": String(active),
      title: (active ? "Remove the filter " : "Filter by ") + entry.value + (title ? " (" + title + ")" : ""),
      dataset: { facet: facet.key, value: entry.value, testid: "facet-value" },
    }, [
      el("span", { class: "facet-label" }, [
        el("span", { class: "facet-name", text: entry.value }),
        title ? el("span", { class: "facet-title", text: title }) : null,
      ]),
      el("span", { class: "facet-count", text: entry.count.toLocaleString("en-US") }),
    ]);
    button.addEventListener("click", () => toggleFacet(s, facet, entry.value));
    return el("li", {}, [button]);
  }

  function renderFacet(s, facet, entries) {
    const heading = el("h3", { class: "facet-heading", text: facet.label });
    const section = el("section", { class: "facet", dataset: { facet: facet.key } }, [heading]);
    if (!entries.length) {
      section.append(el("p", { class: "muted facet-none", text: "none in these results" }));
      return section;
    }
    const shown = facet.date ? entries.slice(0, YEARS_SHOWN) : entries;
    section.append(el("ul", { class: "facet-list" }, shown.map((e) => facetButton(s, facet, e))));
    const rest = entries.slice(shown.length);
    if (rest.length) {
      section.append(el("details", { class: "facet-more" }, [
        el("summary", { text: rest.length + " more " + (rest.length === 1 ? "year" : "years") }),
        el("ul", { class: "facet-list" }, rest.map((e) => facetButton(s, facet, e))),
      ]));
    }
    return section;
  }

  // What the counts are over: keyword mode counts the matches (the top
  // 1,000 by keyword score when more match: the server's facet window);
  // semantic and hybrid search have no boolean match, so they count the
  // ranked candidate window, what paging can reach.
  const KEYWORD_FACET_WINDOW = 1000;

  function facetsNote(facets, mode) {
    const n = facets.counted.toLocaleString("en-US");
    if (mode === "keyword") {
      return facets.counted >= KEYWORD_FACET_WINDOW
        ? "Counts over the top " + n + " hits by keyword score."
        : "Counts over all " + n + " matching publications.";
    }
    return "Counts over the " + n + " ranked hits (the " + mode +
      " candidate window: semantic search has no boolean match).";
  }

  function renderFacets(s, facets, mode) {
    $("facets").replaceChildren(...FACETS.map((f) => renderFacet(s, f, facets[f.key] || [])));
    $("facets-note").textContent = facetsNote(facets, mode);
  }

  // --- active filters (chips) ---------------------------------------------------

  function renderChips(s) {
    const active = activeFilters(s);
    $("chips").replaceChildren(...active.map((f) => {
      const remove = el("button", {
        type: "button",
        class: "chip-remove",
        "aria-label": "Remove filter " + f.label,
        title: "Remove this filter",
        text: "×",
      });
      remove.addEventListener("click", () => refine(s, f.remove));
      return el("li", { class: "chip", dataset: { testid: "chip" } }, [
        el("span", { class: "chip-label", text: f.label }), remove,
      ]);
    }));
    if (active.length > 1) {
      const all = el("button", { type: "button", class: "chip-clear secondary", text: "Clear all" });
      all.addEventListener("click", () => refine(s, (t) => {
        for (const f of activeFilters(t)) f.remove(t);
      }));
      $("chips").append(el("li", {}, [all]));
    }
    $("active-filters").hidden = !active.length;
  }

  // --- landscape charts ------------------------------------------------------------
  //
  // SVG drawn here (the CSP allows no inline script or style; SVG
  // attributes are fine, colours come from app.css classes). Each chart is
  // an image with a label for screen readers, followed by a visually hidden
  // table with its numbers.

  const SVG_NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, String(v));
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  // A round axis maximum and step (1, 2, 2.5 or 5 times a power of ten,
  // whole numbers), at most five steps.
  function niceScale(max) {
    if (max <= 5) return { top: Math.max(1, max), step: 1 };
    const raw = max / 5;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((x) => x >= raw && Number.isInteger(x));
    return { top: Math.ceil(max / step) * step, step: step };
  }

  function shorten(text, max) {
    return text.length <= max ? text : text.slice(0, max - 1).trimEnd() + "…";
  }

  // The table sits in a hidden div: a table itself ignores the width and
  // overflow that hide it, and would widen a narrow page.
  function chartTable(caption, columns, rows) {
    return el("div", { class: "visually-hidden" }, [el("table", { dataset: { testid: "chart-table" } }, [
      el("caption", { text: caption }),
      el("thead", {}, [el("tr", {}, columns.map((c) => el("th", { scope: "col", text: c })))]),
      el("tbody", {}, rows.map((r) => el("tr", {}, [
        el("th", { scope: "row", text: r[0] }), el("td", { text: String(r[1]) }),
      ]))),
    ])]);
  }

  function chartFigure(testid, caption, body) {
    return el("figure", { class: "chart-fig", dataset: { testid: testid } }, [
      el("figcaption", { class: "chart-caption", text: caption }),
    ].concat(body));
  }

  // The years to chart, oldest first: filing years, else publication years
  // (records without filing dates may still have publication dates); null
  // when the results have no dates.
  function yearSeries(facets) {
    const byValue = (a, b) => a.value.localeCompare(b.value);
    if ((facets.filing_year || []).length) {
      return { data: facets.filing_year.slice().sort(byValue), what: "Filings per year", unit: "filings" };
    }
    if ((facets.year || []).length) {
      return {
        data: facets.year.slice().sort(byValue),
        what: "Publications per year (no filing dates in these results)",
        unit: "publications",
      };
    }
    return null;
  }

  function yearChart(facets) {
    const series = yearSeries(facets);
    if (!series) {
      return chartFigure("chart-years", "Filings per year",
        [el("p", { class: "muted chart-empty", text: "No dates in these results." })]);
    }
    const column = series.unit[0].toUpperCase() + series.unit.slice(1);
    return chartFigure("chart-years", series.what, [yearBars(series),
      chartTable(series.what, ["Year", column], series.data.map((d) => [d.value, d.count]))]);
  }

  // Vertical bars, one per year present (years without documents get no
  // bar: the axis names each bar's year), on a y axis of round steps.
  function yearBars(series) {
    const data = series.data;
    const W = 300, H = 180, left = 32, right = 6, top = 18, bottom = 22;
    const plotW = W - left - right, plotH = H - top - bottom, base = top + plotH;
    const { top: yMax, step } = niceScale(Math.max(...data.map((d) => d.count)));
    const band = plotW / data.length;
    const barW = Math.min(band * 0.72, 40);
    const y = (v) => base - (v / yMax) * plotH;
    // Year labels are about 28 units wide: label every k-th bar, counted
    // from the most recent year so that it is always named.
    const every = Math.ceil(32 / band);
    const span = data[0].value + (data.length > 1 ? " to " + data[data.length - 1].value : "");
    const chart = svg("svg", {
      class: "chart-svg", viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": series.what + ", " + span + ": " + data.map((d) => d.value + " " + d.count).join(", "),
    });
    for (let v = 0; v <= yMax; v += step) {
      chart.append(
        svg("line", { class: "grid", x1: left, x2: W - right, y1: y(v), y2: y(v) }),
        svg("text", { class: "tick", x: left - 4, y: y(v) + 3.5, "text-anchor": "end", text: String(v) }));
    }
    data.forEach((d, i) => {
      const cx = left + band * (i + 0.5);
      const h = Math.max(base - y(d.count), 1);
      chart.append(svg("rect", {
        class: "bar", x: cx - barW / 2, y: base - h, width: barW, height: h,
        "data-value": d.value, "data-count": d.count,
      }, [svg("title", { text: d.value + ": " + d.count + " " + series.unit })]));
      // Counts on top of the bars when they fit; the table has them all.
      if (band >= 20) {
        chart.append(svg("text", { class: "value", x: cx, y: base - h - 3, "text-anchor": "middle", text: String(d.count) }));
      }
      if ((data.length - 1 - i) % every === 0) {
        chart.append(svg("text", { class: "tick", x: cx, y: H - bottom + 14, "text-anchor": "middle", text: d.value }));
      }
    });
    chart.append(svg("line", { class: "axis", x1: left, x2: W - right, y1: base, y2: base }));
    return chart;
  }

  // Horizontal bars, most frequent first: each row a label above its bar,
  // so long names keep the width of the chart.
  function barList(testid, caption, entries, label, empty) {
    if (!entries.length) {
      return chartFigure(testid, caption, [el("p", { class: "muted chart-empty", text: empty })]);
    }
    const W = 300, row = 32, left = 2, right = 36, top = 2;
    const H = top + row * entries.length;
    const max = Math.max(...entries.map((e) => e.count));
    const chart = svg("svg", {
      class: "chart-svg", viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": caption + ": " + entries.map((e) => label(e) + " " + e.count).join(", "),
    });
    entries.forEach((e, i) => {
      const y0 = top + i * row;
      const w = Math.max(1, ((W - left - right) * e.count) / max);
      chart.append(
        svg("text", { class: "label", x: left, y: y0 + 12, text: shorten(label(e), 44) }, [svg("title", { text: label(e) })]),
        svg("rect", { class: "bar", x: left, y: y0 + 17, width: w, height: 10, "data-value": e.value, "data-count": e.count },
          [svg("title", { text: label(e) + ": " + e.count })]),
        svg("text", { class: "value", x: left + w + 4, y: y0 + 26, text: String(e.count) }));
    });
    return chartFigure(testid, caption, [chart,
      chartTable(caption, ["Value", "Publications"], entries.map((e) => [label(e), e.count]))]);
  }

  function cpcLabel(entry) {
    return typeof entry.title === "string" && entry.title ? entry.value + " · " + entry.title : entry.value;
  }

  function renderCharts(facets) {
    $("charts").replaceChildren(
      yearChart(facets),
      barList("chart-assignees", "Top assignees", facets.assignee || [], (e) => e.value,
        "No assignees in these results."),
      barList("chart-cpc", "Top CPC subclasses", facets.cpc_subclass || [], cpcLabel,
        "No CPC codes in these results."));
  }

  // --- export links -------------------------------------------------------------------

  function renderExports(s) {
    for (const a of document.querySelectorAll("a.export-link")) {
      a.setAttribute("href", exportHref(s, a.dataset.format));
    }
  }

  // A link cannot send the API key header: when a key is in use, the file
  // is fetched with it and handed to the browser as a download.
  async function downloadWithKey(a) {
    try {
      const response = await fetch(a.href, { headers: headers(false) });
      if (!response.ok) {
        let body = null;
        try { body = await response.json(); } catch (e) { body = null; }
        throw new ApiError(response.status, body);
      }
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: a.getAttribute("download") });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (err) {
      showError(err instanceof ApiError ? err
        : new ApiError(0, { error: { code: "network", message: "the export could not be downloaded" } }));
    }
  }

  // --- search view -----------------------------------------------------------------

  // The facets and charts panels start open on a wide screen, folded on a
  // narrow one (results first); then they stay as the reader leaves them.
  let panelsSet = false;

  function setPanels() {
    if (panelsSet) return;
    panelsSet = true;
    const wide = window.matchMedia("(min-width: 60rem)").matches;
    $("facets-panel").open = wide;
    $("landscape").open = wide;
  }

  function setBusy(busy) {
    $("search-view").setAttribute("aria-busy", String(busy));
    $("search-view").classList.toggle("busy", busy);
    $("search-btn").disabled = busy;
  }

  function showIntro() {
    $("results").replaceChildren();
    $("status").textContent = "";
    $("search-note").hidden = true;
    $("pager").hidden = true;
    $("search-layout").hidden = true;
    $("active-filters").hidden = true;
    $("intro").hidden = false;
  }

  function renderResults(s, data) {
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
    $("exports").hidden = data.total === 0;
    if (data.facets) {
      renderFacets(s, data.facets, data.mode);
      renderCharts(data.facets);
    }
    $("facets-panel").hidden = !data.facets;
    $("landscape").hidden = !data.facets || data.total === 0;
    setPanels();
    $("search-layout").hidden = false;
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
      showIntro();
      return;
    }
    $("intro").hidden = true;
    renderChips(s);
    renderExports(s);
    $("status").textContent = "Searching…";
    setBusy(true);
    const mine = ++generation;
    try {
      const data = await api("/v1/search", requestBody(s));
      if (mine !== generation) return;
      sessionStorage.setItem(LAST_SEARCH, location.search);
      renderResults(s, data);
    } catch (err) {
      if (mine !== generation) return;
      $("results").replaceChildren();
      $("status").textContent = "";
      $("pager").hidden = true;
      $("search-layout").hidden = true;
      showError(err, s.q);
    } finally {
      if (mine === generation) setBusy(false);
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
    setBusy(false);
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
    $("no-claims").hidden = true;
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
    // Bibliographic records (and the benchmark corpus) have no claims: say
    // so rather than leave the section empty.
    $("no-claims").hidden = claims.length > 0;
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
    setBusy(false);
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
    // Clears the form; the next search (or Enter) applies it.
    $("clear-filters").addEventListener("click", () => {
      for (const input of $("filters").querySelectorAll("input")) {
        if (input.type === "checkbox") input.checked = false;
        else input.value = "";
      }
      $("filter-count").textContent = "";
    });
    for (const a of document.querySelectorAll("a.export-link")) {
      a.addEventListener("click", (ev) => {
        if (!sessionStorage.getItem(KEY_STORAGE)) return;
        ev.preventDefault();
        downloadWithKey(a);
      });
    }
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
