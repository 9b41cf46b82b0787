//! A fast local-threshold binarizer producing rxing's `BitMatrix`.
//!
//! The same idea as zxing's hybrid binarizer (a black point per 8×8 block,
//! averaged over the 5×5 blocks around it), with the minimum block contrast a
//! parameter (so faint codes can be binarized on a second pass), and with the
//! bit matrix built a 64-bit word at a time instead of a bit at a time: on a
//! 1280×720 frame that is most of the cost of a pass.

use rxing::common::{BitArray, BitMatrix};

const BLOCK: usize = 8;
const WORD: usize = usize::BITS as usize;

/// How a binarization treats blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    /// A block whose contrast is at most this is flat.
    pub min_range: u8,
    /// A flat block's black point sits just under its minimum (it counts as
    /// light, but does not drag its neighbours' thresholds down), instead of
    /// zxing's half its minimum.
    pub flat_light: bool,
}

/// The black point of every block (see zxing's HybridBinarizer for the rules).
fn black_points(luma: &[u8], width: usize, height: usize, rule: Rule) -> (Vec<u32>, usize) {
    let bw = width.div_ceil(BLOCK);
    let bh = height.div_ceil(BLOCK);
    let mut sum = vec![0u32; bw];
    let mut lo = vec![u8::MAX; bw];
    let mut hi = vec![0u8; bw];
    let mut count = vec![0u32; bw];
    let mut points: Vec<u32> = Vec::with_capacity(bw * bh);
    for band in luma.chunks(width * BLOCK) {
        sum.iter_mut().for_each(|v| *v = 0);
        lo.iter_mut().for_each(|v| *v = u8::MAX);
        hi.iter_mut().for_each(|v| *v = 0);
        count.iter_mut().for_each(|v| *v = 0);
        for row in band.chunks_exact(width) {
            let whole = row.chunks_exact(BLOCK);
            let rest = whole.remainder();
            let mut cells = sum
                .iter_mut()
                .zip(lo.iter_mut())
                .zip(hi.iter_mut())
                .zip(count.iter_mut());
            for (chunk, (((s, l), h), c)) in whole.zip(cells.by_ref()) {
                if let Ok(chunk) = <&[u8; BLOCK]>::try_from(chunk) {
                    *s += chunk.iter().map(|&p| u32::from(p)).sum::<u32>();
                    *l = chunk.iter().copied().fold(*l, u8::min);
                    *h = chunk.iter().copied().fold(*h, u8::max);
                    *c += BLOCK as u32;
                }
            }
            if !rest.is_empty()
                && let Some((((s, l), h), c)) = cells.next()
            {
                *s += rest.iter().map(|&p| u32::from(p)).sum::<u32>();
                *l = rest.iter().copied().fold(*l, u8::min);
                *h = rest.iter().copied().fold(*h, u8::max);
                *c += rest.len() as u32;
            }
        }
        let row_start = points.len();
        for (bx, (((&s, &l), &h), &c)) in sum.iter().zip(&lo).zip(&hi).zip(&count).enumerate() {
            let mut average = s / c.max(1);
            if h.saturating_sub(l) <= rule.min_range {
                // A flat block: assume background, unless its neighbours above
                // and to the left say it lies inside a dark area.
                average = if rule.flat_light {
                    u32::from(l.saturating_sub(rule.min_range / 2 + 1))
                } else {
                    u32::from(l) / 2
                };
                if row_start > 0 && bx > 0 {
                    let up = points.get(row_start - bw + bx).copied().unwrap_or(0);
                    let left = points.get(row_start + bx - 1).copied().unwrap_or(0);
                    let up_left = points.get(row_start - bw + bx - 1).copied().unwrap_or(0);
                    let neighbours = (up + 2 * left + up_left) / 4;
                    if u32::from(l) < neighbours {
                        average = neighbours;
                    }
                }
            }
            points.push(average);
        }
    }
    (points, bw)
}

/// Each block's threshold: the mean black point of the 5×5 blocks around it
/// (the window is shifted, not shrunk, at the edges).
fn thresholds(points: &[u32], bw: usize, bh: usize) -> Vec<u8> {
    let clamp_start =
        |i: usize, n: usize| -> usize { if n < 5 { 0 } else { i.clamp(2, n - 3) - 2 } };
    // horizontal sums of 5
    let mut horiz = Vec::with_capacity(points.len());
    for row in points.chunks_exact(bw.max(1)) {
        for x in 0..bw {
            let from = clamp_start(x, bw);
            let win = row.get(from..(from + 5).min(bw)).unwrap_or_default();
            horiz.push((win.iter().sum::<u32>(), win.len() as u32));
        }
    }
    let mut out = Vec::with_capacity(points.len());
    for y in 0..bh {
        let from = clamp_start(y, bh);
        let to = (from + 5).min(bh);
        for x in 0..bw {
            let (mut s, mut n) = (0u32, 0u32);
            for yy in from..to {
                if let Some(&(hs, hn)) = horiz.get(yy * bw + x) {
                    s += hs;
                    n += hn;
                }
            }
            out.push((s / n.max(1)).min(255) as u8);
        }
    }
    out
}

/// Binarizes a tightly packed luma plane with local thresholds under `rule`.
pub(crate) fn local_matrix(
    luma: &[u8],
    width: usize,
    height: usize,
    rule: Rule,
) -> Option<BitMatrix> {
    if width == 0 || height == 0 || luma.len() < width * height {
        return None;
    }
    let (points, bw) = black_points(luma, width, height, rule);
    let bh = height.div_ceil(BLOCK);
    let thr = thresholds(&points, bw, bh);
    let mut matrix =
        BitMatrix::new(u32::try_from(width).ok()?, u32::try_from(height).ok()?).ok()?;
    let mut bits = BitArray::with_size(width);
    // per-pixel thresholds of the current block row
    let mut row_thr = vec![0u8; width];
    for (y, row) in luma.chunks_exact(width).take(height).enumerate() {
        if y % BLOCK == 0 {
            let block_row = thr.get((y / BLOCK) * bw..(y / BLOCK + 1) * bw)?;
            for (chunk, &t) in row_thr.chunks_mut(BLOCK).zip(block_row) {
                chunk.iter_mut().for_each(|v| *v = t);
            }
        }
        for (i, (px, th)) in row.chunks(WORD).zip(row_thr.chunks(WORD)).enumerate() {
            bits.setBulk(i * WORD, pack(px, th));
        }
        matrix.setRow(y as u32, &bits);
    }
    Some(matrix)
}

/// Bit k of the result is set when `px[k] <= th[k]` (`<=` so that a black 0
/// stays black under a threshold of 0). Whole words take a branch-free path
/// the compiler vectorises.
fn pack(px: &[u8], th: &[u8]) -> usize {
    if let (Ok(px), Ok(th)) = (<&[u8; WORD]>::try_from(px), <&[u8; WORD]>::try_from(th)) {
        return px
            .iter()
            .zip(th.iter())
            .enumerate()
            .fold(0usize, |word, (k, (&p, &t))| {
                word | (usize::from(p <= t) << k)
            });
    }
    let mut word = 0usize;
    for (k, (&p, &t)) in px.iter().zip(th).enumerate() {
        word |= usize::from(p <= t) << k;
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZX: Rule = Rule {
        min_range: 24,
        flat_light: false,
    };

    #[test]
    fn a_dark_square_on_light_is_black_inside_only() {
        let (w, h) = (80usize, 64usize);
        let mut data = vec![200u8; w * h];
        for y in 20..40 {
            for x in 30..50 {
                data[y * w + x] = 30;
            }
        }
        let m = local_matrix(&data, w, h, ZX).unwrap();
        assert!(m.get(35, 25));
        assert!(!m.get(5, 5));
        assert!(!m.get(60, 50));
        let count = (0..h as u32)
            .flat_map(|y| (0..w as u32).map(move |x| (x, y)))
            .filter(|&(x, y)| m.get(x, y))
            .count();
        assert_eq!(count, 20 * 20);
    }

    #[test]
    fn odd_sizes_do_not_panic() {
        for (w, h) in [(1, 1), (7, 3), (9, 17), (65, 9), (130, 1)] {
            let data: Vec<u8> = (0..w * h).map(|i| (i * 37 % 256) as u8).collect();
            let m = local_matrix(&data, w, h, ZX).unwrap();
            assert_eq!((m.width() as usize, m.height() as usize), (w, h));
        }
    }
}
