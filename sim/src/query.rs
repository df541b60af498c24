//! Query strings of links: their components decoded as a browser decodes them, and
//! percent-encoded for a link (the page's addresses and the tools' save files share this).

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space).
pub fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The (decoded) name-value pairs of a query string such as `?scenario=ask&key=a%20b`.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .strip_prefix('?')
        .unwrap_or(query)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(n), unescape(v))
        })
        .collect()
}

/// Percent-encodes a query component: letters, digits and `-._*:` stay as they are.
pub fn escape(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._*:".contains(&b) {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_like_a_browser() {
        assert_eq!(
            parse_query("?a=1&b=x+y%20z&c&&d=%7B%zz%"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y z".into()),
                ("c".into(), "".into()),
                ("d".into(), "{%zz%".into()),
            ]
        );
        assert_eq!(parse_query("k=%C3%A9%FF")[0].1, "é\u{fffd}");
        assert!(parse_query("").is_empty());
    }

    #[test]
    fn escaped_components_decode_back() {
        let mut out = String::new();
        escape("{user:7} é&=+", &mut out);
        assert_eq!(out, "%7Buser:7%7D%20%C3%A9%26%3D%2B");
        assert_eq!(unescape(&out), "{user:7} é&=+");
    }
}
