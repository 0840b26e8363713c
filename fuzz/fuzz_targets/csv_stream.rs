//! The row splitter of streamed uploads (HTTP geocoding jobs): any bytes,
//! cut into pieces of any size, with any row limit. No panic; the rows are
//! the same however the file is cut; their raw bytes joined are the file
//! but for line ends after the last row (nothing lost, nothing added);
//! rows are numbered 1, 2, 3 …; no row is longer than the limit, and a
//! refusal names the row after the last one given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wangge_io::csv_stream::{RowLimit, RowSplitter};

type Rows = Vec<(usize, Vec<u8>, Vec<Vec<u8>>)>;

fn split(data: &[u8], piece: usize, max_row_bytes: usize) -> (Rows, Option<RowLimit>) {
    let mut splitter = RowSplitter::new(max_row_bytes);
    let mut rows = Rows::new();
    let mut on_row = |r: wangge_io::csv_stream::Row<'_>| {
        rows.push((r.number, r.raw.to_vec(), r.fields().map(<[u8]>::to_vec).collect()));
    };
    for p in data.chunks(piece.max(1)) {
        if let Err(e) = splitter.feed(p, &mut on_row) {
            return (rows, Some(e));
        }
    }
    let end = splitter.finish(&mut on_row).err();
    (rows, end)
}

fuzz_target!(|input: &[u8]| {
    let Some((&[piece, limit], data)) = input.split_first_chunk::<2>() else {
        return;
    };
    let max_row_bytes = 16 + usize::from(limit) * 8;
    let (whole, whole_err) = split(data, data.len(), max_row_bytes);
    let (cut, cut_err) = split(data, usize::from(piece % 17) + 1, max_row_bytes);
    assert_eq!(whole_err, cut_err, "the same refusal however the file is cut");
    assert_eq!(whole, cut, "the same rows however the file is cut");
    for (i, (number, raw, _)) in whole.iter().enumerate() {
        assert_eq!(*number, i + 1);
        assert!(raw.len() <= max_row_bytes, "row {number}: {} bytes", raw.len());
    }
    match whole_err {
        None => {
            // Line ends after the last row belong to no row.
            let joined: Vec<u8> = whole.iter().flat_map(|r| r.1.iter().copied()).collect();
            assert_eq!(joined, data[..joined.len()], "the raw rows are the file");
            assert!(
                data[joined.len()..].iter().all(|b| matches!(b, b'\r' | b'\n')),
                "only line ends follow the last row"
            );
        }
        Some(RowLimit::TooLong { row, .. } | RowLimit::TooManyFields { row, .. }) => {
            assert_eq!(row, whole.len() + 1);
        }
    }
});
