//! Reports for people and CI systems: the `plan` table and Mermaid diagram,
//! the `check` summary and diagnostics as JSON. Text only; printing is the
//! caller's. Every report leaves here safe for a terminal: text from the
//! input has its control characters escaped ([`printable`]).

mod from_images;
mod init_rows;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::diagnostic::printable::{json_printable, printable, printable_owned};
use crate::diagnostic::{Counts, Diagnostic, Diagnostics, Groups, Severity, Verbosity};
use crate::plan::storage::VolumeSource;
use crate::plan::{ContainerPlan, PodPlan, Role};
use crate::source::Sources;

const fn role_name(role: Role) -> &'static str {
    match role {
        Role::Container => "container",
        Role::Sidecar => "sidecar",
        Role::Init => "init",
    }
}

fn join_or_dash<I: IntoIterator<Item = String>>(items: I) -> String {
    let text = items.into_iter().collect::<Vec<_>>().join(", ");
    if text.is_empty() {
        "-".to_string()
    } else {
        text
    }
}

/// Names that resolve to a container's first address.
fn names_of(
    at: &HashMap<std::net::IpAddr, Vec<&str>>,
    loopback: &HashSet<&str>,
    container: &ContainerPlan,
) -> Vec<String> {
    if let Some(ip) = container.addresses.first() {
        return at.get(ip).map_or_else(Vec::new, |names| {
            names.iter().map(|n| (*n).to_owned()).collect()
        });
    }
    // Every container without a preset address shares 127.0.0.1: listing
    // all names there on each line made the summary quadratic in services.
    // Each line names only the container's own names that resolve there.
    let mut own: Vec<String> = Vec::new();
    for name in [&container.service, &container.name] {
        let lower = name.to_ascii_lowercase();
        if loopback.contains(lower.as_str()) && !own.contains(&lower) {
            own.push(lower);
        }
    }
    own
}

/// `podlift plan`: what goes where, as aligned text tables.
#[must_use]
pub fn plan_table(plan: &PodPlan) -> String {
    plan_table_marked(plan, &BTreeMap::new())
}

/// The error codes of each service, for marking the plan's rows.
#[must_use]
pub fn errors_by_service(
    diagnostics: &Diagnostics,
    sources: &Sources,
) -> BTreeMap<String, Vec<&'static str>> {
    let mut out: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for d in diagnostics.items() {
        if d.severity != Severity::Error {
            continue;
        }
        let service = d
            .span
            .and_then(|s| sources.service_at(s))
            .map(ToString::to_string);
        if let Some(service) = service {
            let codes = out.entry(service).or_default();
            if !codes.contains(&d.code.as_str()) {
                codes.push(d.code.as_str());
            }
        }
    }
    out
}

/// The plan table with an `ERRORS` column naming the error codes of each
/// service in `marks` (the column appears only when a row has one).
#[must_use]
pub fn plan_table_marked(plan: &PodPlan, marks: &BTreeMap<String, Vec<&'static str>>) -> String {
    let marked = plan
        .containers
        .iter()
        .any(|c| marks.contains_key(&c.service));
    let mut rows = vec![[
        "#".to_string(),
        "CONTAINER".to_string(),
        "ROLE".to_string(),
        "IMAGE".to_string(),
        "ADDRESSES".to_string(),
        "PORTS".to_string(),
        "VOLUMES".to_string(),
        "WAITS FOR".to_string(),
        String::new(),
    ]];
    let mut position = 0;
    init_rows::push(plan, &mut position, &mut rows);
    for container in &plan.containers {
        position += 1;
        rows.push([
            position.to_string(),
            container.name.clone(),
            role_name(container.role).to_string(),
            container.image.clone(),
            join_or_dash(container.addresses.iter().map(ToString::to_string)),
            join_or_dash(
                container
                    .details
                    .ports
                    .iter()
                    .map(|(p, proto)| format!("{p}/{}", proto.as_str())),
            ),
            join_or_dash(container.details.mounts.iter().map(|m| m.path.clone())),
            join_or_dash(container.depends_on.iter().cloned()),
            marks
                .get(&container.service)
                .map(|codes| codes.join(", "))
                .unwrap_or_default(),
        ]);
    }
    let mut out = format!(
        "Pod `{}` (project `{}`)",
        printable(&plan.name),
        printable(&plan.project)
    );
    if let Some(reason) = &plan.reason {
        let _ = write!(out, ", a Pod of its own because {}", printable(reason));
    }
    out.push_str(", in start order:\n\n");
    if marked && let Some(cell) = rows.first_mut().and_then(|header| header.get_mut(8)) {
        *cell = "ERRORS".to_string();
    }
    out.push_str(&table(&rows));
    from_images::from_images(&mut out, plan);
    names_and_services(&mut out, plan);
    printable_owned(out)
}

/// The plan's names (hostAliases), Services and claims.
fn names_and_services(out: &mut String, plan: &PodPlan) {
    out.push_str("\nNames (hostAliases):\n");
    for alias in &plan.host_aliases {
        let _ = writeln!(
            *out,
            "  {:<16} {}",
            alias.ip.to_string(),
            printable(&alias.names.join(" "))
        );
    }
    if !plan.services.is_empty() {
        out.push_str("\nServices:\n");
        for service in &plan.services {
            let ports: Vec<String> = service
                .ports
                .iter()
                .map(|p| format!("{} -> {}/{}", p.port, p.target, p.protocol.as_str()))
                .collect();
            // The type only where it reaches beyond the cluster.
            let reach = service
                .type_
                .filter(|t| *t != crate::plan::ServiceType::ClusterIp)
                .map_or_else(String::new, |t| format!(" ({})", t.as_k8s()));
            let _ = writeln!(
                *out,
                "  {:<16} {}{reach}",
                printable(&service.name),
                ports.join(", ")
            );
        }
    }
    let claims: Vec<String> = plan
        .storage
        .volumes
        .iter()
        .filter_map(|v| match &v.source {
            VolumeSource::Claim(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    if !claims.is_empty() {
        let _ = writeln!(
            *out,
            "\nPersistentVolumeClaims: {}",
            printable(&claims.join(", "))
        );
    }
}

/// Aligned columns; each cell escaped first, so the columns stay aligned.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let rows: Vec<[Cow<'_, str>; N]> = rows
        .iter()
        .map(|row| row.each_ref().map(|cell| printable(cell)))
        .collect();
    let mut widths = [0usize; N];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
    }
    out
}

/// What `plan` adds below the plan: the errors that keep it from being
/// converted (one line each, details on stderr), then the summary line.
/// Every line starts with `prefix` (`%% ` keeps a Mermaid diagram valid).
#[must_use]
pub fn plan_footer(diagnostics: &Diagnostics, sources: &Sources, prefix: &str) -> String {
    let mut out = String::new();
    let errors: Vec<&Diagnostic> = diagnostics
        .items()
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(
            out,
            "\n{prefix}Errors: fix them before converting (details on stderr; `podlift explain CODE`):"
        );
        for d in errors {
            let at = d
                .span
                .and_then(|s| Some((sources.get(s.file)?, sources.line_col(s)?)))
                .map(|(file, at)| {
                    format!(
                        "{}:{}: ",
                        printable(&file.path.display().to_string()),
                        at.line
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{prefix}  error[{}] {at}{}",
                d.code,
                printable(&d.message)
            );
        }
    }
    if let Some(summary) = diagnostics.counts().summary() {
        let _ = writeln!(out, "\n{prefix}{summary}");
    }
    printable_owned(out)
}

/// A name inside a Mermaid label: escaped like any inline value, and its
/// double quotes written as Mermaid's entity, so it cannot end the label.
fn mermaid_text(text: &str) -> String {
    printable(text).replace('"', "#quot;")
}

/// A Mermaid node id: letters, digits and `_` only.
fn mermaid_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// `podlift plan --format mermaid`: the Pods as one Mermaid flowchart, a
/// subgraph each (`pod`, `pod_2`, …).
#[must_use]
pub fn plan_mermaid(plans: &[PodPlan]) -> String {
    let mut out = String::from("flowchart LR\n");
    for (index, plan) in plans.iter().enumerate() {
        let suffix = if index == 0 {
            String::new()
        } else {
            format!("_{}", index + 1)
        };
        mermaid_pod(&mut out, plan, &suffix);
    }
    printable_owned(out)
}

/// One Pod's subgraph, its edges and its Services.
fn mermaid_pod(out: &mut String, plan: &PodPlan, suffix: &str) {
    let id = mermaid_id;
    let _ = writeln!(
        out,
        "  subgraph pod{suffix}[\"Pod {}\"]",
        mermaid_text(&plan.name)
    );
    if let Some(loopback) = &plan.loopback {
        let list: Vec<String> = loopback.addresses.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "    loopback{suffix}[\"{} (init)<br/>lo: {}\"]",
            crate::plan::LOOPBACK_INIT_NAME,
            list.join(", ")
        );
    }
    for container in &plan.containers {
        let addresses: Vec<String> = container
            .addresses
            .iter()
            .map(ToString::to_string)
            .collect();
        let at = if addresses.is_empty() {
            String::new()
        } else {
            format!("<br/>{}", addresses.join(", "))
        };
        let _ = writeln!(
            out,
            "    c_{}[\"{} ({}){at}\"]",
            id(&container.name),
            mermaid_text(&container.name),
            role_name(container.role)
        );
    }
    out.push_str("  end\n");
    for container in &plan.containers {
        for dependency in &container.depends_on {
            if let Some(target) = plan.containers.iter().find(|c| c.service == *dependency) {
                let _ = writeln!(
                    out,
                    "  c_{} --> c_{}",
                    id(&container.name),
                    id(&target.name)
                );
            }
        }
        if plan.loopback.is_some() && container.depends_on.is_empty() {
            let _ = writeln!(out, "  c_{} -.-> loopback{suffix}", id(&container.name));
        }
    }
    for service in &plan.services {
        let ports: Vec<String> = service.ports.iter().map(|p| p.port.to_string()).collect();
        let _ = writeln!(
            out,
            "  s_{}([\"Service {}: {}\"]) --> c_{}",
            id(&service.name),
            mermaid_text(&service.name),
            ports.join(", "),
            id(&service.owner)
        );
    }
}

/// `podlift check`: one line per container, the Pod Security level, then
/// the totals. `-q` prints the totals only; a long Pod Security line names
/// the level and how many findings decide it, `-v` lists every one.
#[must_use]
pub fn check_summary(
    plans: &[PodPlan],
    pod_security: Option<&crate::render::pod_security::Assessment>,
    diagnostics: &Diagnostics,
    verbosity: Verbosity,
) -> String {
    let mut out = String::new();
    if verbosity != Verbosity::Quiet {
        for plan in plans {
            let mut at: HashMap<std::net::IpAddr, Vec<&str>> = HashMap::new();
            for alias in &plan.host_aliases {
                at.entry(alias.ip)
                    .or_default()
                    .extend(alias.names.iter().map(String::as_str));
            }
            let loopback: HashSet<&str> = at
                .get(&std::net::IpAddr::from([127, 0, 0, 1]))
                .map(|names| names.iter().copied().collect())
                .unwrap_or_default();
            for container in &plan.containers {
                let addresses = join_or_dash(container.addresses.iter().map(ToString::to_string));
                let names = join_or_dash(names_of(&at, &loopback, container));
                let _ = writeln!(
                    out,
                    "{:<20} {:<9} addresses: {addresses}; names: {}",
                    printable(&container.service),
                    role_name(container.role),
                    printable(&names)
                );
            }
        }
        if let Some(assessment) = pod_security {
            let _ = writeln!(
                out,
                "pod security: {}",
                printable(&pod_security_line(assessment, verbosity))
            );
        }
    }
    let summary = diagnostics
        .counts()
        .summary()
        .unwrap_or_else(|| "0 errors, 0 warnings, 0 notes".to_string());
    let _ = writeln!(out, "{summary}");
    printable_owned(out)
}

/// The longest Pod Security line `check` prints whole (without `-v`).
pub const POD_SECURITY_LINE: usize = 200;

/// The level, and what decides it: each finding when they fit in
/// [`POD_SECURITY_LINE`] characters or with `-v`, else how many.
fn pod_security_line(
    assessment: &crate::render::pod_security::Assessment,
    verbosity: Verbosity,
) -> String {
    if verbosity == Verbosity::Verbose {
        assessment.summary(usize::MAX)
    } else {
        assessment.brief(POD_SECURITY_LINE)
    }
}

/// The version of the `check --format json` shape; raised when a field
/// changes meaning or goes away (new fields do not raise it). The shape is
/// documented in `docs/check-json.md` and `docs/check-json.schema.json`.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Counts,
    /// The strictest Pod Security level the Pods satisfy; absent when no
    /// plan could be made.
    #[serde(rename = "podSecurity", skip_serializing_if = "Option::is_none")]
    pod_security: Option<JsonPodSecurity<'a>>,
}

#[derive(Serialize)]
struct JsonPodSecurity<'a> {
    level: &'static str,
    /// What keeps the Pods from the next stricter level.
    needs: Vec<JsonNeed<'a>>,
}

#[derive(Serialize)]
struct JsonNeed<'a> {
    workload: &'a str,
    container: Option<&'a str>,
    reason: &'a str,
}

/// One finding, or the first of a group of the same finding.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'a str,
    #[serde(flatten)]
    place: JsonPlace<'a>,
    help: Option<&'a str>,
    /// Accepted with `--allow` or `x-podlift.allow`: it does not fail
    /// `--strict` (absent when not).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    allowed: bool,
    /// How many times the finding occurs: 1 + `also.len()`.
    count: usize,
    /// Where else the same finding occurs (see [`Groups`]).
    also: Vec<JsonPlace<'a>>,
}

#[derive(Serialize)]
struct JsonPlace<'a> {
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    service: Option<String>,
    key: Option<String>,
    message: &'a str,
    /// Other places it concerns (the line of an env or label file), by file
    /// and line only; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated>,
}

#[derive(Serialize)]
struct JsonRelated {
    label: &'static str,
    file: String,
    line: usize,
}

fn json_place<'a>(d: &'a Diagnostic, sources: &Sources) -> JsonPlace<'a> {
    let file = d
        .span
        .and_then(|s| sources.get(s.file))
        .map(|f| f.path.display().to_string());
    let at = d.span.and_then(|s| sources.line_col(s));
    let path = d.span.and_then(|s| sources.key_path(s));
    JsonPlace {
        file,
        line: at.map(|a| a.line),
        column: at.map(|a| a.column),
        service: path
            .as_ref()
            .and_then(|p| p.service().map(ToString::to_string)),
        key: path.map(|p| p.to_string()),
        message: &d.message,
        related: d
            .related
            .iter()
            .filter_map(|r| {
                let (file, line) = r.place(sources)?;
                Some(JsonRelated {
                    label: r.label,
                    file,
                    line,
                })
            })
            .collect(),
    }
}

/// `podlift check --format json`: `{"version": 1, "diagnostics": […],
/// "summary": {…}}`, repeated findings grouped, for CI systems.
#[must_use]
pub fn diagnostics_json(
    diagnostics: &Diagnostics,
    sources: &Sources,
    pod_security: Option<&crate::render::pod_security::Assessment>,
) -> String {
    let items = diagnostics.items();
    let groups = Groups::of(items.iter());
    let entries = groups
        .iter()
        .filter_map(|members| {
            let (first, rest) = members.split_first()?;
            let d = items.get(*first)?;
            Some(JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                place: json_place(d, sources),
                help: d.help.as_deref(),
                allowed: d.allowed,
                count: members.len(),
                also: rest
                    .iter()
                    .filter_map(|m| items.get(*m))
                    .map(|d| json_place(d, sources))
                    .collect(),
            })
        })
        .collect();
    let report = JsonReport {
        version: JSON_VERSION,
        diagnostics: entries,
        summary: diagnostics.counts(),
        pod_security: pod_security.map(|assessment| JsonPodSecurity {
            level: assessment.level().as_str(),
            needs: assessment
                .deciding()
                .map(|f| JsonNeed {
                    workload: &f.workload,
                    container: f.container.as_deref(),
                    reason: &f.reason,
                })
                .collect(),
        }),
    };
    serde_json::to_string_pretty(&report).map_or_else(
        |_| "{\"version\": 1, \"diagnostics\": []}\n".to_string(),
        |t| json_printable(t + "\n"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::path::Path;

    use super::{
        check_summary, diagnostics_json, errors_by_service, mermaid_id, plan_footer, plan_mermaid,
        plan_table, plan_table_marked,
    };
    use crate::diagnostic::{Code, Diagnostic, Diagnostics, Verbosity};
    use crate::plan::{PlanOptions, PodPlan};
    use crate::source::{Sources, Span};

    /// The one Pod of `text`, planned with podlift's defaults.
    fn pod(text: &str) -> PodPlan {
        let (plan, diagnostics) = crate::plan::plan_text(text, &PlanOptions::default());
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        plan
    }

    const SHOP: &str = "name: shop
services:
  web:
    image: nginx:1.27
    ports: ['8080:80']
    depends_on: [db]
    networks: {n: {ipv4_address: 10.9.0.2}}
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
    networks: {n: {}}
networks: {n: {}}
volumes: {data: {}}
";

    #[test]
    fn the_plan_table_shows_podlifts_init_then_each_container_in_start_order() {
        let table = plan_table(&pod(SHOP));
        let expected = "Pod `shop` (project `shop`), in start order:

  #  CONTAINER         ROLE       IMAGE                             ADDRESSES  PORTS   VOLUMES                   WAITS FOR
  1  podlift-loopback  init       docker.io/library/busybox:1.36.1  10.9.0.2   -       -                         -
  2  db                container  postgres:16                       -          -       /var/lib/postgresql/data  -
  3  web               container  nginx:1.27                        10.9.0.2   80/tcp  -                         db

Names (hostAliases):
  10.9.0.2         web
  127.0.0.1        db

Services:
  web              8080 -> 80/tcp

PersistentVolumeClaims: shop-data
";
        assert_eq!(table, expected);
    }

    #[test]
    fn the_errors_column_appears_only_when_a_row_has_errors() {
        let (sources, diagnostics) = findings();
        let marks = errors_by_service(&diagnostics, &sources);
        let (plan, _) = crate::plan::plan_text(&sources_text(&sources), &PlanOptions::default());
        let table = plan_table_marked(&plan, &marks);
        let header = table.lines().find(|l| l.contains("CONTAINER")).unwrap();
        assert!(header.trim_end().ends_with("WAITS FOR  ERRORS"), "{table}");
        let app = table.lines().find(|l| l.contains(" app ")).unwrap();
        assert!(app.trim_end().ends_with("port-conflict"), "{table}");
        let b = table.lines().find(|l| l.contains(" b ")).unwrap();
        assert!(!b.contains("port-conflict"), "{table}");
        // Marks of services in another Pod add no column here.
        let table = plan_table_marked(&pod(SHOP), &marks);
        assert!(!table.contains("ERRORS"), "{table}");
    }

    /// The text of the one file of `sources`.
    fn sources_text(sources: &Sources) -> String {
        sources
            .get(crate::source::FileId(0))
            .unwrap()
            .text
            .to_string()
    }

    #[test]
    fn text_from_the_input_is_escaped_and_the_columns_stay_aligned() {
        // What the plan holds comes from the input; the report escapes it.
        let mut plan = pod("services:\n  app: {image: a, depends_on: [b]}\n  b: {image: b}\n");
        for container in &mut plan.containers {
            if container.name == "app" {
                container.image = "evil\u{1b}[31m\r".to_string();
            }
        }
        let table = plan_table(&plan);
        assert!(
            !table.contains('\u{1b}') && !table.contains('\r'),
            "{table:?}"
        );
        assert!(table.contains("evil\\u{1b}[31m\\r"), "{table}");
        // The column after the image starts at one place on every row.
        let starts: Vec<usize> = table
            .lines()
            .filter(|l| l.contains("container") || l.contains("CONTAINER"))
            .map(|l| l.find(" - ").or_else(|| l.find(" ADDRESSES")).unwrap())
            .collect();
        assert_eq!(starts.len(), 3, "{table}");
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{table}");
    }

    #[test]
    fn mermaid_gives_each_pod_its_subgraph_and_a_quote_cannot_end_a_label() {
        let first = pod(SHOP);
        let mut second = first.clone();
        second.name = "odd\"name".to_string();
        let chart = plan_mermaid(&[first, second]);
        let lines: Vec<&str> = chart.lines().collect();
        assert_eq!(lines[0], "flowchart LR");
        assert!(lines.contains(&"  subgraph pod[\"Pod shop\"]"), "{chart}");
        assert!(
            lines.contains(&"  subgraph pod_2[\"Pod odd#quot;name\"]"),
            "{chart}"
        );
        assert!(lines.contains(&"  c_web --> c_db"), "{chart}");
        assert!(lines.contains(&"  c_db -.-> loopback_2"), "{chart}");
        assert!(
            lines.contains(&"  s_web([\"Service web: 8080\"]) --> c_web"),
            "{chart}"
        );
        assert_eq!(mermaid_id("a-b.c_d"), "a_b_c_d");
    }

    #[test]
    fn check_lists_each_container_with_its_names_and_quiet_only_the_totals() {
        let plan = pod(SHOP);
        let none = Diagnostics::default();
        let summary = check_summary(std::slice::from_ref(&plan), None, &none, Verbosity::Normal);
        assert_eq!(
            summary,
            "db                   container addresses: -; names: db\n\
             web                  container addresses: 10.9.0.2; names: web\n\
             0 errors, 0 warnings, 0 notes\n"
        );
        let (_, diagnostics) = findings();
        let quiet = check_summary(&[plan], None, &diagnostics, Verbosity::Quiet);
        assert_eq!(quiet, "2 errors, 1 warning, 1 note\n");
    }

    /// A compose file read as the load stage reads it, with two findings
    /// in service `app` (an error twice, a warning) and one unplaced note.
    fn findings() -> (Sources, Diagnostics) {
        let text = "services:\n  app: {image: a, ports: [\"80\", \"80\"]}\n  b: {image: b}\n";
        let mut sources = Sources::default();
        let file = sources.add(Path::new("compose.yaml"), text.to_string());
        let (_, _, paths) = crate::load::yaml::parse_with_paths(text, file).unwrap();
        sources.set_key_paths(file, paths);
        let at = |needle: &str, nth: usize| {
            let start = text.match_indices(needle).nth(nth).unwrap().0;
            Span {
                file,
                start,
                len: needle.len(),
            }
        };
        let mut diagnostics = Diagnostics::default();
        for nth in 0..2 {
            diagnostics.push(
                Diagnostic::error(Code::PortConflict, "port `80` is declared twice")
                    .at(at("\"80\"", nth))
                    .help("remove one"),
            );
        }
        diagnostics.push(Diagnostic::warning(Code::PullPolicy, "no tag").at(at("a,", 0)));
        diagnostics.push(Diagnostic::note(Code::RestartPod, "restarts"));
        (sources, diagnostics)
    }

    #[test]
    fn errors_are_marked_on_their_service_once_per_code() {
        let (sources, diagnostics) = findings();
        let marks = errors_by_service(&diagnostics, &sources);
        assert_eq!(marks.len(), 1, "{marks:?}");
        assert_eq!(marks["app"], ["port-conflict"]);
    }

    #[test]
    fn the_plan_footer_lists_each_error_with_its_place_and_the_counts() {
        let (sources, diagnostics) = findings();
        let footer = plan_footer(&diagnostics, &sources, "%% ");
        let lines: Vec<&str> = footer.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines,
            [
                "%% Errors: fix them before converting (details on stderr; `podlift explain CODE`):",
                "%%   error[port-conflict] compose.yaml:2: port `80` is declared twice",
                "%%   error[port-conflict] compose.yaml:2: port `80` is declared twice",
                "%% 2 errors, 1 warning, 1 note",
            ]
        );
        assert!(plan_footer(&Diagnostics::default(), &sources, "").is_empty());
    }

    #[test]
    fn the_json_report_groups_repeats_and_names_service_and_key() {
        let (sources, diagnostics) = findings();
        let report: serde_json::Value =
            serde_json::from_str(&diagnostics_json(&diagnostics, &sources, None)).unwrap();
        assert_eq!(report["version"], 1);
        let entries = report["diagnostics"].as_array().unwrap();
        assert_eq!(entries.len(), 3, "{report:#}");
        let conflict = &entries[0];
        assert_eq!(conflict["code"], "port-conflict");
        assert_eq!(conflict["count"], 2);
        assert_eq!(conflict["service"], "app");
        assert_eq!(conflict["key"], "services.app.ports[0]");
        assert_eq!(conflict["also"][0]["key"], "services.app.ports[1]");
        assert_eq!(entries[1]["key"], "services.app.image");
        assert_eq!(entries[2]["service"], serde_json::Value::Null);
        assert_eq!(
            report["summary"],
            serde_json::json!({"errors": 2, "warnings": 1, "notes": 1})
        );
    }
}
