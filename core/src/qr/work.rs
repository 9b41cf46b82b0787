//! What a pass costs: the camera budget in counted work, not in time.
//!
//! Every pass is charged, before it runs, a cost known from its inputs alone:
//! the pixels of the images it makes (downscale, sharpen, …) and of the image
//! it binarizes and scans, each times a per-kind factor, plus a fixed cost per
//! pass. A plan with a budget stops before the first pass whose cost would
//! take the frame's total past it. So the same frame runs the same passes, and
//! reads the same codes, on any machine and under any load: time plays no
//! part (up to the wall-clock ceiling, a latency safety net: `clock.rs`).
//!
//! A work unit is about one nanosecond of the decoding thread's CPU time on
//! the machine the factors were measured on (a 2-core KVM guest, release
//! build; 0.73–1.03 ns across runs), so `@N` in the plan notation is ≈ N ms there. The factors were
//! measured on the benchmark's 100 camera frames by the ignored test
//! `calibrate` below, which also prints, per frame, the work the camera plan
//! needs to find its code; docs/qr-decoding.md says how to rerun it.

use super::passes::{Binarize, Pass, Polarity, Variant};

/// Counted work (≈ ns of CPU time on the calibration machine).
pub(crate) type Work = u64;

/// Work units per millisecond of the calibration machine's CPU time (the
/// `@N` of the plan notation is N of these).
pub(crate) const UNITS_PER_MS: Work = 1_000_000;

/// Fixed cost of a pass (allocations, the finder-pattern bookkeeping).
const PER_PASS: Work = 21_600;

/// Per-kind factors, in work units per 1000 pixels.
mod per_kpx {
    /// 2× box downscale, per source pixel.
    pub const DOWN2: u64 = 400;
    /// 3× box downscale, per source pixel.
    pub const DOWN3: u64 = 380;
    /// 2× bilinear upscale, per output pixel (each source row interpolated
    /// once, not three times: 1890 before).
    pub const UP2: u64 = 790;
    /// Local contrast stretch.
    pub const STRETCH: u64 = 4_860;
    /// 3×3 smoothing (1190 before its rows were summed once).
    pub const SMOOTH: u64 = 830;
    /// Unsharp masking (1510 before its rows were summed once).
    pub const SHARPEN: u64 = 1_150;
    /// Our local binarizer (measured before its column-wise, 8-pixels-at-a-time
    /// rewrite, which took a third off its instructions: it now overcharges).
    pub const LOCAL: u64 = 2_050;
    /// The global-histogram binarizer.
    pub const GLOBAL: u64 = 1_620;
    /// rxing's hybrid binarizer.
    pub const HYBRID: u64 = 5_240;
    /// Finder-pattern scan of every third row and the decoding of what it finds.
    pub const SCAN_HARDER: u64 = 2_050;
    /// The sparse finder-pattern scan.
    pub const SCAN_FAST: u64 = 1_300;
}

fn of(pixels: usize, factor_per_kpx: u64) -> Work {
    u64::try_from(pixels)
        .unwrap_or(u64::MAX)
        .saturating_mul(factor_per_kpx)
        / 1000
}

/// The size of the image `op` makes from a `width × height` one.
pub(crate) fn made_size(op: Variant, width: usize, height: usize) -> (usize, usize) {
    match op {
        Variant::Down2 => (width / 2, height / 2),
        Variant::Down3 => (width / 3, height / 3),
        Variant::Up2 => (width.saturating_mul(2), height.saturating_mul(2)),
        Variant::Original | Variant::Stretch | Variant::Smooth | Variant::Sharpen => {
            (width, height)
        }
    }
}

/// The cost of making `op`'s image from a `width × height` one.
pub(crate) fn make_cost(op: Variant, width: usize, height: usize) -> Work {
    let src = width.saturating_mul(height);
    match op {
        Variant::Original => 0,
        Variant::Down2 => of(src, per_kpx::DOWN2),
        Variant::Down3 => of(src, per_kpx::DOWN3),
        Variant::Up2 => of(src.saturating_mul(4), per_kpx::UP2),
        Variant::Stretch => of(src, per_kpx::STRETCH),
        Variant::Smooth => of(src, per_kpx::SMOOTH),
        Variant::Sharpen => of(src, per_kpx::SHARPEN),
    }
}

/// The cost of binarizing a `width × height` image and scanning it (twice
/// for both polarities: the most a pass can do), plus the fixed cost of a pass.
pub(crate) fn read_cost(p: &Pass, width: usize, height: usize) -> Work {
    let px = width.saturating_mul(height);
    let binarize = match p.binarize {
        Binarize::Local(_) => per_kpx::LOCAL,
        Binarize::Global => per_kpx::GLOBAL,
        Binarize::Hybrid => per_kpx::HYBRID,
    };
    let scan = if p.try_harder {
        per_kpx::SCAN_HARDER
    } else {
        per_kpx::SCAN_FAST
    };
    let reads = match p.polarity {
        Polarity::Normal | Polarity::Inverted => 1,
        Polarity::Both => 2,
    };
    PER_PASS
        .saturating_add(of(px, binarize))
        .saturating_add(of(px, scan).saturating_mul(reads))
}
