//! The tenant hierarchy and what each tenant may see, kept in memory.
//!
//! The tenants table is small (a 5-level hierarchy of tens to thousands of rows), so the gateway
//! loads it with the asset-sharing grants at start-up and refreshes both in the background. The
//! visibility rule then costs no statement per request: [`TenantDirectory::scope_for`] turns a
//! caller into a [`Scope`] from memory.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sea_orm::{DatabaseConnection, Statement};
use uuid::Uuid;

use crate::database;
use crate::error::{AppError, Context};
use crate::tenancy::{Reach, Scope, WriteScope};

#[derive(Debug, Default)]
struct Snapshot {
    parent: HashMap<Uuid, Option<Uuid>>,
    /// Soft-deleted tenants: their data stays visible to the tenants above them, but nobody can
    /// act for them.
    deleted: Vec<Uuid>,
    children: HashMap<Uuid, Vec<Uuid>>,
    platform: Vec<Uuid>,
    shared_to: HashMap<Uuid, Vec<Uuid>>,
}

/// Tenant roles that may read their tenant's private data (conversations, executions, usage, audit).
pub const PRIVATE_DATA_ROLES: &[&str] = &["owner", "admin", "manager", "member"];

#[derive(Clone, Default)]
pub struct TenantDirectory {
    inner: Arc<RwLock<Arc<Snapshot>>>,
}

impl TenantDirectory {
    /// Loads the directory from the database.
    pub async fn load(db: &DatabaseConnection) -> Result<Self, AppError> {
        let dir = Self::default();
        dir.refresh(db).await?;
        Ok(dir)
    }

    /// Re-reads tenants and sharing grants.
    pub async fn refresh(&self, db: &DatabaseConnection) -> Result<(), AppError> {
        let rows = database::query_all(
            db,
            Statement::from_string(
                db.get_database_backend(),
                "SELECT id, parent_tenant_id, tenant_level::text AS level, deleted_at IS NOT NULL AS deleted FROM tenants",
            ),
        )
        .await
        .context("loading tenants")?;
        let mut snap = Snapshot::default();
        for r in &rows {
            let id: Uuid = r.try_get("", "id").context("reading tenants")?;
            let parent: Option<Uuid> = r.try_get("", "parent_tenant_id").context("reading tenants")?;
            let level: String = r.try_get("", "level").context("reading tenants")?;
            if r.try_get::<bool>("", "deleted").context("reading tenants")? {
                snap.deleted.push(id);
            }
            snap.parent.insert(id, parent);
            if let Some(p) = parent {
                snap.children.entry(p).or_default().push(id);
            }
            if level == "platform" {
                snap.platform.push(id);
            }
        }
        let grants = database::query_all(
            db,
            Statement::from_string(
                db.get_database_backend(),
                "SELECT asset_id, unnest(shared_with_tenant_ids) AS tenant FROM asset_sharing WHERE can_view",
            ),
        )
        .await
        .context("loading asset sharing")?;
        for g in &grants {
            let asset: Uuid = g.try_get("", "asset_id").context("reading asset sharing")?;
            let tenant: Uuid = g.try_get("", "tenant").context("reading asset sharing")?;
            snap.shared_to.entry(tenant).or_default().push(asset);
        }
        if let Ok(mut guard) = self.inner.write() {
            *guard = Arc::new(snap);
        }
        Ok(())
    }

    /// Refreshes every `period` until the process ends.
    pub fn spawn_refresh(&self, db: DatabaseConnection, period: Duration) {
        let dir = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                if let Err(e) = dir.refresh(&db).await {
                    tracing::warn!(error = %e, "refreshing the tenant directory failed");
                }
            }
        });
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.read().map(|g| Arc::clone(&g)).unwrap_or_default()
    }

    /// Whether `tenant` exists and is not deleted (so a caller may act for it).
    pub fn is_active(&self, tenant: Uuid) -> bool {
        let snap = self.snapshot();
        snap.parent.contains_key(&tenant) && !snap.deleted.contains(&tenant)
    }

    /// The tenant and every tenant below it.
    pub fn subtree(&self, tenant: Uuid) -> Vec<Uuid> {
        let snap = self.snapshot();
        let mut out = vec![tenant];
        let mut i = 0;
        while i < out.len() {
            if let Some(children) = snap.children.get(&out[i]) {
                out.extend(children.iter().copied());
            }
            i += 1;
        }
        out
    }

    /// What a caller acting for `tenant` with tenant role `role` may write (docs/write-access.md).
    pub fn write_scope_for(&self, tenant: Uuid, role: Option<&str>, user: Option<String>) -> WriteScope {
        use entity::write_access::{CURATOR_ROLES, MEMBER_ROLES, PLATFORM_ADMIN_ROLES};
        let snap = self.snapshot();
        let platform = snap.platform.contains(&tenant);
        let has = |roles: &[&str]| role.is_some_and(|r| roles.contains(&r));
        let curator = if has(CURATOR_ROLES) { self.reach(&snap, tenant) } else { Vec::new() };
        WriteScope {
            unrestricted: false,
            tenant: Some(tenant),
            user,
            api_key: None,
            curator,
            member: has(MEMBER_ROLES).then_some(tenant),
            platform_admin: platform && has(PLATFORM_ADMIN_ROLES),
            refused: None,
        }
    }

    /// The tenants a caller acting for `tenant` reaches: `tenant` and every tenant below it, or
    /// every tenant for the platform tenant, listed (what its curators may write; what it sees is
    /// the same reach, with "every tenant" said as [`Reach::Every`]).
    fn reach(&self, snap: &Snapshot, tenant: Uuid) -> Vec<Uuid> {
        if snap.platform.contains(&tenant) { snap.parent.keys().copied().collect() } else { self.subtree(tenant) }
    }

    /// The scope of a caller acting for `tenant` with tenant role `role`.
    pub fn scope_for(&self, tenant: Uuid, role: Option<&str>) -> Scope {
        let snap = self.snapshot();
        let visible = if snap.platform.contains(&tenant) { Reach::Every } else { Reach::Tenants(self.subtree(tenant)) };
        let private = if role.is_some_and(|r| PRIVATE_DATA_ROLES.contains(&r)) { vec![tenant] } else { Vec::new() };
        let shared_assets = snap.shared_to.get(&tenant).cloned().unwrap_or_default();
        Scope::Tenant { tenant, visible, private, shared_assets }
    }
}
