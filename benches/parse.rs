//! Parse throughput on the seed post.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn parse_seed(c: &mut Criterion) {
    let seed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/seed-dz534539-servicerestored.json"
    ))
    .unwrap();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(1));
    group.bench_function("seed_post", |b| {
        b.iter(|| healthfeed::parse::parse_json(std::hint::black_box(&seed)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, parse_seed);
criterion_main!(benches);
