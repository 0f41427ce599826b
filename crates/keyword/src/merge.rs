//! Which segments are merged, with a bound on the size of a merged segment.
//!
//! A merge writes its whole output before it frees its inputs, so it needs
//! free disk as large as what it writes, and its time grows with it. Merging
//! every segment into one, the simplest end of a bulk load, needs the index's
//! size again: at a million patents (about 46 GB) more than a machine keeps
//! free beside its index. Like Lucene's `TieredMergePolicy` (5 GB by
//! default), no merge here writes more than [`MAX_MERGED_SEGMENT_BYTES`]:
//! segments that reach it are left alone, smaller ones are merged up to it.
//! A search pays per segment for each query term (a dictionary lookup, a
//! postings block, a scorer): a few segments of several GB each cost a
//! fraction of a percent of scoring millions of documents.

use std::path::Path;

use tantivy::index::{SegmentComponent, SegmentId, SegmentMeta};
use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};
use tantivy::{Directory, HasLen};

/// The largest segment a merge writes (the bytes of its inputs).
pub const MAX_MERGED_SEGMENT_BYTES: u64 = 5 << 30;

/// The components whose size makes a segment's size; a deletion bitset is
/// a bit per document, left out.
const SIZED_COMPONENTS: [SegmentComponent; 6] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::Terms,
    SegmentComponent::Store,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
];

/// The bytes a segment's files take in `directory` (0 for a file that cannot
/// be opened: a segment being written has no size yet).
pub(crate) fn segment_bytes(directory: &dyn Directory, segment: &SegmentMeta) -> u64 {
    SIZED_COMPONENTS
        .iter()
        .map(|component| {
            let path = segment.relative_path(component.clone());
            directory
                .open_read(Path::new(&path))
                .map_or(0, |file| file.len() as u64)
        })
        .sum()
}

/// Groups segments, smallest first, into merges that each write at most
/// `max_bytes`; a segment at or above the bound stays as it is, and a group
/// of one is no merge. Each group's segments are merged into one.
pub(crate) fn bounded_groups(
    mut sized: Vec<(SegmentId, u64)>,
    max_bytes: u64,
) -> Vec<Vec<SegmentId>> {
    sized.retain(|&(_, bytes)| bytes < max_bytes);
    sized.sort_by_key(|&(id, bytes)| (bytes, id));
    let mut groups: Vec<Vec<SegmentId>> = Vec::new();
    let mut current: Vec<SegmentId> = Vec::new();
    let mut current_bytes = 0u64;
    for (id, bytes) in sized {
        if !current.is_empty() && current_bytes + bytes > max_bytes {
            groups.push(std::mem::take(&mut current));
            current_bytes = 0;
        }
        current.push(id);
        current_bytes += bytes;
    }
    groups.push(current);
    groups.retain(|group| group.len() > 1);
    groups
}

/// Tantivy's log merge policy (segments of about the same size merged
/// together as they accumulate), with each of its merges split into merges
/// that write at most `max_bytes` (see the module docs).
#[derive(Debug)]
pub(crate) struct BoundedMergePolicy {
    log: LogMergePolicy,
    directory: Box<dyn Directory>,
    max_bytes: u64,
}

impl BoundedMergePolicy {
    pub(crate) fn new(directory: Box<dyn Directory>, max_bytes: u64) -> Self {
        Self {
            log: LogMergePolicy::default(),
            directory,
            max_bytes,
        }
    }
}

impl MergePolicy for BoundedMergePolicy {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        self.log
            .compute_merge_candidates(segments)
            .into_iter()
            .flat_map(|MergeCandidate(ids)| {
                let sized = segments
                    .iter()
                    .filter(|segment| ids.contains(&segment.id()))
                    .map(|segment| (segment.id(), segment_bytes(&*self.directory, segment)))
                    .collect();
                bounded_groups(sized, self.max_bytes)
            })
            .map(MergeCandidate)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<SegmentId> {
        let mut ids: Vec<SegmentId> = (0..n).map(|_| SegmentId::generate_random()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn groups_stay_under_the_bound_and_leave_large_segments_alone() {
        let id = ids(6);
        let sized = vec![
            (id[0], 40),
            (id[1], 10),
            (id[2], 100),
            (id[3], 30),
            (id[4], 20),
            (id[5], 150),
        ];
        // Smallest first: 10 + 20 + 30 = 60 <= 70; 40 alone is no merge;
        // 100 and 150 are at or above the bound.
        assert_eq!(bounded_groups(sized, 70), vec![vec![id[1], id[4], id[3]]]);
    }

    #[test]
    fn everything_under_the_bound_is_one_merge() {
        let id = ids(3);
        let sized = vec![(id[0], 5), (id[1], 1), (id[2], 3)];
        assert_eq!(bounded_groups(sized, 100), vec![vec![id[1], id[2], id[0]]]);
    }

    #[test]
    fn a_single_or_no_segment_is_no_merge() {
        let id = ids(1);
        assert!(bounded_groups(vec![(id[0], 5)], 100).is_empty());
        assert!(bounded_groups(Vec::new(), 100).is_empty());
    }

    #[test]
    fn several_merges_when_the_small_segments_exceed_the_bound_together() {
        let id = ids(4);
        let sized = (0..4).map(|i| (id[i], 30)).collect();
        assert_eq!(
            bounded_groups(sized, 60),
            vec![vec![id[0], id[1]], vec![id[2], id[3]]]
        );
    }
}
