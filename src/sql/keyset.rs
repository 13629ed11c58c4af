//! Keyset pagination in SQL: `ORDER BY` and the "after the cursor" predicate of an ordering.
//!
//! Every ordering ends with `id`, so it is total and pages are stable. NULL sorts as the largest
//! value (Postgres' default: `ASC NULLS LAST`, `DESC NULLS FIRST`), so reversing an ordering for
//! `last`/`before` is flipping each direction. A cursor holds the row's values of the ordering's
//! columns, signed with HMAC-SHA256 over the ordering's signature: a cursor that was altered, or
//! that belongs to another ordering or table, is rejected.

use sea_orm::Value;

use crate::catalog::Table;
use crate::sql::filter::bind_typed;
use crate::sql::sql_text::Sql;

use crate::plan::keyset::Ordering;

impl Ordering {
    /// Appends `ORDER BY …` for `alias`, reversed when paging backwards.
    pub fn order_by(&self, table: &Table, alias: &str, backward: bool, sql: &mut Sql) {
        sql.push(" ORDER BY ");
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.col(alias, &table.columns[k.column].name);
            sql.push(if k.desc == backward { " ASC" } else { " DESC" });
        }
    }

    /// Appends ` AND (<rows strictly after the cursor>)`; "after" in the reversed ordering when
    /// `backward` (that is, before the cursor).
    pub fn after(&self, table: &Table, alias: &str, cursor: &[Value], backward: bool, sql: &mut Sql) {
        if self.row_comparable(table, cursor) {
            return self.after_row(table, alias, cursor, backward, sql);
        }
        sql.push(" AND (");
        for i in 0..self.keys.len() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("(");
            for (j, value) in cursor.iter().enumerate().take(i) {
                self.equal(table, alias, j, value, sql);
                sql.push(" AND ");
            }
            let k = self.keys[i];
            let col = &table.columns[k.column];
            let desc = k.desc != backward;
            match (&cursor[i], desc) {
                (v, false) if is_null(v) => {
                    sql.push("FALSE");
                }
                (v, false) if col.nullable => {
                    sql.push("(").col(alias, &col.name).push(" > ");
                    bind_typed(sql, v.clone(), &col.kind, false);
                    sql.push(" OR ").col(alias, &col.name).push(" IS NULL)");
                }
                (v, false) => {
                    sql.col(alias, &col.name).push(" > ");
                    bind_typed(sql, v.clone(), &col.kind, false);
                }
                (v, true) if is_null(v) => {
                    sql.col(alias, &col.name).push(" IS NOT NULL");
                }
                (v, true) => {
                    sql.col(alias, &col.name).push(" < ");
                    bind_typed(sql, v.clone(), &col.kind, false);
                }
            }
            sql.push(")");
        }
        sql.push(")");
    }

    /// Whether "after the cursor" is one row comparison: every key runs the same way and neither
    /// its column nor the cursor's value can be NULL. `(name, id) > ($1, $2)` is then exactly the
    /// expanded predicate, and a btree on the ordering's columns can start the scan at the cursor
    /// (the expanded `OR` form can only be filtered).
    fn row_comparable(&self, table: &Table, cursor: &[Value]) -> bool {
        self.keys.iter().all(|k| k.desc == self.keys[0].desc && !table.columns[k.column].nullable)
            && cursor.len() == self.keys.len()
            && !cursor.iter().any(is_null)
    }

    /// ` AND ((a, b, …) > ($1, $2, …))`, or `<` when the keys run (after reversal) descending.
    fn after_row(&self, table: &Table, alias: &str, cursor: &[Value], backward: bool, sql: &mut Sql) {
        sql.push(" AND ((");
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.col(alias, &table.columns[k.column].name);
        }
        sql.push(if self.keys[0].desc == backward { ") > (" } else { ") < (" });
        for (i, (k, v)) in self.keys.iter().zip(cursor).enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            bind_typed(sql, v.clone(), &table.columns[k.column].kind, false);
        }
        sql.push("))");
    }

    fn equal(&self, table: &Table, alias: &str, i: usize, v: &Value, sql: &mut Sql) {
        let col = &table.columns[self.keys[i].column];
        if is_null(v) {
            sql.col(alias, &col.name).push(" IS NULL");
        } else {
            sql.col(alias, &col.name).push(" = ");
            bind_typed(sql, v.clone(), &col.kind, false);
        }
    }
}

fn is_null(v: &Value) -> bool {
    matches!(
        v,
        Value::String(None)
            | Value::Uuid(None)
            | Value::Int(None)
            | Value::BigInt(None)
            | Value::Double(None)
            | Value::Bool(None)
            | Value::ChronoDate(None)
            | Value::ChronoDateTimeWithTimeZone(None)
    )
}
