//! The compose files: which ones (`-f`, `COMPOSE_FILE`, the default names and
//! their override files), and reading them within the size limit.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::{DEFAULT_FILES, LoadOptions, MAX_FILE_BYTES};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

/// The compose files `options` name, in order, before any is read: `-f`
/// (else `COMPOSE_FILE`, split at `COMPOSE_PATH_SEPARATOR`), else the first
/// default name found in the working directory or a parent, with its
/// override file. `-` is standard input. `None` (and a `no-compose-file`
/// error) when none is named or found.
pub fn resolve_files(options: &LoadOptions, diagnostics: &mut Diagnostics) -> Option<Vec<PathBuf>> {
    let named: Vec<PathBuf> = if options.files.is_empty() {
        options
            .compose_file_env
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| {
                let separator = options.path_separator.as_deref().unwrap_or(":");
                v.split(separator)
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        options.files.clone()
    };
    if !named.is_empty() {
        return Some(
            named
                .into_iter()
                .map(|p| {
                    // Cleaned as compose cleans it (`sub/../compose.yaml`
                    // is the one beside `sub`, whatever `sub` links to).
                    if p == Path::new("-") {
                        p
                    } else {
                        super::paths::normalize(&options.working_dir.join(p))
                    }
                })
                .collect(),
        );
    }
    // As docker compose: the working directory, then each of its parents.
    let found = options.working_dir.ancestors().find_map(|dir| {
        DEFAULT_FILES
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        diagnostics.push(
            Diagnostic::error(
                Code::NoComposeFile,
                format!(
                    "no compose file in `{}` or its parents",
                    options.working_dir.display()
                ),
            )
            .help(format!(
                "name one with `-f FILE`, or create one of: {}",
                DEFAULT_FILES.join(", ")
            )),
        );
    }
    let base = found?;
    let overrides = override_files(&base);
    Some(std::iter::once(base).chain(overrides).collect())
}

/// The override file docker compose reads after a default file it found:
/// `compose.override.yaml` (or `.yml`) beside `compose.yaml`, and so on.
fn override_files(base: &Path) -> Option<PathBuf> {
    let name = base.file_name()?.to_str()?;
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))?;
    ["yaml", "yml"]
        .iter()
        .map(|ext| base.with_file_name(format!("{stem}.override.{ext}")))
        .find(|p| p.is_file())
}

pub(super) fn read_file(
    path: &Path,
    shown: &Path,
    diagnostics: &mut Diagnostics,
) -> Option<String> {
    let fail = |diagnostics: &mut Diagnostics, why: String, help: &str| {
        diagnostics.push(
            Diagnostic::error(
                Code::FileUnreadable,
                format!("cannot read `{}`: {why}", shown.display()),
            )
            .help(help.to_string()),
        );
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            fail(
                diagnostics,
                "it is a directory".into(),
                "name the compose file inside it",
            );
            return None;
        }
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            fail(
                diagnostics,
                format!(
                    "it has {} bytes, more than the limit of {MAX_FILE_BYTES}",
                    meta.len()
                ),
                "a compose file this large is not a compose file; check the path",
            );
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            fail(
                diagnostics,
                e.to_string().to_lowercase(),
                "check the path and its permissions",
            );
            return None;
        }
    }
    match read_at_most(path, MAX_FILE_BYTES) {
        Ok(None) => {
            fail(
                diagnostics,
                format!("it has more than the limit of {MAX_FILE_BYTES} bytes"),
                "a compose file this large is not a compose file; check the path",
            );
            None
        }
        Ok(Some(bytes)) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                fail(
                    diagnostics,
                    "it is not UTF-8 text".into(),
                    "save the file as UTF-8",
                );
                None
            }
        },
        Err(e) => {
            fail(
                diagnostics,
                e.to_string().to_lowercase(),
                "check the path and its permissions",
            );
            None
        }
    }
}

/// The compose file given on standard input, at most [`MAX_FILE_BYTES`]:
/// the CLI reads no more than that, a caller of the library may hand over
/// any text (and a file's key paths count its bytes in 32 bits).
pub(super) fn stdin_text(stdin: Option<&str>, diagnostics: &mut Diagnostics) -> Option<String> {
    let Some(text) = stdin else {
        diagnostics.push(
            Diagnostic::error(
                Code::FileUnreadable,
                "cannot read the compose file from standard input",
            )
            .help(
                "pipe the compose file into podlift, e.g. `cat compose.yaml | podlift config -f -`",
            ),
        );
        return None;
    };
    if text.len() as u64 > MAX_FILE_BYTES {
        diagnostics.push(
            Diagnostic::error(
                Code::FileUnreadable,
                format!("standard input has more than the limit of {MAX_FILE_BYTES} bytes"),
            )
            .help("a compose file this large is not a compose file; check what is piped in"),
        );
        return None;
    }
    Some(text.to_string())
}

/// The content of `path` if it holds at most `limit` bytes, `None` if more.
/// Reads no more than one byte past the limit, so an endless special file
/// (`/dev/zero`, whose size reads as 0) cannot exhaust memory.
///
/// # Errors
/// Opening or reading the file failed.
pub fn read_at_most(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    // Room for what the file says it holds (at most the limit): read in
    // place, not grown by doubling and copying.
    let said = file
        .metadata()
        .map_or(0, |m| m.len())
        .min(limit.saturating_add(1));
    let mut bytes = Vec::with_capacity(usize::try_from(said).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// The path as the user would write it: relative to the working directory when inside it.
pub(super) fn display_path(path: &Path, working_dir: &Path) -> PathBuf {
    if let Ok(relative) = path.strip_prefix(working_dir) {
        return relative.to_path_buf();
    }
    std::fs::canonicalize(working_dir)
        .ok()
        .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}
