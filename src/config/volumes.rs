//! Service `volumes` in long syntax.

use std::path::Path;

use serde_json::{Map, Value as Json};

use super::json::{boolean, bytes, integer, list_of, plain};
use super::{Canon, Used};
use crate::load::paths::normalize;
use crate::load::yaml::{Node, Value};

impl Canon<'_> {
    pub(super) fn volumes(&self, node: &Node, used: &mut Used) -> Json {
        list_of(node, |item| {
            let mount = match &item.value {
                Value::Map(_) => self.long_volume(item),
                _ => match item.scalar() {
                    Some(text) => self.short_volume(&text),
                    None => plain(item),
                },
            };
            if mount.get("type").and_then(Json::as_str) == Some("volume")
                && let Some(source) = mount.get("source").and_then(Json::as_str)
            {
                used.volumes.insert(source.to_string());
            }
            mount
        })
    }

    pub(super) fn short_volume(&self, text: &str) -> Json {
        let parts = split_volume(text);
        let (source, target, mode) = match parts.as_slice() {
            [target] => (None, *target, None),
            [source, target] => (Some(*source), *target, None),
            [source, target, mode] => (Some(*source), *target, Some(*mode)),
            _ => return Json::String(text.to_string()),
        };
        let mut out = Map::new();
        let bind = source
            .is_some_and(|s| s.starts_with(['.', '/', '~']) || s.as_bytes().get(1) == Some(&b':'));
        let kind = if bind { "bind" } else { "volume" };
        out.insert("type".into(), Json::String(kind.into()));
        if let Some(source) = source {
            let source = if bind {
                self.path(source)
            } else {
                source.to_string()
            };
            out.insert("source".into(), Json::String(source));
        }
        out.insert("target".into(), Json::String(clean_target(target)));
        let mut options = Map::new();
        for option in mode.unwrap_or_default().split(',') {
            match option {
                "ro" => {
                    out.insert("read_only".into(), Json::Bool(true));
                }
                "z" | "Z" if bind => {
                    options.insert("selinux".into(), Json::String(option.into()));
                }
                "nocopy" if !bind => {
                    options.insert("nocopy".into(), Json::Bool(true));
                }
                "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" if bind => {
                    options.insert("propagation".into(), Json::String(option.into()));
                }
                _ => {}
            }
        }
        if bind {
            options.insert("create_host_path".into(), Json::Bool(true));
            out.insert("bind".into(), Json::Object(options));
        } else {
            out.insert("volume".into(), Json::Object(options));
        }
        Json::Object(out)
    }

    pub(super) fn long_volume(&self, item: &Node) -> Json {
        let mut out = Map::new();
        let kind = item
            .get("type")
            .and_then(Node::scalar)
            .unwrap_or_else(|| "volume".into());
        let bind = kind == "bind";
        for (key, value) in item.as_map().unwrap_or_default() {
            let Some(key) = key.scalar() else { continue };
            let canonical = match key.as_str() {
                "source" if bind => match value.scalar() {
                    Some(s) => Json::String(self.path(&s)),
                    None => plain(value),
                },
                "read_only" => match boolean(value) {
                    Json::Bool(false) => continue,
                    b => b,
                },
                "target" => match value.scalar() {
                    Some(t) => Json::String(clean_target(&t)),
                    None => plain(value),
                },
                "bind" | "volume" | "tmpfs" | "image" => {
                    let mut options = Map::new();
                    for (k, v) in value.as_map().unwrap_or_default() {
                        let Some(k) = k.scalar() else { continue };
                        let canonical = match k.as_str() {
                            "nocopy" | "create_host_path" | "read_only" => match boolean(v) {
                                Json::Bool(false) => continue,
                                b => b,
                            },
                            "size" => bytes(v),
                            "mode" => integer(v),
                            _ => plain(v),
                        };
                        options.insert(k, canonical);
                    }
                    Json::Object(options)
                }
                _ => value.scalar().map_or_else(|| plain(value), Json::String),
            };
            out.insert(key, canonical);
        }
        Json::Object(out)
    }
}

/// `SOURCE:TARGET[:MODE]` or `TARGET`; a Windows drive letter is no separator.
/// This is compose's reading, which `config` prints; the model reads the
/// meaning for a Linux node instead (`v:/v` is the volume `v`, not a drive),
/// so the two readers differ on purpose.
pub(super) fn split_volume(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b':' || i < start {
            continue;
        }
        // `C:\` or `C:/` right at the start of a part is a drive.
        let drive = i == start + 1
            && bytes.get(start).is_some_and(u8::is_ascii_alphabetic)
            && matches!(bytes.get(i + 1), Some(b'\\' | b'/'));
        if drive {
            continue;
        }
        parts.push(text.get(start..i).unwrap_or_default());
        start = i + 1;
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

/// A container path as compose cleans it (no trailing `/`, no `.` or `..`).
pub(super) fn clean_target(text: &str) -> String {
    if !text.starts_with('/') {
        return text.to_string();
    }
    normalize(Path::new(text)).to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::{clean_target, split_volume};

    #[test]
    fn a_volume_splits_at_colons_but_not_at_a_drive_letter() {
        assert_eq!(split_volume("/anon"), ["/anon"]);
        assert_eq!(split_volume("data:/x:ro"), ["data", "/x", "ro"]);
        assert_eq!(split_volume("C:\\data:/x"), ["C:\\data", "/x"]);
        assert_eq!(split_volume("./a:D:/x:rw"), ["./a", "D:/x", "rw"]);
        // compose reads `v:/x` as a drive; a letter without a slash is a
        // volume named `v` (the model reads both as the volume `v`)
        assert_eq!(split_volume("v:/x"), ["v:/x"]);
        assert_eq!(split_volume("v:x"), ["v", "x"]);
    }

    #[test]
    fn a_container_path_is_cleaned_as_compose_cleans_it() {
        assert_eq!(clean_target("/var/lib/x/"), "/var/lib/x");
        assert_eq!(clean_target("/a/./b/../c"), "/a/c");
        // a relative target is left as written (compose refuses it)
        assert_eq!(clean_target("rel/"), "rel/");
    }
}
