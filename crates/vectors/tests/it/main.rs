//! Integration tests of the vector index over synthetic clustered vectors.

mod filters;
mod persistence;
mod search;
mod synth;
mod updates;
