//! The database's own layer of the write rule (migration 22) against a real seeded database:
//! statements run as `registry_writer` with the per-transaction settings the gateway sets
//! (docs/write-access.md), without the gateway, whose mutations are built on top of this layer and
//! must not be needed for it to hold ("two layers, each enough alone").
//!
//! Generated over the catalogue, not written per table:
//! - every table's class in `entity::write_access` matches the grants, policies and trigger the
//!   migrated database carries;
//! - every writable table goes through update → delete → re-insert (and a version bump where it is
//!   versioned) by a caller its class admits, each write leaving exactly one audit row for the row
//!   written, with the right before and after, and versioned assets one snapshot per version;
//! - every Never table refuses every write, from the most privileged caller;
//! - every Curator, Member and PlatformAdmin table refuses the callers and rows its class excludes:
//!   another tenant's rows, rows seen only because they are public or shared, the shared registry,
//!   rows inserted for another tenant or moved to it, a plain member writing registry assets, and
//!   a session that set nothing. A refused INSERT (or an UPDATE that would move a row out of reach)
//!   fails with SQLSTATE 42501; a refused UPDATE or DELETE matches no row; either way the table is
//!   unchanged.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use entity::tenancy::Tenancy;
use entity::write_access::{self, WriteClass};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, EntityName, RuntimeErr, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PLATFORM_TENANT, TestDb, empty_database, seeded_database};

/// Acme Pharmaceuticals (003's enterprise client): two tenants below it.
const A: &str = "22222222-2222-2222-2222-222222222222";
/// Parexa, Acme's partner: a tenant in A's subtree.
const A_CHILD: &str = "33333333-3333-3333-3333-333333333333";
/// insufficient_privilege: a missing grant, or a row-level security WITH CHECK failing.
const REFUSED: &str = "42501";

/// One table of the catalogue with the facts the tests need.
struct Table {
    name: String,
    tenancy: Tenancy,
    class: WriteClass,
    columns: Vec<String>,
    /// An integer `version` column: a versioned asset when writable.
    versioned: bool,
    /// Vector columns, whose values the audit trail never stores.
    vectors: Vec<String>,
}

impl Table {
    fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }
}

macro_rules! classes {
    ($($module:ident),* $(,)?) => {
        vec![$((
            entity::$module::Entity.table_name().to_owned(),
            entity::tenancy::of_entity::<entity::$module::Entity>(),
            write_access::of_entity::<entity::$module::Entity>(),
        )),*]
    };
}

/// Every table of the catalogue, with its classes from `entity` and its columns from the database.
async fn catalogue(db: &TestDb) -> Vec<Table> {
    let mut columns: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for r in db
        .query_strings(
            "SELECT table_name::text, column_name::text, data_type::text, udt_name::text FROM information_schema.columns
             WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        )
        .await
    {
        columns.entry(r[0].clone()).or_default().push((r[1].clone(), r[2].clone(), r[3].clone()));
    }
    let classes: Vec<(String, Tenancy, WriteClass)> = entity::for_each_entity!(classes);
    assert_eq!(classes.len(), entity::TABLE_COUNT);
    classes
        .into_iter()
        .map(|(name, tenancy, class)| {
            let cols = columns.get(&name).unwrap_or_else(|| panic!("no table {name}"));
            Table {
                tenancy,
                class,
                columns: cols.iter().map(|c| c.0.clone()).collect(),
                versioned: cols.iter().any(|c| c.0 == "version" && c.1 == "integer"),
                vectors: cols
                    .iter()
                    .filter(|c| ["vector", "halfvec", "sparsevec"].contains(&c.2.as_str()))
                    .map(|c| c.0.clone())
                    .collect(),
                name,
            }
        })
        .collect()
}

fn list(ids: &[String]) -> String {
    ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(",")
}

/// A SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

async fn subtree(db: &TestDb, root: &str) -> Vec<String> {
    db.query_strings(&format!(
        "WITH RECURSIVE s(id) AS (SELECT '{root}'::uuid UNION ALL SELECT t.id FROM tenants t JOIN s ON t.parent_tenant_id = s.id)
         SELECT id::text FROM s ORDER BY 1"
    ))
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

/// An enterprise tenant outside A's subtree, and its subtree.
async fn tenant_b(db: &TestDb) -> (String, Vec<String>) {
    let a_tree = subtree(db, A).await;
    let b = db
        .scalar(&format!(
            "SELECT id::text FROM tenants WHERE tenant_level = 'enterprise_client' AND deleted_at IS NULL
             AND id NOT IN ({}) ORDER BY name LIMIT 1",
            list(&a_tree)
        ))
        .await;
    let b_tree = subtree(db, &b).await;
    assert!(!b_tree.iter().any(|t| a_tree.contains(t)), "A and B must not share a subtree");
    (b, b_tree)
}

/// What the gateway sets for one caller (docs/write-access.md), and who it is.
#[derive(Clone, Debug)]
struct Caller {
    tenant: String,
    visible: Vec<String>,
    private: Vec<String>,
    curator: Vec<String>,
    member: Option<String>,
    platform_admin: bool,
    user_id: Option<String>,
    api_key_id: Option<String>,
}

impl Caller {
    /// The settings for a caller acting for `tenant` with tenant role `role`, computed as the
    /// gateway is told to: visible and curator tenants are the subtree (every tenant for the
    /// platform tenant), the roles come from `entity::write_access`.
    async fn new(db: &TestDb, tenant: &str, role: &str) -> Self {
        let is_platform =
            db.scalar(&format!("SELECT (tenant_level = 'platform')::text FROM tenants WHERE id = '{tenant}'")).await
                == "true";
        let tree = if is_platform {
            db.query_strings("SELECT id::text FROM tenants ORDER BY 1")
                .await
                .into_iter()
                .map(|r| r[0].clone())
                .collect()
        } else {
            subtree(db, tenant).await
        };
        let member = write_access::MEMBER_ROLES.contains(&role);
        let user_id = db
            .query_strings(&format!(
                "SELECT id::text FROM user_profiles WHERE tenant_id = '{tenant}' ORDER BY id LIMIT 1"
            ))
            .await
            .first()
            .map(|r| r[0].clone());
        Caller {
            tenant: tenant.to_owned(),
            visible: tree.clone(),
            private: if member { vec![tenant.to_owned()] } else { Vec::new() },
            curator: if write_access::CURATOR_ROLES.contains(&role) { tree } else { Vec::new() },
            member: member.then(|| tenant.to_owned()),
            platform_admin: is_platform && write_access::PLATFORM_ADMIN_ROLES.contains(&role),
            user_id,
            api_key_id: None,
        }
    }

    /// A session as registry_writer that set none of the settings.
    fn nobody() -> Self {
        Caller {
            tenant: String::new(),
            visible: Vec::new(),
            private: Vec::new(),
            curator: Vec::new(),
            member: None,
            platform_admin: false,
            user_id: None,
            api_key_id: None,
        }
    }

    /// The statement switching to the writer role with this caller's settings, local to the
    /// transaction, as the gateway runs it.
    fn settings_sql(&self, request_id: &str) -> String {
        let settings = [
            ("app.current_tenant_id", self.tenant.clone()),
            ("app.visible_tenant_ids", self.visible.join(",")),
            ("app.private_tenant_ids", self.private.join(",")),
            (write_access::SETTING_CURATOR_TENANT_IDS, self.curator.join(",")),
            (write_access::SETTING_MEMBER_TENANT_ID, self.member.clone().unwrap_or_default()),
            (write_access::SETTING_PLATFORM_ADMIN, if self.platform_admin { "on".into() } else { String::new() }),
            (write_access::SETTING_USER_ID, self.user_id.clone().unwrap_or_default()),
            (write_access::SETTING_API_KEY_ID, self.api_key_id.clone().unwrap_or_default()),
            (write_access::SETTING_REQUEST_ID, request_id.to_owned()),
        ];
        let mut sql = format!("SELECT set_config('role', '{}', true)", write_access::WRITER_ROLE);
        for (name, value) in settings {
            write!(sql, ", set_config('{name}', {}, true)", lit(&value)).unwrap();
        }
        sql
    }
}

/// The SQLSTATE and message of a database error.
fn sqlstate(err: &DbErr) -> (String, String) {
    if let DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) = err
        && let sea_orm::sqlx::Error::Database(db) = e.as_ref()
    {
        return (db.code().map(std::borrow::Cow::into_owned).unwrap_or_default(), db.message().to_owned());
    }
    (String::new(), err.to_string())
}

/// One transaction on one connection of a test database, rolled back at the end of each test so
/// that the tables stay as seeded for the next case.
struct Tx(DatabaseTransaction);

/// What one write as a caller did: rows affected, or the SQLSTATE and message it failed with.
type Outcome = Result<u64, (String, String)>;

impl Tx {
    async fn begin(db: &TestDb) -> Self {
        Tx(db.conn.begin().await.expect("begin"))
    }

    async fn exec(&self, sql: &str) {
        self.0.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
    }

    /// Every column of every row as text (`sql` must select text values), as the session user.
    async fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        crate::helpers::query_strings(&self.0, sql).await
    }

    async fn scalar(&self, sql: &str) -> String {
        self.rows(sql).await.first().and_then(|r| r.first()).cloned().unwrap_or_else(|| panic!("no row from {sql}"))
    }

    /// Runs `sql` as `caller` in a savepoint (rolled back when it fails) and switches back to the
    /// session user. Returns the outcome and the request id its audit rows carry.
    async fn write(&self, caller: &Caller, sql: &str) -> (Outcome, String) {
        let request = Uuid::new_v4().to_string();
        self.exec("SAVEPOINT attempt").await;
        self.exec(&caller.settings_sql(&request)).await;
        let outcome = match self.0.execute_unprepared(sql).await {
            Ok(done) => {
                self.exec("RELEASE SAVEPOINT attempt").await;
                Ok(done.rows_affected())
            }
            Err(e) => {
                self.exec("ROLLBACK TO SAVEPOINT attempt").await;
                Err(sqlstate(&e))
            }
        };
        self.exec("RESET ROLE").await;
        (outcome, request)
    }

    /// How many rows of `table` `caller` sees with `where_`.
    async fn visible(&self, caller: &Caller, table: &str, where_: &str) -> i64 {
        self.exec("SAVEPOINT look").await;
        self.exec(&caller.settings_sql("")).await;
        let n = self.scalar(&format!("SELECT count(*)::text FROM \"{table}\" WHERE {where_}")).await;
        self.exec("ROLLBACK TO SAVEPOINT look").await;
        self.exec("RESET ROLE").await;
        n.parse().unwrap()
    }

    /// The row of `table` with id `id` as JSON (all columns), or `Value::Null`.
    async fn row(&self, table: &str, id: &str) -> Value {
        let text = self
            .rows(&format!("SELECT to_jsonb(x)::text FROM \"{table}\" x WHERE x.id = '{id}'"))
            .await
            .first()
            .map(|r| r[0].clone());
        text.map_or(Value::Null, |t| serde_json::from_str(&t).unwrap())
    }

    /// A digest of every row of `table`, to show that a refused write changed nothing (vector
    /// columns aside: 1536 floats a row would make it slow, and no refused write changes only them).
    async fn digest(&self, table: &Table) -> String {
        let vectors = format!("'{{{}}}'::text[]", table.vectors.join(","));
        self.scalar(&format!(
            "SELECT coalesce(md5(string_agg((to_jsonb(x) - {vectors})::text, '|' ORDER BY x.id)), '') FROM \"{}\" x",
            table.name
        ))
        .await
    }

    /// The snapshots of row `id` of `table` in entity_versions: (version, data), by version.
    async fn versions(&self, table: &str, id: &str) -> Vec<(i64, Value)> {
        self.rows(&format!(
            "SELECT version::text, data::text FROM entity_versions WHERE entity_type = '{table}' AND entity_id = '{id}' ORDER BY version"
        ))
        .await
        .into_iter()
        .map(|r| (r[0].parse().unwrap(), serde_json::from_str(&r[1]).unwrap()))
        .collect()
    }

    /// The audit rows written by the request `request`, for `table` and row `id`.
    async fn audit(&self, request: &str, table: &str, id: &str) -> Vec<Audit> {
        self.rows(&format!(
            "SELECT coalesce(tenant_id::text, ''), actor_type, coalesce(actor_user_id::text, ''),
                    coalesce(actor_api_key_id::text, ''), action, coalesce(old_values::text, 'null'),
                    coalesce(new_values::text, 'null'), array_to_json(changed_fields)::text, details::text
             FROM audit_log WHERE request_id = '{request}' AND resource_type = '{table}' AND resource_id = '{id}'
             ORDER BY created_at, id"
        ))
        .await
        .into_iter()
        .map(|r| Audit {
            tenant_id: r[0].clone(),
            actor_type: r[1].clone(),
            actor_user_id: r[2].clone(),
            actor_api_key_id: r[3].clone(),
            action: r[4].clone(),
            old_values: serde_json::from_str(&r[5]).unwrap(),
            new_values: serde_json::from_str(&r[6]).unwrap(),
            changed_fields: serde_json::from_str(&r[7]).unwrap(),
            details: serde_json::from_str(&r[8]).unwrap(),
        })
        .collect()
    }

    async fn rollback(self) {
        self.0.rollback().await.expect("rollback");
    }
}

/// One `audit_log` row.
#[derive(Debug)]
struct Audit {
    tenant_id: String,
    actor_type: String,
    actor_user_id: String,
    actor_api_key_id: String,
    action: String,
    old_values: Value,
    new_values: Value,
    changed_fields: Vec<String>,
    details: Value,
}

/// `row` without the columns the trail never stores.
fn stored(row: &Value, table: &Table) -> Value {
    let mut row = row.clone();
    if let Value::Object(o) = &mut row {
        for v in &table.vectors {
            o.remove(v);
        }
    }
    row
}

/// The columns an insert or delete of `row` changes: those not NULL, sorted.
fn non_null_columns(row: &Value) -> Vec<String> {
    let mut keys: Vec<String> =
        row.as_object().unwrap().iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k.clone()).collect();
    keys.sort();
    keys
}

/// The only audit row of one write, checked for who, whom and what.
fn one_audit(rows: Vec<Audit>, what: &str, caller: &Caller, row_tenant: &Value, action: &str) -> Audit {
    assert_eq!(rows.len(), 1, "{what}: expected exactly one audit row, found {rows:#?}");
    let a = rows.into_iter().next().unwrap();
    assert_eq!(a.action, action, "{what}");
    assert_eq!(
        a.tenant_id,
        row_tenant.as_str().unwrap_or_default(),
        "{what}: the audit row belongs to the row's tenant"
    );
    assert_eq!(a.actor_type, "user", "{what}");
    assert_eq!(Some(&a.actor_user_id), caller.user_id.as_ref(), "{what}: actor");
    assert_eq!(a.details["sub"], json!(caller.user_id), "{what}");
    assert_eq!(a.details["acting_tenant_id"], json!(caller.tenant), "{what}");
    assert_eq!(a.details["db_role"], json!(write_access::WRITER_ROLE), "{what}");
    a
}

/// A row `caller` may write in every writable table, chosen or made once per database: for a
/// curator of A a row of A's subtree (a row of the shared registry moved there where A has none),
/// for a member of A a row of A, for a platform admin any row.
async fn writable_rows(db: &TestDb, tables: &[Table], a_tree: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for t in tables {
        let pick = |where_: &str| format!("SELECT id::text FROM \"{}\" WHERE {where_} ORDER BY id LIMIT 1", t.name);
        let found = match t.class {
            WriteClass::Never => continue,
            WriteClass::PlatformAdmin => db.query_strings(&pick("true")).await,
            WriteClass::Member => db.query_strings(&pick(&format!("tenant_id = '{A}'"))).await,
            WriteClass::Curator => {
                let mine = db.query_strings(&pick(&format!("tenant_id IN ({})", list(a_tree)))).await;
                if mine.is_empty() {
                    // A shared-registry row references only shared rows, all visible to A.
                    let mut set = format!("tenant_id = '{A}'");
                    if t.has("owner_tenant_id") {
                        write!(set, ", owner_tenant_id = '{A}'").unwrap();
                    }
                    if t.has("is_public") {
                        set.push_str(", is_public = false");
                    }
                    db.query_strings(&format!(
                        "UPDATE \"{n}\" SET {set} WHERE id = (SELECT id FROM \"{n}\" WHERE tenant_id IS NULL ORDER BY id LIMIT 1) RETURNING id::text",
                        n = t.name
                    ))
                    .await
                } else {
                    mine
                }
            }
        };
        let id = found.first().map_or_else(|| panic!("no row to write in {}", t.name), |r| r[0].clone());
        out.insert(t.name.clone(), id);
    }
    out
}

/// `entity::write_access` and the migrated database agree on every table: Never tables have no
/// write privilege, policy or trigger; every other table has the three restrictive write policies
/// of its class for registry_writer, row-level security on, write privileges, and the audit
/// trigger with its versioned flag and the vector columns it must not store.
#[tokio::test]
async fn write_classes_match_the_migrated_database() {
    let db = empty_database().await;
    registry_gateway::database::migrate_up(&db.conn).await.expect("migrate");
    let tables = catalogue(&db).await;

    let mut policies: BTreeMap<(String, String), (String, String, String, String)> = BTreeMap::new();
    for r in db
        .query_strings(
            "SELECT tablename::text, policyname::text, permissive::text, array_to_string(roles, ','),
                    coalesce(qual, ''), coalesce(with_check, '')
             FROM pg_policies WHERE schemaname = 'public' AND policyname LIKE 'write\\_%'",
        )
        .await
    {
        policies.insert((r[0].clone(), r[1].clone()), (r[2].clone(), r[3].clone(), r[4].clone(), r[5].clone()));
    }
    let triggers: BTreeMap<String, String> = db
        .query_strings(
            "SELECT c.relname::text, encode(tg.tgargs, 'escape') FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
             WHERE tg.tgname = 'audit_write' AND NOT tg.tgisinternal",
        )
        .await
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();

    let mut problems = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for t in &tables {
        *counts.entry(format!("{:?}", t.class)).or_default() += 1;
        let privilege = |p: &str| {
            format!("SELECT has_table_privilege('{}', '\"{}\"', '{p}')::text", write_access::WRITER_ROLE, t.name)
        };
        let mut granted = Vec::new();
        for p in ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"] {
            if db.scalar(&privilege(p)).await == "true" {
                granted.push(p);
            }
        }
        let rls = db
            .scalar(&format!("SELECT relrowsecurity::text FROM pg_class WHERE oid = '\"{}\"'::regclass", t.name))
            .await;
        let has_policy = |p: &str| policies.contains_key(&(t.name.clone(), p.to_owned()));
        if t.class == WriteClass::Never {
            if granted != ["SELECT"] {
                problems.push(format!("{}: Never, but registry_writer holds {granted:?}", t.name));
            }
            if ["write_insert", "write_update", "write_delete"].iter().any(|p| has_policy(p)) {
                problems.push(format!("{}: Never, but has write policies", t.name));
            }
            if triggers.contains_key(&t.name) {
                problems.push(format!("{}: Never, but has the audit trigger", t.name));
            }
            continue;
        }
        if granted != ["SELECT", "INSERT", "UPDATE", "DELETE"] {
            problems.push(format!("{}: {:?}, but registry_writer holds {granted:?}", t.name, t.class));
        }
        if rls != "true" {
            problems.push(format!("{}: writable without row-level security", t.name));
        }
        // The class the policies enforce, read back from their text: the database is the authority.
        let mut enforced = Vec::new();
        for p in ["write_insert", "write_update", "write_delete"] {
            let Some((permissive, roles, qual, check)) = policies.get(&(t.name.clone(), p.to_owned())) else {
                problems.push(format!("{}: no {p} policy", t.name));
                continue;
            };
            if permissive != "RESTRICTIVE" || roles != write_access::WRITER_ROLE {
                problems.push(format!("{}.{p}: {permissive} to {roles}", t.name));
            }
            let text = format!("{qual} {check}");
            enforced.push(if text.contains("app_member_tenant_id") {
                WriteClass::Member
            } else if text.contains("app_curator_tenant_ids") {
                WriteClass::Curator
            } else if text.contains("app_platform_admin") {
                WriteClass::PlatformAdmin
            } else {
                WriteClass::Never
            });
        }
        if enforced.iter().any(|c| *c != t.class) {
            problems.push(format!(
                "{}: entity::write_access says {:?}, the policies enforce {enforced:?}",
                t.name, t.class
            ));
        }
        let mut args = vec![if t.versioned { "versioned" } else { "unversioned" }.to_owned()];
        args.extend(t.vectors.iter().cloned());
        let expected_args = args.join("\\000") + "\\000";
        match triggers.get(&t.name) {
            None => problems.push(format!("{}: writable without the audit trigger", t.name)),
            Some(found) if *found != expected_args => {
                problems.push(format!("{}: audit trigger arguments {found:?}, expected {expected_args:?}", t.name));
            }
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "write classes and the database disagree:\n{}", problems.join("\n"));

    // The rule's shape, as docs/write-access.md states it.
    for t in &tables {
        match t.tenancy {
            Tenancy::Global => assert_eq!(t.class, WriteClass::PlatformAdmin, "{}", t.name),
            Tenancy::Registry | Tenancy::Child => assert_eq!(t.class, WriteClass::Curator, "{}", t.name),
            Tenancy::Tenants => assert_eq!(t.class, WriteClass::Never, "{}", t.name),
            Tenancy::Private => {}
        }
    }
    eprintln!("write classes: {counts:?}");
}

/// Every writable table, by a caller its class admits: an update, a delete and a re-insert of the
/// deleted row (and a version bump for versioned assets) each succeed on exactly the row and leave
/// exactly one audit row for it, with the caller, the row's tenant, and the changed columns before
/// and after; versioned assets get one `entity_versions` snapshot per version.
#[tokio::test]
async fn every_writable_table_round_trips_with_one_audit_row_per_write() {
    let db = seeded_database().await;
    let tables = catalogue(&db).await;
    let a_tree = subtree(&db, A).await;
    let rows = writable_rows(&db, &tables, &a_tree).await;
    let curator = Caller::new(&db, A, "manager").await;
    let member = Caller::new(&db, A, "member").await;
    let platform = Caller::new(&db, PLATFORM_TENANT, "owner").await;
    assert!(curator.user_id.is_some() && member.user_id.is_some() && platform.user_id.is_some());

    for t in tables.iter().filter(|t| t.class != WriteClass::Never) {
        let caller = match t.class {
            WriteClass::Curator => &curator,
            WriteClass::Member => &member,
            _ => &platform,
        };
        let id = &rows[&t.name];
        let n = &t.name;
        let tx = Tx::begin(&db).await;

        // Update one column every table has (the catalogue's convention: created_at everywhere).
        assert!(t.has("created_at"), "{n} has no created_at");
        let before = tx.row(n, id).await;
        let (done, req) = tx
            .write(
                caller,
                &format!("UPDATE \"{n}\" SET created_at = created_at - interval '1 second' WHERE id = '{id}'"),
            )
            .await;
        assert_eq!(done, Ok(1), "{n}: update by {:?}", t.class);
        let after = tx.row(n, id).await;
        let a = one_audit(tx.audit(&req, n, id).await, &format!("{n} update"), caller, &after["tenant_id"], "update");
        assert_eq!(a.changed_fields, ["created_at"], "{n}");
        assert_eq!(a.old_values, json!({ "created_at": before["created_at"] }), "{n}");
        assert_eq!(a.new_values, json!({ "created_at": after["created_at"] }), "{n}");

        // Delete: the whole row before, nothing after.
        let (done, req) = tx.write(caller, &format!("DELETE FROM \"{n}\" WHERE id = '{id}'")).await;
        assert_eq!(done, Ok(1), "{n}: delete");
        assert_eq!(tx.row(n, id).await, Value::Null, "{n}: deleted");
        let a = one_audit(tx.audit(&req, n, id).await, &format!("{n} delete"), caller, &after["tenant_id"], "delete");
        assert_eq!(a.old_values, stored(&after, t), "{n}: the deleted row");
        assert_eq!(a.new_values, Value::Null, "{n}");
        assert_eq!(a.changed_fields, non_null_columns(&after), "{n}");

        // Re-insert it from its audit row: the whole row after, nothing before.
        let deleted = a.old_values.to_string();
        let (done, req) = tx
            .write(
                caller,
                &format!("INSERT INTO \"{n}\" SELECT * FROM jsonb_populate_record(NULL::\"{n}\", {})", lit(&deleted)),
            )
            .await;
        assert_eq!(done, Ok(1), "{n}: re-insert");
        let inserted = tx.row(n, id).await;
        let a =
            one_audit(tx.audit(&req, n, id).await, &format!("{n} insert"), caller, &inserted["tenant_id"], "create");
        assert_eq!(a.old_values, Value::Null, "{n}");
        assert_eq!(a.new_values, stored(&inserted, t), "{n}: the inserted row");
        assert_eq!(a.new_values, stored(&after, t), "{n}: the row came back as it was (vectors aside)");
        assert_eq!(a.changed_fields, non_null_columns(&inserted), "{n}");

        if t.versioned {
            // The insert recorded its version; a bump records the next one.
            let v = inserted["version"].as_i64().unwrap();
            let (done, req) =
                tx.write(caller, &format!("UPDATE \"{n}\" SET version = version + 1 WHERE id = '{id}'")).await;
            assert_eq!(done, Ok(1), "{n}: version bump");
            let bumped = tx.row(n, id).await;
            let a =
                one_audit(tx.audit(&req, n, id).await, &format!("{n} bump"), caller, &bumped["tenant_id"], "update");
            assert_eq!(a.changed_fields, ["version"], "{n}");
            assert_eq!(
                tx.versions(n, id).await,
                [(v, stored(&inserted, t)), (v + 1, stored(&bumped, t))],
                "{n}: one snapshot per version"
            );
        } else {
            assert!(tx.versions(n, id).await.is_empty(), "{n}: not versioned, yet snapshotted");
        }
        tx.rollback().await;
    }
}

/// Every Never table refuses INSERT, UPDATE and DELETE for lack of privilege, even from a platform
/// owner whose every setting is on: nobody writes them as registry_writer.
#[tokio::test]
async fn never_tables_refuse_every_write() {
    let db = seeded_database().await;
    let tables = catalogue(&db).await;
    let mut everything = Caller::new(&db, PLATFORM_TENANT, "owner").await;
    everything.private.clone_from(&everything.visible);
    let never: Vec<&Table> = tables.iter().filter(|t| t.class == WriteClass::Never).collect();
    assert!(never.iter().any(|t| t.name == "audit_log") && never.iter().any(|t| t.name == "tenants"));
    let tx = Tx::begin(&db).await;
    for t in never {
        let n = &t.name;
        let digest = tx.digest(t).await;
        for sql in [
            format!("INSERT INTO \"{n}\" DEFAULT VALUES"),
            format!("UPDATE \"{n}\" SET id = id"),
            format!("DELETE FROM \"{n}\""),
        ] {
            let (done, _) = tx.write(&everything, &sql).await;
            assert_eq!(done.map_err(|e| e.0), Err(REFUSED.to_owned()), "{sql}");
        }
        assert_eq!(tx.digest(t).await, digest, "{n} changed");
    }
    tx.rollback().await;
}

/// A copy of row `id` of `table` with a new id and `changes`, inserted as whoever runs it (the
/// copy is read under the caller's own visibility).
fn insert_copy(table: &str, id: &str, changes: &str) -> String {
    format!(
        "INSERT INTO \"{table}\" SELECT * FROM jsonb_populate_record(NULL::\"{table}\",
           (SELECT to_jsonb(x) || jsonb_build_object('id', gen_random_uuid()) || {changes} FROM \"{table}\" x WHERE x.id = '{id}'))"
    )
}

/// Asserts `sql` as `caller` fails with 42501 and leaves `table` as it was.
async fn refused(tx: &Tx, caller: &Caller, table: &Table, sql: &str, what: &str) {
    let digest = tx.digest(table).await;
    let (done, _) = tx.write(caller, sql).await;
    assert_eq!(done.map_err(|e| e.0), Err(REFUSED.to_owned()), "{}: {what}\n{sql}", table.name);
    assert_eq!(tx.digest(table).await, digest, "{}: {what} changed the table", table.name);
}

/// Asserts UPDATE and DELETE of the rows `where_` of `table` as `caller` match nothing, and that
/// `caller` sees `seen` of them (so that a row it sees is shown read-only, not merely invisible).
async fn untouchable(tx: &Tx, caller: &Caller, table: &Table, where_: &str, seen: bool, what: &str) {
    let n = &table.name;
    let visible = tx.visible(caller, n, where_).await;
    assert_eq!(visible > 0, seen, "{n}: {what}: visible rows {visible}");
    let digest = tx.digest(table).await;
    for sql in [
        format!("UPDATE \"{n}\" SET created_at = created_at - interval '1 second' WHERE {where_}"),
        format!("DELETE FROM \"{n}\" WHERE {where_}"),
    ] {
        let (done, _) = tx.write(caller, &sql).await;
        assert_eq!(done, Ok(0), "{n}: {what}\n{sql}");
    }
    assert_eq!(tx.digest(table).await, digest, "{n}: {what} changed the table");
}

/// Gives B, for every registry asset table, a public row and a row shared to A (besides its
/// private rows), and makes sure every Curator table has a row of B and a shared-registry row.
/// Returns per table: (a row of B, B's public row, B's row shared to A, a NULL-tenant row).
async fn prepare_other_tenants_rows(
    db: &TestDb,
    tables: &[Table],
    a_tree: &[String],
    b: &str,
    b_tree: &[String],
) -> BTreeMap<String, (String, Option<String>, Option<String>, String)> {
    // Nothing is shared to A but what is shared here.
    db.query_strings(&format!(
        "DELETE FROM asset_sharing WHERE '{A}' = ANY (shared_with_tenant_ids) RETURNING id::text"
    ))
    .await;
    let mut out = BTreeMap::new();
    for t in tables.iter().filter(|t| t.class == WriteClass::Curator) {
        let n = &t.name;
        let ids = |where_: String| {
            let sql = format!("SELECT id::text FROM \"{n}\" WHERE {where_} ORDER BY id LIMIT 3");
            async move { db.query_strings(&sql).await.into_iter().map(|r| r[0].clone()).collect::<Vec<_>>() }
        };
        let mut of_b = ids(format!("tenant_id IN ({})", list(b_tree))).await;
        let null_rows = ids("tenant_id IS NULL".into()).await;
        // Where B has fewer than three rows (one private, one public, one shared), rows of the
        // shared registry (but the first, kept for its own case) or of third tenants become B's.
        let mut spares = ids(format!(
            "id IS DISTINCT FROM {} AND (tenant_id IS NULL OR tenant_id NOT IN ({}))",
            null_rows.first().map_or("NULL".to_owned(), |r| format!("'{r}'")),
            list(&[a_tree, b_tree].concat())
        ))
        .await
        .into_iter();
        while of_b.len() < 3 {
            let Some(spare) = spares.next() else { break };
            let mut set = format!("tenant_id = '{b}'");
            if t.has("owner_tenant_id") {
                write!(set, ", owner_tenant_id = '{b}'").unwrap();
            }
            db.query_strings(&format!("UPDATE \"{n}\" SET {set} WHERE id = '{spare}' RETURNING id::text")).await;
            of_b.push(spare);
        }
        assert!(!of_b.is_empty() && !null_rows.is_empty(), "{n}: no row of B or of the shared registry");
        let (mut public, mut shared) = (None, None);
        if t.tenancy == Tenancy::Registry {
            assert!(of_b.len() >= 3, "{n}: B needs three rows");
            db.query_strings(&format!(
                "UPDATE \"{n}\" SET is_public = false WHERE id IN ('{}', '{}') RETURNING id::text",
                of_b[0], of_b[2]
            ))
            .await;
            db.query_strings(&format!(
                "UPDATE \"{n}\" SET is_public = true WHERE id = '{}' RETURNING id::text",
                of_b[1]
            ))
            .await;
            // Migration 19 matches shared assets by id alone; the asset type only has to be valid.
            db.query_strings(&format!(
                "INSERT INTO asset_sharing (tenant_id, asset_type, asset_id, owner_tenant_id, sharing_scope, shared_with_tenant_ids)
                 VALUES ('{b}', 'agent', '{}', '{b}', 'specific_tenants', ARRAY['{A}'::uuid]) RETURNING id::text",
                of_b[2]
            ))
            .await;
            public = Some(of_b[1].clone());
            shared = Some(of_b[2].clone());
        }
        out.insert(n.clone(), (of_b[0].clone(), public, shared, null_rows[0].clone()));
    }
    out
}

/// Curator tables (registry assets, their children and junctions), as A's manager: B's rows, B's
/// public rows, B's rows shared to A and the shared registry are read-only or invisible; no row
/// is inserted for B, for the shared registry or owned by B, and none is moved to B; A's plain
/// member writes none of A's. A platform admin does write the shared registry.
#[tokio::test]
async fn curator_tables_refuse_what_the_rule_excludes() {
    let db = seeded_database().await;
    let tables = catalogue(&db).await;
    let a_tree = subtree(&db, A).await;
    let (b, b_tree) = tenant_b(&db).await;
    // A's rows first: where A has none, one is taken from the shared registry, which B's are then
    // taken from too, leaving a shared row to each case.
    let mine = writable_rows(&db, &tables, &a_tree).await;
    let others = prepare_other_tenants_rows(&db, &tables, &a_tree, &b, &b_tree).await;
    let curator = Caller::new(&db, A, "manager").await;
    let member = Caller::new(&db, A, "member").await;
    let platform = Caller::new(&db, PLATFORM_TENANT, "admin").await;

    let tx = Tx::begin(&db).await;
    for t in tables.iter().filter(|t| t.class == WriteClass::Curator) {
        let n = &t.name;
        let (b_row, public, shared, null_row) = &others[n];
        let a_row = &mine[n];
        untouchable(&tx, &curator, t, &format!("id = '{b_row}'"), false, "B's private row").await;
        if let Some(p) = public {
            untouchable(&tx, &curator, t, &format!("id = '{p}'"), true, "B's public row").await;
        }
        if let Some(s) = shared {
            untouchable(&tx, &curator, t, &format!("id = '{s}'"), true, "B's row shared to A").await;
        }
        untouchable(&tx, &curator, t, &format!("id = '{null_row}'"), true, "a shared-registry row").await;
        untouchable(&tx, &member, t, &format!("id = '{a_row}'"), true, "A's row, by A's plain member").await;

        refused(
            &tx,
            &curator,
            t,
            &insert_copy(n, a_row, &format!("jsonb_build_object('tenant_id', '{b}')")),
            "insert for B",
        )
        .await;
        refused(
            &tx,
            &curator,
            t,
            &insert_copy(n, a_row, "jsonb_build_object('tenant_id', NULL)"),
            "insert into the shared registry",
        )
        .await;
        if t.has("owner_tenant_id") {
            let owned_by_b = format!("jsonb_build_object('owner_tenant_id', '{b}')");
            refused(&tx, &curator, t, &insert_copy(n, a_row, &owned_by_b), "insert owned by B").await;
        }
        refused(&tx, &member, t, &insert_copy(n, a_row, "'{}'::jsonb"), "insert by A's plain member").await;
        refused(&tx, &curator, t, &format!("UPDATE \"{n}\" SET tenant_id = '{b}' WHERE id = '{a_row}'"), "move to B")
            .await;

        // The same shared-registry row is the platform's to write.
        let (done, _) = tx
            .write(
                &platform,
                &format!("UPDATE \"{n}\" SET created_at = created_at - interval '1 second' WHERE id = '{null_row}'"),
            )
            .await;
        assert_eq!(done, Ok(1), "{n}: a platform admin updates the shared registry");
    }
    tx.rollback().await;
}

/// Registry writes by reference: nothing of A's may point at a row of B that A does not see (a
/// private row of B), through any foreign key; a row A sees (its own, the shared registry) may be
/// referenced. Generated over every foreign key from a Curator or Member table to a tenant-scoped
/// table other than tenants and user_profiles.
#[tokio::test]
async fn references_to_rows_the_caller_cannot_see_are_refused() {
    let db = seeded_database().await;
    let tables = catalogue(&db).await;
    let a_tree = subtree(&db, A).await;
    let (b, b_tree) = tenant_b(&db).await;
    let mine = writable_rows(&db, &tables, &a_tree).await;
    let curator = Caller::new(&db, A, "owner").await;
    let member = Caller::new(&db, A, "member").await;
    let fks = db
        .query_strings(
            "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text
             FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
               AND c.confrelid NOT IN ('tenants'::regclass, 'user_profiles'::regclass)
               AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.confrelid AND t.attname = 'tenant_id')
             ORDER BY 1, 2",
        )
        .await;
    let tx = Tx::begin(&db).await;
    let mut checked = 0;
    for fk in &fks {
        let (table, column, target) = (&fk[0], &fk[1], &fk[2]);
        let Some(t) = tables.iter().find(|t| &t.name == table) else { panic!("{table}") };
        if !matches!(t.class, WriteClass::Curator | WriteClass::Member) {
            continue;
        }
        let target_t = tables.iter().find(|t| &t.name == target).unwrap();
        let mut invisible = format!("tenant_id IN ({})", list(&b_tree));
        if target_t.has("is_public") {
            invisible.push_str(" AND NOT is_public");
        }
        let find = format!(
            "SELECT id::text FROM \"{target}\" x WHERE {invisible}
             AND NOT EXISTS (SELECT 1 FROM asset_sharing s WHERE s.asset_id = x.id) ORDER BY id LIMIT 1"
        );
        let mut hidden = db.query_strings(&find).await;
        if hidden.is_empty() {
            // B has no private row here (the seed put all of them in the shared registry): one becomes B's.
            let mut set = format!("tenant_id = '{b}'");
            for (col, value) in [("owner_tenant_id", format!("'{b}'")), ("is_public", "false".to_owned())] {
                if target_t.has(col) {
                    write!(set, ", {col} = {value}").unwrap();
                }
            }
            hidden = db
                .query_strings(&format!(
                    "UPDATE \"{target}\" SET {set} WHERE id = (SELECT id FROM \"{target}\" WHERE tenant_id IS NULL ORDER BY id DESC LIMIT 1)
                     RETURNING id::text"
                ))
                .await;
        }
        let hidden = &hidden.first().unwrap_or_else(|| panic!("{target}: B has no private row"))[0];
        let caller = if t.class == WriteClass::Member { &member } else { &curator };
        let row = &mine[table];
        // The reference alone decides: the same row with the reference set to a row A sees passes
        // the policy (it may then fail a unique or check constraint, which is not 42501).
        let pointing = format!("jsonb_build_object('{column}', '{hidden}')");
        refused(
            &tx,
            caller,
            t,
            &insert_copy(table, row, &pointing),
            &format!("insert referencing B's {target} by {column}"),
        )
        .await;
        refused(
            &tx,
            caller,
            t,
            &format!("UPDATE \"{table}\" SET \"{column}\" = '{hidden}' WHERE id = '{row}'"),
            &format!("update referencing B's {target} by {column}"),
        )
        .await;
        checked += 1;
    }
    assert!(checked > 100, "only {checked} references checked");
    tx.rollback().await;
}

/// Member tables (Ask Expert, Ask Panel, feedback, votes): A's members write A's rows and nothing
/// else. B's rows are invisible; nothing is inserted for B or moved to B; the owner of A's child
/// tenant, even when it may read A's conversations, writes none of them (rows of exactly the
/// member's tenant); a viewer of A writes nothing.
#[tokio::test]
async fn member_tables_refuse_what_the_rule_excludes() {
    let db = seeded_database().await;
    let tables = catalogue(&db).await;
    let a_tree = subtree(&db, A).await;
    let (b, b_tree) = tenant_b(&db).await;
    let mine = writable_rows(&db, &tables, &a_tree).await;
    let member = Caller::new(&db, A, "member").await;
    let viewer = Caller::new(&db, A, "viewer").await;
    let mut child_owner = Caller::new(&db, A_CHILD, "owner").await;
    // Reading A's conversations too, which the gateway does not give it: the member rule alone
    // keeps them read-only.
    child_owner.private.push(A.to_owned());
    let tx = Tx::begin(&db).await;
    let member_tables: Vec<&Table> = tables.iter().filter(|t| t.class == WriteClass::Member).collect();
    assert_eq!(member_tables.len(), write_access::MEMBER_TABLES.len());
    for t in member_tables {
        let n = &t.name;
        let a_row = &mine[n];
        let b_rows = db
            .query_strings(&format!("SELECT id::text FROM \"{n}\" WHERE tenant_id IN ({}) LIMIT 1", list(&b_tree)))
            .await;
        let b_row = &b_rows.first().unwrap_or_else(|| panic!("{n}: B has no row"))[0];
        untouchable(&tx, &member, t, &format!("id = '{b_row}'"), false, "B's row").await;
        untouchable(&tx, &child_owner, t, &format!("id = '{a_row}'"), true, "A's row, by the owner of A's child").await;
        untouchable(&tx, &viewer, t, &format!("id = '{a_row}'"), true, "A's row, by A's viewer").await;
        refused(
            &tx,
            &member,
            t,
            &insert_copy(n, a_row, &format!("jsonb_build_object('tenant_id', '{b}')")),
            "insert for B",
        )
        .await;
        refused(&tx, &child_owner, t, &insert_copy(n, a_row, "'{}'::jsonb"), "insert for A by A's child").await;
        refused(&tx, &member, t, &format!("UPDATE \"{n}\" SET tenant_id = '{b}' WHERE id = '{a_row}'"), "move to B")
            .await;
    }
    tx.rollback().await;
}

/// Global reference tables: only a platform owner or admin writes them; A's owner and the platform
/// tenant's manager (a curator, not an admin) see every row and write none.
#[tokio::test]
async fn platform_tables_refuse_everyone_but_platform_admins() {
    let db = seeded_database().await;
    let tables = catalogue(&db).await;
    let a_tree = subtree(&db, A).await;
    let rows = writable_rows(&db, &tables, &a_tree).await;
    let a_owner = Caller::new(&db, A, "owner").await;
    let platform_manager = Caller::new(&db, PLATFORM_TENANT, "manager").await;
    assert!(!platform_manager.platform_admin && !platform_manager.curator.is_empty());
    let tx = Tx::begin(&db).await;
    for t in tables.iter().filter(|t| t.class == WriteClass::PlatformAdmin) {
        let n = &t.name;
        let row = &rows[n];
        for caller in [&a_owner, &platform_manager] {
            untouchable(&tx, caller, t, &format!("id = '{row}'"), true, "a global row").await;
            refused(&tx, caller, t, &insert_copy(n, row, "'{}'::jsonb"), "insert").await;
        }
    }
    tx.rollback().await;
}

/// A session that switched to registry_writer and set nothing writes nothing anywhere.
#[tokio::test]
async fn a_session_that_sets_nothing_writes_nothing() {
    let db = seeded_database().await;
    let tables = catalogue(&db).await;
    let a_tree = subtree(&db, A).await;
    let rows = writable_rows(&db, &tables, &a_tree).await;
    let nobody = Caller::nobody();
    let tx = Tx::begin(&db).await;
    for t in tables.iter().filter(|t| t.class != WriteClass::Never) {
        let n = &t.name;
        let row = tx.row(n, &rows[n]).await;
        let copy = row.to_string();
        let sql = format!(
            "INSERT INTO \"{n}\" SELECT * FROM jsonb_populate_record(NULL::\"{n}\", {}::jsonb || jsonb_build_object('id', gen_random_uuid()))",
            lit(&copy)
        );
        refused(&tx, &nobody, t, &sql, "insert with no settings").await;
        let digest = tx.digest(t).await;
        for sql in [format!("UPDATE \"{n}\" SET created_at = created_at"), format!("DELETE FROM \"{n}\"")] {
            let (done, _) = tx.write(&nobody, &sql).await;
            assert_eq!(done, Ok(0), "{sql}");
        }
        assert_eq!(tx.digest(t).await, digest, "{n}");
    }
    tx.rollback().await;
}

/// The actor of an audit row: a `sub` that is a user_profiles id is the actor_user_id (with the
/// email snapshotted); any other `sub` (an unknown id, an identity provider's own format) leaves
/// actor_user_id NULL and does not stop the write; an API key is the actor_api_key_id; a session
/// with no caller is the system. The raw `sub` is always in details.
#[tokio::test]
async fn the_audit_row_names_the_actor_whatever_the_sub() {
    let db = seeded_database().await;
    let tables = catalogue(&db).await;
    let a_tree = subtree(&db, A).await;
    let rows = writable_rows(&db, &tables, &a_tree).await;
    let agent = &rows["agents"];
    let curator = Caller::new(&db, A, "admin").await;
    let key = db.scalar(&format!("SELECT id::text FROM api_keys WHERE tenant_id = '{A}' ORDER BY id LIMIT 1")).await;
    let tx = Tx::begin(&db).await;
    let update = format!("UPDATE agents SET created_at = created_at - interval '1 second' WHERE id = '{agent}'");
    let row_tenant = tx.row("agents", agent).await["tenant_id"].clone();

    let (done, req) = tx.write(&curator, &update).await;
    assert_eq!(done, Ok(1));
    let a = one_audit(tx.audit(&req, "agents", agent).await, "known user", &curator, &row_tenant, "update");
    let email = tx.scalar(&format!("SELECT email FROM user_profiles WHERE id = '{}'", a.actor_user_id)).await;
    let snapshotted = tx.scalar(&format!("SELECT actor_email FROM audit_log WHERE request_id = '{req}'")).await;
    assert_eq!(snapshotted, email);

    for sub in [Uuid::new_v4().to_string(), "auth0|5f7c8ec7c33c6c004bbafe82".to_owned()] {
        let caller = Caller { user_id: Some(sub.clone()), ..curator.clone() };
        let (done, req) = tx.write(&caller, &update).await;
        assert_eq!(done, Ok(1), "sub {sub}");
        let a = tx.audit(&req, "agents", agent).await.pop().unwrap();
        assert_eq!((a.actor_type.as_str(), a.actor_user_id.as_str()), ("user", ""), "sub {sub}");
        assert_eq!(a.details["sub"], json!(sub));
    }

    let with_key = Caller { api_key_id: Some(key.clone()), user_id: None, ..curator.clone() };
    let (done, req) = tx.write(&with_key, &update).await;
    assert_eq!(done, Ok(1));
    let a = tx.audit(&req, "agents", agent).await.pop().unwrap();
    assert_eq!((a.actor_type.as_str(), a.actor_api_key_id.as_str()), ("api_key", key.as_str()));

    let anonymous = Caller { user_id: None, ..curator.clone() };
    let (done, req) = tx.write(&anonymous, &update).await;
    assert_eq!(done, Ok(1));
    let a = tx.audit(&req, "agents", agent).await.pop().unwrap();
    assert_eq!((a.actor_type.as_str(), a.actor_user_id.as_str()), ("system", ""));
    assert_eq!(a.details.get("sub"), None);
    tx.rollback().await;
}

/// A write whose history cannot be written does not happen: with a (test-only, rolled back)
/// constraint that no new audit_log row can pass, the curator's update fails and the row is
/// unchanged; likewise a version bump whose entity_versions snapshot cannot be written, while the
/// same table's writes that add no version still go through.
#[tokio::test]
async fn a_write_whose_history_cannot_be_written_does_not_happen() {
    let db = seeded_database().await;
    let tables = catalogue(&db).await;
    let a_tree = subtree(&db, A).await;
    let rows = writable_rows(&db, &tables, &a_tree).await;
    let agent = &rows["agents"];
    let curator = Caller::new(&db, A, "owner").await;
    let rename = format!("UPDATE agents SET name = name || ' (renamed)' WHERE id = '{agent}'");
    let bump = format!("UPDATE agents SET version = version + 1 WHERE id = '{agent}'");

    let tx = Tx::begin(&db).await;
    let before = tx.row("agents", agent).await;
    // NOT VALID: the existing trail is not checked, every new row is.
    tx.exec("ALTER TABLE audit_log ADD CONSTRAINT test_no_new_audit_rows CHECK (false) NOT VALID").await;
    for sql in [&rename, &bump] {
        let (done, _) = tx.write(&curator, sql).await;
        assert_eq!(done.map_err(|e| e.0), Err("23514".to_owned()), "{sql}");
        assert_eq!(tx.row("agents", agent).await, before, "{sql}: the write happened without its audit row");
    }
    tx.exec("ALTER TABLE audit_log DROP CONSTRAINT test_no_new_audit_rows").await;

    tx.exec("ALTER TABLE entity_versions ADD CONSTRAINT test_no_new_versions CHECK (false) NOT VALID").await;
    let (done, _) = tx.write(&curator, &bump).await;
    assert_eq!(done.map_err(|e| e.0), Err("23514".to_owned()), "a version bump without its snapshot");
    assert_eq!(tx.row("agents", agent).await, before);
    let (done, _) = tx.write(&curator, &rename).await;
    assert_eq!(done, Ok(1), "a write adding no version needs no snapshot");
    tx.rollback().await;
}

/// Vector columns never reach the trail: a chunk whose text and embedding change is audited with
/// both named as changed, the text before and after, and no embedding value anywhere.
#[tokio::test]
async fn vectors_never_reach_the_trail() {
    let db = seeded_database().await;
    let curator = Caller::new(&db, A, "manager").await;
    let a_tree = subtree(&db, A).await;
    let chunk = db
        .scalar(&format!(
            "SELECT id::text FROM knowledge_chunks WHERE tenant_id IN ({}) AND embedding IS NOT NULL ORDER BY id LIMIT 1",
            list(&a_tree)
        ))
        .await;
    let tx = Tx::begin(&db).await;
    let before = tx.row("knowledge_chunks", &chunk).await;
    let (done, req) = tx
        .write(
            &curator,
            &format!(
                "UPDATE knowledge_chunks SET content = content || ' (revised)', embedding = NULL WHERE id = '{chunk}'"
            ),
        )
        .await;
    assert_eq!(done, Ok(1));
    let after = tx.row("knowledge_chunks", &chunk).await;
    let a =
        one_audit(tx.audit(&req, "knowledge_chunks", &chunk).await, "chunk", &curator, &after["tenant_id"], "update");
    assert!(a.changed_fields.contains(&"embedding".to_owned()) && a.changed_fields.contains(&"content".to_owned()));
    assert_eq!(a.old_values["content"], before["content"]);
    assert_eq!(a.new_values["content"], after["content"]);
    assert_eq!(a.old_values.get("embedding"), None);
    assert_eq!(a.new_values.get("embedding"), None);
    assert_eq!(a.details["omitted"], json!(["embedding"]));

    let (done, req) = tx.write(&curator, &format!("DELETE FROM knowledge_chunks WHERE id = '{chunk}'")).await;
    assert_eq!(done, Ok(1));
    let a = tx.audit(&req, "knowledge_chunks", &chunk).await.pop().unwrap();
    assert!(a.old_values.get("content").is_some() && a.old_values.get("embedding").is_none());
    tx.rollback().await;
}
