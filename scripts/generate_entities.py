#!/usr/bin/env python3
"""Generate the SeaORM entities in entity/src/ from a migrated database.

    python3 scripts/generate_entities.py postgres://postgres@127.0.0.1:PORT/registry

Reads pg_catalog through psql (PSQL env var, else `psql` on PATH) and writes one module per table,
`sea_orm_active_enums.rs`, and `lib.rs` with the table list macro `for_each_entity!`. For every
foreign key it emits a `belongs_to` relation on the owning table and the reverse `has_many` on the
target; for every junction (two NOT NULL foreign keys under one UNIQUE constraint) it emits a
`Linked` struct in both directions and, where unambiguous, `Related` with `via`. Run `cargo fmt`
afterwards. The output is committed; tests/api/entities.rs fails when it disagrees with the schema.
"""
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

RUST_KEYWORDS = {"type", "ref", "match", "move", "mod", "use", "where", "self", "super", "crate", "impl",
                 "fn", "let", "loop", "as", "in", "for", "if", "else", "struct", "enum", "trait", "static",
                 "const", "dyn", "async", "await", "box", "yield", "override", "final", "abstract", "macro"}


def psql(url, sql):
    exe = os.environ.get("PSQL", "psql")
    out = subprocess.run([exe, url, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def pascal(name):
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def enum_variant(label):
    label = label.replace("&", " and ")
    v = pascal(label.lower()) if not label.islower() else pascal(label)
    return v if v and not v[0].isdigit() else "V" + v


def stem(col):
    return col[:-3] if col.endswith("_id") else col


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: generate_entities.py DATABASE_URL")
    url = sys.argv[1]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "entity", "src")

    enums = defaultdict(list)
    for name, label in psql(url, """
        SELECT t.typname, e.enumlabel FROM pg_type t
        JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder"""):
        enums[name].append(label)

    columns = defaultdict(list)
    for table, col, fmt, typtype, elem_typtype, notnull, default in psql(url, """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), t.typtype,
               coalesce(et.typtype::text, ''), a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relname <> 'seaql_migrations'
        ORDER BY c.relname, a.attnum"""):
        columns[table].append((col, fmt, typtype, elem_typtype, notnull == "t", default))

    fks = []  # (table, column, target_table, on_delete)
    for table, col, target, deltype in psql(url, """
        SELECT cl.relname, a.attname, fcl.relname, c.confdeltype
        FROM pg_constraint c
        JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
        JOIN pg_class fcl ON fcl.oid = c.confrelid
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND n.nspname = 'public' AND cardinality(c.conkey) = 1
        ORDER BY cl.relname, a.attnum"""):
        fks.append((table, col, target, {"c": "Cascade", "n": "SetNull", "r": "Restrict"}.get(deltype, "NoAction")))

    uniques = defaultdict(list)
    for table, cols in psql(url, """
        SELECT cl.relname, string_agg(a.attname, ',' ORDER BY k.ord)
        FROM pg_constraint c
        JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.contype IN ('u', 'p') AND n.nspname = 'public'
        GROUP BY c.oid, cl.relname"""):
        uniques[table].append(cols.split(","))

    tables = sorted(columns)
    notnull = {(t, c[0]): c[4] for t in tables for c in columns[t]}

    # Relations: belongs_to on the owner, has_many on the target.
    rels = defaultdict(list)  # table -> [(variant, kind, other, col_here_or_child_col, on_delete)]
    pair_count = defaultdict(int)
    for t, c, target, _ in fks:
        pair_count[(t, target)] += 1
    for t, c, target, ondel in fks:
        rels[t].append((pascal(stem(c)), "belongs_to", target, c, ondel))
        variant = pascal(t)
        if pair_count[(t, target)] > 1 or t == target:
            variant += "By" + pascal(stem(c))
        rels[target].append((variant, "has_many", t, c, ondel))

    # Junctions: two NOT NULL FK columns leading a UNIQUE constraint.
    junctions = []  # (junction, col_a, table_a, col_b, table_b)
    fk_by_col = {(t, c): target for t, c, target, _ in fks}
    for t in tables:
        for cols in uniques[t]:
            if len(cols) < 2:
                continue
            a, b = cols[0], cols[1]
            if (t, a) in fk_by_col and (t, b) in fk_by_col and notnull[(t, a)] and notnull[(t, b)]:
                junctions.append((t, a, fk_by_col[(t, a)], b, fk_by_col[(t, b)]))
                break

    def rel_variant(table, kind, other, col):
        for v, k, o, c, _ in rels[table]:
            if k == kind and o == other and c == col:
                return v
        raise KeyError((table, kind, other, col))

    links = defaultdict(list)  # from_table -> [(struct, to_table, junction, from_col, to_col)]
    for j, a, ta, b, tb in junctions:
        for (fc, ft, tc, tt) in ((a, ta, b, tb), (b, tb, a, ta)):
            links[ft].append((j, fc, tc, tt))

    def rust_type(fmt, typtype, elem_typtype):
        """(rust type, column_type attribute or None)"""
        m = re.fullmatch(r"character varying\((\d+)\)", fmt)
        if m:
            return "String", f"String(StringLen::N({m.group(1)}))"
        m = re.fullmatch(r"numeric\((\d+),(\d+)\)", fmt)
        if m:
            return "Decimal", f"Decimal(Some(({m.group(1)}, {m.group(2)})))"
        m = re.fullmatch(r"vector\((\d+)\)", fmt)
        if m:
            return "super::embedding::Embedding", f"Vector(Some({m.group(1)}))\", select_as = \"real[]\", save_as = \"vector"
        simple = {
            "uuid": ("Uuid", None), "text": ("String", "Text"), "boolean": ("bool", None),
            "smallint": ("i16", None), "integer": ("i32", None), "bigint": ("i64", None),
            "double precision": ("f64", None), "date": ("Date", None), "numeric": ("Decimal", "Decimal(None)"),
            "timestamp with time zone": ("DateTimeWithTimeZone", None), "jsonb": ("Json", "JsonBinary"),
            "text[]": ("Vec<String>", None), "uuid[]": ("Vec<Uuid>", None),
            "character varying[]": ("Vec<String>", None),
        }
        if fmt in simple:
            return simple[fmt]
        if typtype == "e":
            return f"super::sea_orm_active_enums::{pascal(fmt)}", None
        sys.exit(f"unsupported column type {fmt}: extend generate_entities.py and docs/schema-conventions.md")

    header = "//! Generated by scripts/generate_entities.py from the migrated database. Do not edit.\n\n"

    for t in tables:
        out = [header, "use sea_orm::entity::prelude::*;\nuse serde::{Deserialize, Serialize};\n\n"]
        out.append("#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]\n")
        out.append(f'#[sea_orm(table_name = "{t}")]\npub struct Model {{\n')
        for col, fmt, typtype, elem_typtype, nn, default in columns[t]:
            ty, coltype = rust_type(fmt, typtype, elem_typtype)
            attrs = []
            if col == "id":
                attrs.append("primary_key, auto_increment = false")
            elif [col] in uniques[t]:
                attrs.append("unique")
            field = col
            if col in RUST_KEYWORDS:
                field = col + "_"
                attrs.append(f'column_name = "{col}"')
            if coltype:
                attrs.append(f'column_type = "{coltype}"')
            if not nn:
                attrs.append("nullable")
                ty = f"Option<{ty}>"
            if default:
                # The column's DEFAULT, as the database spells it: an insert may leave it out.
                attrs.append(f"default_expr = {json.dumps('sea_orm::sea_query::Expr::cust(' + json.dumps(default) + ')')}")
            if attrs:
                out.append(f"    #[sea_orm({', '.join(attrs)})]\n")
            out.append(f"    pub {field}: {ty},\n")
        out.append("}\n\n")

        out.append("#[derive(Copy, Clone, Debug, EnumIter)]\npub enum Relation {\n")
        for v, *_ in rels[t]:
            out.append(f"    {v},\n")
        out.append("}\n\nimpl RelationTrait for Relation {\n    fn def(&self) -> RelationDef {\n")
        if rels[t]:
            out.append("        match self {\n")
            for v, kind, other, col, ondel in rels[t]:
                if kind == "belongs_to":
                    out.append(f"            Self::{v} => Entity::belongs_to(super::{other}::Entity)\n"
                               f"                .from(Column::{pascal(col)})\n"
                               f"                .to(super::{other}::Column::Id)\n"
                               f"                .on_delete(ForeignKeyAction::{ondel})\n"
                               f"                .into(),\n")
                else:
                    back = rel_variant(other, "belongs_to", t, col)
                    out.append(f"            Self::{v} => Entity::has_many_via(super::{other}::Entity, super::{other}::Relation::{back}).into(),\n")
            out.append("        }\n")
        else:
            out.append("        match *self {}\n")
        out.append("    }\n}\n\n")

        # Related: one impl per target entity, only where unambiguous.
        direct = defaultdict(list)
        for v, kind, other, col, _ in rels[t]:
            direct[other].append(v)
        for other in sorted(direct):
            if len(direct[other]) == 1:
                out.append(f"impl Related<super::{other}::Entity> for Entity {{\n"
                           f"    fn to() -> RelationDef {{\n        Relation::{direct[other][0]}.def()\n    }}\n}}\n\n")
        via = defaultdict(list)
        for j, fc, tc, tt in links[t]:
            via[tt].append((j, fc, tc))
        for tt in sorted(via):
            if tt in direct or tt == t or len(via[tt]) != 1:
                continue
            j, fc, tc = via[tt][0]
            out.append(f"impl Related<super::{tt}::Entity> for Entity {{\n"
                       f"    fn to() -> RelationDef {{\n        super::{j}::Relation::{rel_variant(j, 'belongs_to', tt, tc)}.def()\n    }}\n"
                       f"    fn via() -> Option<RelationDef> {{\n        Some(super::{j}::Relation::{rel_variant(j, 'belongs_to', t, fc)}.def().rev())\n    }}\n}}\n\n")

        # Linked: every junction, from this side.
        names = set()
        for j, fc, tc, tt in links[t]:
            name = f"{pascal(tt)}Via{pascal(j)}"
            if name in names or sum(1 for x in links[t] if x[0] == j) > 1:
                name = f"{pascal(j)}From{pascal(stem(fc))}To{pascal(stem(tc))}"
            names.add(name)
            out.append(f"/// `{t}` → `{tt}` through the junction `{j}` (`{fc}` → `{tc}`).\n")
            out.append(f"#[derive(Debug, Clone, Copy)]\npub struct {name};\n\n")
            out.append(f"impl Linked for {name} {{\n    type FromEntity = Entity;\n    type ToEntity = super::{tt}::Entity;\n\n"
                       f"    fn link(&self) -> Vec<RelationDef> {{\n        vec![\n"
                       f"            super::{j}::Relation::{rel_variant(j, 'belongs_to', t, fc)}.def().rev(),\n"
                       f"            super::{j}::Relation::{rel_variant(j, 'belongs_to', tt, tc)}.def(),\n"
                       f"        ]\n    }}\n}}\n\n")

        jn = next(((a, b) for j, a, _, b, _ in junctions if j == t), None)
        out.append("/// The junction's two foreign keys (near, far), when this table is a many-to-many junction.\n")
        out.append(f'pub const JUNCTION: Option<(&str, &str)> = Some(("{jn[0]}", "{jn[1]}"));\n\n' if jn
                   else "pub const JUNCTION: Option<(&str, &str)> = None;\n\n")
        out.append("impl ActiveModelBehavior for ActiveModel {}\n")
        with open(os.path.join(root, f"{t}.rs"), "w") as f:
            f.write("".join(out))

    out = [header, "use sea_orm::entity::prelude::*;\nuse serde::{Deserialize, Serialize};\n"]
    for name in sorted(enums):
        out.append(f"\n#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]\n"
                   f'#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "{name}")]\npub enum {pascal(name)} {{\n')
        for label in enums[name]:
            out.append(f'    #[sea_orm(string_value = "{label}")]\n    {enum_variant(label)},\n')
        out.append("}\n")
    with open(os.path.join(root, "sea_orm_active_enums.rs"), "w") as f:
        f.write("".join(out))

    out = ["//! SeaORM entities for the registry's tables, one module per table.\n//!\n"
           "//! Generated by scripts/generate_entities.py from the migrated database. Do not edit by hand:\n"
           "//! change the migration, migrate, and regenerate. This crate has no GraphQL dependency.\n"
           "//! Written by hand: `embedding` (the vector column's type), `naming` (tables' English names),\n"
           "//! `tenancy` (each table's tenancy class) and `write_access` (each table's write class), which every\n"
           "//! crate deriving from the entities shares.\n\n"]
    for t in tables:
        out.append(f"pub mod {t};\n")
    out.append("pub mod embedding;\npub mod naming;\npub mod sea_orm_active_enums;\npub mod tenancy;\npub mod write_access;\n\n")
    out.append(f"/// Number of tables (and entities) in the registry.\npub const TABLE_COUNT: usize = {len(tables)};\n\n")
    out.append("/// Calls `$callback!` with the module name of every entity, so that other crates can emit\n"
               "/// code for all tables from one list: `entity::for_each_entity!(register);`.\n"
               "#[macro_export]\nmacro_rules! for_each_entity {\n    ($callback:ident) => {\n        $callback!(\n")
    for t in tables:
        out.append(f"            {t},\n")
    out.append("        );\n    };\n}\n\n")
    out.append("/// Every enum type with its Postgres name and its values, in declaration order.\n"
               "pub const ENUMS: &[(&str, &[&str])] = &[\n")
    for name in sorted(enums):
        vals = ", ".join(f'"{v}"' for v in enums[name])
        out.append(f'    ("{name}", &[{vals}]),\n')
    out.append("];\n")
    with open(os.path.join(root, "lib.rs"), "w") as f:
        f.write("".join(out))
    print(f"wrote {len(tables)} entities, {len(enums)} enums, {len(junctions)} junctions, {len(fks)} foreign keys")


if __name__ == "__main__":
    main()
