//! A small JSON reader and writer for the save-file format (the web app avoids a
//! general-purpose JSON library to keep its download small).

use std::fmt::Write as _;

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// null
    Null,
    /// true / false
    Bool(bool),
    /// a number
    Num(f64),
    /// a string
    Str(String),
    /// an array
    Arr(Vec<Json>),
    /// an object, keys in order
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number as a non-negative integer, if it is one.
    pub fn as_usize(&self) -> Option<usize> {
        match self {
            Json::Num(n) if *n >= 0.0 && n.fract() == 0.0 && *n < 9e15 => Some(*n as usize),
            _ => None,
        }
    }

    /// Compact JSON text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => write_number(*n, out),
            Json::Str(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        c if (c as u32) < 0x20 => {
                            let _ = write!(out, "\\u{:04x}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Json::Arr(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    it.write(out);
                }
                out.push(']');
            }
            Json::Obj(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    Json::Str(k.clone()).write(out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Writes a number: whole numbers exactly, others with up to six decimals. Written by
/// hand, like [`read_number`], so the page carries no float formatting or parsing
/// code (about 10 KB gzip): every number in slotscope's own files is whole.
fn write_number(n: f64, out: &mut String) {
    if !n.is_finite() {
        out.push_str("null");
        return;
    }
    if n < 0.0 {
        out.push('-');
    }
    let a = n.abs();
    let whole = a.trunc();
    let _ = write!(out, "{}", whole as u64);
    let mut frac = ((a - whole) * 1e6).round() as u64;
    if frac > 0 {
        out.push('.');
        let mut digits = [b'0'; 6];
        for d in digits.iter_mut().rev() {
            *d = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        let shown = digits.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1);
        out.push_str(std::str::from_utf8(&digits[..shown]).unwrap_or(""));
    }
}

/// Reads a JSON number (`-12`, `2.5`, `1e3`): digits, fraction and exponent as JSON
/// writes them. Exact for whole numbers below 2^53; close enough for the rest.
fn read_number(t: &[u8]) -> Option<f64> {
    let (neg, t) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, t),
    };
    let digits = |t: &[u8]| t.iter().take_while(|b| b.is_ascii_digit()).count();
    let int_len = digits(t);
    if int_len == 0 || (int_len > 1 && t[0] == b'0') {
        return None;
    }
    let mut mantissa = 0f64;
    for &d in &t[..int_len] {
        mantissa = mantissa * 10.0 + f64::from(d - b'0');
    }
    let mut rest = &t[int_len..];
    let mut exp: i32 = 0;
    if let Some((b'.', r)) = rest.split_first() {
        let n = digits(r);
        if n == 0 {
            return None;
        }
        for &d in &r[..n] {
            mantissa = mantissa * 10.0 + f64::from(d - b'0');
        }
        exp -= n as i32;
        rest = &r[n..];
    }
    if let Some((b'e' | b'E', r)) = rest.split_first() {
        let (sign, r) = match r.split_first() {
            Some((b'-', r)) => (-1, r),
            Some((b'+', r)) => (1, r),
            _ => (1, r),
        };
        let n = digits(r);
        if n == 0 || n > 4 {
            return None;
        }
        let e: i32 = std::str::from_utf8(&r[..n]).ok()?.parse().ok()?;
        exp += sign * e;
        rest = &r[n..];
    }
    if !rest.is_empty() {
        return None;
    }
    let scale = 10f64.powi(exp.abs());
    let v = if exp < 0 {
        mantissa / scale
    } else {
        mantissa * scale
    };
    Some(if neg { -v } else { v })
}

/// Parses JSON text; errors name the line.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.error("unexpected text after the end"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        let line = self.s[..self.i.min(self.s.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        format!("line {line}: {what}")
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 64 {
            return Err(self.error("nested too deeply"));
        }
        self.ws();
        let Some(&c) = self.s.get(self.i) else {
            return Err(self.error("unexpected end"));
        };
        match c {
            b'n' if self.eat("null") => Ok(Json::Null),
            b't' if self.eat("true") => Ok(Json::Bool(true)),
            b'f' if self.eat("false") => Ok(Json::Bool(false)),
            b'"' => self.string().map(Json::Str),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat("]") {
                        return Ok(Json::Arr(items));
                    }
                    if !self.eat(",") {
                        return Err(self.error("expected , or ]"));
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(Json::Obj(m));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(self.error("expected a key"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        return Err(self.error("expected :"));
                    }
                    m.push((k, self.value(depth + 1)?));
                    self.ws();
                    if self.eat("}") {
                        return Ok(Json::Obj(m));
                    }
                    if !self.eat(",") {
                        return Err(self.error("expected , or }"));
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                read_number(&self.s[start..self.i])
                    .map(Json::Num)
                    .ok_or_else(|| self.error("bad number"))
            }
            _ => Err(self.error("unexpected character")),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err(self.error("unterminated string"));
            };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.error("unterminated string"));
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let hex = self
                                .s
                                .get(self.i..self.i + 4)
                                .ok_or_else(|| self.error("bad \\u escape"))?;
                            self.i += 4;
                            let code =
                                u32::from_str_radix(std::str::from_utf8(hex).unwrap_or("x"), 16)
                                    .map_err(|_| self.error("bad \\u escape"))?;
                            let ch = char::from_u32(code).unwrap_or('\u{fffd}');
                            out.extend(ch.to_string().as_bytes());
                        }
                        _ => return Err(self.error("bad escape")),
                    }
                }
                c => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| self.error("not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_and_write_without_float_formatting() {
        for (text, n) in [
            ("0", 0.0),
            ("-12", -12.0),
            ("2.5", 2.5),
            ("1e3", 1000.0),
            ("25E-1", 2.5),
            ("9007199254740991", 9007199254740991.0),
        ] {
            assert_eq!(parse(text), Ok(Json::Num(n)), "{text}");
        }
        for bad in ["01", "-", "1.", ".5", "1e", "1-2", "--1", "1e99999"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let w = |n: f64| Json::Num(n).to_text();
        assert_eq!(w(0.0), "0");
        assert_eq!(w(-7.0), "-7");
        assert_eq!(w(2.5), "2.5");
        assert_eq!(w(0.125), "0.125");
        assert_eq!(w(1234567.0), "1234567");
        assert_eq!(w(f64::NAN), "null");
    }

    #[test]
    fn round_trips() {
        let v = Json::Obj(vec![
            (
                "a".into(),
                Json::Arr(vec![Json::Num(1.0), Json::Null, Json::Bool(true)]),
            ),
            ("s".into(), Json::Str("q\"\n\\é".into())),
        ]);
        assert_eq!(parse(&v.to_text()).unwrap(), v);
        assert!(parse("{\"a\":\n[1,}").unwrap_err().starts_with("line 2"));
        assert!(parse("").is_err());
    }
}
