//! What ties a publication to its family: the applications it names
//! (its own, its parents, its provisionals, its priorities) and, where the
//! source names none, the text it shares with another publication.
//!
//! Two publications that name one application are in one family: a
//! continuation names its parent, a divisional and its sibling name the same
//! parent, two filings of one invention claim the same priority. The
//! text-side evidence is a MinHash signature of the description's word
//! 5-shingles (Broder 1997): the share of equal minima estimates the Jaccard
//! similarity of two shingle sets, and bands of the signature (Indyk-Motwani
//! locality-sensitive hashing) find the pairs worth comparing without
//! comparing every pair.

use xxhash_rust::xxh3::xxh3_64;

use crate::{DocumentRef, PatentRecord, Relation};

/// The family evidence of `record`: a key per application it names,
/// `COUNTRY` + number as letters and digits (`US12361268`,
/// `PCTUS2013040618`, `CN2012100501311`), and its source's family
/// identifier when it has one. Sorted, without duplicates.
pub fn family_keys(record: &PatentRecord) -> Vec<String> {
    let default_country = record.country.as_str();
    let mut keys: Vec<String> = record
        .application
        .iter()
        .chain(&record.priority_claims)
        .chain(record.related_documents.iter().map(|r| &r.document))
        .filter_map(|d| application_key(d, default_country))
        .collect();
    if let Some(id) = record.family_id.as_deref().map(str::trim) {
        if !id.is_empty() {
            keys.push(format!("FAMILY{}", alphanumeric(id)));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The key of one named application; `None` when it has no number.
pub fn application_key(document: &DocumentRef, default_country: &str) -> Option<String> {
    let number = alphanumeric(&document.number);
    if number.is_empty() {
        return None;
    }
    // A PCT application is named by its number (`PCT/US2013/040618`),
    // whatever office the source says received it.
    if let Some(pct) = number.strip_prefix("PCT") {
        return Some(pct_key(pct).unwrap_or(number));
    }
    let country = document.country.as_deref().unwrap_or(default_country);
    Some(format!("{}{number}", alphanumeric(country)))
}

/// `PCT` + office + four-digit year + six-digit serial, from the
/// letters and digits after `PCT` (`US2013040618`, or the older
/// `US13040618` with a two-digit year and five- or six-digit serial).
fn pct_key(rest: &str) -> Option<String> {
    let (office, digits) = rest.split_at_checked(2)?;
    if !office.chars().all(|c| c.is_ascii_alphabetic())
        || !digits.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let (year, serial) = match digits.len() {
        10 => (digits[..4].to_string(), &digits[4..]),
        7 | 8 => (format!("20{}", &digits[..2]), &digits[2..]),
        _ => return None,
    };
    let serial: u32 = serial.parse().ok()?;
    Some(format!("PCT{office}{year}{serial:06}"))
}

fn alphanumeric(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// How a related publication relates, in words a reader knows.
pub fn relation_label(relation: Relation) -> &'static str {
    match relation {
        Relation::Continuation => "continuation",
        Relation::ContinuationInPart => "continuation-in-part",
        Relation::Division => "division",
        Relation::Provisional => "provisional",
        Relation::Reissue => "reissue",
        Relation::Reexamination => "reexamination",
        Relation::Substitution => "substitution",
        Relation::Other => "related application",
    }
}

/// Hashes in a [`TextSignature`]: the estimate of a similarity near the
/// near-duplicate threshold (0.8) has a standard error of 0.05.
pub const SIGNATURE_HASHES: usize = 64;
/// Bands the signature is cut into for finding candidate pairs, of
/// [`BAND_ROWS`] hashes each. Two texts of Jaccard similarity `s` share at
/// least one band with probability `1 - (1 - s^4)^16`: 0.9998 at `s` = 0.8,
/// 0.988 at 0.7, 0.64 at 0.5, 0.12 at 0.3 (a candidate is then checked on
/// the whole signature).
pub const SIGNATURE_BANDS: usize = 16;
pub const BAND_ROWS: usize = SIGNATURE_HASHES / SIGNATURE_BANDS;
/// Words per shingle.
const SHINGLE_WORDS: usize = 5;
/// Fewer shingles than this and a text says too little to call another
/// one its copy (a few sentences of boilerplate would).
pub const MIN_SHINGLES: usize = 100;

/// A MinHash signature of a text's word 5-shingles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSignature(pub [u32; SIGNATURE_HASHES]);

/// The permutations: `h_i(x) = (a_i * x + b_i) >> 32` over the 64-bit hash
/// `x` of a shingle (multiply-shift hashing), `a_i` odd. Drawn once from a
/// fixed SplitMix64 sequence written here, so that a signature computed
/// today equals one computed by any later build: the index stores them.
fn permutations() -> &'static ([u64; SIGNATURE_HASHES], [u64; SIGNATURE_HASHES]) {
    static PERMUTATIONS: std::sync::OnceLock<([u64; SIGNATURE_HASHES], [u64; SIGNATURE_HASHES])> =
        std::sync::OnceLock::new();
    PERMUTATIONS.get_or_init(|| {
        let mut state: u64 = 0x7061_7473_6561_7263; // "patsearc"
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let mut a = [0u64; SIGNATURE_HASHES];
        let mut b = [0u64; SIGNATURE_HASHES];
        for i in 0..SIGNATURE_HASHES {
            a[i] = next() | 1;
            b[i] = next();
        }
        (a, b)
    })
}

impl TextSignature {
    /// The signature of a text's word 5-shingles (words: runs of letters and
    /// digits, lower-cased; a shingle is hashed from its words' hashes, so
    /// no word is copied); `None` under [`MIN_SHINGLES`] shingles.
    pub fn of_text<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let (a, b) = permutations();
        let mut minima = [u32::MAX; SIGNATURE_HASHES];
        // The hashes of the last five words, oldest first once full.
        let mut window = [0u64; SHINGLE_WORDS];
        let mut words = 0usize;
        let mut lower = String::new();
        for paragraph in paragraphs {
            for word in paragraph
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                let word_hash = if word.bytes().any(|b| b.is_ascii_uppercase()) || !word.is_ascii()
                {
                    lower.clear();
                    lower.extend(word.chars().flat_map(char::to_lowercase));
                    xxh3_64(lower.as_bytes())
                } else {
                    xxh3_64(word.as_bytes())
                };
                window.rotate_left(1);
                window[SHINGLE_WORDS - 1] = word_hash;
                words += 1;
                if words < SHINGLE_WORDS {
                    continue;
                }
                let mut bytes = [0u8; 8 * SHINGLE_WORDS];
                for (chunk, h) in bytes.chunks_exact_mut(8).zip(&window) {
                    chunk.copy_from_slice(&h.to_le_bytes());
                }
                let x = xxh3_64(&bytes);
                for i in 0..SIGNATURE_HASHES {
                    let h = (a[i].wrapping_mul(x).wrapping_add(b[i]) >> 32) as u32;
                    minima[i] = minima[i].min(h);
                }
            }
        }
        if words < SHINGLE_WORDS + MIN_SHINGLES - 1 {
            return None;
        }
        Some(TextSignature(minima))
    }

    /// The signature of a record's description; `None` when it is too short.
    pub fn of_description(record: &PatentRecord) -> Option<Self> {
        Self::of_text(record.description.iter().map(|p| p.text.as_str()))
    }

    /// The estimated Jaccard similarity of the two shingle sets: the share
    /// of equal minima (standard error at most 0.0625 with 64 hashes).
    pub fn similarity(&self, other: &TextSignature) -> f32 {
        let equal = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        equal as f32 / SIGNATURE_HASHES as f32
    }

    /// One token per band (`b07:1f3a…`): two signatures that share a token
    /// agree on every hash of that band.
    pub fn band_tokens(&self) -> Vec<String> {
        self.0
            .chunks(BAND_ROWS)
            .enumerate()
            .map(|(band, rows)| {
                let mut bytes = Vec::with_capacity(BAND_ROWS * 4);
                for r in rows {
                    bytes.extend_from_slice(&r.to_le_bytes());
                }
                format!("b{band:02}:{:016x}", xxh3_64(&bytes))
            })
            .collect()
    }

    /// The signature as bytes, little-endian, for storing.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|h| h.to_le_bytes()).collect()
    }

    /// A signature from [`TextSignature::to_bytes`]; `None` for bytes of
    /// another length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != SIGNATURE_HASHES * 4 {
            return None;
        }
        let mut minima = [0u32; SIGNATURE_HASHES];
        for (m, chunk) in minima.iter_mut().zip(bytes.chunks_exact(4)) {
            *m = u32::from_le_bytes(chunk.try_into().expect("4 bytes"));
        }
        Some(TextSignature(minima))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RelatedDocument;

    const PINNED_MINIMA: [u32; 4] = [27_980_039, 9_335_875, 55_418_925, 11_443_551];
    const PINNED_BAND: &str = "b00:80391cb7dff4d260";

    fn text(words: usize, seed: usize) -> String {
        (0..words)
            .map(|i| format!("w{}", (i * 7919 + seed * 104_729) % 100_003))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn keys_name_every_application_once_whatever_the_punctuation() {
        let mut r = PatentRecord::new("US9000001".parse().unwrap());
        r.application = Some(DocumentRef {
            country: None,
            number: "13/783,390".into(),
            kind: None,
            date: None,
        });
        r.related_documents = vec![
            RelatedDocument {
                relation: Relation::Provisional,
                document: DocumentRef {
                    country: Some("US".into()),
                    number: "61 701 682".into(),
                    kind: None,
                    date: None,
                },
            },
            RelatedDocument {
                relation: Relation::Continuation,
                document: DocumentRef {
                    country: Some("WO".into()),
                    number: "PCT/US2013/040618".into(),
                    kind: None,
                    date: None,
                },
            },
        ];
        r.priority_claims = vec![DocumentRef {
            country: Some("us".into()),
            number: "61701682".into(),
            kind: None,
            date: None,
        }];
        assert_eq!(
            family_keys(&r),
            vec!["PCTUS2013040618", "US13783390", "US61701682"]
        );
        r.application = Some(DocumentRef {
            country: Some("US".into()),
            number: " ".into(),
            kind: None,
            date: None,
        });
        assert_eq!(family_keys(&r).len(), 2, "an empty number names nothing");
        let pct = |number: &str| {
            application_key(
                &DocumentRef {
                    country: Some("WO".into()),
                    number: number.into(),
                    kind: None,
                    date: None,
                },
                "US",
            )
        };
        assert_eq!(pct("PCT/US13/40618"), pct("PCT/US2013/040618"));
        assert_eq!(pct("PCT CN2012 078742").as_deref(), Some("PCTCN2012078742"));
    }

    #[test]
    fn similarity_estimates_the_share_of_shared_shingles() {
        let a = text(3000, 1);
        let same = TextSignature::of_text([a.as_str()]).unwrap();
        assert_eq!(same.similarity(&same), 1.0);
        // The second half replaced: Jaccard = 1500 / 4500 shared shingles.
        let half = format!(
            "{} {}",
            a.split(' ').take(1500).collect::<Vec<_>>().join(" "),
            text(1500, 2)
        );
        let b = TextSignature::of_text([half.as_str()]).unwrap();
        let s = same.similarity(&b);
        assert!((s - 1.0 / 3.0).abs() < 0.15, "{s}");
        let other = TextSignature::of_text([text(3000, 3).as_str()]).unwrap();
        assert!(same.similarity(&other) < 0.05);
        assert!(TextSignature::of_text(["too few words here"]).is_none());
    }

    #[test]
    fn signatures_survive_storing_and_equal_texts_share_every_band() {
        let a = text(500, 4);
        let sig = TextSignature::of_text([a.as_str()]).unwrap();
        assert_eq!(
            TextSignature::from_bytes(&sig.to_bytes()),
            Some(sig.clone())
        );
        assert!(TextSignature::from_bytes(&[0; 3]).is_none());
        // The same words cut into paragraphs: the same signature.
        let cut = a[..a.len() / 2].rfind(' ').unwrap();
        let split = TextSignature::of_text([&a[..cut], &a[cut + 1..]]);
        assert_eq!(split, Some(sig.clone()));
        let tokens = sig.band_tokens();
        assert_eq!(tokens.len(), SIGNATURE_BANDS);
        let mut unique = tokens.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), SIGNATURE_BANDS, "each band its own token");
    }

    #[test]
    fn the_signature_of_a_text_is_fixed_forever() {
        // Indexes store signatures and band tokens: a build that computed
        // other ones would miss every stored copy. A change to the
        // permutations, the shingles or the hash needs a format bump.
        let sig = TextSignature::of_text([text(200, 5).as_str()]).unwrap();
        assert_eq!(sig.0[..4], PINNED_MINIMA);
        assert_eq!(sig.band_tokens()[0], PINNED_BAND);
    }
}
