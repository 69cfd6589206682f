//! Criterion benchmarks of each stage (load, model, plan, render, emit) and of
//! the whole `podlift convert`, on synthetic compose files of 10 to 10,000
//! services (see `support/generate.rs`).
//!
//! `cargo bench --bench pipeline`; one stage: `cargo bench --bench pipeline -- plan/`.
//! `convert-findings` converts files with two warnings per service.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::missing_panics_doc
)]

mod support;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput, measurement::WallTime,
};

use podlift::diagnostic::Diagnostics;
use podlift::emit;
use podlift::load::{self, Document, LoadOptions};
use podlift::model::{self, NameSources, Project};
use podlift::plan::{self, Plan, PlanOptions};
use podlift::render::{self, Object, RenderOptions, RenderedObject};
use podlift::source::Sources;
use support::generate::{Variant, compose};

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// One generated project and the output of every stage, each stage's input.
struct Fixture {
    services: usize,
    path: PathBuf,
    load: LoadOptions,
    document: Document,
    project: Project,
    plan: Plan,
}

impl Fixture {
    fn new(dir: &Path, services: usize) -> Self {
        let path = dir.join(format!("compose-{services}.yaml"));
        std::fs::write(&path, compose(services, Variant::Full)).unwrap();
        let load = LoadOptions {
            files: vec![path.clone()],
            working_dir: dir.to_path_buf(),
            interpolate: true,
            ..LoadOptions::default()
        };
        let mut diagnostics = Diagnostics::default();
        let document = load::load(&load, &mut Sources::default(), &mut diagnostics).unwrap();
        let project = model::model(
            document.clone(),
            &NameSources::default(),
            &load.environment,
            &mut diagnostics,
        );
        let plan = plan::plan(&project, &plan_options(), &mut diagnostics);
        assert_eq!(plan.pods.len(), 1, "the bench's projects fit one Pod");
        assert_eq!(
            diagnostics.counts().errors + diagnostics.counts().warnings,
            0,
            "the synthetic file converts cleanly: {:?}",
            diagnostics.items()
        );
        Self {
            services,
            path,
            load,
            document,
            project,
            plan,
        }
    }
}

fn plan_options() -> PlanOptions {
    PlanOptions {
        kube_version: Some(podlift::plan::KubeVersion::new(1, 33)),
        ..PlanOptions::default()
    }
}

/// Fewer, shorter samples for the big files, so `cargo bench` ends in minutes.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, services: usize) {
    if services >= 10_000 {
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(5));
    } else {
        group.sample_size(30);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(3));
    }
    group.throughput(Throughput::Elements(services as u64));
}

fn stage<T>(
    c: &mut Criterion,
    name: &str,
    fixtures: &[Fixture],
    run: impl Fn(&Fixture) -> T + Copy,
) {
    let mut group = c.benchmark_group(name);
    for fixture in fixtures {
        configure(&mut group, fixture.services);
        group.bench_with_input(
            BenchmarkId::from_parameter(fixture.services),
            fixture,
            |b, fixture| b.iter(|| run(black_box(fixture))),
        );
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let fixtures: Vec<Fixture> = SIZES.iter().map(|&n| Fixture::new(dir.path(), n)).collect();

    stage(c, "load", &fixtures, |f| {
        load::load(
            &f.load,
            &mut Sources::default(),
            &mut Diagnostics::default(),
        )
    });
    // The model consumes the tree; each run gets a fresh copy, not timed.
    let mut group = c.benchmark_group("model");
    for fixture in &fixtures {
        configure(&mut group, fixture.services);
        group.bench_with_input(
            BenchmarkId::from_parameter(fixture.services),
            fixture,
            |b, f| {
                b.iter_batched(
                    || f.document.clone(),
                    |document| {
                        model::model(
                            document,
                            &NameSources::default(),
                            &f.load.environment,
                            &mut Diagnostics::default(),
                        )
                    },
                    BatchSize::LargeInput,
                );
            },
        );
    }
    group.finish();
    stage(c, "plan", &fixtures, |f| {
        plan::plan(&f.project, &plan_options(), &mut Diagnostics::default())
    });
    // Render hands the objects on one at a time, each rendered, measured
    // and assessed once: the stage is measured with every object made whole.
    let render_options = RenderOptions::default();
    stage(c, "render", &fixtures, |f| {
        let mut diagnostics = Diagnostics::default();
        let mut rendered = render::rendering(&f.plan, &render_options, &diagnostics);
        let objects = rendered
            .by_ref()
            .map(RenderedObject::into_object)
            .collect::<Vec<Object>>();
        rendered.finish(&mut diagnostics);
        objects
    });
    // Emit writes each object as render hands it on, as `convert` does.
    stage(c, "emit", &fixtures, |f| {
        let mut diagnostics = Diagnostics::default();
        let mut rendered = render::rendering(&f.plan, &render_options, &diagnostics);
        let options = emit::EmitOptions {
            format: emit::Format::Yaml,
            output: emit::Output::Stdout,
            force: false,
            project: String::new(),
        };
        let mut out = Vec::new();
        emit::emit(&mut rendered, &options, &mut out, |rendered| {
            rendered.finish(&mut diagnostics);
            true
        })
        .unwrap();
        out
    });
    stage(c, "convert", &fixtures, |f| {
        let (code, stderr) = convert(dir.path(), &f.path);
        // Past about 1,900 services the one Deployment is over the 1.5 MiB
        // Kubernetes stores in one object: podlift refuses it (exit 1).
        assert!(
            code == 0 || stderr.contains("would be more than 1.5 MiB"),
            "{stderr}"
        );
        (code, stderr)
    });
    // The same, with two warnings per service to render (issue 17).
    let mut group = c.benchmark_group("convert-findings");
    for services in [1_000, 10_000] {
        let path = dir.path().join(format!("findings-{services}.yaml"));
        std::fs::write(&path, compose(services, Variant::Findings)).unwrap();
        configure(&mut group, services);
        group.throughput(Throughput::Elements(2 * services as u64));
        group.bench_with_input(BenchmarkId::from_parameter(services), &path, |b, path| {
            b.iter(|| {
                let (code, stderr) = convert(dir.path(), path);
                assert!(stderr.contains("more warning[address-common-range]"));
                (code, stderr)
            });
        });
    }
    group.finish();
}

/// `podlift convert -f PATH` in `dir`, in-process and without the command
/// line: the stages, the rendered diagnostics, the YAML stream written to a
/// buffer (as the binary does to stdout); the exit status and stderr.
fn convert(dir: &Path, path: &Path) -> (u8, String) {
    let options = podlift::Options {
        load: LoadOptions {
            files: vec![path.to_path_buf()],
            working_dir: dir.to_path_buf(),
            interpolate: true,
            ..LoadOptions::default()
        },
        plan: PlanOptions {
            strategy: plan::Strategy::Auto,
            ..plan_options()
        },
        ..podlift::Options::default()
    };
    let mut pipeline = podlift::planned(&options);
    let plan = pipeline.plan.as_ref().unwrap();
    let emit_options = emit::EmitOptions {
        format: emit::Format::Yaml,
        output: emit::Output::Stdout,
        force: false,
        project: podlift::project_name(plan),
    };
    let mut rendered = render::rendering(plan, &options.render, &pipeline.diagnostics);
    let mut stdout = Vec::new();
    let diagnostics = &mut pipeline.diagnostics;
    let written = emit::emit(&mut rendered, &emit_options, &mut stdout, |rendered| {
        rendered.finish(diagnostics);
        !diagnostics.has_errors()
    })
    .unwrap();
    diagnostics.sort();
    let stderr = podlift::diagnostic::render(
        diagnostics,
        &pipeline.sources,
        podlift::diagnostic::Style::Plain,
    );
    if !written {
        return (1, stderr);
    }
    black_box(stdout);
    (0, stderr)
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}
