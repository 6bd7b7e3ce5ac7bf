//! Support code shared by the workspace-level tests in `tests/tests/`.
//!
//! - [`assert_fresh`]: the freshness check of a generated crate.
//!
//! - [`prism`]: installs and runs Stoplight Prism, the third-party mock server and validating
//!   proxy that the contract suite (`tests/tests/contract.rs`) checks the generated client against.

pub mod prism;

use std::path::{Path, PathBuf};

/// The workspace root: the parent of this crate's folder.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.join(".."), Path::to_path_buf)
}

/// Panics, naming each stale file and the command that fixes it, when the generated files
/// under `out` differ from what the document `spec` (and the property catalog beside it, if
/// any) produces (both relative to the root).
pub fn assert_fresh(spec: &str, out: &str) {
    let root = workspace_root();
    let mut generated = generator::generate(&root.join(spec))
        .unwrap_or_else(|e| panic!("generating from {spec}: {e}"));
    // The property catalog beside the document, when there is one (`cargo xtask codegen`
    // reads it too).
    if let Some(catalog) = generator::properties::beside(&root.join(spec)) {
        generator::properties::add(&mut generated, &catalog)
            .unwrap_or_else(|e| panic!("generating from {}: {e}", catalog.display()));
    }
    let stale = generator::write::apply(
        &root.join(out),
        &generated.files,
        generator::WriteMode::Check,
    )
    .unwrap_or_else(|e| panic!("checking {out}: {e}"));
    assert!(
        stale.is_empty(),
        "{out} is stale ({stale:?}); run `cargo xtask codegen` and commit the result"
    );
}
