//! `cargo xtask codegen` on bad input, through the real binary: every failure exits with status 1
//! and says which file, where in it and what is wrong, and leaves the output directory exactly as
//! it was (same files, same bytes, no temporary file left behind). Usage errors exit with 2.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

mod support;

use support::{path, stderr, stdout, xtask};

fn orders() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/orders.yaml")
}

/// Every file under `dir` (hidden ones included) with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(at) = todo.pop() {
        for entry in std::fs::read_dir(&at).expect("a readable directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("a readable file");
                files.insert(path.strip_prefix(dir).expect("under dir").to_owned(), bytes);
            }
        }
    }
    files
}

/// A temporary directory with an output crate generated from spec/orders.yaml, as a previous run
/// leaves it.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let workspace = Workspace { dir };
        let output = xtask(&[
            "codegen",
            "--spec",
            path(&orders()),
            "--out",
            path(&workspace.out()),
        ]);
        assert!(
            output.status.success(),
            "the baseline run fails: {}",
            stderr(&output)
        );
        assert!(
            workspace
                .out()
                .join("src/generated/orders/types.rs")
                .is_file(),
            "{:?}",
            contents(&workspace.out()).keys()
        );
        workspace
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Writes a document named `name` beside the output directory.
    fn spec(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("the document is written");
        path
    }

    /// Runs `codegen` on spec/orders.yaml with the property catalog `catalog`, into the output
    /// directory.
    fn codegen_with_catalog(&self, catalog: &Path) -> Output {
        xtask(&[
            "codegen",
            "--spec",
            path(&orders()),
            "--properties",
            path(catalog),
            "--out",
            path(&self.out()),
        ])
    }

    /// Runs `codegen --spec SPEC --out OUT`, expects status 1, and checks that the output
    /// directory did not change. Returns stderr.
    fn fails(&self, spec: &Path) -> String {
        let before = contents(&self.out());
        let output = xtask(&["codegen", "--spec", path(spec), "--out", path(&self.out())]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "stderr: {message}");
        let after = contents(&self.out());
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "files were added or removed; stderr: {message}"
        );
        assert!(before == after, "a file changed; stderr: {message}");
        assert!(
            message.contains(path(spec)),
            "stderr does not name {}: {message}",
            spec.display()
        );
        message
    }
}

fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "stderr lacks {part:?}: {message}");
    }
}

/// A small document: `paths` and `schemas` are YAML indented by 2.
fn doc(paths: &str, schemas: &str) -> String {
    format!(
        "openapi: 3.0.1\ninfo: {{title: Things, version: v1}}\npaths:\n{paths}components:\n  schemas:\n{schemas}"
    )
}

const THING: &str =
    "    Thing:\n      type: object\n      properties:\n        id: {type: string}\n";

#[test]
fn malformed_json_names_the_line() {
    let ws = Workspace::new();
    let spec = ws.spec(
        "bad.json",
        "{\n  \"openapi\": \"3.0.1\",\n  \"info\": {\"title\": \"t\",, \"version\": \"v\"}\n}\n",
    );
    let message = ws.fails(&spec);
    assert_mentions(
        &message,
        &[&format!("{}:3:", path(&spec)), "not valid JSON"],
    );
}

#[test]
fn malformed_yaml_names_the_line() {
    let ws = Workspace::new();
    let spec = ws.spec(
        "bad.yaml",
        "openapi: 3.0.1\ninfo:\n  title: [unclosed\n  version: v1\npaths: {}\n",
    );
    let message = ws.fails(&spec);
    assert_mentions(&message, &[&format!("{}:", path(&spec)), "not valid YAML"]);
    // A line number follows the file name.
    let after = &message[message.find(path(&spec)).expect("named") + path(&spec).len()..];
    assert!(
        after.starts_with(':') && after[1..].starts_with(|c: char| c.is_ascii_digit()),
        "no line after the file name: {message}"
    );
}

#[test]
fn a_missing_ref_target_names_the_node() {
    let ws = Workspace::new();
    let paths = "  /things:\n    get:\n      operationId: list\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Nowhere'}\n";
    let spec = ws.spec("missing-ref.yaml", &doc(paths, THING));
    let message = ws.fails(&spec);
    assert_mentions(
        &message,
        &[
            "/paths/~1things/get/responses/200/content/application~1json/schema",
            "#/components/schemas/Nowhere",
            "does not exist",
        ],
    );
}

#[test]
fn a_missing_operation_id_names_the_operation() {
    let ws = Workspace::new();
    let paths = "  /things:\n    get:\n      responses:\n        '204': {description: done}\n";
    let spec = ws.spec("no-id.yaml", &doc(paths, THING));
    let message = ws.fails(&spec);
    assert_mentions(&message, &["/paths/~1things/get", "operationId"]);
}

#[test]
fn two_operations_with_one_method_name_are_refused() {
    let ws = Workspace::new();
    // Both would be `search`: the rule names a method by its path, not its operationId.
    let paths = "  /things/search:\n    post:\n      operationId: search\n      responses:\n        '204': {description: done}\n  /things/search/:\n    post:\n      operationId: searchAgain\n      responses:\n        '204': {description: done}\n";
    let spec = ws.spec("clash.yaml", &doc(paths, THING));
    let message = ws.fails(&spec);
    // Both operations are named, so the user sees which two clash.
    assert_mentions(
        &message,
        &[
            "/paths/~1things~1search/post",
            "/paths/~1things~1search~1/post",
        ],
    );
}

#[test]
fn an_empty_document_is_refused() {
    let ws = Workspace::new();
    for (name, text) in [("empty.yaml", ""), ("blank.json", " \n\n")] {
        let spec = ws.spec(name, text);
        let message = ws.fails(&spec);
        assert_mentions(&message, &["empty"]);
    }
}

#[test]
fn an_unknown_file_extension_is_refused() {
    let ws = Workspace::new();
    let spec = ws.spec(
        "orders.txt",
        &std::fs::read_to_string(orders()).expect("the spec"),
    );
    let message = ws.fails(&spec);
    assert_mentions(&message, &[".json", ".yaml"]);
}

#[test]
fn a_missing_file_is_refused() {
    let ws = Workspace::new();
    let spec = ws.dir.path().join("nowhere.yaml");
    let message = ws.fails(&spec);
    assert_mentions(&message, &["cannot read"]);
}

#[test]
fn openapi_3_1_is_refused_at_its_node() {
    let ws = Workspace::new();
    let text = std::fs::read_to_string(orders())
        .expect("the spec")
        .replacen("openapi: 3.0.1", "openapi: 3.1.0", 1);
    let spec = ws.spec("orders.yaml", &text);
    let message = ws.fails(&spec);
    assert_mentions(&message, &["/openapi", "3.1.0"]);
}

#[test]

fn an_invalid_node_inside_paths_is_named_precisely() {
    let ws = Workspace::new();
    let paths =
        "  /things:\n    get:\n      operationId: list\n      responses:\n        '200': {}\n";
    let spec = ws.spec("no-description.yaml", &doc(paths, THING));
    let message = ws.fails(&spec);
    assert_mentions(
        &message,
        &["/paths/~1things/get/responses/200", "description"],
    );
}

#[test]
fn a_failed_run_creates_no_output_directory() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("out");
    let spec = dir.path().join("bad.json");
    std::fs::write(&spec, "{").expect("written");
    let output = xtask(&["codegen", "--spec", path(&spec), "--out", path(&out)]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(!out.exists(), "the failed run created {}", out.display());
}

#[test]
fn check_names_each_stale_file_and_the_fix() {
    let ws = Workspace::new();
    let generated = ws.out().join("src/generated/orders");
    let types = generated.join("types.rs");
    let operations = generated.join("operations.rs");
    let mut edited = std::fs::read_to_string(&types).expect("types.rs");
    edited.push_str("\n// edited by hand\n");
    std::fs::write(&types, edited).expect("written");
    std::fs::remove_file(&operations).expect("removed");

    let before = contents(&ws.out());
    let spec = orders();
    let output = xtask(&[
        "codegen",
        "--check",
        "--spec",
        path(&spec),
        "--out",
        path(&ws.out()),
    ]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert_mentions(
        &message,
        &[
            path(&types),
            path(&operations),
            &format!(
                "cargo xtask codegen --spec {} --out {}",
                path(&spec),
                path(&ws.out())
            ),
        ],
    );
    assert!(
        !message.contains("mod.rs"),
        "a fresh file is called stale: {message}"
    );
    assert!(before == contents(&ws.out()), "--check wrote: {message}");

    // The command it names fixes it.
    let output = xtask(&["codegen", "--spec", path(&spec), "--out", path(&ws.out())]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = xtask(&[
        "codegen",
        "--check",
        "--spec",
        path(&spec),
        "--out",
        path(&ws.out()),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn check_on_a_fresh_directory_passes_and_a_rerun_writes_nothing() {
    let ws = Workspace::new();
    let before = contents(&ws.out());
    let spec = orders();
    let out = ws.out();
    for check in [true, false] {
        let mut args = vec!["codegen", "--spec", path(&spec), "--out", path(&out)];
        if check {
            args.push("--check");
        }
        let output = xtask(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            !stderr(&output).contains("wrote"),
            "an unchanged file was rewritten: {}",
            stderr(&output)
        );
    }
    assert!(before == contents(&ws.out()));
}

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        &[][..],
        &["build"][..],
        &["codegen", "--bogus"][..],
        &["codegen", "--spec"][..],
        &["codegen", "--out"][..],
    ] {
        let output = xtask(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("usage:") || stderr(&output).contains("needs"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_bad_property_catalog_names_its_node_and_writes_nothing() {
    let ws = Workspace::new();
    let catalog = ws.spec(
        "orders-properties.json",
        r#"{"results": [{"name": "a", "type": "string"}, {"name": "a", "type": "number"}]}"#,
    );
    let before = contents(&ws.out());
    let output = ws.codegen_with_catalog(&catalog);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert_mentions(
        &message,
        &[
            &format!("{} at /results/1/name", path(&catalog)),
            "listed twice",
        ],
    );
    assert!(
        before == contents(&ws.out()),
        "a failed run wrote: {message}"
    );
}

#[test]
fn a_named_property_catalog_is_generated_with_its_warnings() {
    let ws = Workspace::new();
    let catalog = ws.spec(
        "portal.json",
        r#"{"results": [{"name": "where", "type": "object_coordinates"},
                        {"name": "total", "type": "number"}]}"#,
    );
    let output = ws.codegen_with_catalog(&catalog);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert_mentions(
        &message,
        &[&format!(
            "warning: {} at /results/0/type: property `where` has type `object_coordinates`",
            path(&catalog)
        )],
    );
    let module = std::fs::read_to_string(ws.out().join("src/generated/orders/properties.rs"))
        .expect("properties.rs is written");
    assert!(module.contains("pub total: Option<Decimal>"), "{module}");
    let declared =
        std::fs::read_to_string(ws.out().join("src/generated/orders/mod.rs")).expect("mod.rs");
    assert!(declared.contains("pub mod properties;"), "{declared}");
}

#[test]
fn help_prints_the_usage_to_stdout_and_succeeds() {
    for args in [&["--help"][..], &["codegen", "-h"][..]] {
        let output = xtask(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        let stdout = stdout(&output);
        assert!(
            stdout.contains("usage: cargo xtask codegen"),
            "{args:?}: {stdout}"
        );
        assert!(stderr(&output).is_empty(), "{args:?}: {}", stderr(&output));
    }
}

#[test]
fn check_accepts_a_checkout_with_crlf_line_endings() {
    let ws = Workspace::new();
    let file = ws.out().join("src/generated/orders/types.rs");
    let text = std::fs::read_to_string(&file).expect("a generated file");
    std::fs::write(&file, text.replace('\n', "\r\n")).expect("rewritten with CRLF");
    let (spec, out) = (orders(), ws.out());
    let args = [
        "codegen",
        "--check",
        "--spec",
        path(&spec),
        "--out",
        path(&out),
    ];
    let output = xtask(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    // A real difference is still stale.
    std::fs::write(&file, text.replace("pub struct", "struct")).expect("edited");
    assert_eq!(xtask(&args).status.code(), Some(1));
}

#[test]
fn a_declared_path_parameter_missing_from_the_path_is_a_warning() {
    let ws = Workspace::new();
    let text = std::fs::read_to_string(orders()).expect("spec/orders.yaml");
    // HubSpot's November 2025 orders documents declared `objectType` on the search path.
    let marker = "  /crm/v3/objects/orders/search:\n    post:\n";
    assert!(
        text.contains(marker),
        "the search path moved in spec/orders.yaml"
    );
    let spec = ws.dir.path().join("orders.yaml");
    std::fs::write(
        &spec,
        text.replacen(
            marker,
            &format!("{marker}      parameters:\n        - {{name: objectType, in: path, required: true, schema: {{type: string}}}}\n"),
            1,
        ),
    )
    .expect("writing the document");
    let output = xtask(&["codegen", "--spec", path(&spec), "--out", path(&ws.out())]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let expected = format!(
        "warning: {spec}: no property catalog beside it (orders-properties.json) and none named with --properties: the module `orders` gets no typed properties\n\
         warning: {spec} at /paths/~1crm~1v3~1objects~1orders~1search/post/parameters/0: path parameter `objectType` is not in the path `/crm/v3/objects/orders/search`; it is left out\n",
        spec = spec.display()
    );
    // The only warnings; other lines report the files written.
    let warnings: String = stderr(&output)
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(warnings, expected);
}

#[test]
fn a_named_document_without_a_catalog_gets_no_properties_and_a_warning() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let spec = dir.path().join("orders.yaml");
    std::fs::copy(orders(), &spec).expect("the document copied alone");
    let out = dir.path().join("out");
    let output = xtask(&["codegen", "--spec", path(&spec), "--out", path(&out)]);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert_mentions(
        &message,
        &[&format!(
            "warning: {}: no property catalog beside it (orders-properties.json)",
            path(&spec)
        )],
    );
    let module = out.join("src/generated/orders");
    assert!(!module.join("properties.rs").exists());
    let declared = std::fs::read_to_string(module.join("mod.rs")).expect("mod.rs");
    assert!(!declared.contains("pub mod properties;"), "{declared}");

    // The catalog beside the document, by the rule `--help` states, is found.
    std::fs::copy(
        orders().with_file_name("orders-properties.json"),
        dir.path().join("orders-properties.json"),
    )
    .expect("the catalog copied beside it");
    let output = xtask(&["codegen", "--spec", path(&spec), "--out", path(&out)]);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(!message.contains("no property catalog"), "{message}");
    assert!(module.join("properties.rs").is_file());
}

#[test]
fn a_run_into_another_directory_leaves_generated_untouched() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let before = contents(&root.join("generated"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("out");
    // The project's own documents, into another crate directory.
    let output = xtask(&["codegen", "--out", path(&out)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(out.join("src/generated/orders/api.json").is_file());
    assert!(out.join("src/generated/line_items/api.json").is_file());
    assert!(
        before == contents(&root.join("generated")),
        "generated/ changed"
    );
}

#[test]
fn files_no_document_produces_any_more_are_removed_and_checked() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("out");
    let first = dir.path().join("orders.yaml");
    let second = dir.path().join("carts.yaml");
    std::fs::copy(orders(), &first).expect("copied");
    std::fs::copy(orders(), &second).expect("copied");
    let both = xtask(&[
        "codegen",
        "--spec",
        path(&first),
        "--spec",
        path(&second),
        "--out",
        path(&out),
    ]);
    assert!(both.status.success(), "{}", stderr(&both));
    let carts = out.join("src/generated/carts");
    assert!(carts.join("operations.rs").is_file());
    // A hand-written file among the generated ones is never touched.
    std::fs::write(carts.join("notes.rs"), "// mine\n").expect("written");

    let check = xtask(&[
        "codegen",
        "--check",
        "--spec",
        path(&first),
        "--out",
        path(&out),
    ]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert_mentions(
        &stderr(&check),
        &[&format!("stale: {}", path(&carts.join("operations.rs")))],
    );
    let one = xtask(&["codegen", "--spec", path(&first), "--out", path(&out)]);
    assert!(one.status.success(), "{}", stderr(&one));
    assert_mentions(
        &stderr(&one),
        &[&format!("removed: {}", path(&carts.join("operations.rs")))],
    );
    for file in ["mod.rs", "types.rs", "operations.rs", "api.json"] {
        assert!(!carts.join(file).exists(), "{file} is left");
    }
    assert!(carts.join("notes.rs").is_file());
    let root = std::fs::read_to_string(out.join("src/generated/mod.rs")).expect("mod.rs");
    assert!(!root.contains("carts"), "{root}");
    let again = xtask(&[
        "codegen",
        "--check",
        "--spec",
        path(&first),
        "--out",
        path(&out),
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn a_document_that_alone_defines_a_shared_schema_otherwise_is_noted() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("out");
    let first = dir.path().join("carts.yaml");
    let second = dir.path().join("orders.yaml");
    let text = std::fs::read_to_string(orders()).expect("spec/orders.yaml");
    std::fs::write(&first, &text).expect("written");
    let run = |out: &Path| {
        let output = xtask(&[
            "codegen",
            "--spec",
            path(&first),
            "--spec",
            path(&second),
            "--out",
            path(out),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        stderr(&output)
    };
    // The same schemas in both: shared, and nothing to say.
    std::fs::write(&second, &text).expect("written");
    let same = run(&out);
    assert!(!same.contains("note:"), "{same}");
    // The record gains a field in orders.yaml alone: orders has its own record type, and the
    // types that hold one, and the run says so; carts keeps the shared ones.
    let updated = text.replacen(
        "      description: A record as HubSpot returns it.\n      example: null\n      properties:\n",
        "      description: A record as HubSpot returns it.\n      example: null\n      properties:\n        appId:\n          type: string\n          description: Id of the app that wrote the record.\n",
        1,
    );
    assert_ne!(updated, text, "the edit applies");
    std::fs::write(&second, &updated).expect("written");
    let apart = run(&out);
    assert_mentions(
        &apart,
        &[
            "note: orders has its own",
            "BatchResponseSimplePublicObject,",
            "SimplePublicObject",
            "update the other documents in spec/ too",
        ],
    );
    assert!(!apart.contains("note: carts"), "{apart}");
    let types = std::fs::read_to_string(out.join("src/generated/orders/types.rs")).expect("types");
    assert!(types.contains("pub struct SimplePublicObject {"), "{types}");
    let carts = std::fs::read_to_string(out.join("src/generated/carts/types.rs")).expect("types");
    assert!(carts.contains("pub use super::super::common::SimplePublicObject;"));
}
