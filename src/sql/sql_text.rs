//! A tiny SQL text builder: identifiers come from the catalog and are quoted; values are always
//! bound parameters (`$1`, `$2`…), never formatted into the text.

use sea_orm::{DbBackend, Statement, Value};

#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Value>,
    /// Run with a generic plan (see `execute::session`): for statements whose best plan does not
    /// depend on their parameters' values.
    pub generic_plan: bool,
    /// Transaction-local settings the statement needs (`hnsw.ef_search` of a vector search); set in
    /// the round trip that opens the transaction when the statement is the first.
    pub settings: Vec<(&'static str, String)>,
    /// The most rows the statement can return, when its page sizes bound them (0: unknown). The
    /// rows' buffers are sized from it (`execute::packed_rows`).
    pub max_rows: usize,
    /// The parameter (an index into `params`, a `real` array) sent as pgvector's binary `vector`
    /// rather than as a `real[]` (`execute::bind`).
    pub vector_param: Option<usize>,
}

impl Sql {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a quoted identifier.
    pub fn ident(&mut self, name: &str) -> &mut Self {
        self.text.push('"');
        self.text.push_str(&name.replace('"', "\"\""));
        self.text.push('"');
        self
    }

    /// Appends `alias."column"`.
    pub fn col(&mut self, alias: &str, column: &str) -> &mut Self {
        self.text.push_str(alias);
        self.text.push('.');
        self.ident(column)
    }

    /// Binds `value` and appends its placeholder.
    pub fn param(&mut self, value: Value) -> &mut Self {
        self.params.push(value);
        self.text.push('$');
        self.text.push_str(&self.params.len().to_string());
        self
    }

    pub fn into_statement(self) -> Statement {
        Statement::from_sql_and_values(DbBackend::Postgres, self.text, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_bound_never_inlined() {
        let mut sql = Sql::new();
        sql.push("SELECT ").col("t", "name").push(" FROM ").ident("agents").push(" t WHERE ");
        sql.col("t", "name").push(" = ").param(Value::from("x'; DROP TABLE agents; --"));
        assert_eq!(sql.text, r#"SELECT t."name" FROM "agents" t WHERE t."name" = $1"#);
        assert_eq!(sql.params.len(), 1);
        let mut q = Sql::new();
        q.ident(r#"we"ird"#);
        assert_eq!(q.text, r#""we""ird""#);
    }
}
