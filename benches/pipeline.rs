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

use podlift::diagnostic::{Diagnostics, Severity};
use podlift::load::{self, Document, LoadOptions};
use podlift::model::{self, NameSources, Project};
use podlift::plan::{self, PlanOptions, PodPlan};
use podlift::render::{self, Object, RenderOptions};
use podlift::source::Sources;
use podlift::{Environment, emit};
use support::generate::{Variant, compose};

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// One generated project and the output of every stage, each stage's input.
struct Fixture {
    services: usize,
    path: PathBuf,
    load: LoadOptions,
    document: Document,
    project: Project,
    plan: PodPlan,
    objects: Vec<Object>,
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
        let plan = plan::plan(&project, &plan_options(), &mut diagnostics)
            .pods
            .into_iter()
            .next()
            .unwrap();
        assert_eq!(
            diagnostics.count(Severity::Error) + diagnostics.count(Severity::Warning),
            0,
            "the synthetic file converts cleanly: {:?}",
            diagnostics.items()
        );
        let objects = render::render(&plan, &RenderOptions::default());
        Self {
            services,
            path,
            load,
            document,
            project,
            plan,
            objects,
        }
    }
}

fn plan_options() -> PlanOptions {
    PlanOptions {
        native_sidecars: true,
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
    stage(c, "render", &fixtures, |f| {
        render::render(&f.plan, &RenderOptions::default())
    });
    stage(c, "emit", &fixtures, |f| {
        emit::yaml_stream(&f.objects).unwrap()
    });
    let env = Environment {
        working_dir: dir.path().to_path_buf(),
        ..Environment::default()
    };
    stage(c, "convert", &fixtures, |f| {
        let outcome = podlift::run(["podlift", "convert", "-f", f.path.to_str().unwrap()], &env);
        // Past about 1,900 services the one Deployment is over the 1.5 MiB
        // Kubernetes stores in one object: podlift refuses it (exit 1).
        assert!(
            outcome.code == 0 || outcome.stderr.contains("would be more than 1.5 MiB"),
            "{}",
            outcome.stderr
        );
        outcome
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
                let outcome =
                    podlift::run(["podlift", "convert", "-f", path.to_str().unwrap()], &env);
                assert!(
                    outcome
                        .stderr
                        .contains("more warning[address-common-range]")
                );
                outcome
            });
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}
