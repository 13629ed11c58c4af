//! The rows the seed documents fix (003): the 6 industries, the 14 org functions with their
//! codes, the 5 solutions and the full solution × industry matrix, the 4 services, and the
//! 5-level tenant hierarchy with 003's fixed ids (plus further generated tenants, so that
//! data spreads over several enterprises). Only the documented columns are given here; every
//! other column of these rows is generated like any other row.

use super::vocabulary::{AREAS, TENANT_NAMES};
use uuid::Uuid;

/// A documented value, converted to the column's type when written.
#[derive(Debug, Clone, PartialEq)]
pub enum DocVal {
    Text(String),
    Int(i64),
    Bool(bool),
    Uuid(Uuid),
    TextArray(Vec<String>),
    /// Row `row` of `table` (its id, or whatever the FK references).
    Ref {
        table: &'static str,
        row: usize,
    },
    /// A tenant level: the enum label, or the number for an integer column.
    Level(&'static str, i64),
    /// A materialised tenant path from the root: tenant rows, written as
    /// `id_with_underscores.id...` text (003) or as a uuid array.
    Path(Vec<usize>),
}

/// Documented rows of one table.
pub struct Documented {
    pub rows: Vec<Row>,
    /// Generated rows added after the documented ones, all private to a tenant (so that a
    /// registry table keeps ~60 % shared rows).
    pub extra_private: usize,
}

pub struct Row {
    pub values: Vec<(&'static str, DocVal)>,
    /// The functional area the row is about (index into [`AREAS`]).
    pub area: Option<usize>,
}

fn t(s: &str) -> DocVal {
    DocVal::Text(s.to_string())
}

pub const PLATFORM_ID: Uuid = Uuid::from_u128(0x0000_0000_0000_0000_0000_0000_0000_0001);
pub const PROVIDER_ID: Uuid = Uuid::from_u128(0x1111_1111_1111_1111_1111_1111_1111_1111);
pub const ENTERPRISE_ID: Uuid = Uuid::from_u128(0x2222_2222_2222_2222_2222_2222_2222_2222);
pub const PARTNER_ID: Uuid = Uuid::from_u128(0x3333_3333_3333_3333_3333_3333_3333_3333);
pub const TRIAL_ID: Uuid = Uuid::from_u128(0x4444_4444_4444_4444_4444_4444_4444_4444);

pub const INDUSTRIES: [(&str, &str, &str, &str); 6] = [
    (
        "Pharmaceutical",
        "PHARMA",
        "pharmaceuticals",
        "Research-based and generic manufacturers of prescription medicines.",
    ),
    (
        "Biotechnology",
        "BIOTECH",
        "biotechnology",
        "Companies developing biologics, cell and gene therapies and platform technologies.",
    ),
    (
        "Medical Devices",
        "MEDDEV",
        "medical_devices",
        "Manufacturers of diagnostic, therapeutic and monitoring devices, including SaMD.",
    ),
    (
        "Healthcare Payers",
        "PAYER",
        "healthcare_payers",
        "Health plans, insurers and pharmacy benefit managers that fund care.",
    ),
    (
        "Digital Health",
        "DIGITAL",
        "digital_health",
        "Digital therapeutics, remote monitoring and health data platforms.",
    ),
    (
        "Healthcare Consulting",
        "CONSULT",
        "healthcare_consulting",
        "Advisory firms serving life-science and healthcare organisations.",
    ),
];

/// 003's 14 functions: name, code, description, primary industries.
pub const ORG_FUNCTIONS: [(&str, &str, &str, &[&str]); 14] = [
    ("Commercial", "COMM", "Sales, Marketing, Market Access", &["pharmaceuticals", "biotechnology", "medical_devices"]),
    (
        "Medical Affairs",
        "MA",
        "MSL, Medical Communications, Evidence Generation",
        &["pharmaceuticals", "biotechnology"],
    ),
    (
        "Market Access",
        "HEOR",
        "HEOR, Payer Relations, Pricing & Reimbursement",
        &["pharmaceuticals", "biotechnology", "medical_devices"],
    ),
    (
        "Clinical",
        "CLIN",
        "Clinical Trials, Clinical Operations",
        &["pharmaceuticals", "biotechnology", "medical_devices"],
    ),
    ("Regulatory", "REG", "Regulatory Affairs, Compliance", &["pharmaceuticals", "biotechnology", "medical_devices"]),
    ("Research & Development", "RND", "Drug Discovery, R&D", &["pharmaceuticals", "biotechnology"]),
    ("Manufacturing", "MFG", "CMC, Manufacturing Operations", &["pharmaceuticals", "biotechnology", "medical_devices"]),
    ("Quality", "QA", "Quality Assurance, Quality Control", &["pharmaceuticals", "biotechnology", "medical_devices"]),
    ("Operations", "OPS", "Supply Chain, Operations", &["pharmaceuticals", "biotechnology", "medical_devices"]),
    (
        "IT/Digital",
        "IT",
        "IT, Digital Transformation",
        &["pharmaceuticals", "biotechnology", "medical_devices", "digital_health"],
    ),
    ("Legal", "LEGAL", "Legal, IP", &["pharmaceuticals", "biotechnology", "medical_devices"]),
    ("Finance", "FIN", "Finance, Accounting", &["pharmaceuticals", "biotechnology", "medical_devices"]),
    ("HR", "HR", "Human Resources, Talent", &["pharmaceuticals", "biotechnology", "medical_devices"]),
    ("Business Development", "BD", "Partnerships, M&A, Licensing", &["pharmaceuticals", "biotechnology"]),
];

/// The 5 solutions: name, code, category, area, description.
pub const SOLUTIONS: [(&str, &str, &str, usize, &str); 5] = [
    (
        "Launch Excellence",
        "LAUNCH-EX",
        "commercial",
        0,
        "End-to-end launch planning and readiness: market shaping, launch sequencing, field readiness and early uptake tracking.",
    ),
    (
        "Brand Excellence",
        "BRAND-EX",
        "commercial",
        0,
        "Brand strategy, positioning and omnichannel engagement for in-market brands across the lifecycle.",
    ),
    (
        "Strategic Foresight (PULSE)",
        "PULSE",
        "strategic",
        13,
        "PULSE scans competitive, scientific and policy signals to anticipate market shifts and inform portfolio strategy.",
    ),
    (
        "Commercial Excellence",
        "COMM-EX",
        "commercial",
        0,
        "Sales force effectiveness, segmentation, targeting and commercial analytics.",
    ),
    (
        "Medical Excellence",
        "MED-EX",
        "medical",
        1,
        "Field medical excellence, scientific communication, medical information and evidence planning.",
    ),
];

/// 003's solution × industry matrix, rows in [`SOLUTIONS`] order, columns in [`INDUSTRIES`]
/// order (Pharma, Biotech, MedDevices, Payers, Digital, Consulting).
pub const MATRIX: [[bool; 6]; 5] = [
    [true, true, true, false, true, true],
    [true, true, true, false, true, true],
    [true, true, true, true, true, true],
    [true, true, true, true, true, true],
    [true, true, false, false, false, true],
];

/// The 4 services of 003: name, code, display name, description, category.
pub const SERVICES: [(&str, &str, &str, &str, &str); 4] = [
    ("ask_expert", "AE", "Ask Expert", "1:1 AI consultant conversations", "conversation"),
    ("ask_panel", "AP", "Ask Panel", "Multi-agent panel discussions", "conversation"),
    ("workflows", "WF", "Workflows", "Automated multi-step processes", "execution"),
    ("solutions", "SOL", "Solutions Marketplace", "Packaged solution offerings", "marketplace"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Platform,
    Provider,
    Enterprise,
    Partner,
    Trial,
}

impl Level {
    fn label(self) -> (&'static str, i64) {
        match self {
            Level::Platform => ("platform", 0),
            Level::Provider => ("solution_provider", 1),
            Level::Enterprise => ("enterprise_client", 2),
            Level::Partner => ("partner_org", 3),
            Level::Trial => ("trial_tenant", 4),
        }
    }
}

struct TenantSpec {
    id: Uuid,
    name: String,
    slug: String,
    parent: Option<usize>,
    level: Level,
}

fn tenant_specs(scale: u32) -> Vec<TenantSpec> {
    let mut v = vec![
        TenantSpec {
            id: PLATFORM_ID,
            name: "VITAL.expert Platform".into(),
            slug: "vital-platform".into(),
            parent: None,
            level: Level::Platform,
        },
        TenantSpec {
            id: PROVIDER_ID,
            name: "Pharma Solutions Lab".into(),
            slug: "pharma-solutions".into(),
            parent: Some(0),
            level: Level::Provider,
        },
        TenantSpec {
            id: ENTERPRISE_ID,
            name: "Acme Pharmaceuticals".into(),
            slug: "acme-pharma".into(),
            parent: Some(1),
            level: Level::Enterprise,
        },
        TenantSpec {
            id: PARTNER_ID,
            name: "Parexa Clinical Research (Acme CRO Partner)".into(),
            slug: "acme-cro-partner".into(),
            parent: Some(2),
            level: Level::Partner,
        },
        TenantSpec {
            id: TRIAL_ID,
            name: "Acme Oncology Pilot Team".into(),
            slug: "acme-oncology-pilot".into(),
            parent: Some(3),
            level: Level::Trial,
        },
    ];
    let extras = 5 * scale as usize;
    let (mut last_enterprise, mut last_partner) = (2usize, 3usize);
    for i in 0..extras {
        let row = v.len();
        let pattern = i % 5;
        let base_name = TENANT_NAMES.get(i % TENANT_NAMES.len()).copied().unwrap_or("Tenant");
        let name = if i < TENANT_NAMES.len() {
            base_name.to_string()
        } else {
            format!("{base_name} {}", i / TENANT_NAMES.len() + 1)
        };
        let (level, parent, name) = match pattern {
            3 => (Level::Partner, last_enterprise, format!("{name} Partner Network")),
            4 => (Level::Trial, last_partner, format!("{name} Pilot")),
            _ => (Level::Enterprise, 1, name),
        };
        match level {
            Level::Enterprise => last_enterprise = row,
            Level::Partner => last_partner = row,
            _ => {}
        }
        let slug = super::vocabulary::slugify(&name);
        v.push(TenantSpec {
            id: super::prng::row_uuid("tenants", row as u64),
            name,
            slug,
            parent: Some(parent),
            level,
        });
    }
    v
}

fn tenants(scale: u32) -> Documented {
    let specs = tenant_specs(scale);
    let mut rows = Vec::with_capacity(specs.len());
    for (i, s) in specs.iter().enumerate() {
        let mut path = vec![i];
        let mut p = s.parent;
        while let Some(pi) = p {
            path.push(pi);
            p = specs[pi].parent;
        }
        path.reverse();
        let (label, n) = s.level.label();
        let (tier, status) = match s.level {
            Level::Platform => ("enterprise_plus", "active"),
            Level::Provider => ("enterprise", "active"),
            Level::Enterprise if i % 2 == 0 => ("enterprise", "active"),
            Level::Enterprise | Level::Partner => ("professional", "active"),
            Level::Trial => ("starter", "trial"),
        };
        let mut values = vec![
            ("id", DocVal::Uuid(s.id)),
            ("name", t(&s.name)),
            ("slug", t(&s.slug)),
            ("tenant_level", DocVal::Level(label, n)),
            ("hierarchy_depth", DocVal::Int(n)),
            ("tenant_path", DocVal::Path(path)),
            ("tier", t(tier)),
            ("status", t(status)),
            ("domain", t(&format!("{}.example.com", s.slug))),
        ];
        if let Some(p) = s.parent {
            values.push(("parent_tenant_id", DocVal::Ref { table: "tenants", row: p }));
            values.push(("root_tenant_id", DocVal::Ref { table: "tenants", row: 0 }));
        }
        rows.push(Row { values, area: None });
    }
    Documented { rows, extra_private: 0 }
}

fn industries() -> Documented {
    let rows = INDUSTRIES
        .iter()
        .enumerate()
        .map(|(i, (name, code, slug, desc))| Row {
            values: vec![
                ("name", t(name)),
                ("code", t(code)),
                ("slug", t(&slug.replace('_', "-"))),
                ("description", t(desc)),
                ("display_order", DocVal::Int(i as i64 + 1)),
                ("is_active", DocVal::Bool(true)),
            ],
            area: None,
        })
        .collect();
    Documented { rows, extra_private: 0 }
}

fn org_functions() -> Documented {
    let rows = ORG_FUNCTIONS
        .iter()
        .enumerate()
        .map(|(i, (name, code, desc, inds))| {
            let mut values = vec![
                ("name", t(name)),
                ("code", t(code)),
                ("slug", t(&super::vocabulary::slugify(name))),
                ("description", t(desc)),
                ("primary_industries", DocVal::TextArray(inds.iter().map(|s| (*s).to_string()).collect())),
                ("display_order", DocVal::Int(i as i64 + 1)),
                ("is_active", DocVal::Bool(true)),
            ];
            // 003 lists Market Access under Commercial ("Sales, Marketing, Market Access").
            if *code == "HEOR" {
                values.push(("parent_function_id", DocVal::Ref { table: "org_functions", row: 0 }));
                values.push(("hierarchy_level", DocVal::Int(2)));
            } else {
                values.push(("hierarchy_level", DocVal::Int(1)));
            }
            Row { values, area: Some(i) }
        })
        .collect();
    Documented { rows, extra_private: 0 }
}

fn solutions() -> Documented {
    let rows = SOLUTIONS
        .iter()
        .map(|(name, code, category, area, desc)| Row {
            values: vec![
                ("name", t(name)),
                ("code", t(code)),
                ("slug", t(&super::vocabulary::slugify(name))),
                ("category", t(category)),
                ("description", t(desc)),
                ("short_description", t(desc.split(':').next().unwrap_or(desc))),
                ("is_published", DocVal::Bool(true)),
            ],
            area: Some(*area),
        })
        .collect();
    // Exactly the five documented solutions, at every scale.
    Documented { rows, extra_private: 0 }
}

fn matrix() -> Documented {
    let mut rows = Vec::with_capacity(30);
    for (s, line) in MATRIX.iter().enumerate() {
        for (i, &available) in line.iter().enumerate() {
            let fit = if available { 10 - ((s + 2 * i) % 4) as i64 } else { 2 + ((s + i) % 2) as i64 };
            rows.push(Row {
                values: vec![
                    ("solution_id", DocVal::Ref { table: "solutions", row: s }),
                    ("industry_id", DocVal::Ref { table: "industries", row: i }),
                    ("is_available", DocVal::Bool(available)),
                    ("is_recommended", DocVal::Bool(available && fit >= 9)),
                    ("fit_score", DocVal::Int(fit)),
                ],
                area: Some(SOLUTIONS[s].3),
            });
        }
    }
    Documented { rows, extra_private: 0 }
}

fn services() -> Documented {
    let rows = SERVICES
        .iter()
        .map(|(name, code, display, desc, category)| Row {
            values: vec![
                ("service_name", t(name)),
                ("service_code", t(code)),
                ("display_name", t(display)),
                ("name", t(display)),
                ("description", t(desc)),
                ("service_category", t(category)),
                ("is_enabled", DocVal::Bool(true)),
            ],
            area: Some(9),
        })
        .collect();
    Documented { rows, extra_private: 0 }
}

/// The documented rows of `table`, if the seeds fix any.
pub fn for_table(table: &str, scale: u32) -> Option<Documented> {
    Some(match table {
        "tenants" => tenants(scale),
        "industries" => industries(),
        "org_functions" => org_functions(),
        "solutions" => solutions(),
        "solution_industry_matrix" => matrix(),
        "services_registry" => services(),
        _ => return None,
    })
}

/// Fixed row counts of the documented tables (for tests and the summary check).
pub fn documented_count(table: &str) -> Option<usize> {
    match table {
        "industries" => Some(INDUSTRIES.len()),
        "org_functions" => Some(ORG_FUNCTIONS.len()),
        "solution_industry_matrix" => Some(30),
        "services_registry" => Some(SERVICES.len()),
        _ => None,
    }
}

/// Number of areas (for range checks on documented area indices).
pub const AREA_COUNT: usize = AREAS.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_shapes() {
        assert_eq!(matrix().rows.len(), 30);
        let available = MATRIX.iter().flatten().filter(|b| **b).count();
        assert_eq!(available, 25);
        let ts = tenants(1);
        assert_eq!(ts.rows.len(), 10);
        assert_eq!(tenant_specs(1)[5].name, "Northwind Biotech");
        assert_eq!(tenant_specs(1)[6].name, "Helix Digital Health");
        assert_eq!(tenant_specs(2).len(), 15);
        for r in org_functions().rows {
            assert!(r.area.is_some_and(|a| a < AREA_COUNT));
        }
        // Fit scores respect 003's 1..10 check.
        for r in matrix().rows {
            for (c, v) in &r.values {
                if *c == "fit_score" {
                    assert!(matches!(v, DocVal::Int(n) if (1..=10).contains(n)));
                }
            }
        }
    }
}
