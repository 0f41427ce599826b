//! Request metrics in the Prometheus text format (version 0.0.4), written
//! by hand: request counts by route, method and status, a latency
//! histogram by route, requests in flight, and the index's size.
//!
//! Routes are labelled by their template (`/v1/patents/{publication_number}`),
//! never by the raw path, and unmatched requests share one label, so the
//! number of series stays bounded whatever clients send.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The route label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

#[derive(Debug, Default)]
struct Histogram {
    /// Counts per bucket (not cumulative; summed when rendered).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Counts {
    /// (route, method, status) -> requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route -> latency.
    latency: BTreeMap<String, Histogram>,
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    counts: Mutex<Counts>,
    in_flight: AtomicI64,
    started: Instant,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            counts: Mutex::default(),
            in_flight: AtomicI64::new(0),
            started: Instant::now(),
        }
    }
}

/// What the index holds, for the gauges.
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexGauges {
    pub documents: u64,
    pub vector_documents: Option<u64>,
    pub vectors: Option<u64>,
}

impl Metrics {
    pub fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    pub fn request_finished(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *counts
            .requests
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        let histogram = counts.latency.entry(route.to_string()).or_default();
        if let Some(i) = BUCKETS.iter().position(|&b| seconds <= b) {
            histogram.buckets[i] += 1;
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self, index: IndexGauges) -> String {
        let mut out = String::new();
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str("# HELP patsearch_http_requests_total HTTP requests answered, by route template, method and status.\n");
        out.push_str("# TYPE patsearch_http_requests_total counter\n");
        for ((route, method, status), n) in &counts.requests {
            let _ = writeln!(
                out,
                "patsearch_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method)
            );
        }
        out.push_str("# HELP patsearch_http_request_duration_seconds Time to answer HTTP requests, by route template.\n");
        out.push_str("# TYPE patsearch_http_request_duration_seconds histogram\n");
        for (route, h) in &counts.latency {
            let route = escape(route);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "patsearch_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "patsearch_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "patsearch_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "patsearch_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        drop(counts);
        let gauge = |out: &mut String, name: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        gauge(
            &mut out,
            "patsearch_http_requests_in_flight",
            "HTTP requests being answered.",
            self.in_flight.load(Ordering::Relaxed).max(0).to_string(),
        );
        gauge(
            &mut out,
            "patsearch_index_documents",
            "Documents in the keyword index.",
            index.documents.to_string(),
        );
        if let (Some(documents), Some(vectors)) = (index.vector_documents, index.vectors) {
            gauge(
                &mut out,
                "patsearch_index_vector_documents",
                "Documents in the vector index.",
                documents.to_string(),
            );
            gauge(
                &mut out,
                "patsearch_index_vectors",
                "Passage vectors in the vector index.",
                vectors.to_string(),
            );
        }
        gauge(
            &mut out,
            "patsearch_uptime_seconds",
            "Seconds since the server started.",
            format!("{:.3}", self.started.elapsed().as_secs_f64()),
        );
        let _ = writeln!(
            out,
            "# HELP patsearch_build_info The running version.\n# TYPE patsearch_build_info gauge\npatsearch_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        out
    }
}

/// Escapes a label value (backslash, quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_a_cumulative_histogram() {
        let m = Metrics::default();
        for ms in [2, 2, 30] {
            m.request_started();
            m.request_finished("/v1/search", "POST", 200, Duration::from_millis(ms));
        }
        m.request_started();
        m.request_finished(UNMATCHED, "GET", 404, Duration::from_micros(10));
        let text = m.render(IndexGauges {
            documents: 7,
            vector_documents: Some(7),
            vectors: Some(20),
        });
        assert!(text.contains(
            "patsearch_http_requests_total{route=\"/v1/search\",method=\"POST\",status=\"200\"} 3"
        ));
        assert!(text.contains(
            "patsearch_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"
        ));
        assert!(text.contains(
            "patsearch_http_request_duration_seconds_bucket{route=\"/v1/search\",le=\"0.0025\"} 2"
        ));
        assert!(text.contains(
            "patsearch_http_request_duration_seconds_bucket{route=\"/v1/search\",le=\"0.05\"} 3"
        ));
        assert!(text.contains(
            "patsearch_http_request_duration_seconds_bucket{route=\"/v1/search\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains("patsearch_index_documents 7"));
        assert!(text.contains("patsearch_index_vectors 20"));
        assert!(text.contains("patsearch_http_requests_in_flight 0"));
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
