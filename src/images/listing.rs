//! An image's file listing from its layers, bottom first: tar headers only,
//! streamed (no file content is kept but a bounded `/etc/passwd` and
//! `/etc/group`), gzip
//! layers recognised by their magic, whiteouts (`.wh.NAME`) and opaque
//! directories (`.wh..wh..opq`) applied to the layers below.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};

use crate::images::Listing;

/// The most paths one image's listing keeps (docs/limits.md).
pub const MAX_LISTING_PATHS: usize = 500_000;
/// The most tar entries read from one image's layers, whiteouts included
/// (docs/limits.md).
pub const MAX_LAYER_ENTRIES: usize = 1_000_000;
/// The most bytes of one image's layers streamed, after decompression
/// (docs/limits.md).
pub const MAX_LAYER_BYTES: u64 = 8 * 1024 * 1024 * 1024;
/// The largest `/etc/passwd` read (docs/limits.md).
pub const MAX_PASSWD_BYTES: u64 = 1024 * 1024;
/// The largest `/etc/group` read (docs/limits.md).
pub const MAX_GROUP_BYTES: u64 = 1024 * 1024;

/// A listing being built from layers, bottom first.
#[derive(Debug, Default)]
pub struct Builder {
    paths: BTreeSet<String>,
    passwd: Option<Vec<u8>>,
    group: Option<Vec<u8>>,
    entries: usize,
    bytes: u64,
}

/// What a listing gives: the paths and the `/etc/passwd` entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layers {
    /// The paths.
    pub listing: Listing,
    /// `(name, uid, gid)` of the image's `/etc/passwd`; `None` when it has none.
    pub passwd: Option<Vec<(String, u32, u32)>>,
    /// `(name, gid)` of the image's `/etc/group`; `None` when it has none.
    pub group: Option<Vec<(String, u32)>>,
}

impl Builder {
    /// Reads one layer (a tar, gzip-compressed or not) over the layers below.
    ///
    /// # Errors
    /// The layer is not a tar podlift reads, or a bound is passed.
    pub fn layer(&mut self, reader: impl Read) -> Result<(), String> {
        let mut reader = BufReader::new(reader);
        let head = reader
            .fill_buf()
            .map_err(|e| format!("a layer cannot be read: {e}"))?;
        let budget = MAX_LAYER_BYTES.saturating_sub(self.bytes);
        if head.starts_with(&[0x1f, 0x8b]) {
            let counted = Counted::new(flate2::read::GzDecoder::new(reader), budget);
            self.entries_of(counted)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Err("a layer is zstd-compressed, which podlift does not read".into())
        } else {
            self.entries_of(Counted::new(reader, budget))
        }
    }

    fn entries_of<R: Read>(&mut self, reader: Counted<R>) -> Result<(), String> {
        let mut archive = tar::Archive::new(reader);
        let mut added = Vec::new();
        let mut whiteouts = Vec::new();
        let mut opaque = Vec::new();
        let bad = |e: std::io::Error| format!("a layer is not a tar archive podlift reads: {e}");
        for entry in archive.entries().map_err(bad)? {
            let mut entry = entry.map_err(bad)?;
            self.entries += 1;
            if self.entries > MAX_LAYER_ENTRIES {
                return Err(format!(
                    "its layers hold more than {MAX_LAYER_ENTRIES} entries"
                ));
            }
            let raw = entry.path_bytes();
            let Some(path) = normalise(&String::from_utf8_lossy(&raw)) else {
                continue;
            };
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            if name == ".wh..wh..opq" {
                opaque.push(dir.to_string());
            } else if let Some(hidden) = name.strip_prefix(".wh.") {
                whiteouts.push(format!("{dir}/{hidden}"));
            } else {
                let kept = match path.as_str() {
                    "/etc/passwd" => Some((&mut self.passwd, MAX_PASSWD_BYTES)),
                    "/etc/group" => Some((&mut self.group, MAX_GROUP_BYTES)),
                    _ => None,
                };
                if let Some((kept, max)) = kept {
                    *kept = None;
                    if entry.header().entry_type().is_file() && entry.size() <= max {
                        let mut bytes = Vec::new();
                        (&mut entry)
                            .take(max)
                            .read_to_end(&mut bytes)
                            .map_err(bad)?;
                        *kept = Some(bytes);
                    }
                }
                added.push(path);
            }
        }
        self.bytes = self.bytes.saturating_add(archive.into_inner().read);
        for dir in opaque {
            remove_below(&mut self.paths, &dir);
        }
        for path in whiteouts {
            remove_below(&mut self.paths, &path);
            self.paths.remove(&path);
        }
        // A lower layer's `/etc/passwd` or `/etc/group` that this layer hid
        // (a whiteout of it or of `/etc`, an opaque `/etc`) is gone.
        let hidden =
            |path: &str| !self.paths.contains(path) && !added.iter().any(|p: &String| p == path);
        if hidden("/etc/passwd") {
            self.passwd = None;
        }
        if hidden("/etc/group") {
            self.group = None;
        }
        for path in added {
            let mut parent = path.as_str();
            while let Some((up, _)) = parent.rsplit_once('/') {
                if up.is_empty() || self.paths.contains(up) {
                    break;
                }
                self.paths.insert(up.to_string());
                parent = up;
            }
            self.paths.insert(path);
            if self.paths.len() > MAX_LISTING_PATHS {
                return Err(format!("it holds more than {MAX_LISTING_PATHS} files"));
            }
        }
        Ok(())
    }

    /// The listing of every layer read.
    #[must_use]
    pub fn finish(self) -> Layers {
        Layers {
            passwd: self
                .passwd
                .map(|bytes| passwd(&String::from_utf8_lossy(&bytes))),
            group: self
                .group
                .map(|bytes| group(&String::from_utf8_lossy(&bytes))),
            listing: Listing { paths: self.paths },
        }
    }
}

/// `/etc/passwd` lines `name:x:uid:gid:…`; malformed lines are skipped.
#[must_use]
pub fn passwd(text: &str) -> Vec<(String, u32, u32)> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?.trim();
            let _password = fields.next()?;
            let uid = fields.next()?.trim().parse().ok()?;
            let gid = fields.next()?.trim().parse().ok()?;
            (!name.is_empty() && !name.starts_with('#')).then(|| (name.to_string(), uid, gid))
        })
        .collect()
}

/// `/etc/group` lines `name:x:gid:members`; malformed lines are skipped.
#[must_use]
pub fn group(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?.trim();
            let _password = fields.next()?;
            let gid = fields.next()?.trim().parse().ok()?;
            (!name.is_empty() && !name.starts_with('#')).then(|| (name.to_string(), gid))
        })
        .collect()
}

/// `./etc/x/` → `/etc/x`; `None` for the root and for paths with `..`.
fn normalise(raw: &str) -> Option<String> {
    let mut out = String::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            part => {
                out.push('/');
                out.push_str(part);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Removes everything strictly below `dir`.
fn remove_below(paths: &mut BTreeSet<String>, dir: &str) {
    let prefix = format!("{dir}/");
    let below: Vec<String> = paths
        .range::<str, _>((
            std::ops::Bound::Excluded(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|p| p.starts_with(&prefix))
        .cloned()
        .collect();
    for path in below {
        paths.remove(&path);
    }
}

/// A reader that counts what it gives and stops with an error past a bound.
struct Counted<R> {
    inner: R,
    read: u64,
    budget: u64,
}

impl<R> Counted<R> {
    const fn new(inner: R, budget: u64) -> Self {
        Self {
            inner,
            read: 0,
            budget,
        }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.budget {
            return Err(std::io::Error::other(format!(
                "its layers hold more than {MAX_LAYER_BYTES} bytes"
            )));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::Builder;

    fn layer(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in entries {
            let mut header = tar::Header::new_gnu();
            if path.ends_with('/') {
                header.set_entry_type(tar::EntryType::Directory);
            }
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, path, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn whiteouts_and_opaque_directories_hide_lower_layers() {
        let mut b = Builder::default();
        b.layer(
            &layer(&[
                (
                    "etc/passwd",
                    b"root:x:0:0::/:/bin/sh\napp:x:1000:1001::/:/bin/sh\n",
                ),
                ("usr/share/app/a", b""),
                ("usr/share/app/b", b""),
                ("var/lib/x/old", b""),
            ])[..],
        )
        .unwrap();
        let gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(
                &mut e,
                &layer(&[
                    ("usr/share/app/.wh.a", b""),
                    ("var/lib/x/.wh..wh..opq", b""),
                    ("var/lib/x/new", b""),
                ]),
            )
            .unwrap();
            e.finish().unwrap()
        };
        b.layer(&gz[..]).unwrap();
        let layers = b.finish();
        let paths: Vec<&str> = layers.listing.paths.iter().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "/etc",
                "/etc/passwd",
                "/usr",
                "/usr/share",
                "/usr/share/app",
                "/usr/share/app/b",
                "/var",
                "/var/lib",
                "/var/lib/x",
                "/var/lib/x/new"
            ]
        );
        assert_eq!(
            layers.passwd.unwrap(),
            vec![("root".into(), 0, 0), ("app".into(), 1000, 1001)]
        );
        assert!(layers.listing.has_files_under("/var/lib/x"));
    }

    #[test]
    fn a_whiteout_of_passwd_removes_it() {
        let mut b = Builder::default();
        b.layer(&layer(&[("etc/passwd", b"root:x:0:0::/:/bin/sh\n")])[..])
            .unwrap();
        b.layer(&layer(&[("etc/.wh.passwd", b"")])[..]).unwrap();
        assert_eq!(b.finish().passwd, None);
    }

    #[test]
    fn group_is_read_as_passwd_is_and_hidden_the_same_ways() {
        let etc: &[(&str, &[u8])] = &[
            ("etc/passwd", b"root:x:0:0::/:/bin/sh\n"),
            (
                "etc/group",
                b"root:x:0:\n# c\nstaff:x:50:app,web\nbad:x:no:\n",
            ),
        ];
        let mut b = Builder::default();
        b.layer(&layer(etc)[..]).unwrap();
        let layers = b.finish();
        assert_eq!(
            layers.group.unwrap(),
            vec![("root".into(), 0), ("staff".into(), 50)]
        );
        // An opaque `/etc`, or a whiteout of `/etc`, hides both.
        for hide in ["etc/.wh..wh..opq", ".wh.etc"] {
            let mut b = Builder::default();
            b.layer(&layer(etc)[..]).unwrap();
            b.layer(&layer(&[(hide, b"")])[..]).unwrap();
            let layers = b.finish();
            assert_eq!((layers.passwd, layers.group), (None, None), "{hide}");
        }
        // The same layer may hide the lower `/etc` and bring its own.
        let mut b = Builder::default();
        b.layer(&layer(etc)[..]).unwrap();
        b.layer(&layer(&[("etc/.wh..wh..opq", b""), ("etc/group", b"app:x:7:\n")])[..])
            .unwrap();
        let layers = b.finish();
        assert_eq!(layers.group.unwrap(), vec![("app".into(), 7)]);
        assert_eq!(layers.passwd, None);
        // A larger one is not read.
        let big = vec![b'#'; 1024 * 1024 + 1];
        let mut b = Builder::default();
        b.layer(&layer(&[("etc/group", &big)])[..]).unwrap();
        assert_eq!(b.finish().group, None);
    }

    #[test]
    fn zstd_and_garbage_are_errors() {
        let mut b = Builder::default();
        assert!(b.layer(&[0x28, 0xb5, 0x2f, 0xfd, 0][..]).is_err());
        assert!(b.layer(&[1u8; 1024][..]).is_err());
    }
}
