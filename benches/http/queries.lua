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
local i = 0
request = function()
  i = i % #queries + 1
  local body = string.format('{"query": "%s", "mode": "%s", "limit": 10}', queries[i], mode)
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
