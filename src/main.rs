//! The `podlift` command: parse, run, print, exit.

mod cli;

use std::io::Write as _;
use std::process::ExitCode;

// podlift allocates many small nodes and a few large buffers; mimalloc keeps
// that off glibc's consolidation paths. Its v2 line reuses freed pages across
// the pipeline's stages where v3 keeps them: 75 vs 103 MB peak at 10,000
// services (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    let outcome = cli::run(std::env::args_os(), &mut stdout);
    let _ = stdout.write_all(outcome.stdout.as_bytes());
    let _ = stdout.flush();
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    outcome.exit_code()
}
