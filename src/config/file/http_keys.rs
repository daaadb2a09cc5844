//! The keys of an HTTP check that need more than a type: headers (values named by
//! environment variable, never written in the file) and JSON pointers with their values.

use reqwest::header::HeaderName;

use super::checks::MAX_TEXT;
use super::model::CheckModel;
use super::position::Source;
use crate::config::ConfigError;

/// Most headers of one check.
const MAX_HEADERS: usize = 32;

/// The headers: each value is `{ env = "NAME" }`, never written in the file.
pub fn headers(
    src: &Source,
    c: &CheckModel,
) -> Result<Vec<(HeaderName, String, String)>, ConfigError> {
    let Some(table) = &c.headers else {
        return Ok(Vec::new());
    };
    if table.get_ref().len() > MAX_HEADERS {
        return Err(src.error(
            &table.span(),
            format!("too many headers: at most {MAX_HEADERS}"),
        ));
    }
    let mut out = Vec::new();
    for (name, value) in table.get_ref() {
        let at = value.span();
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            src.error(
                &at,
                format!(
                    "{:?} is not a header name; expected letters, digits and - like Authorization",
                    crate::text::cap(name, 64)
                ),
            )
        })?;
        let var = match value.get_ref() {
            toml::Value::Table(t) if t.len() == 1 => match t.get("env") {
                Some(toml::Value::String(var)) if is_var_name(var) => var.clone(),
                _ => return Err(src.error(&at, format!("header {name}: expected {{ env = \"NAME\" }} naming an environment variable (letters, digits and _)"))),
            },
            toml::Value::String(_) => return Err(src.error(&at, format!("header {name}: a value written in the file; header values are secrets: name the environment variable that holds it, {{ env = \"NAME\" }}"))),
            _ => return Err(src.error(&at, format!("header {name}: expected {{ env = \"NAME\" }} naming the environment variable that holds its value"))),
        };
        out.push((header, var, src.at(at.start)));
    }
    Ok(out)
}

fn is_var_name(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 128
        && !v.starts_with(|c: char| c.is_ascii_digit())
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `json = { "/status" = "healthy" }`: RFC 6901 pointers and the values they must hold.
pub fn json(src: &Source, c: &CheckModel) -> Result<Vec<(String, serde_json::Value)>, ConfigError> {
    let Some(table) = &c.json else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (pointer, value) in table.get_ref() {
        let at = value.span();
        if let Err(why) = check_pointer(pointer) {
            return Err(src.error(
                &at,
                format!(
                    "{:?} is not a JSON pointer: {why}; expected one like /status or /items/0/name",
                    crate::text::cap(pointer, 80)
                ),
            ));
        }
        if contains_datetime(value.get_ref()) {
            return Err(src.error(&at, "a date-time has no JSON equivalent; expected a string, number, boolean, array or table"));
        }
        let value = serde_json::to_value(value.get_ref())
            .map_err(|e| src.error(&at, format!("{e}; expected a JSON value")))?;
        out.push((pointer.clone(), value));
    }
    Ok(out)
}

/// RFC 6901: empty (the whole document), or `/`-separated tokens where `~` is `~0` or `~1`.
pub fn check_pointer(p: &str) -> Result<(), &'static str> {
    if p.len() > MAX_TEXT {
        return Err("too long");
    }
    if !p.is_empty() && !p.starts_with('/') {
        return Err("it must start with /");
    }
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err("~ must be followed by 0 or 1");
        }
    }
    Ok(())
}

fn contains_datetime(v: &toml::Value) -> bool {
    match v {
        toml::Value::Datetime(_) => true,
        toml::Value::Array(a) => a.iter().any(contains_datetime),
        toml::Value::Table(t) => t.values().any(contains_datetime),
        _ => false,
    }
}
