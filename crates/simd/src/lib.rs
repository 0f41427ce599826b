//! Which SIMD instruction set the embedder's and the vector index's kernels
//! run on.
//!
//! The kernels are written once, generic over [`pulp::Simd`], and compiled by
//! `pulp` for each level this target can have (x86-64: AVX-512, AVX2+FMA,
//! scalar; aarch64: NEON, scalar). Which one runs is chosen once per process:
//! the widest the CPU has, or the one `PATSEARCH_SIMD` names, so that every
//! path can be tested and benchmarked on one machine. Code that wants to run
//! several paths side by side (tests, benchmarks) asks for a level's
//! [`pulp::Arch`] with [`arch_of`].
//!
//! The `gemm` crate behind the embedder's large products picks its own kernels
//! and has no override: `PATSEARCH_SIMD` does not reach it.
//!
//! The workspace's one dot product ([`dot`], and [`cosine`] on it) lives here
//! too, so every cosine is the same bits on every instruction set. The
//! prefetch hints of those kernels also live here, one per architecture;
//! they are this crate's only unsafe code and cannot change what safe code
//! observes.
#![allow(unsafe_code)]

mod vector_math;

pub use vector_math::{cosine, cosine_with_norms, dot, norm};

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

/// The environment variable that forces an instruction set.
pub const ENV_VAR: &str = "PATSEARCH_SIMD";

/// An instruction set the kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// x86-64 with AVX-512 (F, BW, CD, DQ, VL): pulp's `V4`.
    Avx512,
    /// x86-64 with AVX2 and FMA: pulp's `V3`.
    Avx2,
    /// aarch64 Advanced SIMD.
    Neon,
    /// No vector instructions: one value at a time, with fused multiply-adds
    /// (slow where the CPU has no FMA; there for correctness).
    Scalar,
}

impl Isa {
    /// The name `PATSEARCH_SIMD` takes.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
            Isa::Neon => "neon",
            Isa::Scalar => "scalar",
        }
    }

    /// The levels this build has kernels for, widest first.
    pub fn compiled() -> &'static [Isa] {
        #[cfg(target_arch = "x86_64")]
        {
            &[Isa::Avx512, Isa::Avx2, Isa::Scalar]
        }
        #[cfg(target_arch = "aarch64")]
        {
            &[Isa::Neon, Isa::Scalar]
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        {
            &[Isa::Scalar]
        }
    }

    /// The levels this CPU can run, widest first (always ends with scalar).
    pub fn available() -> Vec<Isa> {
        Isa::compiled()
            .iter()
            .copied()
            .filter(|&isa| arch_of(isa).is_some())
            .collect()
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Isa {
    type Err = SimdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "avx512" | "avx-512" => Ok(Isa::Avx512),
            "avx2" => Ok(Isa::Avx2),
            "neon" => Ok(Isa::Neon),
            "scalar" => Ok(Isa::Scalar),
            _ => Err(SimdError::Unknown(s.to_string())),
        }
    }
}

/// A `PATSEARCH_SIMD` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimdError {
    #[error("{ENV_VAR}={0:?} is not an instruction set: use avx512, avx2, neon or scalar")]
    Unknown(String),
    #[error("{ENV_VAR}={isa}: this CPU cannot run it (it can run: {available})")]
    Unavailable { isa: Isa, available: String },
}

/// The `pulp` dispatcher of `isa`, if this CPU runs it.
pub fn arch_of(isa: Isa) -> Option<pulp::Arch> {
    match isa {
        Isa::Scalar => Some(pulp::Arch::Scalar),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => pulp::x86::V4::try_new().map(pulp::Arch::V4),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => pulp::x86::V3::try_new().map(pulp::Arch::V3),
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => pulp::aarch64::Neon::try_new().map(pulp::Arch::Neon),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The widest level this CPU runs.
pub fn detected() -> Isa {
    Isa::available()[0]
}

/// The level named by `value` (a `PATSEARCH_SIMD` setting), checked against
/// this CPU.
pub fn parse_setting(value: &str) -> Result<Isa, SimdError> {
    let isa: Isa = value.parse()?;
    if arch_of(isa).is_none() {
        let available: Vec<&str> = Isa::available().iter().map(|i| i.name()).collect();
        return Err(SimdError::Unavailable {
            isa,
            available: available.join(", "),
        });
    }
    Ok(isa)
}

/// The level `PATSEARCH_SIMD` asks for, or the detected one when it is unset
/// or empty. Programs call this at start-up to refuse a bad setting with a
/// clear message; the kernels themselves use [`selected`].
pub fn from_env() -> Result<Isa, SimdError> {
    match std::env::var(ENV_VAR) {
        Ok(value) if !value.trim().is_empty() => parse_setting(&value),
        _ => Ok(detected()),
    }
}

struct Selected {
    isa: Isa,
    arch: pulp::Arch,
}

static SELECTED: LazyLock<Selected> = LazyLock::new(|| {
    let isa = from_env().unwrap_or_else(|e| {
        let isa = detected();
        tracing::warn!("{e}; using {isa}");
        isa
    });
    let arch = arch_of(isa).expect("an available level has a dispatcher");
    Selected { isa, arch }
});

/// The level the kernels run on in this process: [`from_env`], read once (a
/// bad setting falls back to the detected level with a warning).
pub fn selected() -> Isa {
    SELECTED.isa
}

/// The dispatcher of [`selected`].
pub fn arch() -> pulp::Arch {
    SELECTED.arch
}

/// The CPU's features that matter to the kernels, as /proc/cpuinfo names
/// them (for benchmark reports).
pub fn cpu_features() -> Vec<&'static str> {
    let mut features = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! check {
            ($($name:tt)*) => {
                $(if std::arch::is_x86_feature_detected!($name) {
                    features.push($name);
                })*
            };
        }
        check!("sse4.2" "avx" "avx2" "fma" "f16c" "avx512f" "avx512bw" "avx512cd" "avx512dq" "avx512vl");
    }
    #[cfg(target_arch = "aarch64")]
    {
        macro_rules! check {
            ($($name:tt)*) => {
                $(if std::arch::is_aarch64_feature_detected!($name) {
                    features.push($name);
                })*
            };
        }
        check!("neon" "fp16" "dotprod" "sve");
    }
    features
}

/// Starts loading the cache line of `data[index]` into the L2 cache, for a
/// loop that will read it soon; nothing past the end of `data`. A hint only:
/// it reads nothing the program sees and cannot fault.
#[inline(always)]
pub fn prefetch_l2<T>(data: &[T], index: usize) {
    if index < data.len() {
        prefetch_line::<false>(data[index..].as_ptr().cast());
    }
}

/// Starts loading every cache line of `rows` into the L1 cache (a graph
/// walk's next rows); a hint with no effect on results.
#[inline(always)]
pub fn prefetch_l1<T>(rows: &[T]) {
    let start = rows.as_ptr().cast::<u8>();
    for offset in (0..std::mem::size_of_val(rows)).step_by(64) {
        prefetch_line::<true>(start.wrapping_add(offset));
    }
}

/// The prefetch instruction of this architecture for the line at `address`,
/// into the L1 cache (`L1`) or the L2. Callers pass addresses inside a slice.
#[inline(always)]
fn prefetch_line<const L1: bool>(address: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and changes no memory, whatever the
    // address; SSE, which provides it, is part of every x86-64.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0, _MM_HINT_T1};
        if L1 {
            _mm_prefetch::<_MM_HINT_T0>(address.cast());
        } else {
            _mm_prefetch::<_MM_HINT_T1>(address.cast());
        }
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: PRFM is a hint of the base ISA: it never faults and changes no
    // memory or flags, whatever the address.
    unsafe {
        if L1 {
            std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) address, options(nostack, readonly, preserves_flags));
        } else {
            std::arch::asm!("prfm pldl2keep, [{0}]", in(reg) address, options(nostack, readonly, preserves_flags));
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = address;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefetching_reads_nothing_and_tolerates_any_index() {
        let data: Vec<u32> = (0..10_000).collect();
        for index in [0, 1, 4_095, 9_999, 10_000, usize::MAX] {
            prefetch_l2(&data, index);
        }
        prefetch_l1(&data[100..5_000]);
        prefetch_l1::<u8>(&[]);
        assert!(data.iter().enumerate().all(|(i, &v)| v as usize == i));
    }

    #[test]
    fn every_available_level_has_a_dispatcher_and_scalar_is_always_there() {
        let available = Isa::available();
        assert_eq!(available.last(), Some(&Isa::Scalar));
        assert_eq!(available[0], detected());
        for isa in available {
            assert!(arch_of(isa).is_some(), "{isa}");
            assert_eq!(parse_setting(isa.name()), Ok(isa));
        }
    }

    #[test]
    fn names_round_trip_and_bad_names_are_refused() {
        for &isa in Isa::compiled() {
            assert_eq!(isa.name().parse::<Isa>(), Ok(isa));
        }
        assert_eq!(" AVX2 ".parse::<Isa>(), Ok(Isa::Avx2));
        let err = "sse9".parse::<Isa>().unwrap_err();
        assert!(
            err.to_string().contains("avx512, avx2, neon or scalar"),
            "{err}"
        );
    }

    #[test]
    fn a_level_of_another_architecture_is_unavailable_with_the_alternatives_named() {
        #[cfg(target_arch = "x86_64")]
        let foreign = Isa::Neon;
        #[cfg(not(target_arch = "x86_64"))]
        let foreign = Isa::Avx2;
        match parse_setting(foreign.name()) {
            Err(SimdError::Unavailable { isa, available }) => {
                assert_eq!(isa, foreign);
                assert!(available.contains("scalar"), "{available}");
            }
            other => panic!("{other:?}"),
        }
    }
}
