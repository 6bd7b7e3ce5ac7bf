//! `cargo xtask api-diff`: what a new version of a document changes for the callers of the
//! generated crate, as a Markdown report (or JSON), and the one-line summary that ends
//! `cargo xtask codegen`. The comparison itself is `generator::diff`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use generator::diff::{self, Surface};

/// The help text of `cargo xtask api-diff`.
pub const USAGE: &str = "\
usage: cargo xtask api-diff [--base GIT_REV | --old PATH] [--new PATH] [--json]

Compares the public API of the crate generated from two versions of a document and prints
what changed for its callers, in Markdown (or JSON with --json).

  --base GIT_REV  the old document is the new one's file (spec/orders.yaml by default) as it
                  is at GIT_REV (default: HEAD)
  --old PATH      the old document is the file at PATH
  --new PATH      the new document (default: spec/orders.yaml in the working tree)
  --json          print the report as JSON

Exit status: 0 when no change breaks callers' builds, 3 when one does, 1 on an error (a
document that cannot be read or generated), 2 on a usage error.";

/// Exit status when a change breaks callers' builds.
pub const BREAKING: u8 = 3;

#[derive(Debug, PartialEq, Eq)]
enum Old {
    Rev(String),
    File(PathBuf),
}

#[derive(Debug, PartialEq, Eq)]
struct Args {
    old: Old,
    new: Option<PathBuf>,
    json: bool,
}

/// The arguments, or `None` when help was asked for.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut old = None;
    let mut new = None;
    let mut json = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--base" | "--old" => {
                if old.is_some() {
                    return Err(format!("give one of --base and --old, once\n\n{USAGE}"));
                }
                let value = args.next().ok_or(format!("{arg} needs a value"))?;
                old = Some(if arg == "--base" {
                    Old::Rev(value)
                } else {
                    Old::File(value.into())
                });
            }
            "--new" => new = Some(PathBuf::from(args.next().ok_or("--new needs a path")?)),
            "--json" => json = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    Ok(Some(Args {
        old: old.unwrap_or_else(|| Old::Rev("HEAD".to_owned())),
        new,
        json,
    }))
}

/// Writes `text` to stdout. A reader that went away (`api-diff --json | head`) is no error:
/// what it did not read, it did not want.
pub fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write to stdout: {e}");
    }
}

/// Runs `cargo xtask api-diff` with the arguments after the command's name.
pub fn main(args: impl Iterator<Item = String>, root: &Path) -> ExitCode {
    let args = match parse(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print_out(&format!("{USAGE}\n"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let report = match surfaces(&args, root) {
        Ok((old, new)) => diff::compare(&old, &new),
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        print_out(&format!("{}\n", report.to_json()));
    } else {
        print_out(&report.markdown());
    }
    if report.is_breaking() {
        ExitCode::from(BREAKING)
    } else {
        ExitCode::SUCCESS
    }
}

fn surfaces(args: &Args, root: &Path) -> Result<(Surface, Surface), String> {
    let new_path = args
        .new
        .clone()
        .unwrap_or_else(|| root.join("spec/orders.yaml"));
    let old = match &args.old {
        Old::File(path) => diff::surface_of_file(path).map_err(|e| e.to_string())?,
        Old::Rev(rev) => {
            let in_repo =
                in_repository(&new_path, root).unwrap_or_else(|| "spec/orders.yaml".to_owned());
            let name = format!("{rev}:{in_repo}");
            let text = git_show(root, &name)?;
            let syntax = generator::load::Syntax::of(Path::new(&in_repo))
                .map_err(|e| e.in_file(&name).to_string())?;
            diff::surface_of_text(&text, syntax, &name).map_err(|e| e.to_string())?
        }
    };
    let new = diff::surface_of_file(&new_path).map_err(|e| e.to_string())?;
    Ok((old, new))
}

/// `path` relative to the repository root, with `/` separators, when it lies inside it.
fn in_repository(path: &Path, root: &Path) -> Option<String> {
    let path = path.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    let relative = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = relative.iter().map(|p| p.to_str()).collect();
    Some(parts?.join("/"))
}

/// The text of `REV:path`, as git stores it.
fn git_show(root: &Path, name: &str) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", name])
        .output()
        .map_err(|e| format!("cannot run git to read `{name}`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git cannot read `{name}` ({}); name the old document with --old PATH instead",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("`{name}` is not UTF-8 text"))
}

/// The line that ends `cargo xtask codegen`: for each document about to be written (its
/// crate's directory, its module and the API just generated for it), what changed against the
/// API manifest it held before.
pub fn codegen_summary<'a>(
    documents: impl Iterator<Item = (&'a Path, &'a str, &'a generator::ir::Api)>,
    root: &Path,
) -> String {
    let mut parts = Vec::new();
    let (mut unchanged, mut without) = (0, 0);
    let mut breaking = false;
    for (out, module, api) in documents {
        let crate_dir = out.strip_prefix(root).unwrap_or(out).display().to_string();
        let shown = format!("{crate_dir} ({module})");
        let manifest = out.join(diff::manifest_path(module));
        let old = match std::fs::read_to_string(&manifest) {
            Ok(text) => diff::read_manifest(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                without += 1;
                continue;
            }
            Err(e) => Err(generator::Error::msg(format!("cannot read it: {e}"))),
        };
        let old = match old {
            Ok(old) => old,
            Err(e) => {
                parts.push(format!("{shown}: not compared ({})", e.in_file(&manifest)));
                continue;
            }
        };
        let report = diff::compare(&old, &Surface::of(api));
        if report.changes.is_empty() && report.descriptions == 0 {
            unchanged += 1;
            continue;
        }
        breaking |= report.is_breaking();
        parts.push(format!("{shown}: {}", report.counts()));
    }
    let others = if parts.is_empty() { "" } else { "other " };
    if unchanged > 0 {
        parts.push(format!("{unchanged} {others}document(s) unchanged"));
    }
    if without > 0 {
        parts.push(format!(
            "{without} {others}document(s) without an API manifest to compare with"
        ));
    }
    let mut line = format!("API: {}", parts.join("; "));
    if breaking {
        line.push_str(" (breaking: `cargo xtask api-diff` lists what breaks)");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Result<Args, String> {
        parse(words.iter().map(|w| (*w).to_owned()))?.ok_or_else(|| "help".to_owned())
    }

    #[test]
    fn help_is_asked_for_not_an_error() {
        for words in [&["--help"][..], &["--json", "-h"][..]] {
            assert_eq!(parse(words.iter().map(|w| (*w).to_owned())), Ok(None));
        }
    }

    #[test]
    fn the_default_compares_head_with_the_working_tree() {
        assert_eq!(
            args(&[]),
            Ok(Args {
                old: Old::Rev("HEAD".to_owned()),
                new: None,
                json: false
            })
        );
        assert_eq!(
            args(&["--old", "a.yaml", "--new", "b.json", "--json"]),
            Ok(Args {
                old: Old::File("a.yaml".into()),
                new: Some("b.json".into()),
                json: true
            })
        );
    }

    #[test]
    fn base_and_old_exclude_each_other() {
        let error = args(&["--base", "main", "--old", "a.yaml"]).expect_err("two old documents");
        assert!(error.contains("one of --base and --old"), "{error}");
        assert!(
            args(&["--base"])
                .expect_err("no value")
                .contains("--base needs a value")
        );
    }

    #[test]
    fn a_file_in_the_repository_is_named_from_its_root() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or(Path::new("/"));
        assert_eq!(
            in_repository(&root.join("spec/orders.yaml"), root).as_deref(),
            Some("spec/orders.yaml")
        );
        assert_eq!(in_repository(Path::new("/"), root), None);
    }
}
