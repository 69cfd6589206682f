//! `podlift config`: the compose project as podlift resolved it, as
//! `docker compose config` prints it.

use podlift::config;
use podlift::diagnostic::{self, Diagnostic};

use super::args::{ConfigArgs, ConfigFormat};
use super::environment::Environment;
use super::exit::{Outcome, Status};
use super::options;

/// Prints the project in canonical form (with `--images`, every image the
/// output pulls, one per line). Exits 1, printing nothing, where compose
/// would refuse the input ([`podlift::config`] says which findings count).
pub fn run(args: &ConfigArgs, env: &Environment, shown: diagnostic::RenderOptions) -> Outcome {
    let request = podlift::ConfigRequest {
        images: args.images,
    };
    let configured = podlift::config(&options::stages(&args.input, env), request);
    let diagnostics = &configured.diagnostics;
    let stderr = diagnostic::render_with(diagnostics, &configured.sources, shown);
    let canonical = match configured.canonical {
        Some(value) if Status::of(diagnostics, args.input.strict) == Status::Success => value,
        _ => return Outcome::new(String::new(), stderr, Status::failed(diagnostics)),
    };
    if let Some(images) = configured.images {
        // One reference a line, escaped like every value printed: an image
        // with a newline or ESC in it cannot add a line or reach the terminal.
        let mut stdout = String::new();
        for image in &images {
            stdout.push_str(&diagnostic::printable::printable(image));
            stdout.push('\n');
        }
        return Outcome::new(stdout, stderr, Status::Success);
    }
    match config::to_text(&canonical, args.format == ConfigFormat::Json) {
        Ok(stdout) => Outcome::new(stdout, stderr, Status::Success),
        Err(error) => Outcome::error(stderr, &Diagnostic::command(error), Status::Failed),
    }
}
