//! Sizes as Caddyfiles write them: "1MB" (10^6), "1MiB" (2^20), "512k", "100".

/// Bytes, or None when `text` is not a size.
pub fn parse(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "ti" | "tib" => 1024.0_f64.powi(4),
        _ => return None,
    };
    let bytes = number * factor;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_and_binary_units() {
        assert_eq!(super::parse("1MB"), Some(1_000_000));
        assert_eq!(super::parse("1MiB"), Some(1_048_576));
        assert_eq!(super::parse("512k"), Some(512_000));
        assert_eq!(super::parse("100"), Some(100));
        assert_eq!(super::parse("1.5GB"), Some(1_500_000_000));
        assert_eq!(super::parse("ten"), None);
        assert_eq!(super::parse("5XB"), None);
    }
}
