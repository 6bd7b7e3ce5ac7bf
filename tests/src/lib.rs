//! Support code shared by the workspace-level tests in `tests/tests/`.
//!
//! - [`assert_fresh`]: the freshness check of a generated crate, the same check as
//!   `cargo xtask codegen --check` makes of it: every file its documents produce is there with
//!   the same contents, and no generated file is left over that they no longer produce.
//!
//! - [`prism`]: installs and runs Stoplight Prism, the third-party mock server and validating
//!   proxy that the contract suite (`tests/tests/contract.rs`) checks the generated client against.

pub mod prism;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A crate that `cargo xtask codegen` writes when run without arguments: its directory and the
/// directory of its documents, both relative to the workspace root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratedCrate {
    /// The crate's directory (`src/generated/` is written under it).
    pub out: &'static str,
    /// The directory whose every document is one module of the crate.
    pub documents: &'static str,
}

/// The crates of the default `cargo xtask codegen` run, in its order: the client applications
/// use, from `spec/`, and the test crate of our own documents, from `tests/family/spec/`.
pub const GENERATED_CRATES: &[GeneratedCrate] = &[
    GeneratedCrate {
        out: "generated",
        documents: "spec",
    },
    GeneratedCrate {
        out: "tests/family",
        documents: "tests/family/spec",
    },
];

/// The workspace root: the parent of this crate's folder.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.join(".."), Path::to_path_buf)
}

/// The crate of [`GENERATED_CRATES`] written into `out` (relative to the root).
///
/// # Panics
///
/// When no crate of the default run is written there.
pub fn generated_crate(out: &str) -> GeneratedCrate {
    GENERATED_CRATES
        .iter()
        .copied()
        .find(|c| c.out == out)
        .unwrap_or_else(|| {
            panic!("`cargo xtask codegen` writes no crate into {out}: see GENERATED_CRATES")
        })
}

/// The documents of the crate in `out`, as `cargo xtask codegen` reads them
/// ([`generator::Source::all_in`] of its documents' directory).
///
/// # Panics
///
/// When the directory cannot be read, holds no document, or a file name makes no module.
pub fn sources(out: &str) -> Vec<generator::Source> {
    let dir = workspace_root().join(generated_crate(out).documents);
    generator::Source::all_in(&dir).unwrap_or_else(|e| panic!("{e}"))
}

/// What the generator makes of the crate in `out` (relative to the root) from its documents
/// ([`sources`]).
///
/// # Panics
///
/// When a document or catalog fails to generate; the message names it.
pub fn generate(out: &str) -> generator::Generated {
    generator::generate_crate(&sources(out)).unwrap_or_else(|e| panic!("generating {out}: {e}"))
}

/// [`generate`], once per crate of [`GENERATED_CRATES`] for the whole test binary: the tests
/// that read the output share one run.
///
/// # Panics
///
/// As [`generate`] and [`generated_crate`] do.
pub fn generated(out: &str) -> &'static generator::Generated {
    static CRATES: [std::sync::OnceLock<generator::Generated>; GENERATED_CRATES.len()] =
        [const { std::sync::OnceLock::new() }; GENERATED_CRATES.len()];
    let index = GENERATED_CRATES
        .iter()
        .position(|c| c.out == out)
        .unwrap_or_else(|| {
            panic!("`cargo xtask codegen` writes no crate into {out}: see GENERATED_CRATES")
        });
    CRATES[index].get_or_init(|| generate(out))
}

/// The files under the crate directory `dir` that differ from `generated`, as
/// `cargo xtask codegen --check` finds them: each file `generated` holds that is missing or has
/// other contents, and each generated file (by its `@generated` header, or an API manifest)
/// under `src/generated/` that `generated` no longer holds. Full paths, nothing written.
///
/// # Panics
///
/// When a file cannot be read.
pub fn stale_files(dir: &Path, generated: &generator::Generated) -> Vec<PathBuf> {
    generator::write::apply(dir, &generated.files, generator::WriteMode::Check)
        .unwrap_or_else(|e| panic!("checking {}: {e}", dir.display()))
}

/// Panics, naming each stale or leftover file ([`stale_files`]) and the command that fixes
/// them, when the generated files of the crate in `out` (relative to the root) differ from what
/// its documents produce.
pub fn assert_fresh(out: &str) {
    let stale = stale_files(&workspace_root().join(out), generated(out));
    assert!(
        stale.is_empty(),
        "{out} is stale ({stale:?}); run `cargo xtask codegen` and commit the result"
    );
}

/// The binary of the example program `name` (of the `examples` package), built once for the
/// profile of the test binary that asks (`target/<profile>/examples/<name>`), so tests can run
/// it as a user would: a child process, its exit status, its output, signals.
///
/// # Panics
///
/// When the example cannot be built.
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<BTreeMap<String, PathBuf>> =
        std::sync::Mutex::new(BTreeMap::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/this-test
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let release = profile_dir.file_name().is_some_and(|dir| dir == "release");
    let mut build = std::process::Command::new(env!("CARGO"));
    build.current_dir(workspace_root()).args([
        "build",
        "--quiet",
        "-p",
        "examples",
        "--example",
        name,
    ]);
    if release {
        build.arg("--release");
    }
    match build.status() {
        Ok(status) if status.success() => {}
        other => panic!("cannot build the {name} example: {other:?}"),
    }
    let path = profile_dir.join("examples").join(name);
    built.insert(name.to_owned(), path.clone());
    path
}
