-- wrk script: POST /v1/search with hybrid queries taken in turn from a file of
-- `topic<TAB>text` lines (the eval/nl queries), one per request.
local queries = {}
local path = os.getenv("QUERIES") or "../shared/eval/nl/queries-nl.tsv"
for line in io.lines(path) do
  local text = line:match("^[^\t]+\t(.+)$")
  if text then
    text = text:gsub('\\', '\\\\'):gsub('"', '\\"')
    table.insert(queries, text)
  end
end
local mode = os.getenv("MODE") or "hybrid"
-- FACETS=true asks for facet counts; HIGHLIGHT=false drops the snippets.
local facets = os.getenv("FACETS") or "false"
local highlight = os.getenv("HIGHLIGHT") or "true"
-- THINK_MS > 0: each connection waits that long between a response and its
-- next request, so the offered load stays below what the server can take and
-- latency is measured at that load rather than at saturation.
local think = tonumber(os.getenv("THINK_MS") or "0")
if think > 0 then
  delay = function()
    return think
  end
end
local i = 0
request = function()
  i = i % #queries + 1
  local body = string.format('{"query": "%s", "mode": "%s", "limit": 10, "facets": %s, "highlight": %s}',
    queries[i], mode, facets, highlight)
  return wrk.format("POST", "/v1/search", { ["Content-Type"] = "application/json" }, body)
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors: connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  io.write(string.format("requests/s %.1f, latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1e3,
    latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
