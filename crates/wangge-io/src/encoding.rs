//! The text encoding of an input file, decided once for the whole file.
//!
//! Excel in China writes CSV as UTF-8, UTF-8 with a BOM, or GBK/GB18030.
//! Guessing field by field is wrong: 1,920 CJK characters have GBK bytes
//! that are also valid UTF-8 (GBK `十` is the UTF-8 `ʮ`), so a GBK field
//! made only of those reads as UTF-8 gibberish. The rule, the same for the
//! CLI and the server: a UTF-8 BOM means UTF-8; a file that is valid UTF-8
//! from start to end is UTF-8; otherwise it is GB18030 when most of its
//! (first 1,000) non-ASCII lines read as GB18030 and not as UTF-8, so a few
//! broken lines in a UTF-8 file stay UTF-8 and are reported as broken.
//!
//! [`EncodingDetector`] takes the file in pieces of any size (a streamed
//! upload, a file read in blocks) and keeps a bounded amount of it.

use std::fmt;
use std::io::Read;
use std::str::FromStr;

use encoding_rs::{DecoderResult, GB18030, UTF_8};

/// Text encodings of input files. GBK is a subset of GB18030.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gb18030,
}

impl Encoding {
    /// The name stored with a job and accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
        }
    }
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "utf8" | "utf8bom" => Ok(Encoding::Utf8),
            "gbk" | "gb2312" | "gb18030" | "cp936" => Ok(Encoding::Gb18030),
            _ => Err(format!(
                "encoding {s:?} is unknown: use utf-8, gbk or gb18030"
            )),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gb18030 => "GBK/GB18030",
        })
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Non-ASCII lines that vote when the file is not valid UTF-8.
const VOTING_LINES: usize = 1000;
/// Bytes of a line that vote; the rest of a longer line is only checked
/// as part of the whole-file UTF-8 check (memory stays bounded).
const VOTING_LINE_BYTES: usize = 64 << 10;

/// Decides the encoding of a file fed to it in pieces: see the module.
#[derive(Debug)]
#[allow(clippy::struct_excessive_bools)] // four independent facts about the bytes so far
pub struct EncodingDetector {
    started: bool,
    bom: bool,
    /// Still valid UTF-8 up to here.
    utf8_so_far: bool,
    /// The last bytes of the previous piece: an incomplete UTF-8 sequence.
    utf8_carry: Vec<u8>,
    /// The current line's first [`VOTING_LINE_BYTES`] bytes.
    line: Vec<u8>,
    line_ascii: bool,
    utf8_lines: usize,
    gb_lines: usize,
    voted: usize,
}

impl Default for EncodingDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl EncodingDetector {
    pub fn new() -> Self {
        EncodingDetector {
            started: false,
            bom: false,
            utf8_so_far: true,
            utf8_carry: Vec::new(),
            line: Vec::new(),
            line_ascii: true,
            utf8_lines: 0,
            gb_lines: 0,
            voted: 0,
        }
    }

    /// The next piece of the file.
    pub fn feed(&mut self, mut piece: &[u8]) {
        if !self.started {
            if piece.is_empty() {
                return;
            }
            self.started = true;
            // A BOM split across pieces is too rare to care for.
            self.bom = piece.starts_with(BOM);
            if self.bom {
                return;
            }
        }
        if self.bom {
            return;
        }
        self.check_utf8(piece);
        if self.voted >= VOTING_LINES {
            return;
        }
        while let Some(end) = piece.iter().position(|b| *b == b'\n') {
            self.add_to_line(&piece[..end]);
            self.end_line();
            piece = &piece[end + 1..];
        }
        self.add_to_line(piece);
    }

    /// The encoding of everything fed.
    pub fn finish(mut self) -> Encoding {
        if self.bom {
            return Encoding::Utf8;
        }
        if self.utf8_so_far && self.utf8_carry.is_empty() {
            return Encoding::Utf8;
        }
        self.end_line();
        if self.gb_lines > self.utf8_lines {
            Encoding::Gb18030
        } else {
            Encoding::Utf8
        }
    }

    fn check_utf8(&mut self, piece: &[u8]) {
        if !self.utf8_so_far {
            return;
        }
        let mut joined;
        let bytes = if self.utf8_carry.is_empty() {
            piece
        } else {
            joined = std::mem::take(&mut self.utf8_carry);
            joined.extend_from_slice(piece);
            &joined[..]
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => {}
            // Cut inside a character: the rest comes with the next piece.
            Err(e) if e.error_len().is_none() => {
                self.utf8_carry = bytes[e.valid_up_to()..].to_vec();
            }
            Err(_) => self.utf8_so_far = false,
        }
    }

    fn add_to_line(&mut self, bytes: &[u8]) {
        if self.line_ascii && bytes.is_ascii() {
            return; // ASCII lines do not vote: keep nothing of them
        }
        self.line_ascii = false;
        let room = VOTING_LINE_BYTES.saturating_sub(self.line.len());
        self.line.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn end_line(&mut self) {
        if !self.line_ascii && self.voted < VOTING_LINES {
            self.voted += 1;
            let truncated = self.line.len() >= VOTING_LINE_BYTES;
            if is_utf8_prefix(&self.line, truncated) {
                self.utf8_lines += 1;
            } else if is_gb18030_prefix(&self.line, truncated) {
                self.gb_lines += 1;
            }
        }
        self.line.clear();
        self.line_ascii = true;
    }
}

/// Valid UTF-8, allowing a character cut at the end of a truncated line.
fn is_utf8_prefix(bytes: &[u8], truncated: bool) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => truncated && e.error_len().is_none(),
    }
}

/// Valid GB18030, allowing a character cut at the end of a truncated line.
fn is_gb18030_prefix(bytes: &[u8], truncated: bool) -> bool {
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len() * 3),
    );
    let (result, _) = decoder.decode_to_string_without_replacement(bytes, &mut out, !truncated);
    matches!(result, DecoderResult::InputEmpty)
}

/// Decides the encoding of a whole file's bytes (see the module).
pub fn detect_encoding(bytes: &[u8]) -> Encoding {
    let mut detector = EncodingDetector::new();
    detector.feed(bytes);
    detector.finish()
}

/// Decides the encoding of a file read to its end in blocks (the CLI reads
/// a file twice: this, then the rows).
pub fn detect_encoding_of(mut reader: impl Read) -> std::io::Result<Encoding> {
    let mut detector = EncodingDetector::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        match reader.read(&mut block) {
            Ok(0) => return Ok(detector.finish()),
            Ok(n) => detector.feed(&block[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A field's text in `encoding`; `None` when its bytes are not valid in it.
pub fn decode_field(bytes: &[u8], encoding: Encoding) -> Option<String> {
    let codec = match encoding {
        Encoding::Utf8 => UTF_8,
        Encoding::Gb18030 => GB18030,
    };
    codec
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(std::borrow::Cow::into_owned)
}

/// A field's text in `encoding`, broken bytes replaced by U+FFFD (for
/// showing a row that is rejected).
pub fn decode_field_lossy(bytes: &[u8], encoding: Encoding) -> String {
    let codec = match encoding {
        Encoding::Utf8 => UTF_8,
        Encoding::Gb18030 => GB18030,
    };
    codec.decode_without_bom_handling(bytes).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GBK `十` is 0xCA 0xAE, which is also the UTF-8 of `ʮ`.
    #[test]
    fn gbk_that_is_also_utf8_per_field_is_decided_by_the_file() {
        let (gbk, _, _) = GB18030.encode("地址,备注\n十堰市张湾区,十\n");
        let bytes = gbk.into_owned();
        assert!(std::str::from_utf8(&GB18030.encode("十").0).is_ok());
        assert_eq!(detect_encoding(&bytes), Encoding::Gb18030);
        // Fed a byte at a time, the answer is the same.
        let mut d = EncodingDetector::new();
        for b in &bytes {
            d.feed(std::slice::from_ref(b));
        }
        assert_eq!(d.finish(), Encoding::Gb18030);
        let field = &GB18030.encode("十").0;
        assert_eq!(decode_field(field, Encoding::Gb18030).unwrap(), "十");
    }

    #[test]
    fn utf8_cut_anywhere_bom_and_broken_lines() {
        let text = "地址\n十堰市茅箭区北京路\n".repeat(50);
        for size in [1, 2, 3, 7, 4096] {
            let mut d = EncodingDetector::new();
            for piece in text.as_bytes().chunks(size) {
                d.feed(piece);
            }
            assert_eq!(d.finish(), Encoding::Utf8, "pieces of {size}");
        }
        let mut bom = BOM.to_vec();
        bom.extend_from_slice(&GB18030.encode("十堰").0);
        assert_eq!(detect_encoding(&bom), Encoding::Utf8);
        // Mostly UTF-8 with one broken line: UTF-8 (the line is reported).
        let mut mixed = text.into_bytes();
        mixed.extend_from_slice(b"\xff\xfe\n");
        assert_eq!(detect_encoding(&mixed), Encoding::Utf8);
        // A cut character at the very end is not UTF-8.
        let (gb, _, _) = GB18030.encode("编码\n茅箭区\n");
        assert_eq!(detect_encoding(&gb), Encoding::Gb18030);
    }

    #[test]
    fn a_long_line_keeps_memory_bounded() {
        let mut d = EncodingDetector::new();
        let (gb, _, _) = GB18030.encode("茅箭区");
        for _ in 0..100_000 {
            d.feed(&gb);
        }
        assert!(d.line.len() <= VOTING_LINE_BYTES);
        assert_eq!(d.finish(), Encoding::Gb18030);
    }
}
