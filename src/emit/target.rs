//! Where `-o` points, decided and checked before any work: standard output,
//! one file (`NAME.yaml`, `NAME.yml`, `NAME.json`), or a directory. podlift
//! never replaces what it did not write: a directory keeps a list of podlift's
//! files ([`MANIFEST`]) and `--force` replaces only a directory holding
//! nothing else; the working directory, its parents, `/`, `$HOME`, a
//! directory holding `.git` or an input file are refused outright.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

pub(crate) mod dir;
mod refusal;
pub(crate) mod swap;
pub(crate) mod temporaries;

pub use dir::Identity;
pub use refusal::{ManifestError, Refusal, Unlisted};
pub use temporaries::abandon;

use super::Format;
use crate::emit::Output;
use crate::render::labels::MANAGED_BY;
use crate::source::FileId;

/// The list of files podlift wrote into an output directory, one relative
/// path a line; `--force` replaces only what it lists.
pub const MANIFEST: &str = ".podlift-files";

/// The first line of [`MANIFEST`].
pub const MANIFEST_HEADER: &str =
    "# files written by podlift; `podlift convert --force` replaces only these";

/// The most entries of an existing directory podlift looks at before it
/// gives up and refuses the directory.
const MAX_ENTRIES: usize = 100_000;

/// How many foreign files a refusal names.
const SHOWN: usize = 5;

/// What `resolve` needs to know about the run.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// `-o` as written.
    pub output: &'a str,
    /// `--format`, when given.
    pub format: Option<Format>,
    /// `--force`.
    pub force: bool,
    /// The working directory.
    pub working_dir: &'a Path,
    /// `$HOME`.
    pub home: Option<&'a Path>,
    /// Input files known before loading (`-f`, `--env-file`, `COMPOSE_FILE`),
    /// as written (relative to the working directory).
    pub inputs: &'a [PathBuf],
}

/// Decides the target and the format, refusing what podlift must not touch.
///
/// # Errors
/// A usage error (exit 2) saying what is wrong and what to do.
pub fn resolve(request: &Request<'_>) -> Result<(Output, Format), Refusal> {
    let output = request.output;
    if output.is_empty() {
        return Err(Refusal::NoOutput);
    }
    if output == "-" {
        let format = request.format.unwrap_or(Format::Yaml);
        if matches!(format, Format::Kustomize | Format::Helm) {
            return Err(Refusal::DirectoryFormat(format));
        }
        return Ok((Output::Stdout, format));
    }
    let as_file = file_format(output);
    let path = destination(&lexical(&request.working_dir.join(output)));
    let format = match (as_file, request.format) {
        (Some(kind), None) => kind,
        (Some(kind), Some(asked)) if asked == kind => kind,
        (Some(_), Some(format @ (Format::Kustomize | Format::Helm))) => {
            return Err(Refusal::DirectoryFormatForFile {
                format,
                output: output.to_string(),
            });
        }
        (Some(named), Some(asked)) => {
            return Err(Refusal::FormatMismatch {
                output: output.to_string(),
                named,
                asked,
            });
        }
        (None, asked) => asked.unwrap_or(Format::Yaml),
    };
    refuse_protected(&path, output, request)?;
    if as_file.is_some() {
        let checked = check_file(&path, output, request)?;
        Ok((Output::File(path, checked), format))
    } else {
        check_directory(&path, output, request.force)?;
        Ok((Output::Directory(path), format))
    }
}

/// Refuses a target that would replace or hold one of `inputs` (every
/// file the run read, known only after loading).
///
/// # Errors
/// A usage error naming the input.
pub fn check_inputs<'a>(
    target: &Output,
    working_dir: &Path,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<(), Refusal> {
    let (path, is_dir) = match target {
        Output::Stdout => return Ok(()),
        Output::File(path, _) => (path, false),
        Output::Directory(path) => (path, true),
    };
    for input in inputs {
        let input_path = real(&lexical(&working_dir.join(input)));
        let hit = if is_dir {
            input_path.starts_with(path)
        } else {
            input_path == *path
        };
        if hit {
            return Err(refusal_for_input(path, input, is_dir));
        }
    }
    Ok(())
}

fn refusal_for_input(path: &Path, input: &Path, is_dir: bool) -> Refusal {
    if is_dir {
        Refusal::HoldsInput {
            directory: path.to_path_buf(),
            input: input.to_path_buf(),
        }
    } else {
        Refusal::IsInput(input.to_path_buf())
    }
}

/// `.yaml`/`.yml` → YAML, `.json` → JSON; anything else is a directory.
fn file_format(output: &str) -> Option<Format> {
    if output.ends_with('/') {
        return None;
    }
    let extension = Path::new(output)
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    match extension.as_str() {
        "yaml" | "yml" => Some(Format::Yaml),
        "json" => Some(Format::Json),
        _ => None,
    }
}

/// The places podlift never writes to, whatever `--force` says.
fn refuse_protected(path: &Path, output: &str, request: &Request<'_>) -> Result<(), Refusal> {
    let working_dir = real(&lexical(request.working_dir));
    let refuse = |why: &'static str| {
        Err(Refusal::Protected {
            output: output.to_string(),
            path: path.to_path_buf(),
            why,
        })
    };
    let is_file = file_format(output).is_some();
    if !is_file {
        if path.parent().is_none() {
            return refuse("the root directory");
        }
        if working_dir.starts_with(path) {
            return refuse(if working_dir == path {
                "the working directory"
            } else {
                "a parent of the working directory"
            });
        }
        if let Some(home) = request.home.map(|h| real(&lexical(h))) {
            if home == path {
                return refuse("your home directory (`$HOME`)");
            }
            if home.starts_with(path) {
                return refuse("a parent of your home directory (`$HOME`)");
            }
        }
        if path.join(".git").exists() {
            return refuse("a directory holding `.git`");
        }
    }
    let target = if is_file {
        Output::File(path.to_path_buf(), None)
    } else {
        Output::Directory(path.to_path_buf())
    };
    check_inputs(
        &target,
        request.working_dir,
        request.inputs.iter().map(PathBuf::as_path),
    )
}

/// Checks a `-o FILE`: absent, or under `--force` podlift's own output,
/// whose identity it returns (only that file is replaced).
fn check_file(
    path: &Path,
    output: &str,
    request: &Request<'_>,
) -> Result<Option<Identity>, Refusal> {
    refuse_link(path, output)?;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(None);
    };
    let output = output.to_string();
    if meta.is_dir() {
        return Err(Refusal::FileIsDirectory(output));
    }
    if !meta.is_file() {
        return Err(Refusal::FileNotRegular(output));
    }
    if !request.force {
        return Err(Refusal::FileExists(output));
    }
    match written_by_podlift(path) {
        Some(identity) => Ok(Some(identity)),
        None => Err(Refusal::FileNotWritten(output)),
    }
}

/// Whether a file holds podlift output: a YAML stream or a JSON `List` whose
/// every object carries podlift's `managed-by` label (a file that merely
/// mentions the label, or mixes in objects of its own, is not podlift's).
/// A YAML stream is read one document at a time, so podlift's own output
/// of any size (85 MB at 10,000 services split) is recognised; a JSON
/// `List` is read whole, up to [`crate::load::MAX_FILE_BYTES`]. The
/// identity of the file read, when it is podlift's.
fn written_by_podlift(path: &Path) -> Option<Identity> {
    // Checked a regular file before; opened without blocking or following
    // a link, and checked again on the handle: something swapped in since
    // (a FIFO, a link) is not podlift's.
    let file = crate::load::host_files::open_no_follow(path).ok()?;
    let meta = file.metadata().ok().filter(std::fs::Metadata::is_file)?;
    let mut reader = std::io::BufReader::new(file);
    let first = std::io::BufRead::fill_buf(&mut reader).map(|b| b.first().copied());
    let podlifts = match first {
        Ok(Some(b'{')) => json_written_by_podlift(reader),
        Ok(Some(_)) => yaml_written_by_podlift(reader),
        _ => false,
    };
    podlifts.then(|| Identity::of_metadata(&meta))
}

/// A JSON `List` whose every item carries podlift's label.
fn json_written_by_podlift(reader: impl std::io::Read) -> bool {
    let mut bytes = Vec::new();
    let limit = crate::load::MAX_FILE_BYTES;
    if std::io::Read::read_to_end(
        &mut std::io::Read::take(reader, limit.saturating_add(1)),
        &mut bytes,
    )
    .is_err()
        || bytes.len() as u64 > limit
    {
        return false;
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return false;
    };
    let Ok(list) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    list.get("items")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|items| {
            !items.is_empty()
                && items.iter().all(|item| {
                    item.get("metadata")
                        .and_then(|m| m.get("labels"))
                        .and_then(|l| l.get(MANAGED_BY))
                        .and_then(serde_json::Value::as_str)
                        == Some("podlift")
                })
        })
}

/// A YAML stream (each document after a `---` line) whose every document,
/// each at most [`crate::load::MAX_FILE_BYTES`], is an object carrying
/// podlift's label.
fn yaml_written_by_podlift(mut reader: impl std::io::BufRead) -> bool {
    let mut line = String::new();
    let mut document = String::new();
    let mut documents = 0usize;
    let object_of_podlift = |document: &str| {
        crate::load::yaml::parse(document, FileId(0)).is_ok_and(|object| {
            object
                .get("metadata")
                .and_then(|m| m.get("labels"))
                .and_then(|l| l.get(MANAGED_BY))
                .and_then(crate::load::yaml::Node::as_str)
                == Some("podlift")
        })
    };
    loop {
        line.clear();
        // a line longer than a document may be is not read whole
        let mut bounded = std::io::Read::take(&mut reader, crate::load::MAX_FILE_BYTES + 1);
        let Ok(read) = std::io::BufRead::read_line(&mut bounded, &mut line) else {
            return false;
        };
        if read == 0 || line == "---\n" {
            if documents > 0 && !object_of_podlift(&document) {
                return false;
            }
            if read == 0 {
                return documents > 0;
            }
            documents += 1;
            document.clear();
        } else if documents == 0
            || (document.len() + line.len()) as u64 > crate::load::MAX_FILE_BYTES
        {
            return false;
        } else {
            document.push_str(&line);
        }
    }
}

/// What an existing output directory holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Previous {
    /// Files listed in its manifest (relative paths); empty when the
    /// directory is absent or empty.
    pub files: Vec<PathBuf>,
    /// Whether it is podlift's output (it holds the manifest): it is moved
    /// aside and its listed files removed, even when none of them is left.
    pub listed: bool,
    /// Its directories (relative; real ones, each holding listed files
    /// when checked): removed, deepest first, when emptied.
    pub directories: Vec<PathBuf>,
}

/// Checks an output directory: absent or empty is fine; otherwise it must
/// hold only files podlift listed, and `force` must be given.
///
/// # Errors
/// When the directory must not be replaced.
pub fn check_directory(path: &Path, output: &str, force: bool) -> Result<Previous, Refusal> {
    refuse_link(path, output)?;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(Previous::default());
    };
    let output = output.to_string();
    if !meta.is_dir() {
        return Err(Refusal::NotDirectory(output));
    }
    let entries = match walk(path) {
        Ok(entries) => entries,
        Err(why) => return Err(Refusal::Unreadable { output, why }),
    };
    if entries.is_empty() {
        return Ok(Previous::default());
    }
    let listed = match read_manifest(path) {
        Ok(Some(listed)) => listed,
        Ok(None) => return Err(Refusal::NoManifest(output)),
        Err(why) => return Err(Refusal::BadManifest { output, why }),
    };
    let mut allowed_dirs = BTreeSet::new();
    for file in &listed {
        let mut parent = file.parent();
        while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
            allowed_dirs.insert(dir.to_path_buf());
            parent = dir.parent();
        }
    }
    let listed_set: BTreeSet<&PathBuf> = listed.iter().collect();
    let foreign: Vec<&(PathBuf, bool)> = entries
        .iter()
        .filter(|(entry, is_dir)| {
            entry != Path::new(MANIFEST)
                && if *is_dir {
                    !allowed_dirs.contains(entry)
                } else {
                    !listed_set.contains(entry)
                }
        })
        .collect();
    if !foreign.is_empty() {
        let mut names: Vec<String> = foreign
            .iter()
            .take(SHOWN)
            .map(|(p, _)| format!("`{}`", p.display()))
            .collect();
        if foreign.len() > SHOWN {
            names.push(format!("and {} more", foreign.len() - SHOWN));
        }
        return Err(Refusal::Foreign {
            output,
            names: names.join(", "),
        });
    }
    if !force {
        return Err(Refusal::NeedsForce(output));
    }
    // Only what the walk saw as a file, below real directories (the walk
    // follows no link): a listed `a/x.yaml` under a link `a` is never
    // removed through the link.
    let seen: BTreeSet<&PathBuf> = entries
        .iter()
        .filter(|(_, is_dir)| !is_dir)
        .map(|(p, _)| p)
        .collect();
    let files = listed.into_iter().filter(|f| seen.contains(f)).collect();
    let directories = entries
        .into_iter()
        .filter_map(|(path, is_dir)| is_dir.then_some(path))
        .collect();
    Ok(Previous {
        files,
        listed: true,
        directories,
    })
}

/// Every entry below `dir`, relative, with whether it is a directory
/// (symbolic links are not followed).
fn walk(dir: &Path) -> Result<Vec<(PathBuf, bool)>, Unlisted> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let entries = std::fs::read_dir(dir.join(&relative))?;
        for entry in entries {
            let entry = entry?;
            let is_dir = entry.file_type()?.is_dir();
            let path = relative.join(entry.file_name());
            if is_dir {
                pending.push(path.clone());
            }
            out.push((path, is_dir));
            if out.len() > MAX_ENTRIES {
                return Err(Unlisted::TooMany);
            }
        }
    }
    Ok(out)
}

/// The files a directory's manifest lists; `None` without a manifest.
///
/// # Errors
/// When the manifest cannot be read or lists a path outside the directory.
pub fn read_manifest(dir: &Path) -> Result<Option<Vec<PathBuf>>, ManifestError> {
    let path = dir.join(MANIFEST);
    match std::fs::symlink_metadata(&path) {
        Err(_) => return Ok(None),
        Ok(meta) if !meta.is_file() => return Err(ManifestError::NotRegular),
        Ok(_) => {}
    }
    let bytes = crate::load::read_at_most(&path, crate::load::MAX_FILE_BYTES)?
        .ok_or(ManifestError::TooLarge)?;
    let text = String::from_utf8(bytes).map_err(|_| ManifestError::NotText)?;
    let mut files = Vec::new();
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let file = PathBuf::from(line);
        if !file.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(ManifestError::Outside(line.to_string()));
        }
        files.push(file);
    }
    Ok(Some(files))
}

/// The manifest's text for these files (relative paths).
#[must_use]
pub fn manifest_text(files: &[PathBuf]) -> String {
    let mut sorted: Vec<String> = files
        .iter()
        .map(|f| {
            f.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    sorted.sort();
    let mut text = format!("{MANIFEST_HEADER}\n");
    for file in sorted {
        text.push_str(&file);
        text.push('\n');
    }
    text
}

/// `path` with the links of its parent directories resolved, but not a link
/// at its last component: podlift never writes through a link, so one there
/// is refused (by `check_file`, `check_directory`), never followed.
fn destination(path: &Path) -> PathBuf {
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => real(parent).join(name),
        _ => real(path),
    }
}

/// Refuses a symbolic link at `path`.
pub(super) fn refuse_link(path: &Path, output: &str) -> Result<(), Refusal> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Refusal::Link(output.to_string()));
    }
    Ok(())
}

/// `path` with `.` dropped and `..` applied, without touching the disk.
#[must_use]
pub fn lexical(path: &Path) -> PathBuf {
    crate::load::paths::normalize(path)
}

/// `path` with symbolic links resolved as far as it exists; the part that
/// does not exist yet is appended as written.
#[must_use]
pub fn real(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = std::fs::canonicalize(&existing) {
            let mut out = canonical;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (
            existing.file_name().map(ToOwned::to_owned),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{lexical, manifest_text, written_by_podlift};

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_place_of_the_output_is_not_podlifts_and_never_blocks() {
        // `--force` checks the old file is a regular one, then reads it: a
        // FIFO swapped in between blocked a plain open for good
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let (done, result) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(written_by_podlift(&fifo)));
        let answer = result.recv_timeout(std::time::Duration::from_secs(10));
        assert_eq!(answer, Ok(None));
    }

    #[test]
    fn lexical_applies_dot_and_dot_dot() {
        assert_eq!(lexical(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(lexical(Path::new("/a/.")), PathBuf::from("/a"));
    }

    #[test]
    fn the_root_and_home_are_refused_before_anything_is_touched() {
        let working_dir = std::env::temp_dir();
        for (output, home, why) in [
            ("/", None, "the root directory"),
            ("/usr/..", None, "the root directory"),
            (
                "/usr",
                Some(Path::new("/usr/lib")),
                "a parent of your home directory",
            ),
        ] {
            let request = super::Request {
                output,
                format: None,
                force: true,
                working_dir: &working_dir,
                home,
                inputs: &[],
            };
            let error = super::resolve(&request).unwrap_err().to_string();
            assert!(error.contains(why), "{output}: {error}");
        }
    }

    #[test]
    fn manifest_lists_sorted_paths_with_slashes() {
        let text = manifest_text(&[PathBuf::from("templates/b.yaml"), PathBuf::from("a.yaml")]);
        assert!(text.ends_with("a.yaml\ntemplates/b.yaml\n"), "{text}");
    }
}
