//! A JSON reader that checks text without building anything: the models' checker walks a body
//! with it while JS's `JSON.parse` builds the objects. It takes exactly the JSON that
//! `JSON.parse` takes (RFC 8259; lone surrogates in `\u` escapes too; any nesting depth: it
//! does not recurse on the data, as serde_json's skipping does not). It works on bytes: a string's content is
//! only looked at where a rule needs it (keys, timestamps), so invalid UTF-8 inside strings
//! passes, as it does for JS (whose decoder makes it U+FFFD).
//!
//! serde_json's `Deserializer` did this job before through visitors; the check took ~3× its
//! bare skipping time, about as long as `JSON.parse` building the page (docs/architecture.md).

use std::borrow::Cow;

/// The kinds of JSON value, as messages name them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    Str,
    List,
    Object,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::Str => "a string",
            Kind::List => "a list",
            Kind::Object => "an object",
        }
    }
}

/// Why reading stopped, and where (a byte offset).
#[derive(Debug, Clone, PartialEq)]
pub struct Fail {
    pub message: String,
    pub at: usize,
    /// Not JSON at all (rather than JSON the reader's caller does not accept).
    pub syntax: bool,
}

pub type Read<T> = std::result::Result<T, Box<Fail>>;

/// A key as `Reader::key_or` read it.
pub enum Key<'a> {
    /// The object ended.
    End,
    /// The hint.
    Hint,
    Text(Cow<'a, [u8]>),
}

/// Whether `a` and `b` are equal, eight bytes at a time (a short key compared inline: `==` on
/// slices calls memcmp, a byte loop in the .wasm).
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a, b);
    while let (Some((p, rest_x)), Some((q, rest_y))) =
        (x.split_first_chunk::<8>(), y.split_first_chunk::<8>())
    {
        if u64::from_ne_bytes(*p) != u64::from_ne_bytes(*q) {
            return false;
        }
        (x, y) = (rest_x, rest_y);
    }
    x.iter().zip(y).all(|(p, q)| p == q)
}

/// An integer number's value, when it has no fraction or exponent and fits an `i64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Other,
}

pub struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

impl<'a> Reader<'a> {
    pub fn new(text: &'a [u8]) -> Reader<'a> {
        Reader { b: text, i: 0 }
    }

    pub fn offset(&self) -> usize {
        self.i
    }

    /// A failure with `message` at the current offset (not a syntax error).
    pub fn at(&self, message: impl Into<String>) -> Box<Fail> {
        Box::new(Fail {
            message: message.into(),
            at: self.i,
            syntax: false,
        })
    }

    fn syntax(&self, message: &str) -> Box<Fail> {
        Box::new(Fail {
            message: message.to_string(),
            at: self.i,
            syntax: true,
        })
    }

    fn ws(&mut self) {
        let mut i = self.i;
        while let Some(&c) = self.b.get(i) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            i += 1;
        }
        self.i = i;
    }

    /// The next non-space byte, not consumed.
    fn next_byte(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    /// The kind of the next value (not consumed).
    pub fn peek(&mut self) -> Read<Kind> {
        Ok(match self.next_byte() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::List,
            Some(b'"') => Kind::Str,
            Some(b'-' | b'0'..=b'9') => Kind::Number,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            Some(_) => return Err(self.syntax("expected value")),
            None => return Err(self.syntax("EOF while parsing a value")),
        })
    }

    /// Opens the object whose `{` is next (after `peek` said Object).
    pub fn open_object(&mut self) {
        self.i += 1;
    }

    /// Opens the list whose `[` is next (after `peek` said List).
    pub fn open_list(&mut self) {
        self.i += 1;
    }

    /// The next key of the open object (and its `:`), or None at its end (closed then).
    /// `first`: no key was read yet.
    pub fn key(&mut self, first: bool) -> Read<Option<Cow<'a, [u8]>>> {
        match self.key_or(first, b"")? {
            Key::End => Ok(None),
            Key::Hint => Ok(Some(Cow::Borrowed(b""))),
            Key::Text(k) => Ok(Some(k)),
        }
    }

    /// `key`, but first trying whether the key is `hint` as is (no escapes): then neither
    /// copied nor compared again. (The objects of a list mostly list their keys in one order.)
    pub fn key_or(&mut self, first: bool, hint: &[u8]) -> Read<Key<'a>> {
        match self.next_byte() {
            Some(b'}') => {
                self.close();
                return Ok(Key::End);
            }
            Some(b',') if !first => {
                self.i += 1;
                self.ws();
            }
            Some(_) if !first => return Err(self.syntax("expected `,` or `}`")),
            None => return Err(self.syntax("EOF while parsing an object")),
            Some(_) => {}
        }
        match self.b.get(self.i) {
            Some(b'"') => {}
            Some(_) => return Err(self.syntax("key must be a string")),
            None => return Err(self.syntax("EOF while parsing a value")),
        }
        let key = match self.hint_at(self.i, hint) {
            Some(end) => {
                self.i = end + 1;
                Key::Hint
            }
            None => Key::Text(self.string()?),
        };
        match self.next_byte() {
            Some(b':') => self.i += 1,
            Some(_) => return Err(self.syntax("expected `:`")),
            None => return Err(self.syntax("EOF while parsing an object")),
        }
        Ok(key)
    }

    /// The key `hint` and its `:`, when they come next exactly (after a `,` unless `first`; no
    /// space: a server's compact JSON): consumed, true. Otherwise nothing is consumed, false.
    /// `key_or` reads the same; this is its quick path for a list's repeated keys, called apart
    /// so that it stays inline in the checker's loop (inside `key_or`, the check was ~8% slower).
    pub fn hinted_key(&mut self, first: bool, hint: &[u8]) -> bool {
        if !first && self.b.get(self.i) != Some(&b',') {
            return false;
        }
        match self.hint_at(self.i + usize::from(!first), hint) {
            Some(end) if self.b.get(end + 1) == Some(&b':') => {
                self.i = end + 2;
                true
            }
            _ => false,
        }
    }

    /// Where the closing quote is, when the key `hint` is written as is (no escapes) from the
    /// opening quote at `open`.
    fn hint_at(&self, open: usize, hint: &[u8]) -> Option<usize> {
        let end = open + 1 + hint.len();
        let found = !hint.is_empty()
            && self.b.get(open) == Some(&b'"')
            && self.b.get(end) == Some(&b'"')
            && self.b.get(open + 1..end).is_some_and(|k| same(k, hint));
        found.then_some(end)
    }

    /// Whether the open list has another item (else it is closed). `first`: none was read yet.
    pub fn item(&mut self, first: bool) -> Read<bool> {
        match self.next_byte() {
            Some(b']') => {
                self.close();
                Ok(false)
            }
            Some(b',') if !first => {
                self.i += 1;
                Ok(true)
            }
            Some(_) if first => Ok(true),
            Some(_) => Err(self.syntax("expected `,` or `]`")),
            None => Err(self.syntax("EOF while parsing a list")),
        }
    }

    fn close(&mut self) {
        self.i += 1;
    }

    /// The string that is next, its escapes decoded (lone surrogates as U+FFFD). Borrowed
    /// unless it has escapes.
    pub fn string(&mut self) -> Read<Cow<'a, [u8]>> {
        self.ws();
        self.i += 1; // the opening quote
        let start = self.i;
        let end = self.string_run(start);
        match self.b.get(end) {
            Some(b'"') => {
                self.i = end + 1;
                Ok(Cow::Borrowed(&self.b[start..end]))
            }
            _ => {
                self.i = end;
                let mut out = self.b[start..end].to_vec();
                self.rest_of_string(Some(&mut out))?;
                Ok(Cow::Owned(out))
            }
        }
    }

    /// Skips the string that starts right here (no space before it): true. Anything else: false,
    /// nothing consumed. (`peek` first made the check ~10% slower.)
    pub fn skip_string_here(&mut self) -> Read<bool> {
        if self.b.get(self.i) != Some(&b'"') {
            return Ok(false);
        }
        self.skip_string().map(|()| true)
    }

    /// Skips the string that is next.
    pub fn skip_string(&mut self) -> Read<()> {
        self.ws();
        self.i += 1;
        let end = self.string_run(self.i);
        self.i = end;
        if self.b.get(end) == Some(&b'"') {
            self.i += 1;
            return Ok(());
        }
        self.rest_of_string(None)
    }

    /// The offset of the first `"`, `\` or control character at or after `i` (or the end),
    /// eight bytes at a time: bytes below 0x20 and bytes equal to either are found with the
    /// usual "has a zero byte" arithmetic (exact for the lowest byte that matches).
    fn string_run(&self, mut i: usize) -> usize {
        let b = self.b;
        while let Some(chunk) = b.get(i..i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            let quote = w ^ (ONES * u64::from(b'"'));
            let slash = w ^ (ONES * u64::from(b'\\'));
            let hits = (quote.wrapping_sub(ONES) & !quote)
                | (slash.wrapping_sub(ONES) & !slash)
                | (w.wrapping_sub(ONES * 0x20) & !w);
            let hits = hits & HIGHS;
            if hits != 0 {
                return i + (hits.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            i += 1;
        }
        i
    }

    /// Reads a string from an escape, control character or the end, to its closing quote,
    /// keeping its decoded bytes in `out` if given.
    fn rest_of_string(&mut self, mut out: Option<&mut Vec<u8>>) -> Read<()> {
        loop {
            match self.b.get(self.i) {
                None => return Err(self.syntax("EOF while parsing a string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.escape()?;
                    if let Some(o) = out.as_deref_mut() {
                        let mut buf = [0; 4];
                        o.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
                Some(_) => {
                    return Err(self.syntax(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ))
                }
            }
            let end = self.string_run(self.i);
            if let Some(o) = out.as_deref_mut() {
                o.extend_from_slice(&self.b[self.i..end]);
            }
            self.i = end;
        }
    }

    /// The character of the escape after a `\`.
    fn escape(&mut self) -> Read<char> {
        let c = match self.b.get(self.i) {
            None => return Err(self.syntax("EOF while parsing a string")),
            Some(&c) => c,
        };
        self.i += 1;
        Ok(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                if (0xD800..0xDC00).contains(&hi) && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                {
                    let save = self.i;
                    self.i += 2;
                    let lo = self.hex4()?;
                    if (0xDC00..0xE000).contains(&lo) {
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
                    }
                    self.i = save; // the next escape stands alone
                }
                char::from_u32(hi).unwrap_or('\u{FFFD}')
            }
            _ => {
                self.i -= 1;
                return Err(self.syntax("invalid escape"));
            }
        })
    }

    fn hex4(&mut self) -> Read<u32> {
        let mut v = 0;
        for _ in 0..4 {
            let d = match self.b.get(self.i) {
                None => return Err(self.syntax("EOF while parsing a string")),
                Some(&c) => (c as char).to_digit(16),
            };
            match d {
                Some(d) => v = v * 16 + d,
                None => return Err(self.syntax("invalid escape")),
            }
            self.i += 1;
        }
        Ok(v)
    }

    /// Reads the number that is next.
    pub fn number(&mut self) -> Read<Number> {
        self.ws();
        let b = self.b;
        let negative = b.get(self.i) == Some(&b'-');
        if negative {
            self.i += 1;
        }
        let mut magnitude: Option<u64> = Some(0);
        match b.get(self.i) {
            Some(b'0') => {
                self.i += 1;
                if b.get(self.i).is_some_and(u8::is_ascii_digit) {
                    return Err(self.syntax("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                while let Some(&c) = b.get(self.i).filter(|c| c.is_ascii_digit()) {
                    magnitude = magnitude
                        .and_then(|m| m.checked_mul(10))
                        .and_then(|m| m.checked_add(u64::from(c - b'0')));
                    self.i += 1;
                }
            }
            None => return Err(self.syntax("EOF while parsing a value")),
            Some(_) => return Err(self.syntax("invalid number")),
        }
        let mut integer = true;
        if b.get(self.i) == Some(&b'.') {
            self.i += 1;
            integer = false;
            self.digits()?;
        }
        if matches!(b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            integer = false;
            if matches!(b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digits()?;
        }
        // As serde_json reads it: -0 and integers out of i64's range are floats.
        Ok(match magnitude.filter(|_| integer) {
            Some(m) if !negative => i64::try_from(m).map_or(Number::Other, Number::Int),
            Some(m) if m > 0 && m <= 1 << 63 => Number::Int((m as i64).wrapping_neg()),
            _ => Number::Other,
        })
    }

    /// One or more digits.
    fn digits(&mut self) -> Read<()> {
        match self.b.get(self.i) {
            Some(c) if c.is_ascii_digit() => {}
            None => return Err(self.syntax("EOF while parsing a value")),
            Some(_) => return Err(self.syntax("invalid number")),
        }
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        Ok(())
    }

    /// Reads `true`, `false` or `null`, whichever is next.
    pub fn literal(&mut self) -> Read<()> {
        self.ws();
        let word: &[u8] = match self.b.get(self.i) {
            Some(b't') => b"true",
            Some(b'f') => b"false",
            _ => b"null",
        };
        for &want in word {
            match self.b.get(self.i) {
                Some(&c) if c == want => self.i += 1,
                Some(_) => return Err(self.syntax("expected ident")),
                None => return Err(self.syntax("EOF while parsing a value")),
            }
        }
        Ok(())
    }

    /// Skips the value that is next, whatever it holds (without recursion: the open containers
    /// are a stack, true for an object).
    pub fn skip(&mut self) -> Read<()> {
        let mut open: Vec<bool> = Vec::new();
        loop {
            // A value.
            match self.peek()? {
                Kind::Object => {
                    self.open_object();
                    open.push(true);
                    if self.key(true)?.is_some() {
                        continue;
                    }
                    open.pop();
                }
                Kind::List => {
                    self.open_list();
                    open.push(false);
                    if self.item(true)? {
                        continue;
                    }
                    open.pop();
                }
                Kind::Str => self.skip_string()?,
                Kind::Number => {
                    self.number()?;
                }
                Kind::Bool | Kind::Null => self.literal()?,
            }
            // After a value: the next one in the open container, or its end.
            loop {
                let more = match open.last() {
                    None => return Ok(()),
                    Some(true) => self.key(false)?.is_some(),
                    Some(false) => self.item(false)?,
                };
                if more {
                    break;
                }
                open.pop();
            }
        }
    }

    /// The end of the text: only whitespace may follow the value.
    pub fn end(&mut self) -> Read<()> {
        match self.next_byte() {
            None => Ok(()),
            Some(_) => Err(self.syntax("trailing characters")),
        }
    }
}

/// Line and column (both from 1, the column in bytes) of byte `at` of `text`.
pub fn line_column(text: &[u8], at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    (line, before.len() - start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skips(text: &str) -> Read<()> {
        let mut r = Reader::new(text.as_bytes());
        r.skip()?;
        r.end()
    }

    #[test]
    fn takes_what_json_takes() {
        for ok in [
            "null",
            " true ",
            "false",
            "0",
            "-0",
            "1.5e-3",
            "-12E+4",
            "\"\"",
            "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\ud800x\"",
            "[]",
            "[1, [2, {}], {\"a\": [null]}]",
            "{\"a\":{\"b\":{\"c\":[true,false]}},\"d\":\"\u{e9}\"}",
            "\t\r\n[ 1 ]\n",
        ] {
            assert_eq!(skips(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_what_json_refuses() {
        for (bad, says) in [
            ("", "EOF while parsing a value"),
            ("01", "invalid number"),
            ("1.", "EOF while parsing a value"),
            ("1.e3", "invalid number"),
            ("-", "EOF while parsing a value"),
            ("+1", "expected value"),
            (".5", "expected value"),
            ("tru", "EOF while parsing a value"),
            ("nul1", "expected ident"),
            ("\"a", "EOF while parsing a string"),
            (
                "\"a\u{1}\"",
                "control character (\\u0000-\\u001F) found while parsing a string",
            ),
            ("\"\\x\"", "invalid escape"),
            ("\"\\u12g4\"", "invalid escape"),
            ("[1,]", "expected value"),
            ("[1 2]", "expected `,` or `]`"),
            ("{\"a\" 1}", "expected `:`"),
            ("{\"a\":1,}", "key must be a string"),
            ("{1:2}", "key must be a string"),
            ("{\"a\":1 \"b\":2}", "expected `,` or `}`"),
            ("[", "EOF while parsing a list"),
            ("{\"a\":1", "EOF while parsing an object"),
            ("[] []", "trailing characters"),
            ("'a'", "expected value"),
        ] {
            let e = skips(bad).unwrap_err();
            assert_eq!((e.message.as_str(), e.syntax), (says, true), "{bad}");
        }
        let deep = format!("{}1{}", "[{\"a\":".repeat(100_000), "}]".repeat(100_000));
        assert_eq!(skips(&deep), Ok(()));
        let open = format!("{}1{}", "[".repeat(1000), "]".repeat(999));
        assert_eq!(
            skips(&open).unwrap_err().message,
            "EOF while parsing a list"
        );
    }

    #[test]
    fn numbers_that_are_integers() {
        let n = |t: &str| Reader::new(t.as_bytes()).number().unwrap();
        assert_eq!(n("0"), Number::Int(0));
        assert_eq!(n("42"), Number::Int(42));
        assert_eq!(n("-7"), Number::Int(-7));
        assert_eq!(n("9223372036854775807"), Number::Int(i64::MAX));
        assert_eq!(n("-9223372036854775808"), Number::Int(i64::MIN));
        for other in [
            "-0",
            "1.0",
            "1e2",
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999",
        ] {
            assert_eq!(n(other), Number::Other, "{other}");
        }
    }

    #[test]
    fn strings_decode_their_escapes() {
        let s = |t: &str| Reader::new(t.as_bytes()).string().unwrap().into_owned();
        assert_eq!(s("\"plain\""), b"plain");
        assert_eq!(s("\"a\\nb\\u0041\""), b"a\nbA");
        assert_eq!(s("\"\\ud83d\\ude00\""), "\u{1F600}".as_bytes());
        assert_eq!(s("\"\\ud800\\u0041\""), "\u{FFFD}A".as_bytes());
        // Long runs cross the eight-byte steps.
        let long = format!("\"{}\\\"{}\"", "x".repeat(21), "y".repeat(13));
        assert_eq!(
            s(&long),
            format!("{}\"{}", "x".repeat(21), "y".repeat(13)).as_bytes()
        );
        for c in [0u8, 0x1f, b'"', b'\\'] {
            for at in 0..17 {
                let mut text = vec![b'"'];
                text.extend_from_slice(&vec![b'a'; at]);
                text.push(c);
                text.extend_from_slice(b"bcdefghijk\"");
                let mut r = Reader::new(&text);
                let got = r.skip_string();
                match c {
                    b'"' => assert_eq!((got, r.offset()), (Ok(()), at + 2)),
                    b'\\' => assert_eq!((got, r.offset()), (Ok(()), text.len())), // \b
                    _ => assert!(got.is_err()),
                }
            }
        }
    }

    #[test]
    fn positions_are_lines_and_columns() {
        assert_eq!(line_column(b"ab\ncd", 4), (2, 2));
        assert_eq!(line_column(b"abc", 0), (1, 1));
    }
}
