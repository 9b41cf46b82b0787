//! The benchmark's compact plan notation, for trying decoding strategies
//! without rebuilding (`scripts/qr-bench --mode plan:…`). Production plans do
//! not go through it: they are typed constants (`plan.rs`), and a test here
//! checks that the notation quoted beside them says the same.

use super::clock::Budget;
use super::passes::{Binarize, Pass, Polarity, Variant, pass, rule};
use super::plan::{Evidence, Plan, Step};

/// The passes a region step runs when the notation does not say (`r`).
const REGION_PASSES: &str = "l, lx, g, lu, gb";

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
    /// the plan exhaustive, `=` makes it settle. `s:P;P;…` sets the passes a
    /// region step runs around lone finder patterns (default: the region
    /// passes). `?` stops the plan unless an earlier pass saw a finder
    /// pattern, `?N` unless one saw N patterns or a triple, `?t` unless one
    /// saw a triple; `@N!` is a budget without the wall-clock ceiling.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let mut plan = Plan {
            steps: Vec::new(),
            region_passes: Vec::new(),
            spot_passes: Vec::new(),
            budget: None,
            exhaustive: false,
            settle: false,
        };
        plan.region_passes = REGION_PASSES
            .split(',')
            .map(str::trim)
            .map(parse_pass)
            .collect::<Option<Vec<_>>>()?;
        let mut spots = None;
        for token in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if let Some(ms) = token.strip_prefix('@') {
                // `!`: counted work only, no wall-clock ceiling (for profiling
                // under valgrind, where everything runs ~50× slower)
                let (ms, no_ceiling) = match ms.strip_suffix('!') {
                    Some(ms) => (ms, true),
                    None => (ms, false),
                };
                let mut budget = Budget::of_ms(ms.parse().ok()?)?;
                if no_ceiling {
                    budget.wall = std::time::Duration::MAX;
                }
                plan.budget = Some(budget);
                continue;
            }
            if let Some(gate) = token.strip_prefix('?') {
                plan.steps.push(Step::Gate(match gate {
                    "" => Evidence::Pattern,
                    "t" => Evidence::Triple,
                    n => Evidence::Patterns(n.parse().ok()?),
                }));
                continue;
            }
            if let Some(passes) = token.strip_prefix("s:") {
                spots = Some(
                    passes
                        .split(';')
                        .map(str::trim)
                        .map(parse_pass)
                        .collect::<Option<Vec<_>>>()?,
                );
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
        plan.spot_passes = spots.unwrap_or_else(|| plan.region_passes.clone());
        Some(plan)
    }
}

/// Parses one pass of the plan notation (see [`Plan::parse`]).
pub(super) fn parse_pass(token: &str) -> Option<Pass> {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::qr::plan::{camera_plan, thorough_plan};
    use crate::qr::work;

    #[test]
    fn the_typed_plans_are_what_their_notation_says() {
        let camera = "@6, lf, l2fi, ?2, l2x, ?t, r:lx;lu, g, r";
        assert_eq!(Plan::parse(camera), Some(camera_plan()));
        let thorough = "=, l3b, l2b, r:l;lx;g;lu;ln;gb, lb, r, gb, r, g2b, r, lnb, lsb, lxb, lub, \
                        pb, g3b, gsb, r";
        assert_eq!(Plan::parse(thorough), Some(thorough_plan()));
    }

    #[test]
    fn the_notation_reads_budgets_flags_and_passes() {
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
