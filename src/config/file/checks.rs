//! The `[[check]]` tables, validated once the file is read: ids (their shape, no two alike),
//! `envs` and `needs` naming what exists, no `needs` cycle, the keys of the check's kind and
//! only those, the method, the status codes, the JSON pointers, and header values named by
//! environment variable only. What depends on the run (the API base, the API paths, the
//! variables' values) is resolved later, in `resolve.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::HeaderName;
use toml::Spanned;

use super::model::{CheckModel, FileModel, Kind};
use super::position::Source;
use crate::config::ConfigError;

/// Most custom checks in a file.
pub const MAX_CHECKS: usize = 256;
/// Longest `body_contains`, key, alias or pointer.
pub(super) const MAX_TEXT: usize = 1024;

/// A custom check, valid in itself; `at` is the position of each value later checks refuse.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: String,
    /// The environments it runs in; None for every one.
    pub envs: Option<Vec<String>>,
    pub needs: Vec<(String, String)>,
    pub what: PendingKind,
}

#[derive(Debug, Clone)]
pub enum PendingKind {
    Http(PendingHttp),
    S3Object {
        key: String,
        content_type: Option<String>,
        cache_control: Option<String>,
    },
    CloudfrontAliases(Vec<String>),
}

/// An HTTP check before the run: its URL may be a path under the API base.
#[derive(Debug, Clone)]
pub struct PendingHttp {
    pub url: String,
    pub url_at: String,
    pub method: reqwest::Method,
    /// Header name, the variable that holds its value, and the header's position.
    pub headers: Vec<(HeaderName, String, String)>,
    pub status: Vec<u16>,
    pub body_contains: Option<String>,
    pub json: Vec<(String, serde_json::Value)>,
    pub warn_after: Option<Duration>,
}

/// The shape of a custom check id.
pub fn is_check_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && id.len() <= 64
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The built-in checks whose ids no custom check may take (the API checks' are known per run).
pub const BUILT_IN: [&str; 4] = ["oidc", "s3_read", "cloudfront", "frontend"];

/// Validates every `[[check]]` of `file`.
pub fn validate(src: &Source, file: &FileModel) -> Result<Vec<Pending>, ConfigError> {
    if file.check.len() > MAX_CHECKS {
        let span = file.check[MAX_CHECKS].span();
        return Err(src.error(&span, format!("too many checks: at most {MAX_CHECKS}")));
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pending = Vec::new();
    for check in &file.check {
        let c = check.get_ref();
        let id = c.id.get_ref().as_str();
        if !is_check_id(id) {
            return Err(src.error(&c.id.span(), format!("{:?} is not a check id; expected a lower-case letter, then lower-case letters, digits or _ (at most 64)", crate::text::cap(id, 80))));
        }
        if BUILT_IN.contains(&id) {
            return Err(src.error(
                &c.id.span(),
                format!("{id:?} is a built-in check; give the custom check another id"),
            ));
        }
        if id.starts_with("api_") {
            return Err(src.error(
                &c.id.span(),
                format!("{id:?} starts with api_, which names the API checks (--api-path); give the custom check another id"),
            ));
        }
        if let Some(first) = seen.insert(id, c.id.span().start) {
            let (line, _) = src.line_col(first);
            return Err(src.error(
                &c.id.span(),
                format!("duplicate check id {id:?} (first at line {line}); expected each id once"),
            ));
        }
        pending.push(one(src, file, c)?);
    }
    super::needs::check(src, file)?;
    Ok(pending)
}

/// One check: its environments, then the keys of its kind.
fn one(src: &Source, file: &FileModel, c: &CheckModel) -> Result<Pending, ConfigError> {
    let envs = match &c.envs {
        None => None,
        Some(list) => {
            if list.get_ref().is_empty() {
                return Err(src.error(&list.span(), "an empty list; expected the names of environments, or no envs key for every one"));
            }
            for e in list.get_ref() {
                if !file.env.contains_key(e.get_ref()) {
                    return Err(src.error(
                        &e.span(),
                        format!(
                            "unknown environment {:?}; expected one of: {}",
                            crate::text::cap(e.get_ref(), 64),
                            known_envs(file)
                        ),
                    ));
                }
            }
            Some(list.get_ref().iter().map(|e| e.get_ref().clone()).collect())
        }
    };
    if let Some((name, span)) = c.foreign_keys().into_iter().next() {
        return Err(src.error(
            &span,
            format!(
                "key `{name}` does not belong to a check of kind = {:?}",
                c.kind().as_str()
            ),
        ));
    }
    let what = match c.kind() {
        Kind::Http => PendingKind::Http(http(src, c)?),
        Kind::S3Object => {
            let key = required(src, c, &c.key, "key", "an object key like assets/app.js")?;
            if key.starts_with('/') || key.len() > MAX_TEXT || key.chars().any(char::is_control) {
                let span = c.key.as_ref().map(Spanned::span).unwrap_or_default();
                return Err(src.error(&span, format!("{key:?} is not an object key like assets/app.js (no leading /, at most {MAX_TEXT} bytes)")));
            }
            PendingKind::S3Object {
                key,
                content_type: short_text(src, &c.content_type)?,
                cache_control: short_text(src, &c.cache_control)?,
            }
        }
        Kind::CloudfrontAliases => PendingKind::CloudfrontAliases(aliases(src, c)?),
    };
    Ok(Pending {
        id: c.id.get_ref().clone(),
        envs,
        needs: c
            .needs
            .iter()
            .map(|n| (n.get_ref().clone(), src.at(n.span().start)))
            .collect(),
        what,
    })
}

/// The environments of the file, as lists in messages name them.
pub fn known_envs(file: &FileModel) -> String {
    if file.env.is_empty() {
        return "(none: the file has no [env.NAME] table)".into();
    }
    file.env.keys().cloned().collect::<Vec<_>>().join(", ")
}

/// A key the check's kind needs.
fn required(
    src: &Source,
    c: &CheckModel,
    v: &Option<Spanned<String>>,
    name: &str,
    what: &str,
) -> Result<String, ConfigError> {
    match v {
        Some(v) if !v.get_ref().trim().is_empty() => Ok(v.get_ref().trim().to_string()),
        Some(v) => Err(src.error(&v.span(), format!("empty `{name}`; expected {what}"))),
        None => Err(src.error(
            &c.id.span(),
            format!(
                "check {:?} of kind = {:?} has no `{name}`; expected {what}",
                c.id.get_ref(),
                c.kind().as_str()
            ),
        )),
    }
}

fn short_text(src: &Source, v: &Option<Spanned<String>>) -> Result<Option<String>, ConfigError> {
    match v {
        Some(v) if v.get_ref().len() > MAX_TEXT || v.get_ref().chars().any(char::is_control) => {
            Err(src.error(
                &v.span(),
                format!("expected one line of at most {MAX_TEXT} bytes"),
            ))
        }
        Some(v) => Ok(Some(v.get_ref().clone())),
        None => Ok(None),
    }
}

fn aliases(src: &Source, c: &CheckModel) -> Result<Vec<String>, ConfigError> {
    let Some(list) = &c.aliases else {
        return Err(src.error(&c.id.span(), format!("check {:?} of kind = \"cloudfront_aliases\" has no `aliases`; expected the host names the distribution serves", c.id.get_ref())));
    };
    if list.get_ref().is_empty() {
        return Err(src.error(
            &list.span(),
            "an empty list; expected at least one host name like www.example.com",
        ));
    }
    let mut out = Vec::new();
    for a in list.get_ref() {
        let v = a.get_ref().trim().to_ascii_lowercase();
        let ok = !v.is_empty()
            && v.len() <= 253
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'*'));
        if !ok {
            return Err(src.error(
                &a.span(),
                format!(
                    "{:?} is not a host name like www.example.com or *.example.com",
                    crate::text::cap(a.get_ref(), 80)
                ),
            ));
        }
        out.push(v);
    }
    Ok(out)
}

/// The HTTP keys: url (required), method, headers, expectations.
fn http(src: &Source, c: &CheckModel) -> Result<PendingHttp, ConfigError> {
    let url = required(
        src,
        c,
        &c.url,
        "url",
        "a path under api_base like /login, or an absolute http(s) URL",
    )?;
    let url_span = c.url.as_ref().map(Spanned::span).unwrap_or_default();
    if !url.starts_with('/') && !url.starts_with("http://") && !url.starts_with("https://") {
        return Err(src.error(&url_span, format!("{:?} is neither a path under api_base (starting with /) nor an absolute http(s) URL", crate::text::cap(&url, 80))));
    }
    let method = match &c.method {
        None => reqwest::Method::GET,
        Some(m) => {
            let v = m.get_ref();
            let ok = !v.is_empty() && v.len() <= 32 && v.bytes().all(|b| b.is_ascii_uppercase());
            match reqwest::Method::from_bytes(v.as_bytes()) {
                Ok(method) if ok => method,
                _ => return Err(src.error(&m.span(), format!("{:?} is not an HTTP method; expected upper-case letters like GET, HEAD or POST", crate::text::cap(v, 40)))),
            }
        }
    };
    Ok(PendingHttp {
        url,
        url_at: src.at(url_span.start),
        method,
        headers: super::http_keys::headers(src, c)?,
        status: statuses(src, c)?,
        body_contains: short_text(src, &c.body_contains)?,
        json: super::http_keys::json(src, c)?,
        warn_after: match &c.warn_ms {
            None => None,
            Some(w) if (1..=3_600_000).contains(w.get_ref()) => {
                Some(Duration::from_millis(*w.get_ref() as u64))
            }
            Some(w) => {
                return Err(src.error(
                    &w.span(),
                    format!(
                        "{} ms: expected a whole number of milliseconds from 1 to 3600000",
                        w.get_ref()
                    ),
                ));
            }
        },
    })
}

fn statuses(src: &Source, c: &CheckModel) -> Result<Vec<u16>, ConfigError> {
    let Some(list) = &c.expect_status else {
        return Ok(Vec::new());
    };
    if list.get_ref().is_empty() {
        return Err(src.error(&list.span(), "an empty list; expected HTTP status codes like [200, 302], or no expect_status for any 2xx"));
    }
    list.get_ref()
        .iter()
        .map(|s| match u16::try_from(*s.get_ref()) {
            Ok(code) if (100..=599).contains(&code) => Ok(code),
            _ => Err(src.error(
                &s.span(),
                format!(
                    "{} is not an HTTP status code; expected 100 to 599",
                    s.get_ref()
                ),
            )),
        })
        .collect()
}
