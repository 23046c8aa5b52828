//! JSON syntax: a scanner over UTF-8 text that reads one *token* at a time
//! (punctuation, a literal, a string, or a number kept as its raw text so
//! that no digit is lost), and can step over a whole value without
//! decoding it, as a dynamic value's `"value"` must be until its `"type"`
//! is known.

/// What comes next in the text, judged by its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
    /// Anything that cannot start a value, or the end of the text.
    Invalid,
}

impl Next {
    /// What this is, with an article, for error messages.
    pub(super) fn describe(self) -> &'static str {
        match self {
            Next::Object => "an object",
            Next::Array => "an array",
            Next::String => "a string",
            Next::Number => "a number",
            Next::Bool => "a bool",
            Next::Null => "null",
            Next::Invalid => "something that is not JSON",
        }
    }
}

/// A syntax problem: what was expected and the byte offset where it was
/// not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub(super) offset: usize,
    pub(super) expected: &'static str,
}

pub(super) type Scan<T> = Result<T, SyntaxError>;

pub(super) struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Scanner { text, at: 0 }
    }

    /// The byte offset of the next unread byte.
    pub(super) fn offset(&self) -> usize {
        self.at
    }

    /// Whether only whitespace is left.
    pub(super) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Skips whitespace and returns the next byte, without consuming it.
    pub(super) fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(self.at) {
            self.at += 1;
        }
        bytes.get(self.at).copied()
    }

    /// What kind of value comes next.
    pub(super) fn next_kind(&mut self) -> Next {
        match self.peek() {
            Some(b'{') => Next::Object,
            Some(b'[') => Next::Array,
            Some(b'"') => Next::String,
            Some(b'-' | b'0'..=b'9') => Next::Number,
            Some(b't' | b'f') => Next::Bool,
            Some(b'n') => Next::Null,
            _ => Next::Invalid,
        }
    }

    fn error<T>(&self, expected: &'static str) -> Scan<T> {
        Err(SyntaxError {
            offset: self.at,
            expected,
        })
    }

    /// Consumes `byte` (after whitespace) or fails expecting `expected`.
    pub(super) fn expect(&mut self, byte: u8, expected: &'static str) -> Scan<()> {
        if self.peek() != Some(byte) {
            return self.error(expected);
        }
        self.at += 1;
        Ok(())
    }

    /// Consumes `byte` if it comes next.
    pub(super) fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    /// Within an array or object whose opening bracket has been read:
    /// `true` if another element follows (consuming the comma before it),
    /// `false` at the closing bracket (consuming it).
    pub(super) fn more(&mut self, close: u8, first: bool) -> Scan<bool> {
        if self.eat(close) {
            return Ok(false);
        }
        if !first {
            self.expect(b',', "a comma or a closing bracket")?;
        }
        Ok(true)
    }

    /// `null`, `true` or `false`.
    pub(super) fn literal(&mut self) -> Scan<Option<bool>> {
        self.peek();
        let rest = self.rest();
        let (value, len) = if rest.starts_with(b"null") {
            (None, 4)
        } else if rest.starts_with(b"true") {
            (Some(true), 4)
        } else if rest.starts_with(b"false") {
            (Some(false), 5)
        } else {
            return self.error("true, false or null");
        };
        self.at += len;
        Ok(value)
    }

    /// A number's raw text, checked against JSON's number grammar.
    pub(super) fn number(&mut self) -> Scan<&'a str> {
        self.peek();
        let start = self.at;
        self.eat_byte(b'-');
        if !self.eat_byte(b'0') && self.digits() == 0 {
            return self.error("a digit");
        }
        if self.eat_byte(b'.') && self.digits() == 0 {
            return self.error("a digit after the decimal point");
        }
        if self.eat_byte(b'e') || self.eat_byte(b'E') {
            let _ = self.eat_byte(b'+') || self.eat_byte(b'-');
            if self.digits() == 0 {
                return self.error("a digit in the exponent");
            }
        }
        self.slice(start, self.at)
    }

    /// A string's contents, with escapes resolved.
    pub(super) fn string(&mut self) -> Scan<String> {
        self.expect(b'"', "a string")?;
        let mut text = String::new();
        loop {
            let start = self.at;
            let bytes = self.text.as_bytes();
            while let Some(&b) = bytes.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            text.push_str(self.slice(start, self.at)?);
            match bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(text);
                }
                Some(b'\\') => {
                    self.at += 1;
                    text.push(self.escape()?);
                }
                Some(_) => return self.error("no control characters in a string"),
                None => return self.error("a closing quote"),
            }
        }
    }

    /// One escape after its backslash.
    fn escape(&mut self) -> Scan<char> {
        let Some(&letter) = self.text.as_bytes().get(self.at) else {
            return self.error("an escape");
        };
        self.at += 1;
        match letter {
            b'"' => Ok('"'),
            b'\\' => Ok('\\'),
            b'/' => Ok('/'),
            b'b' => Ok('\u{8}'),
            b'f' => Ok('\u{c}'),
            b'n' => Ok('\n'),
            b'r' => Ok('\r'),
            b't' => Ok('\t'),
            b'u' => self.unicode_escape(),
            _ => {
                self.at -= 1;
                self.error("a valid escape")
            }
        }
    }

    /// `\uXXXX`, joining a surrogate pair; a lone surrogate becomes U+FFFD,
    /// as Go's decoder makes it.
    fn unicode_escape(&mut self) -> Scan<char> {
        let first = self.hex4()?;
        if !(0xd800..0xdc00).contains(&first) {
            return Ok(char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        if !self.rest().starts_with(b"\\u") {
            return Ok(char::REPLACEMENT_CHARACTER);
        }
        let before_second = self.at;
        self.at += 2;
        let second = self.hex4()?;
        if !(0xdc00..0xe000).contains(&second) {
            self.at = before_second;
            return Ok(char::REPLACEMENT_CHARACTER);
        }
        let joined = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
        Ok(char::from_u32(joined).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn hex4(&mut self) -> Scan<u32> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(value) = digits.and_then(|d| u32::from_str_radix(d, 16).ok()) else {
            return self.error("four hexadecimal digits");
        };
        self.at += 4;
        Ok(value)
    }

    /// Steps over one whole value, nested at most `depth` levels, and
    /// returns its text.
    pub(super) fn skip(&mut self, depth: usize) -> Scan<&'a str> {
        self.peek();
        let start = self.at;
        match self.next_kind() {
            Next::Object => self.skip_members(b'{', b'}', depth, true)?,
            Next::Array => self.skip_members(b'[', b']', depth, false)?,
            Next::String => drop(self.string()?),
            Next::Number => drop(self.number()?),
            Next::Bool | Next::Null => drop(self.literal()?),
            Next::Invalid => return self.error("a value"),
        }
        self.slice(start, self.at)
    }

    fn skip_members(&mut self, open: u8, close: u8, depth: usize, keyed: bool) -> Scan<()> {
        if depth == 0 {
            return self.error("less deeply nested values");
        }
        self.expect(open, "an opening bracket")?;
        let mut first = true;
        while self.more(close, first)? {
            first = false;
            if keyed {
                self.string()?;
                self.expect(b':', "a colon")?;
            }
            self.skip(depth - 1)?;
        }
        Ok(())
    }

    /// The bytes not yet read.
    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.at..).unwrap_or_default()
    }

    fn eat_byte(&mut self, byte: u8) -> bool {
        let found = self.text.as_bytes().get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self
            .text
            .as_bytes()
            .get(self.at)
            .is_some_and(u8::is_ascii_digit)
        {
            self.at += 1;
        }
        self.at - start
    }

    /// The text between two offsets that fall on ASCII bytes.
    fn slice(&self, start: usize, end: usize) -> Scan<&'a str> {
        match self.text.get(start..end) {
            Some(text) => Ok(text),
            None => self.error("valid UTF-8"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_resolve_every_escape() {
        let cases = [
            (r#""plain""#, "plain"),
            (r#""a\"b\\c\/d""#, "a\"b\\c/d"),
            (r#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
            (r#""\u00e9\u4e2d""#, "é中"),
            (r#""\ud83d\ude00""#, "😀"),
            (r#""\ud83dx""#, "\u{fffd}x"),
            (r#""\ude00""#, "\u{fffd}"),
            (r#""\ud83d\u0041""#, "\u{fffd}A"),
            ("\"ünïcode\"", "ünïcode"),
        ];
        for (json, text) in cases {
            assert_eq!(Scanner::new(json).string(), Ok(text.to_string()), "{json}");
        }
    }

    #[test]
    fn malformed_strings_are_refused() {
        for json in [
            "\"open",
            "\"a\\x\"",
            "\"\\u12\"",
            "\"tab\there\"",
            "\"\\",
            "\"\\u12G4\"",
        ] {
            assert!(Scanner::new(json).string().is_err(), "{json:?}");
        }
    }

    #[test]
    fn numbers_follow_the_json_grammar() {
        for json in [
            "0",
            "-0",
            "12",
            "1.5",
            "-0.25e+10",
            "1E400",
            "123456789012345678901234567890",
        ] {
            assert_eq!(Scanner::new(json).number(), Ok(json), "{json}");
        }
        for json in ["-", "1.", ".5", "1e", "1e+", "+1"] {
            let mut scanner = Scanner::new(json);
            let whole = scanner.number().is_ok_and(|n| n == json);
            assert!(!whole, "{json} accepted");
        }
    }

    #[test]
    fn skipping_returns_the_whole_value_text() {
        let json = r#" {"a": [1, {"b": null}], "c": "x"} , 2"#;
        let mut scanner = Scanner::new(json);
        assert_eq!(scanner.skip(8), Ok(r#"{"a": [1, {"b": null}], "c": "x"}"#));
        assert_eq!(scanner.skip(0).err().map(|e| e.offset), Some(35));
        assert!(Scanner::new("[[[1]]]").skip(2).is_err());
        assert!(Scanner::new(r#"{"a" 1}"#).skip(4).is_err());
        assert!(Scanner::new("[1 2]").skip(4).is_err());
    }
}
