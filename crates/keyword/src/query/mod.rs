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
//!
//! This module holds the AST and the limits; `lex` cuts the text into
//! tokens, `parser` builds the AST by recursive descent, and `dates` reads
//! the dates and ranges of date clauses.

mod dates;
mod lex;
mod parser;

use std::ops::Bound;

use chrono::NaiveDate;

pub use parser::parse;

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

#[cfg(test)]
mod parse_fuzz;

#[cfg(test)]
mod tests;
