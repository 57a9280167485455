//! Parse throughput on the seed post, on the bundled feed, and of scraper alone
//! (the HTML parse every post pays for), so the parser's own share can be seen.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn parse_seed(c: &mut Criterion) {
    let seed = read("seed-dz534539-servicerestored.json");
    let content = serde_json::from_str::<serde_json::Value>(&seed).unwrap()["content"]["rendered"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(1));
    group.bench_function("seed_post", |b| {
        b.iter(|| healthfeed::parse::parse_json(std::hint::black_box(&seed)).unwrap())
    });
    group.bench_function("scraper_parse_fragment_seed", |b| {
        b.iter(|| scraper::Html::parse_fragment(std::hint::black_box(&content)))
    });
    group.finish();
}

fn parse_feed(c: &mut Criterion) {
    let page: Vec<Box<serde_json::value::RawValue>> =
        serde_json::from_str(&read("feed/m365jp-sample.json")).unwrap();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(page.len() as u64));
    group.bench_function("feed_page", |b| {
        b.iter(|| {
            page.iter()
                .filter(|post| {
                    healthfeed::parse::parse_json(std::hint::black_box(post.get())).is_ok()
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, parse_seed, parse_feed);
criterion_main!(benches);
