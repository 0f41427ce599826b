//! The recursive-descent parser: tokens to the AST, clause by clause.

use std::ops::Bound;

use super::dates::{parse_date, parse_range};
use super::lex::{lex, Tok};
use super::{err, Ast, DateField, ExactField, Occur, QueryError, Scheme, TextField};
use super::{MAX_CLAUSES, MAX_DEPTH};

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
