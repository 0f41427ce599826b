//! Integration tests of patsearch-summary on real patent text: the shared
//! benchmark corpus, real claims and a real description with headings.

mod claims;
mod corpus;
mod headings;
