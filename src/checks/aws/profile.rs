//! The profile named by `--profile` or `AWS_PROFILE`, checked against the shared AWS
//! files before anything runs: where the files are, and an error that names the files
//! looked at and the profiles they hold.

use std::path::{Path, PathBuf};

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};

use super::MAX_ERROR_MESSAGE;
use crate::config::{ConfigError, ProfileChoice, Vars};
use crate::text::{cap, error_chain};

/// How many profile names an error lists.
const MAX_LISTED_PROFILES: usize = 20;

/// Where the shared AWS files are: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else
/// `~/.aws/config` and `~/.aws/credentials`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFiles {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl SharedFiles {
    pub fn locate(env: &Vars) -> SharedFiles {
        let home = ["HOME", "USERPROFILE"]
            .iter()
            .find_map(|v| env.get(v).filter(|h| !h.is_empty()))
            .map(PathBuf::from);
        let path = |var: &str, file: &str| match env.get(var).filter(|p| !p.trim().is_empty()) {
            Some(p) => match (p.strip_prefix("~/"), &home) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => PathBuf::from(p),
            },
            None => match &home {
                Some(home) => home.join(".aws").join(file),
                None => PathBuf::from("~/.aws").join(file),
            },
        };
        SharedFiles {
            config: path("AWS_CONFIG_FILE", "config"),
            credentials: path("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        }
    }
}

/// Checks that the named profile exists in the shared files, as the SDK reads them: the
/// error names the files looked at and lists the profiles they hold.
pub async fn check_profile(
    profile: &ProfileChoice,
    files: &SharedFiles,
) -> Result<(), ConfigError> {
    let existing = existing_files(files);
    if existing.is_empty() {
        return Err(no_shared_files(profile, files));
    }
    let set = load_profiles(profile, &existing).await?;
    if set.get_profile(&profile.name).is_some() {
        return Ok(());
    }
    Err(ConfigError::new(
        profile.input(),
        format!(
            "profile {:?} was not found in {} or {}; {}{}",
            profile.name,
            shown(&files.config),
            shown(&files.credentials),
            listed_profiles(&set),
            misnamed_section_hint(&profile.name, &files.config)
        ),
    ))
}

/// The shared files that exist, each with the kind the SDK reads it as.
fn existing_files(files: &SharedFiles) -> Vec<(EnvConfigFileKind, &Path)> {
    [
        (EnvConfigFileKind::Config, files.config.as_path()),
        (EnvConfigFileKind::Credentials, files.credentials.as_path()),
    ]
    .into_iter()
    .filter(|(_, p)| p.is_file())
    .collect()
}

/// A shared file's path as an error shows it, saying when it is absent.
fn shown(p: &Path) -> String {
    if p.is_file() {
        p.display().to_string()
    } else {
        format!("{} (absent)", p.display())
    }
}

/// The error for a profile named when neither shared file exists.
fn no_shared_files(profile: &ProfileChoice, files: &SharedFiles) -> ConfigError {
    let name = &profile.name;
    ConfigError::new(
        profile.input(),
        format!(
            "profile {name:?} was named, but there is no shared AWS config or credentials file (looked for {} and {}); create the profile (aws configure --profile {name}, or aws configure sso) or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the files",
            files.config.display(),
            files.credentials.display()
        ),
    )
}

/// The profiles of `existing`, parsed as the SDK parses them (and nothing from the
/// environment); a file it cannot parse is an error naming the profile's input.
async fn load_profiles(
    profile: &ProfileChoice,
    existing: &[(EnvConfigFileKind, &Path)],
) -> Result<ProfileSet, ConfigError> {
    let mut builder = EnvConfigFiles::builder();
    for (kind, path) in existing {
        builder = builder.with_file(*kind, *path);
    }
    aws_config::profile::load(&Fs::real(), &Env::from_slice(&[]), &builder.build(), None)
        .await
        .map_err(|e| {
            ConfigError::new(
                profile.input(),
                cap(
                    &format!(
                        "the shared AWS files could not be read: {}",
                        error_chain(&e)
                    ),
                    MAX_ERROR_MESSAGE,
                ),
            )
        })
}

/// The profiles the files define, sorted, at most [`MAX_LISTED_PROFILES`] of them.
fn listed_profiles(set: &ProfileSet) -> String {
    let mut names: Vec<String> = set.profiles().map(|n| cap(n, 64)).collect();
    names.sort();
    match names.len() {
        0 => "they define no profile".to_string(),
        n if n > MAX_LISTED_PROFILES => format!(
            "the profiles there are: {} (and {} more)",
            names[..MAX_LISTED_PROFILES].join(", "),
            n - MAX_LISTED_PROFILES
        ),
        _ => format!("the profiles there are: {}", names.join(", ")),
    }
}

/// A `[dev]` section in the config file is not a profile there: it must be
/// `[profile dev]` (only the credentials file uses bare names). The hint, when the config
/// file has such a section for `name`; else nothing.
fn misnamed_section_hint(name: &str, config: &Path) -> String {
    let misnamed = std::fs::read_to_string(config)
        .ok()
        .is_some_and(|text| text.lines().any(|l| l.trim() == format!("[{name}]")))
        && name != "default";
    if misnamed {
        format!(
            "; {} has a section [{name}], which the config file reads as a profile only when written [profile {name}]",
            config.display()
        )
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn the_shared_files_are_where_the_sdk_looks() {
        let env = Vars::from_iter(HashMap::from([("HOME", "/home/sre".to_string())]));
        assert_eq!(
            SharedFiles::locate(&env),
            SharedFiles {
                config: "/home/sre/.aws/config".into(),
                credentials: "/home/sre/.aws/credentials".into(),
            }
        );
        let env = Vars::from_iter(HashMap::from([
            ("HOME", "/home/sre".to_string()),
            ("AWS_CONFIG_FILE", "~/work/aws-config".to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/etc/aws/creds".to_string()),
        ]));
        assert_eq!(
            SharedFiles::locate(&env),
            SharedFiles {
                config: "/home/sre/work/aws-config".into(),
                credentials: "/etc/aws/creds".into(),
            }
        );
    }

    fn files_with(
        config: Option<&str>,
        credentials: Option<&str>,
    ) -> (tempfile::TempDir, SharedFiles) {
        let dir = tempfile::tempdir().unwrap();
        let files = SharedFiles {
            config: dir.path().join("config"),
            credentials: dir.path().join("credentials"),
        };
        if let Some(text) = config {
            std::fs::write(&files.config, text).unwrap();
        }
        if let Some(text) = credentials {
            std::fs::write(&files.credentials, text).unwrap();
        }
        (dir, files)
    }

    fn choice(name: &str, from_flag: bool) -> ProfileChoice {
        ProfileChoice {
            name: name.into(),
            from_flag,
        }
    }

    #[tokio::test]
    async fn a_named_profile_must_exist_in_the_shared_files() {
        let (_dir, files) = files_with(
            Some("[default]\nregion = eu-west-1\n[profile dev]\nsso_session = corp\n"),
            Some("[ci]\naws_access_key_id = a\naws_secret_access_key = b\n"),
        );
        for name in ["default", "dev", "ci"] {
            check_profile(&choice(name, true), &files).await.unwrap();
        }
        let e = check_profile(&choice("devv", false), &files)
            .await
            .unwrap_err();
        assert_eq!(e.input, "AWS_PROFILE (environment)");
        assert_eq!(
            e.message,
            format!(
                "profile \"devv\" was not found in {} or {}; the profiles there are: ci, default, dev",
                files.config.display(),
                files.credentials.display()
            )
        );

        // Only a credentials file: the absent config file is named as such.
        let (_dir, files) = files_with(None, Some("[ci]\naws_access_key_id = a\n"));
        let e = check_profile(&choice("dev", true), &files)
            .await
            .unwrap_err();
        assert_eq!(e.input, "--profile");
        assert!(
            e.message
                .contains(&format!("{} (absent) or", files.config.display())),
            "{e}"
        );

        // Neither file.
        let (_dir, files) = files_with(None, None);
        let e = check_profile(&choice("dev", true), &files)
            .await
            .unwrap_err();
        assert!(
            e.message
                .contains("there is no shared AWS config or credentials file"),
            "{e}"
        );

        // A file the SDK cannot parse is named, with the line.
        let (_dir, files) = files_with(Some("[profile dev\nregion = x\n"), None);
        let e = check_profile(&choice("dev", true), &files)
            .await
            .unwrap_err();
        assert!(e.message.contains("could not be read"), "{e}");
        assert!(
            e.message.contains(&files.config.display().to_string()),
            "{e}"
        );
    }
}
