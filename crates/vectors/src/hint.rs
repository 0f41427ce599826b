//! Memory hints for searches over large vector sets: asking the kernel for
//! huge pages under the big arrays (the rows a graph walk is about to read
//! are prefetched with `patsearch_simd::prefetch_l1`).
//!
//! A walk over a million vectors reads a few thousand rows at random places
//! in hundreds of megabytes: each read misses the caches and, with 4 KiB
//! pages, the TLB. Prefetching all of a node's unvisited neighbours before
//! scoring the first overlaps those misses instead of paying them one after
//! another (benches/README.md, "Vector search at 1,000,000 vectors"), and
//! 2 MiB pages spare the page walks (a gain not measured on its own).
//!
//! The crate's only unsafe code: `madvise`, which cannot change what safe
//! code observes (the prefetch instructions are patsearch-simd's).
#![allow(unsafe_code)]

/// Asks the kernel to back the whole 2 MiB pages of `vec`'s allocation
/// (its capacity, written or not) with huge pages. Call it right after
/// reserving and before filling: pages touched before the advice stay small
/// until the kernel's background collapsing gets to them. Without effect
/// where transparent huge pages are off or unavailable.
pub(crate) fn advise_huge_pages<T>(vec: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = vec.as_ptr() as usize;
        let end = start + vec.capacity() * std::mem::size_of::<T>();
        let (from, to) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if to > from {
            // SAFETY: [from, to) lies inside `vec`'s allocation, which this
            // process mapped; MADV_HUGEPAGE changes how the kernel backs the
            // range, never its contents or validity. Failure (transparent
            // huge pages disabled) leaves everything as it was.
            unsafe {
                libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = vec;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_leave_the_data_as_it_was() {
        let mut v: Vec<u8> = Vec::with_capacity(8 << 20);
        advise_huge_pages(&v);
        v.extend((0..8 << 20).map(|i| (i % 251) as u8));
        assert!(v.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    }
}
