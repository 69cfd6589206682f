//! `podlift config`: the compose project as podlift resolved it, as
//! `docker compose config` prints it.

use podlift::diagnostic::{self, Class, Diagnostic, Diagnostics, Severity};
use podlift::source::Sources;
use podlift::{config, load, model, plan};

use super::args::{ConfigArgs, ConfigFormat};
use super::environment::Environment;
use super::exit::{Outcome, Status};
use super::options;

/// Loads and reads the project and prints it in canonical form (with
/// `--images`, every image the output pulls, one per line). Exits 1,
/// printing nothing, where `convert` would refuse the input for a loading
/// error; the checks of the plan stage about Pods do not run.
pub fn run(args: &ConfigArgs, env: &Environment, shown: diagnostic::RenderOptions) -> Outcome {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let options = options::load_options(&args.input, env);
    let document = load::load(&options, &mut sources, &mut diagnostics);
    let global = args.input.allow.iter().cloned().collect();
    let mut allow = diagnostic::Allow::default();
    let canonical = document.map(|document| {
        let names = podlift::name_sources(&document, args.input.project_name.as_deref(), &options);
        let context = config::ConfigContext {
            name: model::project_name_of(&names, &document.root),
            variables: podlift::project_environment(&document, &options),
            interpolated: !args.input.no_interpolate,
        };
        let canonical = config::canonical(&document, &context);
        let mut modeled = Diagnostics::default();
        let project = model::model(document, &names, &context.variables, &mut modeled);
        allow = podlift::allowances(&project, &global, &mut modeled);
        for diagnostic in modeled.items() {
            // Compose's schema refuses a key it does not know (at the top
            // level, a compose v1 file's services): `convert` reports it and
            // goes on, `config` refuses the file as compose does.
            if diagnostic.code == "key-unknown" {
                let mut refused = diagnostic.clone();
                refused.severity = Severity::Error;
                diagnostics.push(refused);
                continue;
            }
            // What compose accepts but a cluster would refuse (an error of
            // class `Cluster`) is `convert`'s concern, not a reason to refuse
            // printing the project. (The plan's reference checks,
            // `plan::check_references`, push only what compose refuses too.)
            if !(diagnostic.severity == Severity::Error
                && diagnostic.class() == Some(Class::Cluster))
            {
                diagnostics.push(diagnostic.clone());
            }
        }
        // The plan stage checks references (`depends_on` targets and cycles,
        // undeclared volumes and networks) that make compose refuse a file
        // too; the rest of what it finds is about the Pods.
        plan::check_references(&project, &mut diagnostics);
        // `--images`: what the output pulls, found as `convert` finds it;
        // the plan's findings about Pods are `convert`'s to report.
        let images = args.images.then(|| {
            let stages = options::stages(&args.input, env);
            let planned = plan::plan(&project, &stages.plan, &mut Diagnostics::default());
            podlift::images(&planned, &stages.render)
        });
        (canonical, images)
    });
    diagnostics.sort();
    diagnostics.allow(&allow, &sources);
    let stderr = diagnostic::render_with(&diagnostics, &sources, shown);
    let (canonical, images) = match canonical {
        Some(value) if Status::of(&diagnostics, args.input.strict) == Status::Success => value,
        _ => return Outcome::new(String::new(), stderr, Status::failed(&diagnostics)),
    };
    if let Some(images) = images {
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
