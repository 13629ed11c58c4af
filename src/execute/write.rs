//! Runs one mutation field ([`Write`]) in the operation's read-write transaction and writes its
//! answer: the rows the write statement returned, with their relations loaded like a query's.
//!
//! Statements per field: one write statement (the input's references are checked inside it); after
//! it, one that explains a refusal when a write by id changed nothing (so the caller learns NOT_FOUND, FORBIDDEN or CONFLICT with the current version). A
//! server error becomes the caller's error here, naming the field it concerns and never quoting the
//! database ([`constraint_error`]).

use std::sync::Arc;

use tokio_postgres::error::{DbError, SqlState};

use crate::catalog::Table;
use crate::error::{AppError, Context, ErrorCode};
use crate::execute::json_writer::JsonWriter;
use crate::execute::load::{Loader, uuid_at};
use crate::plan::mutation::{Action, Target, Write};
use crate::sql::mutation as sql;

/// Runs `w` and writes its answer (an object, or a list for the `…s` fields).
pub async fn run(loader: &Loader<'_>, out: &mut JsonWriter<'_>, w: &Write) -> Result<(), AppError> {
    let catalog = &loader.plan.catalog;
    let table = &catalog.tables[w.table];
    // New knowledge chunks with text and no embedding are embedded by the configured provider,
    // before the transaction holds a connection (without one they are stored unembedded, and
    // vector search skips them).
    let embedded;
    let w = match loader.embeddings {
        Some(provider) if needs_embedding(table, w) => {
            embedded = with_embeddings(provider, table, w.clone()).await?;
            &embedded
        }
        _ => w,
    };
    if let Action::Insert { rows, .. } = &w.action
        && rows.is_empty()
    {
        out.buf.extend_from_slice(b"[]");
        return Ok(());
    }
    let map = |db: &DbError| constraint_error(table, db);
    let mut rows = loader.session.query_mapped(sql::statement(catalog, w), &map).await?;
    let mut offset = 0;
    if let Action::Update { target: Target::Filter { at_most, .. }, .. } = &w.action {
        let first = rows.first().ok_or_else(|| AppError::internal("updating", "no count row"))?;
        let matched: i64 = first.try_get(0).context("decoding a count")?;
        let refused: i64 = first.try_get(1).context("decoding a count")?;
        if matched > *at_most as i64 {
            return Err(AppError::bad_input(format!(
                "the filter matches more than {at_most} rows (`atMost`); nothing was changed"
            )));
        }
        if refused > 0 {
            return Err(AppError::user(
                ErrorCode::Forbidden,
                format!("{refused} of the {matched} rows the filter matches are ones you may read but not change"),
            ));
        }
        let mut done = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            if uuid_at(r, 2)?.is_some() {
                done.push(i);
            }
        }
        if done.len() as i64 != matched {
            return Err(AppError::user(ErrorCode::Forbidden, "row-level security refused some of these rows"));
        }
        rows = rows.select(done);
        offset = 2;
    }
    if rows.is_empty() && !w.many {
        return Err(refusal(loader, w, table).await);
    }
    if !w.links.is_empty()
        && let Some(first) = rows.first()
    {
        let parent = uuid_at(first, offset)?.ok_or_else(|| AppError::internal("linking", "no id"))?;
        write_links(loader, w, parent).await?;
    }
    let loaded = loader.load(&w.returning, Arc::new(rows), offset).await?;
    if w.many {
        out.buf.push(b'[');
        for i in 0..loaded.rows.len() {
            if i > 0 {
                out.buf.push(b',');
            }
            out.object(&w.shape, &w.returning, &loaded, i)?;
        }
        out.buf.push(b']');
    } else {
        out.object(&w.shape, &w.returning, &loaded, 0)?;
    }
    Ok(())
}

/// The links of the written row `parent`: new targets created (one statement), then links detached
/// and attached (one statement), whatever the number of rows, before the answer is read so that it
/// shows them.
async fn write_links(loader: &Loader<'_>, w: &Write, parent: uuid::Uuid) -> Result<(), AppError> {
    let catalog = &loader.plan.catalog;
    for link in &w.links {
        let junction = &catalog.tables[link.junction];
        let on_junction = |db: &DbError| constraint_error(junction, db);
        let path = format!("{}.{}", w.argument, link.key);
        let mut created = Vec::new();
        if let Some(create) = &link.create {
            let target = &catalog.tables[create.table];
            let on_target = |db: &DbError| constraint_error(target, db);
            for row in loader.session.query_mapped(sql::statement(catalog, create), &on_target).await?.iter() {
                created.extend(uuid_at(row, 0)?);
            }
        }
        // Detach and attach are one statement (the attach waits for the detach).
        let statement = if !link.attach.is_empty() || !created.is_empty() {
            sql::attach(catalog, link, parent, &created, &path)
        } else if !link.detach.is_empty() {
            sql::detach(catalog, link, parent)
        } else {
            continue;
        };
        loader.session.query_mapped(statement, &on_junction).await?;
    }
    Ok(())
}

/// The text column a table's `embedding` is computed from.
const EMBEDDED_TEXT: &str = "content";

/// Whether `w` creates rows of a table with an `embedding` computed from its text, some of which
/// give the text and no embedding.
fn needs_embedding(table: &Table, w: &Write) -> bool {
    let (Some(text), Some(vector)) = (table.col_id(EMBEDDED_TEXT), table.col_id("embedding")) else { return false };
    if !matches!(table.columns[vector].kind, crate::catalog::ScalarKind::Vector(_)) {
        return false;
    }
    match &w.action {
        Action::Insert { columns, rows } | Action::Upsert { columns, rows, .. } => {
            let at = |c| columns.iter().position(|&k| k == c);
            rows.iter().any(|row| {
                let has_text = at(text).is_some_and(|i| matches!(&row[i], Some(sea_orm::Value::String(Some(_)))));
                let has_vector = at(vector).is_some_and(|i| matches!(&row[i], Some(sea_orm::Value::Array(_, Some(_)))));
                has_text && !has_vector
            })
        }
        _ => false,
    }
}

/// `w` with an embedding for every new row that gives text and no embedding.
async fn with_embeddings(
    provider: &crate::search::embedding_provider::EmbeddingProvider,
    table: &Table,
    mut w: Write,
) -> Result<Write, AppError> {
    let (Some(text), Some(vector)) = (table.col_id(EMBEDDED_TEXT), table.col_id("embedding")) else { return Ok(w) };
    if let Action::Insert { columns, rows } | Action::Upsert { columns, rows, .. } = &mut w.action {
        let slot = if let Some(i) = columns.iter().position(|&c| c == vector) {
            i
        } else {
            columns.push(vector);
            for r in rows.iter_mut() {
                r.push(None);
            }
            columns.len() - 1
        };
        let Some(text_slot) = columns.iter().position(|&c| c == text) else { return Ok(w) };
        for row in rows.iter_mut() {
            if let (Some(sea_orm::Value::String(Some(content))), None | Some(sea_orm::Value::Array(_, None))) =
                (&row[text_slot], &row[slot])
            {
                let values = provider.embed(content).await?;
                row[slot] = Some(sea_orm::Value::Array(
                    sea_orm::sea_query::ArrayType::Float,
                    Some(Box::new(values.into_iter().map(|x| sea_orm::Value::Float(Some(x))).collect())),
                ));
            }
        }
    }
    Ok(w)
}

/// Why a write by id changed nothing, from the row as the caller sees it.
async fn refusal(loader: &Loader<'_>, w: &Write, table: &Table) -> AppError {
    let (id, expected, restoring) = match &w.action {
        Action::Update { target: Target::Id(id), expected_version, .. } => (*id, *expected_version, false),
        Action::Delete { id, expected_version, .. } => (*id, *expected_version, false),
        Action::Restore { id } => (*id, None, true),
        Action::Upsert { conflict, .. } => {
            return AppError::user(
                ErrorCode::Conflict,
                format!(
                    "{} {} with this `{}` exists and is not one you may change",
                    article(&table.type_name),
                    table.type_name,
                    table.columns[*conflict].field
                ),
            );
        }
        _ => return AppError::internal("writing", "the write returned no row"),
    };
    let rows = match loader.query(sql::explain_by_id(&loader.plan.catalog, w, id)).await {
        Ok(rows) => rows,
        Err(e) => return e,
    };
    let not_found =
        |what: &str| AppError::user(ErrorCode::NotFound, format!("no {what}{} with id {id}", table.type_name));
    let Some(row) = rows.first() else { return not_found("") };
    let (Ok(version), Ok(writable), Ok(deleted)) =
        (row.try_get::<Option<i32>>(0), row.try_get::<bool>(1), row.try_get::<bool>(2))
    else {
        return AppError::internal("explaining a refusal", "undecodable row");
    };
    if restoring && !deleted {
        return not_found("deleted ");
    }
    if !restoring && deleted {
        return not_found("");
    }
    if !writable {
        return AppError::user(
            ErrorCode::Forbidden,
            format!("you may read {} {id} but not change it", table.type_name),
        );
    }
    if let (Some(expected), Some(current)) = (expected, version)
        && expected != current
    {
        return AppError::user(
            ErrorCode::Conflict,
            format!(
                "{} {id} is at version {current}, not {expected}: read it again and retry (nothing was changed)",
                table.type_name
            ),
        );
    }
    AppError::user(ErrorCode::Forbidden, format!("row-level security refused the change of {} {id}", table.type_name))
}

/// The SQLSTATE `registry_reference` raises for a reference to a row the caller cannot see.
const REFERENCE_HIDDEN: &str = "RG001";

/// The fields of columns a server error names (`agent_id` → `agentId`; several joined by "`, `").
fn field(table: &Table, columns: &str) -> String {
    columns
        .split("`, `")
        .map(|c| table.column(c).map_or_else(|| c.to_owned(), |col| col.field.clone()))
        .collect::<Vec<_>>()
        .join("`, `")
}

/// The column a constraint is about. PostgreSQL omits the key from the error's detail on tables with
/// row-level security, so it comes from the constraint's name: `<table>_<column>_key`, `_fkey` or
/// `_check` (docs/schema-conventions.md), else the longest column the name contains.
fn constraint_column(table: &Table, db: &DbError) -> Option<String> {
    let constraint = db.constraint()?;
    let rest = constraint.strip_prefix(&format!("{}_", table.name)).unwrap_or(constraint);
    let bare = ["_fkey", "_key", "_check", "_not_null", "_uidx", "_idx"]
        .iter()
        .find_map(|s| rest.strip_suffix(s))
        .unwrap_or(rest);
    if table.column(bare).is_some() {
        return Some(bare.to_owned());
    }
    // A key over several columns (`consultation_sessions_consultation_id_session_number_key`):
    // every column the name holds as whole words, that is not part of another one it holds.
    let words = format!("_{bare}_");
    let named: Vec<&str> =
        table.columns.iter().map(|c| c.name.as_str()).filter(|n| words.contains(&format!("_{n}_"))).collect();
    let parts: Vec<&str> = named.iter().copied().filter(|n| !named.iter().any(|m| m != n && m.contains(n))).collect();
    (!parts.is_empty()).then(|| parts.join("`, `"))
}

/// "a" or "an" before a type name.
fn article(name: &str) -> &'static str {
    if name.starts_with(['A', 'E', 'I', 'O', 'U']) { "an" } else { "a" }
}

/// A server error of a write as the caller's error: the violated rule and the field, never the
/// database's text (which could quote other rows). `None`: not the caller's doing.
pub fn constraint_error(table: &Table, db: &DbError) -> Option<AppError> {
    let code = db.code();
    let named = |what: Option<String>| what.map(|c| field(table, &c));
    Some(if code.code() == REFERENCE_HIDDEN {
        // Raised by `registry_reference` with the input's path as its message (our own text).
        AppError::bad_input(format!("`{}` names a row that does not exist or that you cannot see", db.message()))
    } else if *code == SqlState::UNIQUE_VIOLATION {
        match named(constraint_column(table, db)) {
            Some(key) => AppError::user(
                ErrorCode::Conflict,
                format!("{} {} with this `{key}` already exists", article(&table.type_name), table.type_name),
            ),
            None => AppError::user(
                ErrorCode::Conflict,
                format!("the row breaks the unique rule `{}` of `{}`", db.constraint().unwrap_or("?"), table.name),
            ),
        }
    } else if *code == SqlState::NOT_NULL_VIOLATION {
        let column = named(db.column().map(str::to_owned)).unwrap_or_else(|| "a column".to_owned());
        AppError::bad_input(format!("`{column}` is required: give it a value"))
    } else if *code == SqlState::CHECK_VIOLATION {
        let constraint = db.constraint().unwrap_or_default();
        match named(constraint_column(table, db)) {
            Some(f) => AppError::bad_input(format!("`{f}` breaks the rule `{constraint}` of `{}`", table.name)),
            None => AppError::bad_input(format!("the input breaks the rule `{constraint}` of `{}`", table.name)),
        }
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
        if db.detail().is_some_and(|d| d.contains("still referenced")) {
            AppError::user(ErrorCode::Conflict, format!("this {} is still referenced by other rows", table.type_name))
        } else {
            let column = named(constraint_column(table, db)).unwrap_or_else(|| "a reference".to_owned());
            AppError::bad_input(format!("`{column}` names a row that does not exist or that you cannot see"))
        }
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        // The server's text stays in the log: it can name policies and rows.
        tracing::info!(table = %table.name, message = db.message(), "the database refused a write");
        AppError::user(ErrorCode::Forbidden, format!("row-level security refused this write to `{}`", table.name))
    } else if *code == SqlState::STRING_DATA_RIGHT_TRUNCATION {
        AppError::bad_input(format!("a text value is longer than its column of `{}` allows", table.name))
    } else if *code == SqlState::NUMERIC_VALUE_OUT_OF_RANGE {
        AppError::bad_input(format!("a number is out of its column's range in `{}`", table.name))
    } else if [
        SqlState::INVALID_TEXT_REPRESENTATION,
        SqlState::INVALID_DATETIME_FORMAT,
        SqlState::DATETIME_FIELD_OVERFLOW,
    ]
    .contains(code)
    {
        AppError::bad_input(format!("a value does not fit its column's type in `{}`", table.name))
    } else if [SqlState::T_R_SERIALIZATION_FAILURE, SqlState::T_R_DEADLOCK_DETECTED].contains(code) {
        AppError::user(ErrorCode::Conflict, "the write met a concurrent one; retry it")
    } else {
        return None;
    })
}
