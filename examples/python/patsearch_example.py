#!/usr/bin/env python3
"""A tour of the patsearch HTTP API with plain `requests`.

Runs against a served index (`patsearch serve --index index`) and shows, step
by step: a search with facets, paging, filters, a grounded summary, a
prior-art claim chart, exports (CSV, RIS, JSON Lines, streamed to disk) and
how the API's errors look.

    python3 patsearch_example.py --base http://127.0.0.1:8080 --out exports

Needs Python 3.9+ and `requests` (Debian: apt-get install python3-requests).
"""

import argparse
import csv
import json
import sys
from pathlib import Path

import requests

QUERY = "wireless charging of a mobile device"
CLAIM = (
    "A charging system for a mobile device, comprising: a transmitter coil that "
    "generates an alternating magnetic field; a receiver coil in the mobile device "
    "that is inductively coupled to the transmitter coil; and a controller that "
    "charges a battery of the mobile device with power received by the receiver coil."
)
TIMEOUT = 60  # seconds, per request


class ApiError(Exception):
    """A non-2xx answer: the API's `{"error": {"code", "message"}}`."""

    def __init__(self, status, code, message):
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Client:
    """A thin wrapper over one `requests.Session`."""

    def __init__(self, base, api_key=None):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"

    def request(self, method, path, **kwargs):
        response = self.session.request(method, self.base + path, timeout=TIMEOUT, **kwargs)
        check(response)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs).json()

    def post(self, path, body):
        return self.request("POST", path, json=body).json()


def check(response):
    """Raises ApiError with the API's code and message on a non-2xx answer."""
    if response.ok:
        return
    try:
        error = response.json()["error"]
        code, message = error["code"], error["message"]
    except (ValueError, KeyError, TypeError):
        code, message = "http_error", response.text[:200]
    response.close()
    raise ApiError(response.status_code, code, message)


def heading(text):
    print(f"\n== {text} ==")


def search_params(mode, filters=None):
    """The search body of step a, with optional filters."""
    body = {"query": QUERY, "mode": mode, "limit": 10, "facets": True}
    if filters:
        body["filters"] = filters
    return body


def print_hits(hits):
    for hit in hits:
        print(f"  {hit['rank']:>3}. {hit['publication_number']:<14} {hit['score']:.4f}  {hit['title'][:70]}")


def step_search(client):
    heading("1. Search")
    mode = "hybrid"
    try:
        result = client.post("/v1/search", search_params(mode))
    except ApiError as e:
        if e.code != "semantic_unavailable":
            raise
        print(f"  hybrid search unavailable ({e.message}); using keyword search")
        mode = "keyword"
        result = client.post("/v1/search", search_params(mode))
    print(f"{QUERY!r}: {result['total']} results ({result['mode']}, {result['took_ms']:.0f} ms)")
    print_hits(result["hits"])
    facets = result["facets"]
    print(f"Facets (over {facets['counted']} publications):")
    for name in ("cpc_subclass", "assignee", "filing_year"):
        top = ", ".join(f"{f['value']} ({f['count']})" for f in facets[name][:5])
        print(f"  {name:<13} {top or '-'}")
    return mode, result


def step_paging(client, mode, total, page_size=10, want=30):
    heading("2. Paging")
    seen, order = set(), []
    offset = 0
    while offset < min(want, total):
        body = {"query": QUERY, "mode": mode, "limit": page_size, "offset": offset}
        page = client.post("/v1/search", body)
        numbers = [hit["publication_number"] for hit in page["hits"]]
        if not numbers:
            break
        repeated = seen.intersection(numbers)
        print(f"  offset {offset:>3}: ranks {page['hits'][0]['rank']}-{page['hits'][-1]['rank']}, "
              f"{len(numbers)} hits, {len(repeated)} seen before")
        if repeated:
            raise SystemExit(f"error: page at offset {offset} repeats {sorted(repeated)}")
        seen.update(numbers)
        order.extend(numbers)
        offset += page_size
    print(f"  {len(order)} distinct hits in {offset // page_size} pages (total {total})")
    return order


def step_filters(client, mode, first):
    heading("3. Filters")
    if mode != "keyword":
        print("  (in hybrid mode `total` counts the ranked candidate window, not every match)")
    print(f"  no filters: total {first['total']}")
    filters = {"country": ["US"], "filed": {"from": "2013-01-01", "to": "2013-12-31"}}
    result = client.post("/v1/search", search_params(mode, filters))
    print(f"  {json.dumps(filters)}: total {result['total']}")
    assignees = first["facets"]["assignee"]
    if assignees:
        top = assignees[0]["value"]
        result = client.post("/v1/search", search_params(mode, {"assignee": [top]}))
        print(f"  top assignee facet {top!r}: total {result['total']}")
        print_hits(result["hits"][:3])


def step_summary(client, number):
    heading("4. Grounded summary")
    path = f"/v1/patents/{number}/summary"
    try:
        summary = client.get(path, params={"query": QUERY, "sentences": 3})
    except ApiError as e:
        if e.status != 400:
            raise
        # A keyword-only index has no model to focus a summary on a query.
        print(f"  focused summary unavailable ({e.message}); the plain summary instead")
        summary = client.get(path, params={"sentences": 3})
    print(f"{summary['publication_number']}  {summary['title']}  (method {summary['method']})")
    for sentence in summary["sentences"]:
        where = f"{sentence['section']} ¶{sentence['paragraph']}"
        if sentence.get("part"):
            where += f" ({sentence['part']})"
        print(f"  [{where}] {sentence['text'][:160]}")


def step_prior_art(client):
    heading("5. Prior-art chart")
    try:
        chart = client.post("/v1/prior-art", {"text": CLAIM, "limit": 3})
    except ApiError as e:
        if e.code != "semantic_unavailable":
            raise
        print(f"  prior art needs semantic search: {e.message}")
        return
    elements = chart["elements"]
    print(f"{len(elements)} elements (split: {chart['split']}), covered at similarity >= {chart['threshold']}")
    for element in elements:
        print(f"  [{element['label']}] {element['text'][:90]}")
    for hit in chart["hits"]:
        print(f"\n  {hit['rank']}. {hit['publication_number']} {hit['title'][:60]} "
              f"(covers {hit['covered']} of {len(elements)}, score {hit['score']:.3f})")
        print(f"     {'element':<8} {'sim':>5}  {'':1}  passage: quote")
        for row in hit["mapping"]:
            label = elements[row["element"]]["label"]
            mark = "+" if row["covered"] else " "
            quote = (row.get("quote") or {}).get("text") or row.get("text") or ""
            print(f"     {label:<8} {row['similarity']:>5.2f}  {mark}  {row['passage']['label']}: {quote[:70]!r}")


def export(client, out_dir, fmt, params):
    """Streams one export to out_dir in chunks; returns its path."""
    path = out_dir / f"export.{fmt}"
    response = client.request("GET", "/v1/export", params={**params, "format": fmt}, stream=True)
    with response, path.open("wb") as out:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            out.write(chunk)
    return path


def step_export(client, out_dir, mode, ranked):
    heading("6. Export")
    out_dir.mkdir(parents=True, exist_ok=True)
    # The same parameters as the paged search, so the rows are its hits.
    params = {"query": QUERY, "mode": mode, "limit": max(len(ranked), 1)}
    for fmt in ("csv", "ris", "jsonl"):
        path = export(client, out_dir, fmt, params)
        print(f"  {fmt:<5} -> {path} ({path.stat().st_size} bytes)")
    with (out_dir / "export.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    print(f"CSV: {len(rows)} rows; the first three:")
    for row in rows[:3]:
        print(f"  {row['rank']:>3}. {row['publication_number']:<14} {row['filing_date'] or '-':<10} "
              f"{row['assignees'][:30]:<30} {row['title'][:40]}")
    numbers = [row["publication_number"] for row in rows]
    if numbers != ranked:
        raise SystemExit("error: the CSV's publication numbers differ from the search's hits")
    print(f"  the CSV's {len(numbers)} publication numbers equal the paged search's hits, in order")
    with (out_dir / "export.jsonl").open(encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    print(f"JSONL: {len(lines)} records, fields {', '.join(lines[0]) if lines else '-'}")


def step_errors(client):
    heading("7. Errors")
    for what, call in [
        ("export limit above the maximum",
         lambda: client.request("GET", "/v1/export", params={"query": QUERY, "limit": 1_000_000})),
        ("an unknown patent", lambda: client.get("/v1/patents/US0000000/summary")),
        ("a malformed query", lambda: client.post("/v1/search", {"query": "battery AND (charg*", "mode": "keyword"})),
    ]:
        try:
            call()
            print(f"  {what}: unexpectedly accepted")
        except ApiError as e:
            print(f"  {what}: handled {e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8080", help="the server's URL")
    parser.add_argument("--out", default="patsearch-exports", type=Path, help="where exports are written")
    parser.add_argument("--api-key", help="sent as a bearer token (servers with require_key_for_reads)")
    args = parser.parse_args()
    client = Client(args.base, args.api_key)
    try:
        health = client.session.get(client.base + "/healthz", timeout=10)
        check(health)
        print(f"patsearch at {client.base}")
        mode, first = step_search(client)
        ranked = step_paging(client, mode, first["total"])
        step_filters(client, mode, first)
        if first["hits"]:
            step_summary(client, first["hits"][0]["publication_number"])
        step_prior_art(client)
        step_export(client, args.out, mode, ranked)
        step_errors(client)
    except requests.ConnectionError as e:
        print(f"error: cannot reach patsearch at {args.base}: is `patsearch serve` running? ({e})", file=sys.stderr)
        return 2
    except (ApiError, requests.RequestException) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print("\ndone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
