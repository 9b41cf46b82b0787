//! Finder-pattern triples of strongly tilted codes.
//!
//! rxing's `GenerateFinderPatternSets` keeps a triple of finder patterns only
//! if the largest is at most twice the smallest, the two legs from the corner
//! differ by at most 2× and the corner angle is within 60°–120°. Those limits
//! keep the number of triples tried small in images full of patterns, but a
//! strong keystone breaks the first: the finder pattern on the far side of a
//! code seen at a steep angle is less than half the size of the near ones
//! (benchmark image `perspective/019`: patterns of 33, 31 and 16 px, far
//! modules about 1.5 px), so the code's own three patterns never became a set,
//! at any resolution or binarization, although the grid sampler reads the code
//! once it is given the triple.
//!
//! When a binarized image holds only a few finder patterns there are only a few
//! triples (at most ten), so [`tilted_sets`] adds those rxing left out, under
//! looser geometric limits, after rxing's own (more plausible) sets. A triple
//! that is not a code fails the decoder's checks (format information,
//! Reed-Solomon) like any other set.

use rxing::Point;
use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::qrcode::cpp_port::detector::FinderPatternSet;

/// Up to this many finder patterns in one binarized image, every plausible
/// triple is tried (a code's three plus up to two others: at most ten triples).
pub(crate) const FEW_PATTERNS: usize = 5;

/// The largest finder pattern of a triple may be this many times the smallest
/// (rxing: 2). A pattern's size is proportional to its distance from the
/// camera's focal point: 3 is a far side three times as far as the near one.
const MAX_SIZE_RATIO: f32 = 3.0;

/// The longer leg from the corner pattern may be this many times the shorter
/// (rxing: 2, after scaling by the size ratio).
const MAX_LEG_RATIO: f32 = 3.0;

/// The corner angle must be within 90° ± this (rxing: 30°): a keystone seen
/// rotated skews the corner well beyond what a flat, turned code shows, while
/// triples near a straight line stay out (they are not codes, and they make
/// degenerate sampling grids).
const MAX_CORNER_SKEW_DEG: f32 = 45.0;

/// A code spans 21 to 177 modules; the estimate from pattern sizes is coarse
/// (the same margins as rxing).
const MODULES: std::ops::RangeInclusive<f32> = (21.0 * 0.9)..=(177.0 * 1.5);

/// The triples of `patterns` that rxing's set generation left out (`known`)
/// and that are still plausible as a tilted code's finder patterns, most
/// plausible first. Empty when there are more than [`FEW_PATTERNS`] patterns.
pub(crate) fn tilted_sets(
    patterns: &[ConcentricPattern],
    known: &[FinderPatternSet],
) -> Vec<FinderPatternSet> {
    if patterns.len() > FEW_PATTERNS {
        return Vec::new();
    }
    let mut scored: Vec<(f32, FinderPatternSet)> = Vec::new();
    for (i, a) in patterns.iter().enumerate() {
        for (j, b) in patterns.iter().enumerate().skip(i + 1) {
            for c in patterns.iter().skip(j + 1) {
                let Some(found) = plausible(*a, *b, *c) else {
                    continue;
                };
                if !known.iter().any(|k| same_patterns(k, &found.1)) {
                    scored.push(found);
                }
            }
        }
    }
    scored.sort_by(|x, y| x.0.total_cmp(&y.0));
    scored.into_iter().map(|(_, set)| set).collect()
}

/// The three patterns as a set (corner, orientation) with its score (lower is
/// more plausible, as rxing scores: both legs short and alike), if they pass
/// the loose limits.
fn plausible(
    a: ConcentricPattern,
    b: ConcentricPattern,
    c: ConcentricPattern,
) -> Option<(f32, FinderPatternSet)> {
    let sizes = [a.size, b.size, c.size];
    let (min, max) = (sizes.iter().min()?, sizes.iter().max()?);
    if *min <= 0 || *max as f32 > MAX_SIZE_RATIO * *min as f32 {
        return None;
    }
    // The corner (top left) is the pattern whose angle is closest to 90°:
    // under a keystone, the opposite side is not always the longest.
    let (corner, p, q, cos) = [(a, b, c), (b, c, a), (c, a, b)]
        .into_iter()
        .map(|(v, p, q)| (v, p, q, cos_at(v.p, p.p, q.p)))
        .min_by(|x, y| x.3.abs().total_cmp(&y.3.abs()))?;
    if cos.is_nan() || cos.abs() > MAX_CORNER_SKEW_DEG.to_radians().sin() {
        return None;
    }
    let (leg_p, leg_q) = (length(sub(p.p, corner.p)), length(sub(q.p, corner.p)));
    if leg_p.max(leg_q) > MAX_LEG_RATIO * leg_p.min(leg_q) {
        return None;
    }
    let module = (a.size + b.size + c.size) as f32 / 3.0 / 7.0;
    if !MODULES.contains(&((leg_p + leg_q) / 2.0 / module + 7.0)) {
        return None;
    }
    // Clockwise in image coordinates (y down): top left, top right, bottom left.
    let (tr, bl) = if cross(sub(p.p, corner.p), sub(q.p, corner.p)) >= 0.0 {
        (p, q)
    } else {
        (q, p)
    };
    let score = leg_p + leg_q + (leg_p - leg_q).abs();
    Some((score, FinderPatternSet { bl, tl: corner, tr }))
}

fn same_patterns(x: &FinderPatternSet, y: &FinderPatternSet) -> bool {
    let ys = [y.bl, y.tl, y.tr];
    [x.bl, x.tl, x.tr].iter().all(|p| ys.contains(p))
}

fn sub(a: Point, b: Point) -> Point {
    Point {
        x: a.x - b.x,
        y: a.y - b.y,
    }
}

fn length(v: Point) -> f32 {
    v.x.hypot(v.y)
}

fn cross(u: Point, v: Point) -> f32 {
    u.x * v.y - u.y * v.x
}

/// The cosine of the angle at `v` between the directions to `p` and `q`.
fn cos_at(v: Point, p: Point, q: Point) -> f32 {
    let (u, w) = (sub(p, v), sub(q, v));
    (u.x * w.x + u.y * w.y) / (length(u) * length(w))
}

#[cfg(test)]
mod tests {
    use rxing::qrcode::cpp_port::detector::GenerateFinderPatternSets;

    use super::*;

    fn pattern(x: f32, y: f32, size: i32) -> ConcentricPattern {
        ConcentricPattern {
            p: Point { x, y },
            size,
        }
    }

    /// The patterns our binarizer finds in the benchmark's perspective/019
    /// (fixtures/qr/generated/perspective.png): a version 9 code whose far
    /// (bottom left) finder pattern is half the size of the near ones.
    fn keystone() -> Vec<ConcentricPattern> {
        vec![
            pattern(384.7, 339.7, 33),
            pattern(217.9, 378.2, 31),
            pattern(291.8, 545.7, 16),
        ]
    }

    #[test]
    fn a_strong_keystone_gets_its_set() {
        let mut patterns = keystone();
        // what rxing alone makes of them (the reason for this module)
        let known = GenerateFinderPatternSets(&mut patterns);
        assert!(known.is_empty());
        let sets = tilted_sets(&patterns, &known);
        assert_eq!(
            sets,
            vec![FinderPatternSet {
                bl: pattern(291.8, 545.7, 16),
                tl: pattern(217.9, 378.2, 31),
                tr: pattern(384.7, 339.7, 33),
            }]
        );
    }

    #[test]
    fn sets_rxing_made_are_not_repeated() {
        let mut patterns = vec![
            pattern(100.0, 100.0, 21),
            pattern(300.0, 100.0, 21),
            pattern(100.0, 300.0, 21),
        ];
        let known = GenerateFinderPatternSets(&mut patterns);
        assert_eq!(known.len(), 1);
        assert!(tilted_sets(&patterns, &known).is_empty());
    }

    #[test]
    fn implausible_triples_are_left_out() {
        // nearly on a line
        let line = [
            pattern(100.0, 100.0, 21),
            pattern(300.0, 110.0, 21),
            pattern(500.0, 100.0, 21),
        ];
        assert!(tilted_sets(&line, &[]).is_empty());
        // sizes too different (a 4:1 far side)
        let sizes = [
            pattern(100.0, 100.0, 40),
            pattern(300.0, 100.0, 40),
            pattern(100.0, 300.0, 10),
        ];
        assert!(tilted_sets(&sizes, &[]).is_empty());
        // legs too different
        let legs = [
            pattern(100.0, 100.0, 21),
            pattern(500.0, 100.0, 21),
            pattern(100.0, 200.0, 21),
        ];
        assert!(tilted_sets(&legs, &[]).is_empty());
        // too small for a code (patterns touching: fewer than 19 modules)
        let small = [
            pattern(100.0, 100.0, 21),
            pattern(120.0, 100.0, 21),
            pattern(100.0, 120.0, 21),
        ];
        assert!(tilted_sets(&small, &[]).is_empty());
    }

    #[test]
    fn many_patterns_are_left_to_rxing() {
        let mut patterns = keystone();
        patterns.extend([
            pattern(10.0, 10.0, 20),
            pattern(600.0, 10.0, 20),
            pattern(10.0, 600.0, 20),
        ]);
        assert!(tilted_sets(&patterns, &[]).is_empty());
    }
}
