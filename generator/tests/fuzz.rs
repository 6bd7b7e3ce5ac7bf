//! Fuzzing the generator with proptest: it must never panic, every document it refuses must give
//! an error that says something, and every document it accepts must give files that parse as
//! Rust and pass an oracle ([`oracle`]): names unique in each scope and none of the runtime's,
//! every named type defined, descriptions written out word for word, the same files from the
//! document in the other syntax and from a second run. A sample of accepted documents is compiled with
//! `cargo check` (`accepted_documents_compile`).
//!
//! Three targets, each a test, run side by side by the test harness for a bounded time:
//! - `grammar`: documents built from a grammar of OpenAPI: component schemas (objects whose
//!   property names are keywords, unicode, digits or collide after case conversion; enums with odd
//!   values; arrays, maps, nullable, valid and dangling `$ref`s, `allOf`/`oneOf`/`anyOf`), paths
//!   with path, query, header and `$ref` parameters, request bodies, and answers 200, 201, 204,
//!   207, 4xx and `default`; written as JSON or YAML. Three in four documents are *tame* (valid
//!   OpenAPI, mostly within what the generator supports, so they reach emit and format); the
//!   rest are *wild*.
//! - `mutation`: `spec/orders.yaml` read as JSON, then nodes deleted, replaced by random JSON,
//!   keys renamed, types swapped, subtrees copied elsewhere; or its text cut and spliced.
//! - `bytes`: arbitrary strings, and soups of JSON and YAML tokens (anchors, aliases, tags).
//!
//! # Time and seed
//!
//! `grammar` and `mutation` each run for `FUZZ_SECONDS` (default 10), `bytes` for a fifth of
//! that, beside `accepted_documents_compile` (`FUZZ_COMPILE_CASES`, default 8, in batches of
//! `FUZZ_COMPILE_BATCH`, default 8: one `cargo check` of about 15 s); the binary takes about
//! 30 s on two cores. Cases come from a fixed
//! seed, so a run is reproducible; `FUZZ_SEED=<u64>` picks another stream. A failure is shrunk
//! and printed with the seed, the case number, the panic's place and the generator's frames. A
//! case that runs longer than `FUZZ_HANG_SECONDS` (default 60) is printed and ends the process: a
//! hang is a failure too.
//!
//! The long run (ten minutes a target, in release; `--nocapture` shows the counts):
//!
//! ```text
//! FUZZ_SECONDS=600 FUZZ_COMPILE_CASES=200 FUZZ_COMPILE_BATCH=25 \
//!     cargo test -p generator --release --test fuzz -- --nocapture
//! ```
//!
//! # Investigating
//!
//! - `FUZZ_STATS=1` prints each target's most frequent reasons of refusal (`FUZZ_STATS=raw`: whole
//!   messages), to see how deep the documents get.
//! - A stack overflow aborts the process before proptest can report it: `FUZZ_TRACE=DIR` writes
//!   each case to `DIR/<target>` before running it, so the last one is the culprit.
//! - `FUZZ_REPLAY=doc.json` (or `.yaml`) runs one document through the property (test `replay`).
//!
//! A crash found this way becomes a regression test at the bottom of this file.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use generator::load::Syntax;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use serde_json::{Map, Value, json};

const ORDERS: &str = include_str!("../../spec/orders.yaml");

// ---------------------------------------------------------------------------------------------
// The property

/// One input of the generator.
#[derive(Clone)]
struct Input {
    syntax: Syntax,
    text: String,
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The text as it is (not escaped), so a failing case can be pasted into a file.
        write!(
            f,
            "{:?} document of {} bytes:\n-----\n{}\n-----\nescaped: {:?}",
            self.syntax,
            self.text.len(),
            self.text,
            self.text
        )
    }
}

/// How many accepted documents each target saw, to tell how deep the fuzzing went.
static ACCEPTED: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

/// With `FUZZ_STATS` set: how often each reason of refusal came up, printed at the end.
static STATS: Mutex<BTreeMap<(usize, String), u64>> = Mutex::new(BTreeMap::new());

/// The property: no panic (the runner turns a panic into a failure), accepted documents give Rust
/// that parses, refused ones a message.
fn check(input: &Input) -> Result<bool, TestCaseError> {
    match generator::generate_from_text(&input.text, input.syntax) {
        Ok(generated) => {
            for file in &generated.files {
                if file.path.ends_with(generator::diff::MANIFEST_FILE) {
                    // The API manifest is JSON, and must read back.
                    if let Err(e) = generator::diff::read_manifest(&file.contents) {
                        return Err(TestCaseError::fail(format!(
                            "the API manifest does not read back: {e}\n{}",
                            file.contents
                        )));
                    }
                    continue;
                }
                if let Err(e) = syn::parse_file(&file.contents) {
                    return Err(TestCaseError::fail(format!(
                        "{} does not parse: {e}\n{}",
                        file.path.display(),
                        file.contents
                    )));
                }
            }
            for (name, code) in &generated.items {
                if let Err(e) = syn::parse_file(code) {
                    return Err(TestCaseError::fail(format!(
                        "item {name} does not parse: {e}\n{code}"
                    )));
                }
            }
            oracle(input, &generated).map_err(TestCaseError::fail)?;
            Ok(true)
        }
        Err(e) => {
            if std::env::var_os("FUZZ_STATS").is_some() {
                // The reason without its quoted parts, to group alike errors.
                let reason = if std::env::var_os("FUZZ_STATS").is_some_and(|v| v == "raw") {
                    e.to_string()
                } else {
                    e.message
                        .split('`')
                        .step_by(2)
                        .collect::<Vec<_>>()
                        .join("_")
                        .chars()
                        .take(70)
                        .collect()
                };
                *STATS
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry((SLOT.with(Cell::get), reason))
                    .or_default() += 1;
            }
            let message = e.to_string();
            prop_assert!(
                !message.trim().is_empty(),
                "the error's message is empty: {e:?}"
            );
            prop_assert!(
                !e.message.trim().is_empty(),
                "the error has no reason: {e:?}"
            );
            Ok(false)
        }
    }
}

/// What every accepted document's output must satisfy beyond parsing: names unique in each
/// scope (and none of the runtime's), every named type defined, every description written out
/// word for word (schema descriptions as the document has them; lines may be wrapped), the
/// same output from the same document in the other syntax, and from a second run.
fn oracle(input: &Input, generated: &generator::Generated) -> Result<(), String> {
    use generator::ir::{Success, TypeDef};
    let api = &generated.documents[0].api;
    let unique = |scope: &str, names: Vec<&str>| -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        match names.into_iter().find(|n| !seen.insert(*n)) {
            Some(n) => Err(format!("`{n}` is defined twice in {scope}")),
            None => Ok(()),
        }
    };
    unique(
        "the types module",
        api.types.iter().map(TypeDef::name).collect(),
    )?;
    unique(
        "the methods of Client",
        api.operations
            .iter()
            .map(|o| o.method_name.as_str())
            .collect(),
    )?;
    let mut op_items = Vec::new();
    for op in &api.operations {
        let method = op.method_name.trim_start_matches("r#");
        if generator::naming::RESERVED_METHODS.contains(&method) {
            return Err(format!("the operation took the runtime's name `{method}`"));
        }
        let mut args: Vec<&str> = op.path_params.iter().map(|p| p.name.as_str()).collect();
        args.extend(op.body.as_ref().map(|_| "body"));
        args.extend(op.query.as_ref().map(|_| "params"));
        unique(&format!("the arguments of `{method}`"), args)?;
        if let Some(q) = &op.query {
            op_items.push(q.name.as_str());
            unique(
                &format!("`{}`", q.name),
                q.fields.iter().map(|f| f.name.as_str()).collect(),
            )?;
        }
        if let Success::Multi {
            enum_name,
            variants,
            ..
        } = &op.success
        {
            op_items.push(enum_name.as_str());
            unique(
                enum_name,
                variants.iter().map(|(v, _)| v.as_str()).collect(),
            )?;
        }
    }
    unique("the operations module", op_items)?;
    for t in &api.types {
        match t {
            TypeDef::Struct(s) => {
                unique(&s.name, s.fields.iter().map(|f| f.name.as_str()).collect())?
            }
            TypeDef::Enum(e) => unique(
                &e.name,
                e.variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .chain([e.other_variant.as_str()])
                    .collect(),
            )?,
            TypeDef::Union(u) => unique(
                &u.name,
                u.variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .chain(u.discriminator.iter().map(|d| d.other_variant.as_str()))
                    .collect(),
            )?,
            TypeDef::Alias(_) => {}
        }
    }

    // Every named type is defined.
    let mut used: Vec<generator::ir::TypeId> = Vec::new();
    for t in &api.types {
        used.extend(t.named());
    }
    for op in &api.operations {
        used.extend(op.named());
    }
    if let Some(missing) = used.iter().find(|id| api.type_def(**id).is_none()) {
        return Err(format!("the type {missing:?} is used but not defined"));
    }

    // Docs: a schema's description is its type's description, and every description is in the
    // output's rustdoc word for word (lines may be wrapped: whitespace is not compared).
    let collapse = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let rustdoc: String = collapse(
        &generated
            .files
            .iter()
            .flat_map(|f| f.contents.lines())
            .filter_map(|line| {
                let line = line.trim_start();
                line.strip_prefix("///")
                    .or_else(|| line.strip_prefix("//!"))
            })
            .collect::<Vec<_>>()
            .join(" "),
    );
    let (raw, _) = generator::load::parse(&input.text, input.syntax).map_err(|e| e.to_string())?;
    if let Some(schemas) = raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (key, schema) in schemas {
            let Some(text) = schema.get("description").and_then(Value::as_str) else {
                continue;
            };
            let name = generator::naming::type_name(key);
            let description = api
                .types
                .iter()
                .find(|t| t.name() == name)
                .map(TypeDef::description);
            if let Some(description) = description
                && !text.trim().is_empty()
                && description != text.trim()
            {
                return Err(format!(
                    "the description of `{name}` is {description:?}, the document's {text:?}"
                ));
            }
        }
    }
    let mut docs: Vec<&str> = Vec::new();
    for t in &api.types {
        docs.push(t.description());
        if let TypeDef::Struct(s) = t {
            docs.extend(s.fields.iter().map(|f| f.description.as_str()));
        }
    }
    for op in &api.operations {
        docs.extend([op.summary.as_str(), op.description.as_str()]);
    }
    for doc in docs {
        let doc = collapse(doc);
        if !doc.is_empty() && !rustdoc.contains(&doc) {
            return Err(format!(
                "the text {doc:?} is not in the rustdoc of the output"
            ));
        }
    }

    // No path is broken across lines (`crate` / `::runtime::…`).
    for file in &generated.files {
        let lines: Vec<&str> = file.contents.lines().collect();
        if let Some(pair) = lines.windows(2).find(|pair| {
            pair[1].trim_start().starts_with("::")
                && pair[0]
                    .trim_end()
                    .ends_with(|c: char| c.is_alphanumeric() || c == '_')
        }) {
            return Err(format!(
                "a path is broken across lines:\n{}\n{}",
                pair[0], pair[1]
            ));
        }
    }

    // The same document in the other syntax, and a second run, give the same files.
    let other = match input.syntax {
        Syntax::Json => Syntax::Yaml,
        Syntax::Yaml => Syntax::Json,
    };
    let again = render(&raw, other, true);
    match generator::generate_from_text(&again.text, other) {
        Ok(g) if g.files == generated.files => {}
        Ok(_) => return Err(format!("the {other:?} rendering gives other files")),
        Err(e) => return Err(format!("the {other:?} rendering is refused: {e}")),
    }
    match generator::generate_from_text(&input.text, input.syntax) {
        Ok(g) if g.files == generated.files && g.items == generated.items => Ok(()),
        Ok(_) => Err("a second run gives other files".to_owned()),
        Err(e) => Err(format!("a second run is refused: {e}")),
    }
}

thread_local! {
    /// Whether this thread is running a case, whose panics are reported by [`guarded`].
    static IN_CASE: Cell<bool> = const { Cell::new(false) };
    /// The target this thread runs, for [`STATS`].
    static SLOT: Cell<usize> = const { Cell::new(0) };
    /// Where the last panic of a case happened, and the generator's frames on the way.
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// [`check`], with a panic turned into a failure that says where it happened. Panics inside a
/// case are not printed (shrinking would print hundreds); the failure carries them.
fn guarded(input: &Input) -> Result<bool, TestCaseError> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_CASE.with(Cell::get) {
                return default(info);
            }
            let backtrace = std::backtrace::Backtrace::force_capture().to_string();
            // The frames of the generator's own code, with their file and line.
            let mut frames = String::new();
            let mut lines = backtrace.lines().peekable();
            while let Some(line) = lines.next() {
                if line.contains(" generator::") {
                    frames.push_str(line.trim());
                    if let Some(at) = lines.next_if(|l| l.trim_start().starts_with("at ")) {
                        frames.push_str(&format!(" ({})", at.trim().trim_start_matches("at ")));
                    }
                    frames.push('\n');
                }
            }
            let location = info
                .location()
                .map_or_else(String::new, |l| format!("{}:{}", l.file(), l.line()));
            LAST_PANIC.with(|p| *p.borrow_mut() = format!("panicked at {location}\n{frames}"));
        }));
    });
    IN_CASE.with(|c| c.set(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| check(input)));
    IN_CASE.with(|c| c.set(false));
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "<not a string>".to_owned());
        let place = LAST_PANIC.with(|p| p.take());
        Err(TestCaseError::fail(format!("panic: {message}\n{place}")))
    })
}

/// Runs `strategy`'s cases through [`check`] until the time is up.
fn fuzz(target: &str, slot: usize, share: f64, strategy: impl Strategy<Value = Input>) {
    let seconds: f64 = env_or("FUZZ_SECONDS", 10.0) * share;
    let hang: f64 = env_or("FUZZ_HANG_SECONDS", 60.0);
    let seed: u64 = env_or("FUZZ_SEED", 0x00DD_BA11_5EED);
    // Each target its own stream of the same seed.
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8] = slot as u8;
    let config = Config {
        failure_persistence: None,
        max_shrink_time: 60_000,
        max_shrink_iters: 100_000,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));

    // A watchdog for hangs: the case being run, and since when.
    let current: Arc<Mutex<Option<(Instant, Input)>>> = Arc::new(Mutex::new(None));
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let current = Arc::clone(&current);
        let done = Arc::clone(&done);
        let target = target.to_owned();
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let guard = current.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((since, input)) = guard.as_ref()
                    && since.elapsed().as_secs_f64() > hang
                {
                    eprintln!(
                        "fuzz {target}: a case has run for over {hang} s (FUZZ_SEED={seed}):\n{input:?}"
                    );
                    std::process::exit(101);
                }
            }
        })
    };

    SLOT.with(|s| s.set(slot));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut cases = 0u64;
    let in_generator = Cell::new(Duration::ZERO);
    let trace = std::env::var_os("FUZZ_TRACE").map(std::path::PathBuf::from);
    while Instant::now() < deadline {
        let tree = strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|e| panic!("fuzz {target}: cannot generate a case: {e}"));
        let result = runner.run_one(tree, |input| {
            *current.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((Instant::now(), input.clone()));
            if let Some(trace) = &trace {
                // A stack overflow aborts the process: the file keeps the input that did it.
                let _ = std::fs::write(trace.join(target), format!("{input:?}"));
            }
            let started = Instant::now();
            let result = guarded(&input);
            in_generator.set(in_generator.get() + started.elapsed());
            *current.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if let Ok(true) = result {
                ACCEPTED[slot].fetch_add(1, Ordering::Relaxed);
            }
            result.map(|_| ())
        });
        match result {
            Ok(_) => cases += 1,
            Err(TestError::Fail(reason, input)) => {
                done.store(true, Ordering::Relaxed);
                panic!(
                    "fuzz {target}: case {cases} failed (FUZZ_SEED={seed}): {reason}\nminimal input: {input:?}"
                );
            }
            Err(TestError::Abort(reason)) => panic!("fuzz {target}: aborted: {reason}"),
        }
    }
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    if std::env::var_os("FUZZ_STATS").is_some() {
        let mut stats: Vec<_> = STATS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|((s, _), _)| *s == slot)
            .map(|((_, reason), n)| (reason.clone(), *n))
            .collect();
        stats.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let mut report = format!("fuzz {target}: the most frequent refusals\n");
        for (reason, n) in stats.iter().take(40) {
            report.push_str(&format!("{n:8} {reason}\n"));
        }
        eprint!("{report}");
    }
    eprintln!(
        "fuzz {target}: {cases} cases in {:.1} s ({:.1} s in the generator), {} accepted, no failure (FUZZ_SEED={seed})",
        start.elapsed().as_secs_f64(),
        in_generator.get().as_secs_f64(),
        ACCEPTED[slot].load(Ordering::Relaxed),
    );
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a valid value")),
        Err(_) => default,
    }
}

/// The document in `syntax`: JSON pretty or compact, or YAML.
fn render(value: &Value, syntax: Syntax, pretty: bool) -> Input {
    let text = match syntax {
        Syntax::Json if pretty => serde_json::to_string_pretty(value),
        Syntax::Json => serde_json::to_string(value),
        Syntax::Yaml => {
            return Input {
                syntax,
                text: serde_yaml::to_string(value).expect("a JSON value has a YAML form"),
            };
        }
    }
    .expect("a JSON value has a JSON form");
    Input { syntax, text }
}

fn syntax() -> impl Strategy<Value = Syntax> {
    prop_oneof![Just(Syntax::Json), Just(Syntax::Yaml)]
}

// ---------------------------------------------------------------------------------------------
// Names and strings

/// Names that have tripped up generators: keywords, runtime names, case collisions, non-ASCII.
const NAMES: &[&str] = &[
    "type",
    "self",
    "Self",
    "super",
    "crate",
    "fn",
    "match",
    "mod",
    "ref",
    "move",
    "async",
    "await",
    "dyn",
    "try",
    "gen",
    "union",
    "static",
    "where",
    "impl",
    "trait",
    "enum",
    "struct",
    "loop",
    "in",
    "as",
    "use",
    "box",
    "abstract",
    "macro_rules",
    "r#type",
    "_",
    "__",
    "___x",
    "",
    " ",
    "0",
    "123",
    "1st",
    "9lives",
    "-",
    "a-b",
    "a.b",
    "a b",
    "a/b",
    "a~b",
    "{id}",
    "$ref",
    "@type",
    "Error",
    "Client",
    "Result",
    "Option",
    "Some",
    "None",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Value",
    "HashMap",
    "BTreeMap",
    "Default",
    "Unknown",
    "Other",
    "unknown",
    "fooBar",
    "foo_bar",
    "FooBar",
    "FOO_BAR",
    "foo-bar",
    "Foo-Bar",
    "foobar",
    "FOOBAR",
    "createdAt",
    "created_at",
    "CreatedAt",
    "hs_object_id",
    "id",
    "ID",
    "Id",
    "properties",
    "default",
    "items",
    "required",
    "Ünïcödé",
    "名前",
    "имя",
    "émoji🎉",
    "ß",
    "SS",
    "Ǆ",
    "a\u{0301}",
    "\u{200b}",
    "tab\tname",
    "new\nline",
    "quote\"d",
    "back\\slash",
    "*/",
    "/*",
    "SimplePublicObject",
    "BatchResponseSimplePublicObject",
    "ForwardPaging",
    "NextPage",
];

fn name() -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(NAMES).prop_map(str::to_owned),
        3 => "[a-zA-Z_][a-zA-Z0-9_]{0,12}",
        1 => "[a-zA-Z0-9_.$ -]{0,10}",
        1 => "\\PC{0,6}",
        1 => any::<String>(),
    ]
    .boxed()
}

/// Descriptions end up in rustdoc: try to break out of it.
fn description() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(
            &[
                "plain",
                "",
                "*/ fn evil() {} /*",
                "\"] fn evil() {} #[doc = \"",
                "```\nnot rust {\n```",
                "```rust\npanic!()\n```",
                "line\r\nwith CR",
                "nul \u{0} char",
                "back\\slash and \"quote\"",
                "#![no_std]",
                "[link](",
                "<script>",
                "    indented code block",
            ][..]
        )
        .prop_map(str::to_owned),
        any::<String>(),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// Grammar: schemas with `$ref` placeholders (`@s3`, `@p1`, …), resolved once the components are
// known.
//
// Each builder takes `wild`: when false, it leaves out what is invalid OpenAPI or known to be
// refused (dangling `$ref`s, unknown parameter locations, non-JSON bodies, …), so that a good
// share of documents reaches the end of the pipeline; when true, anything goes.

/// One of `options` by weight, leaving out those of weight 0.
fn pick<T: fmt::Debug + 'static>(options: Vec<(u32, BoxedStrategy<T>)>) -> BoxedStrategy<T> {
    Union::new_weighted(options.into_iter().filter(|(w, _)| *w > 0).collect()).boxed()
}

/// `Some` with probability `p`, which may be 0 or 1.
fn opt<T: fmt::Debug + Clone + 'static>(p: f64, s: BoxedStrategy<T>) -> BoxedStrategy<Option<T>> {
    if p <= 0.0 {
        Just(None).boxed()
    } else if p >= 1.0 {
        s.prop_map(Some).boxed()
    } else {
        prop::option::weighted(p, s).boxed()
    }
}

/// `n` when `wild`, else 0.
fn w(wild: bool, n: u32) -> u32 {
    if wild { n } else { 0 }
}

const ENUM_VALUES: &[&str] = &[
    "",
    " ",
    "a",
    "A",
    "a-b",
    "a_b",
    "A_B",
    "a b",
    "1",
    "01",
    "1.5",
    "-1",
    "true",
    "null",
    "Unknown",
    "unknown",
    "UNKNOWN",
    "Other",
    "other",
    "type",
    "Self",
    "self",
    "_",
    "__",
    "😀",
    "ünïcödé",
    "UPPER",
    "upper",
    "Upper",
    "EQ",
    "eq",
    "NEQ",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "BETWEEN",
    "r#match",
    "\u{0}",
    "\\",
    "\"",
    "a²",
    "ொ",
    "١",
];

fn leaf_schema(wild: bool) -> BoxedStrategy<Value> {
    let string_format = prop::sample::select(
        &[
            None,
            None,
            Some("date-time"),
            Some("date"),
            Some("uuid"),
            Some("byte"),
            Some("password"),
            Some("email"),
            Some("int64"),
            Some(""),
        ][..],
    );
    let enum_value = prop_oneof![
        4 => prop::sample::select(ENUM_VALUES).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    pick(vec![
        (
            3,
            string_format
                .prop_map(|f| match f {
                    Some(f) => json!({"type": "string", "format": f}),
                    None => json!({"type": "string"}),
                })
                .boxed(),
        ),
        (
            2,
            prop::sample::select(&[None, Some("int32"), Some("int64"), Some("int8")][..])
                .prop_map(|f| match f {
                    Some(f) => json!({"type": "integer", "format": f}),
                    None => json!({"type": "integer"}),
                })
                .boxed(),
        ),
        (
            1,
            prop::sample::select(&[None, Some("float"), Some("double"), Some("decimal")][..])
                .prop_map(|f| match f {
                    Some(f) => json!({"type": "number", "format": f}),
                    None => json!({"type": "number"}),
                })
                .boxed(),
        ),
        (1, Just(json!({"type": "boolean"})).boxed()),
        (
            3,
            prop::collection::vec(enum_value, 0..6)
                .prop_map(|values| json!({"type": "string", "enum": values}))
                .boxed(),
        ),
        (
            5,
            any::<u8>()
                .prop_map(|i| json!({"$ref": format!("@s{i}")}))
                .boxed(),
        ),
        (1, Just(json!({})).boxed()),
        (1, Just(json!({"type": "object"})).boxed()),
        (
            1,
            Just(json!({"type": "object", "additionalProperties": true})).boxed(),
        ),
        (
            w(wild, 4),
            prop::sample::select(vec![
                json!({"$ref": "#/components/schemas/DoesNotExist"}),
                json!({"$ref": "SimplePublicObject"}),
                json!({"$ref": "#/components/schemas/"}),
                json!({"$ref": "other.yaml#/components/schemas/Thing"}),
                json!({"$ref": "#/components/responses/Error"}),
                json!({"type": "string", "format": "binary"}),
                json!({"type": "array"}),
                json!({"items": {"type": "string"}}),
                json!({"type": "string", "properties": {"a": {"type": "string"}}}),
                json!({"type": "integer", "enum": [1, null, "a", true]}),
                json!({"type": "number", "enum": [1.5]}),
                json!({"type": "strin"}),
                json!({"type": ["string", "null"]}),
            ])
            .boxed(),
        ),
    ])
}

/// A reference to one of the document's schemas.
fn reference() -> BoxedStrategy<Value> {
    any::<u8>()
        .prop_map(|i| json!({"$ref": format!("@s{i}")}))
        .boxed()
}

/// What a parameter can be: a scalar, maybe an enum.
fn scalar_schema() -> BoxedStrategy<Value> {
    prop::sample::select(vec![
        json!({"type": "string"}),
        json!({"type": "string", "format": "date-time"}),
        json!({"type": "string", "format": "date"}),
        json!({"type": "string", "format": "uuid"}),
        json!({"type": "integer"}),
        json!({"type": "integer", "format": "int32"}),
        json!({"type": "number"}),
        json!({"type": "boolean"}),
        json!({"type": "string", "enum": ["a", "B", "c-d", "1"]}),
        json!({"type": "string", "enum": ["type", "Self"]}),
    ])
    .boxed()
}

fn schema(wild: bool) -> BoxedStrategy<Value> {
    let tree = leaf_schema(wild).prop_recursive(4, 16, 5, move |inner| {
        let object = (
            prop::collection::vec((name(), inner.clone()), 0..6),
            prop::collection::vec(prop::sample::Index::arbitrary(), 0..4),
            opt(if wild { 0.3 } else { 0.0 }, name()),
            any::<bool>(),
        )
            .prop_map(|(props, required, extra_required, typed)| {
                let mut schema = Map::new();
                if typed {
                    schema.insert("type".into(), "object".into());
                }
                let mut required: Vec<Value> = required
                    .iter()
                    .filter(|_| !props.is_empty())
                    .map(|i| props[i.index(props.len())].0.clone().into())
                    .collect();
                required.extend(extra_required.map(Value::from));
                let mut properties = Map::new();
                for (name, schema) in props {
                    properties.insert(name, schema);
                }
                schema.insert("properties".into(), properties.into());
                if !required.is_empty() {
                    schema.insert("required".into(), required.into());
                }
                Value::Object(schema)
            });
        pick(vec![
            (
                3,
                inner
                    .clone()
                    .prop_map(|items| json!({"type": "array", "items": items}))
                    .boxed(),
            ),
            (6, object.clone().boxed()),
            (
                2,
                inner
                    .clone()
                    .prop_map(|values| json!({"type": "object", "additionalProperties": values}))
                    .boxed(),
            ),
            (
                w(wild, 1),
                (inner.clone(), name(), inner.clone())
                    .prop_map(|(values, name, prop)| {
                        json!({
                            "type": "object",
                            "properties": {name: prop},
                            "additionalProperties": values,
                        })
                    })
                    .boxed(),
            ),
            (
                2,
                prop::collection::vec(
                    // Tame: the parts that can be merged, references and objects.
                    pick(vec![
                        (2, reference()),
                        (2, object.boxed()),
                        (w(wild, 2), inner.clone()),
                    ]),
                    1..3,
                )
                .prop_map(|s| json!({"allOf": s}))
                .boxed(),
            ),
            (
                1,
                prop::collection::vec(inner.clone(), 1..3)
                    .prop_map(|s| json!({"oneOf": s}))
                    .boxed(),
            ),
            (
                1,
                (
                    prop::collection::vec(
                        pick(vec![(4, reference()), (w(wild, 1), inner.clone())]),
                        1..3,
                    ),
                    name(),
                )
                    .prop_map(|(s, d)| json!({"oneOf": s, "discriminator": {"propertyName": d}}))
                    .boxed(),
            ),
            (
                w(wild, 1),
                prop::collection::vec(inner.clone(), 1..3)
                    .prop_map(|s| json!({"anyOf": s}))
                    .boxed(),
            ),
            (
                w(wild, 1),
                prop::collection::vec(inner.clone(), 0..2)
                    .prop_map(|s| json!({"allOf": s, "oneOf": s}))
                    .boxed(),
            ),
            (
                w(wild, 1),
                inner.clone().prop_map(|s| json!({"not": s})).boxed(),
            ),
            (
                1,
                inner
                    .prop_map(|s| json!({"type": "array", "items": {"type": "array", "items": s}}))
                    .boxed(),
            ),
        ])
    });
    (
        tree,
        prop::option::weighted(0.2, any::<bool>()),
        prop::option::weighted(0.3, description()),
        prop::option::weighted(0.1, any::<bool>()),
        prop::option::weighted(0.05, name()),
    )
        .prop_map(
            |(mut schema, nullable, description, read_only, extension)| {
                if let Value::Object(map) = &mut schema {
                    if let Some(nullable) = nullable {
                        map.insert("nullable".into(), nullable.into());
                    }
                    if let Some(description) = description {
                        map.insert("description".into(), description.into());
                    }
                    if let Some(read_only) = read_only {
                        map.insert("readOnly".into(), read_only.into());
                    }
                    if let Some(extension) = extension {
                        map.insert(format!("x-{extension}"), json!({"a": [1, null]}));
                    }
                }
                schema
            },
        )
        .boxed()
}

/// Path parameter names, few so that paths and declarations often agree.
const PARAM_NAMES: &[&str] = &[
    "id",
    "orderId",
    "objectType",
    "type",
    "self",
    "a-b",
    "toObjectType",
    "associationId",
    "ü",
];

fn path(wild: bool) -> BoxedStrategy<String> {
    let segment = pick(vec![
        (
            6,
            prop::sample::select(
                &[
                    "crm",
                    "v3",
                    "objects",
                    "orders",
                    "0-3",
                    "batch",
                    "upsert",
                    "create",
                    "read",
                    "update",
                    "archive",
                    "search",
                    "merge",
                    "gdpr-delete",
                    "2026-03",
                    "associations",
                    "default",
                    "labels",
                    "type",
                    "self",
                    "ünï",
                    "a b",
                    "a%20b",
                    "~",
                    "1",
                    "_",
                ][..],
            )
            .prop_map(str::to_owned)
            .boxed(),
        ),
        (
            3,
            prop::sample::select(PARAM_NAMES)
                .prop_map(|p| format!("{{{p}}}"))
                .boxed(),
        ),
        (
            1,
            name().prop_map(|n| n.replace(['/', '{', '}'], "")).boxed(),
        ),
        (
            w(wild, 1),
            prop::sample::select(&["{a}{b}", "x{id}y", "{}", "{", "", "{id"][..])
                .prop_map(str::to_owned)
                .boxed(),
        ),
    ]);
    (prop::collection::vec(segment, 0..6), 0..20u8)
        .prop_map(move |(segments, odd)| match odd {
            0 if wild => segments.join("/"),
            1 if wild => format!("/{}/", segments.join("/")),
            _ => format!("/{}", segments.join("/")),
        })
        .boxed()
}

/// Parameter styles, and the locations they fit.
const STYLES: [(&str, &str); 8] = [
    ("query cookie", "form"),
    ("query", "spaceDelimited"),
    ("query", "pipeDelimited"),
    ("query", "deepObject"),
    ("path header", "simple"),
    ("path", "label"),
    ("path", "matrix"),
    ("", "tabDelimited"),
];

fn parameter(wild: bool) -> BoxedStrategy<Value> {
    let schema = pick(vec![
        (6, scalar_schema()),
        (w(wild, 3), leaf_schema(true)),
        (
            1,
            Just(json!({"type": "array", "items": {"type": "string"}})).boxed(),
        ),
        (
            1,
            Just(json!({"type": "array", "items": {"type": "integer", "format": "int32"}})).boxed(),
        ),
        (
            1,
            Just(json!({"type": "array", "items": {"type": "string", "enum": ["a", "B"]}})).boxed(),
        ),
        (
            w(wild, 1),
            Just(json!({"type": "object", "properties": {"a": {"type": "string"}}})).boxed(),
        ),
        (w(wild, 1), schema(true)),
    ]);
    let location = pick(vec![
        (20, Just("query").boxed()),
        (10, Just("path").boxed()),
        (
            w(wild, 2),
            prop::sample::select(&["header", "cookie"][..]).boxed(),
        ),
        (
            w(wild, 1),
            prop::sample::select(&["body", "", "Query"][..]).boxed(),
        ),
    ]);
    let param_name = prop_oneof![
        2 => prop::sample::select(PARAM_NAMES).prop_map(str::to_owned),
        2 => name(),
    ];
    pick(vec![
        (
            12,
            (
                param_name,
                location,
                prop::option::of(any::<bool>()),
                schema,
                prop::option::weighted(0.2, prop::sample::select(&STYLES[..])),
                prop::option::weighted(0.2, any::<bool>()),
                0..20u8,
            )
                .prop_map(
                    move |(name, location, required, schema, style, explode, odd)| {
                        let mut p = json!({"name": name, "in": location, "schema": schema});
                        let map = p.as_object_mut().expect("an object");
                        if let Some(required) = required {
                            map.insert("required".into(), required.into());
                        }
                        // Mostly a style that fits the location; when wild, sometimes one that does
                        // not.
                        if let Some((locations, style)) = style
                            && (wild && odd == 2 || locations.contains(location))
                        {
                            map.insert("style".into(), style.into());
                        }
                        if let Some(explode) = explode {
                            map.insert("explode".into(), explode.into());
                        }
                        match odd {
                            0 if wild => {
                                map.remove("schema");
                                map.insert(
                                    "content".into(),
                                    json!({"application/json": {"schema": {"type": "string"}}}),
                                );
                            }
                            1 if wild => {
                                map.remove("schema");
                            }
                            _ => {}
                        }
                        p
                    },
                )
                .boxed(),
        ),
        (
            2,
            any::<u8>()
                .prop_map(|i| json!({"$ref": format!("@p{i}")}))
                .boxed(),
        ),
        (
            w(wild, 1),
            Just(json!({"$ref": "#/components/parameters/Nope"})).boxed(),
        ),
    ])
}

fn media(wild: bool) -> BoxedStrategy<Value> {
    let kind = pick(vec![
        (
            8,
            prop::sample::select(&["application/json", "application/json; charset=utf-8"][..])
                .boxed(),
        ),
        (
            w(wild, 2),
            prop::sample::select(
                &[
                    "*/*",
                    "text/plain",
                    "multipart/form-data",
                    "application/problem+json",
                ][..],
            )
            .boxed(),
        ),
    ]);
    (
        kind,
        opt(if wild { 0.9 } else { 1.0 }, schema(wild)),
        0..8u8,
    )
        .prop_map(move |(kind, schema, more)| {
            let mut content = Map::new();
            let mut media = Map::new();
            if let Some(schema) = schema {
                media.insert("schema".into(), schema);
            }
            content.insert(kind.to_owned(), Value::Object(media));
            if wild && more == 0 {
                content.insert("text/csv".into(), json!({"schema": {"type": "string"}}));
            }
            Value::Object(content)
        })
        .boxed()
}

fn request_body(wild: bool) -> BoxedStrategy<Value> {
    pick(vec![
        (
            6,
            (
                media(wild),
                prop::option::of(any::<bool>()),
                prop::option::weighted(0.3, description()),
            )
                .prop_map(|(content, required, description)| {
                    let mut body = json!({"content": content});
                    let map = body.as_object_mut().expect("an object");
                    if let Some(required) = required {
                        map.insert("required".into(), required.into());
                    }
                    if let Some(description) = description {
                        map.insert("description".into(), description.into());
                    }
                    body
                })
                .boxed(),
        ),
        (
            1,
            any::<u8>()
                .prop_map(|i| json!({"$ref": format!("@b{i}")}))
                .boxed(),
        ),
        (
            w(wild, 1),
            prop::sample::select(vec![
                json!({"$ref": "#/components/requestBodies/Nope"}),
                json!({"content": {}}),
            ])
            .boxed(),
        ),
    ])
}

fn response(wild: bool) -> BoxedStrategy<Value> {
    pick(vec![
        (
            8,
            (description(), prop::option::weighted(0.8, media(wild)))
                .prop_map(|(description, content)| match content {
                    Some(content) => json!({"description": description, "content": content}),
                    None => json!({"description": description}),
                })
                .boxed(),
        ),
        (
            2,
            any::<u8>()
                .prop_map(|i| json!({"$ref": format!("@r{i}")}))
                .boxed(),
        ),
        (
            w(wild, 1),
            prop::sample::select(vec![
                json!({"$ref": "#/components/responses/Nope"}),
                json!({}),
            ])
            .boxed(),
        ),
    ])
}

fn responses(wild: bool) -> BoxedStrategy<Value> {
    let code = pick(vec![
        (
            10,
            prop::sample::select(
                &[
                    "200", "200", "201", "204", "207", "default", "default", "400", "404", "429",
                ][..],
            )
            .boxed(),
        ),
        (
            w(wild, 2),
            prop::sample::select(&["2XX", "4XX", "302", "100", "999", "abc", "2000"][..]).boxed(),
        ),
    ]);
    (
        prop::collection::vec((code, response(wild)), 0..3),
        response(wild),
    )
        .prop_map(move |(codes, first)| {
            let mut map = Map::new();
            if !wild {
                // At least one success.
                map.insert("200".to_owned(), first);
            }
            for (code, response) in codes {
                map.insert(code.to_owned(), response);
            }
            Value::Object(map)
        })
        .boxed()
}

fn operation_id() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(&[
            "post-/crm/v3/objects/orders/batch/upsert_upsert",
            "post-/crm/v3/objects/orders/batch/create_create",
            "get-/crm/v3/objects/orders_getPage",
            "get-/crm/v3/objects/orders/{orderId}_getById",
            "post-/crm/v3/objects/orders/search_doSearch",
            "post-/crm/v3/objects/0-3/merge_merge",
            "post-/crm/v3/objects/contacts/gdpr-delete_purge",
            "get-/crm/objects/2026-03/{objectType}/{objectId}/associations/{toObjectType}_getPage",
            "getPage", "get_page", "GetPage", "search", "merge", "type", "self", "new", "",
            "-", "_", "123", "ü", "a/b", "a-b", "with space",
        ][..])
        .prop_map(str::to_owned),
        2 => name(),
        1 => "[a-z]{1,10}(-/[a-z0-9{}/]{0,30})?(_[a-zA-Z]{1,10})?",
        1 => "[a-z]{100,140}",
    ]
    .boxed()
}

fn operation(wild: bool) -> BoxedStrategy<Value> {
    (
        opt(if wild { 0.8 } else { 1.0 }, operation_id()),
        prop::collection::vec(parameter(wild), 0..3),
        prop::option::weighted(0.5, request_body(wild)),
        responses(wild),
        prop::option::weighted(0.3, description()),
        prop::option::weighted(0.05, any::<bool>()),
        prop::option::weighted(0.05, name()),
    )
        .prop_map(
            |(operation_id, parameters, body, responses, description, deprecated, extension)| {
                let mut op = Map::new();
                if let Some(id) = operation_id {
                    op.insert("operationId".into(), id.into());
                }
                if let Some(description) = description {
                    op.insert("description".into(), description.into());
                }
                if !parameters.is_empty() {
                    op.insert("parameters".into(), parameters.into());
                }
                if let Some(body) = body {
                    op.insert("requestBody".into(), body);
                }
                op.insert("responses".into(), responses);
                if let Some(deprecated) = deprecated {
                    op.insert("deprecated".into(), deprecated.into());
                }
                if let Some(extension) = extension {
                    op.insert(format!("x-{extension}"), "yes".into());
                }
                Value::Object(op)
            },
        )
        .boxed()
}

fn path_item(wild: bool) -> BoxedStrategy<Value> {
    let method = pick(vec![
        (
            10,
            prop::sample::select(&["get", "post", "post", "put", "patch", "delete"][..]).boxed(),
        ),
        (
            1,
            prop::sample::select(&["head", "options", "trace"][..]).boxed(),
        ),
        (w(wild, 1), Just("GET").boxed()),
    ]);
    (
        prop::collection::vec((method, operation(wild)), 1..3),
        prop::option::weighted(0.15, prop::collection::vec(parameter(wild), 1..3)),
    )
        .prop_map(|(operations, parameters)| {
            let mut item = Map::new();
            if let Some(parameters) = parameters {
                item.insert("parameters".into(), parameters.into());
            }
            for (method, op) in operations {
                item.insert(method.to_owned(), op);
            }
            Value::Object(item)
        })
        .boxed()
}

/// Makes the path parameters of `item` agree with the `{names}` of `path`: declares the missing
/// ones at the path level, drops the undeclared ones.
fn agree_path_parameters(path: &str, item: &mut Value) {
    let names: Vec<&str> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .collect();
    let Some(item) = item.as_object_mut() else {
        return;
    };
    let is_stray = |p: &Value| {
        p.get("in").and_then(Value::as_str) == Some("path")
            && !names.contains(&p.get("name").and_then(Value::as_str).unwrap_or_default())
    };
    for (_, op) in item.iter_mut() {
        match op {
            Value::Array(params) => params.retain(|p| !is_stray(p)),
            Value::Object(op) => {
                if let Some(Value::Array(params)) = op.get_mut("parameters") {
                    params.retain(|p| !is_stray(p));
                }
            }
            _ => {}
        }
    }
    let declared: Vec<Value> = names
        .iter()
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if declared.is_empty() {
        return;
    }
    match item.get_mut("parameters") {
        Some(Value::Array(params)) => params.extend(declared),
        _ => {
            item.insert("parameters".into(), declared.into());
        }
    }
}

/// A whole document, as JSON with `$ref` placeholders resolved.
fn document(wild: bool) -> BoxedStrategy<Value> {
    let version = pick(vec![
        (20, Just("3.0.1").boxed()),
        (2, Just("3.0.3").boxed()),
        (
            w(wild, 2),
            prop::sample::select(&["3.0", "3.1.0", "2.0", "", "3.0.1 "][..]).boxed(),
        ),
    ]);
    let section = |min: usize, entry: BoxedStrategy<Value>| {
        prop::collection::vec((name(), entry), min..min + 2)
    };
    let min = usize::from(!wild);
    (
        (version, name(), name()),
        prop::collection::vec((name(), schema(wild)), 0..6),
        prop::collection::vec((path(wild), path_item(wild)), 1..5),
        section(min, parameter(wild)),
        section(min, request_body(wild)),
        section(min, response(wild)),
        (0..30u8, 0..20u8, prop::option::weighted(0.05, name())),
    )
        .prop_map(
            move |(
                (version, title, doc_version),
                schemas,
                paths,
                parameters,
                bodies,
                responses,
                (odd, odd2, extension),
            )| {
                let mut doc = Map::new();
                if !(wild && odd == 0) {
                    doc.insert("openapi".into(), version.into());
                }
                if !(wild && odd == 1) {
                    doc.insert("info".into(), json!({"title": title, "version": doc_version}));
                }
                if odd2 == 0 {
                    doc.insert("servers".into(), json!([{"url": "https://api.hubapi.com"}]));
                }
                let mut path_map = Map::new();
                for (path, mut item) in paths {
                    if !wild {
                        agree_path_parameters(&path, &mut item);
                    }
                    path_map.insert(path, item);
                }
                if !(wild && odd == 2) {
                    doc.insert("paths".into(), path_map.into());
                }
                let mut components = Map::new();
                // Tame documents number their schemas, so that few collide after case
                // conversion.
                let schemas = schemas
                    .into_iter()
                    .enumerate()
                    .map(|(i, (name, schema))| match i {
                        0 => (name, schema),
                        _ if wild => (name, schema),
                        _ => (format!("{name}{i}"), schema),
                    });
                // Tame documents have no reference to a reference.
                let section = |entries: Vec<(String, Value)>| {
                    Value::Object(
                        entries
                            .into_iter()
                            .filter(|(_, v)| wild || v.get("$ref").is_none())
                            .collect::<Map<_, _>>(),
                    )
                };
                components.insert("schemas".into(), Value::Object(schemas.collect()));
                components.insert("parameters".into(), section(parameters));
                components.insert("requestBodies".into(), section(bodies));
                components.insert("responses".into(), section(responses));
                if odd2 == 1 {
                    components.insert(
                        "securitySchemes".into(),
                        json!({
                            "oauth2": {"type": "oauth2", "flows": {}},
                            "private_apps": {"type": "apiKey", "in": "header", "name": "private-app"},
                        }),
                    );
                    doc.insert(
                        "security".into(),
                        (0..120)
                            .map(|i| json!({format!("s{i}"): []}))
                            .collect::<Vec<_>>()
                            .into(),
                    );
                }
                doc.insert("components".into(), components.into());
                if let Some(extension) = extension {
                    doc.insert(
                        format!("x-{extension}"),
                        json!({"nested": {"$ref": "#/nowhere"}}),
                    );
                }
                let mut doc = Value::Object(doc);
                resolve_placeholders(&mut doc);
                doc
            },
        )
        .boxed()
}

/// Replaces `$ref: "@sN"` (and `@p`, `@b`, `@r`) by a reference to the Nth component of that
/// section (modulo), or to a missing one when the section is empty. Outside schemas, only
/// entries that are not references themselves are pointed at.
fn resolve_placeholders(doc: &mut Value) {
    let keys = |section: &str| -> Vec<String> {
        doc.pointer(&format!("/components/{section}"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| section == "schemas" || v.get("$ref").is_none())
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let sections = [
        ('s', "schemas", keys("schemas")),
        ('p', "parameters", keys("parameters")),
        ('b', "requestBodies", keys("requestBodies")),
        ('r', "responses", keys("responses")),
    ];
    fn walk(value: &mut Value, sections: &[(char, &str, Vec<String>)]) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get_mut("$ref")
                    && let Some(rest) = reference.strip_prefix('@')
                {
                    let mut chars = rest.chars();
                    let kind = chars.next().unwrap_or('s');
                    let n: usize = chars.as_str().parse().unwrap_or(0);
                    if let Some((_, section, keys)) = sections.iter().find(|(k, ..)| *k == kind) {
                        *reference = if keys.is_empty() {
                            format!("#/components/{section}/Missing")
                        } else {
                            let key = &keys[n % keys.len()];
                            format!(
                                "#/components/{section}/{}",
                                key.replace('~', "~0").replace('/', "~1")
                            )
                        };
                    }
                }
                for v in map.values_mut() {
                    walk(v, sections);
                }
            }
            Value::Array(items) => {
                for v in items {
                    walk(v, sections);
                }
            }
            _ => {}
        }
    }
    walk(doc, &sections);
}

// ---------------------------------------------------------------------------------------------
// Mutations of spec/orders.yaml

fn orders() -> Value {
    generator::load::parse(ORDERS, Syntax::Yaml)
        .expect("spec/orders.yaml parses")
        .0
}

/// Small JSON, biased towards OpenAPI's vocabulary.
fn json_value() -> BoxedStrategy<Value> {
    let word = prop::sample::select(
        &[
            "string",
            "integer",
            "number",
            "boolean",
            "object",
            "array",
            "null",
            "date-time",
            "int32",
            "int64",
            "uuid",
            "#/components/schemas/Error",
            "#/components/schemas/",
            "#/components/schemas/SimplePublicObject",
            "#/components/responses/Error",
            "#/components/parameters/x",
            "#/",
            "",
            "3.0.1",
            "3.1.0",
            "application/json",
            "query",
            "path",
            "header",
            "default",
            "200",
            "207",
        ][..],
    )
    .prop_map(Value::from);
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        3 => word,
        2 => name().prop_map(Value::from),
    ];
    let key = prop_oneof![
        3 => prop::sample::select(&[
            "type", "$ref", "properties", "items", "required", "enum", "allOf", "oneOf", "anyOf",
            "nullable", "additionalProperties", "format", "schema", "content", "in", "name",
            "operationId", "responses", "requestBody", "parameters", "discriminator", "x-foo",
            "description", "200", "default", "application/json",
        ][..])
        .prop_map(str::to_owned),
        1 => name(),
    ];
    leaf.prop_recursive(3, 16, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
    .boxed()
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index),
    Replace(Index, Value),
    Rename(Index, String),
    SwapType(Index),
    Copy { from: Index, to: Index },
}

fn any_mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        3 => any::<Index>().prop_map(Mutation::Delete),
        3 => (any::<Index>(), json_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        2 => (any::<Index>(), name()).prop_map(|(i, n)| Mutation::Rename(i, n)),
        2 => any::<Index>().prop_map(Mutation::SwapType),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(from, to)| Mutation::Copy { from, to }),
    ]
    .boxed()
}

/// The JSON pointers of every node but the root, in document order.
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        _ => {}
    }
}

fn split_pointer(pointer: &str) -> (String, String) {
    let cut = pointer.rfind('/').unwrap_or(0);
    let token = pointer[cut + 1..].replace("~1", "/").replace("~0", "~");
    (pointer[..cut].to_owned(), token)
}

fn apply(doc: &mut Value, mutation: &Mutation) {
    let mut all = Vec::new();
    pointers(doc, "", &mut all);
    if all.is_empty() {
        return;
    }
    let pick = |i: &Index| all[i.index(all.len())].clone();
    match mutation {
        Mutation::Delete(i) => {
            let (parent, token) = split_pointer(&pick(i));
            match doc.pointer_mut(&parent) {
                Some(Value::Object(map)) => {
                    map.shift_remove(&token);
                }
                Some(Value::Array(items)) => {
                    if let Ok(n) = token.parse::<usize>()
                        && n < items.len()
                    {
                        items.remove(n);
                    }
                }
                _ => {}
            }
        }
        Mutation::Replace(i, v) => {
            if let Some(node) = doc.pointer_mut(&pick(i)) {
                *node = v.clone();
            }
        }
        Mutation::Rename(i, new) => {
            let (parent, token) = split_pointer(&pick(i));
            if let Some(Value::Object(map)) = doc.pointer_mut(&parent) {
                // Renamed in place: the key keeps its position (a clash drops the later entry).
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| if k == token { (new.clone(), v) } else { (k, v) })
                    .collect();
            }
        }
        Mutation::SwapType(i) => {
            if let Some(node) = doc.pointer_mut(&pick(i)) {
                *node = match std::mem::take(node) {
                    Value::Object(map) => Value::Array(map.into_iter().map(|(_, v)| v).collect()),
                    Value::Array(items) => Value::Object(
                        items
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (i.to_string(), v))
                            .collect(),
                    ),
                    Value::String(s) => s
                        .parse::<i64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| json!([s])),
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::Bool(b) => Value::String(b.to_string()),
                    Value::Null => json!({}),
                };
            }
        }
        Mutation::Copy { from, to } => {
            let source = doc.pointer(&pick(from)).cloned();
            if let (Some(source), Some(node)) = (source, doc.pointer_mut(&pick(to))) {
                *node = source;
            }
        }
    }
}

/// A cut-and-splice of a text: `text[..a] + insert + text[b..]`, on char boundaries.
fn splice(text: &str, at: &Index, len: u8, insert: &str) -> String {
    let mut a = at.index(text.len() + 1);
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = (a + usize::from(len)).min(text.len());
    while !text.is_char_boundary(b) {
        b += 1;
    }
    format!("{}{insert}{}", &text[..a], &text[b..])
}

fn mutated_orders() -> BoxedStrategy<Input> {
    let base = Arc::new(orders());
    let yaml_tokens = prop::sample::select(
        &[
            "",
            "\n",
            "  ",
            "- ",
            ": ",
            "{",
            "}",
            "[",
            "]",
            "'",
            "\"",
            "#",
            "&a ",
            "*a",
            "!!str ",
            "<<: *a\n",
            "\t",
            "\u{feff}",
            "? ",
            "|\n",
            ">-\n",
            "---\n",
            "...\n",
            "%YAML 1.2\n",
        ][..],
    )
    .prop_map(str::to_owned);
    let tree = {
        let base = Arc::clone(&base);
        (
            prop::collection::vec(any_mutation(), 1..5),
            syntax(),
            any::<bool>(),
        )
            .prop_map(move |(mutations, syntax, pretty)| {
                let mut doc = (*base).clone();
                for m in &mutations {
                    apply(&mut doc, m);
                }
                render(&doc, syntax, pretty)
            })
    };
    let text = (
        any::<Index>(),
        any::<u8>(),
        prop_oneof![yaml_tokens, name()],
        syntax(),
    )
        .prop_map(move |(at, len, insert, syntax)| {
            let text = match syntax {
                Syntax::Yaml => splice(ORDERS, &at, len, &insert),
                Syntax::Json => {
                    let json = serde_json::to_string_pretty(&*base).expect("JSON");
                    splice(&json, &at, len, &insert)
                }
            };
            Input { syntax, text }
        });
    prop_oneof![4 => tree, 1 => text].boxed()
}

// ---------------------------------------------------------------------------------------------
// Arbitrary text

fn arbitrary_text() -> BoxedStrategy<Input> {
    let token = prop::sample::select(
        &[
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "\"openapi\"",
            "\"3.0.1\"",
            "openapi: 3.0.1\n",
            "paths:\n",
            "  /a:\n",
            "    get:\n",
            "responses:",
            "'200':",
            "$ref: '#/components/schemas/A'",
            "components:\n",
            "schemas:\n",
            "  A: ",
            "type: object",
            "\n",
            "  ",
            "- ",
            "&a ",
            "*a",
            "<<: *a",
            "!!binary ",
            "!!int ",
            "!Tag ",
            "? ",
            "|",
            ">",
            "---",
            "...",
            "null",
            "~",
            "true",
            "1e999",
            "-0",
            "0x1F",
            ".inf",
            ".nan",
            "\"\\u0000\"",
            "\"\\ud800\"",
            "'",
            "#",
            "%TAG ! tag:x,2000:\n",
            "\t",
            "\r\n",
        ][..],
    );
    prop_oneof![
        1 => (prop::collection::vec(any::<u8>(), 0..256), syntax())
            .prop_map(|(bytes, syntax)| Input { syntax, text: String::from_utf8_lossy(&bytes).into_owned() }),
        1 => (any::<String>(), syntax()).prop_map(|(text, syntax)| Input { syntax, text }),
        2 => (prop::collection::vec(token, 0..60), syntax())
            .prop_map(|(tokens, syntax)| Input { syntax, text: tokens.concat() }),
        1 => (json_value(), syntax(), any::<bool>()).prop_map(|(v, syntax, pretty)| render(&v, syntax, pretty)),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// The targets

#[test]
fn grammar() {
    fuzz(
        "grammar",
        0,
        1.0,
        (
            prop_oneof![3 => document(false), 1 => document(true)],
            syntax(),
            any::<bool>(),
        )
            .prop_map(|(doc, syntax, pretty)| render(&doc, syntax, pretty)),
    );
}

#[test]
fn mutation() {
    fuzz("mutation", 1, 1.0, mutated_orders());
}

#[test]
fn bytes() {
    fuzz("bytes", 2, 0.2, arbitrary_text());
}

/// The documents `grammar` would try first (tame ones, from its own stream of the seed).
fn tame_documents() -> impl Strategy<Value = Input> {
    (document(false), syntax(), any::<bool>())
        .prop_map(|(doc, syntax, pretty)| render(&doc, syntax, pretty))
}

/// `cargo check` of the code generated from a sample of accepted documents: what "it parses"
/// cannot tell (a derive a field's type does not support, a name the runtime already uses, a
/// type in the wrong module). Each document becomes a crate of a scratch workspace on the real
/// runtime crate (`runtime/`), laid out as the family crate is; a batch of
/// crates is one `cargo check`, sharing the workspace's compiled dependencies (same lock file,
/// same profile, same target directory), so a batch costs seconds.
///
/// `FUZZ_COMPILE_CASES` (default 8) documents, `FUZZ_COMPILE_BATCH` (default 8) a check;
/// `FUZZ_COMPILE_CASES=0` skips it.
#[test]
fn accepted_documents_compile() {
    let wanted: usize = env_or("FUZZ_COMPILE_CASES", 8);
    let batch: usize = env_or("FUZZ_COMPILE_BATCH", 8).max(1);
    let seed: u64 = env_or("FUZZ_SEED", 0x00DD_BA11_5EED);
    if wanted == 0 {
        return;
    }
    let started = Instant::now();
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8] = 3;
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = tame_documents();
    let mut accepted: Vec<(Input, generator::Generated)> = Vec::new();
    let mut tries = 0;
    while accepted.len() < wanted && tries < 200 * wanted {
        tries += 1;
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let input = tree.current();
        if let Ok(generated) = generator::generate_from_text(&input.text, input.syntax) {
            accepted.push((input, generated));
        }
    }
    assert!(
        accepted.len() == wanted,
        "only {} of {tries} documents were accepted",
        accepted.len()
    );

    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("generator/ sits in the workspace")
        .to_path_buf();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let mut checked = 0;
    for (number, chunk) in accepted.chunks(batch).enumerate() {
        let dir = tempfile::tempdir().expect("a scratch directory");
        write_scratch_workspace(dir.path(), &root, chunk);
        let output = std::process::Command::new(env!("CARGO"))
            .args([
                "check",
                "--offline",
                "--workspace",
                "--quiet",
                "--message-format",
                "short",
            ])
            .current_dir(dir.path())
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("cargo runs");
        if !output.status.success() {
            let errors = String::from_utf8_lossy(&output.stderr);
            // The documents of the batch, so a failure can be reproduced one by one.
            let docs: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(i, (input, _))| format!("c{i}: {input:?}"))
                .collect();
            panic!(
                "batch {number}: generated code does not compile (FUZZ_SEED={seed}):\n{errors}\n{}",
                docs.join("\n")
            );
        }
        checked += chunk.len();
    }
    eprintln!(
        "fuzz compile: {checked} accepted documents compiled in {} batches, {:.1} s (FUZZ_SEED={seed})",
        checked.div_ceil(batch),
        started.elapsed().as_secs_f64()
    );
}

/// A workspace of one crate a document, each laid out like the family crate: the generated
/// files, a `lib.rs` that re-exports them and the runtime, and the family crate's dependencies
/// (the runtime crate by path).
fn write_scratch_workspace(dir: &Path, root: &Path, documents: &[(Input, generator::Generated)]) {
    let manifest =
        std::fs::read_to_string(root.join("Cargo.toml")).expect("the workspace manifest");
    let family = std::fs::read_to_string(root.join("tests/family/Cargo.toml"))
        .expect("the family crate's manifest");
    // The family crate's dependency lines, kept as written (`name.workspace = true` or
    // `name = { workspace = true, features = [...] }`), and the names they declare.
    let dependency_lines: Vec<&str> = family
        .lines()
        .skip_while(|l| l.trim() != "[dependencies]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| l.contains("workspace = true"))
        .collect();
    let deps: Vec<String> = dependency_lines
        .iter()
        .filter_map(|l| l.split(['.', ' ', '=']).next().map(str::to_owned))
        .collect();
    assert!(
        ["hubspot-runtime", "serde", "serde_json"]
            .iter()
            .all(|name| deps.iter().any(|d| d == name)),
        "the generated code's dependencies were not all found in tests/family/Cargo.toml: {deps:?}"
    );
    // Their versions as the workspace declares them; the runtime by its absolute path.
    let runtime = root.join("runtime");
    let dependencies: String = manifest
        .lines()
        .filter(|l| deps.iter().any(|d| l.starts_with(&format!("{d} "))))
        .map(|l| {
            if l.starts_with("hubspot-runtime ") {
                format!(
                    "hubspot-runtime = {{ path = {:?} }}\n",
                    runtime.display().to_string()
                )
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let members: Vec<String> = (0..documents.len()).map(|i| format!("\"c{i}\"")).collect();
    let workspace = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[workspace.dependencies]\n{dependencies}\n\
         [profile.dev.package.\"*\"]\ndebug = false\n",
        members.join(", ")
    );
    std::fs::write(dir.join("Cargo.toml"), workspace).expect("scratch manifest");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("the lock file");
    for (i, (_, generated)) in documents.iter().enumerate() {
        let krate = dir.join(format!("c{i}"));
        std::fs::create_dir_all(krate.join("src")).expect("crate directory");
        let deps = dependency_lines
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>();
        std::fs::write(
            krate.join("Cargo.toml"),
            format!("[package]\nname = \"c{i}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{deps}"),
        )
        .expect("crate manifest");
        std::fs::write(
            krate.join("src/lib.rs"),
            "mod generated;\npub use generated::*;\npub use hubspot_runtime::*;\n",
        )
        .expect("lib.rs");
        for file in &generated.files {
            let path = krate.join(&file.path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("directory");
            std::fs::write(path, &file.contents).expect("generated file");
        }
    }
}

/// `FUZZ_REPLAY=path/to/doc.json` (or `.yaml`): runs one document through the property, to
/// reproduce a failure or a crash written by `FUZZ_TRACE`.
#[test]
fn replay() {
    let Some(path) = std::env::var_os("FUZZ_REPLAY").map(std::path::PathBuf::from) else {
        return;
    };
    let syntax = Syntax::of(&path).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Err(e) = check(&Input { syntax, text }) {
        panic!("{e}");
    }
}

/// The property holds for the unmodified spec, and it is accepted: the baseline of `mutation`.
#[test]
fn orders_spec_is_accepted() {
    for syntax in [Syntax::Json, Syntax::Yaml] {
        let input = render(&orders(), syntax, true);
        assert_eq!(check(&input).map_err(|e| e.to_string()), Ok(true));
    }
}

// ---------------------------------------------------------------------------------------------
// Regression cases: inputs that once crashed the generator (names are cleaned to ASCII now).

fn regression(syntax: Syntax, text: &str) {
    let input = Input {
        syntax,
        text: text.to_owned(),
    };
    if let Err(e) = check(&input) {
        panic!("{e}\n{input:?}");
    }
}

/// A component schema that is a `$ref` with a description beside it: the alias's doc is that
/// description, verbatim (the oracle found it replaced by a generic sentence).
#[test]
fn found_the_description_beside_a_component_ref_is_its_doc() {
    regression(
        Syntax::Yaml,
        &with_property("a").replace(
            "components:\n  schemas:\n",
            "components:\n  schemas:\n    B:\n      $ref: '#/components/schemas/A'\n      description: '*/ fn evil() {} /*'\n",
        ),
    );
}

/// A document with one schema `A` whose one property is named `property`, used by one operation.
fn with_property(property: &str) -> String {
    let property = serde_json::to_string(property).expect("a JSON string");
    format!(
        "openapi: 3.0.1\ninfo: {{title: t, version: v}}\npaths:\n  /things:\n    post:\n      operationId: create\n      requestBody:\n        content:\n          application/json:\n            schema: {{$ref: '#/components/schemas/A'}}\n      responses:\n        '204': {{description: done}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        {property}: {{type: string}}\n"
    )
}

#[test]
fn crash_name_starts_with_a_combining_mark() {
    regression(Syntax::Yaml, &with_property("ொ"));
}

#[test]
fn crash_name_with_a_superscript_digit() {
    regression(Syntax::Yaml, &with_property("a²"));
}

#[test]
fn crash_name_starts_with_a_non_ascii_digit() {
    regression(Syntax::Yaml, &with_property("١٢"));
}

/// A document whose schema `A` has the property `b: {allOf: [{$ref: A}, {…}]}`.
const ALL_OF_OWN_PARENT: &str = "\
openapi: 3.0.1
info: {title: t, version: v}
paths:
  /things:
    post:
      operationId: create
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/A'}
      responses:
        '204': {description: done}
components:
  schemas:
    A:
      type: object
      properties:
        b:
          allOf:
            - $ref: '#/components/schemas/A'
            - {type: object, properties: {c: {type: string}}}
";

#[test]

fn crash_all_of_that_includes_its_parent() {
    regression(Syntax::Yaml, ALL_OF_OWN_PARENT);
}

/// A schema nested `depth` arrays deep.
fn nested_arrays(depth: usize) -> String {
    let mut schema = json!({"type": "string"});
    for _ in 0..depth {
        schema = json!({"type": "array", "items": schema});
    }
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "v"},
        "paths": {"/things": {"post": {
            "operationId": "create",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
            "responses": {"204": {"description": "done"}},
        }}},
        "components": {"schemas": {"A": {"type": "object", "properties": {"x": schema}}}},
    });
    serde_json::to_string(&doc).expect("JSON")
}

#[test]

fn crash_deeply_nested_schemas() {
    regression(Syntax::Json, &nested_arrays(62));
}

#[test]

fn crash_version_with_a_newline() {
    regression(
        Syntax::Json,
        r#"{"openapi": "3.0.1", "info": {"title": "t", "version": "v1\nfn injected() {}"},
            "paths": {"/things": {"get": {"operationId": "list", "responses": {"200": {"description": "ok"}}}}}}"#,
    );
}
