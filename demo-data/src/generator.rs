//! The generic row engine: for one table at a time (in load order) it decides each row's
//! tenancy, picks its foreign-key targets among tenant-compatible parent rows, keeps related
//! picks consistent through "anchors", generates every other value, enforces unique keys and
//! remembers what later tables need (ids, tenants, times, areas, anchors, labels).
//!
//! Tenancy (docs/schema-conventions.md):
//! - registry tables: ~60 % shared rows (`tenant_id` NULL, `is_public`), the rest private to
//!   one tenant; rows of a tenant only link to shared rows or rows of the same tenant;
//! - private tables: `tenant_id` from the parent row, or round-robin over all tenants; where
//!   the schema allows platform rows (a nullable `tenant_id`: audit trails, retention
//!   policies), a share of the rows without a deciding parent is a platform row (NULL);
//! - child / junction tables: the tenant of the first tenant-bearing parent (NULL when it is
//!   shared), and further parents restricted accordingly.
//!
//! Anchors: every row remembers the parent rows it hangs off (transitively, e.g. a message →
//! its consultation → its agent). When a row picks a parent of table P, it reuses an anchor
//! of P if it has one (a message's agent is its consultation's agent) or restricts the
//! candidates to P rows sharing an anchor (a step connection joins two steps of the same
//! workflow; a panel vote's member sits on the vote's panel).

use super::SeedError;
use super::catalog::{Catalog, ColType, Table};
use super::check_constraints::{CmpOp, PredicateTest, RowRule};
use super::copy_writer::Value;
use super::documented_rows::{DocVal, Documented};
use super::embeddings::EmbeddingGen;
use super::plan::{Class, Count, Plan, fixed_rows};
use super::prng::{Rng, hash_str, mix, row_uuid, table_seed};
use super::values::{self, ValueCtx, fit_text, is_label_column};
use super::vocabulary::{AREAS, DOMAIN_AREAS, LabelKind, QUALIFIERS, THERAPEUTIC_AREAS, label as make_label};
use std::collections::{BTreeSet, HashMap, HashSet};
use uuid::Uuid;

const MAX_ATTEMPTS: usize = 12;
const MAX_ANCHORS: usize = 16;
const SHARED_SHARE: f64 = 0.6;
/// Share of shared junction rows that link a tenant's private asset instead of a shared one.
const PRIVATE_EXTENSION_SHARE: f64 = 0.2;
/// Share of platform rows (`tenant_id` NULL) among the rows of a private table that allows them
/// (`entity::tenancy::PRIVATE_WITH_PLATFORM_ROWS`) and whose parent does not decide the tenant.
const PLATFORM_ROW_SHARE: f64 = 0.2;
const DAY: i64 = 86_400;

/// The tenancy of a row being generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenancy {
    /// Not decided yet (or irrelevant): any parent row will do.
    Open,
    /// Shared registry: only shared parents (platform users for private-class parents).
    Shared,
    /// Private to tenant row `t`: shared parents or parents of `t`.
    Tenant(u32),
}

/// What later tables need to know about the rows of a loaded table.
#[derive(Debug, Default)]
pub struct TableRows {
    pub ids: Vec<Uuid>,
    /// Values of non-`id` columns that foreign keys reference.
    pub extra: HashMap<String, Vec<Value>>,
    pub tenant: Vec<Option<u32>>,
    /// Seconds after 2025-01-01 at which the row was created.
    pub time: Vec<i64>,
    pub area: Vec<u8>,
    pub anchors: Vec<Box<[(u32, u32)]>>,
    pub labels: Vec<String>,
    /// `slug` values, when the table has that column.
    pub slugs: Vec<String>,
    pub shared: Vec<u32>,
    pub by_tenant: HashMap<u32, Vec<u32>>,
}

impl TableRows {
    pub fn len(&self) -> usize {
        self.tenant.len()
    }
    pub fn is_empty(&self) -> bool {
        self.tenant.is_empty()
    }
}

/// Everything generated so far.
pub struct World<'c> {
    pub catalog: &'c Catalog,
    pub plan: &'c Plan,
    pub scale: u32,
    pub rows: Vec<Option<TableRows>>,
    anchor_index: HashMap<(usize, usize), HashMap<u32, Vec<u32>>>,
    referenced: Vec<BTreeSet<String>>,
    prefixes: Vec<String>,
    actor: Vec<bool>,
}

impl<'c> World<'c> {
    pub fn new(catalog: &'c Catalog, plan: &'c Plan, scale: u32) -> Self {
        let n = catalog.tables.len();
        let mut referenced = vec![BTreeSet::new(); n];
        for t in &catalog.tables {
            for f in &t.fks {
                if let Some(r) = catalog.table_index(&f.ref_table) {
                    for c in &f.ref_columns {
                        if c != "id" {
                            referenced[r].insert(c.clone());
                        }
                    }
                }
            }
        }
        let prefixes = catalog.tables.iter().map(|t| prefix_for(&t.name)).collect();
        let actor = catalog
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| plan.tables[i].label_kind == LabelKind::Person || t.name == "users")
            .collect();
        Self {
            catalog,
            plan,
            scale,
            rows: (0..n).map(|_| None).collect(),
            anchor_index: HashMap::new(),
            referenced,
            prefixes,
            actor,
        }
    }

    fn tenants(&self) -> Option<&TableRows> {
        self.rows[self.plan.tenants].as_ref()
    }

    fn tenant_count(&self) -> usize {
        self.tenants().map_or(0, TableRows::len)
    }

    fn tenant_uuid(&self, t: u32) -> Option<Uuid> {
        self.tenants().and_then(|r| r.ids.get(t as usize).copied())
    }

    /// The slug of tenant row `t` (the platform when `None`).
    fn tenant_slug(&self, t: Option<u32>) -> String {
        let t = t.unwrap_or(0) as usize;
        self.tenants()
            .and_then(|r| r.slugs.get(t).cloned().or_else(|| r.labels.get(t).map(|l| super::vocabulary::slugify(l))))
            .unwrap_or_else(|| "vital-platform".to_string())
    }

    fn tenant_label(&self, t: Option<u32>) -> &str {
        self.tenants()
            .and_then(|r| r.labels.get(t.unwrap_or(0) as usize))
            .map_or("VITAL.expert Platform", String::as_str)
    }

    /// Rows of `p` anchored to row `a` of table `anchor`.
    fn anchored(&mut self, p: usize, anchor: usize, a: u32) -> Vec<u32> {
        if !self.anchor_index.contains_key(&(p, anchor)) {
            let mut idx: HashMap<u32, Vec<u32>> = HashMap::new();
            if let Some(rows) = &self.rows[p] {
                for (r, anchors) in rows.anchors.iter().enumerate() {
                    for &(t, x) in anchors {
                        if t as usize == anchor {
                            idx.entry(x).or_default().push(r as u32);
                        }
                    }
                }
            }
            self.anchor_index.insert((p, anchor), idx);
        }
        self.anchor_index.get(&(p, anchor)).and_then(|m| m.get(&a)).cloned().unwrap_or_default()
    }

    pub fn finish_table(&mut self, ti: usize, rows: TableRows) {
        self.rows[ti] = Some(rows);
    }

    /// Whether parent row `row` of table `p` may be linked from a row with `tenancy`.
    fn tenancy_ok(&self, p: usize, row: u32, tenancy: Tenancy) -> bool {
        let Some(rows) = &self.rows[p] else { return false };
        let pt = rows.tenant.get(row as usize).copied().flatten();
        match (tenancy, self.plan.tables[p].class) {
            (Tenancy::Open, _) | (_, Class::Global) => true,
            (Tenancy::Shared, Class::Private | Class::Tenants) => pt == Some(0),
            (Tenancy::Shared, _) => pt.is_none(),
            (Tenancy::Tenant(t), _) => pt.is_none() || pt == Some(t),
        }
    }

    /// Size of the tenant-compatible bucket of `p` and a picker into it.
    fn bucket_len(&self, p: usize, tenancy: Tenancy) -> usize {
        let Some(rows) = &self.rows[p] else { return 0 };
        match tenancy {
            Tenancy::Open => rows.len(),
            Tenancy::Shared => match self.plan.tables[p].class {
                Class::Global => rows.len(),
                Class::Private | Class::Tenants => rows.by_tenant.get(&0).map_or(0, Vec::len),
                _ => rows.shared.len(),
            },
            Tenancy::Tenant(t) => match self.plan.tables[p].class {
                Class::Global => rows.len(),
                _ => rows.shared.len() + rows.by_tenant.get(&t).map_or(0, Vec::len),
            },
        }
    }

    fn bucket_get(&self, p: usize, tenancy: Tenancy, i: usize) -> Option<u32> {
        let rows = self.rows[p].as_ref()?;
        match tenancy {
            Tenancy::Open => Some(i as u32),
            Tenancy::Shared => match self.plan.tables[p].class {
                Class::Global => Some(i as u32),
                Class::Private | Class::Tenants => rows.by_tenant.get(&0)?.get(i).copied(),
                _ => rows.shared.get(i).copied(),
            },
            Tenancy::Tenant(t) => match self.plan.tables[p].class {
                Class::Global => Some(i as u32),
                _ => {
                    if i < rows.shared.len() {
                        rows.shared.get(i).copied()
                    } else {
                        rows.by_tenant.get(&t)?.get(i - rows.shared.len()).copied()
                    }
                }
            },
        }
    }

    /// A random tenant-compatible row of `p`, preferring rows of `area` most of the time.
    fn pick_bucket(&self, p: usize, tenancy: Tenancy, area: Option<u8>, rng: &mut Rng) -> Option<u32> {
        let n = self.bucket_len(p, tenancy);
        if n == 0 {
            return None;
        }
        let rows = self.rows[p].as_ref()?;
        if let Some(a) = area
            && self.plan.tables[p].label_kind != LabelKind::Generic
            && rng.chance(0.7)
        {
            for _ in 0..8 {
                let r = self.bucket_get(p, tenancy, rng.below(n))?;
                if rows.area.get(r as usize) == Some(&a) {
                    return Some(r);
                }
            }
        }
        self.bucket_get(p, tenancy, rng.below(n))
    }

    fn key_value(&self, p: usize, col: &str, row: u32) -> Value {
        let Some(rows) = &self.rows[p] else { return Value::Null };
        if col == "id" {
            return rows.ids.get(row as usize).map_or(Value::Null, |u| Value::Uuid(*u));
        }
        rows.extra.get(col).and_then(|v| v.get(row as usize)).cloned().unwrap_or(Value::Null)
    }
}

/// `AGT` for agents, `WF` for workflows...; the initials of other tables' words.
fn prefix_for(table: &str) -> String {
    let known = [
        ("agents", "AGT"),
        ("personas", "PER"),
        ("jobs_to_be_done", "JTBD"),
        ("prompts", "PRM"),
        ("tools", "TOOL"),
        ("skills", "SKL"),
        ("knowledge_sources", "KS"),
        ("templates", "TPL"),
        ("workflows", "WF"),
        ("tasks", "TSK"),
        ("use_cases", "UC"),
        ("domains", "DOM"),
        ("capabilities", "CAP"),
        ("strategic_priorities", "SP"),
        ("solutions", "SOL"),
        ("panel_templates", "PNL"),
        ("steps", "STP"),
    ];
    if let Some((_, p)) = known.iter().find(|(t, _)| *t == table) {
        return (*p).to_string();
    }
    table.split('_').filter_map(|w| w.chars().next()).collect::<String>().to_uppercase()
}

/// A loaded row as the deferred-FK pass sees it: id, tenant, anchors, area.
type DeferredItem = (Uuid, Option<u32>, Box<[(u32, u32)]>, u8);

struct Unit {
    parent: Option<u32>,
    tenant: Option<u32>,
    doc: Option<usize>,
    force_private: bool,
    ordinal: u32,
}

struct RowState {
    values: Vec<Value>,
    set: Vec<bool>,
    tenancy: Tenancy,
    soft: bool,
    anchors: Vec<(u32, u32)>,
    picked: Vec<Option<u32>>,
    parent_time: Option<i64>,
    parent_area: Option<u8>,
    parent_label: Option<String>,
    driver_row: Option<u32>,
    ordinal: u32,
}

/// Generates the rows of one table.
pub struct TableGen {
    ti: usize,
    seed: u64,
    units: Vec<Unit>,
    next_unit: usize,
    rows: TableRows,
    uniques: Vec<HashSet<String>>,
    used_labels: HashSet<String>,
    /// Next qualifier to try per base label.
    label_next: HashMap<String, usize>,
    siblings: HashMap<u32, Vec<u32>>,
    ordinals: HashMap<u32, u32>,
    embed: EmbeddingGen,
    doc: Option<Documented>,
    /// Columns written by COPY (not generated / identity-always).
    pub copy_cols: Vec<usize>,
    pub skipped: u64,
    has_label_col: bool,
    fks_to: HashMap<usize, usize>,
    nullable_fks: usize,
    /// Columns of any foreign key: NULL unless a parent is picked.
    fk_cols: HashSet<usize>,
    /// Columns a unique-key repair must not change (references of any kind).
    protected: HashSet<usize>,
    /// 0: anchors are reused and filter candidates; 1: not reused; 2: ignored (later
    /// attempts of a row whose anchored candidates were exhausted).
    relax: usize,
    /// FK columns of a junction's unique pair (never reused from anchors).
    junction_cols: HashSet<usize>,
}

impl TableGen {
    pub fn new(world: &World, ti: usize) -> Result<Self, SeedError> {
        let table = &world.catalog.tables[ti];
        let tp = &world.plan.tables[ti];
        let seed = table_seed(&table.name, world.scale);
        let doc = super::documented_rows::for_table(&table.name, world.scale);
        let mut units = Vec::new();
        if let Some(d) = &doc {
            for i in 0..d.rows.len() {
                units.push(Unit { parent: None, tenant: None, doc: Some(i), force_private: false, ordinal: i as u32 });
            }
            for i in 0..d.extra_private {
                units.push(Unit {
                    parent: None,
                    tenant: None,
                    doc: None,
                    force_private: true,
                    ordinal: (d.rows.len() + i) as u32,
                });
            }
        } else {
            match tp.count {
                Count::PerParent { lo, hi, .. } => {
                    let parents = if tp.driver_is_tenant {
                        world.tenant_count()
                    } else {
                        let d = tp.driver.ok_or_else(|| {
                            SeedError::Plan(format!("{}: per-parent count without a driver", table.name))
                        })?;
                        let p = world
                            .catalog
                            .table_index(&table.fks[d].ref_table)
                            .ok_or_else(|| SeedError::Plan(format!("{}: unknown parent table", table.name)))?;
                        world.rows[p].as_ref().map_or(0, TableRows::len)
                    };
                    for p in 0..parents {
                        let mut rng = Rng::new(mix(seed ^ hash_str("per-parent") ^ mix(p as u64)));
                        let k = rng.range_u32(lo, hi);
                        for j in 0..k {
                            let (parent, tenant) =
                                if tp.driver_is_tenant { (None, Some(p as u32)) } else { (Some(p as u32), None) };
                            units.push(Unit { parent, tenant, doc: None, force_private: false, ordinal: j });
                        }
                    }
                }
                Count::Fixed { .. } => {
                    for i in 0..fixed_rows(tp.count, world.scale) {
                        units.push(Unit {
                            parent: None,
                            tenant: None,
                            doc: None,
                            force_private: false,
                            ordinal: i as u32,
                        });
                    }
                }
            }
        }
        let copy_cols = (0..table.columns.len()).filter(|&c| !table.columns[c].skip).collect();
        let dims = table
            .columns
            .iter()
            .find_map(|c| (c.ty == ColType::Vector).then_some(c.dims.unwrap_or(1536)))
            .unwrap_or(1536);
        let mut fks_to: HashMap<usize, usize> = HashMap::new();
        for f in &table.fks {
            if let Some(r) = world.catalog.table_index(&f.ref_table) {
                *fks_to.entry(r).or_default() += 1;
            }
        }
        let nullable_fks =
            tp.fk_order.iter().filter(|&&fi| table.fks[fi].columns.iter().any(|&c| !table.columns[c].not_null)).count();
        Ok(Self {
            ti,
            seed,
            units,
            next_unit: 0,
            rows: TableRows::default(),
            uniques: vec![HashSet::new(); table.uniques.len()],
            used_labels: HashSet::new(),
            label_next: HashMap::new(),
            siblings: HashMap::new(),
            ordinals: HashMap::new(),
            embed: EmbeddingGen::new(dims),
            doc,
            copy_cols,
            skipped: 0,
            has_label_col: table.columns.iter().any(|c| is_label_column(table, c)),
            fks_to,
            nullable_fks,
            fk_cols: table.fks.iter().flat_map(|f| f.columns.iter().copied()).collect(),
            protected: table
                .fks
                .iter()
                .flat_map(|f| f.columns.iter().copied())
                .chain(tp.soft_refs.iter().chain(tp.array_refs.iter()).map(|s| s.column))
                .chain(tp.poly.iter().flat_map(|p| [p.type_col, p.id_col]))
                .collect(),
            relax: 0,
            junction_cols: if tp.is_junction {
                table.uniques.iter().flat_map(|u| u.columns.iter().copied()).collect()
            } else {
                HashSet::new()
            },
        })
    }

    pub fn into_rows(self) -> TableRows {
        self.rows
    }

    /// The next row's values (all columns, in table order), or `None` when done.
    pub fn next_row(&mut self, world: &mut World) -> Option<Vec<Value>> {
        while self.next_unit < self.units.len() {
            let u = self.next_unit;
            self.next_unit += 1;
            if let Some(values) = self.gen_row(world, u) {
                return Some(values);
            }
            self.skipped += 1;
        }
        None
    }

    fn gen_row(&mut self, world: &mut World, unit_idx: usize) -> Option<Vec<Value>> {
        let r = self.rows.len();
        let mut rng = Rng::for_row(self.seed, r as u64);
        for attempt in 0..MAX_ATTEMPTS {
            // Later attempts first stop reusing anchors, then stop filtering by them.
            self.relax = attempt * 3 / MAX_ATTEMPTS;
            if let Some(state) = self.attempt(world, unit_idx, r, &mut rng)
                && let Some(state) = self.check_unique(world, state)
            {
                return Some(self.commit(world, unit_idx, r, state));
            }
        }
        let table = &world.catalog.tables[self.ti];
        tracing::debug!(table = %table.name, row = r, "row skipped: no valid combination found");
        None
    }

    fn parent_tenancy(world: &World, p: usize, row: u32) -> Tenancy {
        let class = world.plan.tables[p].class;
        let t = world.rows[p].as_ref().and_then(|rows| rows.tenant.get(row as usize).copied().flatten());
        match (class, t) {
            (Class::Global, _) => Tenancy::Open,
            (_, Some(t)) => Tenancy::Tenant(t),
            (_, None) => Tenancy::Shared,
        }
    }

    /// Exactly 60 % of every block of ten rows is shared (the blocks are shuffled by the
    /// table seed), so even small registry tables keep the documented share.
    fn stratified_shared(seed: u64, r: usize) -> bool {
        const PATTERN: [bool; 10] = [true, false, true, true, false, true, false, true, true, false];
        let block = (r / 10) as u64;
        let offset = (mix(seed ^ block) % 10) as usize;
        PATTERN[(r + offset) % 10] && SHARED_SHARE > 0.0
    }

    fn private_tenant(world: &World, rng: &mut Rng) -> u32 {
        let n = world.tenant_count();
        if n <= 1 { 0 } else { 1 + rng.below(n - 1) as u32 }
    }

    #[allow(clippy::too_many_lines)]
    fn attempt(&mut self, world: &mut World, unit_idx: usize, r: usize, rng: &mut Rng) -> Option<RowState> {
        let catalog = world.catalog;
        let plan = world.plan;
        let table: &Table = &catalog.tables[self.ti];
        let tp = &plan.tables[self.ti];
        let ncols = table.columns.len();
        let unit = &self.units[unit_idx];
        let (unit_parent, unit_tenant, unit_doc, force_private, unit_ordinal) =
            (unit.parent, unit.tenant, unit.doc, unit.force_private, unit.ordinal);
        let mut st = RowState {
            values: vec![Value::Null; ncols],
            set: vec![false; ncols],
            tenancy: Tenancy::Open,
            soft: false,
            anchors: Vec::new(),
            picked: vec![None; table.fks.len()],
            parent_time: None,
            parent_area: None,
            parent_label: None,
            driver_row: None,
            ordinal: unit_ordinal,
        };

        // 1. id
        if let Some(ci) = table.col("id")
            && table.columns[ci].ty == ColType::Uuid
        {
            st.values[ci] = Value::Uuid(row_uuid(&table.name, r as u64));
            st.set[ci] = true;
        }

        // 2. documented values
        let mut doc_label: Option<String> = None;
        let mut doc_area: Option<usize> = None;
        if let Some(di) = unit_doc
            && let Some(doc) = &self.doc
            && let Some(row) = doc.rows.get(di)
        {
            doc_area = row.area;
            for (cname, dv) in &row.values {
                if *cname == "name"
                    && let DocVal::Text(s) = dv
                {
                    doc_label = Some(s.clone());
                }
                let Some(ci) = table.col(cname) else { continue };
                if let Some(v) = self.doc_value(world, ci, dv, &st) {
                    st.values[ci] = v;
                    st.set[ci] = true;
                    if let DocVal::Ref { table: rt, row } = dv
                        && let Some(fi) = table.fk_of_col(ci)
                        && let Some(p) = catalog.table_index(rt)
                        && p != self.ti
                    {
                        self.apply_pick(world, fi, p, *row as u32, &mut st);
                    }
                }
            }
        }

        // 3. tenancy
        st.tenancy = match tp.class {
            Class::Tenants => Tenancy::Tenant(r as u32),
            Class::Global => Tenancy::Open,
            Class::Registry => {
                if unit_doc.is_some() {
                    Tenancy::Shared
                } else if force_private {
                    Tenancy::Tenant(Self::private_tenant(world, rng))
                } else if let (Some(p), Some(d)) = (unit_parent, tp.driver)
                    && let Some(pt) = catalog.table_index(&table.fks[d].ref_table)
                    && let Tenancy::Tenant(t) = Self::parent_tenancy(world, pt, p)
                {
                    Tenancy::Tenant(t)
                } else if Self::stratified_shared(self.seed, r) {
                    Tenancy::Shared
                } else {
                    Tenancy::Tenant(Self::private_tenant(world, rng))
                }
            }
            Class::Private => {
                if let Some(t) = unit_tenant {
                    Tenancy::Tenant(t)
                } else if let (Some(p), Some(d)) = (unit_parent, tp.driver)
                    && let Some(pt) = catalog.table_index(&table.fks[d].ref_table)
                    && let Tenancy::Tenant(t) = Self::parent_tenancy(world, pt, p)
                {
                    Tenancy::Tenant(t)
                } else if tp.platform_rows && rng.chance(PLATFORM_ROW_SHARE) {
                    // A platform row (`tenant_id` NULL): linked only to shared rows and the
                    // platform tenant's private rows, like the platform's own actions.
                    Tenancy::Shared
                } else {
                    st.soft = true;
                    let n = world.tenant_count().max(1);
                    Tenancy::Tenant((r % n) as u32)
                }
            }
            Class::Child => {
                if let Some(t) = unit_tenant {
                    Tenancy::Tenant(t)
                } else if let (Some(p), Some(d)) = (unit_parent, tp.driver)
                    && let Some(pt) = catalog.table_index(&table.fks[d].ref_table)
                {
                    Self::parent_tenancy(world, pt, p)
                } else {
                    Tenancy::Open
                }
            }
        };
        if let Some(t) = unit_tenant {
            st.parent_time = world.tenants().and_then(|rows| rows.time.get(t as usize).copied());
        }

        // 4. foreign keys
        if let (Some(p), Some(d)) = (unit_parent, tp.driver)
            && let Some(pt) = catalog.table_index(&table.fks[d].ref_table)
        {
            self.apply_pick(world, d, pt, p, &mut st);
            st.driver_row = Some(p);
        }
        // num_nonnulls(a, b) = 1: one column of the group is chosen, the others stay NULL.
        let mut suppressed: HashSet<usize> = HashSet::new();
        let mut forced: HashSet<usize> = HashSet::new();
        for rule in &table.rules {
            if let RowRule::ExactlyOne(cols) = rule {
                let idx: Vec<usize> = cols.iter().filter_map(|c| table.col(c)).collect();
                let k = rng.below(idx.len());
                for (j, &c) in idx.iter().enumerate() {
                    if j == k {
                        forced.insert(c);
                    } else {
                        suppressed.insert(c);
                        st.set[c] = true;
                    }
                }
            }
        }
        for &fi in &tp.fk_order {
            if st.picked[fi].is_some() || table.fks[fi].columns.iter().any(|&c| st.set[c]) {
                continue;
            }
            let f = &table.fks[fi];
            let p = catalog.table_index(&f.ref_table)?;
            let nullable =
                f.columns.iter().any(|&c| !table.columns[c].not_null) && !f.columns.iter().any(|c| forced.contains(c));
            if nullable {
                if unit_doc.is_some() && p == self.ti {
                    continue;
                }
                let fill = if p == self.ti {
                    0.35
                } else if self.nullable_fks >= 4 {
                    0.55
                } else if plan.tables[p].label_kind.has_area() {
                    // An optional parent entity (a capability's domain, a task's workflow).
                    0.92
                } else {
                    0.85
                };
                if !rng.chance(fill) {
                    continue;
                }
            }
            // A shared junction row may link one tenant's private asset (a tenant adding its
            // own prompt to a shared agent); the row then belongs to that tenant.
            let widen = tp.class == Class::Child
                && st.tenancy == Tenancy::Shared
                && Some(fi) != tp.driver
                && self.junction_cols.contains(&f.columns[0])
                && rng.chance(PRIVATE_EXTENSION_SHARE);
            if widen {
                st.tenancy = Tenancy::Open;
            }
            let picked = self.pick_fk(world, fi, p, &st, r, rng);
            if widen && picked.is_none() {
                st.tenancy = Tenancy::Shared;
            }
            match picked {
                Some(row) => {
                    if Some(fi) == tp.driver {
                        st.driver_row = Some(row);
                        if unit_parent.is_none() {
                            let c = self.ordinals.get(&row).copied().unwrap_or(0);
                            st.ordinal = c;
                        }
                    }
                    self.apply_pick(world, fi, p, row, &mut st);
                    if widen && st.tenancy == Tenancy::Open {
                        st.tenancy = Tenancy::Shared;
                    }
                }
                None if nullable => {}
                None => return None,
            }
        }
        if tp.class == Class::Private && !matches!(st.tenancy, Tenancy::Tenant(_)) && !tp.platform_rows {
            let n = world.tenant_count().max(1);
            st.tenancy = Tenancy::Tenant((r % n) as u32);
        }
        if tp.class == Class::Child && st.tenancy == Tenancy::Open && tp.tenant_col.is_some() {
            // No tenant-bearing parent: platform-level for half the rows.
            st.tenancy =
                if rng.chance(0.5) { Tenancy::Shared } else { Tenancy::Tenant(Self::private_tenant(world, rng)) };
        }
        let shared = !matches!(st.tenancy, Tenancy::Tenant(_)) || tp.class == Class::Tenants && r == 0;

        // 5. time, area, label
        let time = match (tp.class, st.parent_time) {
            (Class::Tenants, _) => r as i64 * 3 * DAY,
            (_, _) if unit_doc.is_some() => r as i64 * 600,
            (_, Some(pt)) => pt + 600 + i64::from(st.ordinal) * 240 + rng.range_i64(0, 2 * 3600),
            (_, None) => rng.range_i64(DAY, 300 * DAY),
        };
        let area = doc_area
            .or_else(|| (tp.label_kind == LabelKind::Domain).then(|| DOMAIN_AREAS[r % DOMAIN_AREAS.len()]))
            .or(st.parent_area.map(usize::from))
            .unwrap_or_else(|| rng.below(AREAS.len()))
            % AREAS.len();
        let label = if let Some(l) = doc_label {
            l
        } else {
            let base = make_label(
                tp.label_kind,
                &AREAS[area],
                st.ordinal as usize,
                r,
                st.parent_label.as_deref(),
                rng,
                &table.name,
            );
            if self.has_label_col { self.unique_label(base) } else { base }
        };
        for (ci, c) in table.columns.iter().enumerate() {
            if !st.set[ci] && is_label_column(table, c) {
                st.values[ci] = Value::Text(fit_text(label.clone(), c));
                st.set[ci] = true;
            }
        }

        // 6. tenancy columns
        let tenant_row = match st.tenancy {
            Tenancy::Tenant(t) => Some(t),
            _ => None,
        };
        if let Some(ci) = tp.tenant_col
            && !st.set[ci]
        {
            st.values[ci] = tenant_row.and_then(|t| world.tenant_uuid(t)).map_or(Value::Null, Value::Uuid);
            st.set[ci] = true;
        }
        if let Some(ci) = tp.owner_col
            && !st.set[ci]
        {
            st.values[ci] = world.tenant_uuid(tenant_row.unwrap_or(0)).map_or(Value::Null, Value::Uuid);
            st.set[ci] = true;
        }

        // 7. soft references, uuid arrays, polymorphic references, vectors
        for s in &tp.soft_refs {
            if st.set[s.column] {
                continue;
            }
            let col = &table.columns[s.column];
            if !col.not_null && !rng.chance(0.8) {
                continue;
            }
            let v = world.pick_bucket(s.table, st.tenancy, None, rng).map(|row| world.key_value(s.table, "id", row));
            st.values[s.column] = match v {
                Some(v) => v,
                None if col.not_null => Value::Uuid(row_uuid(&format!("{}.{}", table.name, col.name), r as u64)),
                None => Value::Null,
            };
            st.set[s.column] = true;
        }
        for s in &tp.array_refs {
            if st.set[s.column] {
                continue;
            }
            let k = 1 + rng.below(3);
            let mut ids = Vec::new();
            for _ in 0..k * 3 {
                if ids.len() >= k {
                    break;
                }
                let tenancy = if s.table == plan.tenants { Tenancy::Open } else { st.tenancy };
                if let Some(row) = world.pick_bucket(s.table, tenancy, None, rng)
                    && !(s.table == plan.tenants && Some(row) == tenant_row)
                    && let Value::Uuid(u) = world.key_value(s.table, "id", row)
                    && !ids.contains(&u)
                {
                    ids.push(u);
                }
            }
            st.values[s.column] = Value::UuidArray(ids);
            st.set[s.column] = true;
        }
        for pr in &tp.poly {
            if st.set[pr.id_col] {
                continue;
            }
            self.fill_poly(world, pr, &mut st, rng, r);
        }
        for (ci, c) in table.columns.iter().enumerate() {
            if c.ty == ColType::Vector && !st.set[ci] {
                let cluster = mix(hash_str(&table.name) ^ u64::from(st.driver_row.unwrap_or(r as u32)));
                st.values[ci] = Value::Vector(self.embed.embed(area, cluster, mix(self.seed ^ r as u64)));
                st.set[ci] = true;
            }
        }

        // 8. everything else: enums and listed values first, then text that may follow them
        let tenant_label = world.tenant_label(tenant_row).to_string();
        let tenant_slug = world.tenant_slug(tenant_row);
        let parent_label = st.parent_label.clone();
        let cx = ValueCtx {
            table,
            kind: tp.label_kind,
            enums: &catalog.enums,
            row: r,
            ordinal: st.ordinal as usize,
            area,
            label: &label,
            parent_label: parent_label.as_deref(),
            time,
            shared,
            tenant_slug: &tenant_slug,
            tenant_name: &tenant_label,
            prefix: &world.prefixes[self.ti],
            scale: world.scale,
            hints: &[],
        };
        self.fill_pass(table, &cx, &mut st, time, false, rng);
        let hints: Vec<(String, String)> = table
            .columns
            .iter()
            .zip(st.values.iter())
            .filter_map(|(c, v)| match v {
                Value::Text(t) if t.len() <= 40 => Some((c.name.clone(), t.clone())),
                _ => None,
            })
            .collect();
        let cx = ValueCtx { hints: &hints, ..cx };
        self.fill_pass(table, &cx, &mut st, time, true, rng);
        if !apply_rules(table, &mut st.values) {
            return None;
        }
        values::derive(table, &mut st.values);
        if !apply_rules(table, &mut st.values) {
            return None;
        }
        // Keep what commit needs.
        st.parent_time = Some(time);
        st.parent_area = Some(area as u8);
        st.parent_label = Some(label);
        Some(st)
    }

    /// Generates the not-yet-set columns of one pass (see [`values::is_second_pass`]).
    fn fill_pass(&self, table: &Table, cx: &ValueCtx, st: &mut RowState, time: i64, second: bool, rng: &mut Rng) {
        for (ci, c) in table.columns.iter().enumerate() {
            if st.set[ci] || c.skip || self.fk_cols.contains(&ci) || values::is_second_pass(c) != second {
                continue;
            }
            st.values[ci] = if c.name == "created_at" {
                Value::Timestamp(super::copy_writer::BASE_EPOCH + time)
            } else {
                values::generate(c, cx, rng)
            };
            st.set[ci] = true;
        }
    }

    fn doc_value(&self, world: &World, ci: usize, dv: &DocVal, st: &RowState) -> Option<Value> {
        let table = &world.catalog.tables[self.ti];
        let col = &table.columns[ci];
        let is_int = col.ty.is_integer();
        Some(match dv {
            DocVal::Text(s) => match &col.ty {
                ColType::Text => Value::Text(fit_text(s.clone(), col)),
                ColType::Enum(e) => {
                    let labels = world.catalog.enums.get(e)?;
                    if labels.contains(s) { Value::Text(s.clone()) } else { return None }
                }
                t if t.is_integer() => Value::Int(s.parse().ok()?),
                _ => return None,
            },
            DocVal::Int(n) => match &col.ty {
                t if t.is_integer() => Value::Int(*n),
                ColType::Numeric => Value::Numeric(values::to_numeric(*n as f64, col)),
                ColType::Float4 | ColType::Float8 => Value::Float(*n as f64),
                ColType::Text => Value::Text(n.to_string()),
                _ => return None,
            },
            DocVal::Bool(b) if col.ty == ColType::Bool => Value::Bool(*b),
            DocVal::Uuid(u) if col.ty == ColType::Uuid => Value::Uuid(*u),
            DocVal::Bool(_) | DocVal::Uuid(_) => return None,
            DocVal::TextArray(v) => match &col.ty {
                ColType::Array(_) => Value::TextArray(v.clone()),
                ColType::Jsonb | ColType::Json => Value::Json(serde_json::json!(v)),
                _ => return None,
            },
            DocVal::Ref { table: rt, row } => {
                let p = world.catalog.table_index(rt)?;
                if p == self.ti {
                    Value::Uuid(*self.rows.ids.get(*row)?)
                } else {
                    let v = world.key_value(p, "id", *row as u32);
                    if v.is_null() {
                        return None;
                    }
                    v
                }
            }
            DocVal::Level(label, n) => match &col.ty {
                ColType::Enum(_) | ColType::Text => Value::Text((*label).to_string()),
                _ if is_int => Value::Int(*n),
                _ => return None,
            },
            DocVal::Path(rows) => {
                let own = table.col("id").and_then(|i| st.values[i].as_uuid());
                let ids: Vec<Uuid> = rows
                    .iter()
                    .map(|&i| if i == self.rows.len() { own } else { self.rows.ids.get(i).copied() })
                    .collect::<Option<Vec<_>>>()?;
                match &col.ty {
                    ColType::Array(inner) if **inner == ColType::Uuid => Value::UuidArray(ids),
                    ColType::Text | ColType::Other(_) => Value::Raw(
                        ids.iter().map(|u| u.hyphenated().to_string().replace('-', "_")).collect::<Vec<_>>().join("."),
                    ),
                    _ => return None,
                }
            }
        })
    }

    /// `base`, or `base` with the first free qualifier (a region or therapeutic area, then
    /// a combination, then a number).
    fn unique_label(&mut self, base: String) -> String {
        if !self.used_labels.contains(&base) {
            return base;
        }
        let start = self.label_next.get(&base).copied().unwrap_or(0);
        let mut k = start;
        loop {
            let cand = match k {
                k if k < QUALIFIERS.len() => format!("{base} – {}", QUALIFIERS[k]),
                k if k < QUALIFIERS.len() * (1 + THERAPEUTIC_AREAS.len()) => {
                    let j = k - QUALIFIERS.len();
                    format!(
                        "{base} – {} ({})",
                        THERAPEUTIC_AREAS[j / QUALIFIERS.len()],
                        QUALIFIERS[j % QUALIFIERS.len()]
                    )
                }
                k => format!("{base} #{}", k - QUALIFIERS.len() * (1 + THERAPEUTIC_AREAS.len()) + 2),
            };
            k += 1;
            if !self.used_labels.contains(&cand) {
                self.label_next.insert(base, k);
                return cand;
            }
        }
    }

    /// Records a chosen parent: FK columns, anchors, time, area, label, tenancy.
    fn apply_pick(&self, world: &World, fi: usize, p: usize, row: u32, st: &mut RowState) {
        let table = &world.catalog.tables[self.ti];
        let f = &table.fks[fi];
        for (k, &ci) in f.columns.iter().enumerate() {
            let rc = f.ref_columns.get(k).map_or("id", String::as_str);
            st.values[ci] = if p == self.ti {
                if rc == "id" {
                    self.rows.ids.get(row as usize).map_or(Value::Null, |u| Value::Uuid(*u))
                } else {
                    Value::Null
                }
            } else {
                world.key_value(p, rc, row)
            };
            st.set[ci] = true;
        }
        st.picked[fi] = Some(row);
        if p == self.ti {
            return;
        }
        let Some(prow) = world.rows[p].as_ref() else { return };
        if p != world.plan.tenants {
            if !st.anchors.iter().any(|&(t, _)| t as usize == p) && st.anchors.len() < MAX_ANCHORS {
                st.anchors.push((p as u32, row));
            }
            if let Some(pa) = prow.anchors.get(row as usize) {
                for &(t, x) in pa {
                    if st.anchors.len() >= MAX_ANCHORS {
                        break;
                    }
                    if !st.anchors.iter().any(|&(a, _)| a == t) {
                        st.anchors.push((t, x));
                    }
                }
            }
        }
        if let Some(&t) = prow.time.get(row as usize) {
            st.parent_time = Some(st.parent_time.map_or(t, |c| c.max(t)));
        }
        if world.plan.tables[p].label_kind.has_area() {
            if st.parent_area.is_none() {
                st.parent_area = prow.area.get(row as usize).copied();
            }
            if st.parent_label.is_none() {
                st.parent_label = prow.labels.get(row as usize).cloned();
            }
        }
        // The first tenant-bearing parent decides an open tenancy.
        let pt = Self::parent_tenancy(world, p, row);
        if pt != Tenancy::Open && (st.tenancy == Tenancy::Open) && world.plan.tables[self.ti].class == Class::Child {
            st.tenancy = pt;
        }
        if st.soft
            && let Tenancy::Tenant(t) = pt
            && !world.actor[p]
        {
            // A private row placed round-robin follows its first private parent.
            st.tenancy = Tenancy::Tenant(t);
            st.soft = false;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pick_fk(&self, world: &mut World, fi: usize, p: usize, st: &RowState, r: usize, rng: &mut Rng) -> Option<u32> {
        let table = &world.catalog.tables[self.ti];
        if p == self.ti {
            return self.pick_self(world, fi, st, r, rng);
        }
        let plen = world.rows[p].as_ref().map_or(0, TableRows::len);
        if plen == 0 {
            return None;
        }
        let single = self.fks_to.get(&p).copied().unwrap_or(0) == 1;
        // Reuse an anchor of P (a message's agent is its consultation's agent).
        if single
            && self.relax == 0
            && !self.junction_cols.contains(&table.fks[fi].columns[0])
            && let Some(&(_, x)) = st.anchors.iter().find(|&&(t, _)| t as usize == p)
            && world.tenancy_ok(p, x, st.tenancy)
        {
            return Some(x);
        }
        let sibling = table
            .fks
            .iter()
            .enumerate()
            .find(|(fj, f)| *fj != fi && world.catalog.table_index(&f.ref_table) == Some(p) && st.picked[*fj].is_some())
            .and_then(|(fj, _)| st.picked[fj]);
        let col_name = table.columns[table.fks[fi].columns[0]].name.clone();
        let area = st.parent_area;
        // Candidates sharing an anchor with the row.
        let anchor_tables = &world.plan.tables[p].anchor_tables;
        let anchors: Vec<(u32, u32)> = st.anchors.clone();
        let ignore_anchors = self.relax >= 2 && sibling.is_none();
        for (a, x) in anchors {
            let a = a as usize;
            if ignore_anchors || a == p || world.actor[a] || !anchor_tables.contains(&a) {
                continue;
            }
            let cands: Vec<u32> = world
                .anchored(p, a, x)
                .into_iter()
                .filter(|&c| Some(c) != sibling && world.tenancy_ok(p, c, st.tenancy))
                .collect();
            if !cands.is_empty() {
                return choose(&cands, sibling, &col_name, rng);
            }
        }
        let mut tenancy = st.tenancy;
        if world.bucket_len(p, tenancy) == 0 {
            let nullable = table.fks[fi].columns.iter().any(|&c| !table.columns[c].not_null);
            if nullable && !st.soft {
                return None;
            }
            tenancy = Tenancy::Open;
        }
        if let Some(s) = sibling {
            let n = world.bucket_len(p, tenancy);
            let cands: Vec<u32> = (0..n).filter_map(|i| world.bucket_get(p, tenancy, i)).filter(|&c| c != s).collect();
            if cands.is_empty() {
                return None;
            }
            return choose(&cands, Some(s), &col_name, rng);
        }
        world.pick_bucket(p, tenancy, area, rng)
    }

    /// A parent in the same table: an earlier sibling (same driver parent) or earlier row.
    fn pick_self(&self, world: &World, fi: usize, st: &RowState, r: usize, rng: &mut Rng) -> Option<u32> {
        let table = &world.catalog.tables[self.ti];
        let name = &table.columns[table.fks[fi].columns[0]].name;
        let ok = |c: u32| -> bool {
            let pt = self.rows.tenant.get(c as usize).copied().flatten();
            match st.tenancy {
                Tenancy::Open => true,
                Tenancy::Shared => pt.is_none(),
                Tenancy::Tenant(t) => pt.is_none() || pt == Some(t),
            }
        };
        if let Some(d) = st.driver_row {
            let sib = self.siblings.get(&d)?;
            let cands: Vec<u32> = sib.iter().copied().filter(|&c| ok(c)).collect();
            if name.contains("reply") || name.contains("previous") || name.contains("parent_message") {
                return cands.last().copied();
            }
            return rng.pick(&cands).copied();
        }
        if r == 0 {
            return None;
        }
        for _ in 0..8 {
            let c = rng.below(r) as u32;
            if ok(c) {
                return Some(c);
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn fill_poly(&self, world: &World, poly: &super::plan::PolyRef, st: &mut RowState, rng: &mut Rng, r: usize) {
        let catalog = world.catalog;
        let table = &catalog.tables[self.ti];
        let (type_col, id_col) = (poly.type_col, poly.id_col);
        let tcol = &table.columns[type_col];
        let cands: Vec<&(String, usize)> =
            poly.targets.iter().filter(|(_, t)| world.rows[*t].as_ref().is_some_and(|x| !x.is_empty())).collect();
        let Some((v, t)) = rng.pick(&cands).map(|p| (p.0.clone(), p.1)) else {
            if !st.set[id_col] && table.columns[id_col].not_null {
                st.values[id_col] =
                    Value::Uuid(row_uuid(&format!("{}.{}", table.name, table.columns[id_col].name), r as u64));
                st.set[id_col] = true;
            }
            return;
        };
        let mut tenancy = st.tenancy;
        if world.bucket_len(t, tenancy) == 0 {
            tenancy = Tenancy::Open;
        }
        if let Some(row) = world.pick_bucket(t, tenancy, None, rng) {
            st.values[id_col] = world.key_value(t, "id", row);
            st.set[id_col] = true;
            if !st.set[type_col] {
                st.values[type_col] = match &tcol.ty {
                    ColType::Enum(e) if !catalog.enums.get(e).is_some_and(|l| l.contains(&v)) => Value::Null,
                    _ => Value::Text(v),
                };
                st.set[type_col] = !st.values[type_col].is_null();
            }
            if let Some(ci) =
                ["resource_name", "asset_name", "entity_name", "target_name"].iter().find_map(|n| table.col(n))
                && !st.set[ci]
                && let Some(l) = world.rows[t].as_ref().and_then(|x| x.labels.get(row as usize))
            {
                st.values[ci] = Value::Text(fit_text(l.clone(), &table.columns[ci]));
                st.set[ci] = true;
            }
        }
    }

    /// Unique keys: a clash is repaired by changing a text or integer column of the key that
    /// is not a foreign key; otherwise the attempt fails (and the row is tried again).
    fn check_unique(&self, world: &World, mut st: RowState) -> Option<RowState> {
        let table = &world.catalog.tables[self.ti];
        for (ui, u) in table.uniques.iter().enumerate() {
            // Repairable columns: numbers first, then free text, then listed values / enums.
            let mut cands: Vec<(u8, usize)> = u
                .columns
                .iter()
                .copied()
                .filter(|c| !self.protected.contains(c))
                .filter_map(|c| {
                    let col = &table.columns[c];
                    let rank = match &col.ty {
                        t if t.is_integer() => 0,
                        ColType::Text if col.check.allowed.is_none() && !col.name.ends_with("_type") => 1,
                        ColType::Text | ColType::Enum(_) => 2,
                        _ => return None,
                    };
                    Some((rank, c))
                })
                .collect();
            cands.sort_unstable();
            let mut bump = 2u32;
            while let Some(key) = unique_key(table, u, &st.values) {
                if !self.uniques[ui].contains(&key) {
                    break;
                }
                if bump > 400 || cands.is_empty() {
                    return None;
                }
                let (rank, target) = cands[0];
                let col = &table.columns[target];
                st.values[target] = match (&st.values[target], rank) {
                    (Value::Int(i), _) => Value::Int(i + 1),
                    (Value::Text(s), 1) => Value::Text(with_suffix(s, bump, col)),
                    (Value::Text(s), _) => {
                        let labels: Vec<String> = match &col.ty {
                            ColType::Enum(e) => world.catalog.enums.get(e).cloned().unwrap_or_default(),
                            _ => col.check.allowed.clone().unwrap_or_default(),
                        };
                        let pos = labels.iter().position(|l| l == s).unwrap_or(0);
                        if labels.is_empty() || bump as usize > labels.len() + 1 {
                            cands.remove(0);
                            continue;
                        }
                        Value::Text(labels[(pos + 1) % labels.len()].clone())
                    }
                    _ => {
                        cands.remove(0);
                        continue;
                    }
                };
                bump += 1;
            }
        }
        Some(st)
    }

    fn commit(&mut self, world: &World, unit_idx: usize, r: usize, st: RowState) -> Vec<Value> {
        let table = &world.catalog.tables[self.ti];
        for (ui, u) in table.uniques.iter().enumerate() {
            if let Some(key) = unique_key(table, u, &st.values) {
                self.uniques[ui].insert(key);
            }
        }
        let tenant = match (world.plan.tables[self.ti].class, st.tenancy) {
            (Class::Global, _) => None,
            (_, Tenancy::Tenant(t)) => Some(t),
            _ => None,
        };
        let id =
            table.col("id").and_then(|i| st.values[i].as_uuid()).unwrap_or_else(|| row_uuid(&table.name, r as u64));
        self.rows.ids.push(id);
        for c in &world.referenced[self.ti] {
            if let Some(ci) = table.col(c) {
                self.rows.extra.entry(c.clone()).or_default().push(st.values[ci].clone());
            }
        }
        self.rows.tenant.push(tenant);
        match tenant {
            Some(t) => self.rows.by_tenant.entry(t).or_default().push(r as u32),
            None => self.rows.shared.push(r as u32),
        }
        self.rows.time.push(st.parent_time.unwrap_or(0));
        self.rows.area.push(st.parent_area.unwrap_or(0));
        self.rows.anchors.push(st.anchors.into_boxed_slice());
        let label = st.parent_label.unwrap_or_default();
        if self.has_label_col {
            self.used_labels.insert(label.clone());
        }
        self.rows.labels.push(label);
        if let Some(ci) = table.col("slug")
            && let Value::Text(slug) = &st.values[ci]
        {
            self.rows.slugs.push(slug.clone());
        }
        if let Some(d) = st.driver_row {
            self.siblings.entry(d).or_default().push(r as u32);
            if self.units[unit_idx].parent.is_none() {
                *self.ordinals.entry(d).or_default() += 1;
            }
        }
        self.copy_cols.iter().map(|&c| st.values[c].clone()).collect()
    }

    /// Values for the deferred FK `fi` of every row: `(row id, parent value)`.
    pub fn deferred_values(world: &World, ti: usize, fi: usize) -> Vec<(Uuid, Value)> {
        let catalog = world.catalog;
        let table = &catalog.tables[ti];
        let f = &table.fks[fi];
        let Some(p) = catalog.table_index(&f.ref_table) else { return Vec::new() };
        let Some(rows) = world.rows[ti].as_ref() else { return Vec::new() };
        let items: Vec<DeferredItem> = rows
            .ids
            .iter()
            .zip(rows.tenant.iter())
            .zip(rows.anchors.iter())
            .zip(rows.area.iter())
            .map(|(((id, t), a), ar)| (*id, *t, a.clone(), *ar))
            .collect();
        let class = world.plan.tables[ti].class;
        let seed = mix(table_seed(&table.name, world.scale) ^ hash_str(&f.name));
        let rc = f.ref_columns.first().map_or("id", String::as_str).to_string();
        let single = table.fks.iter().filter(|g| g.ref_table == f.ref_table).count() == 1;
        let mut out = Vec::new();
        for (r, (id, tenant, anchors, area)) in items.into_iter().enumerate() {
            let mut rng = Rng::for_row(seed, r as u64);
            if !rng.chance(0.85) {
                continue;
            }
            let tenancy = match (class, tenant) {
                (Class::Tenants, _) => Tenancy::Tenant(r as u32),
                (Class::Global, _) => Tenancy::Open,
                (_, Some(t)) => Tenancy::Tenant(t),
                (_, None) => Tenancy::Shared,
            };
            let mut pick = None;
            if single && let Some(&(_, x)) = anchors.iter().find(|&&(t, _)| t as usize == p) {
                pick = Some(x);
            }
            if pick.is_none() {
                let tn = if world.bucket_len(p, tenancy) == 0 { Tenancy::Open } else { tenancy };
                pick = world.pick_bucket(p, tn, Some(area), &mut rng);
            }
            if let Some(row) = pick {
                let v = world.key_value(p, &rc, row);
                if !v.is_null() {
                    out.push((id, v));
                }
            }
        }
        out
    }
}

/// Picks among candidates; with a sibling pick from the same table, follows the direction the
/// column name suggests (`to_step_id` → the next row, `depends_on_task_id` → an earlier one).
fn choose(cands: &[u32], sibling: Option<u32>, col: &str, rng: &mut Rng) -> Option<u32> {
    if let Some(s) = sibling {
        let forward = ["to_", "next", "target", "successor"].iter().any(|w| col.contains(w));
        let backward =
            ["depend", "prereq", "previous", "prev_", "predecessor", "from_", "parent"].iter().any(|w| col.contains(w));
        if forward {
            return cands.iter().copied().filter(|&c| c > s).min();
        }
        if backward {
            let before: Vec<u32> = cands.iter().copied().filter(|&c| c < s).collect();
            let k = before.len();
            return if k == 0 { None } else { before.get(k - 1 - rng.below(k.min(2))).copied() };
        }
    }
    rng.pick(cands).copied()
}

/// The text key of a unique constraint for a row, or `None` when the row does not take part
/// (a NULL in the key, or a partial index whose predicate is false).
fn unique_key(table: &Table, u: &super::catalog::UniqueKey, values: &[Value]) -> Option<String> {
    for test in &u.predicate {
        let ok = match test {
            PredicateTest::IsTrue(c) => table.col(c).is_some_and(|i| values[i] == Value::Bool(true)),
            PredicateTest::IsFalse(c) => table.col(c).is_some_and(|i| values[i] == Value::Bool(false)),
            PredicateTest::IsNull(c) => table.col(c).is_some_and(|i| values[i].is_null()),
            PredicateTest::IsNotNull(c) => table.col(c).is_some_and(|i| !values[i].is_null()),
        };
        if !ok {
            return None;
        }
    }
    let mut key = String::new();
    for &c in &u.columns {
        let v = &values[c];
        if v.is_null() && !u.nulls_not_distinct {
            return None;
        }
        super::copy_writer::encode_value(&mut key, v);
        key.push('\u{1f}');
    }
    if u.case_insensitive {
        key = key.to_lowercase();
    }
    Some(key)
}

/// `"x"` → `"x-2"` for keys and slugs, `"a@b"` → `"a2@b"` for e-mails, `"Name"` → `"Name (2)"`.
fn with_suffix(s: &str, n: u32, col: &super::catalog::Column) -> String {
    let name = col.name.as_str();
    let out = if let Some((local, domain)) = s.split_once('@') {
        let local = local.trim_end_matches(|c: char| c.is_ascii_digit());
        format!("{local}{n}@{domain}")
    } else if !s.contains(' ') {
        let base = s.rsplit_once('-').filter(|(_, t)| t.parse::<u32>().is_ok()).map_or(s, |(b, _)| b);
        format!("{base}-{n}")
    } else if name.contains("slug") || name.contains("code") || name.contains("key") {
        format!("{s}-{n}")
    } else {
        let base = s.rsplit_once(" (").map_or(s, |(b, _)| b);
        format!("{base} ({n})")
    };
    if let Some(max) = col.max_len
        && out.chars().count() > max
    {
        let suffix = format!("-{n}");
        let keep = max.saturating_sub(suffix.len());
        return s.chars().take(keep).collect::<String>() + &suffix;
    }
    out
}

fn with_number(like: &Value, f: f64) -> Value {
    match like {
        Value::Int(_) => Value::Int(f.round() as i64),
        Value::Numeric(d) => {
            let scale = d.scale();
            let m = (f * 10f64.powi(scale as i32)).round() as i128;
            rust_decimal::Decimal::try_from_i128_with_scale(m, scale).map_or_else(|_| like.clone(), Value::Numeric)
        }
        Value::Float(_) => Value::Float(f),
        Value::Timestamp(_) => Value::Timestamp(f as i64),
        Value::Date(_) => Value::Date(f as i64),
        other => other.clone(),
    }
}

/// Makes a row satisfy the rules of its multi-column CHECK constraints: swaps values that
/// violate an order (`ended_at >= started_at`), raises a total below its parts, clears a
/// flag whose required column is NULL, keeps at most / exactly one of a group set.
/// Returns false when the row cannot satisfy a rule.
fn apply_rules(table: &Table, values: &mut [Value]) -> bool {
    for rule in &table.rules {
        match rule {
            RowRule::Order(order) => {
                let (Some(li), Some(ri)) = (table.col(&order.left), table.col(&order.right)) else { continue };
                let (Some(lv), Some(rv)) = (values[li].as_f64(), values[ri].as_f64()) else { continue };
                if order.op.holds(lv, rv) {
                    continue;
                }
                match order.op {
                    CmpOp::Ge | CmpOp::Gt | CmpOp::Le | CmpOp::Lt => {
                        values.swap(li, ri);
                        let (lv, rv) = (values[li].as_f64().unwrap_or(0.0), values[ri].as_f64().unwrap_or(0.0));
                        if !order.op.holds(lv, rv) {
                            // Equal values under a strict comparison: move the left one.
                            let delta = if matches!(order.op, CmpOp::Gt) { 1.0 } else { -1.0 };
                            values[li] = with_number(&values[li], lv + delta);
                        }
                    }
                    CmpOp::Ne => values[li] = with_number(&values[li], lv + 1.0),
                    CmpOp::Eq => values[li] = values[ri].clone(),
                }
            }
            RowRule::SumOrder { parts, op, right } => {
                let Some(r) = table.col(right) else { continue };
                let mut sum = 0.0;
                let mut known = true;
                for p in parts {
                    match table.col(p).and_then(|i| values[i].as_f64()) {
                        Some(v) => sum += v,
                        None => known = false,
                    }
                }
                let Some(total) = values[r].as_f64() else { continue };
                if known && !op.holds(sum, total) {
                    let target = match op {
                        CmpOp::Lt => sum + 1.0,
                        CmpOp::Gt => sum - 1.0,
                        _ => sum,
                    };
                    values[r] = with_number(&values[r], target);
                }
            }
            RowRule::Implies { flag, required } => {
                if let (Some(f), Some(q)) = (table.col(flag), table.col(required))
                    && values[f] == Value::Bool(true)
                    && values[q].is_null()
                {
                    values[f] = Value::Bool(false);
                }
            }
            RowRule::AtMostOne(cols) => {
                let mut seen = false;
                for c in cols {
                    if let Some(i) = table.col(c)
                        && !values[i].is_null()
                    {
                        if seen && !table.columns[i].not_null {
                            values[i] = Value::Null;
                        }
                        seen = true;
                    }
                }
            }
            RowRule::ExactlyOne(cols) => {
                let set: Vec<usize> =
                    cols.iter().filter_map(|c| table.col(c)).filter(|&i| !values[i].is_null()).collect();
                if set.is_empty() {
                    return false;
                }
                for &i in &set[1..] {
                    values[i] = Value::Null;
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Column;
    use crate::check_constraints::ColumnCheck;

    fn col(name: &str, max_len: Option<usize>) -> Column {
        Column {
            name: name.into(),
            sql_type: String::new(),
            ty: ColType::Text,
            not_null: true,
            default: None,
            skip: false,
            max_len,
            precision: None,
            scale: None,
            dims: None,
            check: ColumnCheck::default(),
        }
    }

    #[test]
    fn suffixes() {
        assert_eq!(with_suffix("acme-pharma", 2, &col("slug", None)), "acme-pharma-2");
        assert_eq!(with_suffix("acme-pharma-2", 3, &col("slug", None)), "acme-pharma-3");
        assert_eq!(with_suffix("a.b@x.example.com", 2, &col("email", None)), "a.b2@x.example.com");
        assert_eq!(with_suffix("Brand Plan", 2, &col("name", None)), "Brand Plan (2)");
        assert_eq!(with_suffix("Brand Plan (2)", 3, &col("name", None)), "Brand Plan (3)");
        assert_eq!(with_suffix("abcdef", 2, &col("code", Some(5))), "abc-2");
        assert_eq!(prefix_for("workflow_step_definitions"), "WSD");
        assert_eq!(prefix_for("agents"), "AGT");
    }

    fn c(name: &str, ty: ColType, not_null: bool) -> Column {
        Column { ty, not_null, ..col(name, None) }
    }

    fn fk(name: &str, cols: &[usize], ref_table: &str) -> crate::catalog::ForeignKey {
        crate::catalog::ForeignKey {
            name: name.into(),
            columns: cols.to_vec(),
            ref_table: ref_table.into(),
            ref_columns: vec!["id".into()],
        }
    }

    fn unique(cols: &[usize]) -> crate::catalog::UniqueKey {
        crate::catalog::UniqueKey {
            name: "u".into(),
            columns: cols.to_vec(),
            case_insensitive: false,
            predicate: Vec::new(),
            nulls_not_distinct: false,
        }
    }

    fn table(
        name: &str,
        columns: Vec<Column>,
        fks: Vec<crate::catalog::ForeignKey>,
        uniques: Vec<crate::catalog::UniqueKey>,
    ) -> Table {
        Table { name: name.into(), columns, fks, uniques, rules: Vec::new(), has_user_triggers: false }
    }

    /// tenants ⇄ user_profiles (a cycle), two registry tables and a junction between them.
    fn small_catalog() -> Catalog {
        use ColType::{Bool, Enum, Text, Uuid as U};
        let tenants = table(
            "tenants",
            vec![
                c("id", U, true),
                c("name", Text, true),
                c("slug", Text, true),
                c("parent_tenant_id", U, false),
                c("created_by", U, false),
            ],
            vec![fk("t_parent", &[3], "tenants"), fk("t_created_by", &[4], "user_profiles")],
            vec![unique(&[2])],
        );
        let users = table(
            "user_profiles",
            vec![c("id", U, true), c("tenant_id", U, true), c("email", Text, true), c("full_name", Text, false)],
            vec![fk("u_tenant", &[1], "tenants")],
            vec![unique(&[2])],
        );
        let registry = |name: &str, extra: Column| {
            table(
                name,
                vec![
                    c("id", U, true),
                    c("tenant_id", U, false),
                    c("owner_tenant_id", U, false),
                    c("is_public", Bool, true),
                    c("name", Text, true),
                    c("slug", Text, true),
                    extra,
                    c("created_by", U, false),
                ],
                vec![
                    fk("r_tenant", &[1], "tenants"),
                    fk("r_owner", &[2], "tenants"),
                    fk("r_user", &[7], "user_profiles"),
                ],
                vec![unique(&[5])],
            )
        };
        let agents = registry("agents", c("status", Enum("agent_status".into()), true));
        let prompts = registry("prompts", c("role_type", Enum("prompt_role_type".into()), true));
        let junction = table(
            "agent_prompts",
            vec![
                c("id", U, true),
                c("tenant_id", U, false),
                c("agent_id", U, true),
                c("prompt_id", U, true),
                c("is_primary", Bool, true),
            ],
            vec![fk("j_tenant", &[1], "tenants"), fk("j_agent", &[2], "agents"), fk("j_prompt", &[3], "prompts")],
            vec![unique(&[2, 3])],
        );
        let mut enums = HashMap::new();
        enums.insert("agent_status".to_string(), vec!["development".to_string(), "active".to_string()]);
        enums.insert(
            "prompt_role_type".to_string(),
            ["system", "context", "instruction", "example", "panel_orchestration", "analysis", "synthesis"]
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
        );
        // The catalog lists tables by name, as introspection does.
        let mut tables = vec![agents, junction, prompts, tenants, users];
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        Catalog::from_tables(tables, enums)
    }

    /// Generates every table in memory; returns the rows' values per table name.
    fn generate_all(catalog: &Catalog, plan: &Plan) -> HashMap<String, Vec<Vec<Value>>> {
        let mut world = World::new(catalog, plan, 1);
        let mut out = HashMap::new();
        for &ti in &plan.order {
            let mut g = TableGen::new(&world, ti).unwrap_or_else(|e| panic!("{e}"));
            let mut rows = Vec::new();
            while let Some(r) = g.next_row(&mut world) {
                rows.push(r);
            }
            world.finish_table(ti, g.into_rows());
            out.insert(catalog.tables[ti].name.clone(), rows);
        }
        out
    }

    #[test]
    fn engine_keeps_tenancy_and_is_deterministic() {
        let catalog = small_catalog();
        let plan = crate::plan::build(&catalog).unwrap_or_else(|e| panic!("{e}"));
        let name = |i: usize| catalog.tables[i].name.as_str();
        let order: Vec<&str> = plan.order.iter().map(|&i| name(i)).collect();
        assert_eq!(order[0], "tenants", "{order:?}");
        let tenants_ti = catalog.table_index("tenants").unwrap_or(0);
        assert_eq!(plan.tables[tenants_ti].deferred.len(), 1, "tenants.created_by closes the cycle");

        let a = generate_all(&catalog, &plan);
        let b = generate_all(&catalog, &plan);
        assert_eq!(a, b, "same scale, same data");

        assert_eq!(a["tenants"].len(), 10);
        assert_eq!(a["agents"].len(), 254);
        assert_eq!(a["prompts"].len(), 700);
        let tenant_of = |rows: &Vec<Vec<Value>>| -> HashMap<Uuid, Option<Uuid>> {
            rows.iter().filter_map(|r| Some((r[0].as_uuid()?, r[1].as_uuid()))).collect()
        };
        let agents = tenant_of(&a["agents"]);
        let prompts = tenant_of(&a["prompts"]);
        // ~60 % shared, is_public mirrors it, owner mirrors the tenant (platform when shared).
        let shared = a["agents"].iter().filter(|r| r[1].is_null()).count();
        assert!((140..=165).contains(&shared), "{shared} shared agents");
        for r in &a["agents"] {
            assert_eq!(r[3], Value::Bool(r[1].is_null()));
            if r[1].is_null() {
                assert_eq!(r[2].as_uuid(), Some(super::super::documented_rows::PLATFORM_ID));
            } else {
                assert_eq!(r[2], r[1]);
            }
        }
        // Junction: tenant-compatible pairs, the private side's tenant, one primary per agent.
        let mut primaries: HashMap<Uuid, usize> = HashMap::new();
        let mut per_agent: HashMap<Uuid, usize> = HashMap::new();
        for r in &a["agent_prompts"] {
            let (ag, pr) = (r[2].as_uuid().unwrap_or_default(), r[3].as_uuid().unwrap_or_default());
            let (ta, tp) = (agents[&ag], prompts[&pr]);
            // A private agent links shared prompts or its tenant's; a shared agent mostly
            // shared ones, sometimes a tenant's own (the link then belongs to that tenant).
            if let (Some(t), Some(u)) = (ta, tp) {
                assert_eq!(t, u, "a link across two tenants");
            }
            assert_eq!(r[1].as_uuid(), ta.or(tp));
            *per_agent.entry(ag).or_default() += 1;
            if r[4] == Value::Bool(true) {
                *primaries.entry(ag).or_default() += 1;
            }
        }
        assert_eq!(per_agent.len(), 254);
        assert!(per_agent.values().all(|n| (3..=8).contains(n)));
        assert!(primaries.values().all(|n| *n == 1) && primaries.len() == 254);
        // All seven prompt role types occur.
        let roles: HashSet<&str> = a["prompts"].iter().filter_map(|r| r[6].as_str()).collect();
        assert_eq!(roles.len(), 7);
        // Users spread over every tenant.
        let user_tenants: HashSet<Option<Uuid>> = a["user_profiles"].iter().map(|r| r[1].as_uuid()).collect();
        assert_eq!(user_tenants.len(), 10);
    }

    #[test]
    fn direction() {
        let mut rng = Rng::new(1);
        assert_eq!(choose(&[1, 3, 5, 7], Some(3), "to_step_id", &mut rng), Some(5));
        let b = choose(&[1, 3, 5, 7], Some(5), "depends_on_task_id", &mut rng);
        assert!(b == Some(3) || b == Some(1));
        assert_eq!(choose(&[7], Some(7), "to_step_id", &mut rng), None);
    }
}
