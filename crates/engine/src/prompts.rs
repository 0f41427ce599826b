//! The prompts a model was trained with, applied where the engine knows
//! which texts are queries and which are passages (E5 models expect
//! "query: " and "passage: "; all-MiniLM-L6-v2 has none).

use patsearch_embed::Embedder;

/// `text` as the model reads a query.
pub(crate) fn as_query(embedder: &Embedder, text: &str) -> String {
    format!("{}{text}", embedder.prompts().query)
}

/// `texts` as the model reads passages (texts that are searched).
pub(crate) fn as_passages<S: AsRef<str>>(embedder: &Embedder, texts: &[S]) -> Vec<String> {
    let prompt = &embedder.prompts().passage;
    texts
        .iter()
        .map(|t| format!("{prompt}{}", t.as_ref()))
        .collect()
}
