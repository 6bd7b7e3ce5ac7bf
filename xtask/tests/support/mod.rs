//! Running the real `xtask` binary, shared by the test files of this directory.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `xtask` binary with `args` and waits for it.
pub fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("the xtask binary runs")
}

/// A path as the argument it is passed as.
pub fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// What the run wrote to standard output.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the run wrote to standard error.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
