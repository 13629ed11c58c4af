//! The naming rules: the GraphQL name of every relation, and of the columns a relation displaces.
//!
//! Frontend code is written against these names, so they must read the way people say the
//! traversals (`agent.tools`, `task.agents`, `persona.roles`) and stay the same when unrelated
//! tables change. They are derived here, in one place, from the tables and their foreign keys,
//! with no code per table; `docs/naming.md` states the rules in prose and the naming file
//! (`schema-names.toml`, [`super::overrides`]) holds the few deliberate exceptions.
//!
//! In short:
//!
//! 1. every relation has a *natural* name: a belongs-to is named after its foreign-key column
//!    (`role_id` → `role`), a has-many after the child table (`agents`), a many-to-many after
//!    the junction's far column, pluralised (`role_id` → `roles`, `jtbd_id` → `jobsToBeDone`);
//!    a self-reference through `parent_*_id` is `children`;
//! 2. the list relations from one table to another compete for their natural names: the
//!    junction beats the foreign key, the more general junction beats the others (its name is
//!    just the two tables, then it has fewer columns), and among foreign keys the one named after
//!    the source (`tenant_id` on `tenants`) wins. The losers get a qualified name:
//!    `<list>By<Fk>` for a foreign key (`agentsByOwnerTenant`), `<role><List>` for a junction,
//!    the role being the words of the junction's name that do not name the two tables
//!    (`task_agent_prompt_orchestration` → `promptOrchestrationAgents`);
//! 3. a relation beats a column of the same name; the column keeps its data under a suffixed
//!    name ([`displaced_column_name`]: the jsonb `agents.tools` → `toolsConfig`).

use std::collections::HashMap;

use super::{
    Column, ColumnId, EntityInfo, Relation, RelationKind, ScalarKind, Table, TableId, camel, pascal, plural, singular,
};

/// A relation before it is named.
struct Candidate {
    source: TableId,
    target: TableId,
    kind: RelationKind,
    /// The name the relation takes when nothing competes with it.
    natural: String,
    /// The name it takes when another relation wins the natural name.
    qualified: String,
    /// The link it goes through (a junction table, or a child table and its fk), so that the two
    /// directions of one self-referencing junction (`task_dependencies`) do not compete.
    link: (TableId, Option<ColumnId>),
    /// A self-reference through `parent_*_id`: always `children`.
    tree: bool,
}

impl Candidate {
    /// Belongs-to first, then many-to-many, then has-many: the order names are taken in.
    fn class(&self) -> u8 {
        match self.kind {
            RelationKind::BelongsTo { .. } => 0,
            RelationKind::ManyToMany { .. } => 1,
            RelationKind::HasMany { .. } => 2,
        }
    }
}

/// Whether `words` is `table`'s name, singular or abbreviation.
fn names_table(words: &str, table: &str) -> bool {
    words == table || words == singular(table) || entity::naming::abbreviation(table) == Some(words)
}

/// Removes the first run of `words` that names `table` from `words`.
fn strip_table(words: &mut Vec<String>, table: &str) {
    for len in (1..=words.len()).rev() {
        for start in 0..=words.len() - len {
            if names_table(&words[start..start + len].join("_"), table) {
                words.drain(start..start + len);
                return;
            }
        }
    }
}

/// The name of the list of `target` rows reached through a column named `fk`: the target's own
/// list name when the column names the target (`agent_id`, `jtbd_id`), else the column's stem
/// pluralised (`role_id` → `roles`, `depends_on_task_id` → `dependsOnTasks`).
fn list_through(fk: &str, target: &Table) -> String {
    let stem = fk.strip_suffix("_id").unwrap_or(fk);
    if names_table(stem, &target.name) { target.list_field.clone() } else { camel(&plural(stem)) }
}

/// Whether junction `j` is named just after the two tables it joins (`task_agents`).
fn named_after_pair(j: &Table, a: &Table, b: &Table) -> bool {
    let words: Vec<&str> = j.name.split('_').collect();
    (1..words.len()).any(|cut| {
        let (left, right) = (words[..cut].join("_"), words[cut..].join("_"));
        (names_table(&left, &a.name) && names_table(&right, &b.name))
            || (names_table(&left, &b.name) && names_table(&right, &a.name))
    })
}

/// The role of junction `j` between `a` and `b`: the words of its name that name neither table
/// (`task_agent_prompt_orchestration` → `prompt_orchestration`), if any.
fn junction_role(j: &Table, a: &Table, b: &Table) -> Option<String> {
    let mut words: Vec<String> = j.name.split('_').map(str::to_owned).collect();
    strip_table(&mut words, &a.name);
    strip_table(&mut words, &b.name);
    (!words.is_empty()).then(|| words.join("_"))
}

/// The name a column keeps its data under when a relation takes its name: `<field>Config` for
/// jsonb (`agents.tools` → `toolsConfig`, a list of `{tool_id, config}`), `<field>Value` otherwise.
pub fn displaced_column_name(column: &Column) -> String {
    match column.kind {
        ScalarKind::Json => format!("{}Config", column.field),
        _ => format!("{}Value", column.field),
    }
}

/// Every relation of every table, named by the rules; each table's `relations` are filled in,
/// and columns displaced by a relation are renamed.
pub(super) fn relations(
    tables: &mut [Table],
    infos: &[EntityInfo],
    by_name: &HashMap<String, TableId>,
) -> Vec<Relation> {
    let candidates = candidates(tables, infos, by_name);
    let chosen = contest(tables, &candidates);

    // Names are taken in class order (belongs-to, many-to-many, has-many), then in entity order;
    // a name already taken on the table falls back to the qualified one.
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| (candidates[i].source, candidates[i].class(), i));
    let mut taken: HashMap<TableId, Vec<String>> = HashMap::new();
    let mut relations: Vec<Relation> = Vec::new();
    for i in order {
        let c = &candidates[i];
        let names = taken.entry(c.source).or_default();
        let mut field = if names.contains(&chosen[i]) { c.qualified.clone() } else { chosen[i].clone() };
        while names.contains(&field) {
            field.push('_');
        }
        names.push(field.clone());
        let id = relations.len();
        relations.push(Relation { id, source: c.source, target: c.target, field, kind: c.kind.clone() });
        tables[c.source].relations.push(id);
    }

    // A relation beats a column of the same name; the column moves aside.
    for table in tables.iter_mut() {
        let rel_names: Vec<&str> = table.relations.iter().map(|&r| relations[r].field.as_str()).collect();
        for i in 0..table.columns.len() {
            if rel_names.contains(&table.columns[i].field.as_str()) {
                let mut field = displaced_column_name(&table.columns[i]);
                while rel_names.contains(&field.as_str()) || table.columns.iter().any(|c| c.field == field) {
                    field.push('_');
                }
                table.columns[i].field = field;
            }
        }
    }
    relations
}

fn candidates(tables: &[Table], infos: &[EntityInfo], by_name: &HashMap<String, TableId>) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (child, info) in infos.iter().enumerate() {
        for (fk, target) in &info.foreign_keys {
            let (Some(&target), Some(fk_id)) = (by_name.get(target), tables[child].col_id(fk)) else { continue };
            let stem = fk.strip_suffix("_id").unwrap_or(fk);
            let belongs = if stem == fk { format!("{fk}_{}", singular(&tables[target].name)) } else { stem.to_owned() };
            out.push(Candidate {
                source: child,
                target,
                kind: RelationKind::BelongsTo { fk: fk_id },
                natural: camel(&belongs),
                qualified: camel(&belongs),
                link: (child, Some(fk_id)),
                tree: false,
            });
            let list = tables[child].list_field.clone();
            let tree = child == target && fk.starts_with("parent_");
            out.push(Candidate {
                source: target,
                target: child,
                kind: RelationKind::HasMany { target_fk: fk_id },
                natural: if tree { "children".to_owned() } else { list.clone() },
                qualified: format!("{list}By{}", pascal(stem)),
                link: (child, Some(fk_id)),
                tree,
            });
        }
    }
    for j in tables {
        let Some((a, b)) = j.junction else { continue };
        let fks = &infos[j.id].foreign_keys;
        let target_of = |col: ColumnId| {
            fks.iter().find(|(fk, _)| *fk == j.columns[col].name).and_then(|(_, t)| by_name.get(t).copied())
        };
        let (Some(ta), Some(tb)) = (target_of(a), target_of(b)) else { continue };
        let role = junction_role(j, &tables[ta], &tables[tb]);
        for (near, far, from, to) in [(a, b, ta, tb), (b, a, tb, ta)] {
            let natural = list_through(&j.columns[far].name, &tables[to]);
            let qualified = match &role {
                Some(role) => format!("{}{}", camel(role), pascal_of_camel(&natural)),
                None => format!("{natural}Via{}", pascal(&j.name)),
            };
            out.push(Candidate {
                source: from,
                target: to,
                kind: RelationKind::ManyToMany { junction: j.id, near, far },
                natural,
                qualified,
                link: (j.id, None),
                tree: false,
            });
        }
    }
    out
}

/// `camelCase` → `PascalCase`.
fn pascal_of_camel(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The name each candidate asks for: its natural name, unless another link from the same table
/// to the same target wins it.
fn contest(tables: &[Table], candidates: &[Candidate]) -> Vec<String> {
    // Preference among the list links between one pair of tables, lowest first: a junction before
    // a foreign key; among junctions the one named after the pair, then the one with fewer
    // columns; among foreign keys the one named after the source (`tenant_id` on `tenants`).
    let preference = |c: &Candidate| -> (u8, bool, usize, String) {
        match &c.kind {
            RelationKind::ManyToMany { junction, .. } => {
                let j = &tables[*junction];
                let pair = named_after_pair(j, &tables[c.source], &tables[c.target]);
                (0, !pair, j.columns.len(), j.name.clone())
            }
            RelationKind::HasMany { target_fk } => {
                let fk = &tables[c.target].columns[*target_fk].name;
                let stem = fk.strip_suffix("_id").unwrap_or(fk);
                let own = fk != stem && names_table(stem, &tables[c.source].name);
                (1, !own, 0, String::new())
            }
            RelationKind::BelongsTo { .. } => (2, true, 0, String::new()),
        }
    };
    candidates
        .iter()
        .map(|c| {
            if c.tree || !matches!(c.kind, RelationKind::ManyToMany { .. } | RelationKind::HasMany { .. }) {
                return c.natural.clone();
            }
            let rivals: Vec<&Candidate> = candidates
                .iter()
                .filter(|o| {
                    o.source == c.source && o.target == c.target && o.link != c.link && !o.tree && o.class() != 0
                })
                .collect();
            let has_tree = candidates.iter().any(|o| o.source == c.source && o.target == c.target && o.tree);
            let mine = preference(c);
            let wins = rivals.iter().all(|o| {
                let theirs = preference(o);
                // A foreign key wins only by being named after the source; two junctions by rank.
                match (&c.kind, &o.kind) {
                    (RelationKind::HasMany { .. }, RelationKind::HasMany { .. }) => !mine.1 && theirs.1,
                    _ => mine < theirs,
                }
            });
            // Beside a `children` tree, a foreign key needs to be named after the source to win.
            let wins = wins && !(has_tree && matches!(c.kind, RelationKind::HasMany { .. }) && mine.1);
            if wins { c.natural.clone() } else { c.qualified.clone() }
        })
        .collect()
}
