//! A timeline's operations as a short URL-safe text (for links to a moment), and back.
//!
//! The text uses only `A-Z a-z 0-9 . - _ *`, which a query string carries unescaped.
//! Operations are separated by `.`; each starts with a one-letter code, and its parts
//! are separated by `-`:
//!
//! | text          | operation                                   |
//! |---------------|---------------------------------------------|
//! | `gKEY`        | send `GET key`                              |
//! | `tKEY-VALUE`  | send `SET key value`                        |
//! | `dKEY`        | send `DEL key`                              |
//! | `m-K1-K2`     | send `MGET k1 k2` (each key after a `-`)    |
//! | `s`, `s12`    | one hop, or 12 hops in a row                |
//! | `iSLOT-FROM-TO` | start migrating a slot between nodes      |
//! | `oSLOT`, `aSLOT`, `fSLOT` | move one key, move all keys, finish a migration |
//! | `r`           | the client refreshes its map                |
//! | `cPOLICY`     | add a client with a policy                  |
//! | `pI-POLICY`   | give client `i` a policy                    |
//! | `kI`          | choose client `i`                           |
//!
//! In keys, values and policy ids, letters and digits stand for themselves, `*` for
//! `:`, and `_` followed by two hex digits for any other byte (UTF-8).

use crate::keyslot::SLOTS;
use crate::timeline::Op;
use crate::world::{Action, Request};

/// Most operations a link may hold (hops in a run count one each).
pub const MAX_LINK_OPS: usize = 20_000;

fn push_text(out: &mut String, s: &str) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(b as char),
            b':' => out.push('*'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push('_');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

/// Pushes `code`, then each number, the numbers separated by `-`.
fn push_nums(out: &mut String, code: char, nums: &[usize]) {
    out.push(code);
    for (i, n) in nums.iter().enumerate() {
        if i > 0 {
            out.push('-');
        }
        out.push_str(&n.to_string());
    }
}

/// The operations as link text. Fails only for a loaded recording, which a link cannot
/// carry.
pub fn encode(ops: &[Op]) -> Result<String, String> {
    let mut out = String::new();
    let mut i = 0;
    while i < ops.len() {
        if i > 0 {
            out.push('.');
        }
        let op = &ops[i];
        i += 1;
        match op {
            Op::Step => {
                let mut run = 1;
                while ops.get(i) == Some(&Op::Step) {
                    run += 1;
                    i += 1;
                }
                let run = [run];
                push_nums(&mut out, 's', if run[0] > 1 { &run } else { &[] });
            }
            Op::Send(r) => {
                let (code, keys) = match r {
                    Request::Get(k) => ('g', std::slice::from_ref(k)),
                    Request::Del(k) => ('d', std::slice::from_ref(k)),
                    Request::Mget(ks) => ('m', &ks[..]),
                    Request::Set(k, v) => {
                        out.push('t');
                        push_text(&mut out, k);
                        out.push('-');
                        push_text(&mut out, v);
                        continue;
                    }
                };
                out.push(code);
                for k in keys {
                    if code == 'm' {
                        out.push('-');
                    }
                    push_text(&mut out, k);
                }
            }
            Op::Act(a) => match *a {
                Action::StartMigration { slot, from, to } => {
                    push_nums(&mut out, 'i', &[slot as usize, from as usize, to as usize])
                }
                Action::MoveOneKey { slot } => push_nums(&mut out, 'o', &[slot as usize]),
                Action::MoveAllKeys { slot } => push_nums(&mut out, 'a', &[slot as usize]),
                Action::FinishMigration { slot } => push_nums(&mut out, 'f', &[slot as usize]),
                Action::RefreshMap => out.push('r'),
                Action::MigrateRange {
                    first,
                    last,
                    from,
                    to,
                } => push_nums(
                    &mut out,
                    'h',
                    &[first as usize, last as usize, from as usize, to as usize],
                ),
            },
            Op::AddClient(p) => {
                out.push('c');
                push_text(&mut out, p);
            }
            Op::SetPolicy(c, p) => {
                push_nums(&mut out, 'p', &[*c]);
                out.push('-');
                push_text(&mut out, p);
            }
            Op::SelectClient(c) => push_nums(&mut out, 'k', &[*c]),
            #[cfg(feature = "replay")]
            Op::LoadRecording(_) | Op::ReplayStep => {
                return Err("a replayed recording cannot be put in a link".into())
            }
        }
    }
    Ok(out)
}

type Res<T> = Result<T, &'static str>;

fn text(part: &str) -> Res<String> {
    let b = part.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        out.push(match b[i] {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => b[i],
            b'*' => b':',
            b'_' => {
                let hex = |j: usize| {
                    b.get(j)
                        .and_then(|&c| (c as char).to_digit(16))
                        .ok_or("\"_\" must be followed by two hex digits")
                };
                i += 2;
                (hex(i - 1)? << 4 | hex(i)?) as u8
            }
            _ => return Err("only letters, digits, \"*\" and \"_\" may appear in a text"),
        });
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "the text is not UTF-8")
}

/// A whole number up to `max`.
fn number(part: &str, max: usize) -> Res<usize> {
    let mut n: usize = 0;
    for b in part.bytes() {
        if !b.is_ascii_digit() {
            return Err("a number must be digits only");
        }
        n = n.saturating_mul(10).saturating_add((b - b'0') as usize);
    }
    if part.is_empty() || n > max {
        return Err("a number is missing or out of range");
    }
    Ok(n)
}

fn slot(part: &str) -> Res<u16> {
    number(part, SLOTS - 1).map(|s| s as u16)
}

fn decode_one(item: &str, out: &mut Vec<Op>) -> Res<()> {
    let mut chars = item.chars();
    let code = chars.next().ok_or("empty operation")?;
    let rest = chars.as_str();
    let mut parts = rest.split('-');
    let mut part = || parts.next().ok_or("a part is missing");
    let op = match code {
        's' => {
            let run = if rest.is_empty() {
                1
            } else {
                number(rest, MAX_LINK_OPS)?
            };
            if run == 0 || out.len() + run > MAX_LINK_OPS {
                return Err("a link holds 1 to 20000 operations");
            }
            out.extend(std::iter::repeat_n(Op::Step, run));
            return Ok(());
        }
        'g' => Op::Send(Request::Get(text(rest)?)),
        'd' => Op::Send(Request::Del(text(rest)?)),
        't' => Op::Send(Request::Set(text(part()?)?, text(part()?)?)),
        'm' => {
            if !part()?.is_empty() {
                return Err("each key must follow a \"-\"");
            }
            let keys = if rest.is_empty() {
                Vec::new()
            } else {
                rest[1..].split('-').map(text).collect::<Res<_>>()?
            };
            Op::Send(Request::Mget(keys))
        }
        'i' => Op::Act(Action::StartMigration {
            slot: slot(part()?)?,
            from: number(part()?, u16::MAX as usize)? as u16,
            to: number(part()?, u16::MAX as usize)? as u16,
        }),
        'h' => Op::Act(Action::MigrateRange {
            first: slot(part()?)?,
            last: slot(part()?)?,
            from: number(part()?, u16::MAX as usize)? as u16,
            to: number(part()?, u16::MAX as usize)? as u16,
        }),
        'o' => Op::Act(Action::MoveOneKey { slot: slot(rest)? }),
        'a' => Op::Act(Action::MoveAllKeys { slot: slot(rest)? }),
        'f' => Op::Act(Action::FinishMigration { slot: slot(rest)? }),
        'r' if rest.is_empty() => Op::Act(Action::RefreshMap),
        'c' => Op::AddClient(text(rest)?),
        'p' => Op::SetPolicy(number(part()?, usize::MAX)?, text(part()?)?),
        'k' => Op::SelectClient(number(rest, usize::MAX)?),
        _ => return Err("unknown operation"),
    };
    if matches!(code, 't' | 'i' | 'h' | 'p') && parts.next().is_some() {
        return Err("too many parts");
    }
    if out.len() >= MAX_LINK_OPS {
        return Err("a link holds 1 to 20000 operations");
    }
    out.push(op);
    Ok(())
}

/// Reads [`encode`]'s text back. Errors name the operation (counted from 1) and why.
pub fn decode(s: &str) -> Result<Vec<Op>, String> {
    let mut out = Vec::new();
    if s.is_empty() {
        return Ok(out);
    }
    for (i, item) in s.split('.').enumerate() {
        decode_one(item, &mut out).map_err(|e| {
            let shown: String = item.chars().take(24).collect();
            format!("operation {} (\"{shown}\"): {e}", i + 1)
        })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_session_round_trips_compactly() {
        let ops = vec![
            Op::Send(Request::Get("user:100".into())),
            Op::Step,
            Op::Step,
            Op::Step,
            Op::Act(Action::StartMigration {
                slot: 5474,
                from: 0,
                to: 1,
            }),
            Op::Act(Action::MoveOneKey { slot: 5474 }),
            Op::Act(Action::MoveAllKeys { slot: 16383 }),
            Op::Act(Action::FinishMigration { slot: 0 }),
            Op::Act(Action::RefreshMap),
            Op::AddClient("jedis".into()),
            Op::SetPolicy(1, "redis-py".into()),
            Op::SelectClient(1),
            Op::Send(Request::Set("{a} b".into(), "é-x".into())),
            Op::Step,
            Op::Send(Request::Mget(vec!["{a}1".into(), String::new()])),
            Op::Send(Request::Mget(vec![])),
            Op::Send(Request::Del(String::new())),
        ];
        let text = encode(&ops).unwrap();
        assert_eq!(
            text,
            "guser*100.s3.i5474-0-1.o5474.a16383.f0.r.cjedis.p1-redis_2dpy.k1.t_7ba_7d_20b-_c3_a9_2dx.s.m-_7ba_7d1-.m.d"
        );
        assert_eq!(decode(&text).unwrap(), ops);
        assert_eq!(decode("").unwrap(), vec![]);
    }

    #[test]
    fn bad_text_is_refused_with_the_operation_and_the_reason() {
        let err = |s: &str| decode(s).unwrap_err();
        assert_eq!(err("gk.x1"), "operation 2 (\"x1\"): unknown operation");
        assert!(err("o16384").contains("out of range"));
        assert!(err("o").contains("missing"));
        assert!(err("s0").contains("1 to 20000 operations"));
        assert!(err("s99999999999999999999999").contains("out of range"));
        assert!(err("s20001").contains("out of range"));
        assert!(err("s19999.s2").contains("operation 2 (\"s2\"): a link holds"));
        assert!(err("g_zz").contains("two hex digits"));
        assert!(err("g_c").contains("two hex digits"));
        assert!(err("g_c3").contains("not UTF-8"));
        assert!(err("ga b").contains("only letters"));
        assert!(err("tk").contains("a part is missing"));
        assert!(err("tk-v-w").contains("too many parts"));
        assert!(err("i1-2").contains("operation 1"));
        assert!(err("gk..s").contains("operation 2 (\"\"): empty operation"));
        assert!(err("rx").contains("unknown operation"));
        assert!(err("mk").contains("follow a \"-\""));
        assert!(err("k-1").contains("digits only"));
        assert!(err("i1-70000-0").contains("out of range"));
        assert!(err("é").contains("unknown operation"));
        let many = vec!["r"; MAX_LINK_OPS + 1].join(".");
        assert!(err(&many).contains("a link holds"));
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), "[a-z:{}]{0,8}"]
    }

    fn op_strategy() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::Step),
            text_strategy().prop_map(|k| Op::Send(Request::Get(k))),
            (text_strategy(), text_strategy()).prop_map(|(k, v)| Op::Send(Request::Set(k, v))),
            text_strategy().prop_map(|k| Op::Send(Request::Del(k))),
            prop::collection::vec(text_strategy(), 0..4).prop_map(|ks| Op::Send(Request::Mget(ks))),
            (0u16..16384, any::<u16>(), any::<u16>())
                .prop_map(|(slot, from, to)| Op::Act(Action::StartMigration { slot, from, to })),
            (0u16..16384).prop_map(|slot| Op::Act(Action::MoveOneKey { slot })),
            (0u16..16384).prop_map(|slot| Op::Act(Action::MoveAllKeys { slot })),
            (0u16..16384).prop_map(|slot| Op::Act(Action::FinishMigration { slot })),
            Just(Op::Act(Action::RefreshMap)),
            (0u16..16384, 0u16..16384, 0u16..20, 0u16..20).prop_map(|(first, last, from, to)| {
                Op::Act(Action::MigrateRange {
                    first,
                    last,
                    from,
                    to,
                })
            }),
            text_strategy().prop_map(Op::AddClient),
            (any::<usize>(), text_strategy()).prop_map(|(i, p)| Op::SetPolicy(i, p)),
            any::<usize>().prop_map(Op::SelectClient),
        ]
    }

    proptest! {
        #[test]
        fn every_op_list_round_trips(ops in prop::collection::vec(op_strategy(), 0..40)) {
            let text = encode(&ops).unwrap();
            prop_assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_*".contains(&b)));
            prop_assert_eq!(decode(&text).unwrap(), ops);
        }

        #[test]
        fn any_text_decodes_or_is_refused_without_panicking(s in prop_oneof![".{0,60}", "[a-z0-9.*_-]{0,40}"]) {
            if let Ok(ops) = decode(&s) {
                prop_assert!(ops.len() <= MAX_LINK_OPS);
            }
        }
    }
}
