//! Output held back while it is rendered: a stream (standard output, one
//! file) gets nothing until every object was measured, so an object
//! Kubernetes would refuse, found late, leaves it untouched. The text waits
//! in memory up to [`MEMORY_MAX`], then in an unnamed temporary file
//! (removed by the system when closed): 85 MB at 10,000 services split is
//! not held in memory. Most outputs fit: no file is made, written and read
//! back.

use std::io::{Read, Seek, Write};

/// The most output held in memory before it moves into a temporary file.
pub(super) const MEMORY_MAX: usize = 8 * 1024 * 1024;

/// Where the text waits. Memory first; a temporary file once it holds more
/// than [`MEMORY_MAX`]. Memory again (and on) when no temporary file can be
/// made (a read-only temporary directory), or once the file cannot take
/// more (a full temporary directory, a file size limit): the output goes on.
#[derive(Debug)]
pub(super) enum Spool {
    /// An unnamed temporary file and how many bytes were written to it.
    File { file: std::fs::File, len: u64 },
    /// Memory, and whether it may still move into a file.
    Memory { text: Vec<u8>, spill: bool },
}

impl Spool {
    /// An empty spool, in memory.
    pub(super) const fn new() -> Self {
        Self::Memory {
            text: Vec::new(),
            spill: true,
        }
    }

    /// Copies everything written to `out`.
    ///
    /// # Errors
    /// When the spool cannot be read back or `out` cannot be written.
    pub(super) fn copy_to(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Self::File { file, .. } => {
                file.rewind()?;
                let mut buffer = vec![0; 64 * 1024];
                loop {
                    let read = match file.read(&mut buffer) {
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        read => read?,
                    };
                    let Some(piece) = buffer.get(..read).filter(|p| !p.is_empty()) else {
                        return Ok(());
                    };
                    out.write_all(piece)?;
                }
            }
            Self::Memory { text, .. } => out.write_all(text),
        }
    }
}

/// `text` moved into a new temporary file, or `None` (memory keeps it) when
/// none can be made or it does not take the text.
fn spill(text: &[u8]) -> Option<Spool> {
    let mut file = tempfile::tempfile().ok()?;
    file.write_all(text).ok()?;
    Some(Spool::File {
        file,
        len: u64::try_from(text.len()).unwrap_or(u64::MAX),
    })
}

/// The `len` bytes written to `file`, read back.
fn read_back(file: &mut std::fs::File, len: u64) -> std::io::Result<Vec<u8>> {
    file.rewind()?;
    let mut text = Vec::new();
    Read::take(&mut *file, len).read_to_end(&mut text)?;
    if u64::try_from(text.len()).ok() == Some(len) {
        Ok(text)
    } else {
        Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof))
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let held = match self {
            Self::Memory { text, spill: true } if text.len() + buf.len() > MEMORY_MAX => {
                match spill(text) {
                    Some(file) => *self = file,
                    None => {
                        *self = Self::Memory {
                            text: std::mem::take(text),
                            spill: false,
                        }
                    }
                }
                return self.write(buf);
            }
            Self::Memory { text, spill } => {
                if text.capacity() - text.len() < buf.len() {
                    // Doubling, but not past the bound while a file may
                    // still take the text: held, it stays within 8 MiB.
                    let needed = text.len() + buf.len();
                    let mut want = needed.max(2 * text.capacity());
                    if *spill {
                        want = want.min(MEMORY_MAX);
                    }
                    text.reserve_exact(want - text.len());
                }
                text.extend_from_slice(buf);
                return Ok(buf.len());
            }
            Self::File { file, len } => match file.write(buf) {
                Ok(n) => {
                    *len += u64::try_from(n).unwrap_or(u64::MAX);
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Err(e),
                // full, or over a size limit: memory takes it on
                Err(_) => read_back(file, *len)?,
            },
        };
        *self = Self::Memory {
            text: held,
            spill: false,
        };
        self.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::File { file, .. } => file.flush(),
            Self::Memory { .. } => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::{MEMORY_MAX, Spool};

    #[test]
    fn what_is_written_is_copied_back_whole_in_either_form() {
        let text: Vec<u8> = (0..200_000u32).flat_map(u32::to_le_bytes).collect();
        let file = Spool::File {
            file: tempfile::tempfile().unwrap(),
            len: 0,
        };
        for mut spool in [Spool::new(), file] {
            spool.write_all(&text).unwrap();
            let mut out = Vec::new();
            spool.copy_to(&mut out).unwrap();
            assert_eq!(out, text);
        }
    }

    /// Past [`MEMORY_MAX`] the text moves into a temporary file, whole and
    /// in order.
    #[test]
    fn a_large_output_moves_into_a_file_whole() {
        let piece: Vec<u8> = (0..=255u8).cycle().take(64 * 1024 + 7).collect();
        let mut spool = Spool::new();
        let mut expected = Vec::new();
        while expected.len() <= MEMORY_MAX {
            spool.write_all(&piece).unwrap();
            expected.extend_from_slice(&piece);
            if let Spool::Memory { text, .. } = &spool {
                assert!(text.capacity() <= MEMORY_MAX, "{}", text.capacity());
            }
        }
        assert!(
            matches!(spool, Spool::File { .. }),
            "the output stayed in memory"
        );
        let mut out = Vec::new();
        spool.copy_to(&mut out).unwrap();
        assert_eq!(out, expected);
    }

    /// A temporary file that takes no more (a full `TMPDIR`: `/dev/full`
    /// answers every write with `ENOSPC`) hands on to memory: the output is
    /// whole, not an error.
    #[test]
    fn a_full_temporary_file_hands_on_to_memory() {
        let Ok(file) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/full")
        else {
            return;
        };
        let mut spool = Spool::File { file, len: 0 };
        spool.write_all(b"apiVersion: v1\n").unwrap();
        spool.write_all(b"kind: List\n").unwrap();
        let mut out = Vec::new();
        spool.copy_to(&mut out).unwrap();
        assert_eq!(out, b"apiVersion: v1\nkind: List\n");
    }
}
