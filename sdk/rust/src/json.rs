//! A tiny JSON reader and writer, enough for handler arguments.
//!
//! Reading works on *raw values*: `&str` slices of JSON text. Nothing is
//! parsed into a tree; [`field`] and [`item`] walk an object or array and
//! return the raw text of one member, which [`as_str`], [`as_i64`],
//! [`as_f64`] and [`as_bool`] then convert. Strings are borrowed unless they
//! contain escapes.
//!
//! Strings and numbers are fully checked; a nested object or array that is
//! only skipped over is matched by its brackets (strings inside it are
//! honoured) without validating what is inside it. The hub always sends valid
//! JSON, so this is enough to find the end of a value correctly.
//!
//! ```
//! use iohub::json;
//! let args = r#"[{"room":"lobby","text":"a \"quoted\" \u00e9","n":3}]"#;
//! let first = json::item(args, 0).unwrap();
//! assert_eq!(json::field_str(first, "text").unwrap(), "a \"quoted\" é");
//! assert_eq!(json::field_i64(first, "n"), Some(3));
//! assert_eq!(json::quote("say \"hi\""), r#""say \"hi\"""#);
//! ```

use alloc::borrow::Cow;
use alloc::string::String;

// ---------------------------------------------------------------------------
// Lexing

#[inline]
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

#[inline]
fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

/// End (exclusive) of the string starting at `b[i] == '"'`, and whether it
/// contains escapes. `None` when malformed or truncated.
pub(crate) fn string_end(b: &[u8], i: usize) -> Option<(usize, bool)> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    let mut escaped = false;
    while j < b.len() {
        match b[j] {
            b'"' => return Some((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                match *b.get(j + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' => {
                        let h = b.get(j + 2..j + 6)?;
                        if !h.iter().all(|&c| is_hex(c)) {
                            return None;
                        }
                        j += 6;
                    }
                    _ => return None,
                }
            }
            c if c < 0x20 => return None,
            _ => j += 1,
        }
    }
    None
}

/// End of the number starting at `b[i]` (JSON grammar), or `None`.
fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |b: &[u8], mut i: usize| -> Option<usize> {
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            None
        } else {
            Some(i)
        }
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(b, i)?,
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1)?;
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+') | Some(b'-')) {
            i += 1;
        }
        i = digits(b, i)?;
    }
    Some(i)
}

/// End of the object or array starting at `b[i]`, by bracket depth.
fn container_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string_end(b, i)?.0;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// End (exclusive) of the JSON value starting at `b[i]` (no leading space).
pub(crate) fn value_end(b: &[u8], i: usize) -> Option<usize> {
    let lit = |w: &[u8]| {
        if b.get(i..i + w.len()) == Some(w) {
            Some(i + w.len())
        } else {
            None
        }
    };
    match *b.get(i)? {
        b'"' => string_end(b, i).map(|(e, _)| e),
        b'{' | b'[' => container_end(b, i),
        b't' => lit(b"true"),
        b'f' => lit(b"false"),
        b'n' => lit(b"null"),
        b'-' | b'0'..=b'9' => number_end(b, i),
        _ => None,
    }
}

fn hex4(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |acc, &c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => c - b'A' + 10,
        };
        (acc << 4) | d as u32
    })
}

/// Decodes the inside of a string already checked by `string_end`.
/// Lone surrogates become U+FFFD (as Go's encoding/json does).
fn unescape(inner: &str) -> String {
    let b = inner.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&inner[start..i]);
        let c = b[i + 1];
        i += 2;
        match c {
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let mut cp = hex4(&b[i..i + 4]);
                i += 4;
                if (0xD800..0xDC00).contains(&cp)
                    && b.get(i) == Some(&b'\\')
                    && b.get(i + 1) == Some(&b'u')
                {
                    let lo = hex4(&b[i + 2..i + 6]);
                    if (0xDC00..0xE000).contains(&lo) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    }
                }
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            other => out.push(other as char), // '"', '\\', '/'
        }
        start = i;
    }
    out.push_str(&inner[start..]);
    out
}

/// Decodes the string whose quotes are at `s[i]` and `s[end-1]`.
fn decode(s: &str, i: usize, end: usize, escaped: bool) -> Cow<'_, str> {
    let inner = &s[i + 1..end - 1];
    if escaped {
        Cow::Owned(unescape(inner))
    } else {
        Cow::Borrowed(inner)
    }
}

// ---------------------------------------------------------------------------
// Walking objects and arrays

/// Iterator over the members of an object: `(key, raw value)`.
/// Ends early (and [`Members::failed`] turns true) on malformed input.
pub struct Members<'a> {
    s: &'a str,
    pos: usize,
    state: u8, // 0 before '{', 1 after a member, 2 done
    failed: bool,
}

impl<'a> Members<'a> {
    /// True when iteration stopped on malformed or truncated JSON (including a
    /// value that is not an object).
    pub fn failed(&self) -> bool {
        self.failed
    }

    pub(crate) fn step(&mut self) -> Result<Option<(Cow<'a, str>, &'a str)>, ()> {
        let s = self.s;
        let b = s.as_bytes();
        let mut i = skip_ws(b, self.pos);
        match self.state {
            0 => {
                if b.get(i) != Some(&b'{') {
                    return Err(());
                }
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b'}') {
                    self.pos = i + 1;
                    self.state = 2;
                    return Ok(None);
                }
            }
            1 => match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => {
                    self.pos = i + 1;
                    self.state = 2;
                    return Ok(None);
                }
                _ => return Err(()),
            },
            _ => return Ok(None),
        }
        let (kend, kesc) = string_end(b, i).ok_or(())?;
        let key = decode(s, i, kend, kesc);
        i = skip_ws(b, kend);
        if b.get(i) != Some(&b':') {
            return Err(());
        }
        i = skip_ws(b, i + 1);
        let vend = value_end(b, i).ok_or(())?;
        self.pos = vend;
        self.state = 1;
        Ok(Some((key, &s[i..vend])))
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = (Cow<'a, str>, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(v) => v,
            Err(()) => {
                self.failed = true;
                self.state = 2;
                None
            }
        }
    }
}

/// Iterator over the raw values of an array.
/// Ends early (and [`Items::failed`] turns true) on malformed input.
pub struct Items<'a> {
    s: &'a str,
    pos: usize,
    state: u8,
    failed: bool,
}

impl<'a> Items<'a> {
    /// True when iteration stopped on malformed or truncated JSON (including a
    /// value that is not an array).
    pub fn failed(&self) -> bool {
        self.failed
    }

    fn step(&mut self) -> Result<Option<&'a str>, ()> {
        let s = self.s;
        let b = s.as_bytes();
        let mut i = skip_ws(b, self.pos);
        match self.state {
            0 => {
                if b.get(i) != Some(&b'[') {
                    return Err(());
                }
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b']') {
                    self.state = 2;
                    return Ok(None);
                }
            }
            1 => match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b']') => {
                    self.state = 2;
                    return Ok(None);
                }
                _ => return Err(()),
            },
            _ => return Ok(None),
        }
        let vend = value_end(b, i).ok_or(())?;
        self.pos = vend;
        self.state = 1;
        Ok(Some(&s[i..vend]))
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        match self.step() {
            Ok(v) => v,
            Err(()) => {
                self.failed = true;
                self.state = 2;
                None
            }
        }
    }
}

/// The members of the object `obj` (raw JSON), in order.
pub fn members(obj: &str) -> Members<'_> {
    Members {
        s: obj,
        pos: 0,
        state: 0,
        failed: false,
    }
}

/// The elements of the array `arr` (raw JSON), in order.
pub fn items(arr: &str) -> Items<'_> {
    Items {
        s: arr,
        pos: 0,
        state: 0,
        failed: false,
    }
}

/// The raw value of member `key` of the object `obj` (the first one if the key
/// repeats), or `None` when absent or `obj` is not a (well-formed) object.
pub fn field<'a>(obj: &'a str, key: &str) -> Option<&'a str> {
    members(obj).find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The raw value of element `idx` of the array `arr`.
pub fn item(arr: &str, idx: usize) -> Option<&str> {
    items(arr).nth(idx)
}

// ---------------------------------------------------------------------------
// Converting raw values

/// The decoded string if `raw` is a JSON string (surrounding spaces allowed).
pub fn as_str(raw: &str) -> Option<Cow<'_, str>> {
    let b = raw.as_bytes();
    let i = skip_ws(b, 0);
    let (end, esc) = string_end(b, i)?;
    if skip_ws(b, end) != b.len() {
        return None;
    }
    Some(decode(raw, i, end, esc))
}

fn number_text(raw: &str) -> Option<&str> {
    let b = raw.as_bytes();
    let i = skip_ws(b, 0);
    let end = number_end(b, i)?;
    if skip_ws(b, end) != b.len() {
        return None;
    }
    Some(&raw[i..end])
}

/// The value if `raw` is a JSON integer literal (no fraction, no exponent)
/// that fits an `i64`. Unlike [`as_i64`] this never parses floats, which keeps
/// the float parser out of modules that do not use it.
pub fn as_int(raw: &str) -> Option<i64> {
    let t = number_text(raw)?;
    if t.bytes().any(|c| matches!(c, b'.' | b'e' | b'E')) {
        return None;
    }
    t.parse().ok()
}

/// The value if `raw` is a JSON number.
pub fn as_f64(raw: &str) -> Option<f64> {
    number_text(raw)?.parse().ok()
}

/// The value if `raw` is a JSON number with an integral value that fits an
/// `i64` (`3`, `-7`, `3.0` and `3e2` qualify; `3.5` does not).
pub fn as_i64(raw: &str) -> Option<i64> {
    let t = number_text(raw)?;
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    let f: f64 = t.parse().ok()?;
    // -2^63 <= f < 2^63 and integral
    if f >= -9.223_372_036_854_776e18 && f < 9.223_372_036_854_776e18 && (f as i64) as f64 == f {
        Some(f as i64)
    } else {
        None
    }
}

/// The value if `raw` is `true` or `false`.
pub fn as_bool(raw: &str) -> Option<bool> {
    match raw.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// True if `raw` is `null`.
pub fn is_null(raw: &str) -> bool {
    raw.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) == "null"
}

/// True if `raw` is exactly one well-formed JSON value (surrounding spaces
/// allowed; the inside of objects and arrays is checked as deeply as
/// [`members`]/[`items`] check it, i.e. strings and brackets).
pub fn is_value(raw: &str) -> bool {
    let b = raw.as_bytes();
    let i = skip_ws(b, 0);
    matches!(value_end(b, i), Some(e) if skip_ws(b, e) == b.len())
}

/// String member `key` of object `obj`, decoded.
pub fn field_str<'a>(obj: &'a str, key: &str) -> Option<Cow<'a, str>> {
    as_str(field(obj, key)?)
}

/// Number member `key` of object `obj`.
pub fn field_f64(obj: &str, key: &str) -> Option<f64> {
    as_f64(field(obj, key)?)
}

/// Integer literal member `key` of object `obj` (see [`as_int`]).
pub fn field_int(obj: &str, key: &str) -> Option<i64> {
    as_int(field(obj, key)?)
}

/// Integral number member `key` of object `obj` (see [`as_i64`]).
pub fn field_i64(obj: &str, key: &str) -> Option<i64> {
    as_i64(field(obj, key)?)
}

/// Boolean member `key` of object `obj`.
pub fn field_bool(obj: &str, key: &str) -> Option<bool> {
    as_bool(field(obj, key)?)
}

/// The `num` of a binary placeholder (`{"_placeholder":true,"num":N}`, ABI
/// v1.1), or `None` when `raw` is not one.
pub fn as_placeholder(raw: &str) -> Option<usize> {
    if field_bool(raw, "_placeholder") != Some(true) {
        return None;
    }
    match field_int(raw, "num") {
        Some(n) if (0..=i32::MAX as i64).contains(&n) => Some(n as usize),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Writing

/// Appends `s` JSON-escaped, without quotes: `"` `\` and control characters
/// are escaped, everything else (all of Unicode) is copied.
pub fn escape_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &str = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// `s` JSON-escaped, without quotes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    escape_into(&mut out, s);
    out
}

/// `s` as a JSON string literal, with quotes.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal, with quotes.
pub fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    escape_into(out, s);
    out.push('"');
}

/// Appends the decimal text of `v` (no `core::fmt` needed).
pub fn push_i64(out: &mut String, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push('-');
    }
    // only ASCII digits were written
    out.push_str(core::str::from_utf8(&buf[i..]).unwrap_or(""));
}

/// Appends the placeholder of binary `index` (an argument's, or one
/// [`crate::attach`] returned): `{"_placeholder":true,"num":index}`.
pub fn push_placeholder(out: &mut String, index: usize) {
    out.push_str(r#"{"_placeholder":true,"num":"#);
    push_i64(out, index as i64);
    out.push('}');
}

/// The placeholder of binary `index`, see [`push_placeholder`].
pub fn placeholder(index: usize) -> String {
    let mut out = String::with_capacity(32);
    push_placeholder(&mut out, index);
    out
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn value_ends() {
        // (input, expected end of the first value)
        let cases: &[(&str, Option<usize>)] = &[
            ("1", Some(1)),
            ("-0", Some(2)),
            ("-", None),
            ("01", Some(1)), // "0" then garbage the caller rejects
            ("1.", None),
            ("1.5e", None),
            ("1.5e+3,", Some(6)),
            ("2E-3]", Some(4)),
            ("true,", Some(4)),
            ("tru", None),
            ("nul", None),
            ("null", Some(4)),
            ("false}", Some(5)),
            (r#""""#, Some(2)),
            (r#""a\"b""#, Some(6)),
            (r#""a\\"b"#, Some(5)),
            (r#""\u00e9""#, Some(8)),
            (r#""\u00g9""#, None),
            (r#""\x""#, None),
            (r#""abc"#, None),
            (r#""a\"#, None),
            ("\"a\nb\"", None),
            ("[]", Some(2)),
            ("[1,[2,[3]],{\"a\":\"]\"}] x", Some(21)),
            (r#"{"k":"}\"}"}"#, Some(12)),
            ("[[[", None),
            ("[\"]\"", None),
            ("{\"a\":{\"b\":[1,2,{\"c\":\"\\\\\"}]}}", Some(28)),
            ("", None),
            ("x", None),
            ("é", None),
        ];
        for (s, want) in cases {
            assert_eq!(value_end(s.as_bytes(), 0), *want, "input {:?}", s);
        }
    }

    #[test]
    fn strings() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#""plain""#, Some("plain")),
            (r#"  "spaced"  "#, Some("spaced")),
            (r#""q\"uote""#, Some("q\"uote")),
            (r#""back\\slash\/""#, Some("back\\slash/")),
            (r#""\b\f\n\r\t""#, Some("\u{8}\u{c}\n\r\t")),
            (r#""\u00e9\u20AC""#, Some("é€")),
            (r#""\ud83d\ude00!""#, Some("😀!")),
            (r#""\ud83d!""#, Some("\u{FFFD}!")),
            (r#""\ude00""#, Some("\u{FFFD}")),
            (r#""\ud83d\u0041""#, Some("\u{FFFD}A")),
            (r#""héllo ✓""#, Some("héllo ✓")),
            (r#""a" x"#, None),
            ("3", None),
            (r#""open"#, None),
        ];
        for (s, want) in cases {
            assert_eq!(as_str(s).as_deref(), *want, "input {:?}", s);
        }
        assert!(matches!(as_str(r#""abc""#), Some(Cow::Borrowed(_))));
        assert!(matches!(as_str(r#""a\nc""#), Some(Cow::Owned(_))));
    }

    #[test]
    fn numbers() {
        let cases: &[(&str, Option<i64>, Option<f64>)] = &[
            ("0", Some(0), Some(0.0)),
            ("-12", Some(-12), Some(-12.0)),
            (" 42 ", Some(42), Some(42.0)),
            ("3.0", Some(3), Some(3.0)),
            ("3e2", Some(300), Some(300.0)),
            ("3.5", None, Some(3.5)),
            ("-1.25e-2", None, Some(-0.0125)),
            (
                "9223372036854775807",
                Some(i64::MAX),
                Some(9.223372036854776e18),
            ),
            ("9223372036854775808", None, Some(9.223372036854776e18)),
            ("+1", None, None),
            ("1e999", None, Some(f64::INFINITY)),
            ("\"1\"", None, None),
            ("1 2", None, None),
            ("NaN", None, None),
            (".5", None, None),
        ];
        for (s, i, f) in cases {
            assert_eq!(as_i64(s), *i, "as_i64 {:?}", s);
            let strict = if s.contains(|c| matches!(c, '.' | 'e' | 'E')) {
                None
            } else {
                *i
            };
            assert_eq!(as_int(s), strict, "as_int {:?}", s);
            assert_eq!(as_f64(s), *f, "as_f64 {:?}", s);
        }
    }

    #[test]
    fn objects() {
        let obj = r#" { "a" : 1 , "s\"k" : "v\"v", "nested": {"a": [1, {"a": 2}]}, "t": true, "n": null, "e": "" } "#;
        let got: Vec<(String, &str)> = members(obj).map(|(k, v)| (k.into_owned(), v)).collect();
        assert_eq!(
            got,
            [
                ("a".into(), "1"),
                ("s\"k".into(), r#""v\"v""#),
                ("nested".into(), r#"{"a": [1, {"a": 2}]}"#),
                ("t".into(), "true"),
                ("n".into(), "null"),
                ("e".into(), r#""""#),
            ]
        );
        assert_eq!(field_i64(obj, "a"), Some(1));
        assert_eq!(field_int(obj, "a"), Some(1));
        assert_eq!(field_str(obj, "s\"k").as_deref(), Some("v\"v"));
        assert_eq!(field_bool(obj, "t"), Some(true));
        assert!(is_null(field(obj, "n").unwrap()));
        assert_eq!(field_str(obj, "e").as_deref(), Some(""));
        assert_eq!(field(obj, "missing"), None);
        // a key that only appears nested is not found at the top
        assert_eq!(field(r#"{"x":{"y":1}}"#, "y"), None);
        // a key-looking string inside a value does not confuse the walk
        assert_eq!(field_i64(r#"{"x":"\"y\":2","y":3}"#, "y"), Some(3));
        // escaped key matches its decoded form
        assert_eq!(field_i64(r#"{"\u0079":4}"#, "y"), Some(4));
        // wrong types
        assert_eq!(field_str(obj, "a"), None);
        assert_eq!(field_i64(obj, "e"), None);
    }

    #[test]
    fn malformed_objects() {
        let cases = [
            "",
            "[]",
            "{",
            r#"{"a""#,
            r#"{"a":"#,
            r#"{"a":1"#,
            r#"{"a":1,"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":tru}"#,
            r#"{"a":[1,2}"#, // truncated: brackets never balance
            r#"{"a":1 "b":2}"#,
        ];
        for s in cases {
            let mut m = members(s);
            while m.next().is_some() {}
            assert!(m.failed(), "input {:?}", s);
        }
        let mut ok = members("{}");
        assert!(ok.next().is_none());
        assert!(!ok.failed());
        // lookups stop at the break: earlier fields still found, later not
        assert_eq!(field_i64(r#"{"a":1,"b":2"#, "a"), Some(1));
        assert_eq!(field_i64(r#"{"a":1,"b":2"#, "b"), Some(2));
        assert_eq!(field_i64(r#"{"a":1,"b":2,"#, "c"), None);
    }

    #[test]
    fn arrays() {
        let arr = r#"[ "x" , 2, [3, "]"], {"k": "v"}, null ]"#;
        let got: Vec<&str> = items(arr).collect();
        assert_eq!(got, [r#""x""#, "2", r#"[3, "]"]"#, r#"{"k": "v"}"#, "null"]);
        assert_eq!(
            item(arr, 3).and_then(|o| field_str(o, "k")).as_deref(),
            Some("v")
        );
        assert_eq!(item(arr, 5), None);
        assert_eq!(items("[]").count(), 0);
        for s in ["[", "[1", "[1,", "[1,]", "[1 2]", "{}", ""] {
            let mut it = items(s);
            while it.next().is_some() {}
            assert!(it.failed(), "input {:?}", s);
        }
    }

    #[test]
    fn escaping() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("plain", "plain"),
            ("q\"b\\s", r#"q\"b\\s"#),
            ("nl\ncr\rtab\t", r#"nl\ncr\rtab\t"#),
            ("\u{0}\u{1f}\u{8}\u{c}", r#"\u0000\u001f\b\f"#),
            ("é😀/", "é😀/"),
        ];
        for (s, want) in cases {
            assert_eq!(escape(s), *want, "input {:?}", s);
            // round trip
            let q = quote(s);
            assert_eq!(as_str(&q).as_deref(), Some(*s), "round trip {:?}", s);
        }
    }

    #[test]
    fn ints() {
        for v in [0i64, 7, -7, 10, 1234567890, i64::MAX, i64::MIN] {
            let mut s = String::new();
            push_i64(&mut s, v);
            assert_eq!(s, alloc::format!("{}", v));
        }
    }

    #[test]
    fn is_value_checks() {
        for (s, ok) in [
            ("1", true),
            (" [1] ", true),
            ("[1] 2", false),
            ("", false),
            ("{\"a\":", false),
        ] {
            assert_eq!(is_value(s), ok, "{:?}", s);
        }
    }

    #[test]
    fn placeholders() {
        for i in [0usize, 1, 9, 10, 12345, i32::MAX as usize] {
            let p = placeholder(i);
            assert_eq!(p, alloc::format!(r#"{{"_placeholder":true,"num":{}}}"#, i));
            assert_eq!(as_placeholder(&p), Some(i));
        }
        let mut out = String::from("[");
        push_placeholder(&mut out, 2);
        out.push(']');
        assert_eq!(out, r#"[{"_placeholder":true,"num":2}]"#);
        for (raw, want) in [
            (r#" { "num" : 3 , "_placeholder" : true } "#, Some(3)),
            (r#"{"_placeholder":false,"num":0}"#, None),
            (r#"{"_placeholder":"true","num":0}"#, None),
            (r#"{"_placeholder":true}"#, None),
            (r#"{"_placeholder":true,"num":-1}"#, None),
            (r#"{"_placeholder":true,"num":1.5}"#, None),
            (r#"{"_placeholder":true,"num":"1"}"#, None),
            (r#"{"_placeholder":true,"num":1e12}"#, None),
            (r#"{"_placeholder":true,"num":4294967296}"#, None),
            (r#"[{"_placeholder":true,"num":0}]"#, None),
            (r#""x""#, None),
            ("null", None),
        ] {
            assert_eq!(as_placeholder(raw), want, "{}", raw);
        }
    }
}
