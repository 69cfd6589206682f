//! `podlift convert`: the manifests, on stdout or into `-o`.

use std::io::Write;

use podlift::Converted;
use podlift::diagnostic::{self, Diagnostic};
use podlift::emit::EmitError;

use super::args::ConvertArgs;
use super::environment::Environment;
use super::exit::{Outcome, Status};
use super::options;

/// Converts, writing manifests to `stdout` (or `-o`) only when the input
/// has no error (no warning under `--strict`).
pub fn run(
    args: &ConvertArgs,
    env: &Environment,
    shown: diagnostic::RenderOptions,
    stdout: &mut dyn Write,
) -> Outcome {
    // An interrupted run leaves none of its temporaries.
    super::signals::install();
    let mut stages = options::stages(&args.input, env);
    options::with_namespace(&mut stages.render, args);
    let destination = podlift::Destination {
        output: &args.output,
        format: args.format,
        force: args.force,
        working_dir: &env.working_dir,
        home: env.variables.get("HOME").map(std::path::Path::new),
    };
    let converted = podlift::convert(&stages, &destination, args.input.strict, stdout);
    // Stopped by a signal meanwhile: what went wrong since is its doing.
    if let Some(signal) = super::signals::interrupted() {
        let signal = u8::try_from(signal).unwrap_or(u8::MAX);
        return Outcome::new(String::new(), String::new(), Status::Interrupted(signal));
    }
    match converted {
        // A refused target prints no diagnostics of the conversion.
        Converted::DestinationRefused(message) => {
            Outcome::error(String::new(), &Diagnostic::command(message), Status::Usage)
        }
        Converted::NotWritten(pipeline) => Outcome::new(
            String::new(),
            diagnostic::render_with(&pipeline.diagnostics, &pipeline.sources, shown),
            Status::failed(&pipeline.diagnostics),
        ),
        Converted::Emitted(pipeline, written) => {
            let stderr = diagnostic::render_with(&pipeline.diagnostics, &pipeline.sources, shown);
            // The process ends once this is printed: freeing the project's
            // sources, plan and findings one allocation at a time would only
            // delay that (1.8 M instructions at 1,000 services).
            std::mem::forget(pipeline);
            match written {
                Ok(()) => Outcome::new(String::new(), stderr, Status::Success),
                Err(error) => {
                    let status = match error {
                        EmitError::Usage(_) => Status::Usage,
                        EmitError::Write(_) => Status::Failed,
                    };
                    Outcome::error(stderr, &Diagnostic::command(error.message()), status)
                }
            }
        }
    }
}
