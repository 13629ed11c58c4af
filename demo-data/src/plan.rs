//! The seeding plan: each table's tenancy class, how many rows it gets (a fixed number, or a
//! range per parent row), which foreign key drives it, in which order its foreign keys are
//! resolved, and the FK-topological order of all tables (cycles are broken at nullable
//! foreign keys, which are then filled after every table is loaded).

use super::SeedError;
use super::catalog::{Catalog, ColType, Table};
use super::vocabulary::{LabelKind, label_kind};
use entity::naming::{abbreviation, singular, table_of_abbreviation};
use entity::tenancy::TenancyColumns;
use std::collections::{BTreeSet, HashMap};

pub const TENANTS: &str = entity::tenancy::TENANTS_TABLE;

/// Tenancy class of a table: the gateway's own classification (`entity::tenancy`), so that the
/// seeder fills every table the way the gateway and row-level security read it. Called `Class`
/// here because [`super::generator::Tenancy`] is the tenancy of one row.
pub use entity::tenancy::Tenancy as Class;

/// How many rows a table gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// `n` rows, times the scale when `scales`.
    Fixed { n: u32, scales: bool },
    /// `lo..=hi` rows per row of the driving parent (the FK on `col`, or the planner's choice).
    PerParent { col: Option<&'static str>, lo: u32, hi: u32 },
}

const fn fixed(n: u32) -> Count {
    Count::Fixed { n, scales: true }
}
const fn flat(n: u32) -> Count {
    Count::Fixed { n, scales: false }
}
const fn per(lo: u32, hi: u32) -> Count {
    Count::PerParent { col: None, lo, hi }
}
const fn per_col(col: &'static str, lo: u32, hi: u32) -> Count {
    Count::PerParent { col: Some(col), lo, hi }
}

/// Volumes at scale 1. Tables not listed get a default from their shape (junction or child:
/// 1-3 per parent; others 20 × scale). Documented tables add their fixed rows on top.
pub const VOLUMES: &[(&str, Count)] = &[
    // identity and tenancy
    ("user_profiles", fixed(60)),
    ("tenant_organizations", per_col("tenant_id", 1, 1)),
    ("tenant_members", per_col("user_id", 1, 1)),
    ("tenant_usage_tracking", per_col("tenant_id", 3, 6)),
    ("api_keys", fixed(30)),
    ("asset_sharing", fixed(40)),
    // solutions
    ("solution_installations", fixed(20)),
    ("solution_prompt_suites", per(2, 4)),
    ("solution_agents", per(4, 10)),
    ("solution_workflows", per(2, 5)),
    ("solution_prompts", per(5, 12)),
    ("solution_templates", per(2, 5)),
    ("solution_knowledge", per(3, 8)),
    // organisation (reference data, not scaled)
    ("org_departments", per(3, 5)),
    ("org_roles", per(2, 4)),
    ("org_responsibilities", flat(80)),
    ("function_departments", per(3, 5)),
    ("function_roles", per(4, 8)),
    ("department_roles", per(2, 4)),
    ("role_responsibilities", per(2, 4)),
    // outcome hierarchy
    ("domains", flat(12)),
    ("capabilities", fixed(60)),
    ("strategic_priorities", flat(12)),
    ("capability_jtbd_mapping", per(4, 9)),
    ("use_cases", fixed(40)),
    ("use_case_industry_mapping", per(1, 3)),
    // personas and JTBDs
    ("personas", fixed(335)),
    ("persona_industry_mapping", per(1, 3)),
    ("persona_role_mapping", per(1, 3)),
    ("jobs_to_be_done", fixed(338)),
    ("jtbd_personas", per(1, 4)),
    ("jtbd_industry_mapping", per(1, 3)),
    ("jtbd_desired_outcomes", per(4, 8)),
    ("jtbd_gen_ai_opportunities", per(1, 3)),
    ("jtbd_gen_ai_use_cases", per(3, 5)),
    // agents
    ("agents", fixed(254)),
    ("agent_skills", per(2, 6)),
    ("agent_tools", per(1, 4)),
    ("agent_prompts", per(3, 8)),
    ("agent_knowledge", per(2, 5)),
    ("agent_industry_mapping", per(1, 3)),
    ("agent_persona_mapping", per(1, 4)),
    // content
    ("prompts", fixed(700)),
    ("prompt_industry_mapping", per(1, 3)),
    ("prompt_workflow_mapping", per(0, 2)),
    ("prompt_task_mapping", per(0, 3)),
    ("tools", fixed(60)),
    ("tool_industry_mapping", per(1, 3)),
    ("skills", fixed(120)),
    ("skill_industry_mapping", per(1, 3)),
    ("knowledge_sources", fixed(200)),
    ("knowledge_chunks", per(8, 12)),
    ("knowledge_industry_mapping", per(1, 3)),
    ("templates", fixed(80)),
    // workflows and tasks
    ("workflows", fixed(50)),
    ("workflow_industry_mapping", per(1, 3)),
    ("workflow_persona_mapping", per(1, 4)),
    ("workflow_jtbd_mapping", per(1, 4)),
    ("workflow_step_definitions", per(4, 8)),
    ("workflow_step_connections", per_col("from_step_id", 1, 1)),
    ("workflow_tasks", per(3, 8)),
    ("tasks", fixed(300)),
    ("task_industry_mapping", per(1, 2)),
    ("task_dependencies", per(0, 2)),
    ("task_outputs", per(1, 3)),
    ("steps", per(3, 5)),
    ("task_agents", per(1, 3)),
    ("task_tools", per(0, 3)),
    ("task_skills", per(1, 3)),
    ("task_agent_prompt_orchestration", per(1, 3)),
    // ask expert
    ("expert_consultations", fixed(300)),
    ("expert_messages", per(6, 14)),
    ("consultation_sessions", per(1, 2)),
    // ask panel
    ("panel_templates", flat(15)),
    ("panel_facilitator_configs", flat(15)),
    ("panel_discussions", fixed(60)),
    ("panel_members", per(3, 6)),
    ("panel_rounds", per(2, 4)),
    ("panel_messages", per(3, 6)),
    ("panel_consensus", per(1, 2)),
    ("panel_votes", per(2, 5)),
    // execution
    ("workflow_executions", fixed(200)),
    ("workflow_execution_steps", per(3, 8)),
    ("workflow_approvals", per(0, 2)),
    ("workflow_logs", per(4, 10)),
    ("task_executions", per(2, 5)),
    // outputs and feedback
    ("deliverables", fixed(150)),
    ("artifacts", fixed(150)),
    ("consultation_feedback", fixed(150)),
    ("votes", fixed(40)),
    ("vote_records", per(3, 8)),
    // governance and billing
    ("audit_log", fixed(2000)),
    ("service_role_audit", fixed(300)),
    ("data_retention_policies", flat(12)),
    ("entity_versions", fixed(300)),
    ("token_usage_messages", fixed(2000)),
    ("token_usage_sessions", fixed(400)),
    ("token_usage_consultations", fixed(300)),
    ("subscription_usage_monthly", per_col("tenant_id", 6, 12)),
    ("cost_allocation", fixed(300)),
];

/// A uuid column without a foreign key that names another table (`use_case_id`), or a uuid
/// array naming one (`allowed_industries`, `prompt_ids`).
#[derive(Debug, Clone)]
pub struct SoftRef {
    pub column: usize,
    pub table: usize,
}

/// A polymorphic reference: `asset_type` / `asset_id`, `resource_type` / `resource_id`,
/// `target_table` / `target_id`.
#[derive(Debug, Clone)]
pub struct PolyRef {
    pub type_col: usize,
    pub id_col: usize,
    /// The type column holds table names (`*_table`) rather than singular nouns.
    pub holds_table_name: bool,
    /// (value of the type column, table) pairs the reference may point to: from the type
    /// column's CHECK list, else every registry table.
    pub targets: Vec<(String, usize)>,
}

#[derive(Debug, Clone)]
pub struct TablePlan {
    pub class: Class,
    pub count: Count,
    /// The FK whose parent each row belongs to (index into `Table::fks`).
    pub driver: Option<usize>,
    /// PerParent over tenants via the tenancy column.
    pub driver_is_tenant: bool,
    /// FKs picked per row, driver first, then the others by decreasing depth of their parent.
    pub fk_order: Vec<usize>,
    /// FKs filled after all tables (they close a cycle).
    pub deferred: Vec<usize>,
    pub tenant_col: Option<usize>,
    pub owner_col: Option<usize>,
    pub soft_refs: Vec<SoftRef>,
    pub array_refs: Vec<SoftRef>,
    pub poly: Vec<PolyRef>,
    /// Longest chain of NOT NULL parents.
    pub depth: u32,
    /// Tables whose rows may appear among this table's rows' anchors.
    pub anchor_tables: BTreeSet<usize>,
    pub label_kind: LabelKind,
    /// A junction (unique pair of foreign keys).
    pub is_junction: bool,
    /// A private table whose nullable `tenant_id` marks platform rows (`audit_log`, ...).
    pub platform_rows: bool,
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// Table indices in load order.
    pub order: Vec<usize>,
    pub tables: Vec<TablePlan>,
    pub tenants: usize,
}

fn plural_forms(stem: &str) -> Vec<String> {
    let mut v = vec![format!("{stem}s"), format!("{stem}es"), stem.to_string()];
    if let Some(s) = stem.strip_suffix('y') {
        v.push(format!("{s}ies"));
    }
    if let Some(table) = table_of_abbreviation(stem) {
        v.push(table.to_string());
    }
    v
}

/// The table a name stem refers to: `use_case` → `use_cases`; leading words are dropped
/// one by one (`actor_api_key` → `api_keys`).
fn table_for_stem(catalog: &Catalog, stem: &str) -> Option<usize> {
    let words: Vec<&str> = stem.split('_').collect();
    for start in 0..words.len() {
        let s = words[start..].join("_");
        for cand in plural_forms(&s) {
            if let Some(i) = catalog.table_index(&cand) {
                return Some(i);
            }
        }
    }
    None
}

/// Tables a polymorphic reference may point to.
fn poly_targets(catalog: &Catalog, t: &Table, type_col: usize, holds_table_name: bool) -> Vec<(String, usize)> {
    let col = &t.columns[type_col];
    let mut out = Vec::new();
    if let Some(allowed) = &col.check.allowed {
        for v in allowed {
            let target = catalog.table_index(v).or_else(|| plural_forms(v).iter().find_map(|p| catalog.table_index(p)));
            if let Some(target) = target {
                out.push((v.clone(), target));
            }
        }
    }
    if out.is_empty() {
        for (i, other) in catalog.tables.iter().enumerate() {
            if classify(other) == Class::Registry && other.name != t.name {
                let v = if holds_table_name {
                    other.name.clone()
                } else {
                    // The schema's own word for the asset where it has one (`jtbd`, as in asset_sharing).
                    abbreviation(&other.name).map_or_else(|| singular(&other.name), str::to_string)
                };
                if col.max_len.is_none_or(|m| v.len() <= m) {
                    out.push((v, i));
                }
            }
        }
    }
    out
}

/// The class of `t`, by the shared rule (`entity::tenancy::classify`).
pub fn classify(t: &Table) -> Class {
    entity::tenancy::classify(
        &t.name,
        TenancyColumns {
            tenant_id_nullable: t.col("tenant_id").map(|i| !t.columns[i].not_null),
            has_is_public: t.has("is_public"),
        },
    )
}

fn is_tenancy_col(name: &str) -> bool {
    name == "tenant_id" || name == "owner_tenant_id"
}

/// Builds the plan for every table of the catalog.
pub fn build(catalog: &Catalog) -> Result<Plan, SeedError> {
    let n = catalog.tables.len();
    let tenants =
        catalog.table_index(TENANTS).ok_or_else(|| SeedError::Plan("the schema has no `tenants` table".into()))?;

    // Tenancy FKs (tenant_id / owner_tenant_id → tenants) are handled by the tenancy logic,
    // not picked like other FKs.
    let is_tenancy_fk = |t: &Table, fk: usize| -> bool {
        let f = &t.fks[fk];
        f.ref_table == TENANTS && f.columns.len() == 1 && is_tenancy_col(&t.columns[f.columns[0]].name)
    };

    // Soft references, arrays and polymorphic pairs.
    let mut soft: Vec<Vec<SoftRef>> = vec![Vec::new(); n];
    let mut arrays: Vec<Vec<SoftRef>> = vec![Vec::new(); n];
    let mut polys: Vec<Vec<PolyRef>> = vec![Vec::new(); n];
    for (ti, t) in catalog.tables.iter().enumerate() {
        let fk_cols: BTreeSet<usize> = t.fks.iter().flat_map(|f| f.columns.iter().copied()).collect();
        for (ci, c) in t.columns.iter().enumerate() {
            if fk_cols.contains(&ci) || c.name == "id" {
                continue;
            }
            match &c.ty {
                ColType::Uuid => {
                    let Some(stem) = c.name.strip_suffix("_id") else { continue };
                    let type_col = t
                        .col(&format!("{stem}_type"))
                        .map(|i| (i, false))
                        .or_else(|| t.col(&format!("{stem}_table")).map(|i| (i, true)))
                        .or_else(|| {
                            (stem == "record" || stem == "target")
                                .then(|| t.col("table_name").map(|i| (i, true)))
                                .flatten()
                        });
                    if let Some((type_col, holds_table_name)) = type_col {
                        let targets = poly_targets(catalog, t, type_col, holds_table_name);
                        polys[ti].push(PolyRef { type_col, id_col: ci, holds_table_name, targets });
                    } else if let Some(target) = table_for_stem(catalog, stem)
                        && target != ti
                    {
                        soft[ti].push(SoftRef { column: ci, table: target });
                    }
                }
                ColType::Array(inner) if **inner == ColType::Uuid => {
                    let base = c.name.strip_suffix("_ids").unwrap_or(&c.name);
                    let last = base.rsplit('_').next().unwrap_or(base);
                    let target = table_for_stem(catalog, base)
                        .or_else(|| catalog.table_index(last))
                        .or_else(|| table_for_stem(catalog, last));
                    if let Some(target) = target {
                        arrays[ti].push(SoftRef { column: ci, table: target });
                    }
                }
                _ => {}
            }
        }
    }

    // Topological order (Kahn), ties by name; cycles broken at nullable FKs.
    let mut deferred: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut drop_soft = false;
    while order.len() < n {
        let ready = (0..n).find(|&ti| {
            !placed[ti] && {
                let t = &catalog.tables[ti];
                let hard_ok = t.fks.iter().enumerate().all(|(fi, f)| {
                    deferred[ti].contains(&fi) || catalog.table_index(&f.ref_table).is_none_or(|r| r == ti || placed[r])
                });
                let soft_ok = drop_soft
                    || (soft[ti].iter().chain(arrays[ti].iter()).all(|s| placed[s.table] || s.table == ti)
                        && polys[ti].iter().flat_map(|p| p.targets.iter()).all(|&(_, t)| placed[t] || t == ti));
                hard_ok && soft_ok
            }
        });
        // `catalog.tables` is sorted by name, so the first ready table is the tie-break.
        if let Some(ti) = ready {
            placed[ti] = true;
            order.push(ti);
            drop_soft = false;
            continue;
        }
        if !drop_soft {
            drop_soft = true;
            continue;
        }
        // Defer the nullable FKs of the table that needs the fewest deferrals.
        let mut best: Option<(usize, Vec<usize>)> = None;
        for ti in (0..n).filter(|&ti| !placed[ti]) {
            let t = &catalog.tables[ti];
            let blocking: Vec<usize> = t
                .fks
                .iter()
                .enumerate()
                .filter(|(fi, f)| {
                    !deferred[ti].contains(fi)
                        && catalog.table_index(&f.ref_table).is_some_and(|r| r != ti && !placed[r])
                })
                .map(|(fi, _)| fi)
                .collect();
            let all_nullable = blocking.iter().all(|&fi| t.fks[fi].columns.iter().all(|&c| !t.columns[c].not_null));
            if all_nullable && best.as_ref().is_none_or(|(_, b)| blocking.len() < b.len()) {
                best = Some((ti, blocking));
            }
        }
        if let Some((ti, fks)) = best {
            for fi in &fks {
                tracing::debug!(table = %catalog.tables[ti].name, fk = %catalog.tables[ti].fks[*fi].name, "deferring FK to break a cycle");
            }
            deferred[ti].extend(fks);
        } else {
            let names: Vec<&str> = (0..n).filter(|&t| !placed[t]).map(|t| catalog.tables[t].name.as_str()).collect();
            return Err(SeedError::Plan(format!(
                "foreign keys form a cycle of NOT NULL columns among: {}",
                names.join(", ")
            )));
        }
    }

    // Depth and anchor tables, in load order.
    let mut depth = vec![0u32; n];
    let mut anchors: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for &ti in &order {
        let table = &catalog.tables[ti];
        let mut table_depth = 0;
        let mut table_anchors = BTreeSet::new();
        for (fi, f) in table.fks.iter().enumerate() {
            if deferred[ti].contains(&fi) || is_tenancy_fk(table, fi) {
                continue;
            }
            let Some(parent) = catalog.table_index(&f.ref_table) else { continue };
            if parent == ti || parent == tenants {
                continue;
            }
            if f.columns.iter().all(|&c| table.columns[c].not_null) {
                table_depth = table_depth.max(depth[parent] + 1);
            }
            table_anchors.insert(parent);
            table_anchors.extend(anchors[parent].iter().copied());
        }
        depth[ti] = table_depth;
        anchors[ti] = table_anchors;
    }

    let volumes: HashMap<&str, Count> = VOLUMES.iter().copied().collect();
    let mut plans = Vec::with_capacity(n);
    for (ti, t) in catalog.tables.iter().enumerate() {
        let class = classify(t);
        let pickable: Vec<usize> =
            (0..t.fks.len()).filter(|&fi| !deferred[ti].contains(&fi) && !is_tenancy_fk(t, fi)).collect();
        let ref_of = |fi: usize| catalog.table_index(&t.fks[fi].ref_table);
        let not_null = |fi: usize| t.fks[fi].columns.iter().all(|&c| t.columns[c].not_null);
        let non_self = |fi: usize| ref_of(fi).is_some_and(|r| r != ti && r != tenants);

        // A junction: a unique key over two or more non-tenancy FK columns.
        let junction_cols: Option<Vec<usize>> = t.uniques.iter().find_map(|u| {
            let fk_cols: Vec<usize> = u
                .columns
                .iter()
                .copied()
                .filter(|c| pickable.iter().any(|&fi| t.fks[fi].columns.first() == Some(c)))
                .collect();
            (fk_cols.len() >= 2).then_some(fk_cols)
        });
        let is_junction = junction_cols.is_some();

        let configured = volumes.get(t.name.as_str()).copied();
        let mut driver_is_tenant = false;
        let mut driver = None;
        if let Some(Count::PerParent { col: Some(col), .. }) = configured {
            if is_tenancy_col(col) && t.has(col) {
                driver_is_tenant = true;
            } else {
                driver = pickable.iter().copied().find(|&fi| t.columns[t.fks[fi].columns[0]].name == col);
            }
        }
        if driver.is_none()
            && !driver_is_tenant
            && let Some(cols) = &junction_cols
        {
            driver = cols
                .iter()
                .copied()
                .min()
                .and_then(|c| pickable.iter().copied().find(|&fi| t.fks[fi].columns.first() == Some(&c)))
                .filter(|&fi| not_null(fi) && non_self(fi));
        }
        if driver.is_none() && !driver_is_tenant {
            let actor =
                |fi: usize| ref_of(fi).is_some_and(|r| classify(&catalog.tables[r]) == Class::Private && depth[r] == 0);
            driver = pickable.iter().copied().filter(|&fi| not_null(fi) && non_self(fi)).max_by_key(|&fi| {
                let r = ref_of(fi).unwrap_or(ti);
                // deeper first, then non-actor, then earlier column (max_by_key keeps the
                // last maximum, hence the reversed column index).
                (depth[r], !actor(fi), usize::MAX - t.fks[fi].columns[0])
            });
        }

        if driver.is_none() && !driver_is_tenant && matches!(configured, Some(Count::PerParent { .. })) {
            // A per-parent count over an optional parent (org_roles per department).
            driver = pickable
                .iter()
                .copied()
                .filter(|&fi| non_self(fi))
                .max_by_key(|&fi| (depth[ref_of(fi).unwrap_or(ti)], usize::MAX - t.fks[fi].columns[0]));
        }
        let count = match configured {
            Some(Count::PerParent { lo, hi, col }) if driver.is_some() || driver_is_tenant => {
                Count::PerParent { col, lo, hi }
            }
            Some(Count::PerParent { .. }) => fixed(20),
            Some(c) => c,
            None if driver.is_some() => per(1, 3),
            None => fixed(20),
        };

        let mut fk_order: Vec<usize> = pickable.clone();
        fk_order.sort_by_key(|&fi| {
            let r = ref_of(fi).unwrap_or(ti);
            let is_driver = Some(fi) == driver;
            (!is_driver, r == ti, std::cmp::Reverse(depth[r]), t.fks[fi].columns[0])
        });

        plans.push(TablePlan {
            class,
            count,
            driver,
            driver_is_tenant,
            fk_order,
            deferred: deferred[ti].clone(),
            tenant_col: t.col("tenant_id"),
            owner_col: t.col("owner_tenant_id"),
            soft_refs: std::mem::take(&mut soft[ti]),
            array_refs: std::mem::take(&mut arrays[ti]),
            poly: std::mem::take(&mut polys[ti]),
            depth: depth[ti],
            anchor_tables: std::mem::take(&mut anchors[ti]),
            label_kind: label_kind(&t.name),
            is_junction,
            platform_rows: class == Class::Private && t.col("tenant_id").is_some_and(|i| !t.columns[i].not_null),
        });
    }

    Ok(Plan { order, tables: plans, tenants })
}

/// The number of rows a `Fixed` count gives at `scale`.
pub fn fixed_rows(count: Count, scale: u32) -> usize {
    match count {
        Count::Fixed { n, scales: true } => n as usize * scale as usize,
        Count::Fixed { n, scales: false } => n as usize,
        Count::PerParent { .. } => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_name_their_tables() {
        let table = |name: &str| Table {
            name: name.to_string(),
            columns: Vec::new(),
            fks: Vec::new(),
            uniques: Vec::new(),
            rules: Vec::new(),
            has_user_triggers: false,
        };
        let catalog =
            Catalog::from_tables(vec![table("api_keys"), table("jobs_to_be_done"), table("use_cases")], HashMap::new());
        assert_eq!(table_for_stem(&catalog, "use_case"), Some(2));
        assert_eq!(table_for_stem(&catalog, "actor_api_key"), Some(0));
        assert_eq!(table_for_stem(&catalog, "jtbd"), Some(1));
        assert_eq!(table_for_stem(&catalog, "agent"), None);
    }
}
