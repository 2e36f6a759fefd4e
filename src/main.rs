//! `gatecheck`: declarative conformance tests for home gateways.
//!
//! This binary is the one place that reports errors to a person: the libraries return typed
//! errors and diagnostics, and the commands here render them and choose the exit code.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let code = cli::run(args);
    ExitCode::from(code)
}
