//! Kubernetes quantities.

/// Kubernetes quantity for a byte count: the largest binary unit that divides it.
#[must_use]
pub fn of_bytes(bytes: u64) -> String {
    for (unit, factor) in [
        ("Ti", 1u64 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if bytes >= factor && bytes.is_multiple_of(factor) {
            return format!("{}{unit}", bytes / factor);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::of_bytes;

    #[test]
    fn binary_units_when_they_divide() {
        assert_eq!(of_bytes(512 << 20), "512Mi");
        assert_eq!(of_bytes(3 << 30), "3Gi");
        assert_eq!(of_bytes(1000), "1000");
    }
}
