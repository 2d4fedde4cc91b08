//! Profiles: named sets of base URLs and identities in the user's config directory
//! (`profiles.json`), and how a command's settings are resolved from a profile, flags and
//! environment variables. Secrets are never written here by `profile add`: the client
//! secret comes from STOREROOM_CLIENT_SECRET or, for a storeroom, from the credentials.json
//! the profile points at, read at each run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ClientOpts, Failure, Outcome, Output};

/// The real service's endpoints.
pub const REAL_TOKEN_URL: &str = "https://login.microsoftonline.com/{tenant}/oauth2/token";
pub const DEVCENTER_RESOURCE: &str = "https://manage.devcenter.microsoft.com";
pub const REAL_API_URL: &str = "https://manage.devcenter.microsoft.com/v1.0/my";
pub const MSI_RESOURCE: &str = "https://api.store.microsoft.com";
pub const REAL_MSI_URL: &str = "https://api.store.microsoft.com/submission/v1";

/// One profile as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msi_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_url: Option<String>,
    /// A storeroom's admin token (the file is written readable by its owner only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_token: Option<String>,
    /// A storeroom's credentials.json: the client secret is read from it at each run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<PathBuf>,
}

/// `profiles.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    pub profiles: BTreeMap<String, Profile>,
}

/// The configuration directory: STOREROOM_CONFIG_DIR, else the platform's user config
/// directory (`$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application Support`
/// on macOS, `%APPDATA%` on Windows) with `storeroom` under it.
pub fn config_dir() -> Outcome<PathBuf> {
    if let Some(dir) = std::env::var_os("STOREROOM_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let base = if cfg!(windows) {
        std::env::var_os("APPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join("Library/Application Support"))
    } else {
        std::env::var_os("XDG_CONFIG_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
    };
    base.map(|base| base.join("storeroom")).ok_or_else(|| {
        Failure::local("cannot find a configuration directory: set STOREROOM_CONFIG_DIR")
    })
}

fn profiles_path() -> Outcome<PathBuf> {
    Ok(config_dir()?.join("profiles.json"))
}

impl ProfileFile {
    pub fn load() -> Outcome<Self> {
        let path = profiles_path()?;
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|err| Failure::local(format!("{} is damaged: {err}", path.display()))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(Failure::local(format!(
                "cannot read {}: {err}",
                path.display()
            ))),
        }
    }

    /// Writes the file (mode 0600: it may hold an admin token), replacing it atomically.
    pub fn save(&self) -> Outcome<PathBuf> {
        let path = profiles_path()?;
        let dir = path.parent().expect("a file in a directory");
        std::fs::create_dir_all(dir)
            .map_err(|err| Failure::local(format!("cannot create {}: {err}", dir.display())))?;
        let text = serde_json::to_string_pretty(self).expect("profiles serialize");
        let staged = path.with_extension("json.tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut file = options.open(&staged)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&staged, &path)
        };
        write().map_err(|err| Failure::local(format!("cannot write {}: {err}", path.display())))?;
        Ok(path)
    }
}

/// Everything a command needs to reach the services, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub seller_id: Option<String>,
    pub token_url: String,
    pub api_url: String,
    pub msi_url: String,
    pub admin_url: Option<String>,
    admin_token: Option<String>,
    credentials: Option<PathBuf>,
}

/// URLs of a storeroom served at `base`.
fn storeroom_urls(base: &str) -> [String; 4] {
    let base = base.trim_end_matches('/');
    [
        format!("{base}/{{tenant}}/oauth2/token"),
        format!("{base}/v1.0/my"),
        format!("{base}/submission/v1"),
        format!("{base}/admin/v1"),
    ]
}

/// The profile named by `--profile` (or the default one), with the flags over it.
pub fn resolve(opts: &ClientOpts) -> Outcome<Settings> {
    let file = ProfileFile::load()?;
    let name = opts.profile.clone().or(file.default.clone());
    let profile = match &name {
        Some(name) => file.profiles.get(name).cloned().ok_or_else(|| {
            Failure::local(format!(
                "no profile named '{name}' (see `storeroom profile list`; `storeroom profile add` creates one)"
            ))
        })?,
        None => Profile::default(),
    };
    Ok(overlay(profile, opts))
}

fn overlay(mut profile: Profile, opts: &ClientOpts) -> Settings {
    if let Some(base) = &opts.storeroom {
        let [token, api, msi, admin] = storeroom_urls(base);
        profile.token_url = Some(token);
        profile.api_url = Some(api);
        profile.msi_url = Some(msi);
        profile.admin_url = Some(admin);
    }
    let pick = |flag: &Option<String>, stored: Option<String>| flag.clone().or(stored);
    Settings {
        tenant_id: pick(&opts.tenant, profile.tenant_id),
        client_id: pick(&opts.client_id, profile.client_id),
        seller_id: pick(&opts.seller_id, profile.seller_id),
        token_url: pick(&opts.token_url, profile.token_url).unwrap_or(REAL_TOKEN_URL.into()),
        api_url: pick(&opts.api_url, profile.api_url).unwrap_or(REAL_API_URL.into()),
        msi_url: pick(&opts.msi_url, profile.msi_url).unwrap_or(REAL_MSI_URL.into()),
        admin_url: pick(&opts.admin_url, profile.admin_url),
        admin_token: profile.admin_token,
        credentials: profile.credentials,
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn read_credentials(path: &Path) -> Outcome<Value> {
    let bytes = std::fs::read(path)
        .map_err(|err| Failure::local(format!("cannot read {}: {err}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|err| Failure::local(format!("{} is not JSON: {err}", path.display())))
}

impl Settings {
    pub fn tenant(&self) -> Outcome<&str> {
        self.tenant_id.as_deref().ok_or_else(|| {
            Failure::local("no tenant id: give --tenant, STOREROOM_TENANT_ID or a profile")
        })
    }

    pub fn client(&self) -> Outcome<&str> {
        self.client_id.as_deref().ok_or_else(|| {
            Failure::local("no client id: give --client-id, STOREROOM_CLIENT_ID or a profile")
        })
    }

    /// STOREROOM_CLIENT_SECRET, else the `clientSecret` of the profile's credentials.json.
    pub fn client_secret(&self) -> Outcome<String> {
        if let Some(secret) = non_empty_env("STOREROOM_CLIENT_SECRET") {
            return Ok(secret);
        }
        if let Some(path) = &self.credentials {
            let credentials = read_credentials(path)?;
            if let Some(secret) = credentials["clientSecret"].as_str() {
                return Ok(secret.to_string());
            }
        }
        Err(Failure::local(
            "no client secret: set STOREROOM_CLIENT_SECRET (a profile made from a storeroom's credentials.json reads it from there)",
        ))
    }

    /// STOREROOM_ADMIN_TOKEN, else the profile's, else its credentials.json's.
    pub fn admin_token(&self) -> Outcome<String> {
        if let Some(token) = non_empty_env("STOREROOM_ADMIN_TOKEN") {
            return Ok(token);
        }
        if let Some(token) = &self.admin_token {
            return Ok(token.clone());
        }
        if let Some(path) = &self.credentials
            && let Some(token) = read_credentials(path)?["adminToken"].as_str()
        {
            return Ok(token.to_string());
        }
        Err(Failure::local(
            "no admin token: set STOREROOM_ADMIN_TOKEN, or add the profile with --credentials DIR/credentials.json",
        ))
    }

    pub fn admin_base(&self) -> Outcome<&str> {
        self.admin_url.as_deref().ok_or_else(|| {
            Failure::local(
                "no admin URL: the admin API is storeroom's; give --storeroom URL, --admin-url or a storeroom profile",
            )
        })
    }
}

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Adds (or replaces) a profile.
    ///
    /// For a storeroom, from its credentials.json (tenant, client and seller ids, and the
    /// admin token; the client secret is read from the file at each run, never copied):
    ///
    ///   storeroom profile add local --storeroom http://127.0.0.1:8080 \
    ///       --credentials storeroom-data/credentials.json --default
    ///
    /// For the real service (the default URLs), with the secret in STOREROOM_CLIENT_SECRET:
    ///
    ///   storeroom profile add prod --tenant $TENANT_ID --client-id $CLIENT_ID \
    ///       --seller-id $SELLER_ID
    ///
    /// Any of --token-url, --api-url, --msi-url, --admin-url overrides one URL.
    #[command(verbatim_doc_comment)]
    Add {
        /// The profile's name.
        name: String,
        /// A storeroom's credentials.json (tenantId, clientId, sellerId, adminToken).
        #[arg(long, value_name = "FILE")]
        credentials: Option<PathBuf>,
        /// Makes it the default profile.
        #[arg(long)]
        default: bool,
    },
    /// Lists the profiles.
    List,
    /// Shows a profile as commands would use it (secrets are never shown).
    Show {
        /// [default: the default profile, or --profile]
        name: Option<String>,
    },
    /// Removes a profile.
    Remove { name: String },
    /// Makes a profile the default.
    Use { name: String },
}

/// A profile as `show` and `list` print it: what is set, and where secrets come from.
fn describe(name: &str, settings: &Settings, default: bool) -> Value {
    let secret = if non_empty_env("STOREROOM_CLIENT_SECRET").is_some() {
        "STOREROOM_CLIENT_SECRET".to_string()
    } else if let Some(path) = &settings.credentials {
        path.display().to_string()
    } else {
        "unset (set STOREROOM_CLIENT_SECRET)".to_string()
    };
    let mut value = json!({
        "name": name,
        "default": default,
        "tenantId": settings.tenant_id,
        "clientId": settings.client_id,
        "sellerId": settings.seller_id,
        "tokenUrl": settings.token_url,
        "apiUrl": settings.api_url,
        "msiUrl": settings.msi_url,
        "adminUrl": settings.admin_url,
        "clientSecretFrom": secret,
        "adminToken": if settings.admin_token.is_some() { "stored" } else { "not stored" },
    });
    value
        .as_object_mut()
        .expect("an object")
        .retain(|_, v| !v.is_null());
    value
}

pub fn run(command: ProfileCommand, opts: &ClientOpts) -> std::process::ExitCode {
    let output = opts.output();
    output.finish(run_profile(command, opts, output))
}

fn run_profile(command: ProfileCommand, opts: &ClientOpts, output: Output) -> Outcome {
    let mut file = ProfileFile::load()?;
    match command {
        ProfileCommand::Add {
            name,
            credentials,
            default,
        } => {
            let mut profile = Profile::default();
            if let Some(path) = credentials {
                let path = std::path::absolute(&path).unwrap_or(path);
                let stored = read_credentials(&path)?;
                let field = |key: &str| stored[key].as_str().map(str::to_string);
                profile.tenant_id = field("tenantId");
                profile.client_id = field("clientId");
                profile.seller_id = field("sellerId");
                profile.admin_token = field("adminToken");
                profile.credentials = Some(path);
            }
            let settings = overlay(profile.clone(), opts);
            let profile = Profile {
                tenant_id: settings.tenant_id,
                client_id: settings.client_id,
                seller_id: settings.seller_id,
                token_url: Some(settings.token_url),
                api_url: Some(settings.api_url),
                msi_url: Some(settings.msi_url),
                admin_url: settings.admin_url,
                ..profile
            };
            if profile.tenant_id.is_none() || profile.client_id.is_none() {
                return Err(Failure::local(
                    "a profile needs a tenant and a client id: give --credentials FILE, or --tenant and --client-id",
                ));
            }
            file.profiles.insert(name.clone(), profile);
            if default || file.default.is_none() {
                file.default = Some(name.clone());
            }
            let path = file.save()?;
            output.show(&json!({"name": name, "file": path}), |_| {
                format!("profile '{name}' saved in {}", path.display())
            });
        }
        ProfileCommand::List => {
            let list: Vec<Value> = file
                .profiles
                .iter()
                .map(|(name, profile)| {
                    let settings = overlay(profile.clone(), &ClientOpts::default());
                    describe(name, &settings, file.default.as_deref() == Some(name))
                })
                .collect();
            output.show(&json!(list), |_| {
                if list.is_empty() {
                    return "no profiles (see `storeroom profile add --help`)".into();
                }
                list.iter()
                    .map(|p| {
                        format!(
                            "{} {:<16} {}",
                            if p["default"] == true { "*" } else { " " },
                            super::text(p, "name"),
                            super::text(p, "apiUrl")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ProfileCommand::Show { name } => {
            let name = name
                .or(opts.profile.clone())
                .or(file.default.clone())
                .ok_or_else(|| Failure::local("no default profile: name one"))?;
            let profile = file
                .profiles
                .get(&name)
                .ok_or_else(|| Failure::local(format!("no profile named '{name}'")))?;
            let settings = overlay(profile.clone(), opts);
            let shown = describe(&name, &settings, file.default.as_deref() == Some(&name));
            output.show(&shown, |shown| {
                shown
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(key, value)| match value.as_str() {
                        Some(text) => format!("{key}: {text}"),
                        None => format!("{key}: {value}"),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ProfileCommand::Remove { name } => {
            if file.profiles.remove(&name).is_none() {
                return Err(Failure::local(format!("no profile named '{name}'")));
            }
            if file.default.as_deref() == Some(&name) {
                file.default = None;
            }
            file.save()?;
            output.show(&json!({"removed": name}), |_| {
                format!("profile '{name}' removed")
            });
        }
        ProfileCommand::Use { name } => {
            if !file.profiles.contains_key(&name) {
                return Err(Failure::local(format!("no profile named '{name}'")));
            }
            file.default = Some(name.clone());
            file.save()?;
            output.show(&json!({"default": name}), |_| {
                format!("profile '{name}' is the default")
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_profile_and_storeroom_sets_every_url() {
        let profile = Profile {
            tenant_id: Some("t".into()),
            client_id: Some("c".into()),
            api_url: Some("http://old/v1.0/my".into()),
            ..Profile::default()
        };
        let opts = ClientOpts {
            storeroom: Some("http://127.0.0.1:9/".into()),
            client_id: Some("other".into()),
            ..ClientOpts::default()
        };
        let settings = overlay(profile, &opts);
        assert_eq!(settings.client_id.as_deref(), Some("other"));
        assert_eq!(settings.tenant_id.as_deref(), Some("t"));
        assert_eq!(settings.api_url, "http://127.0.0.1:9/v1.0/my");
        assert_eq!(
            settings.token_url,
            "http://127.0.0.1:9/{tenant}/oauth2/token"
        );
        assert_eq!(
            settings.admin_url.as_deref(),
            Some("http://127.0.0.1:9/admin/v1")
        );
    }

    #[test]
    fn without_a_profile_the_real_service_is_used() {
        let settings = overlay(Profile::default(), &ClientOpts::default());
        assert_eq!(settings.token_url, REAL_TOKEN_URL);
        assert_eq!(settings.api_url, REAL_API_URL);
        assert_eq!(settings.msi_url, REAL_MSI_URL);
        assert!(settings.admin_url.is_none());
    }
}
