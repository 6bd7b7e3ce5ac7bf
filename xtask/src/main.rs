//! `cargo xtask codegen [--check] [--spec PATH] [--properties PATH] [--out DIR]`: regenerates
//! the client crates.
//!
//! Thin on purpose: argument parsing and reporting here, everything else in the `generator`
//! library.

mod api_diff;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use generator::WriteMode;

// The generator spends most of its time allocating (syn's parse, prettyplease's printing).
// Measured on two cores (20 release runs of `codegen --check` over the workspace's 13
// documents): 1.5 s of CPU with mimalloc against 2.2 s with glibc's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--spec PATH] [--properties PATH] [--out DIR]
       cargo xtask api-diff [--base GIT_REV | --old PATH] [--new PATH] [--json] (see --help)

  --check      write nothing; fail naming each file that differs from what its document produces
  --spec PATH  the OpenAPI 3.0 document to read (JSON or YAML) instead of spec/orders.yaml
  --out DIR    the crate directory to write src/generated/ into instead of generated/
  --properties PATH
               the property catalog (JSON of GET /crm/v3/properties/orders) to type the
               main document's order properties from, instead of the NAME-properties.json
               beside its NAME.yaml (read when present)

Without --spec and --out: spec/orders.yaml into generated/, and each test document
tests/family/NAME/NAME.yaml into tests/family/NAME/.";

/// One document and the crate directory its code goes into.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Job {
    spec: PathBuf,
    out: PathBuf,
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
    spec: Option<PathBuf>,
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
        spec: None,
        out: None,
        properties: None,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => parsed.check = true,
            "--spec" => {
                parsed.spec = Some(
                    args.next()
                        .map(PathBuf::from)
                        .ok_or("--spec needs a path")?,
                )
            }
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
    Ok(Command::Codegen(parsed))
}

/// The documents to generate: the one named, or the project's own set.
fn jobs(args: &Args, root: &Path) -> Vec<Job> {
    if args.spec.is_some() || args.out.is_some() {
        return vec![Job {
            spec: args
                .spec
                .clone()
                .unwrap_or_else(|| root.join("spec/orders.yaml")),
            out: args.out.clone().unwrap_or_else(|| root.join("generated")),
        }];
    }
    let mut jobs = vec![Job {
        spec: root.join("spec/orders.yaml"),
        out: root.join("generated"),
    }];
    // The test crates, each generated from the document named after its directory.
    let mut family: Vec<PathBuf> = std::fs::read_dir(root.join("tests/family"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    family.sort();
    for dir in family {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let spec = dir.join(format!("{name}.yaml"));
        if spec.is_file() {
            jobs.push(Job { spec, out: dir });
        }
    }
    jobs
}

/// The command that regenerates what `args` checked.
fn fix_command(args: &Args) -> String {
    let mut command = "cargo xtask codegen".to_owned();
    if let Some(spec) = &args.spec {
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

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("api-diff") {
        return api_diff::main(std::env::args().skip(2), &workspace_root());
    }
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Codegen(args)) => args,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    // Everything is generated in memory first: a document that fails leaves every file as it was.
    let mut outputs = Vec::new();
    for (i, job) in jobs(&args, &workspace_root()).into_iter().enumerate() {
        // The property catalog: `--properties` for the main document (the first job), else
        // the one beside each document, when there is one.
        let catalog = match (i, &args.properties) {
            (0, Some(path)) => Some(path.clone()),
            _ => generator::properties::beside(&job.spec),
        };
        let result = generator::generate(&job.spec).and_then(|mut generated| {
            if let Some(catalog) = &catalog {
                for warning in generator::properties::add(&mut generated, catalog)? {
                    eprintln!("warning: {}", warning.in_file(catalog));
                }
            }
            Ok(generated)
        });
        match result {
            Ok(generated) => {
                // Faults that do not change the client: reported, and the run goes on.
                for warning in &generated.warnings {
                    eprintln!("warning: {warning}");
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
        outputs.iter().map(|(job, g)| (job.out.as_path(), &g.api)),
        &workspace_root(),
    );
    let mut stale = 0;
    for (job, generated) in &outputs {
        match generator::write::apply(&job.out, &generated.files, mode) {
            Ok(differing) => {
                for path in &differing {
                    let what = if args.check { "stale" } else { "wrote" };
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
            "error: {stale} generated file(s) differ from what their document produces; run `{}` to update them",
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
    fn the_default_run_covers_the_spec_and_every_test_document() {
        let root = workspace_root();
        let jobs = jobs(&parse(&["codegen"]).expect("parses"), &root);
        assert_eq!(
            jobs[0],
            Job {
                spec: root.join("spec/orders.yaml"),
                out: root.join("generated")
            }
        );
        let family = root.join("tests/family/deals");
        assert!(
            jobs.contains(&Job {
                spec: family.join("deals.yaml"),
                out: family
            }),
            "{jobs:?}"
        );
    }

    #[test]
    fn a_named_document_is_the_only_job() {
        let root = Path::new("/r");
        let args = parse(&["codegen", "--spec", "carts.json", "--check"]).expect("parses");
        assert_eq!(
            jobs(&args, root),
            [Job {
                spec: "carts.json".into(),
                out: root.join("generated")
            }]
        );
        assert_eq!(fix_command(&args), "cargo xtask codegen --spec carts.json");
    }

    #[test]
    fn a_named_catalog_is_in_the_fix_command() {
        let args = parse(&["codegen", "--properties", "portal.json", "--check"]).expect("parses");
        assert_eq!(args.properties, Some(PathBuf::from("portal.json")));
        assert_eq!(
            fix_command(&args),
            "cargo xtask codegen --properties portal.json"
        );
        assert!(
            parse(&["codegen", "--properties"])
                .expect_err("missing value")
                .contains("--properties needs a path")
        );
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
