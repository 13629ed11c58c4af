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
use uuid::Uuid;

/// One cell: where its bytes start in [`PackedRows::data`] and how many there are (`NULL`: none).
#[derive(Clone, Copy)]
struct Cell {
    start: u32,
    len: u32,
}

const NULL: u32 = u32::MAX;

/// How many rows' room is reserved after a statement's first row when it did not say how many
/// it can return, and the most it may say.
const ROWS_RESERVED: usize = 16;
const ROWS_RESERVED_MAX: usize = 1024;

/// The rows of one statement.
#[derive(Default)]
pub struct PackedRows {
    /// The columns' types (from the first row; none without rows).
    types: Vec<Type>,
    data: Vec<u8>,
    /// `len() × types.len()` cells, row by row.
    cells: Vec<Cell>,
    len: usize,
    /// The most rows expected ([`Self::expecting`]; 0: unknown).
    expected: usize,
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
    /// No rows yet, with room for up to `max_rows` of them once the first has come (its size
    /// standing for theirs; 0: a statement without a bound).
    pub fn expecting(max_rows: usize) -> Self {
        Self { expected: max_rows, ..Self::default() }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies `row`'s cells in.
    pub fn push(&mut self, row: &Row) -> Result<(), Box<dyn Error + Sync + Send>> {
        let first = self.types.is_empty();
        if first {
            self.types = row.columns().iter().map(|c| c.type_().clone()).collect();
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
        if first {
            // Room for the rows to come at the first one's size, so that a statement's rows do not
            // grow their buffers one doubling at a time: growing was 4% of the agent walk's
            // instructions (bench/README.md, "Cells read without per-cell checks").
            let more = match self.expected {
                0 => ROWS_RESERVED,
                n => n.min(ROWS_RESERVED_MAX),
            }
            .saturating_sub(1);
            self.data.reserve(self.data.len() * more);
            self.cells.reserve(self.types.len() * more);
        }
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

    /// Cell `column`'s bytes (`None`: NULL) once its type passes `accepts`: the raw form of
    /// [`Self::try_get`], for the answer writer and the loader, which decode the few types they
    /// read themselves. Measured reason (bench/README.md, "Cells read without per-cell checks"):
    /// `try_get`, generic over every `FromSql` type and returning its large error by value, cost
    /// about 100 instructions a cell, 12% of the agent walk's.
    #[inline]
    pub fn bytes(
        self,
        column: usize,
        accepts: impl Fn(&Type) -> bool,
        rust: &'static str,
    ) -> Result<Option<&'a [u8]>, CellError> {
        let rows = self.rows;
        let width = rows.types.len();
        let Some(ty) = rows.types.get(column) else { return Err(CellError::NoColumn(column)) };
        if !accepts(ty) {
            return Err(wrong_type(column, ty, rust));
        }
        let cell = rows.cells[self.index * width + column];
        Ok((cell.len != NULL).then(|| &rows.data[cell.start as usize..(cell.start + cell.len) as usize]))
    }

    /// A `uuid` cell.
    #[inline]
    pub fn uuid(self, column: usize) -> Result<Option<Uuid>, CellError> {
        let bytes = self.bytes(column, |t| *t == Type::UUID, "Uuid")?;
        bytes.map(|b| Uuid::from_slice(b).map_err(|e| decode_error(column, e))).transpose()
    }

    /// A text cell (`text`, `varchar`, `bpchar`, `name`, or what else `&str` reads).
    #[inline]
    pub fn str(self, column: usize) -> Result<Option<&'a str>, CellError> {
        let bytes = self.bytes(column, <&str as FromSql>::accepts, "&str")?;
        bytes.map(|b| std::str::from_utf8(b).map_err(|e| decode_error(column, e))).transpose()
    }

    /// An `int4` cell.
    #[inline]
    pub fn i32(self, column: usize) -> Result<Option<i32>, CellError> {
        let bytes = self.bytes(column, |t| *t == Type::INT4, "i32")?;
        bytes.map(|b| fixed(column, b).map(i32::from_be_bytes)).transpose()
    }

    /// An `int8` cell.
    #[inline]
    pub fn i64(self, column: usize) -> Result<Option<i64>, CellError> {
        let bytes = self.bytes(column, |t| *t == Type::INT8, "i64")?;
        bytes.map(|b| fixed(column, b).map(i64::from_be_bytes)).transpose()
    }

    /// A `bool` cell.
    #[inline]
    pub fn bool(self, column: usize) -> Result<Option<bool>, CellError> {
        let bytes = self.bytes(column, |t| *t == Type::BOOL, "bool")?;
        bytes.map(|b| fixed(column, b).map(|[v]| v != 0)).transpose()
    }
}

/// A fixed-size cell's bytes (an `int4`'s four…), or the error of a cell of another length.
#[inline]
fn fixed<const N: usize>(column: usize, bytes: &[u8]) -> Result<[u8; N], CellError> {
    <[u8; N]>::try_from(bytes).map_err(|e| decode_error(column, e))
}

#[cold]
fn decode_error(column: usize, e: impl Error + Send + Sync + 'static) -> CellError {
    CellError::Decode { column, source: Box::new(e) }
}

#[cold]
fn wrong_type(column: usize, ty: &Type, rust: &'static str) -> CellError {
    CellError::WrongType { column, ty: ty.clone(), rust }
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
    fn typed_cells_decode_as_try_get_does_and_refuse_bad_lengths() {
        let id = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let bad = [0xffu8, 0xfe];
        let rows = packed(
            vec![Type::UUID, Type::INT8, Type::BOOL, Type::VARCHAR, Type::INT4],
            &[
                &[Some(id.as_bytes()), Some(&(-5i64).to_be_bytes()), Some(&[1]), Some(b"v"), Some(&[0, 0, 1])],
                &[Some(&[1, 2, 3]), Some(&[0; 4]), Some(&[0, 0]), Some(&bad), None],
                &[None, None, Some(&[0]), None, None],
            ],
        );
        let (good, broken, nulls) = (rows.row(0), rows.row(1), rows.row(2));
        assert_eq!(good.uuid(0).unwrap(), Some(id));
        assert_eq!(good.uuid(0).unwrap(), good.try_get::<Option<Uuid>>(0).unwrap());
        assert_eq!(good.i64(1).unwrap(), Some(-5));
        assert_eq!(good.bool(2).unwrap(), Some(true));
        assert_eq!(nulls.bool(2).unwrap(), Some(false));
        assert_eq!(good.str(3).unwrap(), Some("v"));
        for (column, got) in [
            (0, broken.uuid(0).map(|_| ())),
            (1, broken.i64(1).map(|_| ())),
            (2, broken.bool(2).map(|_| ())),
            (3, broken.str(3).map(|_| ())),
            (4, good.i32(4).map(|_| ())),
        ] {
            assert!(matches!(got, Err(CellError::Decode { column: c, .. }) if c == column), "column {column}");
        }
        assert_eq!((nulls.uuid(0).unwrap(), nulls.i64(1).unwrap(), nulls.str(3).unwrap()), (None, None, None));
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

        // The typed accessors read what `try_get` reads, and refuse what it refuses.
        assert_eq!(rows.row(0).i32(0).unwrap(), Some(7));
        assert_eq!(rows.row(1).i32(0).unwrap(), None);
        assert_eq!(rows.row(0).str(1).unwrap(), Some("seven"));
        assert_eq!(rows.row(2).str(1).unwrap(), None);
        assert!(matches!(rows.row(0).i64(0), Err(CellError::WrongType { column: 0, .. })));
        assert!(matches!(rows.row(0).str(0), Err(CellError::WrongType { column: 0, .. })));
        assert!(matches!(rows.row(0).i32(2), Err(CellError::NoColumn(2))));

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
