//! The memory budget of a run: its default (a quarter of the machine's memory) and the sizes
//! the `--memory-budget` flag accepts.

/// The budget when the machine's memory cannot be read: 4 GiB.
pub const FALLBACK_MEMORY_BUDGET: u64 = 4 << 30;

/// The default memory budget: a quarter of `MemTotal` in `/proc/meminfo`, or
/// [`FALLBACK_MEMORY_BUDGET`] where that file cannot be read. A quarter, because the state is
/// checked every few thousand events and its buffers grow by doubling, so it may hold up to
/// about twice its share before a check stops it; the rest is left to the results, the charts
/// and the machine.
pub fn default_memory_budget() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_total(&text))
        .map_or(FALLBACK_MEMORY_BUDGET, |total| total / 4)
}

/// `MemTotal` of a `/proc/meminfo` text, bytes.
fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line
        .trim_start_matches("MemTotal:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// A memory size such as `512MiB`, `4GiB`, `2GB` or `1000000` (bytes), more than zero.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = (&t[..split], t[split..].trim());
    let k: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        _ => return Err(bad_size(text)),
    };
    let x: f64 = number.parse().map_err(|_| bad_size(text))?;
    let bytes = x * k as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!(
            "must be at least 1 byte and below 16 EiB, got `{text}`"
        ));
    }
    Ok(bytes as u64)
}

fn bad_size(text: &str) -> String {
    format!(
        "expected a memory size such as `512MiB`, `4GiB` or `2GB` (units B, kB, KiB, MB, MiB, \
         GB, GiB, TB, TiB), got `{text}`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("1.5 KiB"), Ok(1536));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(
            parse_size("4 parsecs")
                .unwrap_err()
                .contains("such as `512MiB`")
        );
        assert!(parse_size("GiB").unwrap_err().contains("such as"));
        assert!(parse_size("0").unwrap_err().contains("at least 1 byte"));
    }

    #[test]
    fn mem_total_of_meminfo() {
        let text = "MemTotal:       16384 kB\nMemFree:  1 kB\n";
        assert_eq!(mem_total(text), Some(16384 * 1024));
        assert_eq!(mem_total("nothing"), None);
        assert!(default_memory_budget() > 0);
    }
}
