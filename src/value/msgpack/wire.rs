//! MessagePack primitives: reading one *head* (the marker byte and any
//! length or scalar that follows it) at a time, and writing heads the way
//! go-cty's encoder (vmihailenco/msgpack v5) does, smallest form first.
//!
//! The reader never trusts a length: [`Reader::take`] checks it against the
//! bytes that are left before anything is sliced or allocated.

/// The start of one msgpack item. For strings, binary data and extensions
/// the payload still has to be taken; arrays and maps are followed by
/// their elements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Head {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float32(f32),
    Float64(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext {
        code: i8,
        len: usize,
    },
    /// 0xc1, which the format never uses.
    Reserved,
}

impl Head {
    /// What this item is, with an article, for error messages.
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Head::Nil => "nil",
            Head::Bool(_) => "a bool",
            Head::Int(_) | Head::Uint(_) => "an integer",
            Head::Float32(_) | Head::Float64(_) => "a float",
            Head::Str(_) => "a string",
            Head::Bin(_) => "binary data",
            Head::Array(_) => "an array",
            Head::Map(_) => "a map",
            Head::Ext { .. } => "an extension value",
            Head::Reserved => "the unused byte 0xc1",
        }
    }
}

/// A cursor over msgpack bytes. Every method answers `None` when the input
/// ends too soon.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// How many bytes are left.
    pub(super) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    /// The next `len` bytes, if there are that many.
    pub(super) fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.bytes.len() {
            return None;
        }
        let (taken, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Some(taken)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Option<usize> {
        Some(u16::from_be_bytes(self.array()?).into())
    }

    fn u32(&mut self) -> Option<usize> {
        usize::try_from(u32::from_be_bytes(self.array()?)).ok()
    }

    fn ext(&mut self, len: usize) -> Option<Head> {
        Some(Head::Ext {
            code: self.byte()? as i8,
            len,
        })
    }

    /// Reads the next head.
    pub(super) fn head(&mut self) -> Option<Head> {
        let marker = self.byte()?;
        let head = match marker {
            0x00..=0x7f => Head::Int(marker.into()),
            0x80..=0x8f => Head::Map(usize::from(marker & 0x0f)),
            0x90..=0x9f => Head::Array(usize::from(marker & 0x0f)),
            0xa0..=0xbf => Head::Str(usize::from(marker & 0x1f)),
            0xc0 => Head::Nil,
            0xc1 => Head::Reserved,
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => Head::Bin(self.byte()?.into()),
            0xc5 => Head::Bin(self.u16()?),
            0xc6 => Head::Bin(self.u32()?),
            0xc7 => {
                let len = self.byte()?.into();
                self.ext(len)?
            }
            0xc8 => {
                let len = self.u16()?;
                self.ext(len)?
            }
            0xc9 => {
                let len = self.u32()?;
                self.ext(len)?
            }
            0xca => Head::Float32(f32::from_be_bytes(self.array()?)),
            0xcb => Head::Float64(f64::from_be_bytes(self.array()?)),
            0xcc => Head::Uint(self.byte()?.into()),
            0xcd => Head::Uint(u16::from_be_bytes(self.array()?).into()),
            0xce => Head::Uint(u32::from_be_bytes(self.array()?).into()),
            0xcf => Head::Uint(u64::from_be_bytes(self.array()?)),
            0xd0 => Head::Int(i8::from_be_bytes(self.array()?).into()),
            0xd1 => Head::Int(i16::from_be_bytes(self.array()?).into()),
            0xd2 => Head::Int(i32::from_be_bytes(self.array()?).into()),
            0xd3 => Head::Int(i64::from_be_bytes(self.array()?)),
            0xd4..=0xd8 => self.ext(1 << (marker - 0xd4))?,
            0xd9 => Head::Str(self.byte()?.into()),
            0xda => Head::Str(self.u16()?),
            0xdb => Head::Str(self.u32()?),
            0xdc => Head::Array(self.u16()?),
            0xdd => Head::Array(self.u32()?),
            0xde => Head::Map(self.u16()?),
            0xdf => Head::Map(self.u32()?),
            0xe0..=0xff => Head::Int((marker as i8).into()),
        };
        Some(head)
    }

    /// Skips one whole item, nested at most `depth` levels.
    pub(super) fn skip(&mut self, depth: usize) -> Option<()> {
        let children = match self.head()? {
            Head::Str(len) | Head::Bin(len) | Head::Ext { len, .. } => {
                self.take(len)?;
                0
            }
            Head::Array(len) => len,
            Head::Map(len) => len.checked_mul(2)?,
            _ => 0,
        };
        if children > 0 && (depth == 0 || children > self.remaining()) {
            return None;
        }
        (0..children).try_for_each(|_| self.skip(depth - 1))
    }
}

/// A msgpack writer producing the same bytes as go-cty's encoder.
#[derive(Default)]
pub(super) struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub(super) fn len(&self) -> usize {
        self.bytes.len()
    }

    pub(super) fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    pub(super) fn nil(&mut self) {
        self.bytes.push(0xc0);
    }

    pub(super) fn bool(&mut self, flag: bool) {
        self.bytes.push(if flag { 0xc3 } else { 0xc2 });
    }

    /// The totally unknown value: a one-byte extension of type 0.
    pub(super) fn unknown(&mut self) {
        self.raw(&[0xd4, 0, 0]);
    }

    /// Non-negative integers take the unsigned forms, as in msgpack v5.
    pub(super) fn int(&mut self, value: i64) {
        match value {
            0.. => self.uint(value.unsigned_abs()),
            -32..=-1 => self.bytes.push(value as u8),
            -128..=-33 => self.prefixed(0xd0, &(value as i8).to_be_bytes()),
            -32_768..=-129 => self.prefixed(0xd1, &(value as i16).to_be_bytes()),
            -2_147_483_648..=-32_769 => self.prefixed(0xd2, &(value as i32).to_be_bytes()),
            _ => self.prefixed(0xd3, &value.to_be_bytes()),
        }
    }

    pub(super) fn uint(&mut self, value: u64) {
        match value {
            0..=0x7f => self.bytes.push(value as u8),
            0x80..=0xff => self.prefixed(0xcc, &[value as u8]),
            0x100..=0xffff => self.prefixed(0xcd, &(value as u16).to_be_bytes()),
            0x1_0000..=0xffff_ffff => self.prefixed(0xce, &(value as u32).to_be_bytes()),
            _ => self.prefixed(0xcf, &value.to_be_bytes()),
        }
    }

    /// Floats are always written as float64, as go-cty does since it
    /// turned compact floats off.
    pub(super) fn float64(&mut self, value: f64) {
        self.prefixed(0xcb, &value.to_be_bytes());
    }

    pub(super) fn str(&mut self, text: &str) {
        self.sized(text.len(), Some(0xa0), [0xd9, 0xda, 0xdb]);
        self.raw(text.as_bytes());
    }

    pub(super) fn bin(&mut self, bytes: &[u8]) {
        self.sized(bytes.len(), None, [0xc4, 0xc5, 0xc6]);
        self.raw(bytes);
    }

    pub(super) fn array_len(&mut self, len: usize) {
        self.counted(len, 0x90, 0xdc, 0xdd);
    }

    pub(super) fn map_len(&mut self, len: usize) {
        self.counted(len, 0x80, 0xde, 0xdf);
    }

    /// An extension header; fixext forms for the lengths that have one.
    pub(super) fn ext_header(&mut self, code: i8, len: usize) {
        match len {
            1 => self.bytes.push(0xd4),
            2 => self.bytes.push(0xd5),
            4 => self.bytes.push(0xd6),
            8 => self.bytes.push(0xd7),
            16 => self.bytes.push(0xd8),
            _ => self.sized(len, None, [0xc7, 0xc8, 0xc9]),
        }
        self.bytes.push(code as u8);
    }

    fn prefixed(&mut self, marker: u8, payload: &[u8]) {
        self.bytes.push(marker);
        self.raw(payload);
    }

    /// A length for strings, binary data and extensions: fixed form below
    /// 32 when there is one, then 8, 16 and 32 bits. Callers have checked
    /// that `len` fits in 32 bits.
    fn sized(&mut self, len: usize, fixed: Option<u8>, markers: [u8; 3]) {
        match (len, fixed) {
            (0..=31, Some(fixed)) => self.bytes.push(fixed | len as u8),
            (0..=0xff, _) => self.prefixed(markers[0], &[len as u8]),
            (0x100..=0xffff, _) => self.prefixed(markers[1], &(len as u16).to_be_bytes()),
            _ => self.prefixed(markers[2], &(len as u32).to_be_bytes()),
        }
    }

    /// A count for arrays and maps: fixed form below 16, then 16 and 32
    /// bits.
    fn counted(&mut self, len: usize, fixed: u8, wide: u8, wider: u8) {
        match len {
            0..=15 => self.bytes.push(fixed | len as u8),
            16..=0xffff => self.prefixed(wide, &(len as u16).to_be_bytes()),
            _ => self.prefixed(wider, &(len as u32).to_be_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_take_the_smallest_form() {
        let cases: [(i64, &[u8]); 9] = [
            (0, &[0x00]),
            (127, &[0x7f]),
            (128, &[0xcc, 0x80]),
            (65_535, &[0xcd, 0xff, 0xff]),
            (65_536, &[0xce, 0, 1, 0, 0]),
            (-1, &[0xff]),
            (-32, &[0xe0]),
            (-33, &[0xd0, 0xdf]),
            (i64::MIN, &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for (value, bytes) in cases {
            let mut writer = Writer::default();
            writer.int(value);
            assert_eq!(writer.into_bytes(), bytes, "{value}");
            let head = Reader::new(bytes).head();
            let read = match head {
                Some(Head::Int(i)) => i128::from(i),
                Some(Head::Uint(u)) => i128::from(u),
                other => panic!("{other:?}"),
            };
            assert_eq!(read, i128::from(value));
        }
    }

    #[test]
    fn lengths_switch_form_at_the_format_limits() {
        let mut writer = Writer::default();
        writer.str(&"x".repeat(31));
        writer.str(&"x".repeat(32));
        writer.array_len(16);
        writer.map_len(70_000);
        writer.ext_header(12, 3);
        let bytes = writer.into_bytes();
        let mut reader = Reader::new(&bytes);
        assert_eq!(bytes[0], 0xbf);
        assert_eq!(reader.head(), Some(Head::Str(31)));
        reader.take(31);
        assert_eq!(reader.head(), Some(Head::Str(32)));
        reader.take(32);
        assert_eq!(reader.head(), Some(Head::Array(16)));
        assert_eq!(reader.head(), Some(Head::Map(70_000)));
        assert_eq!(reader.head(), Some(Head::Ext { code: 12, len: 3 }));
    }

    #[test]
    fn truncated_heads_read_as_none() {
        for bytes in [
            &[][..],
            &[0xcd, 0x01],
            &[0xdb, 0, 0],
            &[0xc7, 3],
            &[0xcb, 0, 0, 0],
        ] {
            assert_eq!(Reader::new(bytes).head(), None, "{bytes:?}");
        }
    }

    #[test]
    fn skipping_refuses_lengths_beyond_the_input() {
        assert_eq!(Reader::new(&[0xdd, 0xff, 0xff, 0xff, 0xff]).skip(8), None);
        assert_eq!(Reader::new(&[0x92, 0x01, 0xa1, b'x']).skip(8), Some(()));
        assert_eq!(Reader::new(&[0x91, 0x91, 0x91, 0x01]).skip(2), None);
    }
}
