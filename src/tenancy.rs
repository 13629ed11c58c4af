//! The visibility rule, as one piece of code: which rows of a table a caller may see.
//!
//! A caller acting for tenant T sees
//! - rows of global reference tables (industries, org structure, services);
//! - shared registry rows (`tenant_id IS NULL` or `is_public`);
//! - registry rows and their children/junctions owned by T or by a tenant below T in the hierarchy
//!   (the platform tenant is above every tenant, so it sees everything);
//! - registry rows shared to T through `asset_sharing`;
//! - tenant-private rows (conversations, executions, usage, audit…) only of the tenants whose
//!   private data its role may read ([`Scope::private`]).
//!
//! The plan turns the rule into filter nodes for every table reference it reads, root or nested,
//! node or junction, count or search (`plan/visibility.rs`); row-level security in Postgres
//! (migration 19) applies the same rule a second time.

use uuid::Uuid;

/// What one request may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// No tenant filter in the gateway (scoping switched off by configuration, or a trusted
    /// operator). Row-level security may still apply underneath.
    Unrestricted,
    /// Anonymous callers: the shared registry and global reference data only.
    PublicOnly,
    /// A caller acting for a tenant.
    Tenant {
        tenant: Uuid,
        /// The tenants whose registry rows it sees: the tenant and its descendants, or every tenant.
        visible: Reach,
        /// Tenants whose private data the caller may read (empty when its role allows none).
        private: Vec<Uuid>,
        /// Registry assets shared to the tenant through `asset_sharing`.
        shared_assets: Vec<Uuid>,
    },
}

/// The tenants a caller reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every tenant, present and future: the platform tenant, above every other. Said as one
    /// value rather than a list of every tenant, so that checking a row does not grow with the
    /// number of tenants, in the gateway's SQL (no tenant arm at all) or in row-level security
    /// (`app.visible_tenant_ids = '*'`, migration 24). Measured in bench/README.md, "Every tenant
    /// as '*'".
    Every,
    /// These tenants (a tenant and its descendants).
    Tenants(Vec<Uuid>),
}

impl Default for Reach {
    /// No tenant at all.
    fn default() -> Self {
        Self::Tenants(Vec::new())
    }
}

/// What one request may write: the gateway's half of the write rule (docs/write-access.md;
/// migration 22's row-level security is the other half, from the same facts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteScope {
    /// The gateway applies no write rule of its own (scoping by the database only); presets still
    /// come from the caller.
    pub unrestricted: bool,
    /// The caller's tenant (`None`: anonymous, which writes nothing).
    pub tenant: Option<Uuid>,
    /// The caller's user (`sub`), recorded as the actor of each write.
    pub user: Option<String>,
    /// The API key the caller authenticated with.
    pub api_key: Option<Uuid>,
    /// Tenants whose registry rows the caller may write (its subtree when its role curates).
    pub curator: Vec<Uuid>,
    /// The tenant whose conversations the caller may post to (any member role).
    pub member: Option<Uuid>,
    /// An owner or admin of the platform tenant: writes global reference data and the shared registry.
    pub platform_admin: bool,
    /// Why this caller writes nothing at all, when it is its credentials' doing (an API key without
    /// `write:registry`).
    pub refused: Option<String>,
}
