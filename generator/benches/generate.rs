//! How long the generator takes, stage by stage, on spec/orders.yaml and on synthetic documents
//! 2, 5 and 10 times its size (to show how time grows).
//!
//! Run with `cargo bench -p generator --bench generate`. Stages, as `generate_from_text` runs
//! them: load (text into a `Document`), lower (`Document` into the IR), emit (IR into the tokens
//! of the types and the operations), format (syn and prettyplease, the types and operations
//! files), and the whole pipeline.
//!
//! A synthetic document of `n` copies keeps every schema and path of the original once as it is
//! and adds `n - 1` renamed copies of each: schema `X` becomes `XCopyK`, with every `$ref` in the
//! copy rewritten to match; a path gets a `copyK` segment after the collection path (and
//! `copyK/record` before a leading parameter, so the naming rule still gives every operation its
//! own method), and its operationId a `-copyK` suffix.
//!
//! Times are wall-clock, criterion's default. On a machine shared with other work (two cores
//! running builds) wall time swings by tens of percent between runs: `BENCH_CLOCK=cpu` measures
//! the benchmark thread's CPU time instead, which waiting for a core does not count.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use cpu_time::ThreadTime;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkId, Criterion, Throughput};
use generator::emit::Item;
use generator::ir::Api;
use generator::load::{self, Document, Syntax};
use generator::{emit, lower, naming, write};

// The allocator `cargo xtask codegen` runs with, so the figures are those of the real command.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value};

const SPEC: &str = include_str!("../../spec/orders.yaml");

/// The sizes of the scaling groups, in copies of spec/orders.yaml.
const SIZES: [usize; 4] = [1, 2, 5, 10];

/// Panics with the generator's error: a benchmark input that does not generate is a bug here.
fn ok<T>(result: Result<T, generator::Error>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what}: {e}"),
    }
}

fn load_stage(text: &str) -> Document {
    let (raw, api) = ok(load::parse(text, Syntax::Yaml), "load");
    Document {
        file: PathBuf::from("<bench>"),
        raw,
        api,
    }
}

fn emit_stage(api: &Api) -> (Vec<Item>, Vec<Item>) {
    (
        emit::types_module(api, &Default::default()).items,
        emit::operations_module(api).items,
    )
}

/// The formatting `generate_from` does: the types and operations files (the small `mod.rs` is
/// left out; items are formatted one by one only for snapshots).
fn format_stage(types: &[Item], operations: &[Item]) -> Vec<String> {
    let type_tokens = types.iter().map(|i| &i.tokens);
    let op_tokens = operations.iter().map(|i| &i.tokens);
    let files: [(TokenStream, &str); 2] = [
        (quote!(#(#type_tokens)*), "types.rs"),
        (quote!(#(#op_tokens)*), "operations.rs"),
    ];
    files
        .into_iter()
        .map(|(tokens, name)| ok(write::format(tokens, name), "format file"))
        .collect()
}

/// Appends `suffix` to every reference to a component schema under `value`.
fn rename_refs(value: &mut Value, suffix: &str) {
    match value {
        Value::String(s) if s.starts_with("#/components/schemas/") => s.push_str(suffix),
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, suffix)),
        Value::Object(map) => map.values_mut().for_each(|v| rename_refs(v, suffix)),
        _ => {}
    }
}

/// The path of copy `k`: a `copyK` segment after the collection path.
fn copy_path(path: &str, prefix_len: usize, k: usize) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (prefix, rest) = segments.split_at(prefix_len.min(segments.len()));
    let mut out: Vec<String> = prefix.iter().map(|s| (*s).to_owned()).collect();
    out.push(format!("copy{k}"));
    if rest.first().is_some_and(|s| s.starts_with('{')) {
        out.push("record".to_owned());
    }
    out.extend(rest.iter().map(|s| (*s).to_owned()));
    format!("/{}", out.join("/"))
}

/// spec/orders.yaml with `n - 1` renamed copies of every schema and path, as YAML text.
fn synthetic(n: usize) -> String {
    let (raw, _) = ok(load::parse(SPEC, Syntax::Yaml), "load spec/orders.yaml");
    let mut doc = raw;
    let object = |v: &mut Value, key: &str| -> Map<String, Value> {
        match v.pointer_mut(key).map(Value::take) {
            Some(Value::Object(map)) => map,
            other => panic!("spec/orders.yaml: {key} is not an object: {other:?}"),
        }
    };
    let schemas = object(&mut doc, "/components/schemas");
    let paths = object(&mut doc, "/paths");
    let prefix_len = naming::collection_prefix_len(paths.keys().map(String::as_str));

    let mut new_schemas = schemas.clone();
    let mut new_paths = paths.clone();
    for k in 2..=n {
        let suffix = format!("Copy{k}");
        for (name, schema) in &schemas {
            let mut schema = schema.clone();
            rename_refs(&mut schema, &suffix);
            new_schemas.insert(format!("{name}{suffix}"), schema);
        }
        for (path, item) in &paths {
            let mut item = item.clone();
            rename_refs(&mut item, &suffix);
            if let Value::Object(methods) = &mut item {
                for op in methods.values_mut() {
                    if let Some(Value::String(id)) = op.get_mut("operationId") {
                        id.push_str(&format!("-copy{k}"));
                    }
                }
            }
            new_paths.insert(copy_path(path, prefix_len, k), item);
        }
    }
    *doc.pointer_mut("/components/schemas").expect("taken above") = Value::Object(new_schemas);
    *doc.pointer_mut("/paths").expect("taken above") = Value::Object(new_paths);
    match serde_yaml::to_string(&doc) {
        Ok(text) => text,
        Err(e) => panic!("cannot write the synthetic document as YAML: {e}"),
    }
}

fn spec<M: Measurement>(c: &mut Criterion<M>) {
    let doc = load_stage(SPEC);
    let api = ok(lower::lower(&doc), "lower");
    let (types, operations) = emit_stage(&api);
    ok(
        generator::generate_from_text(SPEC, Syntax::Yaml),
        "spec/orders.yaml",
    );

    let mut group = c.benchmark_group("spec");
    group.bench_function("load", |b| b.iter(|| load_stage(black_box(SPEC))));
    group.bench_function("lower", |b| b.iter(|| lower::lower(black_box(&doc))));
    group.bench_function("emit", |b| b.iter(|| emit_stage(black_box(&api))));
    group.bench_function("format", |b| {
        b.iter(|| format_stage(black_box(&types), black_box(&operations)))
    });
    group.bench_function("generate_from_text", |b| {
        b.iter(|| generator::generate_from_text(black_box(SPEC), Syntax::Yaml))
    });
    group.finish();
}

/// A stage run on one input of the scaling groups.
type Stage = (&'static str, fn(&Input));

/// One input of the scaling groups, with every stage's output made once.
struct Input {
    copies: usize,
    text: String,
    doc: Document,
    api: Api,
    types: Vec<Item>,
    operations: Vec<Item>,
}

fn inputs() -> Vec<Input> {
    let base_doc = load_stage(SPEC);
    let base_schemas = base_doc
        .api
        .components
        .as_ref()
        .map_or(0, |c| c.schemas.len());
    let base = ok(lower::lower(&base_doc), "lower spec/orders.yaml");
    SIZES
        .iter()
        .map(|&copies| {
            let text = synthetic(copies);
            let generated = ok(
                generator::generate_from_text(&text, Syntax::Yaml),
                &format!("the synthetic document of {copies} copies"),
            );
            assert_eq!(
                generated.documents[0].api.operations.len(),
                copies * base.operations.len(),
                "the synthetic document of {copies} copies lost operations"
            );
            // Inline enums with the same values are shared between copies, so a copy may add
            // fewer types than the original has; but every component schema is a type.
            let schemas = load_stage(&text)
                .api
                .components
                .map_or(0, |c| c.schemas.len());
            assert!(
                schemas == copies * base_schemas
                    && generated.documents[0].api.types.len() >= schemas,
                "the synthetic document of {copies} copies has {} types for {schemas} schemas",
                generated.documents[0].api.types.len(),
            );
            eprintln!(
                "{copies}x: {} bytes of YAML, {schemas} schemas, {} types, {} operations, {} bytes \
                 of Rust",
                text.len(),
                generated.documents[0].api.types.len(),
                generated.documents[0].api.operations.len(),
                generated
                    .files
                    .iter()
                    .map(|f| f.contents.len())
                    .sum::<usize>(),
            );
            let doc = load_stage(&text);
            let api = ok(lower::lower(&doc), "lower");
            let (types, operations) = emit_stage(&api);
            Input {
                copies,
                text,
                doc,
                api,
                types,
                operations,
            }
        })
        .collect()
}

fn scaling<M: Measurement>(c: &mut Criterion<M>) {
    let inputs = inputs();
    let stages: [Stage; 5] = [
        ("load", |i| drop(black_box(load_stage(&i.text)))),
        ("lower", |i| drop(black_box(lower::lower(&i.doc)))),
        ("emit", |i| drop(black_box(emit_stage(&i.api)))),
        ("format", |i| {
            drop(black_box(format_stage(&i.types, &i.operations)))
        }),
        ("generate_from_text", |i| {
            drop(black_box(generator::generate_from_text(
                &i.text,
                Syntax::Yaml,
            )))
        }),
    ];
    for (stage, run) in stages {
        let mut group = c.benchmark_group(format!("scaling/{stage}"));
        group.sample_size(20);
        for input in &inputs {
            // Per copy of spec/orders.yaml: a flat rate across sizes is linear growth.
            group.throughput(Throughput::Elements(input.copies as u64));
            group.bench_with_input(
                BenchmarkId::from_parameter(format!("{}x", input.copies)),
                input,
                |b, i| b.iter(|| run(black_box(i))),
            );
        }
        group.finish();
    }
}

/// The CPU time of the benchmark thread (the generator runs on one thread).
struct CpuTime;

/// Lends its formatter (nanoseconds shown as a duration) to [`CpuTime`].
static WALL_TIME: WallTime = WallTime;

impl Measurement for CpuTime {
    type Intermediate = ThreadTime;
    type Value = Duration;

    fn start(&self) -> ThreadTime {
        ThreadTime::now()
    }
    fn end(&self, start: ThreadTime) -> Duration {
        start.elapsed()
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL_TIME.formatter()
    }
}

fn run<M: Measurement>(mut c: Criterion<M>) {
    spec(&mut c);
    scaling(&mut c);
    c.final_summary();
}

fn main() {
    let c = Criterion::default().configure_from_args();
    match std::env::var("BENCH_CLOCK").as_deref() {
        Ok("cpu") => run(c.with_measurement(CpuTime)),
        Ok("wall") | Err(_) => run(c),
        Ok(other) => panic!("BENCH_CLOCK={other}: use `cpu` or `wall`"),
    }
}
