//! Who calls and what it may do before any GraphQL is read: bearer JWTs ([`identity`], with the
//! JWKS signing keys of [`jwks`] and opt-in member roles from [`tenant_roles`]), partner API keys
//! ([`api_keys`]), the tenant hierarchy that turns a tenant into a visibility scope
//! ([`tenant_directory`]), per-address and per-key rate limits ([`rate_limit`]), the batched
//! audit log of refusals and private reads ([`audit`]), and the state replicas share through Redis
//! ([`shared_state`]).

pub mod api_keys;
pub mod audit;
pub mod identity;
pub mod jwks;
pub mod rate_limit;
pub mod shared_state;
pub mod tenant_directory;
pub mod tenant_roles;
