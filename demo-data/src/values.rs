//! Value generation for one column of one row, from the column's type, its CHECK constraint
//! and its name (heuristics), in the context of the row (its label, functional area, time,
//! tenancy, position under its parent). Foreign keys, ids, tenancy columns, labels and
//! vectors are set by the row generator before these run.

use super::catalog::{ColType, Column, Table};
use super::copy_writer::{BASE_EPOCH, Value, civil_from_days, days_from_civil};
use super::prng::{Rng, hash_str, sha256_hex};
use super::vocabulary::{
    AREAS, Area, EMBEDDING_MODEL, FIRST_NAMES, LAST_NAMES, LLM_MODELS, LLM_PROVIDERS, LabelKind, MESSAGE_OPENERS,
    QUESTION_TEMPLATES, THERAPEUTIC_AREAS, area_matching, base_label, capitalize, fill, jtbd_statement, lower_first,
    paragraph, sentence_lower, slugify, title_case,
};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::HashMap;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// What the value generator knows about the row being built.
pub struct ValueCtx<'a> {
    pub table: &'a Table,
    pub kind: LabelKind,
    pub enums: &'a HashMap<String, Vec<String>>,
    pub row: usize,
    pub ordinal: usize,
    pub area: usize,
    pub label: &'a str,
    pub parent_label: Option<&'a str>,
    /// Seconds since 2025-01-01 at which the row "happened".
    pub time: i64,
    pub shared: bool,
    pub tenant_slug: &'a str,
    pub tenant_name: &'a str,
    /// Prefix of `unique_id` / `code` values of this table (`AGT`, `WF`...).
    pub prefix: &'a str,
    pub scale: u32,
    /// Short text values already chosen for this row (enums, listed values): column → value.
    pub hints: &'a [(String, String)],
}

impl ValueCtx<'_> {
    fn area(&self) -> &'static Area {
        &AREAS[self.area % AREAS.len()]
    }
    fn table_has(&self, word: &str) -> bool {
        self.table.name.contains(word)
    }
    fn hint(&self, column: &str) -> Option<&str> {
        self.hints.iter().find(|(c, _)| c == column).map(|(_, v)| v.as_str())
    }
}

/// Columns generated in the second pass, after enums and listed values, so that their text
/// can follow them (a prompt's content follows its role type, a message its role).
pub fn is_second_pass(col: &Column) -> bool {
    match &col.ty {
        ColType::Text => col.check.allowed.is_none(),
        ColType::Jsonb | ColType::Json | ColType::Array(_) => true,
        _ => false,
    }
}

fn any_of(name: &str, words: &[&str]) -> bool {
    words.contains(&name)
}

fn contains_any(name: &str, words: &[&str]) -> bool {
    words.iter().any(|w| name.contains(w))
}

/// Is this column where the row's label (its name) goes?
pub fn is_label_column(table: &Table, col: &Column) -> bool {
    let n = col.name.as_str();
    if !matches!(col.ty, ColType::Text) {
        return false;
    }
    if any_of(n, &["name", "title", "display_name", "topic"]) {
        return true;
    }
    let singular = entity::naming::singular(&table.name);
    let last = singular.rsplit('_').next().unwrap_or(&singular);
    if n == format!("{singular}_name") || n == format!("{last}_name") || n == format!("{last}_title") {
        return true;
    }
    // The only required *_name column of a table without name/title (step_name, output_name).
    if n.ends_with("_name") && col.not_null && !table.has("name") && !table.has("title") {
        let others =
            table.columns.iter().filter(|c| c.name.ends_with("_name") && c.not_null && c.name != col.name).count();
        return others == 0 && !contains_any(n, &["contact", "service", "full", "first", "last", "legal"]);
    }
    false
}

/// Probability that a nullable column is left NULL.
fn null_probability(name: &str) -> f64 {
    if name == "deleted_at" {
        // Soft-deleted demo rows would only hide data: none.
        1.0
    } else if contains_any(
        name,
        &[
            "archived_at",
            "deprecated_at",
            "revoked",
            "uninstalled",
            "left_at",
            "deprecation",
            "revocation",
            "failure_reason",
            "error_message",
            "processing_error",
            "legal_hold_reason",
            "impersonated",
            "escalated_at",
            "end_reason",
        ],
    ) {
        0.95
    } else if contains_any(name, &["parent_", "reply_to", "previous_"]) {
        0.6
    } else if contains_any(name, &["closed_at", "ended_at", "completed_at", "finalized_at", "expires_at"]) {
        0.2
    } else {
        0.08
    }
}

/// Generates a value for `col` (not an id, FK, tenancy column, label or vector).
pub fn generate(col: &Column, cx: &ValueCtx, rng: &mut Rng) -> Value {
    let name = col.name.as_str();
    if !col.not_null && rng.chance(null_probability(name)) {
        return Value::Null;
    }
    if let Some(allowed) = &col.check.allowed
        && !allowed.is_empty()
    {
        let s = choose_label(allowed, name, cx, rng);
        return match &col.ty {
            t if t.is_integer() => s.parse().map_or(Value::Int(0), Value::Int),
            ColType::Numeric | ColType::Float4 | ColType::Float8 => {
                s.parse::<f64>().map_or(Value::Int(0), Value::Float)
            }
            ColType::Array(_) => Value::TextArray(vec![s]),
            _ => Value::Text(s),
        };
    }
    let v = match &col.ty {
        ColType::Enum(type_name) => {
            let labels = cx.enums.get(type_name).cloned().unwrap_or_default();
            if labels.is_empty() { Value::Null } else { Value::Text(choose_label(&labels, name, cx, rng)) }
        }
        ColType::Bool => Value::Bool(bool_value(col, cx, rng)),
        ColType::Int2 | ColType::Int4 | ColType::Int8 => Value::Int(int_value(col, cx, rng)),
        ColType::Numeric => numeric_value(col, cx, rng),
        ColType::Float4 | ColType::Float8 => Value::Float(float_value(rng)),
        ColType::Text => Value::Text(text_value(col, cx, rng)),
        ColType::Date => Value::Date(date_value(name, cx, rng)),
        ColType::Timestamptz | ColType::Timestamp => Value::Timestamp(timestamp_value(name, cx, rng)),
        ColType::Time => Value::Raw(format!("{:02}:00:00", 8 + rng.below(10))),
        ColType::Jsonb | ColType::Json => {
            let v = json_value(name, cx, rng);
            Value::Json(match (col.check.json_type.as_deref(), v) {
                (Some("array"), v @ serde_json::Value::Array(_)) => v,
                (Some("array"), v) => serde_json::Value::Array(vec![v]),
                (Some("object"), serde_json::Value::Array(items)) => json!({ "items": items }),
                (_, v) => v,
            })
        }
        ColType::Array(inner) => match inner.as_ref() {
            ColType::Uuid => Value::UuidArray(Vec::new()),
            t if t.is_integer() => Value::Raw(format!("{{{},{}}}", 1 + rng.below(5), 6 + rng.below(5))),
            _ => Value::TextArray(text_array(name, cx, rng)),
        },
        ColType::Uuid => Value::Uuid(super::prng::row_uuid(&format!("{}.{}", cx.table.name, name), cx.row as u64)),
        ColType::Vector => Value::Null,
        ColType::Other(t) => other_value(t, cx, rng),
    };
    apply_bounds(col, v, rng)
}

fn other_value(type_name: &str, cx: &ValueCtx, rng: &mut Rng) -> Value {
    match type_name {
        "interval" => Value::Raw(format!("{} days", 1 + rng.below(90))),
        "inet" | "cidr" => Value::Raw(format!("10.{}.{}.{}", rng.below(255), rng.below(255), 1 + rng.below(253))),
        "ltree" => Value::Raw(format!("root.{}", cx.area().slug)),
        "bytea" => Value::Raw("\\x00".into()),
        "tsvector" => Value::Raw(slugify(cx.label).replace('-', " ")),
        "money" => Value::Raw(format!("{}.00", rng.below(10_000))),
        _ => Value::Null,
    }
}

/// Keeps numbers inside CHECK bounds and precision, and text inside length limits.
fn apply_bounds(col: &Column, v: Value, rng: &mut Rng) -> Value {
    let ck = &col.check;
    match v {
        Value::Int(i) => {
            let mut lo =
                ck.min.map_or(i64::MIN, |m| if ck.min_exclusive { m.floor() as i64 + 1 } else { m.ceil() as i64 });
            let mut hi =
                ck.max.map_or(i64::MAX, |m| if ck.max_exclusive { m.ceil() as i64 - 1 } else { m.floor() as i64 });
            match col.ty {
                ColType::Int2 => {
                    lo = lo.max(i64::from(i16::MIN));
                    hi = hi.min(i64::from(i16::MAX));
                }
                ColType::Int4 => {
                    lo = lo.max(i64::from(i32::MIN));
                    hi = hi.min(i64::from(i32::MAX));
                }
                _ => {}
            }
            if ck.min.is_some() && ck.max.is_some() && (i < lo || i > hi) {
                Value::Int(rng.range_i64(lo, hi))
            } else {
                Value::Int(i.clamp(lo, hi.max(lo)))
            }
        }
        Value::Numeric(d) => {
            let f: f64 = d.to_string().parse().unwrap_or(0.0);
            Value::Numeric(to_numeric(bounded_f64(col, f, rng), col))
        }
        Value::Float(f) => Value::Float(bounded_f64(col, f, rng)),
        Value::Text(s) => Value::Text(fit_text(s, col)),
        other => other,
    }
}

fn bounded_f64(col: &Column, f: f64, rng: &mut Rng) -> f64 {
    let ck = &col.check;
    let step = col.scale.map_or(0.01, |s| 10f64.powi(-(s as i32)));
    let lo = ck.min.map(|m| if ck.min_exclusive { m + step } else { m });
    let hi = ck.max.map(|m| if ck.max_exclusive { m - step } else { m });
    // Precision limit: |x| < 10^(p-s).
    let limit = match (col.precision, col.scale) {
        (Some(p), Some(s)) if p > s => Some(10f64.powi((p - s) as i32) - step),
        (Some(_), Some(_)) => Some(1.0 - step),
        _ => None,
    };
    let hi = match (hi, limit) {
        (Some(h), Some(l)) => Some(h.min(l)),
        (h, l) => h.or(l),
    };
    let lo = match (lo, limit) {
        (Some(l), Some(lim)) => Some(l.max(-lim)),
        (l, lim) => l.or(lim.map(|x| -x)),
    };
    match (lo, hi) {
        (Some(l), Some(h)) if f < l || f > h => {
            if ck.min.is_some() && ck.max.is_some() {
                rng.range_f64(l, h)
            } else {
                f.clamp(l, h.max(l))
            }
        }
        (Some(l), None) if f < l => l,
        (None, Some(h)) if f > h => h,
        _ => f,
    }
}

/// Rounds to the column's scale (2 when unknown).
pub fn to_numeric(f: f64, col: &Column) -> Decimal {
    let scale = col.scale.unwrap_or(2).min(12);
    let factor = 10f64.powi(scale as i32);
    let m = (f * factor).round();
    let m = if m.is_finite() { m as i128 } else { 0 };
    Decimal::try_from_i128_with_scale(m, scale).unwrap_or(Decimal::ZERO)
}

/// Truncates to the column's length (on a character boundary) and pads to its minimum.
pub fn fit_text(mut s: String, col: &Column) -> String {
    if let Some(max) = col.max_len
        && s.chars().count() > max
    {
        s = s.chars().take(max).collect::<String>().trim_end().to_string();
    }
    if let Some(min) = col.check.min_len {
        while s.chars().count() < min {
            s.push('x');
        }
    }
    s
}

/// Picks one of `labels` for the row: the row's functional area if one matches, `public`
/// for shared rows' visibility, alternating user / assistant message roles, mostly "active"
/// statuses; otherwise every label in turn for the first rows (so all values occur), then
/// at random.
pub fn choose_label(labels: &[String], name: &str, cx: &ValueCtx, rng: &mut Rng) -> String {
    let has = |l: &str| labels.iter().any(|x| x == l);
    // Visibility and access scope follow tenancy.
    if has("public") && contains_any(name, &["visibility", "access", "sharing", "scope"]) {
        if cx.shared {
            return "public".to_string();
        }
        let private: Vec<&String> = labels.iter().filter(|l| *l != "public").collect();
        if let Some(l) = rng.pick(&private) {
            return (*l).clone();
        }
    }
    // Message roles alternate along a conversation.
    if name == "role" && has("user") && has("assistant") {
        if cx.table_has("panel") {
            if cx.ordinal == 0 {
                for l in ["panel_moderator", "facilitator"] {
                    if has(l) {
                        return l.to_string();
                    }
                }
            }
            if has("agent") {
                return "agent".into();
            }
        }
        return if cx.ordinal.is_multiple_of(2) { "user".into() } else { "assistant".into() };
    }
    // A label the table is named after (conversation_mode 'expert_consultation' in
    // expert_consultations).
    if let Some(l) = labels.iter().find(|l| l.len() > 6 && cx.table.name.contains(l.as_str()))
        && rng.chance(0.85)
    {
        return l.clone();
    }
    // The row's functional area, when the labels name areas (functional_area,
    // domain_expertise, category lists...).
    if !contains_any(name, &["status", "role", "type", "classification"]) {
        let area = cx.area % AREAS.len();
        let matches_area = |l: &str, a: usize| area_matching(l) == Some(a) || AREAS[a].expertise == l;
        let naming_areas = labels.iter().filter(|l| (0..AREAS.len()).any(|a| matches_area(l, a))).count();
        if naming_areas >= 3
            && let Some(l) = labels.iter().find(|l| matches_area(l, area))
        {
            return l.clone();
        }
    }
    let n = labels.len();
    let offset = (hash_str(name) % n as u64) as usize;
    if cx.row < n {
        return labels[(cx.row + offset) % n].clone();
    }
    if name.contains("status") {
        for l in ["active", "completed", "approved", "published"] {
            if has(l) && rng.chance(0.6) {
                return l.to_string();
            }
        }
    }
    labels[rng.below(n)].clone()
}

fn bool_value(col: &Column, cx: &ValueCtx, rng: &mut Rng) -> bool {
    let n = col.name.as_str();
    match n {
        "is_public" => cx.shared,
        "is_primary" | "is_default" | "is_entry_point" | "is_head_of_department" => cx.ordinal == 0,
        "is_active" | "is_enabled" | "is_available" | "is_marketplace_visible" | "can_view" => rng.chance(0.92),
        "is_deleted" | "is_archived" | "legal_hold" | "quota_exceeded" | "is_regenerated" | "flagged_for_review"
        | "bypassed_rls" => rng.chance(0.04),
        _ if n.starts_with("is_final") => rng.chance(0.7),
        _ if n.ends_with("_compliant")
            || n.ends_with("_enabled")
            || n.ends_with("_signed")
            || n.ends_with("_validated") =>
        {
            rng.chance(0.75)
        }
        _ if col.default_is_true() => rng.chance(0.85),
        _ if col.default_is_false() => rng.chance(0.2),
        _ => rng.chance(0.5),
    }
}

// One arm per column meaning, even where two meanings share a range.
#[allow(clippy::match_same_arms)]
fn int_value(col: &Column, cx: &ValueCtx, rng: &mut Rng) -> i64 {
    let n = col.name.as_str();
    let big = contains_any(
        &cx.table.name,
        &["monthly", "tracking", "allocation", "token_usage_sessions", "token_usage_consultations"],
    );
    let ord = cx.ordinal as i64;
    match n {
        _ if n.ends_with("_index") => ord,
        "position" | "sequence" | "sequence_number" | "display_order" | "step_number" | "round_number"
        | "session_number" | "seat_order" | "execution_order" | "execution_sequence" | "current_round"
        | "sort_order" => ord + 1,
        _ if n.ends_with("_order") || n.ends_with("_sequence") => ord + 1,
        "attempt_number" => 1 + rng.range_i64(0, 1) * i64::from(rng.chance(0.2)),
        "version" | "workflow_version" => 1 + rng.range_i64(0, 2),
        "hierarchy_depth" | "hierarchy_level" | "level" | "capability_level" | "approval_level" => {
            1 + rng.range_i64(0, 2)
        }
        "tier" => 1 + rng.range_i64(0, 2),
        "priority" => rng.range_i64(1, 5),
        "importance" | "pain_intensity" | "current_maturity" => rng.range_i64(3, 9),
        "target_maturity" => rng.range_i64(6, 10),
        "rating" => rng.range_i64(3, 5),
        "quorum" | "min_members" => rng.range_i64(2, 4),
        "max_members" => rng.range_i64(5, 8),
        "max_rounds" | "default_max_rounds" => rng.range_i64(3, 5),
        "max_turns_per_member" => rng.range_i64(2, 4),
        "member_count" => rng.range_i64(3, 6),
        "fiscal_year" | "year" => 2025,
        "month" => 1 + (ord % 12),
        "top_k" => rng.range_i64(3, 10),
        "max_retries" => 3,
        "retry_count" | "reminder_count" | "abstentions" => rng.range_i64(0, 2),
        "start_char" => ord * 1_200,
        "end_char" => ord * 1_200 + 1_100 + rng.range_i64(0, 99),
        "page_number" => 1 + ord / 3,
        "page_count" => rng.range_i64(4, 180),
        "word_count" => rng.range_i64(300, 6_000),
        "context_window" => [8_192, 32_768, 128_000, 200_000][rng.below(4)],
        "max_tokens" | "max_tokens_per_turn" => [1_024, 2_048, 4_096, 8_192][rng.below(4)],
        "token_count" => rng.range_i64(120, 700),
        "lag_minutes" => rng.range_i64(0, 120),
        "typical_headcount" => rng.range_i64(5, 250),
        "typical_team_size" => rng.range_i64(3, 20),
        "years_experience_min" => rng.range_i64(2, 8),
        "years_experience_max" => rng.range_i64(10, 20),
        "time_to_value_weeks" => rng.range_i64(2, 26),
        "votes_for" | "votes_against" | "total_votes" | "eligible_voter_count" => rng.range_i64(1, 8),
        "retention_period_days" => [365, 1_095, 2_555, 3_650][rng.below(4)],
        "archive_after_days" => [90, 180, 365][rng.below(3)],
        "sample_size" => rng.range_i64(20, 600),
        _ if n.starts_with("max_users") || n.starts_with("seats_") => rng.range_i64(5, 250),
        _ if n.starts_with("max_agents") => rng.range_i64(10, 500),
        _ if n.starts_with("max_storage") => rng.range_i64(10, 1_000),
        _ if n.starts_with("max_consultations") || n == "consultation_limit" => rng.range_i64(500, 20_000),
        _ if n.starts_with("max_calls") || n.starts_with("max_concurrent") => rng.range_i64(5, 50),
        _ if n.starts_with("max_") || n.ends_with("_limit") => rng.range_i64(1_000, 1_000_000),
        _ if n.starts_with("current_") => rng.range_i64(1, 40),
        _ if n.contains("rate_limit") => [60, 120, 300, 600][rng.below(4)],
        _ if n.ends_with("_ms") => rng.range_i64(80, 4_500),
        _ if n.ends_with("_seconds") => rng.range_i64(30, 3_600),
        _ if n.ends_with("_minutes") => rng.range_i64(5, 480),
        _ if n.ends_with("_hours") => rng.range_i64(1, 40),
        _ if n.ends_with("_days") => rng.range_i64(7, 365),
        _ if n.ends_with("_weeks") => rng.range_i64(1, 26),
        _ if n.contains("tokens") => {
            if big {
                rng.range_i64(200_000, 20_000_000)
            } else {
                rng.range_i64(80, 3_500)
            }
        }
        _ if n.contains("bytes") || n.ends_with("_size") => rng.range_i64(20_000, 25_000_000),
        _ if n.ends_with("_rows") => rng.range_i64(0, 5_000),
        _ if n.ends_with("_count")
            || n.starts_with("total_")
            || n.ends_with("_users")
            || n.ends_with("_steps")
            || n.ends_with("_tasks")
            || n.ends_with("_reviews")
            || n.ends_with("_ratings") =>
        {
            if big {
                rng.range_i64(20, 5_000)
            } else {
                rng.range_i64(0, 400)
            }
        }
        _ => rng.range_i64(1, 100),
    }
}

fn numeric_value(col: &Column, cx: &ValueCtx, rng: &mut Rng) -> Value {
    let n = col.name.as_str();
    let int_digits = match (col.precision, col.scale) {
        (Some(p), Some(s)) => p.saturating_sub(s),
        _ => 6,
    };
    let big = contains_any(
        &cx.table.name,
        &["monthly", "tracking", "allocation", "token_usage_sessions", "token_usage_consultations"],
    );
    let f = if n.contains("score")
        || n.contains("confidence")
        || n.contains("reliability")
        || n.contains("agreement")
        || n.contains("relevance")
        || n.contains("similarity")
        || n.contains("weighted_support")
    {
        if int_digits <= 1 { rng.range_f64(0.55, 0.99) } else { rng.range_f64(3.0, 9.8) }
    } else if n == "avg_rating" {
        rng.range_f64(3.4, 4.9)
    } else if n.contains("temperature") {
        rng.range_f64(0.1, 0.8)
    } else if n.contains("threshold") {
        rng.range_f64(0.6, 0.85)
    } else if n.contains("weight") {
        if int_digits <= 1 { rng.range_f64(0.5, 0.99) } else { rng.range_f64(0.5, 2.0) }
    } else if n.contains("rate") || n.contains("percent") || n.contains("pct") || n.contains("adoption") {
        if int_digits <= 1 { rng.range_f64(0.3, 0.99) } else { rng.range_f64(55.0, 99.0) }
    } else if n.ends_with("_gb") {
        rng.range_f64(0.5, 250.0)
    } else if n.contains("hours") {
        rng.range_f64(1.0, 60.0)
    } else if n.contains("cost")
        || n.contains("amount")
        || n.contains("price")
        || n.contains("usd")
        || n.contains("value")
        || n.contains("budget")
        || n.contains("revenue")
        || n.contains("roi")
    {
        if n.contains("per_") || n.contains("multiplier") || n.contains("base_cost") {
            rng.range_f64(0.001, 0.2)
        } else if cx.table_has("messages") || n.contains("input_cost") || n.contains("output_cost") {
            rng.range_f64(0.0005, 0.08)
        } else if big || n.contains("price_monthly") || n.contains("budget") || n.contains("annual") {
            rng.range_f64(500.0, 45_000.0)
        } else {
            rng.range_f64(0.5, 400.0)
        }
    } else if n.contains("multiplier") {
        rng.range_f64(1.0, 2.5)
    } else {
        rng.range_f64(1.0, 95.0)
    };
    Value::Numeric(to_numeric(f, col))
}

fn float_value(rng: &mut Rng) -> f64 {
    (rng.range_f64(0.05, 0.99) * 10_000.0).round() / 10_000.0
}

/// Months since 2025-01 → the first day of that month (days since epoch).
fn month_start(months: i64) -> i64 {
    let y = 2025 + months.div_euclid(12);
    let m = months.rem_euclid(12) as u32 + 1;
    days_from_civil(y, m, 1)
}

fn date_value(name: &str, cx: &ValueCtx, rng: &mut Rng) -> i64 {
    let base_day = (BASE_EPOCH + cx.time).div_euclid(DAY);
    let monthly = cx.table.has("month") || cx.table.has("period_start");
    let months = (cx.ordinal % 24) as i64;
    match name {
        "month" | "period_start" | "billing_month" | "usage_month" if monthly => month_start(months),
        "period_end" if monthly => month_start(months + 1) - 1,
        "published_date" => {
            days_from_civil(2016 + rng.range_i64(0, 8), 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
        }
        "effective_from" | "start_date" => base_day,
        _ if contains_any(name, &["until", "retain", "expir", "end"]) => base_day + rng.range_i64(365, 7 * 365),
        _ if contains_any(name, &["target", "due", "deadline"]) => base_day + rng.range_i64(30, 400),
        _ => base_day,
    }
}

/// A timestamp relative to the row's time, ordered by the column name's meaning:
/// created ≤ started ≤ other events ≤ completed ≤ updated ≤ expiry.
fn timestamp_value(name: &str, cx: &ValueCtx, rng: &mut Rng) -> i64 {
    let t = BASE_EPOCH + cx.time;
    let off = if name == "created_at"
        || name == "requested_at"
        || name == "queued_at"
        || name == "installed_at"
        || name == "invited_at"
    {
        0
    } else if contains_any(
        name,
        &["deleted_at", "archived_at", "deprecated_at", "revoked_at", "uninstalled_at", "left_at"],
    ) {
        rng.range_i64(60 * DAY, 120 * DAY)
    } else if contains_any(name, &["start", "joined", "opened", "opens_at", "scheduled", "first_"]) {
        rng.range_i64(60, 30 * 60)
    } else if contains_any(name, &["expires", "until", "ends_at", "closes_at", "deadline", "due_at", "retain"]) {
        rng.range_i64(90 * DAY, 400 * DAY)
    } else if contains_any(
        name,
        &["completed", "ended", "finished", "closed", "resolved", "finalized", "reached", "decided", "end"],
    ) {
        rng.range_i64(2 * HOUR, 30 * HOUR)
    } else if name == "updated_at" {
        rng.range_i64(31 * HOUR, 45 * DAY)
    } else if contains_any(name, &["last_", "_used_at"]) {
        rng.range_i64(2 * DAY, 50 * DAY)
    } else {
        rng.range_i64(HOUR + 60, 30 * HOUR)
    };
    t + off
}

fn person(rng: &mut Rng) -> String {
    format!("{} {}", rng.word(FIRST_NAMES), rng.word(LAST_NAMES))
}

fn email_of(person: &str, domain_slug: &str) -> String {
    let local: Vec<String> = person.split(' ').map(|p| slugify(p).replace('-', "")).collect();
    format!("{}@{}.example.com", local.join("."), domain_slug)
}

fn pick_word(rng: &mut Rng, list: &[&'static str]) -> String {
    rng.word(list).to_string()
}

/// Choices for free-text "enum-like" columns without a CHECK constraint.
fn text_choices(name: &str, cx: &ValueCtx) -> Option<&'static [&'static str]> {
    Some(match name {
        "status" => {
            if contains_any(&cx.table.name, &["execution", "task_executions", "logs"]) {
                &["completed", "completed", "completed", "running", "failed", "pending"]
            } else if contains_any(&cx.table.name, &["consultation", "session", "panel_discussions"]) {
                &["completed", "active", "active", "archived"]
            } else if cx.table_has("members") {
                &["active", "active", "invited", "suspended"]
            } else if cx.table_has("installations") {
                &["active", "active", "active", "suspended", "uninstalled"]
            } else {
                &["active", "active", "active", "draft", "archived"]
            }
        }
        "source_type" => &["document", "url", "api", "database", "structured"],
        "content_type" => &["pdf", "html", "markdown", "json", "csv"],
        "tool_category" => &["api", "library", "service", "function"],
        "tool_type" => &["retrieval", "analysis", "integration", "generation"],
        "integration_type" => &["rest_api", "graphql", "grpc", "function"],
        "authentication_type" => &["api_key", "oauth2", "service_account", "none"],
        "skill_category" => &["technical", "domain", "soft"],
        "skill_type" => &["analytical", "creative", "operational"],
        "workflow_type" => &["standard", "template", "custom"],
        "task_type" => &["analysis", "decision", "creation", "review"],
        "automation_level" | "automation_potential" | "ai_automation_potential" | "ai_enablement_potential" => {
            &["fully_automated", "semi_automated", "assisted", "manual"]
        }
        "priority_level"
        | "demand_level"
        | "industry_importance"
        | "strategic_importance"
        | "implementation_effort" => &["low", "medium", "high", "critical"],
        "complexity_level" => &["Low", "Medium", "High"],
        "seniority_level" => &["junior", "mid", "senior", "executive"],
        "decision_authority" | "budget_authority" => &["final", "advisory", "informational"],
        "persona_type" => &["professional", "patient", "researcher"],
        "relationship_type" => &["supports", "assists", "collaborates_with"],
        "dependency_type" => &["blocking", "optional", "parallel"],
        "contribution_level" => &["primary", "secondary", "supporting"],
        "role_in_workflow" | "persona_role" => &["owner", "contributor", "reviewer", "approver"],
        "output_type" | "deliverable_type" => &["document", "report", "dataset", "presentation", "decision"],
        "artifact_type" => &["document", "spreadsheet", "presentation", "image", "dataset"],
        "access_level" | "sharing_scope" => &["public", "tenant", "private"],
        "processing_status" => &["completed", "completed", "completed", "processing", "pending", "failed"],
        "review_status" | "implementation_status" => &["approved", "approved", "in_review", "pending"],
        "price_model" => &["subscription", "usage", "one_time"],
        "marketplace_tier" => &["free", "standard", "premium"],
        "solution_type" => &["packaged", "custom", "hybrid"],
        "suite_type" => &["core", "industry", "advanced"],
        "template_type" => &["document", "email", "report", "slide_deck", "prompt"],
        "step_type" => &["action", "decision", "approval", "agent_call", "notification"],
        "connection_type" => &["sequential", "conditional", "parallel"],
        "trigger_type" => &["manual", "scheduled", "event", "api"],
        "round_type" => &["opening", "discussion", "rebuttal", "consensus"],
        "message_kind" => &["statement", "question", "rebuttal", "summary"],
        "consensus_strategy" | "voting_method" => &["majority", "supermajority", "unanimous", "weighted"],
        "turn_taking_strategy" => &["round_robin", "moderated", "free_form"],
        "facilitation_style" => &["neutral", "socratic", "directive"],
        "panel_format" => &["advisory_board", "debate", "delphi", "expert_review"],
        "agent_selection_method" => &["manual", "automatic", "recommended"],
        "actor_type" => &["user", "user", "api_key", "service", "system"],
        "action" | "operation_type" | "action_type" => &["create", "update", "delete", "read", "export", "login"],
        "operation" => &["chat_completion", "chat_completion", "embedding", "rerank", "tool_call"],
        "event_category" => &["data_access", "data_change", "authentication", "configuration", "security"],
        "outcome" => &["success", "success", "success", "failure", "denied"],
        "resource_type" | "entity_type" | "asset_type" | "subject_type" => {
            &["agent", "prompt", "workflow", "knowledge_source", "tool"]
        }
        "log_level" => &["info", "info", "info", "debug", "warning", "error"],
        "vote_choice" | "choice" => &["approve", "approve", "reject", "abstain"],
        "period_type" => &["monthly", "monthly", "weekly", "daily"],
        "granularity" => &["daily", "weekly", "monthly"],
        "allocation_dimension" => &["tenant", "user", "agent", "service"],
        "allocation_method" => &["direct", "proportional", "usage_based"],
        "billing_cycle" => &["monthly", "annual"],
        "client_type" => &["web", "api", "sdk", "cli"],
        "content_format" => &["markdown", "markdown", "markdown", "text"],
        "format" | "output_format" | "response_format" => &["markdown", "json", "text", "html"],
        "storage_provider" => &["s3", "gcs", "azure_blob"],
        "virus_scan_status" => &["clean", "clean", "clean", "pending"],
        "checksum_algorithm" => &["sha256"],
        "http_method" => &["GET", "POST", "POST", "PATCH", "DELETE"],
        "organization_type" => &["pharmaceutical", "biotech", "medtech", "payer", "consultancy"],
        "organization_size" | "employee_count_range" | "typical_headcount_range" => {
            &["1-50", "51-200", "201-1000", "1001-5000", "5000+"]
        }
        "annual_revenue_range" => &["<10M", "10M-100M", "100M-1B", "1B-10B", ">10B"],
        "raci_level" => &["responsible", "accountable", "consulted", "informed"],
        "proficiency_level" | "proficiency_required" | "maturity_level" | "ai_adoption_level" => {
            &["beginner", "intermediate", "advanced", "expert"]
        }
        "opportunity_type" | "capability_type" | "use_case_type" => {
            &["automation", "augmentation", "insight", "generation"]
        }
        "measurement_method" => &["survey", "system_log", "time_study", "benchmark"],
        "direction" => &["increase", "decrease", "maintain"],
        "license_type" => &["commercial", "open_source", "internal"],
        "approval_type" => &["quality", "medical", "legal", "regulatory"],
        "finish_reason" => &["stop", "stop", "stop", "length", "tool_calls"],
        "action_on_expiry" => &["archive", "delete", "anonymise"],
        "legal_basis" => &["legal_obligation", "legitimate_interest", "consent", "contract"],
        "currency" | "budget_currency" => &["USD", "USD", "EUR", "GBP", "CHF"],
        "language" => &["en", "en", "en", "de", "fr", "ja"],
        "locale" => &["en-US", "en-GB", "de-DE", "fr-FR", "ja-JP"],
        "timezone" => {
            &["America/New_York", "Europe/London", "Europe/Berlin", "Europe/Zurich", "Asia/Tokyo", "America/Chicago"]
        }
        "data_residency" => &["US", "EU", "UK", "CH"],
        "headquarters_country" | "country" => &["US", "DE", "CH", "GB", "JP", "FR", "DK"],
        "geographic_scope" => &["Global", "US", "EU", "APAC", "LATAM"],
        "time_horizon" => &["0-6 months", "6-18 months", "18-36 months"],
        "phase" | "phase_name" => &["Plan", "Prepare", "Execute", "Review", "Close"],
        "storage_bucket" => &["registry-artifacts", "registry-deliverables"],
        "icon" => &[
            "beaker",
            "pill",
            "stethoscope",
            "chart-line",
            "shield-check",
            "file-text",
            "users",
            "dna",
            "clipboard-check",
            "globe",
        ],
        _ => return None,
    })
}

fn text_value(col: &Column, cx: &ValueCtx, rng: &mut Rng) -> String {
    let n = col.name.as_str();
    let area = cx.area();
    let label = cx.label;
    if let Some(choices) = text_choices(n, cx) {
        if n == "status" && cx.row < choices.len() {
            return choices[cx.row].to_string();
        }
        return pick_word(rng, choices);
    }
    match n {
        "slug" => return slugify(label),
        "unique_id" => return format!("{}-{:05}", cx.prefix, cx.row + 1),
        "code" | "service_code" => return format!("{}-{:04}", cx.prefix, cx.row + 1),
        "step_key" => return format!("{}_{}", slugify(label).replace('-', "_"), cx.ordinal + 1),
        "legal_name" | "organization_name" => return format!("{} Inc.", cx.tenant_name),
        "contact_name" | "author" | "full_name" | "reviewer_name" => {
            return if cx.kind == LabelKind::Person && n == "full_name" { label.to_string() } else { person(rng) };
        }
        "first_name" => return label.split(' ').next().unwrap_or(label).to_string(),
        "last_name" => return label.split(' ').nth(1).unwrap_or(label).to_string(),
        "email" if cx.kind == LabelKind::Person => return email_of(label, cx.tenant_slug),
        "domain" if cx.table.name == "tenants" => return format!("{}.example.com", cx.tenant_slug),
        "domain" | "category" | "knowledge_domain" => return area.slug.to_string(),
        "subdomain" | "subcategory" | "specialization" => return title_case(rng.word(area.subjects)),
        "department" => return rng.word(area.departments).to_string(),
        "job_title" | "role_title" | "industry_title" | "head_role_title" => {
            return rng.word(area.persona_titles).to_string();
        }
        "job_family" => return area.name.to_string(),
        "model" | "model_name" | "recommended_model" => return pick_word(rng, LLM_MODELS),
        "embedding_model" => return EMBEDDING_MODEL.to_string(),
        "llm_provider" | "provider" => return pick_word(rng, LLM_PROVIDERS),
        "service_name" => return pick_word(rng, &["ask_expert", "ask_panel", "workflows", "solutions"]),
        "key_prefix" => return format!("rg_{}", &sha256_hex(&format!("{}{}", cx.table.name, cx.row))[..8]),
        "key_hash" | "checksum" | "hash" | "content_hash" => {
            return sha256_hex(&format!("{}:{}:{}", cx.table.name, n, cx.row));
        }
        "ip_address" => return format!("10.{}.{}.{}", rng.below(255), rng.below(255), 1 + rng.below(253)),
        "user_agent" => {
            return pick_word(
                rng,
                &[
                    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36",
                    "registry-sdk-python/1.4.2",
                    "registry-cli/0.9.0",
                ],
            );
        }
        "request_id" | "provider_request_id" => {
            return format!("req_{}", &sha256_hex(&format!("{}{}{}", cx.table.name, n, cx.row))[..16]);
        }
        "session_id" => return format!("sess_{}", &sha256_hex(&format!("{}{}", cx.table.name, cx.row))[..12]),
        "request_path" => {
            return pick_word(
                rng,
                &["/graphql", "/graphql", "/api/v1/agents", "/api/v1/knowledge/search", "/api/v1/consultations"],
            );
        }
        "mime_type" => return mime_for(label).to_string(),
        "file_extension" => return label.rsplit('.').next().unwrap_or("pdf").to_string(),
        "file_name" => return if label.contains('.') { label.to_string() } else { format!("{}.pdf", slugify(label)) },
        "file_path" | "storage_path" => {
            return format!(
                "tenants/{}/{}/{:06}-{}",
                cx.tenant_slug,
                cx.table.name,
                cx.row,
                if label.contains('.') { label.to_string() } else { format!("{}.pdf", slugify(label)) }
            );
        }
        "external_id" | "invoice_reference" | "industry_specific_id" | "registration_number" => {
            return format!(
                "{}-{}",
                cx.prefix,
                &sha256_hex(&format!("{}{}{}", cx.table.name, n, cx.row))[..10].to_uppercase()
            );
        }
        "duns_number" => return format!("{:09}", (hash_str(cx.tenant_slug) % 1_000_000_000)),
        "tax_id" => {
            return format!("{:02}-{:07}", hash_str(cx.tenant_slug) % 100, hash_str(cx.tenant_name) % 10_000_000);
        }
        "gics_code" => return "352020".into(),
        "naics_code" => return "325412".into(),
        "stock_ticker" => {
            return cx.tenant_slug.chars().filter(char::is_ascii_alphabetic).take(4).collect::<String>().to_uppercase();
        }
        "cost_center" => {
            return format!(
                "CC-{}-{:03}",
                area.slug.to_uppercase().chars().take(4).collect::<String>(),
                100 + rng.below(900)
            );
        }
        "color" => return format!("#{:06X}", hash_str(label) & 0x00FF_FFFF),
        "version" | "installed_version" | "client_version" | "service_version" => {
            return format!("{}.{}.{}", 1 + rng.below(2), rng.below(10), rng.below(5));
        }
        "target_table" | "table_name" => {
            return pick_word(rng, &["agents", "prompts", "knowledge_sources", "workflows", "tenants"]);
        }
        "resource_name" | "usage_context" | "usage_purpose" => {
            return format!("{} – {}", capitalize(rng.word(area.subjects)), rng.word(THERAPEUTIC_AREAS));
        }
        "label" => return pick_word(rng, &["on success", "if approved", "if rejected", "on timeout", "next"]),
        "quote" => return format!("\"{}\"", rng.word(area.sentences)),
        "tagline" | "short_bio" | "short_description" => return format!("{} for {}.", label, rng.word(area.subjects)),
        "job_statement" | "statement" => return jtbd_statement(area, base_label(label), rng),
        "situation" | "contextual_clarifier" => return capitalize(rng.word(area.situations)) + ".",
        "motivation" => return format!("I want to {}.", lower_first(base_label(label))),
        "expected_outcome" | "outcome_statement" => {
            return format!("{} so I can {}.", capitalize(base_label(label)), rng.word(area.outcomes));
        }
        "user_story" => {
            return format!(
                "As a {}, I want to {} so that I can {}.",
                sentence_lower(rng.word(area.persona_titles)),
                rng.word(area.activities),
                rng.word(area.outcomes)
            );
        }
        "question" | "initial_query" | "proposition" => {
            return capitalize(&fill(rng.word(QUESTION_TEMPLATES), area, rng));
        }
        "system_prompt" => return system_prompt(cx, rng),
        "prompt" | "example_prompt" | "template_content" | "instructions" => return prompt_text(cx, rng),
        _ => {}
    }
    if n.ends_with("email") {
        return email_of(&person(rng), cx.tenant_slug);
    }
    if n == "phone" || n.ends_with("_phone") {
        return format!("+1-617-555-{:04}", rng.below(10_000));
    }
    if n.ends_with("_url") || n == "url" || n == "website" {
        return url_for(n, cx);
    }
    if n == "content"
        || n == "body"
        || n == "text"
        || n == "chunk_text"
        || n == "message"
        || n == "industry_content"
        || n == "sample_output"
        || n == "expected_output"
    {
        return content_text(cx, rng);
    }
    if n.contains("summary") || n.contains("recommendation") || n == "final_position" || n == "perspective" {
        return format!("{} {}", rng.word(MESSAGE_OPENERS), lower_first(&paragraph(area, 2, rng)));
    }
    if n == "description" || n.ends_with("_description") || n == "objective" || n == "business_value" {
        return description(cx, rng);
    }
    if contains_any(
        n,
        &[
            "notes",
            "comment",
            "rationale",
            "justification",
            "reason",
            "changelog",
            "disclaimer",
            "considerations",
            "conditions",
            "error",
            "details",
        ],
    ) {
        return paragraph(area, 1, rng);
    }
    if n.ends_with("_name") || n.ends_with("_title") {
        return title_case(rng.word(area.subjects));
    }
    if n.ends_with("_type")
        || n.ends_with("_method")
        || n.ends_with("_level")
        || n.ends_with("_status")
        || n.ends_with("_mode")
        || n.ends_with("_category")
        || n.ends_with("_strategy")
        || n.ends_with("_style")
    {
        return pick_word(rng, &["standard", "standard", "advanced", "custom"]);
    }
    capitalize(rng.word(area.subjects))
}

fn mime_for(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "csv" => "text/csv",
        "json" => "application/json",
        "png" => "image/png",
        _ => "application/pdf",
    }
}

fn url_for(name: &str, cx: &ValueCtx) -> String {
    let slug = slugify(cx.label);
    let slug: String = slug.chars().take(60).collect();
    match name {
        "source_url" => format!("https://docs.example.org/{}/{}", cx.area().slug, slug),
        "documentation_url" => format!("https://developer.example.com/tools/{slug}"),
        "endpoint_url" => format!("https://api.example.com/v1/{slug}"),
        "avatar_url" | "icon_url" | "logo_url" | "banner_url" => {
            format!("https://cdn.example.com/{}/{}.png", cx.table.name, slug)
        }
        "demo_video_url" => format!("https://videos.example.com/{slug}"),
        "file_url" => format!("https://files.example.com/{}/{:06}", cx.tenant_slug, cx.row),
        "website_url" | "website" => format!("https://www.{}.example.com", cx.tenant_slug),
        _ => format!("https://registry.example.com/{}/{}", cx.table.name, slug),
    }
}

fn description(cx: &ValueCtx, rng: &mut Rng) -> String {
    let area = cx.area();
    let s1 = rng.word(area.subjects);
    let s2 = rng.word(area.subjects);
    let lead = match cx.kind {
        LabelKind::Agent => {
            format!("{} is an AI specialist that supports {} teams with {} and {}.", cx.label, area.name, s1, s2)
        }
        LabelKind::Persona => {
            format!("{} responsible for {} and {}, working closely with cross-functional partners.", cx.label, s1, s2)
        }
        LabelKind::Tool => {
            format!("Connects agents to {} for {} and {}.", cx.label.split(' ').next().unwrap_or(cx.label), s1, s2)
        }
        LabelKind::Knowledge => format!("Reference material on {} and {} for {} teams.", s1, s2, area.name),
        LabelKind::Workflow | LabelKind::Task | LabelKind::Step => {
            format!("{}: covers {} and {} with clear hand-offs and review points.", cx.label, s1, s2)
        }
        _ => format!("{} – focused on {} and {}.", cx.label, s1, s2),
    };
    format!("{lead} {}", rng.word(area.sentences))
}

fn system_prompt(cx: &ValueCtx, rng: &mut Rng) -> String {
    let area = cx.area();
    format!(
        "You are {}, an AI specialist in {} for life-science organisations. Help users with {} and {}. \
Ground every answer in cited, approved sources, state uncertainty explicitly, and never provide \
promotional or off-label claims. {}",
        cx.label,
        area.name,
        rng.word(area.subjects),
        rng.word(area.subjects),
        rng.word(area.sentences)
    )
}

/// The task a prompt is about: its label without " Prompt" and qualifiers, or an activity.
fn prompt_task(cx: &ValueCtx, rng: &mut Rng) -> String {
    if cx.kind == LabelKind::Prompt {
        base_label(cx.label).trim_end_matches(" Prompt").to_string()
    } else {
        capitalize(rng.word(cx.area().activities))
    }
}

/// Prompt text shaped by the prompt's role type (system, context, instruction, example,
/// panel orchestration, analysis, synthesis).
fn prompt_text(cx: &ValueCtx, rng: &mut Rng) -> String {
    let area = cx.area();
    let task = prompt_task(cx, rng);
    let lower = sentence_lower(&task);
    let subject = rng.word(area.subjects);
    match cx.hint("role_type").unwrap_or("instruction") {
        "system" => format!(
            "You are an expert {} assistant for life-science teams. Your job is to {lower}. \
Cite approved sources, flag uncertainty, and never make promotional or off-label claims.",
            area.name
        ),
        "context" => format!("Context for \"{task}\": {} {}", rng.word(area.sentences), rng.word(area.sentences)),
        "example" => format!(
            "Example input: {}\nExample output: {} {}",
            capitalize(&fill(rng.word(QUESTION_TEMPLATES), area, rng)),
            rng.word(MESSAGE_OPENERS),
            lower_first(rng.word(area.sentences))
        ),
        "panel_orchestration" => format!(
            "You moderate an expert panel on {subject}. Invite each member to state a position on how to {lower}, \
ask for evidence, summarise agreement and disagreement after each round, and call a vote when positions converge."
        ),
        "analysis" => format!(
            "Analyse the material provided to {lower}. List the key findings on {subject}, the risks, \
the evidence gaps and your confidence in each point.\nInputs: {{{{document}}}}, {{{{therapeutic_area}}}}"
        ),
        "synthesis" => format!(
            "Synthesise the contributions below into one recommendation on how to {lower}. Keep dissenting views, \
cite the contributor of each point and end with next steps.\nInputs: {{{{contributions}}}}"
        ),
        _ => format!(
            "Task: {task}.\nInstructions:\n1. Review the provided material on {subject}.\n2. Identify gaps, risks and open questions.\n\
3. Answer in structured markdown with citations.\nInputs: {{{{document}}}}, {{{{therapeutic_area}}}}"
        ),
    }
}

fn content_text(cx: &ValueCtx, rng: &mut Rng) -> String {
    let area = cx.area();
    if cx.table_has("message") {
        let role = cx.hint("role").unwrap_or(if cx.ordinal.is_multiple_of(2) { "user" } else { "assistant" });
        return match role {
            "user" => capitalize(&fill(rng.word(QUESTION_TEMPLATES), area, rng)),
            "panel_moderator" | "facilitator" | "system" => format!(
                "Welcome, panel. Today's question: {}. Please give your opening position with the evidence behind it.",
                cx.parent_label.unwrap_or(cx.label)
            ),
            _ => format!("{} {}", rng.word(MESSAGE_OPENERS), lower_first(&paragraph(area, 2 + rng.below(2), rng))),
        };
    }
    if cx.kind == LabelKind::Prompt {
        return prompt_text(cx, rng);
    }
    paragraph(area, 3 + rng.below(3), rng)
}

#[allow(clippy::match_same_arms)]
fn text_array(name: &str, cx: &ValueCtx, rng: &mut Rng) -> Vec<String> {
    let area = cx.area();
    let k = 2 + rng.below(3);
    let from = |list: &[&'static str], rng: &mut Rng| -> Vec<String> {
        rng.distinct(list.len(), k).into_iter().map(|i| list[i].to_string()).collect()
    };
    match name {
        "tags" | "keywords" | "industry_tags" | "issue_tags" | "knowledge_domains" => {
            let mut v = vec![area.slug.to_string()];
            v.extend(from(area.subjects, rng).into_iter().map(|s| slugify(&s)));
            v
        }
        "therapeutic_areas" => from(THERAPEUTIC_AREAS, rng),
        "languages" => from(&["en", "de", "fr", "es", "ja"], rng),
        "regulatory_bodies" => from(&["FDA", "EMA", "PMDA", "MHRA", "Health Canada", "Swissmedic"], rng),
        "operating_regions" | "regulatory_regions" | "regulatory_scope" => {
            from(&["US", "EU", "UK", "APAC", "LATAM", "Japan"], rng)
        }
        "primary_industries" => from(&["pharmaceuticals", "biotechnology", "medical_devices", "digital_health"], rng),
        "scopes" | "allowed_operations" => {
            from(&["agents:read", "agents:write", "knowledge:read", "consultations:write", "workflows:execute"], rng)
        }
        "models_used" => from(LLM_MODELS, rng),
        "tools_used" => from(area.systems, rng),
        "changed_fields" => from(&["name", "description", "status", "metadata", "is_active", "version"], rng),
        "allowed_origins" => vec![format!("https://{}.example.com", cx.tenant_slug)],
        "screenshots" => (1..=k)
            .map(|i| format!("https://cdn.example.com/{}/{}-{i}.png", cx.table.name, slugify(cx.label)))
            .collect(),
        "compliance_requirements"
        | "regulatory_frameworks"
        | "key_regulations"
        | "related_regulations"
        | "regulatory_references" => {
            from(&["21 CFR Part 11", "ICH E6(R3)", "GDPR", "HIPAA", "EU MDR", "GxP", "EU AI Act"], rng)
        }
        "required_certifications" | "education_requirements" => from(
            &["PharmD", "PhD in Life Sciences", "MD", "RAC certification", "MSc Biostatistics", "GCP training"],
            rng,
        ),
        "alternative_titles" => from(area.persona_titles, rng),
        "example_questions" => (0..k).map(|_| capitalize(&fill(rng.word(QUESTION_TEMPLATES), area, rng))).collect(),
        "core_competencies" => from(area.skills, rng),
        "kpis" | "key_kpis" => from(
            &[
                "cycle time",
                "first-time-right rate",
                "cost per outcome",
                "user satisfaction",
                "adoption rate",
                "compliance rate",
            ],
            rng,
        ),
        "key_activities" | "use_cases" => from(area.activities, rng).into_iter().map(|s| capitalize(&s)).collect(),
        "benefits" | "success_stories" => from(area.outcomes, rng).into_iter().map(|s| capitalize(&s)).collect(),
        "information_sources" => from(area.systems, rng),
        "ai_capabilities" | "ai_techniques" => from(
            &[
                "retrieval-augmented generation",
                "summarisation",
                "classification",
                "extraction",
                "forecasting",
                "agentic planning",
            ],
            rng,
        ),
        _ => from(area.subjects, rng),
    }
}

fn json_value(name: &str, cx: &ValueCtx, rng: &mut Rng) -> serde_json::Value {
    let area = cx.area();
    let subj = |rng: &mut Rng| rng.word(area.subjects).to_string();
    match name {
        "model_config" | "model_parameters" => json!({
            "model": rng.word(LLM_MODELS),
            "temperature": (rng.range_f64(0.1, 0.8) * 100.0).round() / 100.0,
            "max_tokens": ([1024, 2048, 4096][rng.below(3)]),
        }),
        "rate_limits" => {
            json!({"requests_per_minute": ([30, 60, 120][rng.below(3)]), "requests_per_day": ([1000, 5000, 20000][rng.below(3)])})
        }
        "retry_policy" => json!({"max_attempts": 3, "backoff_seconds": [5, 30, 120]}),
        "address" => {
            json!({"city": rng.word(&["Boston", "Basel", "Cambridge", "San Diego", "Munich", "Tokyo"]), "country": rng.word(&["US", "CH", "GB", "DE", "JP"])})
        }
        "primary_contact" => {
            let p = person(rng);
            json!({"name": p, "email": email_of(&p, cx.tenant_slug)})
        }
        "branding" | "styling" | "ui_layout" => {
            json!({"primary_color": format!("#{:06X}", hash_str(cx.label) & 0x00FF_FFFF), "theme": "light"})
        }
        "sso_config" => json!({"provider": rng.word(&["okta", "azure_ad", "google"]), "enforced": rng.chance(0.5)}),
        "vpanes_scores" => {
            json!({"visibility": rng.range_i64(3, 9), "pain": rng.range_i64(3, 9), "actions": rng.range_i64(3, 9), "needs": rng.range_i64(3, 9), "emotions": rng.range_i64(3, 9), "scenarios": rng.range_i64(3, 9)})
        }
        "old_values" => json!({"status": "draft", "version": 1}),
        "new_values" => json!({"status": "active", "version": 2}),
        "condition" | "run_condition" => json!({"if": "previous_step.status == 'completed'"}),
        "input_schema" | "output_schema" | "config_schema" | "response_schema" | "schema" => json!({
            "type": "object",
            "properties": {"query": {"type": "string"}, "therapeutic_area": {"type": "string"}},
            "required": ["query"],
        }),
        "usage_by_service" | "usage_breakdown" => {
            json!({"ask_expert": rng.range_i64(100, 5000), "ask_panel": rng.range_i64(10, 800), "workflows": rng.range_i64(10, 900)})
        }
        "usage_by_model" => {
            json!({rng.word(LLM_MODELS): rng.range_i64(10_000, 900_000), rng.word(LLM_MODELS): rng.range_i64(1_000, 90_000)})
        }
        "usage_by_agent" => json!({"top_agent": cx.parent_label.unwrap_or(cx.label), "share": 0.4}),
        "performance_metrics" | "kpi_metrics" => {
            json!({"accuracy": (rng.range_f64(0.8, 0.99) * 100.0).round() / 100.0, "avg_latency_ms": rng.range_i64(400, 3000), "satisfaction": (rng.range_f64(3.5, 4.9) * 10.0).round() / 10.0})
        }
        "permissions" => json!({"read": true, "write": rng.chance(0.6), "admin": rng.chance(0.1)}),
        "dimension_ratings" => {
            json!({"accuracy": rng.range_i64(3, 5), "relevance": rng.range_i64(3, 5), "clarity": rng.range_i64(3, 5)})
        }
        "selection" => json!({"method": "relevance", "top_k": rng.range_i64(3, 8)}),
        "data" | "workflow_snapshot" | "review_payload" => {
            json!({"name": cx.label, "area": area.name, "version": 1 + rng.below(3)})
        }
        "metadata"
        | "details"
        | "context"
        | "attributes"
        | "settings"
        | "config"
        | "configuration"
        | "preferences"
        | "notification_settings"
        | "facilitator_settings"
        | "default_config"
        | "execution_config"
        | "retrieval_config" => json!({
            "source": "demo-seed",
            "area": area.slug,
            "therapeutic_area": rng.word(THERAPEUTIC_AREAS),
        }),
        _ if name.ends_with("_config")
            || name.ends_with("_overrides")
            || name.ends_with("_context")
            || name.ends_with("_customization")
            || name.ends_with("_metadata")
            || name.ends_with("_settings")
            || name.ends_with("_mapping")
            || name.ends_with("_bindings") =>
        {
            json!({"area": area.slug, "focus": subj(rng)})
        }
        _ if name.ends_with("_scores") || name.ends_with("_metrics") || name.ends_with("_results") => {
            json!({"score": (rng.range_f64(0.5, 0.99) * 100.0).round() / 100.0, "sample_size": rng.range_i64(20, 500)})
        }
        _ if name.ends_with('s') && !name.ends_with("ss") && !name.ends_with("us") => {
            let k = 2 + rng.below(2);
            let items: Vec<serde_json::Value> = rng
                .distinct(area.subjects.len(), k)
                .into_iter()
                .enumerate()
                .map(|(i, s)| json!({"id": i + 1, "name": capitalize(area.subjects[s]), "priority": 1 + (i % 3)}))
                .collect();
            serde_json::Value::Array(items)
        }
        _ => json!({"summary": subj(rng), "area": area.slug}),
    }
}

/// Cross-column rules applied after all values of a row are set: token totals add up,
/// opportunity = importance + max(importance − satisfaction, 0), `*_max ≥ *_min`.
pub fn derive(table: &Table, values: &mut [Value]) {
    let get = |values: &[Value], n: &str| table.col(n).and_then(|i| values[i].as_f64());
    let pairs = [("prompt_tokens", "completion_tokens"), ("input_tokens", "output_tokens")];
    if let Some(ti) = table.col("total_tokens")
        && matches!(values[ti], Value::Int(_))
    {
        for (a, b) in pairs {
            if let (Some(x), Some(y)) = (get(values, a), get(values, b)) {
                let extra =
                    get(values, "cached_tokens").unwrap_or(0.0) * 0.0 + get(values, "embedding_tokens").unwrap_or(0.0);
                values[ti] = Value::Int((x + y + extra) as i64);
                break;
            }
        }
    }
    if let Some(oi) = table.col("opportunity_score")
        && table.has("importance_score")
        && table.has("satisfaction_score")
    {
        values[oi] = match (get(values, "importance_score"), get(values, "satisfaction_score")) {
            (Some(imp), Some(sat)) => {
                let v = imp + (imp - sat).max(0.0);
                match &values[oi] {
                    Value::Int(_) => Value::Int(v.round() as i64),
                    Value::Float(_) => Value::Float(v),
                    _ => Value::Numeric(to_numeric(v, &table.columns[oi])),
                }
            }
            _ => Value::Null,
        };
    }
    for (i, c) in table.columns.iter().enumerate() {
        if let Some(stem) = c.name.strip_suffix("_max").or_else(|| c.name.strip_prefix("max_").filter(|_| false))
            && let Some(j) = table.col(&format!("{stem}_min"))
            && let (Some(hi), Some(lo)) = (values[i].as_f64(), values[j].as_f64())
            && hi < lo
        {
            values.swap(i, j);
        }
    }
}

/// Days since epoch of a date value → (year, month) (used in tests).
pub fn year_month(days: i64) -> (i64, u32) {
    let (y, m, _) = civil_from_days(days);
    (y, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_constraints::ColumnCheck;

    fn col(name: &str, ty: ColType) -> Column {
        Column {
            name: name.into(),
            sql_type: String::new(),
            ty,
            not_null: true,
            default: None,
            skip: false,
            max_len: None,
            precision: None,
            scale: None,
            dims: None,
            check: ColumnCheck::default(),
        }
    }

    #[test]
    fn numeric_rounding_and_bounds() {
        let mut c = col("quality_score", ColType::Numeric);
        c.precision = Some(3);
        c.scale = Some(2);
        assert_eq!(to_numeric(0.456, &c).to_string(), "0.46");
        let mut rng = Rng::new(1);
        for _ in 0..200 {
            let v = bounded_f64(&c, 42.0, &mut rng);
            assert!(v < 10.0);
        }
        c.check.min = Some(1.0);
        c.check.max = Some(5.0);
        let v = apply_bounds(&c, Value::Numeric(to_numeric(9.9, &c)), &mut rng);
        let f = v.as_f64().unwrap_or(0.0);
        assert!((1.0..=5.0).contains(&f));
    }

    #[test]
    fn text_fits() {
        let mut c = col("name", ColType::Text);
        c.max_len = Some(5);
        assert_eq!(fit_text("Müllerstraße".into(), &c), "Mülle");
        c.check.min_len = Some(3);
        c.max_len = None;
        assert_eq!(fit_text("a".into(), &c), "axx");
    }

    #[test]
    fn months() {
        assert_eq!(year_month(month_start(0)), (2025, 1));
        assert_eq!(year_month(month_start(13)), (2026, 2));
        assert_eq!(year_month(month_start(1) - 1), (2025, 1));
    }
}
