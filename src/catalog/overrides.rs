//! The naming file, `schema-names.toml` at the repository root: the deliberate exceptions to the
//! naming rules ([`super::naming`]), in one reviewed place instead of in code.
//!
//! It is embedded in the binary (`include_str!`), so the schema a binary serves never depends on
//! the directory it runs in. Every key is a name *the rules give* (a type, a field of a type or of
//! `Query`, an argument of such a field); every value is the name the schema uses instead:
//!
//! ```toml
//! [types]
//! JobToBeDone = "Jtbd"
//!
//! [fields.Agent]
//! toolsConfig = "toolConfig"
//!
//! [arguments.Agent.prompts]
//! orderBy = "sort"
//! ```
//!
//! A key the rules do not give (a typo, a table that was dropped), a value that is not a GraphQL
//! name, or a value that collides with another name is an error: [`NamingFile::apply`] returns it
//! as one line, which `serve` and `schema` print before exiting, and a test runs the same check.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::error::AppError;

use super::{Catalog, Table};

/// The naming file's text, as built into the binary.
pub const FILE: &str = include_str!("../../schema-names.toml");

/// The type name that stands for the root fields in `[fields.Query]` and `[arguments.Query.*]`.
pub const QUERY: &str = "Query";

/// The mutation root type (its fields are named by catalog/writes.rs).
pub const MUTATION: &str = "Mutation";

/// Root fields that do not come from a table (`search/`, Relay's `node`), which no table field may take.
const OTHER_ROOT_FIELDS: &[&str] = &["search", "searchKnowledge", "node", "nodes"];

/// The arguments of every list field (`graphql/arguments.rs`), and `search` on searchable tables.
const LIST_ARGUMENTS: &[&str] = &["filter", "orderBy", "first", "after", "last", "before"];
const SEARCH_ARGUMENT: &str = "search";

/// The parsed file: `[types]`, `[fields.<Type>]`, `[arguments.<Type>.<field>]`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamingFile {
    #[serde(default)]
    pub types: BTreeMap<String, String>,
    #[serde(default)]
    pub fields: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub arguments: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
}

/// Renamed arguments, by `(type, field)` as the schema names them (`Query` for root fields):
/// `(argument the plan reads, argument the schema shows)`.
pub type ArgumentNames = HashMap<(String, String), Vec<(String, String)>>;

fn error(message: impl std::fmt::Display) -> AppError {
    AppError::config(format!("schema-names.toml: {message}"))
}

/// Whether `name` may name a GraphQL type, field or argument.
fn is_graphql_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !name.starts_with("__")
}

impl NamingFile {
    /// Parses the file; a syntax error is reported with its line, on one line.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| text[..s.start.min(text.len())].lines().count().max(1));
            error(format!("line {line}: {}", e.message().trim().replace('\n', " ")))
        })
    }

    /// Renames the types, fields and arguments of `catalog` (named by the rules alone).
    pub fn apply(&self, catalog: &mut Catalog) -> Result<(), AppError> {
        // Resolve every key against the rules' names first, then rename: keys never see a new name.
        let mut types = Vec::new();
        for (from, to) in &self.types {
            let t = catalog.tables.iter().position(|t| &t.type_name == from).ok_or_else(|| {
                error(format!("[types] {from}: the rules give no such type (keys are the rules' type names)"))
            })?;
            types.push((t, checked(to, &format!("[types] {from}"))?));
        }
        let mut columns = Vec::new();
        let mut relations = Vec::new();
        let mut roots = Vec::new();
        for (ty, fields) in &self.fields {
            for (from, to) in fields {
                let to = checked(to, &format!("[fields.{ty}] {from}"))?;
                match field_of(catalog, ty, from)? {
                    Field::Column(t, c) => columns.push((t, c, to)),
                    Field::Relation(r) => relations.push((r, to)),
                    Field::RootList(t) => roots.push((t, true, to)),
                    Field::RootSingle(t) => roots.push((t, false, to)),
                }
            }
        }
        let mut arguments = Vec::new();
        for (ty, fields) in &self.arguments {
            for (field, args) in fields {
                let takes = arguments_of(catalog, ty, field)?;
                let mut renamed = Vec::new();
                for (from, to) in args {
                    if !takes.contains(&from.as_str()) {
                        return Err(error(format!(
                            "[arguments.{ty}.{field}] {from}: {ty}.{field} takes no such argument (it takes {})",
                            takes.join(", ")
                        )));
                    }
                    renamed.push((from.clone(), checked(to, &format!("[arguments.{ty}.{field}] {from}"))?));
                }
                let mut shown: Vec<&str> = takes
                    .iter()
                    .map(|a| renamed.iter().find(|(f, _)| f == a).map_or(*a, |(_, to)| to.as_str()))
                    .collect();
                shown.sort_unstable();
                if let Some(twice) = shown.windows(2).find_map(|w| (w[0] == w[1]).then_some(w[0])) {
                    return Err(error(format!("[arguments.{ty}.{field}]: two arguments would be named {twice}")));
                }
                arguments.push((ty.clone(), field.clone(), renamed));
            }
        }

        // The argument keys name types and fields by the rules; the catalog keeps them by the schema's names.
        for (t, to) in types {
            catalog.tables[t].type_name = to;
        }
        for (t, c, to) in columns {
            catalog.tables[t].columns[c].field = to;
        }
        for (r, to) in relations {
            catalog.relations[r].field = to;
        }
        for (t, list, to) in roots {
            if list {
                catalog.tables[t].list_field = to;
            } else {
                catalog.tables[t].single_field = to;
            }
        }
        catalog.arguments =
            arguments.into_iter().map(|(ty, field, renamed)| (self.schema_names_of(&ty, &field), renamed)).collect();
        check_unique(catalog)
    }
}

fn checked(name: &str, key: &str) -> Result<String, AppError> {
    if is_graphql_name(name) {
        Ok(name.to_owned())
    } else {
        Err(error(format!(
            "{key} = {name:?}: not a GraphQL name (letters, digits and `_`, not starting with a digit or `__`)"
        )))
    }
}

/// What a `[fields.<Type>]` key stands for.
enum Field {
    Column(usize, usize),
    Relation(usize),
    RootList(usize),
    RootSingle(usize),
}

fn table_of<'c>(catalog: &'c Catalog, ty: &str, section: &str) -> Result<&'c Table, AppError> {
    catalog.tables.iter().find(|t| t.type_name == ty).ok_or_else(|| {
        error(format!("[{section}.{ty}]: the rules give no such type (keys are the rules' type names, or Query)"))
    })
}

fn field_of(catalog: &Catalog, ty: &str, field: &str) -> Result<Field, AppError> {
    if ty == QUERY {
        for t in &catalog.tables {
            if t.list_field == field {
                return Ok(Field::RootList(t.id));
            }
            if t.single_field == field {
                return Ok(Field::RootSingle(t.id));
            }
        }
        return Err(error(format!(
            "[fields.Query] {field}: the rules give no such root field (the tables' list and single fields may be renamed)"
        )));
    }
    let t = table_of(catalog, ty, "fields")?;
    if let Some(c) = t.columns.iter().position(|c| c.field == field) {
        return Ok(Field::Column(t.id, c));
    }
    if let Some(r) = catalog.relation(t, field) {
        return Ok(Field::Relation(r.id));
    }
    Err(error(format!("[fields.{ty}] {field}: the rules give {ty} no such field")))
}

/// The arguments a field takes, for `[arguments.<Type>.<field>]`: list fields (root or relation)
/// take the list arguments, single root fields `id`.
fn arguments_of(catalog: &Catalog, ty: &str, field: &str) -> Result<Vec<&'static str>, AppError> {
    let list = |target: &Table| {
        let mut args = LIST_ARGUMENTS.to_vec();
        if target.searchable {
            args.push(SEARCH_ARGUMENT);
        }
        args
    };
    match field_of(catalog, ty, field).map_err(|_| {
        error(format!("[arguments.{ty}.{field}]: the rules give no such field (keys are the rules' names)"))
    })? {
        Field::RootList(t) => Ok(list(&catalog.tables[t])),
        Field::RootSingle(_) => Ok(vec!["id"]),
        Field::Relation(r) if catalog.relations[r].is_list() => Ok(list(&catalog.tables[catalog.relations[r].target])),
        Field::Relation(_) | Field::Column(..) => {
            Err(error(format!("[arguments.{ty}.{field}]: {ty}.{field} takes no arguments")))
        }
    }
}

impl NamingFile {
    /// The schema's `(type, field)` for the rules' `(ty, field)`, after the file's renames.
    fn schema_names_of(&self, ty: &str, field: &str) -> (String, String) {
        let ty_now = self.types.get(ty).cloned().unwrap_or_else(|| ty.to_owned());
        let field_now = self.fields.get(ty).and_then(|f| f.get(field)).cloned().unwrap_or_else(|| field.to_owned());
        (ty_now, field_now)
    }
}

/// No two types, no two fields of a type and no two root fields share a name.
fn check_unique(catalog: &Catalog) -> Result<(), AppError> {
    let mut types: HashMap<&str, &str> = HashMap::new();
    for t in &catalog.tables {
        if let Some(other) = types.insert(&t.type_name, &t.name) {
            return Err(error(format!("type {} would name both `{other}` and `{}`", t.type_name, t.name)));
        }
    }
    let mut roots: HashMap<String, &str> = OTHER_ROOT_FIELDS.iter().map(|f| ((*f).to_owned(), "search")).collect();
    for t in &catalog.tables {
        let keys = t.natural_keys().map(|k| super::names::key_field(t, k));
        for f in [t.list_field.clone(), t.single_field.clone()].into_iter().chain(keys) {
            if let Some(other) = roots.insert(f.clone(), &t.name) {
                return Err(error(format!("root field Query.{f} would belong to both `{other}` and `{}`", t.name)));
            }
        }
    }
    for t in &catalog.tables {
        let mut seen: HashSet<&str> = HashSet::new();
        let names = t.columns.iter().map(|c| c.field.as_str());
        let names = names.chain(t.relations.iter().map(|&r| catalog.relations[r].field.as_str()));
        for n in names {
            if !seen.insert(n) {
                return Err(error(format!("{}.{n} would name two fields", t.type_name)));
            }
        }
    }
    Ok(())
}
