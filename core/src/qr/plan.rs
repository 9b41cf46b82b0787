//! Decoding plans: which passes run, in which order, within which budget.
//! The two plans used in production are written here as typed constants
//! (chosen by measurement, docs/qr-decoding.md); the benchmark's compact
//! notation for trying others is in `notation.rs`.

use std::time::Duration;

use super::binarize::Rule;
use super::clock::Budget;
use super::passes::{Binarize, Pass, Polarity, Variant, pass, rule};

/// A decoding plan: passes in order and an optional work budget.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    /// The passes a [`Step::Regions`] runs on each region around a triple of
    /// finder patterns.
    pub region_passes: Vec<Pass>,
    /// The passes a [`Step::Regions`] runs on each region around a lone
    /// finder pattern.
    pub spot_passes: Vec<Pass>,
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
    /// Stop here unless an earlier whole-image pass saw this evidence of a code.
    Gate(Evidence),
}

/// What a [`Step::Gate`] asks of the passes before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// At least one finder pattern.
    Pattern,
    /// At least this many finder patterns, or one triple that did not decode.
    Patterns(usize),
    /// A triple of finder patterns that did not decode.
    Triple,
}

/// Work budget of one 1280 × 720 camera frame (larger frames get
/// proportionally more), in work units (`work.rs`): on the
/// calibration machine about 6 ms of one core. Only frames with evidence of
/// a code (finder patterns) get near it; the others stop at the plan's first
/// gate (docs/qr-decoding.md).
pub const FRAME_WORK_BUDGET: u64 = 6_000_000;

/// Wall-clock ceiling of one camera frame: a latency safety net that stops a
/// frame only when its thread was starved (4 × the budget's 6 ms).
pub const FRAME_WALL_CEILING: Duration = Duration::from_millis(24);

/// Our local binarizer with the usual minimum contrast.
const LOCAL: Binarize = Binarize::Local(rule(24, false));
/// Our local binarizer for faint codes: a low minimum contrast, flat areas light.
const LOCAL_FAINT: Binarize = Binarize::Local(Rule {
    min_range: 10,
    flat_light: true,
});
const GLOBAL: Binarize = Binarize::Global;

use Polarity::{Both, Inverted, Normal};
use Variant::{Down2, Down3, Original, Sharpen, Smooth, Stretch, Up2};

const fn whole(variant: Variant, binarize: Binarize, polarity: Polarity) -> Step {
    Step::Pass(pass(variant, binarize, polarity))
}

/// The camera plan (notation `@6, lf, l2fi, ?2, l2x, ?t, r:lx;lu, g, r`): a
/// full-resolution pass with the sparse finder scan first (it alone reads
/// nearly every code a frame holds) and a cheap half-resolution look for
/// inverted codes; then a frame
/// goes on only on evidence of a code: with at least two finder patterns (or a
/// triple) in one pass, a sharpened half-resolution pass; with a triple that
/// did not decode, its regions retried at full resolution, a global-threshold
/// pass and its regions. No pass starts that would take the frame past
/// [`FRAME_WORK_BUDGET`], nor after [`FRAME_WALL_CEILING`]. Most frames
/// without a code stop after the first two passes.
const CAMERA_STEPS: &[Step] = &[
    Step::Pass(Pass {
        ops: [Original, Original],
        binarize: LOCAL,
        polarity: Normal,
        try_harder: false,
    }),
    Step::Pass(Pass {
        ops: [Down2, Original],
        binarize: LOCAL,
        polarity: Inverted,
        try_harder: false,
    }),
    Step::Gate(Evidence::Patterns(2)),
    Step::Pass(Pass {
        ops: [Down2, Sharpen],
        binarize: LOCAL,
        polarity: Normal,
        try_harder: true,
    }),
    Step::Gate(Evidence::Triple),
    Step::Regions,
    whole(Original, GLOBAL, Normal),
    Step::Regions,
];
/// What the camera plan's region steps run on each full-resolution crop.
const CAMERA_REGION_PASSES: &[Pass] = &[pass(Sharpen, LOCAL, Normal), pass(Up2, LOCAL, Normal)];

/// The thorough plan for still images (notation `=, l3b, l2b,
/// r:l;lx;g;lu;ln;gb, lb, r, gb, r, g2b, r, lnb, lsb, lxb, lub, pb, g3b, gsb,
/// r`): every pass that added codes on the benchmark, cheapest first, both
/// polarities, no budget; once a code is found it goes on until a
/// full-resolution pass has run (a downscaled pass can miss the smaller of
/// several codes).
const THOROUGH_STEPS: &[Step] = &[
    whole(Down3, LOCAL, Both),
    whole(Down2, LOCAL, Both),
    Step::Regions,
    whole(Original, LOCAL, Both),
    Step::Regions,
    whole(Original, GLOBAL, Both),
    Step::Regions,
    whole(Down2, GLOBAL, Both),
    Step::Regions,
    whole(Stretch, LOCAL, Both),
    whole(Smooth, LOCAL, Both),
    whole(Sharpen, LOCAL, Both),
    whole(Up2, LOCAL, Both),
    whole(Original, LOCAL_FAINT, Both),
    whole(Down3, GLOBAL, Both),
    whole(Smooth, GLOBAL, Both),
    Step::Regions,
];
/// What the thorough plan's region steps run on each full-resolution crop.
const THOROUGH_REGION_PASSES: &[Pass] = &[
    pass(Original, LOCAL, Normal),
    pass(Sharpen, LOCAL, Normal),
    pass(Original, GLOBAL, Normal),
    pass(Up2, LOCAL, Normal),
    pass(Stretch, LOCAL, Normal),
    pass(Original, GLOBAL, Both),
];

/// The plan for live camera frames: bounded work ([`FRAME_WORK_BUDGET`]) and
/// wall time ([`FRAME_WALL_CEILING`]).
pub(crate) fn camera_plan() -> Plan {
    Plan {
        steps: CAMERA_STEPS.to_vec(),
        region_passes: CAMERA_REGION_PASSES.to_vec(),
        spot_passes: CAMERA_REGION_PASSES.to_vec(),
        budget: Some(Budget {
            work: FRAME_WORK_BUDGET,
            wall: FRAME_WALL_CEILING,
        }),
        exhaustive: false,
        settle: false,
    }
}

/// The plan for still images: every pass, no budget.
pub(crate) fn thorough_plan() -> Plan {
    Plan {
        steps: THOROUGH_STEPS.to_vec(),
        region_passes: THOROUGH_REGION_PASSES.to_vec(),
        spot_passes: THOROUGH_REGION_PASSES.to_vec(),
        budget: None,
        exhaustive: false,
        settle: true,
    }
}
