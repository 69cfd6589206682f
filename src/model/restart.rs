//! `restart`: the policy, which Kubernetes has once per Pod.

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::Node;
use crate::model::read::Reader;
use crate::source::Located;

/// `restart`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// `no`.
    No,
    /// `always`.
    Always,
    /// `on-failure[:N]`.
    OnFailure,
    /// `unless-stopped`.
    UnlessStopped,
}

impl Restart {
    /// The compose spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::No => "no",
            Self::Always => "always",
            Self::OnFailure => "on-failure",
            Self::UnlessStopped => "unless-stopped",
        }
    }
}

pub(crate) fn read_restart(node: &Node, reader: &mut Reader<'_>) -> Option<Located<Restart>> {
    let text = reader.string(node, "restart")?;
    let policy = match text.value.as_str() {
        "no" | "false" => Restart::No,
        "always" => Restart::Always,
        "unless-stopped" => Restart::UnlessStopped,
        s if s == "on-failure" || s.starts_with("on-failure:") => Restart::OnFailure,
        other => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::RestartInvalid,
                    format!("unknown restart policy `{other}`"),
                )
                .at(text.span)
                .help("use `no`, `always`, `on-failure[:N]` or `unless-stopped`"),
            );
            return None;
        }
    };
    Some(Located::new(policy, text.span))
}
