//! Running a plan over a frame: passes in order until one finds a code, or
//! until the next pass's cost would exceed the work budget (counted work,
//! `work.rs`; with a wall-clock ceiling, `clock.rs`); region steps retry, on
//! full-resolution crops, where earlier passes saw finder patterns that did
//! not decode.

use super::clock::{Budget, BudgetClock, FrameClock};
use super::filter::Plane;
use super::passes::{Pass, Variant};
use super::plan::{Evidence, Plan, Step};
use super::runner::{
    MAX_REGIONS, RXING_PANICKED, Region, crop, make_variant, overlaps, run_pass, scale_of,
};
use super::work::{self, Work};
use crate::secret::SecretString;

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
        budget: plan
            .budget
            .map(|b| b.for_pixels(width.saturating_mul(height))),
        clock,
        spent: 0,
        passes: 0,
    };
    let mut regions: Vec<Region> = Vec::new();
    // evidence of a code seen by the whole-image passes so far
    let (mut most_patterns, mut saw_triple) = (0usize, false);
    let mut ran_full_resolution = false;
    let mut stopped = false;
    for step in &plan.steps {
        let done = !out.texts.is_empty() && (!plan.settle || ran_full_resolution);
        if stopped || (!plan.exhaustive && done) {
            break;
        }
        let p = match step {
            Step::Pass(p) => p,
            Step::Gate(evidence) => {
                let enough = match evidence {
                    Evidence::Pattern => most_patterns > 0,
                    Evidence::Patterns(n) => saw_triple || most_patterns >= *n,
                    Evidence::Triple => saw_triple,
                };
                if !enough {
                    break;
                }
                continue;
            }
            Step::Regions => {
                'regions: for region in std::mem::take(&mut regions) {
                    let Some(plane) = crop(&original, &region) else {
                        continue;
                    };
                    let passes = if region.lone {
                        &plan.spot_passes
                    } else {
                        &plan.region_passes
                    };
                    for p in passes {
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
        most_patterns = most_patterns.max(found.patterns);
        saw_triple |= found.misses.iter().any(|r| !r.lone);
        let scale = scale_of(p.ops);
        for r in found.misses {
            let r = Region {
                x0: r.x0 * scale,
                y0: r.y0 * scale,
                x1: r.x1 * scale,
                y1: r.y1 * scale,
                lone: r.lone,
            };
            if let Some(q) = regions.iter_mut().find(|q| overlaps(q, &r)) {
                *q = Region {
                    x0: q.x0.min(r.x0),
                    y0: q.y0.min(r.y0),
                    x1: q.x1.max(r.x1),
                    y1: q.y1.max(r.y1),
                    lone: q.lone && r.lone,
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::qr::clock::Budget;
    use crate::qr::notation::parse_pass;
    use crate::qr::plan::camera_plan;

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
    fn a_frame_without_finder_patterns_stops_at_the_camera_plans_first_gate() {
        // a flat grey 720p frame: no finder pattern, so the camera plan runs
        // its first two passes (full resolution, half-resolution inverted)
        // and stops at the evidence gate, far within the budget
        let (w, h) = (1280, 720);
        let flat = vec![128u8; w * h];
        // a clock that never advances (an unoptimised test build would trip
        // the wall-clock ceiling)
        let mut clock = FakeClock {
            per_pass: Duration::ZERO,
            readings: 0,
        };
        let out = run_with_clock(&camera_plan(), &flat, w, h, &mut clock);
        let p = |t| parse_pass(t).unwrap();
        let (w2, h2) = work::made_size(Variant::Down2, w, h);
        let first_two = work::read_cost(&p("lf"), w, h)
            + work::make_cost(Variant::Down2, w, h)
            + work::read_cost(&p("l2fi"), w2, h2);
        assert_eq!((out.texts.len(), out.passes, out.work), (0, 2, first_two));
        assert!(first_two < crate::qr::FRAME_WORK_BUDGET * 3 / 4);
        // a frame with evidence (two finder patterns) also gets the sharpened
        // half-resolution pass, within the budget
        let sharpened =
            work::make_cost(Variant::Sharpen, w2, h2) + work::read_cost(&p("l2x"), w2, h2);
        assert!(first_two + sharpened <= crate::qr::FRAME_WORK_BUDGET);
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
}

/// Calibration of the work factors (`work.rs`) on the benchmark's camera
/// frames: `QR_FRAMES=.cache/qr-bench/manifest.jsonl cargo test --release -p
/// vakt-core --lib qr::scheduler::calibrate -- --ignored --nocapture` after
/// `scripts/qr-bench --frames` has made the set (docs/qr-decoding.md).
#[cfg(test)]
#[cfg(feature = "image-files")]
mod calibrate {
    use super::*;
    use crate::qr::binarize::Rule;
    use crate::qr::passes::Binarize;
    use crate::qr::plan::camera_plan;
    use crate::qr::runner::{binarize, read_matrix};

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
                    lone: false,
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
                (
                    "LOCAL",
                    Binarize::Local(Rule {
                        min_range: 24,
                        flat_light: false,
                    }),
                ),
                ("GLOBAL", Binarize::Global),
                ("HYBRID", Binarize::Hybrid),
            ] {
                add(name, time(|| binarize(kind, &orig)), px);
            }
            for (plane, kind) in [
                (
                    &orig,
                    Binarize::Local(Rule {
                        min_range: 24,
                        flat_light: false,
                    }),
                ),
                (&orig, Binarize::Global),
                (
                    &half,
                    Binarize::Local(Rule {
                        min_range: 24,
                        flat_light: false,
                    }),
                ),
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
