//! `podlift plan`: what goes where, as a table or a Mermaid diagram.

use podlift::diagnostic;
use podlift::report;

use super::args::{PlanArgs, PlanFormat};
use super::environment::Environment;
use super::exit::{Outcome, Status};
use super::options;

/// Prints the plan whenever there is one, errors or not: a user sees what
/// goes where before fixing them. Rows of services with errors are marked,
/// the errors listed below, and the exit status still says failure.
pub fn run(args: &PlanArgs, env: &Environment, shown: diagnostic::RenderOptions) -> Outcome {
    let pipeline = podlift::plan(&options::stages(&args.input, env));
    let stderr = diagnostic::render_with(&pipeline.diagnostics, &pipeline.sources, shown);
    let Some(plan) = &pipeline.plan else {
        return Outcome::new(String::new(), stderr, Status::failed(&pipeline.diagnostics));
    };
    let status = Status::of(&pipeline.diagnostics, args.input.strict);
    let marks = report::errors_by_service(&pipeline.diagnostics, &pipeline.sources);
    let mut stdout = match args.format {
        PlanFormat::Table => plan
            .pods
            .iter()
            .map(|pod| report::plan_table_marked(pod, &marks))
            .collect::<Vec<_>>()
            .join("\n"),
        PlanFormat::Mermaid => report::plan_mermaid(&plan.pods),
    };
    let prefix = match args.format {
        PlanFormat::Table => "",
        PlanFormat::Mermaid => "%% ",
    };
    stdout.push_str(&report::plan_footer(
        &pipeline.diagnostics,
        &pipeline.sources,
        prefix,
    ));
    Outcome::new(stdout, stderr, status)
}
