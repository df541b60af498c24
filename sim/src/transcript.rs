//! Recorded sessions to replay: a `redis-cli -c` transcript (prompts, the
//! "-> Redirected to slot [N] located at host:port" lines, replies) or a script in
//! the golden JSONL schema (`node`, `conn`, `command`, optional `reply_raw`).

use crate::import::ImportError;

/// What a recorded step expects back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Nothing recorded.
    Nothing,
    /// The reply as redis-cli printed it (one string, lines joined with `\n`).
    Printed(String),
    /// The exact RESP bytes.
    Raw(String),
}

/// One recorded command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Line of the recording where the step starts (1-based).
    pub line: usize,
    /// `host:port` the command was sent to first.
    pub node: String,
    /// Connection name (JSONL scripts), `cli` for transcripts.
    pub conn: String,
    /// The command.
    pub argv: Vec<Vec<u8>>,
    /// Redirections redis-cli printed: (slot, `host:port`).
    pub redirects: Vec<(u16, String)>,
    /// The recorded reply.
    pub expected: Expected,
    /// True when redis-cli ran in cluster mode (follows MOVED and ASK itself).
    pub follow: bool,
}

/// Splits a command line as redis-cli does: whitespace separates arguments, double
/// or single quotes group them, backslash escapes inside double quotes.
pub fn split_cli(line: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut in_arg = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                let quote = c;
                in_arg = true;
                loop {
                    let Some(d) = chars.next() else {
                        return Err("unbalanced quotes".into());
                    };
                    if d == quote {
                        break;
                    }
                    if d == '\\' && quote == '"' {
                        match chars.next() {
                            Some('n') => cur.push(b'\n'),
                            Some('r') => cur.push(b'\r'),
                            Some('t') => cur.push(b'\t'),
                            Some('x') => {
                                let h: String = chars.by_ref().take(2).collect();
                                let b = u8::from_str_radix(&h, 16)
                                    .map_err(|_| format!("\\x{h} is not a hex byte"))?;
                                cur.push(b);
                            }
                            Some(e) => cur.extend(e.to_string().as_bytes()),
                            None => return Err("unbalanced quotes".into()),
                        }
                    } else {
                        cur.extend(d.to_string().as_bytes());
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_arg {
                    out.push(std::mem::take(&mut cur));
                    in_arg = false;
                }
            }
            c => {
                in_arg = true;
                cur.extend(c.to_string().as_bytes());
            }
        }
    }
    if in_arg {
        out.push(cur);
    }
    Ok(out)
}

fn prompt(line: &str) -> Option<(String, &str)> {
    // "127.0.0.1:7000> GET foo" (also "127.0.0.1:7000[1]> ...")
    let (head, rest) = line.split_once("> ")?;
    let addr = head.split('[').next()?;
    let (host, port) = addr.rsplit_once(':')?;
    if host.is_empty() || host.contains(' ') || port.parse::<u16>().is_err() {
        return None;
    }
    Some((addr.to_string(), rest))
}

/// Parses a `redis-cli -c` transcript. Lines that are neither prompts, redirections
/// nor replies are refused with their line number.
pub fn parse_transcript(text: &str) -> Result<Vec<Step>, ImportError> {
    let mut steps: Vec<Step> = Vec::new();
    let mut printed: Vec<String> = Vec::new();
    let flush = |steps: &mut Vec<Step>, printed: &mut Vec<String>| {
        if let Some(s) = steps.last_mut() {
            if !printed.is_empty() {
                s.expected = Expected::Printed(printed.join("\n"));
            }
        }
        printed.clear();
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim_end();
        if l.trim().is_empty() {
            continue;
        }
        if let Some((addr, cmd)) = prompt(l) {
            flush(&mut steps, &mut printed);
            let argv = split_cli(cmd).map_err(|e| ImportError { line, reason: e })?;
            if argv.is_empty() {
                continue;
            }
            steps.push(Step {
                line,
                node: addr,
                conn: "cli".into(),
                argv,
                redirects: Vec::new(),
                expected: Expected::Nothing,
                follow: true,
            });
            continue;
        }
        if let Some(rest) = l.trim().strip_prefix("-> Redirected to slot [") {
            let Some(step) = steps.last_mut() else {
                return Err(ImportError {
                    line,
                    reason: "a redirection before any command".into(),
                });
            };
            let parsed = rest
                .split_once("] located at ")
                .and_then(|(s, a)| Some((s.parse::<u16>().ok()?, a.trim().to_string())));
            let Some((slot, addr)) = parsed else {
                return Err(ImportError {
                    line,
                    reason: "expected \"-> Redirected to slot [N] located at host:port\"".into(),
                });
            };
            step.redirects.push((slot, addr));
            continue;
        }
        if steps.is_empty() {
            return Err(ImportError {
                line,
                reason: "expected a redis-cli prompt such as \"127.0.0.1:7000> GET foo\"".into(),
            });
        }
        printed.push(l.trim().to_string());
    }
    flush(&mut steps, &mut printed);
    if steps.is_empty() {
        return Err(ImportError {
            line: 1,
            reason: "no redis-cli prompt found (\"host:port> command\")".into(),
        });
    }
    Ok(steps)
}

/// Parses a script in the golden JSONL schema.
pub fn parse_jsonl(text: &str) -> Result<Vec<Step>, ImportError> {
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let v = crate::json::parse(raw).map_err(|e| ImportError {
            line,
            reason: format!("invalid JSON: {}", e.trim_start_matches("line 1: ")),
        })?;
        let node = v.get("node").and_then(|n| n.as_str()).ok_or(ImportError {
            line,
            reason: "missing \"node\" (ip:port)".into(),
        })?;
        let command = v
            .get("command_template")
            .or_else(|| v.get("command"))
            .and_then(|c| match c {
                crate::json::Json::Arr(a) => Some(a),
                _ => None,
            })
            .ok_or(ImportError {
                line,
                reason: "missing \"command\" (an array of strings)".into(),
            })?;
        let argv = command
            .iter()
            .map(|a| a.as_str().map(|s| s.as_bytes().to_vec()))
            .collect::<Option<Vec<_>>>()
            .ok_or(ImportError {
                line,
                reason: "\"command\" must hold strings only".into(),
            })?;
        if argv.is_empty() {
            return Err(ImportError {
                line,
                reason: "empty command".into(),
            });
        }
        let expected = match v
            .get("reply_raw_template")
            .or_else(|| v.get("reply_raw"))
            .and_then(|r| r.as_str())
        {
            Some(r) => Expected::Raw(r.to_string()),
            None => Expected::Nothing,
        };
        let conn = v
            .get("conn")
            .and_then(|c| c.as_str())
            .unwrap_or("main")
            .to_string();
        steps.push(Step {
            line,
            node: node.to_string(),
            conn,
            argv,
            redirects: Vec::new(),
            expected,
            follow: false,
        });
    }
    if steps.is_empty() {
        return Err(ImportError {
            line: 1,
            reason: "no JSON line found".into(),
        });
    }
    Ok(steps)
}

/// Reads either form: JSONL when the first non-blank character is `{`.
pub fn parse_recording(text: &str) -> Result<Vec<Step>, ImportError> {
    if text.trim_start().starts_with('{') {
        parse_jsonl(text)
    } else {
        parse_transcript(text)
    }
}

/// How redis-cli prints a reply (the form transcripts hold).
pub fn cli_print(reply: &crate::resp::Reply) -> String {
    use crate::resp::Reply;
    fn go(r: &Reply, indent: usize, out: &mut Vec<String>, prefix: String) {
        match r {
            Reply::Array(items) if !items.is_empty() => {
                let width = items.len().to_string().len();
                for (i, it) in items.iter().enumerate() {
                    let marker = format!("{:>width$}) ", i + 1);
                    let p = if i == 0 {
                        format!("{prefix}{marker}")
                    } else {
                        format!("{}{marker}", " ".repeat(indent))
                    };
                    go(it, indent + marker.len(), out, p);
                }
            }
            Reply::Map(pairs) if !pairs.is_empty() => {
                let flat: Vec<Reply> = pairs
                    .iter()
                    .flat_map(|(k, v)| [k.clone(), v.clone()])
                    .collect();
                go(&Reply::Array(flat), indent, out, prefix);
            }
            other => {
                let text = match other {
                    Reply::Simple(s) => s.clone(),
                    Reply::Error(_) => {
                        format!("(error) {}", other.error_text().unwrap_or_default())
                    }
                    Reply::Integer(n) => format!("(integer) {n}"),
                    Reply::Bulk(b) => {
                        format!("\"{}\"", crate::resp::escape_bytes(b).replace('"', "\\\""))
                    }
                    Reply::Nil => "(nil)".into(),
                    Reply::Array(_) | Reply::Map(_) => "(empty array)".into(),
                    Reply::Verbatim(t) => t.clone(),
                };
                out.push(format!("{prefix}{text}"));
            }
        }
    }
    let mut out = Vec::new();
    go(reply, 0, &mut out, String::new());
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resp::Reply;

    #[test]
    fn reads_a_redis_cli_session() {
        let t = "127.0.0.1:7000> SET \"my key\" v\n-> Redirected to slot [5000] located at 127.0.0.1:7001\nOK\n127.0.0.1:7001> GET foo\n(nil)\n";
        let steps = parse_transcript(t).unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].argv[1], b"my key");
        assert_eq!(
            steps[0].redirects,
            vec![(5000, "127.0.0.1:7001".to_string())]
        );
        assert_eq!(steps[0].expected, Expected::Printed("OK".into()));
        assert_eq!(steps[1].line, 4);
        let e = parse_transcript("hello\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse_transcript("127.0.0.1:7000> GET \"x\n").unwrap_err();
        assert!(e.reason.contains("quotes"));
    }

    #[test]
    fn prints_like_redis_cli() {
        let r = Reply::Array(vec![
            Reply::bulk("a"),
            Reply::Nil,
            Reply::Array(vec![Reply::Integer(1)]),
        ]);
        assert_eq!(cli_print(&r), "1) \"a\"\n2) (nil)\n3) 1) (integer) 1");
        assert_eq!(cli_print(&Reply::err("MOVED 1 h:1")), "(error) MOVED 1 h:1");
    }

    #[test]
    fn jsonl_errors_name_the_line() {
        let e = parse_jsonl(
            "{\"node\":\"127.0.0.1:7000\",\"command\":[\"PING\"]}\n{\"command\":[\"PING\"]}",
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
    }
}
