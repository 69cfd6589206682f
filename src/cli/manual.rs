//! `podlift completions` and `podlift man`: what is made from the clap
//! definition itself.

use clap::CommandFactory as _;
use podlift::diagnostic::Diagnostic;

use super::args::Cli;
use super::exit::{Outcome, Status};

/// `podlift completions SHELL`: the completion script.
pub fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "podlift", &mut script);
    Outcome::new(
        String::from_utf8_lossy(&script).into_owned(),
        String::new(),
        Status::Success,
    )
}

/// `podlift man [COMMAND]`: the man page of podlift, or of one of its
/// commands (`podlift-convert(1)`), as roff.
pub fn man_page(command: Option<&str>) -> Outcome {
    let top = Cli::command();
    let page = match command {
        None => top,
        Some(name) => {
            let Some(found) = top.get_subcommands().find(|c| c.get_name() == name) else {
                let error = Diagnostic::command(format!("`{name}` is not a podlift command"))
                    .help("`podlift --help` lists them");
                return Outcome::error(String::new(), &error, Status::Usage);
            };
            found
                .clone()
                .display_name(format!("podlift-{name}"))
                .bin_name(format!("podlift {name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut roff = Vec::new();
    match clap_mangen::Man::new(page).render(&mut roff) {
        Ok(()) => Outcome::new(
            String::from_utf8_lossy(&roff).into_owned(),
            String::new(),
            Status::Success,
        ),
        Err(error) => {
            let error = Diagnostic::command(format!("cannot render the man page: {error}"));
            Outcome::error(String::new(), &error, Status::Failed)
        }
    }
}
