//! Topic files: the queries of an evaluation.

use std::collections::BTreeMap;
use std::path::Path;

use crate::EvalError;

/// One topic: its id (as the qrels name it) and its query text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub id: String,
    pub text: String,
}

/// Reads a topic file: `topic<TAB>text` a line (TSV), in file order.
pub fn read_topics(path: impl AsRef<Path>) -> Result<Vec<Topic>, EvalError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_topics(&text, path)
}

/// Parses topic lines `topic<TAB>text`; `path` names the source in errors.
/// Blank lines are skipped; the text is trimmed and must not be empty; a
/// topic id has no whitespace and appears once.
pub fn parse_topics(text: &str, path: &Path) -> Result<Vec<Topic>, EvalError> {
    let error = |line: usize, message: String| EvalError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut topics = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Some((id, query)) = line.split_once('\t') else {
            return Err(error(
                number,
                format!("expected `topic<TAB>text`, found no tab: {line:?}"),
            ));
        };
        let id = id.trim();
        let query = query.trim();
        if id.is_empty() || id.contains(char::is_whitespace) {
            return Err(error(
                number,
                format!("the topic id {id:?} is empty or has spaces"),
            ));
        }
        if query.is_empty() {
            return Err(error(number, format!("topic {id} has no text")));
        }
        if let Some(first) = seen.insert(id.to_string(), number) {
            return Err(error(
                number,
                format!("topic {id} appears twice (first on line {first})"),
            ));
        }
        topics.push(Topic {
            id: id.to_string(),
            text: query.to_string(),
        });
    }
    Ok(topics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Topic>, EvalError> {
        parse_topics(text, Path::new("topics.tsv"))
    }

    #[test]
    fn topics_keep_file_order_and_their_text_whole() {
        let topics =
            parse("T2\tcharging a phone\twirelessly \r\n\nT1\t \"recoil\" of a rifle\n").unwrap();
        assert_eq!(
            topics,
            [
                Topic {
                    id: "T2".into(),
                    text: "charging a phone\twirelessly".into()
                },
                Topic {
                    id: "T1".into(),
                    text: "\"recoil\" of a rifle".into()
                },
            ]
        );
    }

    #[test]
    fn bad_lines_name_the_file_and_line() {
        let err = parse("T1\tok\nT2 no tab\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "topics.tsv:2: expected `topic<TAB>text`, found no tab: \"T2 no tab\""
        );
        let err = parse("T1\t  \n").unwrap_err();
        assert_eq!(err.to_string(), "topics.tsv:1: topic T1 has no text");
        let err = parse("T 1\tx\n").unwrap_err();
        assert!(err.to_string().starts_with("topics.tsv:1: the topic id"));
        let err = parse("T1\tx\n\nT1\ty\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "topics.tsv:3: topic T1 appears twice (first on line 1)"
        );
    }
}
