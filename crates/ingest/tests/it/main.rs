//! Integration tests of the ingest crate over the real patent files in `../shared/data/patents/`.

mod corpus;
mod counts;
mod epo_fields;
mod fixtures;
mod hostile;
mod robustness;
mod st32_pap_fields;
mod uspto_fields;
