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
///
/// Each band of 8 rows is first reduced column by column (sum, minimum,
/// maximum: loops over whole rows the compiler vectorises), then each block
/// from its 8 columns: the per-pixel work that made our binarizer cost about
/// 20 instructions a pixel before (see docs/qr-decoding.md, *Where the time goes*).
fn black_points(luma: &[u8], width: usize, height: usize, rule: Rule) -> (Vec<u32>, usize) {
    let bw = width.div_ceil(BLOCK);
    let bh = height.div_ceil(BLOCK);
    let mut col_sum = vec![0u16; width];
    let mut col_lo = vec![u8::MAX; width];
    let mut col_hi = vec![0u8; width];
    let mut points: Vec<u32> = Vec::with_capacity(bw * bh);
    for band in luma.chunks(width * BLOCK) {
        col_sum.iter_mut().for_each(|v| *v = 0);
        col_lo.iter_mut().for_each(|v| *v = u8::MAX);
        col_hi.iter_mut().for_each(|v| *v = 0);
        let mut rows = 0u32;
        for row in band.chunks_exact(width) {
            rows += 1;
            // three simple loops (rather than one over four zipped slices)
            // each compile to vector instructions
            for (s, &p) in col_sum.iter_mut().zip(row) {
                *s += u16::from(p);
            }
            for (l, &p) in col_lo.iter_mut().zip(row) {
                *l = (*l).min(p);
            }
            for (h, &p) in col_hi.iter_mut().zip(row) {
                *h = (*h).max(p);
            }
        }
        let row_start = points.len();
        let blocks = col_sum
            .chunks(BLOCK)
            .zip(col_lo.chunks(BLOCK))
            .zip(col_hi.chunks(BLOCK));
        for (bx, ((sums, los), his)) in blocks.enumerate() {
            let s: u32 = sums.iter().map(|&v| u32::from(v)).sum();
            let l = los.iter().copied().fold(u8::MAX, u8::min);
            let h = his.iter().copied().fold(0, u8::max);
            let c = rows * sums.len() as u32;
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
    for (y, row) in luma.chunks_exact(width).take(height).enumerate() {
        let block_row = thr.get((y / BLOCK) * bw..(y / BLOCK + 1) * bw)?;
        for (i, (px, th)) in row
            .chunks(WORD)
            .zip(block_row.chunks(WORD / BLOCK))
            .enumerate()
        {
            bits.setBulk(i * WORD, pack(px, th));
        }
        matrix.setRow(y as u32, &bits);
    }
    Some(matrix)
}

/// Bit k of the result is set when `px[k] <= th[k / 8]` (`<=` so that a black
/// 0 stays black under a threshold of 0): `th` holds one threshold per block
/// of 8 pixels. Whole blocks are compared 8 pixels at a time in a `u64`.
fn pack(px: &[u8], th: &[u8]) -> usize {
    let mut word = 0usize;
    for (k, (chunk, &t)) in px.chunks(BLOCK).zip(th).enumerate() {
        let mask = match <[u8; BLOCK]>::try_from(chunk) {
            Ok(eight) => at_most(u64::from_le_bytes(eight), t),
            Err(_) => chunk
                .iter()
                .enumerate()
                .fold(0u8, |m, (j, &p)| m | (u8::from(p <= t) << j)),
        };
        word |= usize::from(mask) << (k * BLOCK);
    }
    word
}

/// Bit j of the result is set when byte j (little-endian) of `eight` is at
/// most `t`: the borrow-free byte-wise comparison of SWAR arithmetic, then the
/// eight high bits gathered into one byte by a multiplication.
fn at_most(eight: u64, t: u8) -> u8 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let (a, b) = (ONES * u64::from(t), eight);
    // high bit of each byte: a >= b (unsigned), byte by byte
    let diff = (a | HIGH) - (b & !HIGH);
    let ge = ((a & !b) | (!(a ^ b) & diff)) & HIGH;
    ((ge >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
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
    fn the_byte_wise_comparison_matches_the_plain_one() {
        let mut v = 987_654_321u64;
        for _ in 0..20_000 {
            v ^= v << 13;
            v ^= v >> 7;
            v ^= v << 17;
            let t = (v >> 3) as u8;
            let eight = v.rotate_left(11);
            let want = eight
                .to_le_bytes()
                .iter()
                .enumerate()
                .fold(0u8, |m, (j, &p)| m | (u8::from(p <= t) << j));
            assert_eq!(at_most(eight, t), want, "{eight:#x} {t}");
        }
        for t in [0u8, 1, 127, 128, 254, 255] {
            for p in [0u8, 1, 127, 128, 129, 254, 255] {
                let want = if p <= t { 0xff } else { 0 };
                assert_eq!(at_most(u64::from_le_bytes([p; 8]), t), want, "{p} <= {t}");
            }
        }
    }

    /// The binarizer as zxing defines it, one pixel at a time.
    fn reference(data: &[u8], w: usize, h: usize, rule: Rule) -> Vec<bool> {
        let (bw, bh) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
        let mut points = vec![0u32; bw * bh];
        for by in 0..bh {
            for bx in 0..bw {
                let (mut s, mut n, mut l, mut hi) = (0u32, 0u32, 255u8, 0u8);
                for y in by * BLOCK..((by + 1) * BLOCK).min(h) {
                    for x in bx * BLOCK..((bx + 1) * BLOCK).min(w) {
                        let p = data[y * w + x];
                        s += u32::from(p);
                        n += 1;
                        l = l.min(p);
                        hi = hi.max(p);
                    }
                }
                let mut avg = s / n;
                if hi - l <= rule.min_range {
                    avg = if rule.flat_light {
                        u32::from(l.saturating_sub(rule.min_range / 2 + 1))
                    } else {
                        u32::from(l) / 2
                    };
                    if by > 0 && bx > 0 {
                        let nb = (points[(by - 1) * bw + bx]
                            + 2 * points[by * bw + bx - 1]
                            + points[(by - 1) * bw + bx - 1])
                            / 4;
                        if u32::from(l) < nb {
                            avg = nb;
                        }
                    }
                }
                points[by * bw + bx] = avg;
            }
        }
        let thr = thresholds(&points, bw, bh);
        (0..w * h)
            .map(|i| data[i] <= thr[(i / w / BLOCK) * bw + (i % w) / BLOCK])
            .collect()
    }

    #[test]
    fn the_binarizer_matches_the_per_pixel_definition() {
        let mut v = 12_345u32;
        for (w, h) in [(1, 1), (7, 3), (9, 17), (65, 9), (130, 41), (200, 64)] {
            // smooth gradients, flat areas and noise
            let data: Vec<u8> = (0..w * h)
                .map(|i| {
                    v = v.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    let (x, y) = (i % w, i / w);
                    if (x / 16 + y / 16) % 3 == 0 {
                        90
                    } else {
                        ((x * 3 + y * 2) as u32 + (v >> 27)) as u8
                    }
                })
                .collect();
            for rule in [
                ZX,
                Rule {
                    min_range: 10,
                    flat_light: true,
                },
            ] {
                let m = local_matrix(&data, w, h, rule).unwrap();
                let want = reference(&data, w, h, rule);
                for (i, &b) in want.iter().enumerate() {
                    assert_eq!(
                        m.get((i % w) as u32, (i / w) as u32),
                        b,
                        "{w}x{h} pixel {i}"
                    );
                }
            }
        }
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
