//! The generated init script really claims the addresses: it runs twice in a
//! fresh network namespace (`unshare -n`, root only) and every address ends
//! up on `lo` as a `/32` (`/128`) host route. Nothing here touches a preset
//! address from the machine's own namespace.

use crate::common;

use std::process::Command;

use common::{Test, fixture};

/// Whether this machine can make network namespaces; in CI it must.
fn can_unshare() -> bool {
    common::unshare_works(&["true"], "the init script was not run")
}

/// Runs `script` twice in one new network namespace with `ip` from `path_prefix`
/// first on PATH, then lists `lo`'s addresses.
fn run_twice(script: &str, path_prefix: Option<&str>) -> String {
    let path = match path_prefix {
        Some(prefix) => format!("{prefix}:{}", std::env::var("PATH").unwrap_or_default()),
        None => std::env::var("PATH").unwrap_or_default(),
    };
    let wrapper = format!("{script}\n{script}\necho {MARKER}\nip -o addr show dev lo\n");
    let output = Command::new("timeout")
        .args(["20", "unshare", "-n", "sh", "-c", &wrapper])
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the init script failed on its second run:\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .split_once(MARKER)
        .map(|(_, after)| after.to_string())
        .unwrap_or_default()
}

const MARKER: &str = "==listing==";

fn assert_claimed(listing: &str, addresses: &[&str]) {
    for address in addresses {
        // IPv6 scope follows from the address (the kernel ignores `scope host`).
        let needle = if address.contains(':') {
            format!("inet6 {address}/128 ")
        } else {
            format!("inet {address}/32 scope host")
        };
        assert_eq!(
            listing.lines().filter(|l| l.contains(&needle)).count(),
            1,
            "expected `{needle}` exactly once on lo:\n{listing}"
        );
    }
}

#[test]
fn seed_script_is_idempotent_with_iproute2() {
    if !can_unshare() {
        return;
    }
    let script = Test::new()
        .args(["convert", "-f", "examples/seed/compose.yaml"])
        .success()
        .init_script();
    let listing = run_twice(&script, None);
    assert_claimed(
        &listing,
        &["169.254.253.2", "169.254.253.7", "169.254.253.11"],
    );
    // Only what was declared: the rest of the /24 stays off lo.
    assert!(!listing.contains("169.254.253.0/24"), "{listing}");
}

#[test]
fn addresses_script_is_idempotent_with_busybox_ip() {
    if !can_unshare() {
        return;
    }
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(busybox) = busybox else {
        common::skip("busybox is not installed; the script was run with iproute2 only");
        return;
    };
    // A PATH entry whose `ip` is busybox's, as in the default init image.
    let shim = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(busybox, shim.path().join("ip")).unwrap();
    let compose = fixture("addresses").join("compose.yaml");
    let script = Test::new()
        .args(["convert", "-f", compose.to_str().unwrap()])
        .success()
        .init_script();
    let listing = run_twice(&script, Some(shim.path().to_str().unwrap()));
    assert_claimed(
        &listing,
        &[
            "169.254.253.3",
            "169.254.253.7",
            "169.254.253.11",
            "169.254.253.12",
            "169.254.254.11",
            "fd00:253::7",
        ],
    );
}
