//! Flags and the process environment, translated into the stages' typed
//! options: the only place that knows both.

use std::path::PathBuf;

use podlift::diagnostic::{self, Style, Verbosity};
use podlift::{load, plan, render};

use super::args::{Cli, ColorWhen, ConvertArgs, ImageArgs, InputArgs};
use super::environment::Environment;

/// How diagnostics are shown: `-q`, `-v`, `--color` (`auto` follows the
/// environment: stderr is a terminal and `NO_COLOR` is unset).
pub const fn diagnostics(cli: &Cli, env: &Environment) -> diagnostic::RenderOptions {
    let color = match cli.color {
        ColorWhen::Auto => env.color,
        ColorWhen::Always => true,
        ColorWhen::Never => false,
    };
    diagnostic::RenderOptions {
        style: if color { Style::Color } else { Style::Plain },
        verbosity: if cli.quiet {
            Verbosity::Quiet
        } else if cli.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        },
        strict: match cli.command.input() {
            Some(input) => input.strict,
            None => false,
        },
    }
}

/// The options of the stages from the inputs every command shares (render's
/// without a namespace: `convert` adds its `-n`).
pub fn stages(input: &InputArgs, env: &Environment) -> podlift::Options {
    podlift::Options {
        load: load_options(input, env),
        project_name: input.project_name.clone(),
        plan: plan_options(input),
        render: render_options(input),
        allow: input
            .allow
            .iter()
            .filter_map(|name| diagnostic::Code::from_name(name))
            .collect(),
        images: image_options(&input.images, env),
    }
}

/// `--inspect-images` and its sources; logins and the cache from the
/// environment: `DOCKER_CONFIG` (else `~/.docker`), `REGISTRY_AUTH_FILE`,
/// `XDG_CACHE_HOME` (else `~/.cache`).
pub fn image_options(args: &ImageArgs, env: &Environment) -> podlift::images::ImageOptions {
    // A relative directory would be the project's own (the working
    // directory): never believed for the cache or logins.
    let variable = |name: &str| {
        env.variables
            .get(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let home = variable("HOME");
    podlift::images::ImageOptions {
        inspect: args.inspect_images,
        archives: args
            .image_archives
            .iter()
            .map(|p| env.working_dir.join(p))
            .collect(),
        offline: args.offline,
        insecure_registries: args.insecure_registries.clone(),
        platform: args.platform.clone(),
        cache_dir: variable("XDG_CACHE_HOME")
            .or_else(|| home.as_ref().map(|h| h.join(".cache")))
            .map(|dir| dir.join("podlift")),
        pin_digests: args.pin_digests,
        docker_config: variable("DOCKER_CONFIG")
            .or_else(|| home.as_ref().map(|h| h.join(".docker"))),
        registry_auth_file: variable("REGISTRY_AUTH_FILE"),
    }
}

/// The load stage's options from the command line and the environment.
pub fn load_options(input: &InputArgs, env: &Environment) -> load::LoadOptions {
    load::LoadOptions {
        files: input.files.clone(),
        compose_file_env: env.compose_file.clone(),
        working_dir: env.working_dir.clone(),
        // `--env-file`, else `COMPOSE_ENV_FILES` (comma-separated), as compose
        env_files: if input.env_files.is_empty() {
            env.variables
                .get("COMPOSE_ENV_FILES")
                .map(|files| {
                    files
                        .split(',')
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(PathBuf::from)
                        .collect()
                })
                .unwrap_or_default()
        } else {
            input.env_files.clone()
        },
        // `--profile` replaces `COMPOSE_PROFILES`, as in docker compose v2
        profiles: if input.profiles.is_empty() {
            env.compose_profiles
                .iter()
                .flat_map(|p| {
                    p.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(String::from)
                })
                .collect()
        } else {
            input.profiles.clone()
        },
        interpolate: !input.no_interpolate,
        environment: env.variables.clone(),
        stdin: env.stdin.clone(),
        path_separator: env.variables.get("COMPOSE_PATH_SEPARATOR").cloned(),
        services: input.services.clone(),
        exclude: input.exclude.clone(),
        allow_outside: input.allow_outside.clone(),
    }
}

/// The plan stage's options from the command line.
pub fn plan_options(input: &InputArgs) -> plan::PlanOptions {
    plan::PlanOptions {
        extra_addresses: input.extra_ips.clone(),
        init_image: input.init_image.clone(),
        privileged_init: input.privileged_init,
        kube_version: Some(input.kube_version),
        service_type: input.service_type,
        pod_cidrs: input.pod_cidrs.clone(),
        service_cidrs: input.service_cidrs.clone(),
        allow_shared_ports: input.allow_shared_ports.clone(),
        inbound_dnat: input.inbound_dnat,
        controller: input.controller,
        strategy: input.strategy,
        storage: plan::StorageOptions {
            claim_size: input.volume_size.clone(),
            storage_class: input.storage_class.clone(),
            bind_as: input.bind_as,
            bind_root: input.bind_root.clone(),
        },
        health_probe: input.health_probe,
    }
}

/// The render stage's options from the command line, without a namespace.
fn render_options(input: &InputArgs) -> render::RenderOptions {
    render::RenderOptions {
        controller: input.controller,
        namespace: None,
        create_namespace: false,
    }
}

/// `convert`'s `-n` and `--create-namespace` on the render options.
pub fn with_namespace(options: &mut render::RenderOptions, args: &ConvertArgs) {
    options.namespace.clone_from(&args.namespace);
    options.create_namespace = args.create_namespace;
}
