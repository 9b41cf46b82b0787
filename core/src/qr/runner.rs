//! Running one pass: making the image variant, binarizing it, finding and
//! decoding every QR code in it, and remembering where finder patterns formed
//! a code that did not decode (regions to retry). Only the calls into rxing
//! run under `catch_unwind` ([`rxing`]): a panic in our own binarizer, filters
//! or finder is a bug that must reach the caller (and the fuzzer).

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::common::{BitMatrix, DetectorRXingResult, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{BinaryBitmap, Luma8Source};

use super::binarize::local_matrix;
use super::filter::{self, Plane};
use super::finder;
use super::passes::{Binarize, Pass, Polarity, Variant};
use crate::secret::SecretString;

pub(super) fn make_variant(variant: Variant, original: &Plane<'_>) -> Option<Plane<'static>> {
    match variant {
        Variant::Original => None,
        Variant::Down2 => filter::downscale(original, 2),
        Variant::Down3 => filter::downscale(original, 3),
        Variant::Up2 => filter::upscale2(original),
        Variant::Stretch => Some(filter::stretch(original)),
        Variant::Smooth => Some(filter::smooth(original)),
        Variant::Sharpen => Some(filter::sharpen(original)),
    }
}

/// A rectangle of the original image (pixels, end exclusive) where finder
/// patterns formed a plausible code that did not decode, or around a lone
/// finder pattern.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Region {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    /// Around a lone finder pattern (weaker evidence of a code than a triple).
    pub lone: bool,
}

/// What one pass found.
#[derive(Default)]
pub(super) struct PassResult {
    pub(super) texts: Vec<SecretString>,
    /// Finder-pattern triples that did not decode (or, when there was none,
    /// the surroundings of lone patterns), in the pass's image coordinates.
    pub(super) misses: Vec<Region>,
    /// How many finder patterns the pass saw (evidence of a code).
    pub(super) patterns: usize,
}

/// How much bigger the original is than the image a pass looks at.
pub(super) fn scale_of(ops: [Variant; 2]) -> f32 {
    ops.iter()
        .map(|op| match op {
            Variant::Down2 => 2.0,
            Variant::Down3 => 3.0,
            Variant::Up2 => 0.5,
            _ => 1.0,
        })
        .product()
}

pub(super) fn binarize(kind: Binarize, plane: &Plane<'_>) -> Option<BitMatrix> {
    let (w, h) = (
        u32::try_from(plane.width).ok()?,
        u32::try_from(plane.height).ok()?,
    );
    match kind {
        Binarize::Local(rule) => local_matrix(&plane.data, plane.width, plane.height, rule),
        Binarize::Hybrid => rxing(|| {
            let source = Luma8Source::new_with_slice(&plane.data, w, h).ok()?;
            let bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
            Some(bitmap.get_black_matrix().clone())
        }),
        Binarize::Global => rxing(|| {
            let source = Luma8Source::new_with_slice(&plane.data, w, h).ok()?;
            let bitmap = BinaryBitmap::new(GlobalHistogramBinarizer::new(source));
            Some(bitmap.get_black_matrix().clone())
        }),
    }
}

thread_local! {
    /// Whether a call into rxing panicked during this thread's current run.
    pub(super) static RXING_PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// Calls into rxing, the third-party decoder, containing its panics (it has
/// integer overflows that panic where overflow checks are on): such a call
/// found nothing, and the run reports `panicked`. Nothing else is wrapped: a
/// panic in our own code (binarizer, filters, finder, crops) is a bug, and
/// reaches the caller and the fuzzer.
pub(super) fn rxing<T>(call: impl FnOnce() -> Option<T>) -> Option<T> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| {
        RXING_PANICKED.set(true);
        None
    })
}

pub(super) fn run_pass(p: &Pass, plane: &Plane<'_>) -> PassResult {
    let Some(mut matrix) = binarize(p.binarize, plane) else {
        return PassResult::default();
    };
    let mut result = PassResult::default();
    if p.polarity != Polarity::Inverted {
        result = read_matrix(&matrix, p.try_harder);
        if !result.texts.is_empty() || p.polarity == Polarity::Normal {
            return result;
        }
    }
    matrix.flip_self();
    let inverted = read_matrix(&matrix, p.try_harder);
    result.texts.extend(inverted.texts);
    result.misses.extend(inverted.misses);
    result.patterns += inverted.patterns;
    result
}

/// Finds and decodes every QR code in a binarized image.
pub(super) fn read_matrix(matrix: &BitMatrix, try_harder: bool) -> PassResult {
    let mut result = PassResult::default();
    let Some((patterns, mut sets)) = rxing(|| {
        let mut patterns = FindFinderPatterns(matrix, try_harder, 0);
        let sets = GenerateFinderPatternSets(&mut patterns);
        Some((patterns, sets))
    }) else {
        return result;
    };
    result.patterns = patterns.len();
    // A strongly tilted code's far pattern is too small for rxing's sets. Those
    // looser triples are tried last, and one that does not decode is no region
    // to retry (weaker evidence of a code; the lone patterns below still are).
    let plausible = sets.len();
    let tilted = finder::tilted_sets(&patterns, &sets);
    sets.extend(tilted);
    let mut used = Vec::new();
    for (n, set) in sets.into_iter().enumerate() {
        let corners = [set.bl, set.tl, set.tr];
        if corners.iter().any(|c| used.contains(c)) {
            continue;
        }
        let decoded = rxing(|| {
            let d = SampleQR(matrix, &set)
                .and_then(|d| Decode(d.getBits()))
                .ok()?;
            d.isValid().then(|| d.text())
        });
        match decoded {
            Some(text) => {
                used.extend(corners);
                result.texts.push(SecretString::new(text));
            }
            None => {
                if n < plausible && result.misses.len() < MAX_REGIONS {
                    result.misses.push(region_of(&corners));
                }
            }
        }
    }
    if result.texts.is_empty() && result.misses.is_empty() {
        // No plausible triple: the code may be too small or blurred here for all
        // three finder patterns to show. Retry around the largest single ones.
        for c in patterns.iter().take(MAX_REGIONS) {
            let reach = c.size.max(4) as f32 * SPOT_REACH;
            result.misses.push(Region {
                x0: c.p.x - reach,
                y0: c.p.y - reach,
                x1: c.p.x + reach,
                y1: c.p.y + reach,
                lone: true,
            });
        }
    }
    result
}

/// Around a lone finder pattern, the region retried reaches this many
/// pattern sizes either way (a version 10 code spans 8 pattern sizes).
const SPOT_REACH: f32 = 9.0;

/// The region a finder-pattern triple spans: the bounding box of the three
/// centres, widened by a pattern size (the patterns themselves and the
/// modules beyond them). The fourth corner is included by symmetry.
fn region_of(corners: &[rxing::common::cpp_essentials::ConcentricPattern; 3]) -> Region {
    let [bl, tl, tr] = *corners;
    // the fourth corner of the parallelogram
    let br = (bl.p.x + tr.p.x - tl.p.x, bl.p.y + tr.p.y - tl.p.y);
    let xs = [bl.p.x, tl.p.x, tr.p.x, br.0];
    let ys = [bl.p.y, tl.p.y, tr.p.y, br.1];
    let pad = corners.iter().map(|c| c.size).max().unwrap_or(0).max(4) as f32;
    Region {
        x0: xs.iter().copied().fold(f32::INFINITY, f32::min) - pad,
        y0: ys.iter().copied().fold(f32::INFINITY, f32::min) - pad,
        x1: xs.iter().copied().fold(f32::NEG_INFINITY, f32::max) + pad,
        y1: ys.iter().copied().fold(f32::NEG_INFINITY, f32::max) + pad,
        lone: false,
    }
}

/// At most this many regions are kept from one pass, and retried.
pub(super) const MAX_REGIONS: usize = 4;

/// Crops `region` (clamped) out of `original`.
pub(super) fn crop(original: &Plane<'_>, region: &Region) -> Option<Plane<'static>> {
    let clamp = |v: f32, max: usize| -> usize { (v.max(0.0) as usize).min(max) };
    let (x0, x1) = (
        clamp(region.x0, original.width),
        clamp(region.x1, original.width),
    );
    let (y0, y1) = (
        clamp(region.y0, original.height),
        clamp(region.y1, original.height),
    );
    if x1 <= x0 + 21 || y1 <= y0 + 21 {
        return None;
    }
    let mut data = Vec::with_capacity((x1 - x0) * (y1 - y0));
    for row in original
        .data
        .chunks_exact(original.width)
        .skip(y0)
        .take(y1 - y0)
    {
        data.extend_from_slice(row.get(x0..x1)?);
    }
    Some(Plane {
        data: std::borrow::Cow::Owned(data),
        width: x1 - x0,
        height: y1 - y0,
    })
}

pub(super) fn overlaps(a: &Region, b: &Region) -> bool {
    a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_rxing_is_contained_and_reported() {
        RXING_PANICKED.set(false);
        assert_eq!(rxing(|| Some(7)), Some(7));
        assert!(!RXING_PANICKED.get());
        assert_eq!(rxing::<u8>(|| panic!("a panic inside rxing")), None);
        assert!(RXING_PANICKED.replace(false));
    }
}
