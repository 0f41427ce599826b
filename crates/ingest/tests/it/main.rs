//! Integration tests of the ingest crate over the real patent files in `../shared/data/patents/`.

mod fixtures;
mod counts;
mod uspto_fields;
mod robustness;
