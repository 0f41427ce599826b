//! The keyword query language: lexing and parsing into an AST, with errors
//! that say where and why.
//!
//! ```text
//! query    := or
//! or       := and ( ("OR" | "||") and )*
//! and      := seq ( ("AND" | "&&") seq )*
//! seq      := unary+                      juxtaposed clauses use the default operator
//! unary    := ("NOT" | "-") primary | "+" primary | primary
//! primary  := "(" or ")" | PHRASE ["~" N] | field ":" value | WORD
//! value    := WORD | PHRASE ["~" N] | "(" or ")" | "[" from "TO" to "]"
//! ```
//! Fields: `title abstract claims description assignee inventor` (text),
//! `cpc ipc` (classification prefixes), `pn`, `country kind`, `filed
//! published priority` (date ranges), and Google-Patents-style
//! `before:`/`after:` (`before:2013-01-01`, `after:filing:2012`).

use std::fmt;
use std::ops::Bound;

use chrono::{Datelike, NaiveDate};

/// How deep groups may nest: `(`, `-(`, `NOT (` and `title:(` each open one
/// level. The parser descends once per level, so without a bound a query of
/// a few thousand `(` overflows the stack and aborts the process. People
/// nest a handful of levels; Elasticsearch refuses boolean queries nested
/// deeper than 20 to 30 (`indices.query.bool.max_nested_depth`) for the
/// same reason.
pub const MAX_DEPTH: usize = 32;

/// How many clauses (words, phrases, fields, groups) a query may hold, at
/// every level together: Lucene's and Elasticsearch's default
/// `max_clause_count` of 1,024. Each clause becomes a query per field and
/// reads postings; a pasted page of text is a description, not a search.
pub const MAX_CLAUSES: usize = 1024;

/// A query that could not be parsed: what is wrong and where (a character
/// offset into the query, from 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {})", position + 1)]
pub struct QueryError {
    pub position: usize,
    pub message: String,
}

fn err<T>(position: usize, message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError {
        position,
        message: message.into(),
    })
}

/// Text fields a term can be searched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    Title,
    Abstract,
    Claims,
    Description,
    Assignee,
    Inventor,
}

/// Date fields a range can be placed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateField {
    Filed,
    Published,
    Priority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Cpc,
    Ipc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactField {
    Country,
    Kind,
}

/// How a clause takes part in a boolean combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    Must,
    Should,
    MustNot,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// A word (possibly with `*`/`?` wildcards) in one field or the default fields.
    Term {
        field: Option<TextField>,
        text: String,
        position: usize,
    },
    /// Words in order, at most `slop` positions apart.
    Phrase {
        field: Option<TextField>,
        text: String,
        slop: u32,
        position: usize,
    },
    Code {
        scheme: Scheme,
        prefix: String,
        position: usize,
    },
    Number {
        text: String,
        position: usize,
    },
    Exact {
        field: ExactField,
        value: String,
    },
    Dates {
        field: DateField,
        from: Bound<NaiveDate>,
        to: Bound<NaiveDate>,
    },
    Bool(Vec<(Occur, Ast)>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
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

fn lex(query: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
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

/// Parses `query`. `default_and` says what juxtaposed clauses mean
/// (`false`: any may match, ranked by how many and how well).
pub fn parse(query: &str, default_and: bool) -> Result<Ast, QueryError> {
    let tokens = lex(query)?;
    let end = query.chars().count();
    if tokens.is_empty() {
        return err(0, "empty query");
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        end,
        default_and,
        depth: 0,
        clauses: 0,
    };
    let ast = parser.or()?;
    if let Some((pos, tok)) = parser.peek() {
        return match tok {
            Tok::RParen => err(*pos, "`)` without a matching `(`"),
            other => err(*pos, format!("unexpected {other}")),
        };
    }
    Ok(ast)
}

struct Parser {
    tokens: Vec<(usize, Tok)>,
    at: usize,
    end: usize,
    default_and: bool,
    /// Groups open around the current token (at most [`MAX_DEPTH`]).
    depth: usize,
    /// Clauses seen so far (at most [`MAX_CLAUSES`]).
    clauses: usize,
}

impl Parser {
    fn peek(&self) -> Option<&(usize, Tok)> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<(usize, Tok)> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn position(&self) -> usize {
        self.peek().map_or(self.end, |(p, _)| *p)
    }

    fn or(&mut self) -> Result<Ast, QueryError> {
        let mut items = vec![self.and()?];
        while matches!(self.peek(), Some((_, Tok::Or))) {
            let (pos, _) = self.next().expect("peeked");
            if self.at_clause_end() {
                return err(pos, "OR needs a clause after it");
            }
            items.push(self.and()?);
        }
        Ok(combine(items, Occur::Should))
    }

    fn and(&mut self) -> Result<Ast, QueryError> {
        let mut items = vec![self.seq()?];
        while matches!(self.peek(), Some((_, Tok::And))) {
            let (pos, _) = self.next().expect("peeked");
            if self.at_clause_end() {
                return err(pos, "AND needs a clause after it");
            }
            items.push(self.seq()?);
        }
        Ok(combine(items, Occur::Must))
    }

    fn at_clause_end(&self) -> bool {
        matches!(
            self.peek(),
            None | Some((_, Tok::Or | Tok::And | Tok::RParen))
        )
    }

    fn seq(&mut self) -> Result<Ast, QueryError> {
        let mut items: Vec<(Occur, Ast)> = Vec::new();
        let default = if self.default_and {
            Occur::Must
        } else {
            Occur::Should
        };
        while !self.at_clause_end() {
            let (pos, tok) = self.peek().cloned().expect("not at end");
            let occur = match tok {
                Tok::Not | Tok::Minus => {
                    self.next();
                    if self.at_clause_end() {
                        return err(pos, format!("{tok} needs a clause after it"));
                    }
                    Occur::MustNot
                }
                Tok::Plus => {
                    self.next();
                    if self.at_clause_end() {
                        return err(pos, "`+` needs a clause after it");
                    }
                    Occur::Must
                }
                _ => default,
            };
            self.clauses += 1;
            if self.clauses > MAX_CLAUSES {
                return err(
                    pos,
                    format!("the query has more than {MAX_CLAUSES} clauses (words, phrases, fields and groups); shorten it"),
                );
            }
            items.push((occur, self.primary()?));
        }
        if items.is_empty() {
            let pos = self.position();
            return match self.peek() {
                Some((_, tok)) => err(pos, format!("expected a search term before {tok}")),
                None => err(pos, "expected a search term at the end"),
            };
        }
        if items.len() == 1 && items[0].0 == default {
            return Ok(items.pop().expect("one item").1);
        }
        Ok(Ast::Bool(items))
    }

    fn primary(&mut self) -> Result<Ast, QueryError> {
        let (pos, tok) = self.next().expect("caller checked");
        match tok {
            Tok::LParen => self.group(pos),
            Tok::Phrase { text, slop } => phrase(None, text, slop, pos),
            Tok::Word(text) => Ok(Ast::Term {
                field: None,
                text,
                position: pos,
            }),
            Tok::Field(name) => self.field(&name, pos),
            Tok::Range { .. } => err(
                pos,
                "a range needs a date field before it: filed:[2012-01-01 TO 2013-06-30]",
            ),
            other => err(pos, format!("unexpected {other}")),
        }
    }

    fn group(&mut self, open: usize) -> Result<Ast, QueryError> {
        if matches!(self.peek(), Some((_, Tok::RParen))) {
            return err(open, "empty parentheses");
        }
        // Checked before descending: the limit is what keeps the stack safe.
        if self.depth >= MAX_DEPTH {
            return err(
                open,
                format!("the query nests groups deeper than the limit of {MAX_DEPTH}"),
            );
        }
        self.depth += 1;
        let inner = self.or();
        self.depth -= 1;
        let inner = inner?;
        match self.next() {
            Some((_, Tok::RParen)) => Ok(inner),
            _ => err(open, "unclosed `(`"),
        }
    }

    fn field(&mut self, name: &str, pos: usize) -> Result<Ast, QueryError> {
        let text_field = match name {
            "title" | "ti" => Some(TextField::Title),
            "abstract" | "ab" => Some(TextField::Abstract),
            "claims" | "claim" | "cl" => Some(TextField::Claims),
            "description" | "desc" => Some(TextField::Description),
            "assignee" | "owner" => Some(TextField::Assignee),
            "inventor" => Some(TextField::Inventor),
            _ => None,
        };
        if let Some(field) = text_field {
            return self.text_value(field, name, pos);
        }
        match name {
            "cpc" | "ipc" => {
                let scheme = if name == "cpc" { Scheme::Cpc } else { Scheme::Ipc };
                let (vpos, value) = self.word_value(name, pos)?;
                Ok(Ast::Code {
                    scheme,
                    prefix: value,
                    position: vpos,
                })
            }
            "pn" | "number" => {
                let (vpos, value) = self.word_value(name, pos)?;
                Ok(Ast::Number {
                    text: value,
                    position: vpos,
                })
            }
            "country" | "kind" => {
                let field = if name == "country" {
                    ExactField::Country
                } else {
                    ExactField::Kind
                };
                let (_, value) = self.word_value(name, pos)?;
                Ok(Ast::Exact {
                    field,
                    value: value.to_ascii_uppercase(),
                })
            }
            "filed" | "filing" | "published" | "publication" | "priority" => {
                let field = date_field(name).expect("matched above");
                match self.next() {
                    Some((rpos, Tok::Range { raw, inclusive_from, inclusive_to })) => {
                        let (from, to) = parse_range(&raw, rpos + 1, inclusive_from, inclusive_to)?;
                        Ok(Ast::Dates { field, from, to })
                    }
                    Some((wpos, Tok::Word(w))) => {
                        // `filed:2013` means the whole period.
                        let from = parse_date(&w, wpos, false)?;
                        let to = parse_date(&w, wpos, true)?;
                        Ok(Ast::Dates {
                            field,
                            from: Bound::Included(from),
                            to: Bound::Included(to),
                        })
                    }
                    _ => err(pos, format!("`{name}:` needs a date or a range: {name}:[2012-01-01 TO 2013-06-30]")),
                }
            }
            "before" | "after" => {
                let mut field = DateField::Priority;
                if let Some((_, Tok::Field(kind))) = self.peek().cloned() {
                    match date_field(&kind) {
                        Some(f) => {
                            field = f;
                            self.next();
                        }
                        None => {
                            return err(self.position(), format!("`{name}:` takes priority:, filing: or publication:, not `{kind}:`"))
                        }
                    }
                }
                let Some((wpos, Tok::Word(w))) = self.next() else {
                    return err(pos, format!("`{name}:` needs a date: {name}:2013-01-01"));
                };
                let (from, to) = if name == "before" {
                    // Strictly before the start of the period named.
                    (Bound::Unbounded, Bound::Excluded(parse_date(&w, wpos, false)?))
                } else {
                    (Bound::Excluded(parse_date(&w, wpos, true)?), Bound::Unbounded)
                };
                Ok(Ast::Dates { field, from, to })
            }
            other => err(
                pos,
                format!(
                    "unknown field `{other}:`; fields are title, abstract, claims, description, assignee, inventor, cpc, ipc, pn, country, kind, filed, published, priority, before, after"
                ),
            ),
        }
    }

    fn text_value(&mut self, field: TextField, name: &str, pos: usize) -> Result<Ast, QueryError> {
        match self.peek().cloned() {
            Some((wpos, Tok::Word(text))) => {
                self.next();
                Ok(Ast::Term {
                    field: Some(field),
                    text,
                    position: wpos,
                })
            }
            Some((ppos, Tok::Phrase { text, slop })) => {
                self.next();
                phrase(Some(field), text, slop, ppos)
            }
            Some((gpos, Tok::LParen)) => {
                self.next();
                let inner = self.group(gpos)?;
                Ok(set_field(inner, field))
            }
            _ => err(
                pos,
                format!("`{name}:` needs a word, a \"phrase\" or a (group) after it"),
            ),
        }
    }

    fn word_value(&mut self, name: &str, pos: usize) -> Result<(usize, String), QueryError> {
        match self.next() {
            Some((wpos, Tok::Word(w))) => Ok((wpos, w)),
            Some((wpos, Tok::Phrase { text, .. })) => Ok((wpos, text)),
            _ => err(pos, format!("`{name}:` needs a value after it")),
        }
    }
}

fn date_field(name: &str) -> Option<DateField> {
    match name {
        "filed" | "filing" => Some(DateField::Filed),
        "published" | "publication" => Some(DateField::Published),
        "priority" => Some(DateField::Priority),
        _ => None,
    }
}

fn phrase(
    field: Option<TextField>,
    text: String,
    slop: Option<u32>,
    pos: usize,
) -> Result<Ast, QueryError> {
    if text.trim().is_empty() {
        return err(pos, "empty phrase");
    }
    Ok(Ast::Phrase {
        field,
        text,
        slop: slop.unwrap_or(0),
        position: pos,
    })
}

/// Applies a field prefix to every field-less term of a group: `title:(a OR "b c")`.
fn set_field(ast: Ast, field: TextField) -> Ast {
    match ast {
        Ast::Term {
            field: None,
            text,
            position,
        } => Ast::Term {
            field: Some(field),
            text,
            position,
        },
        Ast::Phrase {
            field: None,
            text,
            slop,
            position,
        } => Ast::Phrase {
            field: Some(field),
            text,
            slop,
            position,
        },
        Ast::Bool(items) => Ast::Bool(
            items
                .into_iter()
                .map(|(o, a)| (o, set_field(a, field)))
                .collect(),
        ),
        other => other,
    }
}

fn combine(mut items: Vec<Ast>, occur: Occur) -> Ast {
    if items.len() == 1 {
        return items.pop().expect("one item");
    }
    Ast::Bool(items.into_iter().map(|a| (occur, a)).collect())
}

/// Reads `2013-06-30`, `20130630`, `2013-06` or `2013`; `end` picks the last
/// day of a month or year given without a day.
fn parse_date(text: &str, pos: usize, end: bool) -> Result<NaiveDate, QueryError> {
    let t = text.trim();
    let bad = || QueryError {
        position: pos,
        message: format!("`{t}` is not a date: use YYYY-MM-DD, YYYYMMDD, YYYY-MM or YYYY"),
    };
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if !t.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Err(bad());
    }
    let year: i32 = digits
        .get(..4)
        .and_then(|y| y.parse().ok())
        .ok_or_else(bad)?;
    let (month, day) = match digits.len() {
        4 => (if end { 12 } else { 1 }, None),
        6 => (digits[4..6].parse().map_err(|_| bad())?, None),
        8 => (
            digits[4..6].parse().map_err(|_| bad())?,
            Some(digits[6..8].parse::<u32>().map_err(|_| bad())?),
        ),
        _ => return Err(bad()),
    };
    let day = match day {
        Some(d) => d,
        None if end => last_day(year, month).ok_or_else(bad)?,
        None => 1,
    };
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad)
}

fn last_day(year: i32, month: u32) -> Option<u32> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some(first_next.pred_opt()?.day())
}

fn parse_range(
    raw: &str,
    pos: usize,
    inclusive_from: bool,
    inclusive_to: bool,
) -> Result<(Bound<NaiveDate>, Bound<NaiveDate>), QueryError> {
    let Some(to_at) = raw.find(" TO ") else {
        return err(
            pos,
            "a range is written [FROM TO TO], e.g. [2012-01-01 TO 2013-06-30]",
        );
    };
    let (from_text, to_text) = (raw[..to_at].trim(), raw[to_at + 4..].trim());
    let to_pos = pos + raw[..to_at + 4].chars().count();
    let from = match from_text {
        "*" | "" => Bound::Unbounded,
        t if inclusive_from => Bound::Included(parse_date(t, pos, false)?),
        t => Bound::Excluded(parse_date(t, pos, true)?),
    };
    let to = match to_text {
        "*" | "" => Bound::Unbounded,
        t if inclusive_to => Bound::Included(parse_date(t, to_pos, true)?),
        t => Bound::Excluded(parse_date(t, to_pos, false)?),
    };
    if let (Bound::Included(f) | Bound::Excluded(f), Bound::Included(t) | Bound::Excluded(t)) =
        (from, to)
    {
        if f > t {
            return err(pos, format!("range starts after it ends ({f} > {t})"));
        }
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str, position: usize) -> Ast {
        Ast::Term {
            field: None,
            text: text.into(),
            position,
        }
    }

    #[test]
    fn juxtaposition_uses_the_default_operator() {
        let ast = parse("wireless charging", false).unwrap();
        assert_eq!(
            ast,
            Ast::Bool(vec![
                (Occur::Should, term("wireless", 0)),
                (Occur::Should, term("charging", 9))
            ])
        );
        let ast = parse("wireless charging", true).unwrap();
        assert!(
            matches!(ast, Ast::Bool(ref items) if items.iter().all(|(o, _)| *o == Occur::Must))
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let ast = parse("a AND b OR c", false).unwrap();
        let Ast::Bool(items) = ast else { panic!() };
        assert_eq!(items.len(), 2);
        assert_eq!(items[1], (Occur::Should, term("c", 11)));
        assert!(
            matches!(&items[0], (Occur::Should, Ast::Bool(inner)) if inner.len() == 2 && inner[0].0 == Occur::Must)
        );
    }

    #[test]
    fn not_minus_and_plus() {
        let ast = parse("battery -lithium +charger NOT solar", false).unwrap();
        let Ast::Bool(items) = ast else { panic!() };
        let occurs: Vec<Occur> = items.iter().map(|(o, _)| *o).collect();
        assert_eq!(
            occurs,
            [Occur::Should, Occur::MustNot, Occur::Must, Occur::MustNot]
        );
        // A hyphen inside a word is part of it.
        assert_eq!(parse("e-mail", false).unwrap(), term("e-mail", 0));
    }

    #[test]
    fn phrases_proximity_and_fields() {
        assert_eq!(
            parse("\"wireless charging\"~5", false).unwrap(),
            Ast::Phrase {
                field: None,
                text: "wireless charging".into(),
                slop: 5,
                position: 0
            }
        );
        assert_eq!(
            parse("title:battery", false).unwrap(),
            Ast::Term {
                field: Some(TextField::Title),
                text: "battery".into(),
                position: 6
            }
        );
        let ast = parse("claims:(\"heat sink\" OR fan)", false).unwrap();
        let Ast::Bool(items) = ast else { panic!() };
        assert!(items.iter().all(|(_, a)| matches!(
            a,
            Ast::Phrase {
                field: Some(TextField::Claims),
                ..
            } | Ast::Term {
                field: Some(TextField::Claims),
                ..
            }
        )));
        assert_eq!(
            parse("cpc:G06F16/245", false).unwrap(),
            Ast::Code {
                scheme: Scheme::Cpc,
                prefix: "G06F16/245".into(),
                position: 4
            }
        );
        // A colon after something that is not a field name is just text.
        assert_eq!(parse("1:2", false).unwrap(), term("1:2", 0));
    }

    #[test]
    fn dates_and_ranges() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            parse("filed:[2012-01-01 TO 2013-06-30]", false).unwrap(),
            Ast::Dates {
                field: DateField::Filed,
                from: Bound::Included(d(2012, 1, 1)),
                to: Bound::Included(d(2013, 6, 30))
            }
        );
        assert_eq!(
            parse("published:[* TO 2013]", false).unwrap(),
            Ast::Dates {
                field: DateField::Published,
                from: Bound::Unbounded,
                to: Bound::Included(d(2013, 12, 31))
            }
        );
        assert_eq!(
            parse("before:2013-01-01", false).unwrap(),
            Ast::Dates {
                field: DateField::Priority,
                from: Bound::Unbounded,
                to: Bound::Excluded(d(2013, 1, 1))
            }
        );
        assert_eq!(
            parse("after:filing:2012", false).unwrap(),
            Ast::Dates {
                field: DateField::Filed,
                from: Bound::Excluded(d(2012, 12, 31)),
                to: Bound::Unbounded
            }
        );
        assert_eq!(
            parse("filed:2013-02", false).unwrap(),
            Ast::Dates {
                field: DateField::Filed,
                from: Bound::Included(d(2013, 2, 1)),
                to: Bound::Included(d(2013, 2, 28))
            }
        );
    }

    #[test]
    fn errors_say_where_and_why() {
        let cases = [
            ("\"wireless charging", 0, "unclosed quote"),
            ("(battery OR cell", 0, "unclosed `(`"),
            ("battery)", 7, "`)` without a matching `(`"),
            ("battery AND", 8, "AND needs a clause"),
            ("OR battery", 0, "expected a search term before OR"),
            ("titel:battery", 0, "unknown field `titel:`"),
            ("filed:[2013-13-01 TO 2014]", 7, "is not a date"),
            ("filed:[2014 TO 2013]", 7, "range starts after it ends"),
            ("filed:[2012 2013]", 7, "range is written"),
            ("\"a b\"~x", 5, "needs a number"),
            ("title:", 0, "needs a word"),
            ("", 0, "empty query"),
            ("before:yesterday", 7, "is not a date"),
            ("()", 0, "empty parentheses"),
        ];
        for (query, position, message) in cases {
            let e = parse(query, false).expect_err(query);
            assert_eq!(e.position, position, "{query}: {e}");
            assert!(e.message.contains(message), "{query}: {e}");
        }
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let e = parse("café \"unclosed", false).unwrap_err();
        assert_eq!(e.position, 5);
    }
    fn depth(ast: &Ast) -> usize {
        match ast {
            Ast::Bool(items) => 1 + items.iter().map(|(_, a)| depth(a)).max().unwrap_or(0),
            _ => 1,
        }
    }

    #[test]
    fn nesting_is_limited_before_the_stack_is() {
        let n = MAX_DEPTH;
        for (open, close) in [("(", ")"), ("-(", ")"), ("NOT (", ")"), ("title:(", ")")] {
            let ok = format!("{}a b{}", open.repeat(n), close.repeat(n));
            assert!(parse(&ok, false).is_ok(), "{open} x {n}");
            let inner = format!("\"a b\" {}", "x ".repeat(3));
            let ok = format!("{}{inner}{}", open.repeat(n), close.repeat(n));
            assert!(parse(&ok, false).is_ok(), "{open} x {n} around a phrase");
            // One level deeper fails at the `(` that opens it; far deeper
            // (the probe: 229 `-(`, the CLI: 10,000 `(`) fails the same way.
            for deeper in [n + 1, 229, 10_000, 50_000] {
                let q = format!("{}\"a b\"{}", open.repeat(deeper), close.repeat(deeper));
                let e = parse(&q, false).expect_err(open);
                assert_eq!(
                    e.message,
                    format!("the query nests groups deeper than the limit of {MAX_DEPTH}")
                );
                let paren = open.chars().position(|c| c == '(').unwrap();
                assert_eq!(e.position, n * open.chars().count() + paren, "{open}");
                // Unclosed, too.
                assert!(parse(&open.repeat(deeper), false).is_err());
            }
        }
    }

    #[test]
    fn long_chains_are_flat_lists() {
        for (sep, prefix) in [(" ", "-"), (" OR ", ""), (" AND ", "+"), (" ", "NOT ")] {
            let q: Vec<String> = (0..MAX_CLAUSES).map(|i| format!("{prefix}w{i}")).collect();
            let ast = parse(&q.join(sep), false).unwrap();
            assert!(
                depth(&ast) <= 3,
                "{sep:?} {prefix:?}: depth {}",
                depth(&ast)
            );
        }
    }

    #[test]
    fn clauses_are_limited() {
        let words = |n: usize| vec!["w"; n].join(" ");
        assert!(parse(&words(MAX_CLAUSES), false).is_ok());
        let e = parse(&words(MAX_CLAUSES + 1), false).unwrap_err();
        assert_eq!(e.position, MAX_CLAUSES * 2);
        assert!(e.message.contains("more than 1024 clauses"), "{e}");
        // Inside groups and field groups as well.
        let grouped = format!("({}) title:({})", words(600), words(600));
        assert!(parse(&grouped, false)
            .unwrap_err()
            .message
            .contains("clauses"));
    }

    #[test]
    fn long_inputs_parse_or_fail_quickly() {
        let n = 100_000;
        let inputs = [
            "a:".repeat(n / 2),
            "title:".repeat(n / 6),
            "before:after:".repeat(n / 13),
            "(".repeat(n),
            ")".repeat(n),
            "-(".repeat(n / 2),
            "\"".repeat(n),
            format!("\"{}\"", "word ".repeat(n / 5)),
            "[".repeat(n),
            "{ TO ]".repeat(n / 6),
            "-".repeat(n),
            "+-".repeat(n / 2),
            "*?".repeat(n / 2),
            format!("\"a b\"~{}", "9".repeat(n)),
            "a".repeat(n),
            "a ".repeat(n / 2),
            "é".repeat(n),
            "NOT ".repeat(n / 4),
            "a OR ".repeat(n / 5),
        ];
        for q in &inputs {
            let started = std::time::Instant::now();
            let result = parse(q, false);
            let took = started.elapsed();
            assert!(took.as_secs_f64() < 1.0, "{}…: {took:?}", &q[..20]);
            if let Err(e) = result {
                assert!(e.position <= q.chars().count());
            }
        }
        // `a:a:…:b` is one word of fields: lexed without recursion.
        let e = parse(&"a:".repeat(n / 2), false).unwrap_err();
        assert!(e.message.contains("unknown field `a:`"), "{e}");
    }

    #[test]
    fn field_prefixes_lex_as_before() {
        // (query, tokens) as the recursive lexer gave them.
        assert_eq!(
            lex("after:filing:2012").unwrap(),
            [
                (0, Tok::Field("after".into())),
                (6, Tok::Field("filing".into())),
                (13, Tok::Word("2012".into()))
            ]
        );
        assert_eq!(
            lex("title:-foo ti:+ x:").unwrap(),
            [
                (0, Tok::Field("title".into())),
                (6, Tok::Minus),
                (7, Tok::Word("foo".into())),
                (11, Tok::Field("ti".into())),
                (14, Tok::Word("+".into())),
                (16, Tok::Field("x".into())),
            ]
        );
        assert_eq!(
            lex("ab1:c title:AND").unwrap(),
            [
                (0, Tok::Word("ab1:c".into())),
                (6, Tok::Field("title".into())),
                (12, Tok::And)
            ]
        );
        assert_eq!(
            lex("title:-(a)").unwrap()[..3],
            [
                (0, Tok::Field("title".into())),
                (6, Tok::Word("-".into())),
                (7, Tok::LParen)
            ]
        );
    }
}

/// `query::parse` over arbitrary text and over text made of the language's
/// own tokens: it must answer (an AST or a positioned error) without
/// panicking and within a second. `PROPTEST_CASES` sets how many cases
/// (256 by default; the long run: `PROPTEST_CASES=2000000 cargo test
/// --release -p patsearch-keyword parse_fuzz`).
#[cfg(test)]
mod parse_fuzz {
    use proptest::prelude::*;

    use super::*;

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "(",
                ")",
                "\"",
                "-",
                "+",
                "AND",
                "OR",
                "NOT",
                "&&",
                "||",
                "title:",
                "ti:",
                "abstract:",
                "claims:",
                "assignee:",
                "cpc:",
                "ipc:",
                "pn:",
                "country:",
                "kind:",
                "filed:",
                "published:",
                "priority:",
                "before:",
                "after:",
                "filing:",
                "[",
                "]",
                "{",
                "}",
                " TO ",
                "*",
                "?",
                "~",
                "~5",
                "~99999999999",
                ":",
                "2013",
                "2013-06",
                "2013-06-30",
                "20130630",
                "2013-13-01",
                "*ab*",
                "wom?n",
                "batter*",
                "é",
                "ß",
                "\u{0}",
                "\t",
                "\n",
                "G06F16/245",
                "US8926509B2",
            ])
            .prop_map(String::from),
            "[a-z]{1,5}",
            "\\PC{1,3}",
        ]
    }

    fn tokens() -> impl Strategy<Value = String> {
        prop::collection::vec((token(), prop::sample::select(vec!["", " ", ""])), 0..48).prop_map(
            |parts| {
                parts
                    .into_iter()
                    .map(|(t, sep)| format!("{t}{sep}"))
                    .collect()
            },
        )
    }

    /// Deep structures: an opening repeated, something inside, closings.
    fn nested() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec![
                "(", "-(", "NOT (", "title:(", "+(", "a OR (", "\"a\" (",
            ]),
            0usize..200,
            tokens(),
            0usize..200,
        )
            .prop_map(|(open, n, inside, m)| format!("{}{inside}{}", open.repeat(n), ")".repeat(m)))
    }

    fn check(q: &str) -> Result<(), TestCaseError> {
        for default_and in [false, true] {
            let started = std::time::Instant::now();
            let result = parse(q, default_and);
            prop_assert!(
                started.elapsed().as_secs_f64() < 1.0,
                "{q:?}: {:?}",
                started.elapsed()
            );
            if let Err(e) = result {
                prop_assert!(e.position <= q.chars().count(), "{q:?}: {e}");
                prop_assert!(!e.message.is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { max_shrink_iters: 256, ..ProptestConfig::default() })]

        #[test]
        fn parse_fuzz_arbitrary_text(q in "\\PC{0,200}") {
            check(&q)?;
        }

        #[test]
        fn parse_fuzz_query_tokens(q in tokens()) {
            check(&q)?;
        }

        #[test]
        fn parse_fuzz_nesting(q in nested()) {
            check(&q)?;
        }
    }
}
