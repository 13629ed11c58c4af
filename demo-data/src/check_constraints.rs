//! Parsing of CHECK constraints as `pg_get_constraintdef` prints them, for the shapes that
//! matter to value generation:
//! - bounds: `x >= a AND x <= b`, `x BETWEEN a AND b`, `x > 0`, `'-1'::integer <= x`;
//! - lists: `x = ANY (ARRAY['a'::text, 'b'::text])`, `x IN ('a', 'b')`;
//! - non-empty text: `length(x) > 0`, `char_length(btrim(x)) >= 3`, `x <> ''::text`;
//! - regular expressions (`x ~ '^[a-z0-9-]+$'`) are recorded, not enforced;
//! - comparisons between two columns (`ended_at >= started_at`), used to order values.
//!
//! Casts are dropped and parentheses ignored, so nesting does not matter. Disjunctions such as
//! `x IS NULL OR x >= 0` give the bound of their non-null branch.

/// What a column's CHECK constraints allow, as far as they were understood.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnCheck {
    /// Allowed values (from `= ANY (ARRAY[...])` or `IN (...)`), as text.
    pub allowed: Option<Vec<String>>,
    pub min: Option<f64>,
    pub min_exclusive: bool,
    pub max: Option<f64>,
    pub max_exclusive: bool,
    /// Minimum length of text (1 for "non-empty").
    pub min_len: Option<usize>,
    /// A regular expression the value must match (not enforced, generation follows naming).
    pub regex: Option<String>,
    /// `jsonb_typeof(x) = 'array'` / `'object'`.
    pub json_type: Option<String>,
}

impl ColumnCheck {
    pub fn is_empty(&self) -> bool {
        *self == ColumnCheck::default()
    }

    /// Merges another constraint's findings into this one (intersection of what is allowed).
    pub fn merge(&mut self, other: ColumnCheck) {
        if let Some(list) = other.allowed {
            self.allowed = Some(match self.allowed.take() {
                Some(mine) => mine.into_iter().filter(|v| list.contains(v)).collect(),
                None => list,
            });
        }
        if let Some(m) = other.min
            && self.min.is_none_or(|cur| m > cur)
        {
            self.min = Some(m);
            self.min_exclusive = other.min_exclusive;
        }
        if let Some(m) = other.max
            && self.max.is_none_or(|cur| m < cur)
        {
            self.max = Some(m);
            self.max_exclusive = other.max_exclusive;
        }
        if let Some(l) = other.min_len {
            self.min_len = Some(self.min_len.map_or(l, |cur| cur.max(l)));
        }
        if other.regex.is_some() {
            self.regex = other.regex;
        }
        if other.json_type.is_some() {
            self.json_type = other.json_type;
        }
    }
}

/// `left op right` between two columns of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnOrder {
    pub left: String,
    pub op: CmpOp,
    pub right: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            "=" => CmpOp::Eq,
            "<>" | "!=" => CmpOp::Ne,
            _ => return None,
        })
    }

    /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
    fn flipped(self) -> Self {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }

    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => (a - b).abs() < f64::EPSILON,
            CmpOp::Ne => (a - b).abs() >= f64::EPSILON,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Op(String),
    Comma,
}

/// Tokenises a constraint definition, dropping parentheses, brackets and casts.
fn tokenize(def: &str) -> Vec<Tok> {
    let chars: Vec<char> = def.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == '(' || c == ')' || c == '[' || c == ']' {
            i += 1;
        } else if c == ',' {
            toks.push(Tok::Comma);
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if i + 1 < chars.len() && chars[i + 1] == '\'' {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            toks.push(Tok::Str(s));
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            toks.push(Tok::Ident(s));
        } else if c.is_ascii_digit() || (c == '.' && i + 1 < chars.len() && chars[i + 1].is_ascii_digit()) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            toks.push(Tok::Num(s.parse().unwrap_or(0.0)));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            toks.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == ':' && i + 1 < chars.len() && chars[i + 1] == ':' {
            // A cast: skip the type name (possibly several words, a typmod, and []).
            i += 2;
            skip_type(&chars, &mut i);
        } else {
            let start = i;
            while i < chars.len() && "<>=!~*-+/".contains(chars[i]) {
                i += 1;
            }
            if i == start {
                i += 1;
                continue;
            }
            toks.push(Tok::Op(chars[start..i].iter().collect()));
        }
    }
    fold_negative_numbers(toks)
}

fn skip_type(chars: &[char], i: &mut usize) {
    const MORE: [&str; 6] = ["varying", "precision", "with", "without", "time", "zone"];
    let mut first = true;
    loop {
        while *i < chars.len() && chars[*i] == ' ' {
            *i += 1;
        }
        if *i < chars.len() && chars[*i] == '"' {
            *i += 1;
            while *i < chars.len() && chars[*i] != '"' {
                *i += 1;
            }
            *i += 1;
            first = false;
            continue;
        }
        let start = *i;
        while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_' || chars[*i] == '.') {
            *i += 1;
        }
        let word: String = chars[start..*i].iter().collect::<String>().to_lowercase();
        if word.is_empty() {
            *i = start;
            break;
        }
        if !first && !MORE.contains(&word.as_str()) {
            *i = start;
            break;
        }
        first = false;
    }
    // typmod "(50)" or "(10,2)"
    if *i < chars.len() && chars[*i] == '(' {
        let mut j = *i + 1;
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ',' || chars[j] == ' ') {
            j += 1;
        }
        if j < chars.len() && chars[j] == ')' {
            *i = j + 1;
        }
    }
    while *i + 1 < chars.len() && chars[*i] == '[' && chars[*i + 1] == ']' {
        *i += 2;
    }
}

/// `- 5` after an operator or at the start becomes the number -5; numeric strings such as
/// `'-1'` (how Postgres prints negative constants before a cast) become numbers too.
fn fold_negative_numbers(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut iter = toks.into_iter().peekable();
    while let Some(t) = iter.next() {
        if t == Tok::Op("-".into()) && matches!(iter.peek(), Some(Tok::Num(_))) {
            let prev_is_value = matches!(out.last(), Some(Tok::Num(_) | Tok::Ident(_) | Tok::Str(_)));
            if !prev_is_value && let Some(Tok::Num(n)) = iter.next() {
                out.push(Tok::Num(-n));
                continue;
            }
        }
        out.push(t);
    }
    out
}

fn num_of(t: &Tok) -> Option<f64> {
    match t {
        Tok::Num(n) => Some(*n),
        Tok::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn is_ident(t: &Tok, name: &str) -> bool {
    matches!(t, Tok::Ident(s) if s.eq_ignore_ascii_case(name))
}

fn apply_bound(check: &mut ColumnCheck, op: CmpOp, n: f64) {
    match op {
        CmpOp::Ge => check.merge(ColumnCheck { min: Some(n), ..Default::default() }),
        CmpOp::Gt => check.merge(ColumnCheck { min: Some(n), min_exclusive: true, ..Default::default() }),
        CmpOp::Le => check.merge(ColumnCheck { max: Some(n), ..Default::default() }),
        CmpOp::Lt => check.merge(ColumnCheck { max: Some(n), max_exclusive: true, ..Default::default() }),
        CmpOp::Eq => check.merge(ColumnCheck { min: Some(n), max: Some(n), ..Default::default() }),
        CmpOp::Ne => {}
    }
}

/// What a CHECK constraint says about `column`.
pub fn parse_column_check(def: &str, column: &str) -> ColumnCheck {
    let toks = tokenize(def);
    let mut check = ColumnCheck::default();
    let n = toks.len();
    let mut i = 0;
    while i < n {
        let t = &toks[i];
        // length(col) > n, char_length(btrim(col)) >= n, octet_length(...)
        if let Tok::Ident(f) = t {
            let f = f.to_ascii_lowercase();
            if (f == "length" || f == "char_length" || f == "octet_length" || f == "character_length")
                && let Some(pos) = (i + 1..(i + 6).min(n)).find(|&j| is_ident(&toks[j], column))
                && pos + 2 < n
                && let (Tok::Op(op), Some(v)) = (&toks[pos + 1], num_of(&toks[pos + 2]))
                && let Some(op) = CmpOp::parse(op)
            {
                let min = match op {
                    CmpOp::Gt => v.floor() as i64 + 1,
                    CmpOp::Ge | CmpOp::Eq => v.ceil() as i64,
                    _ => 0,
                };
                if min > 0 {
                    check.merge(ColumnCheck { min_len: Some(min as usize), ..Default::default() });
                }
                i = pos + 3;
                continue;
            }
        }
        // jsonb_typeof(col) = 'array'
        if let Tok::Ident(f) = t
            && (f.eq_ignore_ascii_case("jsonb_typeof") || f.eq_ignore_ascii_case("json_typeof"))
            && toks.get(i + 1).is_some_and(|t| is_ident(t, column))
            && matches!(toks.get(i + 2), Some(Tok::Op(op)) if op == "=")
            && let Some(Tok::Str(kind)) = toks.get(i + 3)
        {
            check.merge(ColumnCheck { json_type: Some(kind.clone()), ..Default::default() });
            i += 4;
            continue;
        }
        // Any other function of the column (date_trunc(...), lower(...)): not a bound on it.
        let in_function = i > 0
            && matches!(&toks[i - 1], Tok::Ident(prev) if !["AND", "OR", "NOT", "CHECK"].iter().any(|k| prev.eq_ignore_ascii_case(k)));
        if is_ident(t, column) && !in_function {
            let next = toks.get(i + 1);
            match next {
                Some(Tok::Op(op)) if op == "~" || op == "~*" => {
                    if let Some(Tok::Str(re)) = toks.get(i + 2) {
                        check.regex = Some(re.clone());
                    }
                    i += 3;
                    continue;
                }
                Some(Tok::Op(op)) => {
                    if let Some(cmp) = CmpOp::parse(op) {
                        // col = ANY ARRAY 'a', 'b'
                        if cmp == CmpOp::Eq && toks.get(i + 2).is_some_and(|t| is_ident(t, "ANY")) {
                            let mut j = i + 3;
                            if toks.get(j).is_some_and(|t| is_ident(t, "ARRAY")) {
                                j += 1;
                            }
                            let (list, end) = collect_list(&toks, j);
                            check.merge(ColumnCheck { allowed: Some(list), ..Default::default() });
                            i = end;
                            continue;
                        }
                        if let Some(Tok::Str(s)) = toks.get(i + 2) {
                            if cmp == CmpOp::Ne && s.is_empty() {
                                check.merge(ColumnCheck { min_len: Some(1), ..Default::default() });
                            } else if let Some(v) = num_of(&toks[i + 2]) {
                                apply_bound(&mut check, cmp, v);
                            } else if cmp == CmpOp::Eq {
                                check.merge(ColumnCheck { allowed: Some(vec![s.clone()]), ..Default::default() });
                            }
                            i += 3;
                            continue;
                        }
                        if let Some(v) = toks.get(i + 2).and_then(num_of) {
                            apply_bound(&mut check, cmp, v);
                            i += 3;
                            continue;
                        }
                    }
                }
                Some(t2) if is_ident(t2, "IN") => {
                    let (list, end) = collect_list(&toks, i + 2);
                    check.merge(ColumnCheck { allowed: Some(list), ..Default::default() });
                    i = end;
                    continue;
                }
                Some(t2) if is_ident(t2, "BETWEEN") => {
                    // col BETWEEN a AND b (also "BETWEEN SYMMETRIC")
                    let mut j = i + 2;
                    if toks.get(j).is_some_and(|t| is_ident(t, "SYMMETRIC")) {
                        j += 1;
                    }
                    if let (Some(a), Some(b)) = (toks.get(j).and_then(num_of), toks.get(j + 2).and_then(num_of)) {
                        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                        apply_bound(&mut check, CmpOp::Ge, lo);
                        apply_bound(&mut check, CmpOp::Le, hi);
                    }
                    i = j + 3;
                    continue;
                }
                _ => {}
            }
        }
        // n op col (reversed comparison)
        if let Some(v) = num_of(t)
            && let Some(Tok::Op(op)) = toks.get(i + 1)
            && toks.get(i + 2).is_some_and(|t| is_ident(t, column))
            && let Some(cmp) = CmpOp::parse(op)
        {
            apply_bound(&mut check, cmp.flipped(), v);
            i += 3;
            continue;
        }
        i += 1;
    }
    check
}

fn collect_list(toks: &[Tok], start: usize) -> (Vec<String>, usize) {
    let mut list = Vec::new();
    let mut j = start;
    while j < toks.len() {
        match &toks[j] {
            Tok::Str(s) => list.push(s.clone()),
            Tok::Num(v) => list.push(format_num(*v)),
            Tok::Comma => {}
            _ => break,
        }
        j += 1;
    }
    (list, j)
}

fn format_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// A rule over several columns of a row, from a multi-column CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowRule {
    /// `left op right` (`ended_at >= started_at`).
    Order(ColumnOrder),
    /// `a + b op c` (`completed_steps + failed_steps <= total_steps`).
    SumOrder { parts: Vec<String>, op: CmpOp, right: String },
    /// `NOT flag OR required IS NOT NULL`: a true flag needs the other column.
    Implies { flag: String, required: String },
    /// `a IS NULL OR b IS NULL`: at most one of the columns is set.
    AtMostOne(Vec<String>),
    /// `num_nonnulls(a, b) = 1`: exactly one of the columns is set.
    ExactlyOne(Vec<String>),
}

/// The row rules of a multi-column CHECK constraint over `columns` (the table's columns).
pub fn parse_row_rules(def: &str, columns: &[String]) -> Vec<RowRule> {
    let toks = tokenize(def);
    let col = |t: &Tok| match t {
        Tok::Ident(s) => columns.iter().find(|c| c.eq_ignore_ascii_case(s)).cloned(),
        _ => None,
    };
    let mut rules: Vec<RowRule> = parse_column_orders(def, columns).into_iter().map(RowRule::Order).collect();
    let body: Vec<&Tok> = toks.iter().filter(|t| !is_ident(t, "CHECK")).collect();
    // a + b op c
    for w in body.windows(5) {
        if let (Some(a), Tok::Op(plus), Some(b), Tok::Op(op), Some(c)) = (col(w[0]), w[1], col(w[2]), w[3], col(w[4]))
            && plus == "+"
            && let Some(op) = CmpOp::parse(op)
        {
            rules.push(RowRule::SumOrder { parts: vec![a, b], op, right: c });
        }
    }
    // NOT flag OR required IS NOT NULL
    for w in body.windows(7) {
        if is_ident(w[0], "NOT")
            && let Some(flag) = col(w[1])
            && is_ident(w[2], "OR")
            && let Some(required) = col(w[3])
            && is_ident(w[4], "IS")
            && is_ident(w[5], "NOT")
            && is_ident(w[6], "NULL")
        {
            rules.push(RowRule::Implies { flag, required });
        }
    }
    // num_nonnulls(a, b, ...) = 1
    if let Some(pos) = body.iter().position(|t| is_ident(t, "num_nonnulls")) {
        let mut names = Vec::new();
        let mut j = pos + 1;
        while j < body.len() {
            match body[j] {
                Tok::Comma => {}
                t => match col(t) {
                    Some(c) => names.push(c),
                    None => break,
                },
            }
            j += 1;
        }
        if matches!(body.get(j), Some(Tok::Op(op)) if op == "=")
            && body.get(j + 1).and_then(|t| num_of(t)) == Some(1.0)
            && names.len() >= 2
        {
            rules.push(RowRule::ExactlyOne(names));
        }
    }
    // a IS NULL OR b IS NULL [OR ...] as the whole constraint
    if body.len() >= 7 && (body.len() + 1).is_multiple_of(4) {
        let mut names = Vec::new();
        let mut ok = true;
        for (k, chunk) in body.chunks(4).enumerate() {
            let (Some(c), Some(is), Some(null)) = (chunk.first().and_then(|t| col(t)), chunk.get(1), chunk.get(2))
            else {
                ok = false;
                break;
            };
            if !is_ident(is, "IS") || !is_ident(null, "NULL") || (k > 0 && names.contains(&c)) {
                ok = false;
                break;
            }
            if let Some(or) = chunk.get(3)
                && !is_ident(or, "OR")
            {
                ok = false;
                break;
            }
            names.push(c);
        }
        if ok && names.len() >= 2 {
            rules.push(RowRule::AtMostOne(names));
        }
    }
    rules
}

/// Comparisons between two of `columns` in a CHECK constraint (`ended_at >= started_at`).
pub fn parse_column_orders(def: &str, columns: &[String]) -> Vec<ColumnOrder> {
    let toks = tokenize(def);
    let col = |t: &Tok| match t {
        Tok::Ident(s) => columns.iter().find(|c| c.eq_ignore_ascii_case(s)).cloned(),
        _ => None,
    };
    let arith = |t: Option<&Tok>| matches!(t, Some(Tok::Op(op)) if ["+", "-", "*", "/"].contains(&op.as_str()));
    let mut out = Vec::new();
    for (i, w) in toks.windows(3).enumerate() {
        if let (Some(a), Tok::Op(op), Some(b)) = (col(&w[0]), &w[1], col(&w[2]))
            && a != b
            && !arith(toks.get(i + 3))
            && !(i > 0 && arith(toks.get(i - 1)))
            && let Some(op) = CmpOp::parse(op)
        {
            out.push(ColumnOrder { left: a, op, right: b });
        }
    }
    out
}

/// A partial index predicate reduced to simple tests on columns (`is_primary`,
/// `is_primary = true`, `deleted_at IS NULL`, `NOT is_archived`), joined by AND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PredicateTest {
    IsTrue(String),
    IsFalse(String),
    IsNull(String),
    IsNotNull(String),
}

/// Parses a predicate; `None` when it has a shape not understood here.
pub fn parse_predicate(pred: &str, columns: &[String]) -> Option<Vec<PredicateTest>> {
    let toks = tokenize(pred);
    let col = |t: &Tok| match t {
        Tok::Ident(s) => columns.iter().find(|c| c.eq_ignore_ascii_case(s)).cloned(),
        _ => None,
    };
    let mut tests = Vec::new();
    for part in toks.split(|t| is_ident(t, "AND")) {
        match part {
            [c] => tests.push(PredicateTest::IsTrue(col(c)?)),
            [n, c] if is_ident(n, "NOT") => tests.push(PredicateTest::IsFalse(col(c)?)),
            [c, is, v] if is_ident(is, "IS") && is_ident(v, "NULL") => {
                tests.push(PredicateTest::IsNull(col(c)?));
            }
            [c, is, v] if is_ident(is, "IS") && is_ident(v, "TRUE") => {
                tests.push(PredicateTest::IsTrue(col(c)?));
            }
            [c, is, v] if is_ident(is, "IS") && is_ident(v, "FALSE") => {
                tests.push(PredicateTest::IsFalse(col(c)?));
            }
            [c, is, n, v] if is_ident(is, "IS") && is_ident(n, "NOT") && is_ident(v, "NULL") => {
                tests.push(PredicateTest::IsNotNull(col(c)?));
            }
            [c, Tok::Op(op), v] if op == "=" && is_ident(v, "true") => {
                tests.push(PredicateTest::IsTrue(col(c)?));
            }
            [c, Tok::Op(op), v] if op == "=" && is_ident(v, "false") => {
                tests.push(PredicateTest::IsFalse(col(c)?));
            }
            _ => return None,
        }
    }
    Some(tests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_between() {
        let c = parse_column_check("CHECK (((fit_score >= 1) AND (fit_score <= 10)))", "fit_score");
        assert_eq!(c.min, Some(1.0));
        assert_eq!(c.max, Some(10.0));
        let c = parse_column_check("CHECK (fit_score BETWEEN 1 AND 10)", "fit_score");
        assert_eq!((c.min, c.max), (Some(1.0), Some(10.0)));
        let c = parse_column_check(
            "CHECK (((quality_score >= (0)::numeric) AND (quality_score <= 1.00)))",
            "quality_score",
        );
        assert_eq!((c.min, c.max), (Some(0.0), Some(1.0)));
        let c = parse_column_check("CHECK ((x > 0))", "x");
        assert_eq!(c.min, Some(0.0));
        assert!(c.min_exclusive);
        let c = parse_column_check("CHECK (('-1'::integer <= x) AND (x < 5))", "x");
        assert_eq!((c.min, c.max, c.max_exclusive), (Some(-1.0), Some(5.0), true));
        let c = parse_column_check("CHECK (((x IS NULL) OR (x >= 0)))", "x");
        assert_eq!(c.min, Some(0.0));
        let c = parse_column_check("CHECK ((rating >= '-5'::integer))", "rating");
        assert_eq!(c.min, Some(-5.0));
    }

    #[test]
    fn lists() {
        let c = parse_column_check(
            "CHECK (((complexity_level)::text = ANY ((ARRAY['Low'::character varying, 'Medium'::character varying, 'High'::character varying])::text[])))",
            "complexity_level",
        );
        assert_eq!(c.allowed, Some(vec!["Low".into(), "Medium".into(), "High".into()]));
        let c = parse_column_check("CHECK ((status = ANY (ARRAY['pending'::text, 'it''s'::text])))", "status");
        assert_eq!(c.allowed, Some(vec!["pending".into(), "it's".into()]));
        let c = parse_column_check("CHECK (decision_authority IN ('FINAL', 'ADVISORY'))", "decision_authority");
        assert_eq!(c.allowed, Some(vec!["FINAL".into(), "ADVISORY".into()]));
        let c = parse_column_check("CHECK ((tier = ANY (ARRAY[1, 2, 3])))", "tier");
        assert_eq!(c.allowed, Some(vec!["1".into(), "2".into(), "3".into()]));
    }

    #[test]
    fn lengths_and_regex() {
        let c = parse_column_check("CHECK ((length(name) > 0))", "name");
        assert_eq!(c.min_len, Some(1));
        let c = parse_column_check("CHECK ((char_length(btrim((name)::text)) >= 3))", "name");
        assert_eq!(c.min_len, Some(3));
        let c = parse_column_check("CHECK ((name <> ''::text))", "name");
        assert_eq!(c.min_len, Some(1));
        let c = parse_column_check("CHECK (((slug)::text ~ '^[a-z0-9-]+$'::text))", "slug");
        assert_eq!(c.regex.as_deref(), Some("^[a-z0-9-]+$"));
        assert!(parse_column_check("CHECK ((other > 0))", "name").is_empty());
        let c = parse_column_check("CHECK ((jsonb_typeof(features) = 'array'::text))", "features");
        assert_eq!(c.json_type.as_deref(), Some("array"));
        assert!(c.allowed.is_none());
        let c = parse_column_check(
            "CHECK ((month = (date_trunc('month'::text, (month)::timestamp with time zone))::date))",
            "month",
        );
        assert!(c.allowed.is_none() && c.min.is_none());
    }

    #[test]
    fn row_rules() {
        let cols: Vec<String> = [
            "is_finalized",
            "finalized_at",
            "consultation_id",
            "panel_id",
            "completed_steps",
            "failed_steps",
            "total_steps",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
        assert_eq!(
            parse_row_rules("CHECK (((NOT is_finalized) OR (finalized_at IS NOT NULL)))", &cols),
            vec![RowRule::Implies { flag: "is_finalized".into(), required: "finalized_at".into() }]
        );
        assert_eq!(
            parse_row_rules("CHECK ((num_nonnulls(consultation_id, panel_id) = 1))", &cols),
            vec![RowRule::ExactlyOne(vec!["consultation_id".into(), "panel_id".into()])]
        );
        assert_eq!(
            parse_row_rules("CHECK (((consultation_id IS NULL) OR (panel_id IS NULL)))", &cols),
            vec![RowRule::AtMostOne(vec!["consultation_id".into(), "panel_id".into()])]
        );
        let r = parse_row_rules(
            "CHECK (((total_steps >= 0) AND ((completed_steps + failed_steps) <= total_steps)))",
            &cols,
        );
        assert!(r.contains(&RowRule::SumOrder {
            parts: vec!["completed_steps".into(), "failed_steps".into()],
            op: CmpOp::Le,
            right: "total_steps".into()
        }));
        let cols2: Vec<String> =
            ["opportunity_score", "importance_score", "satisfaction_score"].iter().map(|s| (*s).to_string()).collect();
        assert!(parse_row_rules(
            "CHECK (((opportunity_score IS NULL) OR ((importance_score IS NOT NULL) AND (opportunity_score = (importance_score + GREATEST((importance_score - satisfaction_score), (0)::numeric))))))",
            &cols2
        )
        .is_empty());
        // (x IS NULL) OR (x >= 0) is not an at-most-one rule.
        assert!(parse_row_rules("CHECK (((completed_steps IS NULL) OR (completed_steps >= 0)))", &cols).is_empty());
    }

    #[test]
    fn orders_and_predicates() {
        let cols = vec!["started_at".to_string(), "ended_at".to_string()];
        let o = parse_column_orders("CHECK (((ended_at IS NULL) OR (ended_at >= started_at)))", &cols);
        assert_eq!(o, vec![ColumnOrder { left: "ended_at".into(), op: CmpOp::Ge, right: "started_at".into() }]);
        let cols = vec!["is_primary".to_string(), "deleted_at".to_string()];
        assert_eq!(parse_predicate("is_primary", &cols), Some(vec![PredicateTest::IsTrue("is_primary".into())]));
        assert_eq!(
            parse_predicate("((is_primary = true) AND (deleted_at IS NULL))", &cols),
            Some(vec![PredicateTest::IsTrue("is_primary".into()), PredicateTest::IsNull("deleted_at".into())])
        );
        assert_eq!(parse_predicate("(x > 3)", &cols), None);
    }
}
