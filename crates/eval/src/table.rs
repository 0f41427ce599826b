//! Tables of evaluations: one row per metric, one column per system.

use crate::metrics::{Evaluation, Metric};

/// The label of the last row: how many topics each column is averaged over.
pub const TOPICS_ROW: &str = "topics";

/// Decimals of the metric cells.
const DECIMALS: usize = 4;

/// The cells: a header row, a row per metric, the topic count row.
fn cells(columns: &[(&str, &Evaluation)]) -> Vec<Vec<String>> {
    let mut rows = Vec::with_capacity(Metric::ALL.len() + 2);
    let mut header = vec!["metric".to_string()];
    header.extend(columns.iter().map(|(name, _)| name.to_string()));
    rows.push(header);
    for metric in Metric::ALL {
        let mut row = vec![metric.name().to_string()];
        row.extend(
            columns
                .iter()
                // `+ 0.0` prints a mean of -0.0 (no relevant hit anywhere) as 0.
                .map(|(_, e)| format!("{:.DECIMALS$}", e.mean.get(metric) + 0.0)),
        );
        rows.push(row);
    }
    let mut count = vec![TOPICS_ROW.to_string()];
    count.extend(columns.iter().map(|(_, e)| e.topics().to_string()));
    rows.push(count);
    rows
}

fn widths(rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths = vec![0; rows[0].len()];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    widths
}

/// The table as aligned plain text: metric names left-aligned, numbers
/// right-aligned, columns two spaces apart, one line per row.
///
/// ```text
/// metric   keyword  semantic  hybrid
/// nDCG@10   0.8180    0.5670  0.7240
/// ...
/// topics        45        45      45
/// ```
pub fn text_table(columns: &[(&str, &Evaluation)]) -> String {
    let rows = cells(columns);
    let widths = widths(&rows);
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, &w)) in row.iter().zip(&widths).enumerate() {
            if i == 0 {
                line.push_str(&format!("{cell:<w$}"));
            } else {
                line.push_str(&format!("  {cell:>w$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The table in Markdown (GitHub tables), numbers right-aligned.
pub fn markdown_table(columns: &[(&str, &Evaluation)]) -> String {
    let rows = cells(columns);
    let widths: Vec<usize> = widths(&rows).into_iter().map(|w| w.max(3)).collect();
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        let mut line = String::from("|");
        for (i, (cell, &w)) in row.iter().zip(&widths).enumerate() {
            if i == 0 {
                line.push_str(&format!(" {cell:<w$} |"));
            } else {
                line.push_str(&format!(" {cell:>w$} |"));
            }
        }
        out.push_str(&line);
        out.push('\n');
        if r == 0 {
            let mut rule = String::from("|");
            for (i, &w) in widths.iter().enumerate() {
                let dashes = "-".repeat(w);
                if i == 0 {
                    rule.push_str(&format!(" {dashes} |"));
                } else {
                    rule.push_str(&format!(" {}: |", &dashes[1..]));
                }
            }
            out.push_str(&rule);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Scores;

    fn evaluation(value: f64, topics: usize) -> Evaluation {
        let mut e = Evaluation {
            mean: Scores {
                ndcg_10: value,
                recall_10: value / 2.0,
                recall_100: 1.0,
                mrr_10: 0.0,
                map: 1.0 / 3.0,
            },
            ..Evaluation::default()
        };
        for i in 0..topics {
            e.per_topic.insert(format!("T{i}"), Scores::default());
        }
        e
    }

    #[test]
    fn text_tables_are_aligned() {
        let k = evaluation(0.818, 45);
        let s = evaluation(0.56789, 45);
        let h = evaluation(0.72444, 7);
        let table = text_table(&[("keyword", &k), ("semantic", &s), ("hybrid", &h)]);
        assert_eq!(
            table,
            "\
metric   keyword  semantic  hybrid
nDCG@10   0.8180    0.5679  0.7244
R@10      0.4090    0.2839  0.3622
R@100     1.0000    1.0000  1.0000
MRR@10    0.0000    0.0000  0.0000
MAP       0.3333    0.3333  0.3333
topics        45        45       7
"
        );
    }

    #[test]
    fn one_column_tables() {
        let s = evaluation(0.5, 705);
        assert_eq!(
            text_table(&[("semantic", &s)]).lines().next(),
            Some("metric   semantic")
        );
        assert!(text_table(&[("semantic", &s)]).ends_with("topics        705\n"));
    }

    #[test]
    fn markdown_tables() {
        let k = evaluation(0.818, 45);
        let s = evaluation(0.5, 45);
        assert_eq!(
            markdown_table(&[("keyword", &k), ("semantic", &s)]),
            "\
| metric  | keyword | semantic |
| ------- | ------: | -------: |
| nDCG@10 |  0.8180 |   0.5000 |
| R@10    |  0.4090 |   0.2500 |
| R@100   |  1.0000 |   1.0000 |
| MRR@10  |  0.0000 |   0.0000 |
| MAP     |  0.3333 |   0.3333 |
| topics  |      45 |       45 |
"
        );
    }
}
