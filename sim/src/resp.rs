//! Replies and their exact RESP2/RESP3 wire encoding.

use std::fmt::Write as _;

/// Protocol version negotiated on a connection (`HELLO 2|3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Proto {
    /// RESP2, the default of a new connection.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

/// One reply, as a Redis server builds it before encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+text`
    Simple(String),
    /// `-text` (the text starts with the error code, e.g. `MOVED 12182 127.0.0.1:7002`);
    /// bytes, since Redis echoes user input (possibly not UTF-8) in some errors
    Error(Vec<u8>),
    /// `:n`
    Integer(i64),
    /// `$len` + bytes
    Bulk(Vec<u8>),
    /// Null bulk: `$-1` (RESP2) or `_` (RESP3)
    Nil,
    /// `*n` + items
    Array(Vec<Reply>),
    /// RESP3 map `%n`; a flat array of 2n items in RESP2
    Map(Vec<(Reply, Reply)>),
    /// RESP3 verbatim string (`=len txt:`); a bulk string in RESP2
    Verbatim(String),
}

impl Reply {
    /// `+OK`
    pub fn ok() -> Reply {
        Reply::Simple("OK".into())
    }

    /// An error reply from its text (without the leading `-`).
    pub fn err(text: impl AsRef<[u8]>) -> Reply {
        Reply::Error(text.as_ref().to_vec())
    }

    /// A bulk reply from a string.
    pub fn bulk(text: impl AsRef<[u8]>) -> Reply {
        Reply::Bulk(text.as_ref().to_vec())
    }

    /// The text of an error reply (lossy for non-UTF-8 bytes).
    pub fn error_text(&self) -> Option<String> {
        match self {
            Reply::Error(t) => Some(String::from_utf8_lossy(t).into_owned()),
            _ => None,
        }
    }

    /// The bulk strings of an array reply (other items and other replies give none),
    /// e.g. the keys `CLUSTER GETKEYSINSLOT` returns.
    pub fn into_bulks(self) -> Vec<Vec<u8>> {
        match self {
            Reply::Array(items) => items
                .into_iter()
                .filter_map(|r| match r {
                    Reply::Bulk(b) => Some(b),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// True for error replies.
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// The error code (first word of an error), e.g. `MOVED`, `ASK`, `ERR`.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Reply::Error(text) => {
                let end = text.iter().position(|&b| b == b' ').unwrap_or(text.len());
                std::str::from_utf8(&text[..end]).ok()
            }
            _ => None,
        }
    }

    /// The exact bytes a server sends for this reply.
    pub fn encode(&self, proto: Proto) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(proto, &mut out);
        out
    }

    fn encode_into(&self, proto: Proto, out: &mut Vec<u8>) {
        match self {
            Reply::Simple(s) => {
                out.push(b'+');
                out.extend_from_slice(s.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Reply::Error(s) => {
                out.push(b'-');
                out.extend_from_slice(s);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Integer(n) => {
                out.extend_from_slice(format!(":{n}\r\n").as_bytes());
            }
            Reply::Bulk(b) => {
                out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Nil => match proto {
                Proto::Resp2 => out.extend_from_slice(b"$-1\r\n"),
                Proto::Resp3 => out.extend_from_slice(b"_\r\n"),
            },
            Reply::Array(items) => {
                out.extend_from_slice(format!("*{}\r\n", items.len()).as_bytes());
                for item in items {
                    item.encode_into(proto, out);
                }
            }
            Reply::Map(pairs) => {
                match proto {
                    Proto::Resp2 => {
                        out.extend_from_slice(format!("*{}\r\n", pairs.len() * 2).as_bytes())
                    }
                    Proto::Resp3 => {
                        out.extend_from_slice(format!("%{}\r\n", pairs.len()).as_bytes())
                    }
                }
                for (k, v) in pairs {
                    k.encode_into(proto, out);
                    v.encode_into(proto, out);
                }
            }
            Reply::Verbatim(text) => match proto {
                Proto::Resp2 => Reply::Bulk(text.as_bytes().to_vec()).encode_into(proto, out),
                Proto::Resp3 => {
                    out.extend_from_slice(format!("={}\r\ntxt:", text.len() + 4).as_bytes());
                    out.extend_from_slice(text.as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
            },
        }
    }

    /// The wire bytes as readable text: CR and LF shown as `\r` and `\n`, other
    /// control or non-UTF-8 bytes as `\xNN`.
    pub fn wire_text(&self, proto: Proto) -> String {
        escape_bytes(&self.encode(proto))
    }

    /// A short human rendering, as redis-cli prints it: `"v1"`, `(nil)`, `OK`,
    /// `(error) MOVED ...`, `(integer) 3`, arrays one item per line.
    pub fn human(&self) -> String {
        match self {
            Reply::Simple(s) => s.clone(),
            Reply::Error(s) => format!("(error) {}", String::from_utf8_lossy(s)),
            Reply::Integer(n) => format!("(integer) {n}"),
            Reply::Bulk(b) => format!("\"{}\"", escape_human(b)),
            Reply::Nil => "(nil)".into(),
            Reply::Array(items) if items.is_empty() => "(empty array)".into(),
            Reply::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{}) {}", i + 1, r.human()))
                .collect::<Vec<_>>()
                .join("\n"),
            Reply::Map(pairs) => pairs
                .iter()
                .enumerate()
                .map(|(i, (k, v))| format!("{}# {} => {}", i + 1, k.human(), v.human()))
                .collect::<Vec<_>>()
                .join("\n"),
            Reply::Verbatim(text) => text.clone(),
        }
    }
}

/// Escapes bytes for display: `\r`, `\n`, `\t`, `\\`, `\xNN` for other control or
/// invalid bytes; valid multi-byte UTF-8 is kept.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

fn escape_human(bytes: &[u8]) -> String {
    escape_bytes(bytes).replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_redis() {
        assert_eq!(
            Reply::err("MOVED 12182 127.0.0.1:7002").encode(Proto::Resp2),
            b"-MOVED 12182 127.0.0.1:7002\r\n"
        );
        assert_eq!(Reply::Nil.encode(Proto::Resp2), b"$-1\r\n");
        assert_eq!(Reply::Nil.encode(Proto::Resp3), b"_\r\n");
        assert_eq!(Reply::Map(vec![]).encode(Proto::Resp2), b"*0\r\n".to_vec());
        assert_eq!(
            Reply::bulk("v1").wire_text(Proto::Resp2),
            "$2\\r\\nv1\\r\\n"
        );
    }
}
