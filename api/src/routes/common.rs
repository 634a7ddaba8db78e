//! Bodies and answers several routes share.

use serde::Deserialize;
use utoipa::ToSchema;

/// The body of archive/restore/delete: the version that was read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionDto {
    pub version: i32,
}
