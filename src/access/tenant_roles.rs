//! The tenant role of a caller whose token has no `tenant_role` claim, read from `tenant_members`
//! (opt-in: `REGISTRY_TENANT_ROLE_FROM_MEMBERS`).
//!
//! Supabase's default access tokens carry no custom claims unless a custom access-token hook adds
//! them, so a deployment without such a hook has no `tenant_role` in its tokens. With this switched
//! on, the role is the `role` of the caller's *active* membership in the token's tenant
//! (`tenant_members.user_id` = the token's `sub`, which is the Supabase auth user's id, as
//! `user_profiles.id` is). A `sub` that is not a uuid has no membership and costs no query.
//!
//! The answer, including "no membership", is cached per (tenant, user) for
//! `REGISTRY_TENANT_ROLE_CACHE_SECS`, so a caller costs one statement per TTL, not one per request;
//! a membership change takes effect within the TTL. The cache is a map with a purge of expired
//! entries when it reaches its bound: about forty lines, where a caching crate (moka) would add a
//! dozen crates for a map read once per request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sea_orm::{DatabaseConnection, Statement};
use uuid::Uuid;

use crate::error::AppError;

/// Most (tenant, user) answers kept; past it, expired ones are dropped, then all if none expired.
const MAX_ENTRIES: usize = 100_000;

pub struct MemberRoles {
    db: DatabaseConnection,
    ttl: Duration,
    cache: Mutex<HashMap<(Uuid, Uuid), Answer>>,
}

/// A cached answer: the role (`None`: no active membership) and when it was read.
#[derive(Clone)]
struct Answer {
    at: Instant,
    role: Option<String>,
}

impl MemberRoles {
    pub fn new(db: DatabaseConnection, ttl: Duration) -> Self {
        Self { db, ttl, cache: Mutex::default() }
    }

    /// The role of user `sub` in `tenant` (`None`: no active membership).
    pub async fn role(&self, tenant: Uuid, sub: &str) -> Result<Option<String>, AppError> {
        let Ok(user) = Uuid::parse_str(sub) else { return Ok(None) };
        if let Some(answer) = self.cached(tenant, user) {
            return Ok(answer.role);
        }
        let row = crate::database::query_one(
            &self.db,
            Statement::from_sql_and_values(
                self.db.get_database_backend(),
                "SELECT role::text AS role FROM tenant_members \
                 WHERE tenant_id = $1 AND user_id = $2 AND status = 'active'",
                [tenant.into(), user.into()],
            ),
        )
        .await
        .map_err(|e| crate::database::request_error("reading the caller's role from tenant_members", e))?;
        let role = match row {
            Some(row) => Some(
                row.try_get::<String>("", "role").map_err(|e| AppError::internal("reading tenant_members.role", e))?,
            ),
            None => None,
        };
        self.store(tenant, user, role.clone());
        Ok(role)
    }

    fn cached(&self, tenant: Uuid, user: Uuid) -> Option<Answer> {
        let cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.get(&(tenant, user)).filter(|a| a.at.elapsed() < self.ttl).cloned()
    }

    fn store(&self, tenant: Uuid, user: Uuid, role: Option<String>) {
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= MAX_ENTRIES {
            cache.retain(|_, a| a.at.elapsed() < self.ttl);
            if cache.len() >= MAX_ENTRIES {
                cache.clear();
            }
        }
        cache.insert((tenant, user), Answer { at: Instant::now(), role });
    }
}
