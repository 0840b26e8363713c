//! A CSV file arriving in pieces (a streamed upload) cut into whole rows,
//! with every row's size bounded, so that memory stays bounded whatever
//! the file holds (a 200 MB file of one line is refused after its first
//! `max_row_bytes`, not read whole). `csv-core`, the parser under the `csv`
//! crate, is push-based: it keeps its state between pieces, so a row may be
//! cut anywhere, inside quotes too.

use csv_core::{ReadRecordResult, Reader};

/// Most fields a row may have.
pub const MAX_FIELDS: usize = 10_000;

/// A row too large to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowLimit {
    /// The row (1-based; the header is row 1) is longer than `limit_bytes`.
    TooLong { row: usize, limit_bytes: usize },
    /// The row has more than [`MAX_FIELDS`] fields.
    TooManyFields { row: usize, limit: usize },
}

impl std::fmt::Display for RowLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowLimit::TooLong { row, limit_bytes } => write!(
                f,
                "row {row} is longer than the limit of {} per row (is the file CSV, one row per line?)",
                byte_size(*limit_bytes)
            ),
            RowLimit::TooManyFields { row, limit } => {
                write!(f, "row {row} has more than the limit of {limit} fields")
            }
        }
    }
}

/// "64 KiB", "256 MiB", "100 bytes".
pub fn byte_size(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// One complete row: its number, its bytes as in the file (terminator
/// included) and its fields as parsed.
#[derive(Debug)]
pub struct Row<'a> {
    /// 1-based; the header is row 1.
    pub number: usize,
    pub raw: &'a [u8],
    fields: &'a [u8],
    ends: &'a [usize],
}

impl Row<'_> {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The unquoted bytes of field `i`.
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.fields.get(start..end)
    }

    pub fn fields(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len()).filter_map(|i| self.field(i))
    }
}

/// Cuts pieces of a CSV file into rows (see the module).
pub struct RowSplitter {
    reader: Reader,
    max_row_bytes: usize,
    /// The current row's bytes as read.
    raw: Vec<u8>,
    /// Its fields, unquoted, and where each ends.
    fields: Vec<u8>,
    fields_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    rows: usize,
    done: bool,
}

impl RowSplitter {
    pub fn new(max_row_bytes: usize) -> Self {
        RowSplitter {
            reader: Reader::new(),
            max_row_bytes: max_row_bytes.max(1),
            raw: Vec::new(),
            fields: vec![0; 1024],
            fields_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            rows: 0,
            done: false,
        }
    }

    /// Rows completed so far (the header included).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The next piece; `on_row` gets each row it completes.
    pub fn feed(&mut self, piece: &[u8], on_row: &mut dyn FnMut(Row<'_>)) -> Result<(), RowLimit> {
        if piece.is_empty() {
            return Ok(()); // an empty piece would end the file for csv-core
        }
        self.push(piece, on_row)
    }

    /// The end of the file: the last row, if it has no line end.
    pub fn finish(&mut self, on_row: &mut dyn FnMut(Row<'_>)) -> Result<(), RowLimit> {
        while !self.done {
            self.push(&[], on_row)?;
        }
        Ok(())
    }

    fn push(&mut self, mut input: &[u8], on_row: &mut dyn FnMut(Row<'_>)) -> Result<(), RowLimit> {
        let at_end = input.is_empty();
        loop {
            let (result, nin, nout, nend) = self.reader.read_record(
                input,
                &mut self.fields[self.fields_len..],
                &mut self.ends[self.ends_len..],
            );
            self.raw.extend_from_slice(&input[..nin]);
            input = &input[nin..];
            self.fields_len += nout;
            self.ends_len += nend;
            if self.raw.len() > self.max_row_bytes {
                return Err(RowLimit::TooLong {
                    row: self.rows + 1,
                    limit_bytes: self.max_row_bytes,
                });
            }
            match result {
                ReadRecordResult::InputEmpty => {
                    if !at_end {
                        return Ok(());
                    }
                }
                ReadRecordResult::OutputFull => {
                    let grown = (self.fields.len() * 2).min(self.max_row_bytes + 1);
                    self.fields.resize(grown.max(self.fields.len() + 1), 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        return Err(RowLimit::TooManyFields {
                            row: self.rows + 1,
                            limit: MAX_FIELDS,
                        });
                    }
                    let grown = (self.ends.len() * 2).min(MAX_FIELDS);
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    self.rows += 1;
                    on_row(Row {
                        number: self.rows,
                        raw: &self.raw,
                        fields: &self.fields[..self.fields_len],
                        ends: &self.ends[..self.ends_len],
                    });
                    self.raw.clear();
                    self.fields_len = 0;
                    self.ends_len = 0;
                    if input.is_empty() && !at_end {
                        return Ok(());
                    }
                }
                ReadRecordResult::End => {
                    self.done = true;
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A split row: its number, its bytes, its fields.
    type SplitRow = (usize, Vec<u8>, Vec<String>);

    fn split(text: &[u8], piece: usize, max: usize) -> Result<Vec<SplitRow>, RowLimit> {
        let mut splitter = RowSplitter::new(max);
        let mut rows = Vec::new();
        let mut on_row = |r: Row<'_>| {
            rows.push((
                r.number,
                r.raw.to_vec(),
                r.fields()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            ));
        };
        for p in text.chunks(piece) {
            splitter.feed(p, &mut on_row)?;
        }
        splitter.finish(&mut on_row)?;
        Ok(rows)
    }

    #[test]
    fn rows_cut_anywhere_come_out_whole() {
        let text = "地址,备注\n\"十堰, 茅箭\",\"两\n行\"\n张湾区,x\n郧阳区,last".as_bytes();
        for piece in [1, 2, 5, 1000] {
            let rows = split(text, piece, 1 << 10).unwrap();
            assert_eq!(rows.len(), 4, "pieces of {piece}");
            assert_eq!(rows[1].2, ["十堰, 茅箭", "两\n行"]);
            assert_eq!(rows[3].2, ["郧阳区", "last"]);
            let joined: Vec<u8> = rows.iter().flat_map(|r| r.1.clone()).collect();
            assert_eq!(joined, text, "the raw rows are the file");
        }
    }

    #[test]
    fn a_long_row_is_refused_with_its_number() {
        let mut text = b"a,b\n1,2\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 5000));
        let err = split(&text, 100, 1024).unwrap_err();
        assert_eq!(
            err,
            RowLimit::TooLong {
                row: 3,
                limit_bytes: 1024
            }
        );
        assert!(err.to_string().contains("1 KiB"), "{err}");
        let many = vec![b','; 20_000];
        let err = split(&many, 4096, 1 << 20).unwrap_err();
        assert!(
            matches!(err, RowLimit::TooManyFields { row: 1, .. }),
            "{err:?}"
        );
    }
}
