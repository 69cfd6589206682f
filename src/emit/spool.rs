//! Output held back while it is rendered: a stream (standard output, one
//! file) gets nothing until every object was measured, so an object
//! Kubernetes would refuse, found late, leaves it untouched. The text goes
//! into an unnamed temporary file (removed by the system when closed), not
//! into memory: 85 MB at 10,000 services split.

use std::io::{Read, Seek, Write};

/// Where the text waits. Memory only when no temporary file can be made
/// (a read-only temporary directory).
#[derive(Debug)]
pub(super) enum Spool {
    /// An unnamed temporary file.
    File(std::fs::File),
    /// Memory.
    Memory(Vec<u8>),
}

impl Spool {
    /// A temporary file in the temporary directory (`TMPDIR`), or memory.
    pub(super) fn new() -> Self {
        tempfile::tempfile().map_or_else(|_| Self::Memory(Vec::new()), Self::File)
    }

    /// Copies everything written to `out`.
    ///
    /// # Errors
    /// When the spool cannot be read back or `out` cannot be written.
    pub(super) fn copy_to(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Self::File(file) => {
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

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::File(file) => file.write(buf),
            Self::Memory(text) => text.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::File(file) => file.flush(),
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
}
