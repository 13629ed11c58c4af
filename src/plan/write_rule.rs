//! The caller's write rule as filter nodes, like [`super::visibility`] for reads: which rows of a
//! table a [`WriteScope`] may change, and the values a new row gets from the caller (its tenant,
//! owner and author). docs/write-access.md states the rule; migration 22 enforces the same rule in
//! row-level security, so either layer alone stops a write the rule forbids.

use sea_orm::Value;
use uuid::Uuid;

use crate::catalog::{ColumnId, Table, WriteClass};
use crate::error::{AppError, ErrorCode};
use crate::plan::Filter;
use crate::tenancy::WriteScope;

/// The rows of `table` the caller may update or delete (`None`: any row it sees), or FORBIDDEN when
/// it may write none.
pub fn writable(scope: &WriteScope, table: &Table) -> Result<Option<Filter>, AppError> {
    let forbidden = |why: String| Err(AppError::user(ErrorCode::Forbidden, why));
    if let Some(why) = &scope.refused {
        return Err(AppError::user(ErrorCode::Forbidden, why.clone()));
    }
    if scope.tenant.is_none() && !scope.unrestricted {
        return Err(AppError::user(ErrorCode::Unauthenticated, "writing takes credentials: a token or an API key"));
    }
    let col = |name: &str| table.col_id(name).unwrap_or_default();
    let within = |set: &[Uuid]| Filter::In {
        column: col("tenant_id"),
        values: set.iter().map(|&u| Value::from(u)).collect(),
        negated: false,
    };
    match table.write {
        WriteClass::Never => forbidden(format!("nobody writes `{}` through GraphQL", table.name)),
        _ if scope.unrestricted => Ok(None),
        WriteClass::PlatformAdmin if scope.platform_admin => Ok(None),
        WriteClass::PlatformAdmin => {
            forbidden(format!("only an owner or admin of the platform tenant writes `{}`", table.name))
        }
        WriteClass::Curator if scope.curator.is_empty() && !scope.platform_admin => {
            forbidden(format!("writing `{}` takes the owner, admin or manager role in the row's tenant", table.name))
        }
        WriteClass::Curator => {
            let mut any = vec![within(&scope.curator)];
            if scope.platform_admin {
                any.push(Filter::IsNull { column: col("tenant_id"), is_null: true });
            }
            Ok(Some(Filter::Any(any)))
        }
        WriteClass::Member => match scope.member {
            Some(tenant) => Ok(Some(within(&[tenant]))),
            None => forbidden(format!("writing `{}` takes membership of its tenant", table.name)),
        },
    }
}

/// The values a new row of `table` takes from the caller, never from input: its tenant and owner.
/// (Its author, `created_by`/`updated_by`, is [`author`], written where it names a user profile.)
pub fn presets(scope: &WriteScope, table: &Table) -> Vec<(ColumnId, Value)> {
    let mut out = Vec::new();
    let tenant = match table.write {
        WriteClass::Member => scope.member.or(scope.tenant),
        _ => scope.tenant,
    };
    if let Some(tenant) = tenant {
        for name in ["tenant_id", "owner_tenant_id"] {
            if let Some(c) = table.col_id(name) {
                out.push((c, Value::from(tenant)));
            }
        }
    }
    out
}

/// The caller's user id, where it is a uuid: the author recorded in `created_by`/`updated_by`.
pub fn author(scope: &WriteScope) -> Option<Uuid> {
    scope.user.as_deref().and_then(|u| Uuid::try_parse(u).ok())
}
