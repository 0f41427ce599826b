//! Integration tests of the engine on real data with the real model: one
//! small index of the benchmark corpus's first documents, shared by the
//! tests (`common`), and small throwaway indexes for writes and errors.

mod cancel;
mod common;
mod consistency;
mod cross_lingual;
mod hybrid;
mod lifecycle;
mod semantic;
