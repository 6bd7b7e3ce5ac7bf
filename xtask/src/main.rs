//! `cargo xtask codegen [--check] [--spec PATH] [--out DIR]`: regenerates the client crates.
//!
//! Thin on purpose: argument parsing and reporting here, everything else in the `generator`
//! library.

mod api_diff;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use generator::WriteMode;

// The generator spends most of its time allocating (syn's parse, prettyplease's printing);
// mimalloc takes about a third off a run over glibc's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--spec PATH] [--out DIR]
       cargo xtask api-diff [--base GIT_REV | --old PATH] [--new PATH] [--json] (see --help)

  --check      write nothing; fail naming each file that differs from what its document produces
  --spec PATH  the OpenAPI 3.0 document to read (JSON or YAML) instead of spec/orders.yaml
  --out DIR    the crate directory to write src/generated/ into instead of generated/

Without --spec and --out: spec/orders.yaml into generated/, and each test document
tests/family/NAME/NAME.yaml into tests/family/NAME/.";

/// One document and the crate directory its code goes into.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Job {
    spec: PathBuf,
    out: PathBuf,
}

#[derive(Debug, PartialEq, Eq)]
struct Args {
    check: bool,
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    match args.next().as_deref() {
        Some("codegen") => {}
        Some("-h" | "--help") | None => return Err(USAGE.to_owned()),
        Some(other) => return Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
    let mut parsed = Args {
        check: false,
        spec: None,
        out: None,
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
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    Ok(parsed)
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
    command
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("api-diff") {
        return api_diff::main(std::env::args().skip(2), &workspace_root());
    }
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    // Everything is generated in memory first: a document that fails leaves every file as it was.
    let mut outputs = Vec::new();
    for job in jobs(&args, &workspace_root()) {
        match generator::generate(&job.spec) {
            Ok(generated) => outputs.push((job, generated)),
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
        parse_args(words.iter().map(|w| (*w).to_owned()))
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
