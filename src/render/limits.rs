//! What Kubernetes would refuse to store, checked before anything is
//! written: an object over 1.5 MiB (etcd's default request limit; measured
//! as compact JSON, what `kubectl` sends), a ConfigMap or Secret over 1 MiB of
//! data, annotations over 256 KiB.
//!
//! An object is measured whole, as its k8s-openapi type, by a serializer
//! that counts the bytes of compact JSON without writing them and stops at
//! the limit ([`json_len::Counter`]): a huge object costs no more than the
//! limit to measure. A workload's lists are collected
//! under a [`Budget`] of the same limit first, so a Pod that could never
//! fit (10,000 containers) is refused before it is held whole.

mod json_len;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diagnostic::{Code, Diagnostic};
use crate::render::object::Object;

/// The largest object, in bytes of compact JSON.
const MAX_OBJECT_BYTES: usize = 1024 * 1024 * 3 / 2;
/// The most data a ConfigMap or Secret holds (keys and values).
const MAX_DATA_BYTES: usize = 1024 * 1024;
/// The most annotations (keys and values) one object's metadata holds.
const MAX_ANNOTATION_BYTES: usize = 256 * 1024;

/// Counts bytes written by serde_json and fails once past `limit`, so a
/// huge object costs no more than the limit to measure.
struct Capped {
    written: usize,
    limit: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written += buf.len();
        if self.written > self.limit {
            return Err(std::io::Error::other("over the limit"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Size in bytes of `value` as compact JSON, or `None` when over `limit`:
/// counted by [`json_len::Counter`], which builds no bytes, or by serde_json
/// where that counter cannot say.
fn json_size<T: Serialize + ?Sized>(value: &T, limit: usize) -> Option<usize> {
    let mut counter = json_len::Counter::new(limit);
    match value.serialize(&mut counter) {
        Ok(()) => Some(counter.written),
        Err(json_len::Stop::Over) => None,
        Err(json_len::Stop::Unknown) => serde_json_size(value, limit),
    }
}

/// [`json_size`] as serde_json writes it.
fn serde_json_size<T: Serialize + ?Sized>(value: &T, limit: usize) -> Option<usize> {
    let mut counter = Capped { written: 0, limit };
    // Any failure but the limit is reported when the object is written.
    let _ = serde_json::to_writer(&mut counter, value);
    (counter.written <= limit).then_some(counter.written)
}

fn annotation_bytes(annotations: Option<&BTreeMap<String, String>>) -> usize {
    annotations.map_or(0, |a| a.iter().map(|(k, v)| k.len() + v.len()).sum())
}

fn mib(bytes: usize) -> String {
    #[allow(clippy::cast_precision_loss)] // a size for people
    let value = bytes as f64 / (1024.0 * 1024.0);
    format!("{value:.2} MiB")
}

/// The problems of one object, without its size.
fn check_metadata(object: &Object, problems: &mut Vec<Diagnostic>) {
    let kind = object.kind();
    let name = object.name();
    let data = match object {
        Object::ConfigMap(c) => {
            let text: usize = c
                .data
                .iter()
                .flatten()
                .map(|(k, v)| k.len() + v.len())
                .sum();
            let binary: usize = c
                .binary_data
                .iter()
                .flatten()
                .map(|(k, v)| k.len() + v.0.len())
                .sum();
            text + binary
        }
        Object::Secret(s) => s
            .data
            .iter()
            .flatten()
            .map(|(k, v)| k.len() + v.0.len())
            .sum(),
        _ => 0,
    };
    if data > MAX_DATA_BYTES {
        problems.push(
            Diagnostic::error(
                Code::ObjectTooLarge,
                format!(
                    "{kind} `{name}` would hold {} of data, more than the 1 MiB Kubernetes allows",
                    mib(data)
                ),
            )
            .help(
                "mount fewer or smaller files from it, or put them into a claim (a named volume)",
            ),
        );
    }
    let metadata = match object {
        Object::ConfigMap(o) => &o.metadata,
        Object::Secret(o) => &o.metadata,
        Object::PersistentVolumeClaim(o) => &o.metadata,
        Object::Service(o) => &o.metadata,
        Object::Namespace(o) => &o.metadata,
        Object::Deployment(o) => &o.metadata,
        Object::StatefulSet(o) => &o.metadata,
        Object::Pod(o) => &o.metadata,
        Object::NetworkPolicy(o) => &o.metadata,
    };
    let own = annotation_bytes(metadata.annotations.as_ref());
    let template = object
        .workload()
        .and_then(|w| w.pod_metadata)
        .filter(|m| !std::ptr::eq(*m, metadata))
        .map_or(0, |m| annotation_bytes(m.annotations.as_ref()));
    for bytes in [own, template] {
        if bytes > MAX_ANNOTATION_BYTES {
            problems.push(Diagnostic::error(
                Code::ObjectTooLarge,
                format!(
                    "the annotations of {kind} `{name}` would take {bytes} bytes, more than the 256 KiB Kubernetes allows"
                ),
            ).help("shorten the compose `labels` (they become annotations), or split the services over several Pods (`--strategy split`)"));
        }
    }
}

fn too_large(object: &Object) -> Diagnostic {
    let advice = if object.workload().is_some() {
        "convert with `--strategy split` (a Pod per service), or fewer services at a time"
    } else {
        "split it: fewer or smaller files per object, or a claim for large content"
    };
    Diagnostic::error(
        Code::ObjectTooLarge,
        format!(
            "{} `{}` would be more than 1.5 MiB, the most Kubernetes stores in one object",
            object.kind(),
            object.name()
        ),
    )
    .help(advice)
}

/// What is left of the object-size limit while a workload's lists are
/// collected: each item's compact JSON is part of the object's, so once
/// the items alone pass the limit, the object is too large whatever else
/// it holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    left: usize,
}

impl Budget {
    /// The limit of one object.
    pub(crate) const fn object() -> Self {
        Self {
            left: MAX_OBJECT_BYTES,
        }
    }

    /// Spends the size of `item`; false once the items spent pass the limit.
    pub(crate) fn spend<T: Serialize + ?Sized>(&mut self, item: &T) -> bool {
        match json_size(item, self.left) {
            Some(bytes) => {
                self.left -= bytes;
                true
            }
            None => {
                self.left = 0;
                false
            }
        }
    }
}

/// The problems of one object as it will be written: one error per limit
/// Kubernetes would refuse it for. `measure` asks for its size too (the
/// render stage measures every object: a ConfigMap within its data limit
/// passes the object limit once JSON escapes its text).
pub(crate) fn check(object: &Object, measure: bool, problems: &mut Vec<Diagnostic>) {
    check_metadata(object, problems);
    if measure && json_size(object, MAX_OBJECT_BYTES).is_none() {
        problems.push(too_large(object));
    }
}

/// The problems of a workload built whole, its lists (init containers,
/// containers, volumes) collected under `budget`: as [`check`], but its
/// lists are not serialised again. Compact JSON is the same wherever a
/// value is nested, so the object's size is that of its skeleton (the
/// lists emptied) plus the items the budget measured and the commas
/// between them.
pub(crate) fn check_whole(object: &mut Object, budget: Budget, problems: &mut Vec<Diagnostic>) {
    check_metadata(object, problems);
    if whole_size(object, budget).is_none() {
        problems.push(too_large(object));
    }
}

/// The size of `object` as compact JSON (`None` when over the limit) from
/// its skeleton and what its lists spent of `budget`.
fn whole_size(object: &mut Object, budget: Budget) -> Option<usize> {
    let items = MAX_OBJECT_BYTES.saturating_sub(budget.left);
    let Some(spec) = object.pod_spec_mut() else {
        return json_size(object, MAX_OBJECT_BYTES);
    };
    let containers = std::mem::take(&mut spec.containers);
    let init = spec.init_containers.as_mut().map(std::mem::take);
    let volumes = spec.volumes.as_mut().map(std::mem::take);
    let commas: usize = [
        Some(containers.len()),
        init.as_ref().map(Vec::len),
        volumes.as_ref().map(Vec::len),
    ]
    .into_iter()
    .flatten()
    .map(|n| n.saturating_sub(1))
    .sum();
    let skeleton = json_size(object, MAX_OBJECT_BYTES);
    if let Some(spec) = object.pod_spec_mut() {
        spec.containers = containers;
        if let Some(list) = spec.init_containers.as_mut() {
            *list = init.unwrap_or_default();
        }
        if let Some(list) = spec.volumes.as_mut() {
            *list = volumes.unwrap_or_default();
        }
    }
    skeleton?
        .checked_add(items)?
        .checked_add(commas)
        .filter(|&bytes| bytes <= MAX_OBJECT_BYTES)
}

/// The problems of a workload refused before it was built whole (its lists
/// alone pass the limit): those of its metadata, and its size.
pub(crate) fn refuse(skeleton: &Object, problems: &mut Vec<Diagnostic>) {
    check_metadata(skeleton, problems);
    problems.push(too_large(skeleton));
}

#[cfg(test)]
mod tests {
    use super::{Budget, MAX_OBJECT_BYTES, json_size, whole_size};
    use crate::plan::{PlanOptions, plan_text};
    use crate::render::workload::{self, Built};
    use crate::render::{Controller, RenderOptions};

    /// Init containers, several containers and volumes, and one service
    /// with none of them.
    const LISTS: &str = "\
services:
  setup: {image: busybox}
  app:
    image: busybox
    command: [\"sh\", \"-c\", \"echo \\\"quoted\\\" \\u00e9\"]
    depends_on: {setup: {condition: service_completed_successfully}}
    volumes: [data:/data, /var/log:/logs]
    tmpfs: [/tmp]
  side: {image: busybox, environment: {A: '1', B: 'x\\ty'}}
volumes:
  data: {}
";

    #[test]
    fn a_workload_measured_from_its_skeleton_and_budget_is_its_whole_size() {
        for (text, controller) in [
            (LISTS, Controller::Deployment),
            (LISTS, Controller::StatefulSet),
            (
                "services:\n  one: {image: busybox}\n",
                Controller::Deployment,
            ),
        ] {
            let (plan, _) = plan_text(text, &PlanOptions::default());
            let options = RenderOptions {
                controller,
                ..RenderOptions::default()
            };
            let mut budget = Some(Budget::object());
            let Built::Whole(mut object) = workload::build_in(&plan, &options, &mut budget) else {
                panic!("built whole");
            };
            let whole = json_size(&object, MAX_OBJECT_BYTES);
            assert!(whole.is_some());
            assert_eq!(whole_size(&mut object, budget.unwrap()), whole, "{text}");
            // and the object is left as it was
            assert_eq!(json_size(&object, MAX_OBJECT_BYTES), whole);
        }
    }
}
