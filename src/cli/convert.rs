//! `podlift convert`: the manifests, on stdout or into `-o`.

use std::io::Write;

use podlift::diagnostic::{self, Diagnostic};
use podlift::{emit, render};

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
    // Where to write is settled before any work: a refused target costs
    // nothing and prints no diagnostics of the conversion.
    let inputs = options::named_inputs(&args.input, env);
    let request = emit::target::Request {
        output: &args.output,
        format: args.format,
        force: args.force,
        working_dir: &env.working_dir,
        home: env.variables.get("HOME").map(std::path::Path::new),
        inputs: &inputs,
    };
    let (target, format) = match emit::target::resolve(&request) {
        Ok(resolved) => resolved,
        Err(message) => return usage(message),
    };
    let mut stages = options::stages(&args.input, env);
    options::with_namespace(&mut stages.render, args);
    // Rendered once, with the options it is written with: what is measured
    // (object sizes, Pod Security) is what is written.
    let mut pipeline = podlift::planned(&stages);
    let rendered = pipeline
        .plan
        .as_ref()
        .map(|plan| render::render(plan, &stages.render, &mut pipeline.diagnostics));
    // As `Pipeline::finish`, field by field: `rendered` borrows the plan.
    pipeline.diagnostics.sort();
    pipeline
        .diagnostics
        .allow(&pipeline.allow, &pipeline.sources);
    // Files found while loading (`include`, `extends`, `.env`) are inputs too.
    if let Err(message) =
        emit::target::check_inputs(&target, &env.working_dir, pipeline.sources.paths())
    {
        return usage(message);
    }
    let stderr = diagnostic::render_with(&pipeline.diagnostics, &pipeline.sources, shown);
    let status = Status::of(&pipeline.diagnostics, args.input.strict);
    let rendered = match &rendered {
        Some(rendered) if status == Status::Success => rendered,
        _ => return Outcome::new(String::new(), stderr, Status::failed(&pipeline.diagnostics)),
    };
    let project = pipeline
        .plan
        .as_ref()
        .map(podlift::project_name)
        .unwrap_or_default();
    let emit_options = options::emit_options(args, target, format, project);
    match emit::emit(rendered, &emit_options, stdout) {
        Ok(()) => Outcome::new(String::new(), stderr, Status::Success),
        Err(error) => {
            let status = match error {
                emit::EmitError::Usage(_) => Status::Usage,
                emit::EmitError::Write(_) => Status::Failed,
            };
            Outcome::error(stderr, &Diagnostic::command(error.message()), status)
        }
    }
}

/// A refused output: only its message, exit 2.
fn usage(message: String) -> Outcome {
    Outcome::error(String::new(), &Diagnostic::command(message), Status::Usage)
}
