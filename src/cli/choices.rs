//! Flags whose values are a library enum's: each spelling, its variant and
//! its help text in one table, so a choice has one type (the library's) and
//! clap still lists, completes and checks the values.

use std::ffi::OsStr;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use podlift::{emit, plan};

/// The values of one flag: spelling, the library's variant, help.
#[derive(Clone, Copy)]
pub struct Choices<T: 'static>(&'static [(&'static str, T, &'static str)]);

impl<T: Copy + Send + Sync + 'static> TypedValueParser for Choices<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        // clap's own check and message for a value not in the list.
        let known = PossibleValuesParser::new(self.possible()).parse_ref(cmd, arg, value)?;
        self.0
            .iter()
            .find(|(name, ..)| *name == known)
            .map(|&(_, variant, _)| variant)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.possible()))
    }
}

impl<T> Choices<T> {
    fn possible(&self) -> impl Iterator<Item = PossibleValue> + '_ {
        self.0.iter().map(|&(name, _, help)| {
            let value = PossibleValue::new(name);
            if help.is_empty() {
                value
            } else {
                value.help(help)
            }
        })
    }
}

/// `--strategy`.
pub const STRATEGY: Choices<plan::Strategy> = Choices(&[
    (
        "auto",
        plan::Strategy::Auto,
        "One Pod where one can hold the application, else the fewest Pods that can",
    ),
    ("pod", plan::Strategy::Pod, "One Pod for all services"),
    (
        "split",
        plan::Strategy::Split,
        "A Deployment per service, or per group sharing a network namespace",
    ),
]);

/// `--bind-as`.
pub const BIND_AS: Choices<plan::BindAs> = Choices(&[
    ("hostpath", plan::BindAs::HostPath, "A path on the node"),
    ("pvc", plan::BindAs::Claim, "An empty PersistentVolumeClaim"),
]);

/// `--health-probe`.
pub const HEALTH_PROBE: Choices<plan::HealthProbe> = Choices(&[
    (
        "none",
        plan::HealthProbe::None,
        "No probe of its own, as under compose: a `startupProbe` only where a dependent waits with `service_healthy`",
    ),
    (
        "readiness",
        plan::HealthProbe::Readiness,
        "Also a `readinessProbe`: while it fails, every Service of its Pod stops sending the Pod traffic",
    ),
    (
        "liveness",
        plan::HealthProbe::Liveness,
        "Also a `livenessProbe`: the kubelet restarts the container when it fails",
    ),
]);

/// `--controller`.
pub const CONTROLLER: Choices<plan::Controller> = Choices(&[
    (
        "deployment",
        plan::Controller::Deployment,
        "A Deployment with `strategy: Recreate`",
    ),
    (
        "statefulset",
        plan::Controller::StatefulSet,
        "A StatefulSet; allows replicas of stateful services under the split strategy",
    ),
    ("pod", plan::Controller::Pod, "A bare Pod"),
]);

/// `--service-type`.
pub const SERVICE_TYPE: Choices<plan::ServiceType> = Choices(&[
    ("ClusterIP", plan::ServiceType::ClusterIp, ""),
    ("NodePort", plan::ServiceType::NodePort, ""),
    ("LoadBalancer", plan::ServiceType::LoadBalancer, ""),
]);

/// `convert --format`.
pub const FORMAT: Choices<emit::Format> = Choices(&[
    (
        "yaml",
        emit::Format::Yaml,
        "A YAML stream (or one YAML file per object with `-o DIR`)",
    ),
    ("json", emit::Format::Json, "A Kubernetes `List` in JSON"),
    (
        "kustomize",
        emit::Format::Kustomize,
        "A Kustomize base (needs `-o DIR`)",
    ),
    ("helm", emit::Format::Helm, "A Helm chart (needs `-o DIR`)"),
]);

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::args::{Cli, Command};

    /// Every spelling of every table reaches its variant through clap.
    #[test]
    fn each_spelling_parses_to_its_variant() {
        let input = |args: &[&str]| {
            let cli = Cli::try_parse_from([&["podlift", "convert"], args].concat())
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
            match cli.command {
                Command::Convert(convert) => convert,
                _ => panic!("not convert"),
            }
        };
        for &(name, variant, _) in STRATEGY.0 {
            assert_eq!(input(&["--strategy", name]).input.strategy, variant);
        }
        for &(name, variant, _) in BIND_AS.0 {
            assert_eq!(input(&["--bind-as", name]).input.bind_as, variant);
        }
        for &(name, variant, _) in HEALTH_PROBE.0 {
            assert_eq!(input(&["--health-probe", name]).input.health_probe, variant);
        }
        for &(name, variant, _) in CONTROLLER.0 {
            assert_eq!(input(&["--controller", name]).input.controller, variant);
        }
        for &(name, variant, _) in SERVICE_TYPE.0 {
            assert_eq!(
                input(&["--service-type", name]).input.service_type,
                Some(variant)
            );
            assert_eq!(variant.as_k8s(), name, "spelled as Kubernetes spells it");
        }
        for &(name, variant, _) in FORMAT.0 {
            assert_eq!(input(&["--format", name]).format, Some(variant));
        }
        let defaults = input(&[]);
        assert_eq!(defaults.input.strategy, plan::Strategy::Auto);
        assert_eq!(defaults.input.controller, plan::Controller::Deployment);
    }
}
