//! What the process sees of its surroundings: the working directory, the
//! environment variables, whether stderr is a colour terminal, and standard
//! input when a command line names `-f -`.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;

/// The process's surroundings, read once.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// The working directory.
    pub working_dir: PathBuf,
    /// `COMPOSE_FILE`.
    pub compose_file: Option<String>,
    /// `COMPOSE_PROFILES`, comma-separated.
    pub compose_profiles: Option<String>,
    /// The whole process environment (for interpolation; also
    /// `COMPOSE_PROJECT_NAME`, `COMPOSE_ENV_FILES`, `HOME` …).
    pub variables: BTreeMap<String, String>,
    /// Whether stderr is a colour terminal.
    pub color: bool,
    /// Standard input, when the command line names `-f -`.
    pub stdin: Option<String>,
}

impl Environment {
    /// Reads the process environment; standard input too when `reads_stdin`
    /// (the parsed command line names `-f -`, however it was spelled).
    pub fn from_process(reads_stdin: bool) -> Self {
        Self {
            working_dir: std::env::current_dir().unwrap_or_default(),
            compose_file: std::env::var("COMPOSE_FILE").ok(),
            compose_profiles: std::env::var("COMPOSE_PROFILES").ok(),
            variables: std::env::vars().collect(),
            color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            stdin: if reads_stdin { read_stdin() } else { None },
        }
    }
}

/// Standard input, at most [`podlift::load::MAX_FILE_BYTES`]: one byte past
/// the limit tells a file over it from one at it, and `None` lets the load
/// stage report that it cannot read standard input.
fn read_stdin() -> Option<String> {
    let mut text = String::new();
    let limit = podlift::load::MAX_FILE_BYTES;
    let read = std::io::stdin().take(limit + 1).read_to_string(&mut text);
    read.is_ok_and(|n| n as u64 <= limit).then_some(text)
}
