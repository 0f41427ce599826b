//! Integration tests of the keyword index over real patent documents from
//! `../shared/data` (see `fixtures`): the query language, structured
//! filters, results (paging, facets, snippets) and the index lifecycle.

mod errors;
mod family;
mod filters;
mod fixtures;
mod index;
mod limits;
mod ranking;
mod results;
mod syntax;
