//! `cargo xtask codegen [--check] [--spec PATH]… [--properties PATH] [--out DIR]`: regenerates
//! the client crates.
//!
//! Thin on purpose: argument parsing and reporting here, everything else in the `generator`
//! library.

mod api_diff;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use generator::{Source, WriteMode};

// The generator spends most of its time allocating (syn's parse, prettyplease's printing).
// Measured on two cores (20 release runs of `codegen --check` over the workspace's 13
// documents): 1.5 s of CPU with mimalloc against 2.2 s with glibc's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--spec PATH]... [--properties PATH] [--out DIR]
       cargo xtask api-diff [--base GIT_REV | --old PATH] [--new PATH] [--json] (see --help)

  --check      write nothing; fail naming each file that differs from what its documents
               produce, and each generated file no document produces any more
  --spec PATH  an OpenAPI 3.0 document (JSON or YAML) of the crate; give it once per
               document. Each document is a module named after its file (line-items.yaml:
               `line_items`). Without --spec: every document in spec/
  --out DIR    the crate directory to write src/generated/ into, instead of generated/;
               nothing outside DIR is written
  --properties PATH
               the property catalog (JSON of GET /crm/v3/properties/OBJECT) that types the
               records' properties of the one document given with --spec

Property catalogs: a document NAME.yaml (or .json) is typed by the catalog NAME-properties.json
beside it, when that file exists, unless --properties names another. A document given with
--spec that has neither gets no `properties` module, and a warning says so.

Without --spec and --out: every document of spec/ into generated/, and every document of
tests/family/spec/ into the test crate tests/family/ (whose documents' warnings, on purpose,
are not printed).";

/// One crate to generate: its directory and its documents.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Job {
    out: PathBuf,
    sources: Vec<Source>,
    /// Whether a document without a catalog is worth a warning (it was named on purpose).
    named: bool,
    /// Whether the documents' warnings are printed: not for the test documents, whose faults
    /// are on purpose and pinned by their own tests.
    show_warnings: bool,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    /// Generate (or check) with these arguments.
    Codegen(Args),
    /// Print the usage to stdout and succeed.
    Help,
}

#[derive(Debug, PartialEq, Eq)]
struct Args {
    check: bool,
    specs: Vec<PathBuf>,
    out: Option<PathBuf>,
    properties: Option<PathBuf>,
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    match args.next().as_deref() {
        Some("codegen") => {}
        Some("-h" | "--help" | "help") => return Ok(Command::Help),
        None => return Err(USAGE.to_owned()),
        Some(other) => return Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
    let mut parsed = Args {
        check: false,
        specs: Vec::new(),
        out: None,
        properties: None,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => parsed.check = true,
            "--spec" => parsed.specs.push(
                args.next()
                    .map(PathBuf::from)
                    .ok_or("--spec needs a path")?,
            ),
            "--out" => {
                parsed.out = Some(
                    args.next()
                        .map(PathBuf::from)
                        .ok_or("--out needs a directory")?,
                )
            }
            "--properties" => {
                parsed.properties = Some(
                    args.next()
                        .map(PathBuf::from)
                        .ok_or("--properties needs a path")?,
                )
            }
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    if parsed.properties.is_some() && parsed.specs.len() != 1 {
        return Err(format!(
            "--properties types the one document given with --spec; give exactly one --spec \
             with it, or put each catalog beside its document as NAME-properties.json\n\n{USAGE}"
        ));
    }
    Ok(Command::Codegen(parsed))
}

/// The crates to generate: the documents named, or the project's own set.
fn jobs(args: &Args, root: &Path) -> Result<Vec<Job>, String> {
    if !args.specs.is_empty() {
        let sources = args
            .specs
            .iter()
            .map(|spec| {
                let catalog = args
                    .properties
                    .clone()
                    .or_else(|| generator::properties::beside(spec));
                Source::new(spec)
                    .map(|s| s.with_catalog(catalog))
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(vec![Job {
            out: args.out.clone().unwrap_or_else(|| root.join("generated")),
            sources,
            named: true,
            show_warnings: true,
        }]);
    }
    let main = Job {
        out: args.out.clone().unwrap_or_else(|| root.join("generated")),
        sources: Source::all_in(&root.join("spec")).map_err(|e| e.to_string())?,
        named: false,
        show_warnings: true,
    };
    if args.out.is_some() {
        return Ok(vec![main]);
    }
    let family = root.join("tests/family");
    Ok(vec![
        main,
        Job {
            sources: Source::all_in(&family.join("spec")).map_err(|e| e.to_string())?,
            out: family,
            named: false,
            show_warnings: false,
        },
    ])
}

/// The command that regenerates what `args` checked.
fn fix_command(args: &Args) -> String {
    let mut command = "cargo xtask codegen".to_owned();
    for spec in &args.specs {
        command.push_str(&format!(" --spec {}", spec.display()));
    }
    if let Some(out) = &args.out {
        command.push_str(&format!(" --out {}", out.display()));
    }
    if let Some(properties) = &args.properties {
        command.push_str(&format!(" --properties {}", properties.display()));
    }
    command
}

/// For each document with its own version of a type another document of the crate defines
/// too, a line saying so: HubSpot changes the schemas its object documents share in all of
/// them, so a document alone in differing is often one updated before the others.
fn apart_notes(generated: &generator::Generated) -> Vec<String> {
    generated
        .documents
        .iter()
        .filter(|d| !d.apart.is_empty())
        .map(|d| {
            let shown: Vec<&str> = d.apart.iter().take(10).map(String::as_str).collect();
            let more = match d.apart.len() - shown.len() {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            format!(
                "{} has its own {}{more}: {} type(s) another document of the crate defines \
                 otherwise. If HubSpot changed them in every object's document, update the \
                 other documents in spec/ too, and they are shared again.",
                d.module,
                shown.join(", "),
                d.apart.len(),
            )
        })
        .collect()
}

/// Says, for each document named with `--spec` that no catalog types, what it goes without.
fn warn_missing_catalogs(sources: &[Source]) {
    for source in sources.iter().filter(|s| s.catalog.is_none()) {
        let stem = source
            .spec
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        eprintln!(
            "warning: {}: no property catalog beside it ({stem}-properties.json) and none named \
             with --properties: the module `{}` gets no typed properties",
            source.spec.display(),
            source.module
        );
    }
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("api-diff") {
        return api_diff::main(std::env::args().skip(2), &workspace_root());
    }
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Codegen(args)) => args,
        Ok(Command::Help) => {
            api_diff::print_out(&format!("{USAGE}\n"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    let jobs = match jobs(&args, &root) {
        Ok(jobs) => jobs,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    // Everything is generated in memory first: a document that fails leaves every file as it was.
    let mut outputs = Vec::new();
    for job in jobs {
        match generator::generate_crate(&job.sources) {
            Ok(generated) => {
                if job.named {
                    warn_missing_catalogs(&job.sources);
                }
                // Faults that do not change the client: reported, and the run goes on.
                if job.show_warnings {
                    for warning in &generated.warnings {
                        eprintln!("warning: {warning}");
                    }
                    for note in apart_notes(&generated) {
                        eprintln!("note: {note}");
                    }
                }
                outputs.push((job, generated));
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mode = if args.check {
        WriteMode::Check
    } else {
        WriteMode::Write
    };
    // Read before writing: the summary compares with the API manifests the crates held.
    let summary = api_diff::codegen_summary(
        outputs.iter().flat_map(|(job, g)| {
            g.documents
                .iter()
                .map(move |d| (job.out.as_path(), d.module.as_str(), &d.api))
        }),
        &root,
    );
    let mut stale = 0;
    for (job, generated) in &outputs {
        match generator::write::apply(&job.out, &generated.files, mode) {
            Ok(differing) => {
                for path in &differing {
                    // A file no document produces any more is removed (or, checking, stale).
                    let what = match (args.check, path.exists()) {
                        (true, _) => "stale",
                        (false, true) => "wrote",
                        (false, false) => "removed",
                    };
                    eprintln!("{what}: {}", path.display());
                }
                stale += differing.len();
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    eprintln!("{summary}");
    if args.check && stale > 0 {
        eprintln!(
            "error: {stale} generated file(s) differ from what their documents produce; run `{}` to update them",
            fix_command(&args)
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<Args, String> {
        match parse_args(words.iter().map(|w| (*w).to_owned()))? {
            Command::Codegen(args) => Ok(args),
            Command::Help => Err("help".to_owned()),
        }
    }

    #[test]
    fn help_is_a_command_of_its_own() {
        for words in [&["--help"][..], &["-h"][..], &["codegen", "--help"][..]] {
            assert_eq!(
                parse_args(words.iter().map(|w| (*w).to_owned())),
                Ok(Command::Help),
                "{words:?}"
            );
        }
    }

    #[test]
    fn the_default_run_covers_every_document_of_spec_and_of_the_test_crate() {
        let root = workspace_root();
        let jobs = jobs(&parse(&["codegen"]).expect("parses"), &root).expect("jobs");
        assert_eq!(jobs.len(), 2, "{jobs:?}");
        assert_eq!(jobs[0].out, root.join("generated"));
        let modules: Vec<&str> = jobs[0].sources.iter().map(|s| s.module.as_str()).collect();
        assert_eq!(modules, ["line_items", "orders"]);
        assert_eq!(
            jobs[0].sources[1].catalog,
            Some(root.join("spec/orders-properties.json"))
        );
        assert_eq!(jobs[1].out, root.join("tests/family"));
        assert!(
            jobs[1].sources.iter().any(|s| s.module == "deals"
                && s.spec == root.join("tests/family/spec/deals.yaml")),
            "{:?}",
            jobs[1]
        );
        // Catalogs are data, not documents.
        assert!(
            jobs.iter()
                .flat_map(|j| &j.sources)
                .all(|s| generator::is_document(&s.spec))
        );
    }

    #[test]
    fn named_documents_make_one_crate_in_their_order() {
        let root = Path::new("/r");
        let args = parse(&[
            "codegen",
            "--spec",
            "carts.json",
            "--spec",
            "line-items.yaml",
            "--check",
        ])
        .expect("parses");
        let jobs = jobs(&args, root).expect("jobs");
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].out, root.join("generated"));
        let modules: Vec<&str> = jobs[0].sources.iter().map(|s| s.module.as_str()).collect();
        assert_eq!(modules, ["carts", "line_items"]);
        assert_eq!(
            fix_command(&args),
            "cargo xtask codegen --spec carts.json --spec line-items.yaml"
        );
    }

    #[test]
    fn a_named_catalog_goes_with_the_one_named_document() {
        let args = parse(&[
            "codegen",
            "--spec",
            "x/orders.yaml",
            "--properties",
            "portal.json",
            "--check",
        ])
        .expect("parses");
        assert_eq!(args.properties, Some(PathBuf::from("portal.json")));
        let jobs = jobs(&args, Path::new("/r")).expect("jobs");
        assert_eq!(
            jobs[0].sources[0].catalog,
            Some(PathBuf::from("portal.json"))
        );
        assert_eq!(
            fix_command(&args),
            "cargo xtask codegen --spec x/orders.yaml --properties portal.json"
        );
        assert!(
            parse(&["codegen", "--properties"])
                .expect_err("missing value")
                .contains("--properties needs a path")
        );
        for words in [
            &["codegen", "--properties", "p.json"][..],
            &[
                "codegen",
                "--spec",
                "a.yaml",
                "--spec",
                "b.yaml",
                "--properties",
                "p.json",
            ][..],
        ] {
            assert!(
                parse(words)
                    .expect_err("ambiguous")
                    .contains("give exactly one --spec"),
                "{words:?}"
            );
        }
    }

    #[test]
    fn a_file_name_that_makes_no_module_is_refused() {
        let args = parse(&["codegen", "--spec", "testing.yaml"]).expect("parses");
        let error = jobs(&args, Path::new("/r")).expect_err("reserved");
        assert!(error.contains("`testing`"), "{error}");
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        assert!(
            parse(&["codegen", "--spec"])
                .expect_err("missing value")
                .contains("--spec needs a path")
        );
        assert!(
            parse(&["codegen", "--bogus"])
                .expect_err("unknown")
                .contains("`--bogus`")
        );
        assert!(
            parse(&["build"])
                .expect_err("unknown command")
                .contains("`build`")
        );
    }
}
