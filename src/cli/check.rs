//! `podlift check`: diagnostics and a summary, nothing written.

use podlift::diagnostic;
use podlift::report;

use super::args::{CheckArgs, CheckFormat};
use super::environment::Environment;
use super::exit::{Outcome, Status};
use super::options;

/// Checks: a summary on stdout and the diagnostics on stderr, or every
/// finding as JSON on stdout.
pub fn run(args: &CheckArgs, env: &Environment, shown: diagnostic::RenderOptions) -> Outcome {
    let pipeline = podlift::check(&options::stages(&args.input, env));
    let status = if pipeline.plan.is_none() {
        Status::failed(&pipeline.diagnostics)
    } else {
        Status::of(&pipeline.diagnostics, args.input.strict)
    };
    match args.format {
        CheckFormat::Json => Outcome::new(
            report::diagnostics_json(
                &pipeline.diagnostics,
                &pipeline.sources,
                pipeline.pod_security.as_ref(),
            ),
            String::new(),
            status,
        ),
        CheckFormat::Text => Outcome::new(
            report::check_summary(
                pipeline
                    .plan
                    .as_ref()
                    .map_or(&[], |plan| plan.pods.as_slice()),
                pipeline.pod_security.as_ref(),
                &pipeline.diagnostics,
                shown.verbosity,
            ),
            diagnostic::render_with(&pipeline.diagnostics, &pipeline.sources, shown),
            status,
        ),
    }
}
