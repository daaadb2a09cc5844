//! The run's region: the flag or the environment, then the selected profile's region in
//! the shared config file, then a default. The instance metadata is never asked.

use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileRegionProvider;

use crate::config::{CheckConfig, ConfigError, validate_region};
use crate::model::RegionSource;

/// Region used when none is configured anywhere (CloudFront and STS are global anyway).
pub const DEFAULT_REGION: &str = "us-east-1";

/// Region chosen for the run and where it came from.
#[derive(Debug, Clone)]
pub struct ResolvedRegion {
    pub name: String,
    pub source: RegionSource,
}

/// Resolves the region: flag or environment (already in `config`), then the selected
/// profile (`--profile`, `AWS_PROFILE`, else `default`), then [`DEFAULT_REGION`]. Never
/// asks the instance metadata. A profile's region of the wrong shape is a configuration
/// error, as a flag's would be.
pub async fn resolve_region(config: &CheckConfig) -> Result<ResolvedRegion, ConfigError> {
    if let Some((name, source)) = &config.region {
        return Ok(ResolvedRegion {
            name: name.clone(),
            source: *source,
        });
    }
    let mut provider = ProfileFileRegionProvider::builder();
    if let Some(profile) = &config.profile {
        provider = provider.profile_name(profile.name.clone());
    }
    if let Some(region) = provider.build().region().await {
        let profile = config
            .profile
            .as_ref()
            .map_or("default", |p| p.name.as_str());
        let input = format!("region of profile {profile} (shared config file)");
        return Ok(ResolvedRegion {
            name: validate_region(&input, region.to_string())?,
            source: RegionSource::Profile,
        });
    }
    Ok(ResolvedRegion {
        name: DEFAULT_REGION.to_string(),
        source: RegionSource::Default,
    })
}
