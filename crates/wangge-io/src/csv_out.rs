//! CSV written for the people who open it: in China, in Excel. Excel reads
//! a CSV as the system's code page (GBK) unless it starts with a UTF-8 BOM,
//! so by default every CSV wangge writes starts with one; `gbk` writes the
//! code page itself for older tools, `utf-8` plain UTF-8 for programs.
//! (Cells are neutralised against formulas by [`crate::spreadsheet_cell`].)

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

/// How a CSV file's text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark: Excel opens it right (the default).
    #[default]
    Utf8Bom,
    /// UTF-8 without a mark, for programs.
    Utf8,
    /// GBK (GB18030 for characters GBK lacks), for tools that know no UTF-8.
    Gbk,
}

impl CsvEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            CsvEncoding::Utf8Bom => "utf-8-bom",
            CsvEncoding::Utf8 => "utf-8",
            CsvEncoding::Gbk => "gbk",
        }
    }
}

impl fmt::Display for CsvEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CsvEncoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8-bom" | "utf8-bom" | "excel" | "bom" => Ok(CsvEncoding::Utf8Bom),
            "utf-8" | "utf8" => Ok(CsvEncoding::Utf8),
            "gbk" | "gb18030" | "cp936" => Ok(CsvEncoding::Gbk),
            other => Err(format!(
                "unknown CSV encoding {other:?}: utf-8-bom (for Excel, the default), utf-8 or gbk"
            )),
        }
    }
}

/// A writer of UTF-8 text that puts it out in a [`CsvEncoding`]: the BOM
/// before the first byte, or the text converted to GB18030 (a superset of
/// GBK that loses no character). Writes may cut a character in two: its
/// first bytes wait for the rest.
pub struct CsvOut<W: Write> {
    inner: W,
    encoding: CsvEncoding,
    started: bool,
    /// The bytes of a character cut by the end of the last write.
    pending: Vec<u8>,
}

impl<W: Write> CsvOut<W> {
    pub fn new(inner: W, encoding: CsvEncoding) -> Self {
        CsvOut {
            inner,
            encoding,
            started: false,
            pending: Vec::new(),
        }
    }

    /// The underlying writer, after the last bytes are put out.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        if !self.pending.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the CSV text ends inside a character",
            ));
        }
        Ok(self.inner)
    }
}

impl<W: Write> Write for CsvOut<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.started {
            self.started = true;
            if self.encoding == CsvEncoding::Utf8Bom {
                self.inner.write_all(b"\xEF\xBB\xBF")?;
            }
        }
        if self.encoding != CsvEncoding::Gbk {
            return self.inner.write(buf);
        }
        self.pending.extend_from_slice(buf);
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the CSV text is not UTF-8 at byte {}", e.valid_up_to()),
                ))
            }
        };
        let text = std::str::from_utf8(&self.pending[..whole]).unwrap_or_default();
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        self.inner.write_all(&bytes)?;
        self.pending.drain(..whole);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.started && self.encoding == CsvEncoding::Utf8Bom {
            // An empty file still says it is UTF-8.
            self.started = true;
            self.inner.write_all(b"\xEF\xBB\xBF")?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(encoding: CsvEncoding, pieces: &[&[u8]]) -> Vec<u8> {
        let mut out = CsvOut::new(Vec::new(), encoding);
        for piece in pieces {
            out.write_all(piece).unwrap();
        }
        out.into_inner().unwrap()
    }

    #[test]
    fn excel_gets_a_bom_once_and_gbk_gets_its_bytes_even_across_writes() {
        let text = "code,name\n1,茅箭区\n".as_bytes();
        let bom = written(CsvEncoding::Utf8Bom, &[&text[..12], &text[12..]]);
        assert_eq!(&bom[..3], b"\xEF\xBB\xBF");
        assert_eq!(&bom[3..], text);
        assert_eq!(written(CsvEncoding::Utf8, &[text]), text);
        // 茅 is cut in the middle by the first write.
        let gbk = written(CsvEncoding::Gbk, &[&text[..13], &text[13..]]);
        let (decoded, _, bad) = encoding_rs::GBK.decode(&gbk);
        assert!(!bad);
        assert_eq!(decoded, "code,name\n1,茅箭区\n");
        assert_eq!(written(CsvEncoding::Utf8Bom, &[]), b"\xEF\xBB\xBF");
    }

    #[test]
    fn names_parse_and_a_wrong_one_lists_the_choices() {
        assert_eq!(
            "Excel".parse::<CsvEncoding>().unwrap(),
            CsvEncoding::Utf8Bom
        );
        assert_eq!("GB18030".parse::<CsvEncoding>().unwrap(), CsvEncoding::Gbk);
        assert_eq!("utf8".parse::<CsvEncoding>().unwrap(), CsvEncoding::Utf8);
        assert!("latin1"
            .parse::<CsvEncoding>()
            .unwrap_err()
            .contains("utf-8-bom"));
    }
}
