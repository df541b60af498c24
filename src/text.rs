//! Small text helpers for display (no protocol knowledge).

/// Cuts `s` to at most `max` bytes on a character boundary and says how long it was.
/// Keeps the page fast when someone pastes a 64 KiB key.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], group(s.len()))
}

/// 65536 -> "65,536".
pub fn group(n: usize) -> String {
    slotscope_sim::explain::group(n as u64)
}

/// "5001-9307", or "9308" for a one-slot range.
pub fn range(start: u16, end: u16) -> String {
    if start == end {
        start.to_string()
    } else {
        format!("{start}-{end}")
    }
}

/// "0-5000, 5002-16383", or "none".
pub fn ranges(list: &[(u16, u16)]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|&(a, b)| range(a, b))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "1 key", "3 keys".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A wire reply as the log shows it (`\r\n` escaped), without its final `\r\n`, for
/// the small message pill.
pub fn short_reply(reply: &str) -> &str {
    reply.strip_suffix("\\r\\n").unwrap_or(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_respects_char_boundaries() {
        assert_eq!(clip("abc", 5), "abc");
        let s = "é".repeat(10);
        let c = clip(&s, 5);
        assert!(c.starts_with("éé…"), "{c}");
        assert!(c.ends_with("(20 bytes in all)"), "{c}");
    }

    #[test]
    fn numbers_and_ranges() {
        assert_eq!(group(65536), "65,536");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(range(9308, 9308), "9308");
        assert_eq!(ranges(&[(0, 5000), (5002, 16383)]), "0-5000, 5002-16383");
        assert_eq!(ranges(&[]), "none");
        assert_eq!(plural(1, "key", "keys"), "1 key");
        assert_eq!(short_reply("-MOVED 1 a:1\\r\\n"), "-MOVED 1 a:1");
    }
}
