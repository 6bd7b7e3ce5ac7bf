//! `cargo xtask api-diff` and the summary line of `cargo xtask codegen`, through the real binary:
//! exit status 0 when nothing breaks, 3 when something does, 1 on an error, 2 on a usage error.

use std::path::{Path, PathBuf};

mod support;

use support::{path, stderr, stdout, xtask};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits in the workspace")
        .to_path_buf()
}

/// The two versions of the orders document the generator's diff tests use.
fn orders(version: u8) -> PathBuf {
    root().join(format!("generator/tests/api_diff/orders-v{version}.yaml"))
}

#[test]
fn a_breaking_update_exits_with_3_and_lists_what_breaks() {
    let output = xtask(&[
        "api-diff",
        "--old",
        path(&orders(1)),
        "--new",
        path(&orders(2)),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.starts_with("## API changes"), "{report}");
    assert!(
        report.contains("- **breaking** `Filter.value`: became required"),
        "{report}"
    );
    assert!(report.contains("77 description-only changes"), "{report}");
}

#[test]
fn the_same_api_exits_with_0() {
    let output = xtask(&[
        "api-diff",
        "--old",
        path(&orders(1)),
        "--new",
        path(&orders(1)),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("No API change. 0 description-only changes"));
}

#[test]
fn a_compatible_update_exits_with_0_and_lists_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = std::fs::read_to_string(orders(1)).expect("orders-v1.yaml");
    let added = text.replacen(
        "components:\n",
        "  /crm/v3/objects/orders/merge:
    post:
      operationId: post-/crm/v3/objects/orders/merge
      description: Merges two orders.
      responses:
        '200':
          description: The merged order.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/SimplePublicObject'}
components:\n",
        1,
    );
    let new = dir.path().join("orders.yaml");
    std::fs::write(&new, added).expect("the new document is written");
    let output = xtask(&["api-diff", "--old", path(&orders(1)), "--new", path(&new)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("- compatible `Client::merge`: added: POST"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn json_carries_the_counts_and_each_change() {
    let output = xtask(&[
        "api-diff",
        "--json",
        "--old",
        path(&orders(1)),
        "--new",
        path(&orders(2)),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let text = stdout(&output);
    for part in [
        "\"breaking\": 1",
        "\"compatible\": 2",
        "\"descriptions\": 77",
        "\"kind\": \"value-added\"",
        "\"item\": \"SimplePublicObjectInput.object_write_trace_id\"",
    ] {
        assert!(text.contains(part), "{part} is missing from {text}");
    }
}

#[test]
fn base_reads_the_same_file_at_a_git_revision() {
    // The new document is in the repository: the old one is that file as HEAD holds it.
    let output = xtask(&["api-diff", "--base", "HEAD", "--new", path(&orders(1))]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("No API change"),
        "{}",
        stdout(&output)
    );

    let output = xtask(&["api-diff", "--base", "no-such-revision"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("no-such-revision:spec/orders.yaml") && message.contains("--old PATH"),
        "{message}"
    );
}

#[test]
fn a_document_that_cannot_be_read_exits_with_1_naming_it() {
    let output = xtask(&[
        "api-diff",
        "--old",
        "/no/such/orders.yaml",
        "--new",
        path(&orders(1)),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("/no/such/orders.yaml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        &["api-diff", "--base", "HEAD", "--old", "a.yaml"][..],
        &["api-diff", "--bogus"][..],
        &["api-diff", "--new"][..],
    ] {
        let output = xtask(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let help = xtask(&["api-diff", "--help"]);
    assert_eq!(help.status.code(), Some(0), "{}", stderr(&help));
    assert!(stdout(&help).contains("Exit status: 0 when no change breaks"));
    assert!(stderr(&help).is_empty(), "{}", stderr(&help));
}

#[test]
fn a_reader_that_stops_reading_is_no_panic() {
    use std::process::{Command, Stdio};
    // `api-diff --json | true`: the reader is gone before the report is written (reading the
    // two documents takes the child far longer than closing the pipe takes here).
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "api-diff",
            "--json",
            "--old",
            path(&orders(1)),
            "--new",
            path(&orders(2)),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xtask starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("xtask ends");
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(!errors.contains("panicked"), "{errors}");
    // 3: the report between these versions lists breaking changes, as when read to the end.
    assert_eq!(output.status.code(), Some(3), "{errors}");
}

/// `version` of the orders test document copied to `dir/orders.yaml`: each version is the
/// module `orders`, as a downloaded update replacing the file would be.
fn orders_as_module(dir: &Path, version: u8) -> PathBuf {
    let spec = dir.join("orders.yaml");
    std::fs::copy(orders(version), &spec).expect("the document copied");
    spec
}

#[test]
fn codegen_ends_with_the_summary_against_the_manifest_it_replaces() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("out");
    let codegen = |spec: &Path, extra: &[&str]| {
        let mut args = vec!["codegen", "--spec", path(spec), "--out", path(&out)];
        args.extend(extra);
        xtask(&args)
    };

    let first = codegen(&orders_as_module(dir.path(), 1), &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(
        stderr(&first).lines().last(),
        Some("API: 1 document(s) without an API manifest to compare with")
    );
    assert!(out.join("src/generated/orders/api.json").is_file());

    let update = codegen(&orders_as_module(dir.path(), 2), &[]);
    assert!(update.status.success(), "{}", stderr(&update));
    let last = stderr(&update).lines().last().map(str::to_owned);
    let expected = format!(
        "API: {} (orders): 1 breaking, 2 compatible, 77 description-only changes (breaking: `cargo xtask api-diff` lists what breaks)",
        out.display()
    );
    assert_eq!(last.as_deref(), Some(expected.as_str()));

    let again = codegen(&orders_as_module(dir.path(), 2), &[]);
    assert_eq!(
        stderr(&again).lines().last(),
        Some("API: 1 document(s) unchanged"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn check_covers_the_api_manifest() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("out");
    let spec = orders_as_module(dir.path(), 1);
    let run = |extra: &[&str]| {
        let mut args = vec!["codegen", "--spec", path(&spec), "--out", path(&out)];
        args.extend(extra);
        xtask(&args)
    };
    assert!(run(&[]).status.success());
    let manifest = out.join("src/generated/orders/api.json");
    let text = std::fs::read_to_string(&manifest).expect("the manifest");
    std::fs::write(&manifest, text.replacen("\"v3\"", "\"v2\"", 1)).expect("edited");
    let check = run(&["--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains(&format!("stale: {}", manifest.display())),
        "{}",
        stderr(&check)
    );
}
