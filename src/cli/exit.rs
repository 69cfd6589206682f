//! How a run ends: what it prints, and the one place that maps its outcome
//! to an exit status (0 success, 1 the input has errors, 2 usage error,
//! 128 + n stopped by signal n).

use std::process::ExitCode;

use podlift::diagnostic::{Diagnostic, Diagnostics};

/// How a run went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It did what was asked.
    Success,
    /// The input has errors (or warnings under `--strict`), or the output
    /// could not be written.
    Failed,
    /// The command line asks for something podlift cannot do.
    Usage,
    /// A signal stopped it (SIGINT, SIGTERM, SIGHUP): 128 + its number.
    Interrupted(u8),
}

impl Status {
    /// [`Status::Failed`] when `diagnostics` hold an error, or under
    /// `--strict` a warning not allowed; else [`Status::Success`].
    pub fn of(diagnostics: &Diagnostics, strict: bool) -> Self {
        if Self::usage(diagnostics) {
            Self::Usage
        } else if diagnostics.fail(strict) {
            Self::Failed
        } else {
            Self::Success
        }
    }

    /// How a run that could not finish ended: [`Status::Usage`] when the
    /// command line was wrong (a service name that is none of the
    /// project's), else [`Status::Failed`].
    pub fn failed(diagnostics: &Diagnostics) -> Self {
        if Self::usage(diagnostics) {
            Self::Usage
        } else {
            Self::Failed
        }
    }

    /// Whether the stages found the command line wrong.
    const fn usage(diagnostics: &Diagnostics) -> bool {
        diagnostics.command_line_wrong()
    }

    /// The exit status of the process.
    pub const fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failed => 1,
            Self::Usage => 2,
            Self::Interrupted(signal) => 128_u8.saturating_add(signal),
        }
    }
}

/// What the process prints and how it exits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Manifests and reports only.
    pub stdout: String,
    /// Diagnostics.
    pub stderr: String,
    /// How the run went.
    pub status: Status,
}

impl Outcome {
    /// A run that printed `stdout` and `stderr`.
    pub const fn new(stdout: String, stderr: String, status: Status) -> Self {
        Self {
            stdout,
            stderr,
            status,
        }
    }

    /// A run that ends with `error` (a usage or output error) after the
    /// diagnostics already rendered in `stderr`.
    pub fn error(stderr: String, error: &Diagnostic, status: Status) -> Self {
        let mut stderr = stderr;
        stderr.push_str(&podlift::diagnostic::render_short(error));
        Self::new(String::new(), stderr, status)
    }

    /// The exit status of the process.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.status.code())
    }
}

#[cfg(test)]
mod tests {
    use podlift::diagnostic::{Code, Diagnostic, Diagnostics};

    use super::Status;

    #[test]
    fn errors_fail_warnings_only_under_strict_notes_never() {
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(Diagnostic::note(Code::RestartPod, "a note"));
        assert_eq!(Status::of(&diagnostics, true), Status::Success);
        diagnostics.push(Diagnostic::warning(Code::RestartDiffers, "a warning"));
        assert_eq!(Status::of(&diagnostics, false), Status::Success);
        assert_eq!(Status::of(&diagnostics, true), Status::Failed);
        diagnostics.push(Diagnostic::error(Code::PortConflict, "an error"));
        assert_eq!(Status::of(&diagnostics, false), Status::Failed);
        let codes = [Status::Success, Status::Failed, Status::Usage].map(Status::code);
        assert_eq!(codes, [0, 1, 2]);
    }
}
