//! English names of tables, shared by every crate that derives names from them (the gateway's
//! GraphQL types and fields, the demo-data seeder's labels and polymorphic references), so that a
//! table has one singular everywhere. Hand-written, like `embedding` and `tenancy`.

/// Table names whose singular cannot be guessed from the last word.
pub const SINGULAR_OVERRIDES: &[(&str, &str)] = &[("jobs_to_be_done", "job_to_be_done")];

/// Short names the schema uses for a table in other tables' column and table names and in
/// asset-type values (`jtbd_id`, `jtbd_personas`, `asset_type = 'jtbd'`).
pub const ABBREVIATIONS: &[(&str, &str)] = &[("jobs_to_be_done", "jtbd")];

/// The singular of a snake_case table name, by its last word (`agents` → `agent`, `capabilities`
/// → `capability`, `panel_consensus` → `panel_consensus`, `jobs_to_be_done` → `job_to_be_done`).
pub fn singular(table: &str) -> String {
    if let Some((_, s)) = SINGULAR_OVERRIDES.iter().find(|(t, _)| *t == table) {
        return (*s).to_owned();
    }
    let (head, last) = table.rsplit_once('_').map_or(("", table), |(h, l)| (h, l));
    let one = if let Some(stem) = last.strip_suffix("ies") {
        format!("{stem}y")
    } else if last.ends_with("ss") || last.ends_with("us") || last.ends_with("is") || !last.ends_with('s') {
        last.to_owned()
    } else if last.ends_with("sses") || last.ends_with("ches") || last.ends_with("xes") {
        last[..last.len() - 2].to_owned()
    } else {
        last[..last.len() - 1].to_owned()
    };
    if head.is_empty() { one } else { format!("{head}_{one}") }
}

/// The plural of a singular snake_case name, by its last word.
pub fn plural(name: &str) -> String {
    if let Some(stem) = name.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'o', 'u'])) {
        format!("{stem}ies")
    } else if let Some(stem) = name.strip_suffix("ix") {
        format!("{stem}ices")
    } else if name.ends_with('s') || name.ends_with('x') {
        format!("{name}es")
    } else {
        format!("{name}s")
    }
}

/// The short name of `table` in other names (`jobs_to_be_done` → `jtbd`), if it has one.
pub fn abbreviation(table: &str) -> Option<&'static str> {
    ABBREVIATIONS.iter().find(|(t, _)| *t == table).map(|(_, a)| *a)
}

/// The table a short name stands for (`jtbd` → `jobs_to_be_done`).
pub fn table_of_abbreviation(short: &str) -> Option<&'static str> {
    ABBREVIATIONS.iter().find(|(_, a)| *a == short).map(|(t, _)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_english() {
        assert_eq!(singular("agents"), "agent");
        assert_eq!(singular("capabilities"), "capability");
        assert_eq!(singular("jobs_to_be_done"), "job_to_be_done");
        assert_eq!(singular("knowledge_chunks"), "knowledge_chunk");
        assert_eq!(singular("panel_consensus"), "panel_consensus");
        assert_eq!(singular("audit_log"), "audit_log");
        assert_eq!(singular("workflow_step_definitions"), "workflow_step_definition");
        assert_eq!(singular("services_registry"), "services_registry");
        assert_eq!(singular("cost_allocation"), "cost_allocation");
        assert_eq!(plural("audit_log"), "audit_logs");
        assert_eq!(plural("solution_industry_matrix"), "solution_industry_matrices");
        assert_eq!(plural("services_registry"), "services_registries");
        assert_eq!(plural("panel_consensus"), "panel_consensuses");
        assert_eq!(abbreviation("jobs_to_be_done"), Some("jtbd"));
        assert_eq!(table_of_abbreviation("jtbd"), Some("jobs_to_be_done"));
        assert_eq!(abbreviation("agents"), None);
    }

    // In item position: within this crate, `for_each_entity!` may not be used as an expression.
    macro_rules! names {
        ($($module:ident),* $(,)?) => {
            const TABLES: &[&str] = &[$(stringify!($module)),*];
        };
    }
    crate::for_each_entity!(names);

    #[test]
    fn every_table_name_is_the_plural_of_its_singular_or_keeps_it() {
        for table in TABLES {
            let one = singular(table);
            assert!(
                one == *table || plural(&one) == *table || SINGULAR_OVERRIDES.iter().any(|(t, _)| t == table),
                "{table} → {one} → {}",
                plural(&one)
            );
        }
    }
}
