//! QR decoding benchmark: decode rate per category, wrong texts, panics and
//! the time per 1280×720 camera frame.
//!
//! ```text
//! cargo bench -p vakt-core --bench qr_decode -- MANIFEST [--out RESULTS.jsonl] [--mode MODE]
//! ```
//!
//! MANIFEST has one JSON object a line: `{"path", "category", "expected":
//! [text, ...], "also": [text, ...], "frame": bool}` (scripts/qr_bench/gen.py
//! writes it; `also` lists genuine codes that need not be found). MODE:
//!
//! - `api` (default): what the app does. Images marked `frame` are decoded to
//!   luma first and handed to `decode_frame` (camera effort, timed); the others
//!   go through `decode_image` on the file's bytes (thorough effort).
//! - `camera` / `thorough`: every image decoded to luma, then `decode_frame_with`
//!   that effort (timed).
//! - `plan:NOTATION`: every image through a plan written in the decoder's plan
//!   notation (for trying strategies).
//!
//! An image counts as decoded when every expected text was found; any other
//! text found is a wrong text. Only the decode call is timed, never the file
//! reading. `--out` writes one result a line for scripts/qr_bench/compare.py.
//! `--repeat N` decodes each frame N times: the texts are the first run's, the
//! time is the fastest run's (wall), which takes out most of the noise of a
//! machine shared with other work.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    missing_docs,
    unsafe_code
)]

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use vakt_core::qr::{self, Effort, LumaFrame, QrError};
use vakt_core::secret::SecretString;

#[derive(serde::Deserialize)]
struct Entry {
    path: String,
    category: String,
    expected: Vec<String>,
    /// Codes really in the image that need not be found (not wrong texts).
    #[serde(default)]
    also: Vec<String>,
    #[serde(default)]
    frame: bool,
}

#[derive(Default)]
struct Tally {
    with_code: usize,
    decoded: usize,
    wrong: usize,
    panics: usize,
    errors: usize,
}

/// GS1 group separators are left out of the expected texts of some samples.
fn norm(text: &str) -> String {
    text.replace('\u{1d}', "")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let k = ((p / 100.0 * sorted.len() as f64 + 0.5).round() as usize).clamp(1, sorted.len()) - 1;
    sorted[k]
}

/// CPU time of this thread, in ms: the cost of a decode, whatever else the
/// machine runs (wall time is reported too).
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid pointer it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

fn luma_of(bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let img = image::load_from_memory(bytes)
        .expect("a readable image")
        .into_luma8();
    let (w, h) = img.dimensions();
    (img.into_raw(), w, h)
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut manifest = None;
    let mut out_path = None;
    let mut mode = "api".to_owned();
    let mut repeat = 1usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out_path = args.next(),
            "--mode" => mode = args.next().expect("--mode MODE"),
            "--repeat" => {
                repeat = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--repeat N")
            }
            _ => manifest = Some(a),
        }
    }
    let Some(manifest) = manifest else {
        eprintln!(
            "usage: qr_decode MANIFEST [--out RESULTS.jsonl] [--mode api|camera|thorough|plan:...]"
        );
        std::process::exit(2);
    };
    let entries: Vec<Entry> = std::fs::read_to_string(&manifest)
        .expect("read the manifest")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a manifest line"))
        .collect();
    let mut out =
        out_path.map(|p| std::io::BufWriter::new(std::fs::File::create(p).expect("create --out")));

    // the texts found and the counted work (work units) of the decode
    let decode_luma = |luma: &[u8],
                       w: u32,
                       h: u32,
                       frame_mode: bool|
     -> Result<(Vec<SecretString>, u64), QrError> {
        let frame = LumaFrame {
            data: luma,
            width: w,
            height: h,
            stride: w,
        };
        let report = match mode.as_str() {
            "api" if frame_mode => qr::decode_frame_report(&frame, Effort::Camera, None),
            "api" | "thorough" => qr::decode_frame_report(&frame, Effort::Thorough, None),
            "camera" => qr::decode_frame_report(&frame, Effort::Camera, None),
            m => {
                let plan = m.strip_prefix("plan:").expect("a known --mode");
                qr::decode_frame_report(&frame, Effort::Camera, Some(plan))
            }
        };
        report
            .expect("valid plan notation")
            .map(|r| (r.texts, r.work))
    };

    // warm up (page in the code, first allocations)
    if let Some(e) = entries.first() {
        let (luma, w, h) = luma_of(&std::fs::read(&e.path).expect("read image"));
        let _ = decode_luma(&luma, w, h, true);
    }

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut frame_ms: Vec<f64> = Vec::new();
    let mut frame_cpu: Vec<f64> = Vec::new();
    // counted work per frame, in M units (≈ ms of CPU on the calibration machine)
    let mut frame_work: Vec<f64> = Vec::new();
    let mut all = Tally::default();
    for e in &entries {
        let bytes = std::fs::read(&e.path).expect("read image");
        let (result, ms, cpu_ms) = if mode == "api" && !e.frame {
            let (t, c) = (Instant::now(), thread_cpu_ms());
            let r = catch_unwind(AssertUnwindSafe(|| qr::decode_image(&bytes)))
                .map(|r| r.map(|texts| (texts, 0)));
            (r, t.elapsed().as_secs_f64() * 1e3, thread_cpu_ms() - c)
        } else {
            let (luma, w, h) = luma_of(&bytes);
            // with --repeat, frames are decoded N times: the texts are the
            // first run's, the time the fastest run's (the cost of the decode
            // without the noise of other work on the machine)
            let runs = if e.frame { repeat.max(1) } else { 1 };
            let (t, c) = (Instant::now(), thread_cpu_ms());
            let first = catch_unwind(AssertUnwindSafe(|| decode_luma(&luma, w, h, e.frame)));
            let (mut ms, mut cpu) = (t.elapsed().as_secs_f64() * 1e3, thread_cpu_ms() - c);
            for _ in 1..runs {
                let (t, c) = (Instant::now(), thread_cpu_ms());
                let _ = catch_unwind(AssertUnwindSafe(|| decode_luma(&luma, w, h, e.frame)));
                let (m, u) = (t.elapsed().as_secs_f64() * 1e3, thread_cpu_ms() - c);
                if m < ms {
                    (ms, cpu) = (m, u);
                }
            }
            (first, ms, cpu)
        };
        let work = match &result {
            Ok(Ok((_, work))) => *work,
            _ => 0,
        };
        if e.frame {
            frame_ms.push(ms);
            frame_cpu.push(cpu_ms);
            frame_work.push(work as f64 / 1e6);
        }
        if !order.contains(&e.category) {
            order.push(e.category.clone());
        }
        let tally = tallies.entry(e.category.clone()).or_default();
        let (texts, panicked, error) = match result {
            Err(_) => (Vec::new(), true, None),
            Ok(Err(QrError::DecoderFailed)) => (Vec::new(), true, None),
            Ok(Err(err)) => (Vec::new(), false, Some(err.to_string())),
            // EXPOSE: the benchmark compares decoded texts with the expected ones.
            Ok(Ok((found, _))) => (
                found
                    .iter()
                    .map(|t| t.expose().to_owned())
                    .collect::<Vec<_>>(),
                false,
                None,
            ),
        };
        let expected: Vec<String> = e.expected.iter().map(|t| norm(t)).collect();
        let found: Vec<String> = texts.iter().map(|t| norm(t)).collect();
        let ok = !expected.is_empty() && expected.iter().all(|t| found.contains(t));
        let also: Vec<String> = e.also.iter().map(|t| norm(t)).collect();
        let wrong = found
            .iter()
            .filter(|t| !expected.contains(t) && !also.contains(t))
            .count();
        for t in [&mut *tally, &mut all] {
            t.with_code += usize::from(!expected.is_empty());
            t.decoded += usize::from(ok);
            t.wrong += wrong;
            t.panics += usize::from(panicked);
            t.errors += usize::from(error.is_some());
        }
        if let Some(out) = out.as_mut() {
            let line = serde_json::json!({"path": e.path, "texts": texts, "ms": ms, "cpu_ms": cpu_ms, "work": work, "panic": panicked, "error": error});
            writeln!(out, "{line}").expect("write --out");
        }
    }

    println!("mode: {mode}");
    println!(
        "{:18} {:>5} {:>8} {:>6} {:>6} {:>6}",
        "category", "n", "rate", "wrong", "panic", "error"
    );
    let row = |name: &str, t: &Tally| {
        let rate = if t.with_code == 0 {
            f64::NAN
        } else {
            100.0 * t.decoded as f64 / t.with_code as f64
        };
        println!(
            "{name:18} {:>5} {:>6.1} % {:>6} {:>6} {:>6}",
            t.with_code, rate, t.wrong, t.panics, t.errors
        );
    };
    for c in &order {
        row(c, &tallies[c]);
    }
    row("ALL", &all);
    for (what, mut xs) in [
        ("wall ms", frame_ms),
        ("cpu ms", frame_cpu),
        ("work, M units", frame_work),
    ] {
        xs.sort_by(f64::total_cmp);
        if let Some(max) = xs.last() {
            println!(
                "720p frames ({what}): {} timed, median {:.2}, p95 {:.2}, max {:.2}",
                xs.len(),
                percentile(&xs, 50.0),
                percentile(&xs, 95.0),
                max
            );
        }
    }
}
