//! Command-line interface: argument parsing and the commands.

mod bench;
mod check;
mod exit;
mod explain;
mod gateways;
mod lab;
mod list;
mod output;
mod run;
mod signals;
mod verify;

use clap::{Parser, Subcommand};
use exit::EXIT_OK;
use std::path::PathBuf;

/// Declarative conformance tests for home gateways (CPE routers, NAT boxes).
#[derive(Debug, Parser)]
#[command(name = "gatecheck", version, about)]
pub struct Cli {
    /// Color in diagnostics: auto, always, never.
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile case files and report every error (exit 0 clean, 2 errors).
    Check {
        /// Case files or folders (searched recursively for *.yaml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Testbed file the cases are checked against (default: the built-in testbed).
        #[arg(long)]
        testbed: Option<PathBuf>,
    },
    /// Print a case's compiled steps, numbered, with defaults filled in.
    Explain {
        /// The case file.
        file: PathBuf,
        /// Testbed file (default: the built-in testbed).
        #[arg(long)]
        testbed: Option<PathBuf>,
    },
    /// List cases: id, title, tags, refs.
    List {
        /// Case files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Only cases with this tag (repeatable: any of them).
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Output format.
        #[arg(long, default_value = "text", value_parser = ["text", "json", "markdown"])]
        format: String,
    },
    /// Print the JSON Schema of case files (for yaml-language-server).
    Schema,
    /// Run cases against a gateway (default: the built-in simulated one).
    Run(run::RunArgs),
    /// Judge a case against a capture recorded elsewhere (both sides of a gateway in one pcapng).
    Verify(verify::VerifyArgs),
    /// List the gateway backends and profiles.
    Gateways,
    /// Measure the engine against the simulated gateway (figures and ratios to a baseline).
    Bench(bench::BenchArgs),
    /// Build, list or remove `netns` labs (a Linux kernel gateway in network namespaces; root).
    #[command(subcommand)]
    Lab(lab::LabCommand),
}

/// Runs a command and returns the exit code.
pub fn run(cli: Cli) -> u8 {
    let out = output::Output::new(&cli.color);
    match cli.command {
        Command::Check { paths, testbed } => check::run(&out, &paths, testbed.as_deref()),
        Command::Explain { file, testbed } => explain::run(&out, &file, testbed.as_deref()),
        Command::List { paths, tags, format } => list::run(&out, &paths, &tags, &format),
        Command::Run(args) => run::run(&out, args),
        Command::Verify(args) => verify::run(&out, args),
        Command::Gateways => gateways::run(&out),
        Command::Bench(args) => bench::run(&out, args),
        Command::Lab(c) => lab::run(&out, c),
        Command::Schema => {
            out.stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&dsl::schema::case_schema()).unwrap_or_default()
            ));
            EXIT_OK
        }
    }
}
