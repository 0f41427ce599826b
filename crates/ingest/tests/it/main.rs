//! Integration tests of the ingest crate over the real patent files in `../shared/data/patents/`.

mod fixtures;
