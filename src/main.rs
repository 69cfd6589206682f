//! The `podlift` command: parse, run, print, exit.

use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let outcome = podlift::run(std::env::args_os(), &podlift::Environment::from_process());
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.code)
}
