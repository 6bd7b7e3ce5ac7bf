//! Support code shared by the workspace-level tests in `tests/tests/`.
//!
//! - [`prism`]: installs and runs Stoplight Prism, the third-party mock server and validating
//!   proxy that the contract suite (`tests/tests/contract.rs`) checks the generated client against.

pub mod prism;
