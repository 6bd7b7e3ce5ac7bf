//! How long the property catalog adds to a run: its stages on `spec/orders-properties.json`,
//! and the whole generation of generated/ with and without it.
//!
//! Run with `cargo bench -p generator --bench properties`. Times are wall-clock (criterion's
//! default); on a machine shared with builds they swing between runs.

use std::hint::black_box;
use std::path::Path;

use criterion::Criterion;
use generator::properties;

// The allocator `cargo xtask codegen` runs with, so the figures are those of the real command.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CATALOG: &str = include_str!("../../spec/orders-properties.json");

fn ok<T>(result: Result<T, generator::Error>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what}: {e}"),
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = root.join("spec/orders.yaml");
    let catalog = root.join("spec/orders-properties.json");
    let mut c = Criterion::default().configure_from_args();
    let orders = properties::ir::Object::of_module("orders");

    let mut group = c.benchmark_group("catalog");
    group.bench_function("load", |b| {
        b.iter(|| ok(properties::load::parse(black_box(CATALOG)), "load"))
    });
    let loaded = ok(properties::load::parse(CATALOG), "load");
    group.bench_function("lower", |b| {
        b.iter(|| {
            let mut warnings = Vec::new();
            ok(
                properties::lower::lower(
                    black_box(&loaded),
                    "orders-properties.json",
                    &orders,
                    &mut warnings,
                ),
                "lower",
            )
        })
    });
    group.bench_function("load+lower+emit+format", |b| {
        b.iter(|| {
            ok(
                properties::generate_from_text(
                    black_box(CATALOG),
                    "orders-properties.json",
                    &orders,
                ),
                "generate",
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("generated/ from files");
    group.bench_function("document only", |b| {
        b.iter(|| ok(generator::generate(black_box(&spec)), "document"))
    });
    group.bench_function("document + catalog", |b| {
        b.iter(|| {
            let source = ok(generator::Source::new(black_box(&spec)), "document")
                .with_catalog(Some(catalog.clone()));
            ok(generator::generate_crate(&[source]), "document")
        })
    });
    group.finish();
    c.final_summary();
}
