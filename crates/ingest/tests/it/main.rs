//! Integration tests of the ingest crate over the real patent files in `../shared/data/patents/`.

mod corpus;
mod counts;
mod fixtures;
mod hostile;
mod robustness;
mod uspto_fields;
