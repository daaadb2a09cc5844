//! The process environment as one value, read once at start: what `config` reads beyond
//! clap's own variables (fallbacks, switches, the runner's files, the token) and where the
//! AWS profile check looks for the shared files. Tests build one from pairs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::OsString;

/// A snapshot of environment variables.
#[derive(Debug, Clone, Default)]
pub struct Vars(HashMap<String, OsString>);

impl Vars {
    /// The process environment now. A variable whose name is not UTF-8 is left out: no
    /// name this program reads could match it.
    pub fn from_process() -> Vars {
        Vars(
            std::env::vars_os()
                .filter_map(|(name, value)| Some((name.into_string().ok()?, value)))
                .collect(),
        )
    }

    /// The value of `name`; None when it is unset or not UTF-8.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str())
    }

    /// The value of `name`, trimmed; None when it is unset, blank or not UTF-8.
    pub fn non_empty(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// The value of `name`, a value that is not UTF-8 read with replacement characters (so
    /// that it fails validation instead of passing for unset).
    pub fn get_lossy(&self, name: &str) -> Option<Cow<'_, str>> {
        self.0.get(name).map(|v| v.to_string_lossy())
    }
}

impl<K: Into<String>, V: Into<OsString>> FromIterator<(K, V)> for Vars {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Vars {
        Vars(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_utf8_is_unset_for_get_and_replaced_for_get_lossy() {
        use std::os::unix::ffi::OsStringExt;
        let vars = Vars::from_iter([
            ("PLAIN", OsString::from("yes")),
            ("BROKEN", OsString::from_vec(vec![b'y', 0xff])),
        ]);
        assert_eq!(vars.get("PLAIN"), Some("yes"));
        assert_eq!(vars.non_empty("PLAIN").as_deref(), Some("yes"));
        assert_eq!(vars.non_empty("BROKEN"), None);
        assert_eq!(vars.get("BROKEN"), None);
        assert_eq!(vars.get_lossy("BROKEN").as_deref(), Some("y\u{fffd}"));
        assert_eq!(vars.get("UNSET"), None);
        assert_eq!(vars.get_lossy("UNSET"), None);
    }

    #[test]
    fn the_process_snapshot_holds_the_process_variables() {
        let path = std::env::var("PATH").expect("tests run with PATH set");
        assert_eq!(Vars::from_process().get("PATH"), Some(path.as_str()));
    }
}
