//! Codes for 1,000 accounts of mixed algorithms through vakt-core, against the
//! raw HMAC cost of the same inputs computed with ring directly.
//!
//!     cargo bench -p vakt-core --bench codes
//!
//! `cargo run --release -p vakt-core --example bench_ratio` prints the ratio of
//! the two (see docs/performance.md).

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod workload;

fn codes(c: &mut Criterion) {
    let accounts = workload::accounts();
    let mut group = c.benchmark_group("1000_accounts");
    group.throughput(Throughput::Elements(workload::ACCOUNTS as u64));
    group.sample_size(60);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("vakt_core_codes", |b| {
        b.iter(|| workload::core_codes(&accounts, workload::AT));
    });
    group.bench_function("ring_raw_hmac", |b| {
        b.iter(|| workload::raw_hmacs(&accounts, workload::AT));
    });
    group.finish();
}

criterion_group!(benches, codes);
criterion_main!(benches);
