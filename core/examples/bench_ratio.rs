//! Measures the cost of vakt-core's codes against the raw HMAC cost of the same
//! inputs (ring directly), interleaved, and prints the median ratio.
//!
//!     cargo run --release -p vakt-core --example bench_ratio [RUNS]
//!
//! Each run times one batch of each (many passes over the 1,000 accounts of
//! `benches/workload.rs`), in alternating order so neither always runs first;
//! the figures are the medians over the runs. See docs/performance.md.

use std::time::Instant;

#[path = "../benches/workload.rs"]
mod workload;

/// Passes over the 1,000 accounts per timed batch.
const PASSES: u32 = 20;

fn nanos_per_code(f: impl Fn()) -> f64 {
    let start = Instant::now();
    for _ in 0..PASSES {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(PASSES) / workload::ACCOUNTS as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    match (
        values.get(mid),
        mid.checked_sub(1).and_then(|i| values.get(i)),
    ) {
        (Some(m), Some(before)) if values.len().is_multiple_of(2) => (m + before) / 2.0,
        (Some(m), _) => *m,
        _ => f64::NAN,
    }
}

/// Checks that both sides compute the same thing: the code made from each raw
/// HMAC (RFC 4226 truncation, here written out again) is vakt-core's code.
fn same_codes(accounts: &[vakt_core::OtpParams]) -> usize {
    accounts
        .iter()
        .filter(|params| {
            let mac = workload::raw_hmac(params, workload::AT);
            let mac = mac.as_ref();
            let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
            let value = match mac.get(offset..offset + 4) {
                Some(&[a, b, c, d]) => u32::from_be_bytes([a & 0x7f, b, c, d]),
                _ => return false,
            };
            let width = usize::from(params.digits.get());
            let code = format!(
                "{:0width$}",
                u64::from(value) % 10u64.pow(u32::from(params.digits.get()))
            );
            code == params.current_code(workload::AT).as_str()
        })
        .count()
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(41);
    let accounts = workload::accounts();
    let agreeing = same_codes(&accounts);
    println!(
        "check: {agreeing} of {} codes agree with the raw HMACs",
        accounts.len()
    );
    if agreeing != accounts.len() {
        std::process::exit(1);
    }
    let core = || workload::core_codes(&accounts, workload::AT);
    let raw = || workload::raw_hmacs(&accounts, workload::AT);
    // Warm up caches and CPU frequency.
    for _ in 0..3 {
        nanos_per_code(core);
        nanos_per_code(raw);
    }
    let (mut core_ns, mut raw_ns, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let (c, r) = if run % 2 == 0 {
            let c = nanos_per_code(core);
            (c, nanos_per_code(raw))
        } else {
            let r = nanos_per_code(raw);
            (nanos_per_code(core), r)
        };
        core_ns.push(c);
        raw_ns.push(r);
        ratios.push(c / r);
    }
    println!(
        "accounts = {}, runs = {runs}, passes per run = {PASSES}",
        workload::ACCOUNTS
    );
    println!(
        "vakt-core codes  = {:.0} ns/code (median)",
        median(&mut core_ns)
    );
    println!(
        "ring raw HMAC    = {:.0} ns/code (median)",
        median(&mut raw_ns)
    );
    println!("ratio = {:.2}", median(&mut ratios));
}
