//! A statement's rows, packed as they arrive: every cell's bytes copied into one buffer, with
//! one `(start, length)` pair per cell, and the driver's `Row` dropped at once.
//!
//! Measured reason (bench/README.md, "Rows packed as they arrive"): the answer is written after
//! every level has loaded, in nesting order, so each `tokio_postgres::Row` was read long after it
//! arrived. Each one holds its own vector of cell ranges (24 bytes a cell) and a share of the
//! socket's read buffer; on the agent walk `Row::col_buffer` was 7–9% of gateway CPU, nearly all of
//! it one cache-missing load of that vector, and the allocator's fast path another 10%. Packed,
//! a cell is 8 bytes, the row's ranges are freed while still in cache (the next row's allocation
//! reuses them), and the read buffer is not kept alive by the rows.

use std::error::Error;
use std::fmt;

use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, Type};

/// One cell: where its bytes start in [`PackedRows::data`] and how many there are (`NULL`: none).
#[derive(Clone, Copy)]
struct Cell {
    start: u32,
    len: u32,
}

const NULL: u32 = u32::MAX;

/// The rows of one statement.
#[derive(Default)]
pub struct PackedRows {
    /// The columns' types (from the first row; none without rows).
    types: Vec<Type>,
    data: Vec<u8>,
    /// `len() × types.len()` cells, row by row.
    cells: Vec<Cell>,
    len: usize,
}

/// Why a cell could not be read.
#[derive(Debug)]
pub enum CellError {
    /// No such column (a bug in the statement's layout).
    NoColumn(usize),
    /// The column's type is not the one asked for (a bug in the statement's layout).
    WrongType { column: usize, ty: Type, rust: &'static str },
    /// The bytes did not decode.
    Decode { column: usize, source: Box<dyn Error + Sync + Send> },
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoColumn(i) => write!(f, "no column {i}"),
            Self::WrongType { column, ty, rust } => write!(f, "column {column} is {ty}, not {rust}"),
            Self::Decode { column, source } => write!(f, "column {column}: {source}"),
        }
    }
}

impl Error for CellError {}

/// The packed rows are larger than 4 GiB (a cell's start no longer fits its `u32`).
#[derive(Debug)]
pub struct TooLarge;

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a statement's rows are larger than 4 GiB")
    }
}

impl Error for TooLarge {}

/// A cell's raw bytes, whatever its type (how [`PackedRows::push`] reads a `Row`).
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Raw(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

impl fmt::Debug for PackedRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PackedRows").field("types", &self.types).field("len", &self.len).finish_non_exhaustive()
    }
}

impl PackedRows {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies `row`'s cells in.
    pub fn push(&mut self, row: &Row) -> Result<(), Box<dyn Error + Sync + Send>> {
        if self.types.is_empty() {
            self.types = row.columns().iter().map(|c| c.type_().clone()).collect();
            self.cells.reserve(self.types.len() * 8);
        }
        for i in 0..self.types.len() {
            let cell = match row.try_get::<_, Option<Raw<'_>>>(i)? {
                None => Cell { start: 0, len: NULL },
                Some(Raw(bytes)) => {
                    let start = u32::try_from(self.data.len()).map_err(|_| TooLarge)?;
                    let len = u32::try_from(bytes.len()).ok().filter(|&l| l != NULL).ok_or(TooLarge)?;
                    self.data.extend_from_slice(bytes);
                    Cell { start, len }
                }
            };
            self.cells.push(cell);
        }
        self.len += 1;
        Ok(())
    }

    /// Row `index` (which must be under [`Self::len`]).
    pub fn row(&self, index: usize) -> RowRef<'_> {
        debug_assert!(index < self.len);
        RowRef { rows: self, index }
    }

    pub fn first(&self) -> Option<RowRef<'_>> {
        (self.len > 0).then(|| self.row(0))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = RowRef<'_>> {
        (0..self.len).map(|index| self.row(index))
    }

    /// Keeps the first `n` rows (their bytes stay in the buffer).
    pub fn truncate(&mut self, n: usize) {
        if n < self.len {
            self.len = n;
            self.cells.truncate(n * self.types.len());
        }
    }

    /// Only the rows at `indexes`, in that order.
    #[must_use]
    pub fn select(&self, indexes: impl IntoIterator<Item = usize>) -> PackedRows {
        let width = self.types.len();
        let mut out = PackedRows { types: self.types.clone(), ..PackedRows::default() };
        for i in indexes {
            for cell in &self.cells[i * width..(i + 1) * width] {
                let cell = match cell.len {
                    NULL => *cell,
                    len => {
                        let start = out.data.len() as u32;
                        out.data.extend_from_slice(&self.data[cell.start as usize..(cell.start + len) as usize]);
                        Cell { start, len }
                    }
                };
                out.cells.push(cell);
            }
            out.len += 1;
        }
        out
    }
}

/// One packed row.
#[derive(Clone, Copy)]
pub struct RowRef<'a> {
    rows: &'a PackedRows,
    index: usize,
}

impl<'a> RowRef<'a> {
    /// Cell `column` decoded as `T`, as `tokio_postgres::Row::try_get` does (a `NULL` is an
    /// error unless `T` is an `Option`).
    pub fn try_get<T: FromSql<'a>>(self, column: usize) -> Result<T, CellError> {
        let rows = self.rows;
        let ty = rows.types.get(column).ok_or_else(|| CellError::NoColumn(column))?;
        if !T::accepts(ty) {
            return Err(CellError::WrongType { column, ty: ty.clone(), rust: std::any::type_name::<T>() });
        }
        let cell = rows.cells[self.index * rows.types.len() + column];
        let raw = match cell.len {
            NULL => None,
            len => Some(&rows.data[cell.start as usize..(cell.start + len) as usize]),
        };
        T::from_sql_nullable(ty, raw).map_err(|source| CellError::Decode { column, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(types: Vec<Type>, rows: &[&[Option<&[u8]>]]) -> PackedRows {
        let mut out = PackedRows { types, ..PackedRows::default() };
        for row in rows {
            for cell in *row {
                let cell = match cell {
                    None => Cell { start: 0, len: NULL },
                    Some(bytes) => {
                        let start = out.data.len() as u32;
                        out.data.extend_from_slice(bytes);
                        Cell { start, len: bytes.len() as u32 }
                    }
                };
                out.cells.push(cell);
            }
            out.len += 1;
        }
        out
    }

    #[test]
    fn cells_decode_by_row_and_column_with_nulls_and_type_checks() {
        let rows = packed(
            vec![Type::INT4, Type::TEXT],
            &[&[Some(&7i32.to_be_bytes()), Some(b"seven")], &[None, Some(b"")], &[Some(&9i32.to_be_bytes()), None]],
        );
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.row(0).try_get::<i32>(0).unwrap(), 7);
        assert_eq!(rows.row(0).try_get::<&str>(1).unwrap(), "seven");
        assert_eq!(rows.row(1).try_get::<Option<i32>>(0).unwrap(), None);
        assert_eq!(rows.row(1).try_get::<&str>(1).unwrap(), "");
        assert_eq!(rows.row(2).try_get::<Option<&str>>(1).unwrap(), None);
        assert!(matches!(rows.row(2).try_get::<&str>(1), Err(CellError::Decode { column: 1, .. })));
        assert!(matches!(rows.row(0).try_get::<i64>(0), Err(CellError::WrongType { column: 0, .. })));
        assert!(matches!(rows.row(0).try_get::<i32>(2), Err(CellError::NoColumn(2))));

        let picked = rows.select([2, 0]);
        assert_eq!(picked.len(), 2);
        assert_eq!(picked.row(0).try_get::<i32>(0).unwrap(), 9);
        assert_eq!(picked.row(1).try_get::<&str>(1).unwrap(), "seven");

        let mut cut = rows;
        cut.truncate(1);
        assert_eq!(cut.iter().count(), 1);
        assert_eq!(cut.first().unwrap().try_get::<i32>(0).unwrap(), 7);
    }
}
