//! Writes a synthetic compose file to stdout, for `scripts/bench.sh`:
//! `cargo bench --bench gen_compose -- SERVICES full|podlet|findings > compose.yaml`.
//!
//! A plain `cargo bench` runs this target too (with only `--bench`): it then
//! does nothing.

#![allow(missing_docs, clippy::print_stdout, clippy::print_stderr)]

mod support;

use std::io::Write as _;
use std::process::ExitCode;

use support::generate::{Variant, compose};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    // `cargo bench` hands every target its filter; only a number is ours.
    let [services, variant] = args.as_slice() else {
        return ExitCode::SUCCESS;
    };
    let Ok(services) = services.parse() else {
        return ExitCode::SUCCESS;
    };
    let Some(variant) = Variant::from_name(variant) else {
        eprintln!("usage: gen_compose SERVICES full|podlet|findings");
        return ExitCode::FAILURE;
    };
    let text = compose(services, variant);
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gen_compose: {error}");
            ExitCode::FAILURE
        }
    }
}
