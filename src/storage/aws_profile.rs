//! The AWS CLI's named profiles, which `object_store` does not read: the static keys of `AWS_PROFILE` (or
//! `default`) from `~/.aws/credentials` and its region from `~/.aws/config` (or the files
//! `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE` name), for an S3 side given no keys otherwise.

use std::collections::HashMap;
use std::path::PathBuf;

use object_store::aws::AmazonS3ConfigKey as Key;

use crate::error::{Error, Result};

/// What a profile gives an S3 client: keys, a region, an endpoint.
pub type Settings = Vec<(Key, String)>;

/// The settings of the profile in force, for a side whose options and environment name no access key (those
/// win, as the AWS CLI lets them); none when there is no profile to read. A profile `AWS_PROFILE` names that
/// is missing, or that holds no static keys (SSO, a role, a `credential_process`), is an error saying what to
/// do. The secret key and session token are registered as secrets.
pub fn settings(options: &[(String, String)]) -> Result<Settings> {
    let given = |key: &str| options.iter().any(|(k, _)| k.eq_ignore_ascii_case(key));
    if given("access_key_id") || given("aws_access_key_id") || env("AWS_ACCESS_KEY_ID").is_some() {
        return Ok(Settings::new());
    }
    let named = env("AWS_PROFILE");
    let profile = named.clone().unwrap_or_else(|| "default".to_string());
    let credentials = section(&file("AWS_SHARED_CREDENTIALS_FILE", "credentials")?, &profile);
    let config_name = if profile == "default" { profile.clone() } else { format!("profile {profile}") };
    let config = section(&file("AWS_CONFIG_FILE", "config")?, &config_name);
    let value = |key: &str| credentials.get(key).or_else(|| config.get(key)).cloned();
    let setting = format!("AWS_PROFILE={profile}");
    let mut settings = Settings::new();
    match (value("aws_access_key_id"), value("aws_secret_access_key")) {
        (Some(id), Some(secret)) => {
            crate::secrets::register(&secret);
            settings.extend([(Key::AccessKeyId, id), (Key::SecretAccessKey, secret)]);
            if let Some(token) = value("aws_session_token") {
                crate::secrets::register(&token);
                settings.push((Key::Token, token));
            }
        }
        _ if named.is_none() => return Ok(Settings::new()),
        _ if credentials.is_empty() && config.is_empty() => {
            return Err(Error::setting(setting, "no such profile in ~/.aws/credentials or ~/.aws/config"));
        }
        _ => return Err(Error::setting(
            setting,
            format!("the profile has no static keys (aws_access_key_id, aws_secret_access_key); for SSO, a role or a credential_process, export its current keys first: eval \"$(aws configure export-credentials --profile {profile} --format env)\""),
        )),
    }
    if !given("region") && env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")).is_none() {
        settings.extend(config.get("region").map(|region| (Key::Region, region.clone())));
    }
    if !given("endpoint") && env("AWS_ENDPOINT_URL").is_none() {
        settings.extend(value("endpoint_url").map(|url| (Key::Endpoint, url)));
    }
    Ok(settings)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// The text of the file `variable` names, or of `~/.aws/NAME`; empty when it does not exist.
fn file(variable: &str, name: &str) -> Result<String> {
    let path = match env(variable) {
        Some(path) => PathBuf::from(path),
        None => match env("HOME").or_else(|| env("USERPROFILE")) {
            Some(home) => PathBuf::from(home).join(".aws").join(name),
            None => return Ok(String::new()),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::io(path.display().to_string(), e)),
    }
}

/// The `key = value` lines of INI section `[name]` (keys lower-case; `#` and `;` start comments).
fn section(text: &str, name: &str) -> HashMap<String, String> {
    let mut inside = false;
    let mut found = HashMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            inside = header.split_whitespace().collect::<Vec<_>>().join(" ") == name;
        } else if let (true, Some((key, value))) = (inside, line.split_once('=')) {
            found.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::section;

    #[test]
    fn a_section_holds_its_own_keys_only() {
        let text =
            "[default]\naws_access_key_id = A\n\n[profile dev]\n# a comment\nregion=eu-west-1\n[other]\nregion = x\n";
        assert_eq!(section(text, "default").get("aws_access_key_id").map(String::as_str), Some("A"));
        let dev = section(text, "profile dev");
        assert_eq!((dev.len(), dev.get("region").map(String::as_str)), (1, Some("eu-west-1")));
        assert!(section(text, "missing").is_empty());
    }
}
