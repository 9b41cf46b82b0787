//! Small image operations on 8-bit luma planes, used to make the variants a
//! decoding pass looks at (down/up-scaled, contrast-stretched, smoothed,
//! sharpened). Plain safe Rust over rows; no indexing that can panic.

use std::borrow::Cow;

/// A tightly packed 8-bit luma plane.
pub(crate) struct Plane<'a> {
    pub data: Cow<'a, [u8]>,
    pub width: usize,
    pub height: usize,
}

impl Plane<'_> {
    fn rows(&self) -> std::slice::ChunksExact<'_, u8> {
        self.data.chunks_exact(self.width.max(1))
    }
}

fn owned(data: Vec<u8>, width: usize, height: usize) -> Plane<'static> {
    Plane {
        data: Cow::Owned(data),
        width,
        height,
    }
}

/// Box-averages `n × n` blocks into one pixel (`None` when too small or
/// `n` is not 2 or 3).
pub(crate) fn downscale(src: &Plane<'_>, n: usize) -> Option<Plane<'static>> {
    match n {
        2 => downscale_by::<2>(src),
        3 => downscale_by::<3>(src),
        _ => None,
    }
}

fn downscale_by<const N: usize>(src: &Plane<'_>) -> Option<Plane<'static>> {
    let (w, h) = (src.width / N, src.height / N);
    if w < 21 || h < 21 {
        return None;
    }
    let area = (N * N) as u16;
    let mut out = Vec::with_capacity(w * h);
    let mut acc = vec![0u16; w];
    let mut rows = src.rows();
    for _ in 0..h {
        acc.iter_mut().for_each(|a| *a = 0);
        for row in rows.by_ref().take(N) {
            for (a, chunk) in acc.iter_mut().zip(row.chunks_exact(N)) {
                if let Ok(px) = <&[u8; N]>::try_from(chunk) {
                    *a += px.iter().map(|&v| u16::from(v)).sum::<u16>();
                }
            }
        }
        out.extend(acc.iter().map(|&a| ((a + area / 2) / area) as u8));
    }
    Some(owned(out, w, h))
}

/// `row` with its first and last values repeated once at either end.
fn padded(row: &[u8]) -> Vec<u8> {
    let first = row.first().copied().unwrap_or(0);
    let last = row.last().copied().unwrap_or(0);
    std::iter::once(first)
        .chain(row.iter().copied())
        .chain(std::iter::once(last))
        .collect()
}

/// One row doubled horizontally with linear interpolation; values × 4 (the
/// row's ends repeated).
fn up_row(row: &[u8], out: &mut Vec<u16>) {
    out.clear();
    for w in padded(row).windows(3) {
        if let [a, b, c] = *w {
            let (a, b, c) = (u16::from(a), u16::from(b), u16::from(c));
            out.push(3 * b + a);
            out.push(3 * b + c);
        }
    }
}

/// Runs `emit(above, this, below, row)` for every `row` of `src`, where the first three
/// are `horiz` of rows y − 1, y and y + 1 (the first and last rows repeated):
/// each row's `horiz` is made once, not three times (the profile of the
/// slowest camera frames had the upscale's row pass at 14 % of their work).
fn rolling_rows(
    src: &Plane<'_>,
    horiz: impl Fn(&[u8], &mut Vec<u16>),
    mut emit: impl FnMut(&[u16], &[u16], &[u16], &[u8]),
) {
    let rows: Vec<&[u8]> = src.rows().collect();
    let (mut above, mut cur, mut below) = (Vec::new(), Vec::new(), Vec::new());
    if let Some(first) = rows.first() {
        horiz(first, &mut cur);
        above.clone_from(&cur);
    }
    for (y, row) in rows.iter().enumerate() {
        match rows.get(y + 1) {
            Some(next) => horiz(next, &mut below),
            None => below.clone_from(&cur),
        }
        emit(&above, &cur, &below, row);
        std::mem::swap(&mut above, &mut cur);
        std::mem::swap(&mut cur, &mut below);
    }
}

/// Images larger than this are not upscaled (their modules are not small
/// for want of pixels, and the copy would be large).
const MAX_UPSCALE_PIXELS: usize = 4_000_000;

/// Doubles both dimensions with bilinear interpolation.
pub(crate) fn upscale2(src: &Plane<'_>) -> Option<Plane<'static>> {
    if src.width.saturating_mul(src.height) > MAX_UPSCALE_PIXELS {
        return None;
    }
    let (w, h) = (src.width.checked_mul(2)?, src.height.checked_mul(2)?);
    let mut out = Vec::with_capacity(w * h);
    rolling_rows(src, up_row, |prev, cur, next, _| {
        out.extend(
            cur.iter()
                .zip(prev)
                .map(|(&c, &p)| ((3 * u32::from(c) + u32::from(p) + 8) / 16) as u8),
        );
        out.extend(
            cur.iter()
                .zip(next)
                .map(|(&c, &n)| ((3 * u32::from(c) + u32::from(n) + 8) / 16) as u8),
        );
    });
    Some(owned(out, w, h))
}

/// Horizontal 3-tap box sums of one row (ends repeated).
fn box3_row(row: &[u8], out: &mut Vec<u16>) {
    out.clear();
    out.extend(
        padded(row)
            .windows(3)
            .map(|w| w.iter().map(|&v| u16::from(v)).sum::<u16>()),
    );
}

/// A 3×3 box blur; `f(original, blurred)` makes each output pixel.
fn map_box3(src: &Plane<'_>, f: impl Fn(u8, u32) -> u8) -> Plane<'static> {
    let mut out = Vec::with_capacity(src.width * src.height);
    rolling_rows(src, box3_row, |a, b, c, row| {
        out.extend(
            row.iter()
                .zip(a.iter().zip(b).zip(c))
                .map(|(&p, ((&x, &y), &z))| {
                    f(p, (u32::from(x) + u32::from(y) + u32::from(z) + 4) / 9)
                }),
        );
    });
    owned(out, src.width, src.height)
}

/// A 3×3 box blur.
pub(crate) fn smooth(src: &Plane<'_>) -> Plane<'static> {
    map_box3(src, |_, blurred| blurred as u8)
}

/// Unsharp masking with a 3×3 box: `p + 1.5 (p − blur)`.
pub(crate) fn sharpen(src: &Plane<'_>) -> Plane<'static> {
    map_box3(src, |p, blurred| {
        let p = i32::from(p);
        let v = p + (3 * (p - blurred as i32)) / 2;
        v.clamp(0, 255) as u8
    })
}

/// The side of the blocks whose minimum and maximum drive [`stretch`].
const STRETCH_BLOCK: usize = 16;
/// Blocks either side whose extremes are pooled (so a window spans a finder pattern).
const STRETCH_REACH: usize = 3;
/// The smallest range stretched to full scale (flat areas are not blown up into noise).
const STRETCH_MIN_RANGE: u32 = 12;

/// Local contrast stretch: each pixel is mapped from the minimum..maximum of
/// its neighbourhood (blocks of [`STRETCH_BLOCK`] pooled over
/// ±[`STRETCH_REACH`] blocks) onto 0..255.
pub(crate) fn stretch(src: &Plane<'_>) -> Plane<'static> {
    let bw = src.width.div_ceil(STRETCH_BLOCK);
    let bh = src.height.div_ceil(STRETCH_BLOCK);
    // per-block extremes
    let mut lo = vec![255u8; bw * bh];
    let mut hi = vec![0u8; bw * bh];
    for (y, row) in src.rows().enumerate() {
        let brow = (y / STRETCH_BLOCK) * bw;
        let (Some(lo_row), Some(hi_row)) =
            (lo.get_mut(brow..brow + bw), hi.get_mut(brow..brow + bw))
        else {
            continue;
        };
        for ((chunk, l), h) in row.chunks(STRETCH_BLOCK).zip(lo_row).zip(hi_row) {
            for &v in chunk {
                *l = (*l).min(v);
                *h = (*h).max(v);
            }
        }
    }
    // pool over the neighbourhood: separable min/max filters over blocks
    let pool = |grid: &[u8], take_min: bool| -> Vec<u8> {
        let pick = |a: u8, b: u8| if take_min { a.min(b) } else { a.max(b) };
        let mut horiz = Vec::with_capacity(grid.len());
        for row in grid.chunks_exact(bw.max(1)) {
            for x in 0..bw {
                let from = x.saturating_sub(STRETCH_REACH);
                let to = (x + STRETCH_REACH + 1).min(bw);
                let v = row
                    .get(from..to)
                    .unwrap_or_default()
                    .iter()
                    .copied()
                    .reduce(pick)
                    .unwrap_or(0);
                horiz.push(v);
            }
        }
        let mut out = Vec::with_capacity(grid.len());
        for y in 0..bh {
            let from = y.saturating_sub(STRETCH_REACH);
            let to = (y + STRETCH_REACH + 1).min(bh);
            for x in 0..bw {
                let v = (from..to)
                    .filter_map(|yy| horiz.get(yy * bw + x).copied())
                    .reduce(pick)
                    .unwrap_or(0);
                out.push(v);
            }
        }
        out
    };
    let lo = pool(&lo, true);
    let hi = pool(&hi, false);
    let mut out = Vec::with_capacity(src.width * src.height);
    for (y, row) in src.rows().enumerate() {
        let brow = (y / STRETCH_BLOCK) * bw;
        let (Some(lo_row), Some(hi_row)) = (lo.get(brow..brow + bw), hi.get(brow..brow + bw))
        else {
            continue;
        };
        for ((chunk, &l), &h) in row.chunks(STRETCH_BLOCK).zip(lo_row).zip(hi_row) {
            let l = u32::from(l);
            let range = (u32::from(h).saturating_sub(l)).max(STRETCH_MIN_RANGE);
            out.extend(
                chunk
                    .iter()
                    .map(|&v| ((u32::from(v).saturating_sub(l) * 255) / range).min(255) as u8),
            );
        }
    }
    owned(out, src.width, src.height)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(data: Vec<u8>, width: usize, height: usize) -> Plane<'static> {
        owned(data, width, height)
    }

    #[test]
    fn downscale_averages_blocks() {
        let data: Vec<u8> = (0..44 * 44)
            .map(|i| if i % 2 == 0 { 0 } else { 200 })
            .collect();
        let out = downscale(&plane(data, 44, 44), 2).unwrap();
        assert_eq!((out.width, out.height), (22, 22));
        assert!(out.data.iter().all(|&v| v == 100));
    }

    #[test]
    fn upscale_keeps_flat_areas_and_doubles_size() {
        let out = upscale2(&plane(vec![77; 30 * 20], 30, 20)).unwrap();
        assert_eq!((out.width, out.height), (60, 40));
        assert!(out.data.iter().all(|&v| v == 77));
    }

    #[test]
    fn stretch_spreads_a_faint_pattern() {
        let data: Vec<u8> = (0..64 * 64)
            .map(|i| if (i / 4) % 2 == 0 { 120 } else { 150 })
            .collect();
        let out = stretch(&plane(data, 64, 64));
        assert_eq!(out.data.len(), 64 * 64);
        assert_eq!(out.data.iter().min(), Some(&0));
        assert_eq!(out.data.iter().max(), Some(&255));
    }

    /// Pixel `(x, y)` of `p`, coordinates clamped to the image (edges repeated).
    fn at(p: &Plane<'_>, x: isize, y: isize) -> u32 {
        let x = x.clamp(0, p.width as isize - 1) as usize;
        let y = y.clamp(0, p.height as isize - 1) as usize;
        u32::from(p.data[y * p.width + x])
    }

    fn noise(width: usize, height: usize) -> Plane<'static> {
        let mut v = 12345u32;
        let data = (0..width * height)
            .map(|_| {
                v = v.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (v >> 16) as u8
            })
            .collect();
        plane(data, width, height)
    }

    #[test]
    fn the_row_passes_match_the_per_pixel_definitions() {
        for (w, h) in [(1, 1), (2, 3), (17, 9), (40, 31)] {
            let p = noise(w, h);
            let (wi, hi) = (w as isize, h as isize);
            // 3×3 box blur and unsharp masking, edges repeated
            let blur = |x, y| {
                let s: u32 = (-1..=1)
                    .flat_map(|dy| (-1..=1).map(move |dx| (dx, dy)))
                    .map(|(dx, dy)| at(&p, x + dx, y + dy))
                    .sum();
                (s + 4) / 9
            };
            let smoothed = smooth(&p);
            let sharpened = sharpen(&p);
            for y in 0..hi {
                for x in 0..wi {
                    let i = (y * wi + x) as usize;
                    assert_eq!(u32::from(smoothed.data[i]), blur(x, y));
                    let v = at(&p, x, y) as i32;
                    let want = (v + 3 * (v - blur(x, y) as i32) / 2).clamp(0, 255);
                    assert_eq!(i32::from(sharpened.data[i]), want);
                }
            }
            // bilinear 2× upscale: output (2x + i, 2y + j) weighs its source
            // pixel 3 and the neighbour on its side 1, in each direction
            let up = upscale2(&p).unwrap();
            for y in 0..hi {
                for x in 0..wi {
                    for (j, dy) in [(0, -1), (1, 1)] {
                        for (i, dx) in [(0, -1), (1, 1)] {
                            let row = |yy| 3 * at(&p, x, yy) + at(&p, x + dx, yy);
                            let want = (3 * row(y) + row(y + dy) + 8) / 16;
                            let k = ((2 * y + j) * 2 * wi + 2 * x + i) as usize;
                            assert_eq!(u32::from(up.data[k]), want, "{w}x{h} at {x},{y}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn smooth_and_sharpen_keep_size_and_flat_areas() {
        let p = plane(vec![9; 25 * 7], 25, 7);
        assert!(smooth(&p).data.iter().all(|&v| v == 9));
        assert!(sharpen(&p).data.iter().all(|&v| v == 9));
    }
}
