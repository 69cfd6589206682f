//! Output held back while it is rendered: a stream (standard output, one
//! file) gets nothing until every object was measured, so an object
//! Kubernetes would refuse, found late, leaves it untouched. The text goes
//! into an unnamed temporary file (removed by the system when closed), not
//! into memory: 85 MB at 10,000 services split.

use std::io::{Read, Seek, Write};

/// Where the text waits. Memory when no temporary file can be made (a
/// read-only temporary directory), or once the file cannot take more (a
/// full temporary directory, a file size limit): what it held moves into
/// memory, and the output goes on.
#[derive(Debug)]
pub(super) enum Spool {
    /// An unnamed temporary file and how many bytes were written to it.
    File { file: std::fs::File, len: u64 },
    /// Memory.
    Memory(Vec<u8>),
}

impl Spool {
    /// A temporary file in the temporary directory (`TMPDIR`), or memory.
    pub(super) fn new() -> Self {
        tempfile::tempfile().map_or_else(
            |_| Self::Memory(Vec::new()),
            |file| Self::File { file, len: 0 },
        )
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
            Self::Memory(text) => out.write_all(text),
        }
    }
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
            Self::Memory(text) => return text.write(buf),
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
        *self = Self::Memory(held);
        self.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::File { file, .. } => file.flush(),
            Self::Memory(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::Spool;

    #[test]
    fn what_is_written_is_copied_back_whole_in_either_form() {
        let text: Vec<u8> = (0..200_000u32).flat_map(u32::to_le_bytes).collect();
        for mut spool in [Spool::new(), Spool::Memory(Vec::new())] {
            spool.write_all(&text).unwrap();
            let mut out = Vec::new();
            spool.copy_to(&mut out).unwrap();
            assert_eq!(out, text);
        }
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
