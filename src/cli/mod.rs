//! The `podlift` command: clap's arguments ([`args`]), their translation
//! into the stages' options ([`options`]), one module per command, and
//! [`exit`], the one place that decides the exit status. The library below
//! knows nothing of this module.

mod args;
mod check;
mod choices;
mod config;
mod convert;
mod environment;
mod exit;
mod explain;
mod manual;
mod options;
mod plan;
mod signals;

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

use clap::Parser as _;

use args::{Cli, Command};
use environment::Environment;
use exit::{Outcome, Status};

/// Runs podlift with command-line `args` (the first is the program name),
/// writing converted manifests to `stdout` as they are serialised; the
/// returned outcome holds what is left to print and how to exit.
pub fn run(args: impl IntoIterator<Item = OsString>, stdout: &mut dyn Write) -> Outcome {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // clap's own messages (and `--help`, `--version` on stdout).
        Err(error) => {
            let text = error.render().to_string();
            return if error.use_stderr() {
                Outcome::new(String::new(), text, Status::Usage)
            } else {
                Outcome::new(text, String::new(), Status::Success)
            };
        }
    };
    // Standard input is read only when the parsed command line names it.
    let reads_stdin = cli
        .command
        .input()
        .is_some_and(|input| input.files.iter().any(|f| f == Path::new("-")));
    // `--allow` names codes podlift has: a typo would allow nothing.
    if let Some(code) = cli.command.input().and_then(|input| {
        input
            .allow
            .iter()
            .find(|code| podlift::diagnostic::Code::from_name(code).is_none())
    }) {
        let message = format!(
            "`--allow {code}`: podlift has no diagnostic code `{code}`; `podlift explain` lists them"
        );
        return Outcome::error(
            String::new(),
            &podlift::diagnostic::Diagnostic::command(message),
            Status::Usage,
        );
    }
    let env = Environment::from_process(reads_stdin);
    let shown = options::diagnostics(&cli, &env);
    match cli.command {
        Command::Convert(args) => convert::run(&args, &env, shown, stdout),
        Command::Check(args) => check::run(&args, &env, shown),
        Command::Plan(args) => plan::run(&args, &env, shown),
        Command::Config(args) => config::run(&args, &env, shown),
        Command::Explain(args) => explain::run(args.code.as_deref()),
        Command::Completions(args) => manual::completions(args.shell),
        Command::Man(args) => manual::man_page(args.command.as_deref()),
    }
}
