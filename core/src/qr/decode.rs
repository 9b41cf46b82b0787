//! The decoding strategy: a list of passes over a luma plane, cheapest first.
//!
//! A pass is one (image variant, binarizer, polarity) combination. The
//! binarized image goes through rxing's port of the zxing-cpp QR detector
//! (finder patterns, grid sampling) and decoder, driven here so that the
//! finder-pattern triples that did not decode are kept: a later *region* pass
//! retries just those regions of the full-resolution image with costlier
//! processing, which is much cheaper than processing the whole frame again.
//! Passes run in order until one finds a code, or until the next pass's cost
//! would exceed the work budget (counted work, `work.rs`; with a wall-clock
//! ceiling, `clock.rs`). Only the calls into rxing run under `catch_unwind`
//! ([`rxing`]): a panic in our own code is a bug, and reaches the caller.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::common::{BitMatrix, DetectorRXingResult, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{BinaryBitmap, Luma8Source};

use super::binarize::{Rule, local_matrix};
use super::clock::{Budget, BudgetClock, FrameClock};
use super::filter::{self, Plane};
use super::finder;
use super::work::{self, Work};
use crate::secret::SecretString;

/// How an image is binarized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Binarize {
    /// zxing's local block threshold (good with shadows and gradients).
    Hybrid,
    /// One threshold for the whole image from its histogram (good with blur and low contrast).
    Global,
    /// Our fast local binarizer.
    Local(Rule),
}

/// Which version of the image a pass looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// The image as given.
    Original,
    /// Box-averaged down by 2 (halves the noise; makes large blurred codes crisp).
    Down2,
    /// Box-averaged down by 3.
    Down3,
    /// Bilinear up by 2 (modules under ~2 px).
    Up2,
    /// Contrast stretched over local windows (faint prints, low-contrast screens).
    Stretch,
    /// A 3×3 smoothing (noise, JPEG blocks).
    Smooth,
    /// Unsharp masking (defocus).
    Sharpen,
}

/// Which polarity a pass tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Polarity {
    /// Dark modules on a light background.
    Normal,
    /// Light modules on a dark background.
    Inverted,
    /// Both (the inverted try reuses the binarization).
    Both,
}

/// One pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pass {
    /// The operations that make the image looked at, in order (`Original`: none).
    pub ops: [Variant; 2],
    pub binarize: Binarize,
    pub polarity: Polarity,
    /// Scan every third row for finder patterns instead of a sparse subset.
    pub try_harder: bool,
}

/// A decoding plan: passes in order and an optional work budget.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    /// The passes a [`Step::Regions`] runs on each region.
    pub region_passes: Vec<Pass>,
    /// No pass starts whose cost would take the frame's work past this budget
    /// (nor once its wall-clock ceiling has passed).
    pub budget: Option<Budget>,
    /// Keep running passes after one found a code (to collect more codes).
    pub exhaustive: bool,
    /// Once a code is found, go on until a full-resolution pass has run (a
    /// downscaled pass can miss the smaller of several codes).
    pub settle: bool,
}

/// One step of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A pass over the whole image.
    Pass(Pass),
    /// Retry the regions where earlier passes saw finder patterns that did
    /// not decode, on full-resolution crops, with the region passes.
    Regions,
}

/// What a plan run gives back.
pub(crate) struct Outcome {
    pub texts: Vec<SecretString>,
    /// A call into rxing panicked (and was contained, [`rxing`]).
    pub panicked: bool,
    /// The work charged for the passes that ran.
    pub work: Work,
    /// How many passes ran (region passes included).
    pub passes: usize,
}

/// Counts the work of a frame against its budget.
struct Meter<'c> {
    budget: Option<Budget>,
    clock: &'c mut dyn BudgetClock,
    spent: Work,
    passes: usize,
}

impl Meter<'_> {
    /// Charges a pass of `cost` if it fits the budget (and the wall-clock
    /// ceiling has not passed): whether it may run. The clock is only read
    /// when there is a budget (the thorough plan has none).
    fn charge(&mut self, cost: Work) -> bool {
        let spent = self.spent.saturating_add(cost);
        if let Some(b) = self.budget
            && (spent > b.work || self.clock.wall() > b.wall)
        {
            return false;
        }
        self.spent = spent;
        self.passes += 1;
        true
    }
}

const fn rule(min_range: u8, flat_light: bool) -> Rule {
    Rule {
        min_range,
        flat_light,
    }
}

const fn pass(variant: Variant, binarize: Binarize, polarity: Polarity) -> Pass {
    Pass {
        ops: [variant, Variant::Original],
        binarize,
        polarity,
        try_harder: true,
    }
}

impl Plan {
    /// Parses the compact plan notation used by the benchmark to try
    /// strategies: passes separated by commas, each a binarizer letter
    /// (`h` rxing's hybrid, `g` global, `l` our local, `k` our local with a
    /// low minimum contrast) followed by modifiers: `2`/`3` downscale,
    /// `u` upscale, `n` stretch, `s` smooth, `x` sharpen, `i` inverted only,
    /// `b` both polarities, `f` fast finder scan. `r` is the region step
    /// (`r:P;P;…` also sets the passes it runs on each region). `@N` sets a
    /// work budget of N million units (≈ N ms of CPU on the calibration
    /// machine, `work.rs`; with a wall-clock ceiling of 4 × N ms), `+` makes
    /// the plan exhaustive, `=` makes it settle.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let mut plan = Plan {
            steps: Vec::new(),
            region_passes: Vec::new(),
            budget: None,
            exhaustive: false,
            settle: false,
        };
        plan.region_passes = REGION_PASSES
            .split(',')
            .map(str::trim)
            .map(parse_pass)
            .collect::<Option<Vec<_>>>()?;
        for token in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if let Some(ms) = token.strip_prefix('@') {
                plan.budget = Some(Budget::of_ms(ms.parse().ok()?)?);
                continue;
            }
            if token == "+" {
                plan.exhaustive = true;
                continue;
            }
            if token == "=" {
                plan.settle = true;
                continue;
            }
            if token == "r" {
                plan.steps.push(Step::Regions);
                continue;
            }
            if let Some(passes) = token.strip_prefix("r:") {
                plan.region_passes = passes
                    .split(';')
                    .map(str::trim)
                    .map(parse_pass)
                    .collect::<Option<Vec<_>>>()?;
                plan.steps.push(Step::Regions);
                continue;
            }
            plan.steps.push(Step::Pass(parse_pass(token)?));
        }
        Some(plan)
    }
}

/// Parses one pass of the plan notation (see [`Plan::parse`]).
fn parse_pass(token: &str) -> Option<Pass> {
    let mut chars = token.chars();
    let binarize = match chars.next()? {
        'h' => Binarize::Hybrid,
        'g' => Binarize::Global,
        'l' => Binarize::Local(rule(24, false)),
        'k' => Binarize::Local(rule(10, false)),
        'm' => Binarize::Local(rule(24, true)),
        'p' => Binarize::Local(rule(10, true)),
        _ => return None,
    };
    let mut p = pass(Variant::Original, binarize, Polarity::Normal);
    let mut ops = Vec::new();
    for c in chars {
        match c {
            '2' => ops.push(Variant::Down2),
            '3' => ops.push(Variant::Down3),
            'u' => ops.push(Variant::Up2),
            'n' => ops.push(Variant::Stretch),
            's' => ops.push(Variant::Smooth),
            'x' => ops.push(Variant::Sharpen),
            'i' => p.polarity = Polarity::Inverted,
            'b' => p.polarity = Polarity::Both,
            'f' => p.try_harder = false,
            _ => return None,
        }
    }
    match ops.as_slice() {
        [] => {}
        [a] => p.ops = [*a, Variant::Original],
        [a, b] => p.ops = [*a, *b],
        _ => return None,
    }
    Some(p)
}

/// Runs `plan` on a tightly packed luma plane, its wall-clock ceiling
/// measured from now ([`FrameClock`]).
pub(crate) fn run(plan: &Plan, luma: &[u8], width: usize, height: usize) -> Outcome {
    run_with_clock(plan, luma, width, height, &mut FrameClock::start())
}

/// Runs `plan` with its wall-clock ceiling measured by `clock` (asked before
/// each pass once the plan has a budget).
pub(crate) fn run_with_clock(
    plan: &Plan,
    luma: &[u8],
    width: usize,
    height: usize,
    clock: &mut dyn BudgetClock,
) -> Outcome {
    let original = Plane {
        data: std::borrow::Cow::Borrowed(luma),
        width,
        height,
    };
    let mut variants: Vec<([Variant; 2], Option<Plane<'static>>)> = Vec::new();
    let mut out = Outcome {
        texts: Vec::new(),
        panicked: false,
        work: 0,
        passes: 0,
    };
    RXING_PANICKED.set(false);
    let mut meter = Meter {
        budget: plan.budget,
        clock,
        spent: 0,
        passes: 0,
    };
    let mut regions: Vec<Region> = Vec::new();
    let mut ran_full_resolution = false;
    let mut stopped = false;
    for step in &plan.steps {
        let done = !out.texts.is_empty() && (!plan.settle || ran_full_resolution);
        if stopped || (!plan.exhaustive && done) {
            break;
        }
        let p = match step {
            Step::Pass(p) => p,
            Step::Regions => {
                'regions: for region in std::mem::take(&mut regions) {
                    let Some(plane) = crop(&original, &region) else {
                        continue;
                    };
                    for p in &plan.region_passes {
                        let (w, h) = work::made_size(p.ops[0], plane.width, plane.height);
                        let cost = work::make_cost(p.ops[0], plane.width, plane.height)
                            .saturating_add(work::read_cost(p, w, h));
                        if !meter.charge(cost) {
                            stopped = true;
                            break 'regions;
                        }
                        let sub = Plane {
                            data: std::borrow::Cow::Borrowed(&plane.data),
                            width: plane.width,
                            height: plane.height,
                        };
                        let plane = match p.ops[0] {
                            Variant::Original => Some(sub),
                            op => make_variant(op, &sub),
                        };
                        let texts = plane.map(|plane| run_pass(p, &plane).texts);
                        if let Some(texts) = texts.filter(|t| !t.is_empty()) {
                            add_texts(&mut out, texts);
                            break;
                        }
                    }
                }
                continue;
            }
        };
        if !meter.charge(pass_cost(p, &variants, width, height)) {
            break;
        }
        if p.ops[0] == Variant::Original {
            ran_full_resolution = true;
        }
        let plane: &Plane<'_> = if p.ops[0] == Variant::Original {
            &original
        } else {
            let first = [p.ops[0], Variant::Original];
            for key in [first, p.ops] {
                if variants.iter().any(|(v, _)| *v == key) {
                    continue;
                }
                let base = if key == first {
                    Some(&original)
                } else {
                    variants
                        .iter()
                        .find(|(v, _)| *v == first)
                        .and_then(|(_, plane)| plane.as_ref())
                };
                let op = if key == first { p.ops[0] } else { p.ops[1] };
                variants.push((key, base.and_then(|base| make_variant(op, base))));
            }
            match variants.iter().find(|(v, _)| *v == p.ops) {
                Some((_, Some(plane))) => plane,
                _ => continue,
            }
        };
        let found = run_pass(p, plane);
        let scale = scale_of(p.ops);
        for r in found.misses {
            let r = Region {
                x0: r.x0 * scale,
                y0: r.y0 * scale,
                x1: r.x1 * scale,
                y1: r.y1 * scale,
            };
            if let Some(q) = regions.iter_mut().find(|q| overlaps(q, &r)) {
                *q = Region {
                    x0: q.x0.min(r.x0),
                    y0: q.y0.min(r.y0),
                    x1: q.x1.max(r.x1),
                    y1: q.y1.max(r.y1),
                };
            } else if regions.len() < MAX_REGIONS {
                regions.push(r);
            }
        }
        add_texts(&mut out, found.texts);
    }
    out.panicked = RXING_PANICKED.replace(false);
    out.work = meter.spent;
    out.passes = meter.passes;
    out
}

/// The cost of a whole-image pass: making the images it looks at that earlier
/// passes have not made, then binarizing and scanning the last one.
fn pass_cost(
    p: &Pass,
    made: &[([Variant; 2], Option<Plane<'static>>)],
    width: usize,
    height: usize,
) -> Work {
    let mut cost: Work = 0;
    let (mut w, mut h) = (width, height);
    for (n, op) in p.ops.iter().enumerate() {
        if *op == Variant::Original {
            continue;
        }
        let key = if n == 0 {
            [*op, Variant::Original]
        } else {
            p.ops
        };
        if !made.iter().any(|(v, _)| *v == key) {
            cost = cost.saturating_add(work::make_cost(*op, w, h));
        }
        (w, h) = work::made_size(*op, w, h);
    }
    cost.saturating_add(work::read_cost(p, w, h))
}

fn add_texts(out: &mut Outcome, texts: Vec<SecretString>) {
    for text in texts {
        if !out.texts.iter().any(|t| t.ct_eq(&text)) {
            out.texts.push(text);
        }
    }
}

fn overlaps(a: &Region, b: &Region) -> bool {
    a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

fn make_variant(variant: Variant, original: &Plane<'_>) -> Option<Plane<'static>> {
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
/// patterns formed a plausible code that did not decode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Region {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

/// What one pass found.
#[derive(Default)]
struct PassResult {
    texts: Vec<SecretString>,
    /// Finder-pattern triples that did not decode, in the pass's image coordinates.
    misses: Vec<Region>,
}

/// How much bigger the original is than the image a pass looks at.
fn scale_of(ops: [Variant; 2]) -> f32 {
    ops.iter()
        .map(|op| match op {
            Variant::Down2 => 2.0,
            Variant::Down3 => 3.0,
            Variant::Up2 => 0.5,
            _ => 1.0,
        })
        .product()
}

fn binarize(kind: Binarize, plane: &Plane<'_>) -> Option<BitMatrix> {
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

fn run_pass(p: &Pass, plane: &Plane<'_>) -> PassResult {
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
    result
}

thread_local! {
    /// Whether a call into rxing panicked during this thread's current run.
    static RXING_PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// Calls into rxing, the third-party decoder, containing its panics (it has
/// integer overflows that panic where overflow checks are on): such a call
/// found nothing, and the run reports `panicked`. Nothing else is wrapped: a
/// panic in our own code (binarizer, filters, finder, crops) is a bug, and
/// reaches the caller and the fuzzer.
fn rxing<T>(call: impl FnOnce() -> Option<T>) -> Option<T> {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| {
        RXING_PANICKED.set(true);
        None
    })
}

/// Finds and decodes every QR code in a binarized image.
fn read_matrix(matrix: &BitMatrix, try_harder: bool) -> PassResult {
    let mut result = PassResult::default();
    let Some((patterns, mut sets)) = rxing(|| {
        let mut patterns = FindFinderPatterns(matrix, try_harder, 0);
        let sets = GenerateFinderPatternSets(&mut patterns);
        Some((patterns, sets))
    }) else {
        return result;
    };
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
    }
}

/// At most this many regions are kept from one pass, and retried.
const MAX_REGIONS: usize = 4;

/// The passes tried on each region, on the full-resolution crop.
const REGION_PASSES: &str = "l, lx, g, lu, gb";

/// Crops `region` (clamped) out of `original`.
fn crop(original: &Plane<'_>, region: &Region) -> Option<Plane<'static>> {
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

/// The camera plan in plan notation (see [`Plan::parse`]), chosen by
/// measurement (docs/qr-decoding.md): a half-resolution pass first (most
/// frames end there), then the regions where it saw finder patterns retried at
/// full resolution, then global-threshold passes (half, then full resolution)
/// and a sharpened half-resolution pass, each followed by its regions,
/// inverted codes last; no pass starts that would take the frame past 13.5 ms
/// of the calibration machine's work (`work.rs`), nor after 54 ms of wall time.
pub(crate) const CAMERA_PLAN: &str = "@13.5, l2, r:l;lx;lu, g2, r, g, r, l2x, r, l2i, g2i, r";
/// The thorough plan for image files: every pass that added codes on the
/// benchmark, cheapest first, both polarities, no time budget.
pub(crate) const THOROUGH_PLAN: &str =
    "=, l3b, l2b, r:l;lx;g;lu;ln;gb, lb, r, gb, r, g2b, r, lnb, lsb, lxb, lub, pb, g3b, gsb, r";

fn parse_or_default(text: &str) -> Plan {
    Plan::parse(text).unwrap_or_else(|| Plan {
        steps: vec![Step::Pass(pass(
            Variant::Original,
            Binarize::Local(rule(24, false)),
            Polarity::Both,
        ))],
        region_passes: Vec::new(),
        budget: None,
        exhaustive: false,
        settle: false,
    })
}

/// The plan for live camera frames: bounded work ([`super::FRAME_WORK_BUDGET`])
/// and wall time ([`super::FRAME_WALL_CEILING`]).
pub(crate) fn camera_plan() -> Plan {
    let mut plan = parse_or_default(CAMERA_PLAN);
    plan.budget = Some(Budget {
        work: super::FRAME_WORK_BUDGET,
        wall: super::FRAME_WALL_CEILING,
    });
    plan
}

/// The plan for image files: every pass.
pub(crate) fn thorough_plan() -> Plan {
    parse_or_default(THOROUGH_PLAN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A fake clock: each reading (one before each pass) adds `per_pass` of
    /// wall time. Real time plays no part.
    struct FakeClock {
        per_pass: Duration,
        readings: u32,
    }

    impl BudgetClock for FakeClock {
        fn wall(&mut self) -> Duration {
            self.readings += 1;
            self.per_pass * self.readings
        }
    }

    /// An inverted code: only the last pass of `PLAN` (`li`) reads it.
    fn inverted_code() -> (Vec<u8>, usize, usize) {
        let text = SecretString::new("otpauth://totp/budget?secret=JBSWY3DPEHPK3PXP".into());
        let image = crate::qr::render::luma(&text, 4).unwrap();
        let data = image.data.expose().iter().map(|p| 255 - p).collect();
        (data, image.width as usize, image.height as usize)
    }

    const PLAN: &str = "l, l2, li";

    /// What each pass of `PLAN` costs on the inverted code.
    fn plan_costs(w: usize, h: usize) -> [Work; 3] {
        let p = |t| parse_pass(t).unwrap();
        let (w2, h2) = work::made_size(Variant::Down2, w, h);
        [
            work::read_cost(&p("l"), w, h),
            work::make_cost(Variant::Down2, w, h) + work::read_cost(&p("l2"), w2, h2),
            work::read_cost(&p("li"), w, h),
        ]
    }

    /// Runs `PLAN` with a work budget of `budget` units on the inverted code,
    /// with a fake clock adding `per_pass_ms` of wall time per reading:
    /// (texts found, work charged, passes run, clock readings).
    fn run_fake(budget: Option<Work>, per_pass_ms: u64) -> (usize, Work, usize, u32) {
        let (luma, w, h) = inverted_code();
        let mut plan = Plan::parse(PLAN).unwrap();
        plan.budget = budget.map(|work| Budget {
            work,
            wall: Duration::from_millis(48),
        });
        let mut clock = FakeClock {
            per_pass: Duration::from_millis(per_pass_ms),
            readings: 0,
        };
        let out = run_with_clock(&plan, &luma, w, h, &mut clock);
        (out.texts.len(), out.work, out.passes, clock.readings)
    }

    #[test]
    fn a_panic_in_rxing_is_contained_and_reported() {
        RXING_PANICKED.set(false);
        assert_eq!(rxing(|| Some(7)), Some(7));
        assert!(!RXING_PANICKED.get());
        assert_eq!(rxing::<u8>(|| panic!("a panic inside rxing")), None);
        assert!(RXING_PANICKED.replace(false));
    }

    #[test]
    fn a_work_budget_runs_exactly_the_passes_that_fit() {
        let (_, w, h) = inverted_code();
        let [a, b, c] = plan_costs(w, h);
        assert!(a > 0 && b > 0 && c > 0);
        // no budget: all three passes run, their work is counted, the clock is never read
        assert_eq!(run_fake(None, 1), (1, a + b + c, 3, 0));
        // exactly enough for the three: all run and the code is read
        assert_eq!(run_fake(Some(a + b + c), 1), (1, a + b + c, 3, 3));
        // one unit short: the third pass does not start, the code is not read
        // (the clock is read only for a pass whose work fits)
        assert_eq!(run_fake(Some(a + b + c - 1), 1), (0, a + b, 2, 2));
        // the plan stops at the first pass that does not fit
        assert_eq!(run_fake(Some(a + b - 1), 1), (0, a, 1, 1));
        assert_eq!(run_fake(Some(a - 1), 1), (0, 0, 0, 0));
        assert_eq!(run_fake(Some(0), 1), (0, 0, 0, 0));
    }

    #[test]
    fn the_result_does_not_depend_on_the_clock_unless_the_ceiling_trips() {
        let (_, w, h) = inverted_code();
        let all: Work = plan_costs(w, h).iter().sum();
        // from a fast machine to one where each pass takes 16 ms of wall time
        // (48 ms at the third reading: not past the ceiling), the same passes run
        for ms in [0, 1, 5, 16] {
            assert_eq!(run_fake(Some(all), ms), (1, all, 3, 3), "{ms} ms");
            assert_eq!(run_fake(Some(all - 1), ms).0, 0, "{ms} ms");
        }
        // past the 48 ms ceiling (a starved thread) the frame stops: the latency
        // safety net, the only way time can change a result
        assert_eq!(run_fake(Some(all), 17).2, 2);
        assert_eq!(run_fake(Some(all), 17).0, 0);
    }

    #[test]
    fn costs_are_known_before_a_pass_and_grow_with_its_pixels() {
        let p = |t| parse_pass(t).unwrap();
        // a variant made once is not charged again
        let made = vec![([Variant::Down2, Variant::Original], None)];
        let fresh = pass_cost(&p("g2"), &[], 1280, 720);
        let reused = pass_cost(&p("g2"), &made, 1280, 720);
        assert_eq!(fresh - reused, work::make_cost(Variant::Down2, 1280, 720));
        // ...but the second op of a pass that has not run is
        assert!(pass_cost(&p("l2x"), &made, 1280, 720) > pass_cost(&p("l2"), &made, 1280, 720));
        // full resolution costs more than half, both polarities more than one
        assert!(pass_cost(&p("l"), &[], 1280, 720) > pass_cost(&p("l2"), &[], 1280, 720));
        assert!(pass_cost(&p("lb"), &[], 1280, 720) > pass_cost(&p("l"), &[], 1280, 720));
    }

    #[test]
    fn the_real_clock_runs_the_camera_plan() {
        // decode::run uses the real clock; on a small clean frame the first
        // pass reads the code far within the budget.
        let (luma, w, h) = inverted_code();
        let normal: Vec<u8> = luma.iter().map(|p| 255 - p).collect();
        let out = run(&camera_plan(), &normal, w, h);
        assert_eq!((out.texts.len(), out.passes), (1, 1));
    }

    #[test]
    fn the_built_in_plans_parse() {
        assert!(Plan::parse(CAMERA_PLAN).is_some());
        // the notation's budget says what FRAME_WORK_BUDGET and its ceiling are
        assert_eq!(
            Plan::parse(CAMERA_PLAN).unwrap().budget,
            camera_plan().budget
        );
        assert_eq!(
            camera_plan().budget,
            Some(Budget {
                work: super::super::FRAME_WORK_BUDGET,
                wall: super::super::FRAME_WALL_CEILING,
            })
        );
        assert!(Plan::parse(THOROUGH_PLAN).is_some());
        assert!(Plan::parse("h, q").is_none());
        let p = Plan::parse("@7, +, g2bf").unwrap();
        assert_eq!(
            p.budget,
            Some(Budget {
                work: 7 * work::UNITS_PER_MS,
                wall: Duration::from_millis(28),
            })
        );
        assert!(p.exhaustive);
        assert_eq!(
            p.steps,
            vec![Step::Pass(Pass {
                ops: [Variant::Down2, Variant::Original],
                binarize: Binarize::Global,
                polarity: Polarity::Both,
                try_harder: false
            })]
        );
    }
}

/// Calibration of the work factors (`work.rs`) on the benchmark's camera
/// frames: `QR_FRAMES=.cache/qr-bench/manifest.jsonl cargo test --release -p
/// vakt-core --lib qr::decode::calibrate -- --ignored --nocapture` after
/// `scripts/qr-bench --frames` has made the set (docs/qr-decoding.md).
#[cfg(test)]
#[cfg(feature = "image-files")]
mod calibrate {
    use super::*;

    fn cpu_ns() -> u64 {
        cpu_time::ThreadTime::now().as_duration().as_nanos() as u64
    }

    /// The fastest of 3 runs of `f`, in ns of thread CPU time.
    fn time<T>(mut f: impl FnMut() -> T) -> u64 {
        (0..3)
            .map(|_| {
                let t = cpu_ns();
                std::hint::black_box(f());
                cpu_ns() - t
            })
            .min()
            .unwrap()
    }

    fn frames() -> Vec<(String, Vec<u8>, usize, usize)> {
        let manifest = std::env::var("QR_FRAMES").unwrap_or_else(|_| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../.cache/qr-bench/manifest.jsonl"
            )
            .into()
        });
        std::fs::read_to_string(manifest)
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| e["frame"] == true)
            .map(|e| {
                let path = e["path"].as_str().unwrap().to_owned();
                let (luma, w, h) = crate::qr::load::luma(&std::fs::read(&path).unwrap()).unwrap();
                (path, luma, w as usize, h as usize)
            })
            .collect()
    }

    #[test]
    #[ignore = "needs the benchmark's frames; prints the calibration"]
    fn calibrate() {
        let frames = frames();
        assert!(!frames.is_empty());
        // per-kind factors: (name, total ns, total pixels)
        let mut rows: Vec<(&str, u64, usize)> = Vec::new();
        let mut add = |name, ns, px| match rows.iter_mut().find(|r| r.0 == name) {
            Some(r) => {
                r.1 += ns;
                r.2 += px;
            }
            None => rows.push((name, ns, px)),
        };
        for (_, luma, w, h) in &frames {
            let (w, h) = (*w, *h);
            let px = w * h;
            let orig = Plane {
                data: std::borrow::Cow::Borrowed(luma),
                width: w,
                height: h,
            };
            for (name, op) in [
                ("DOWN2", Variant::Down2),
                ("DOWN3", Variant::Down3),
                ("STRETCH", Variant::Stretch),
                ("SMOOTH", Variant::Smooth),
                ("SHARPEN", Variant::Sharpen),
            ] {
                add(name, time(|| make_variant(op, &orig)), px);
            }
            let quarter = crop(
                &orig,
                &Region {
                    x0: w as f32 / 4.0,
                    y0: h as f32 / 4.0,
                    x1: w as f32 * 0.75,
                    y1: h as f32 * 0.75,
                },
            )
            .unwrap();
            let qpx = quarter.width * quarter.height;
            add(
                "UP2",
                time(|| make_variant(Variant::Up2, &quarter)),
                4 * qpx,
            );
            let half = make_variant(Variant::Down2, &orig).unwrap();
            for (name, kind) in [
                ("LOCAL", Binarize::Local(rule(24, false))),
                ("GLOBAL", Binarize::Global),
                ("HYBRID", Binarize::Hybrid),
            ] {
                add(name, time(|| binarize(kind, &orig)), px);
            }
            for (plane, kind) in [
                (&orig, Binarize::Local(rule(24, false))),
                (&orig, Binarize::Global),
                (&half, Binarize::Local(rule(24, false))),
                (&half, Binarize::Global),
            ] {
                let m = binarize(kind, plane).unwrap();
                let n = plane.width * plane.height;
                add("SCAN_HARDER", time(|| read_matrix(&m, true)), n);
                add("SCAN_FAST", time(|| read_matrix(&m, false)), n);
            }
        }
        println!("factor        ns per 1000 px");
        for (name, ns, px) in &rows {
            println!("{name:12} {:>8.0}", *ns as f64 * 1000.0 / *px as f64);
        }
        // The camera plan as it runs: work charged against thread CPU time, and
        // per frame the work it needs (no budget: the work up to the pass that
        // reads the code, or all passes).
        let budgeted = camera_plan();
        let mut unbounded = camera_plan();
        unbounded.budget = None;
        let (mut all_ns, mut all_work) = (0u64, 0u64);
        println!(
            "frame                                   found  work to find  camera: work   cpu ms"
        );
        for (path, luma, w, h) in &frames {
            let need = run(&unbounded, luma, *w, *h);
            let mut out = None;
            let ns = time(|| out = Some(run(&budgeted, luma, *w, *h)));
            let out = out.unwrap();
            all_ns += ns;
            all_work += out.work;
            let name = path.rsplit('/').take(2).collect::<Vec<_>>();
            println!(
                "{:40} {:>5} {:>13} {:>13} {:>8.2}",
                format!("{}/{}", name[1], name[0]),
                need.texts.len(),
                need.work,
                out.work,
                ns as f64 / 1e6
            );
        }
        println!(
            "camera plan: {:.3} ns of CPU per work unit over {} frames",
            all_ns as f64 / all_work as f64,
            frames.len()
        );
    }
}
