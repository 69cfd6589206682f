//! SIGINT, SIGTERM and SIGHUP while `convert` runs: a thread waits for them,
//! removes the temporaries the run made beside its output (a staging
//! directory, a named temporary file: they may hold Secrets) and ends the
//! process with 128 + the signal's number (130 for Ctrl-C). A rename that
//! puts the output in place finishes first, so the output is the old one
//! or the new one, whole. The first signal decides the exit status: the
//! run that ends meanwhile (its writing failed once the temporaries were
//! removed) ends with it too ([`interrupted`]).

use std::sync::atomic::{AtomicI32, Ordering};

/// The first signal received; 0 before any.
static FIRST: AtomicI32 = AtomicI32::new(0);

/// The first signal received, once its temporaries are removed (waits for
/// the removal in progress); `None` without a signal.
pub fn interrupted() -> Option<i32> {
    let signal = FIRST.load(Ordering::SeqCst);
    if signal == 0 {
        return None;
    }
    // Waits for the signal thread's removal; removes nothing twice.
    podlift::emit::target::abandon();
    Some(signal)
}

/// Starts the thread; without it (the system refused) a signal ends the
/// process as it would anyway. A signal the process was started ignoring
/// (`nohup` ignores SIGHUP, a shell script's `&` SIGINT) stays ignored.
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let ignored = ignored();
    let caught: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|signal| !is_in(ignored, *signal))
        .collect();
    if caught.is_empty() {
        return;
    }
    let Ok(mut signals) = signal_hook::iterator::Signals::new(caught) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let _ = FIRST.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
                podlift::emit::target::abandon();
                std::process::exit(128 + FIRST.load(Ordering::SeqCst));
            }
        });
}

#[cfg(not(unix))]
pub fn install() {}

/// The signals this process ignores, as Linux shows them (`SigIgn:` in
/// `/proc/self/status`, bit n-1 for signal n); none known elsewhere.
#[cfg(unix)]
fn ignored() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let mask = status.lines().find_map(|l| l.strip_prefix("SigIgn:"))?;
            u64::from_str_radix(mask.trim(), 16).ok()
        })
        .unwrap_or(0)
}

/// Whether `signal` is in `mask`.
#[cfg(unix)]
fn is_in(mask: u64, signal: i32) -> bool {
    u32::try_from(signal)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|bit| mask.checked_shr(bit))
        .is_some_and(|shifted| shifted & 1 == 1)
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn a_signal_is_its_bit_less_one() {
        // SIGHUP is 1, SIGINT 2: `SigIgn: 0000000000000002` is SIGINT only
        assert!(super::is_in(0b10, 2));
        assert!(!super::is_in(0b10, 1));
        assert!(!super::is_in(u64::MAX, 0));
        assert!(!super::is_in(u64::MAX, 65));
    }
}
