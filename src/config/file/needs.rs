//! `needs` between checks: each names a check that exists (built in, an API check, or one of
//! the file's), and no check needs itself through others.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;

use super::checks::BUILT_IN;
use super::model::FileModel;
use super::position::Source;
use crate::config::ConfigError;

/// `needs` names only checks of the file or built-in ones, and no check needs itself
/// through others. The API checks' ids (`api_…`) are checked against the run's paths later.
pub fn check(src: &Source, file: &FileModel) -> Result<(), ConfigError> {
    let ids: BTreeSet<&str> = file
        .check
        .iter()
        .map(|c| c.get_ref().id.get_ref().as_str())
        .collect();
    for c in &file.check {
        for n in &c.get_ref().needs {
            let n_id = n.get_ref().as_str();
            if !ids.contains(n_id) && !BUILT_IN.contains(&n_id) && !n_id.starts_with("api_") {
                let mut known: Vec<&str> = BUILT_IN.to_vec();
                known.extend(ids.iter().copied());
                return Err(src.error(
                    &n.span(),
                    format!(
                        "unknown check {:?} in needs; expected one of: {}, or an API check api_…",
                        crate::text::cap(n_id, 64),
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    let graph: BTreeMap<&str, Vec<&Spanned<String>>> = file
        .check
        .iter()
        .map(|c| {
            (
                c.get_ref().id.get_ref().as_str(),
                c.get_ref().needs.iter().collect(),
            )
        })
        .collect();
    for start in graph.keys() {
        if let Some((path, span)) = cycle_from(&graph, start) {
            return Err(src.error(
                &span,
                format!(
                    "needs cycle: {}; expected checks that do not need each other in a loop",
                    path.join(" → ")
                ),
            ));
        }
    }
    Ok(())
}

/// A path of `needs` from `start` back to it, and the position of its last step.
fn cycle_from(
    graph: &BTreeMap<&str, Vec<&Spanned<String>>>,
    start: &str,
) -> Option<(Vec<String>, Range<usize>)> {
    let mut stack: Vec<(String, Vec<String>)> = vec![(start.to_string(), vec![start.to_string()])];
    let mut visited = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in graph.get(node.as_str()).into_iter().flatten() {
            let id = next.get_ref();
            if id == start {
                let mut path = path.clone();
                path.push(id.clone());
                return Some((path, next.span()));
            }
            if graph.contains_key(id.as_str()) && visited.insert(id.clone()) {
                let mut path = path.clone();
                path.push(id.clone());
                stack.push((id.clone(), path));
            }
        }
    }
    None
}
