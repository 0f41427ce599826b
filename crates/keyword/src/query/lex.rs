//! The lexer: characters to positioned tokens.

use std::fmt;

use super::{err, QueryError};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Word(String),
    Phrase {
        text: String,
        slop: Option<u32>,
    },
    Field(String),
    Range {
        raw: String,
        inclusive_from: bool,
        inclusive_to: bool,
    },
    LParen,
    RParen,
    And,
    Or,
    Not,
    Plus,
    Minus,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => write!(f, "`{w}`"),
            Tok::Phrase { text, .. } => write!(f, "\"{text}\""),
            Tok::Field(name) => write!(f, "`{name}:`"),
            Tok::Range { raw, .. } => write!(f, "range `{raw}`"),
            Tok::LParen => f.write_str("`(`"),
            Tok::RParen => f.write_str("`)`"),
            Tok::And => f.write_str("AND"),
            Tok::Or => f.write_str("OR"),
            Tok::Not => f.write_str("NOT"),
            Tok::Plus => f.write_str("`+`"),
            Tok::Minus => f.write_str("`-`"),
        }
    }
}

/// Characters that end a word.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '[' | ']' | '{' | '}')
}

pub(super) fn lex(query: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            '(' => {
                tokens.push((start, Tok::LParen));
                i += 1;
            }
            ')' => {
                tokens.push((start, Tok::RParen));
                i += 1;
            }
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .map(|p| i + 1 + p);
                let Some(end) = end else {
                    return err(start, "unclosed quote: a phrase needs a closing `\"`");
                };
                let text: String = chars[i + 1..end].iter().collect();
                i = end + 1;
                let mut slop = None;
                if chars.get(i) == Some(&'~') {
                    let digits: String = chars[i + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .collect();
                    if digits.is_empty() {
                        return err(
                            i,
                            "`~` after a phrase needs a number: \"wireless charging\"~5",
                        );
                    }
                    let n: u32 = digits.parse().map_err(|_| QueryError {
                        position: i + 1,
                        message: "proximity too large".into(),
                    })?;
                    if n > 1000 {
                        return err(i + 1, "proximity larger than 1000 words");
                    }
                    slop = Some(n);
                    i += 1 + digits.len();
                }
                tokens.push((start, Tok::Phrase { text, slop }));
            }
            '[' | '{' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']' || c == '}')
                    .map(|p| i + 1 + p);
                let Some(close) = close else {
                    return err(start, "unclosed range: expected `]` or `}`");
                };
                let raw: String = chars[i + 1..close].iter().collect();
                tokens.push((
                    start,
                    Tok::Range {
                        raw,
                        inclusive_from: c == '[',
                        inclusive_to: chars[close] == ']',
                    },
                ));
                i = close + 1;
            }
            ']' | '}' => return err(start, format!("`{c}` without an opening bracket")),
            '+' | '-'
                if chars
                    .get(i + 1)
                    .is_some_and(|n| !is_delimiter(*n) || *n == '(' || *n == '"') =>
            {
                tokens.push((start, if c == '+' { Tok::Plus } else { Tok::Minus }));
                i += 1;
            }
            _ => {
                let mut end = i;
                while end < chars.len() && !is_delimiter(chars[end]) {
                    end += 1;
                }
                lex_word(&chars, i, end, &mut tokens);
                i = end;
            }
        }
    }
    Ok(tokens)
}

/// Lexes `chars[start..end]`, a run without delimiters: a word, or `name:`
/// prefixes (a second `name:` after `before:` is a field too) and signs
/// followed by one. A loop rather than a call per `name:`: `a:a:a:…` is
/// one word however long, and must cost neither stack nor quadratic time.
fn lex_word(chars: &[char], start: usize, end: usize, tokens: &mut Vec<(usize, Tok)>) {
    let mut i = start;
    while i < end {
        let c = chars[i];
        // A sign before the `name:` that starts the word is taken by the
        // caller; after one, it is a sign when something follows it.
        if i > start && (c == '+' || c == '-') && i + 1 < end {
            tokens.push((i, if c == '+' { Tok::Plus } else { Tok::Minus }));
            i += 1;
            continue;
        }
        // `name:` makes a field prefix when the name is a plain word.
        let name_len = chars[i..end]
            .iter()
            .position(|&c| !c.is_ascii_alphabetic())
            .unwrap_or(end - i);
        if name_len > 0 && chars.get(i + name_len) == Some(&':') && i + name_len < end {
            let name: String = chars[i..i + name_len].iter().collect();
            tokens.push((i, Tok::Field(name.to_ascii_lowercase())));
            i += name_len + 1;
            continue;
        }
        let word: String = chars[i..end].iter().collect();
        let tok = match word.as_str() {
            "AND" | "&&" => Tok::And,
            "OR" | "||" => Tok::Or,
            "NOT" => Tok::Not,
            _ => Tok::Word(word),
        };
        tokens.push((i, tok));
        return;
    }
}
