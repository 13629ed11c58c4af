//! Encoding of generated values in PostgreSQL's COPY text format: one line per row, columns
//! separated by tabs, `\N` for NULL, and backslash, tab, newline and carriage return escaped.
//! Arrays are written as array literals (`{"a","b"}`), jsonb as JSON text, vectors in
//! pgvector's text form (`[0.012345,-0.5,...]`), timestamps in UTC.

use rust_decimal::Decimal;
use std::fmt::Write as _;
use uuid::Uuid;

/// Seconds from the Unix epoch to 2025-01-01T00:00:00Z, the base of every generated time.
pub const BASE_EPOCH: i64 = 1_735_689_600;

/// One generated value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Numeric(Decimal),
    Text(String),
    Uuid(Uuid),
    /// Seconds since the Unix epoch, written as `timestamptz` in UTC.
    Timestamp(i64),
    /// Days since the Unix epoch.
    Date(i64),
    Json(serde_json::Value),
    TextArray(Vec<String>),
    UuidArray(Vec<Uuid>),
    Vector(Vec<f32>),
    /// Text written verbatim into the COPY stream after escaping (intervals, inet...).
    Raw(String),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Value::Uuid(u) => Some(*u),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) | Value::Raw(s) => Some(s),
            _ => None,
        }
    }

    /// A numeric view of the value (for check-constraint comparisons).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Numeric(d) => d.to_string().parse().ok(),
            Value::Timestamp(s) | Value::Date(s) => Some(*s as f64),
            _ => None,
        }
    }
}

/// Appends `v` to `out` in COPY text form (escaped).
pub fn encode_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("\\N"),
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => push_float(out, *f),
        Value::Numeric(d) => {
            let _ = write!(out, "{d}");
        }
        Value::Text(s) | Value::Raw(s) => escape_into(out, s),
        Value::Uuid(u) => {
            let _ = write!(out, "{}", u.hyphenated());
        }
        Value::Timestamp(secs) => push_timestamp(out, *secs),
        Value::Date(days) => push_date(out, *days),
        Value::Json(j) => escape_into(out, &j.to_string()),
        Value::TextArray(items) => {
            let mut lit = String::with_capacity(16 * items.len() + 2);
            lit.push('{');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    lit.push(',');
                }
                array_element(&mut lit, s);
            }
            lit.push('}');
            escape_into(out, &lit);
        }
        Value::UuidArray(items) => {
            out.push('{');
            for (i, u) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}", u.hyphenated());
            }
            out.push('}');
        }
        Value::Vector(v) => push_vector(out, v),
    }
}

/// Escapes text for the COPY text format.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
    }
}

/// One element of an array literal, always double-quoted (so commas, braces, blanks and
/// the word NULL are safe), with `"` and `\` backslash-escaped.
fn array_element(lit: &mut String, s: &str) {
    lit.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            lit.push('\\');
        }
        lit.push(c);
    }
    lit.push('"');
}

fn push_float(out: &mut String, f: f64) {
    if f.is_finite() {
        let _ = write!(out, "{f}");
    } else {
        out.push('0');
    }
}

/// pgvector text form with 6 decimals, formatted by hand (fast and exact).
pub fn push_vector(out: &mut String, v: &[f32]) {
    out.reserve(v.len() * 10 + 2);
    out.push('[');
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let scaled = (f64::from(*x) * 1_000_000.0).round() as i64;
        if scaled < 0 {
            out.push('-');
        }
        let a = scaled.unsigned_abs();
        let _ = write!(out, "{}.{:06}", a / 1_000_000, a % 1_000_000);
    }
    out.push(']');
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date (inverse of [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn push_date(out: &mut String, days: i64) {
    let (y, m, d) = civil_from_days(days);
    let _ = write!(out, "{y:04}-{m:02}-{d:02}");
}

fn push_timestamp(out: &mut String, secs: i64) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    push_date(out, days);
    let _ = write!(out, " {:02}:{:02}:{:02}+00", rem / 3600, (rem % 3600) / 60, rem % 60);
}

/// Builds COPY data for one table, handing out chunks of about `chunk_bytes` so that big
/// tables are streamed rather than built as one string.
pub struct CopyBuffer {
    buf: String,
    chunk_bytes: usize,
    pub rows: u64,
}

impl CopyBuffer {
    pub fn new(chunk_bytes: usize) -> Self {
        Self { buf: String::with_capacity(chunk_bytes + chunk_bytes / 4), chunk_bytes, rows: 0 }
    }

    pub fn push_row(&mut self, values: &[Value]) {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.buf.push('\t');
            }
            encode_value(&mut self.buf, v);
        }
        self.buf.push('\n');
        self.rows += 1;
    }

    pub fn is_full(&self) -> bool {
        self.buf.len() >= self.chunk_bytes
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes the buffered bytes, leaving the buffer empty.
    pub fn take(&mut self) -> Vec<u8> {
        let cap = self.chunk_bytes + self.chunk_bytes / 4;
        std::mem::replace(&mut self.buf, String::with_capacity(cap)).into_bytes()
    }
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The `COPY ... FROM STDIN` statement for `columns` of `table` in the public schema.
pub fn copy_statement(table: &str, columns: &[&str]) -> String {
    let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    format!("COPY public.{} ({}) FROM STDIN WITH (FORMAT text)", quote_ident(table), cols.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &Value) -> String {
        let mut s = String::new();
        encode_value(&mut s, v);
        s
    }

    #[test]
    fn escapes_special_characters() {
        assert_eq!(enc(&Value::Text("a\\b\tc\nd\re".into())), "a\\\\b\\tc\\nd\\re");
        assert_eq!(enc(&Value::Null), "\\N");
        assert_eq!(enc(&Value::Text("\\N".into())), "\\\\N");
        assert_eq!(enc(&Value::Bool(true)), "t");
    }

    #[test]
    fn arrays_and_json() {
        let arr = Value::TextArray(vec!["a b".into(), "x,\"y\"".into(), "back\\slash".into()]);
        // literal {"a b","x,\"y\"","back\\slash"} then COPY-escaped backslashes.
        assert_eq!(enc(&arr), "{\"a b\",\"x,\\\\\"y\\\\\"\",\"back\\\\\\\\slash\"}");
        assert_eq!(enc(&Value::TextArray(vec![])), "{}");
        let j = Value::Json(serde_json::json!({"k": "line\nbreak"}));
        // serde writes \n as the two characters '\' 'n'; COPY doubles the backslash.
        assert_eq!(enc(&j), "{\"k\":\"line\\\\nbreak\"}");
        let u = Uuid::nil();
        assert_eq!(enc(&Value::UuidArray(vec![u])), "{00000000-0000-0000-0000-000000000000}");
    }

    #[test]
    fn dates_and_vectors() {
        assert_eq!(enc(&Value::Timestamp(BASE_EPOCH)), "2025-01-01 00:00:00+00");
        assert_eq!(enc(&Value::Timestamp(BASE_EPOCH + 86_400 * 59 + 3661)), "2025-03-01 01:01:01+00");
        assert_eq!(enc(&Value::Date(0)), "1970-01-01");
        for days in [-1000, 0, 59, 60, 20_089, 20_454, 30_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        let mut s = String::new();
        push_vector(&mut s, &[0.5, -0.25, 0.000_001, -0.0]);
        assert_eq!(s, "[0.500000,-0.250000,0.000001,0.000000]");
    }

    #[test]
    fn copy_buffer_rows() {
        let mut b = CopyBuffer::new(4);
        b.push_row(&[Value::Int(1), Value::Text("x".into()), Value::Null]);
        assert!(b.is_full());
        assert_eq!(String::from_utf8(b.take()).unwrap_or_default(), "1\tx\t\\N\n");
        assert!(b.is_empty());
        assert_eq!(copy_statement("a\"b", &["id"]), "COPY public.\"a\"\"b\" (\"id\") FROM STDIN WITH (FORMAT text)");
    }
}
