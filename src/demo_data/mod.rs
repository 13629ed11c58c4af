//! placeholder until the seeder lands
#[derive(Debug)]
pub struct SeedSummary { pub scale: u32, pub tables: Vec<(String, u64)>, pub elapsed: std::time::Duration }
#[derive(Debug, thiserror::Error)]
#[error("seeder not written yet")]
pub struct SeedError;
pub async fn seed(_db: &sea_orm::DatabaseConnection, _scale: u32) -> Result<SeedSummary, SeedError> { Err(SeedError) }
