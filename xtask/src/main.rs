//! `cargo xtask codegen [--check] [--spec PATH] [--out DIR]`: regenerates the client crate.
//!
//! Thin on purpose: argument parsing and reporting here, everything else in the `generator`
//! library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use generator::WriteMode;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--spec PATH] [--out DIR]

  --check      write nothing; fail naming each file that differs from what the spec produces
  --spec PATH  the OpenAPI 3.0 document to read (JSON or YAML); default: spec/orders.yaml
  --out DIR    the crate directory to write src/generated/ into; default: generated/";

struct Args {
    check: bool,
    spec: PathBuf,
    out: PathBuf,
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let root = workspace_root();
    match args.next().as_deref() {
        Some("codegen") => {}
        Some("-h" | "--help") | None => return Err(USAGE.to_owned()),
        Some(other) => return Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
    let mut parsed = Args {
        check: false,
        spec: root.join("spec/orders.yaml"),
        out: root.join("generated"),
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => parsed.check = true,
            "--spec" => {
                parsed.spec = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--spec needs a path")?;
            }
            "--out" => {
                parsed.out = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--out needs a directory")?
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let generated = match generator::generate(&args.spec) {
        Ok(generated) => generated,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mode = if args.check {
        WriteMode::Check
    } else {
        WriteMode::Write
    };
    match generator::write::apply(&args.out, &generated.files, mode) {
        Ok(differing) if args.check && !differing.is_empty() => {
            for path in &differing {
                eprintln!("stale: {}", path.display());
            }
            eprintln!(
                "error: {} generated file(s) differ from what {} produces; run `cargo xtask codegen` to update them",
                differing.len(),
                args.spec.display()
            );
            ExitCode::FAILURE
        }
        Ok(differing) => {
            if !args.check {
                for path in &differing {
                    eprintln!("wrote {}", path.display());
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
