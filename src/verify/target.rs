//! What to verify: the deploy workflow (a file name that goes into an API path, so only
//! the characters of a file name), and which of its runs — the newest, or one named by
//! its ID or its page (`https://HOST/OWNER/NAME/actions/runs/123[/attempts/N][/…]`, read
//! as `result` reads it). A page on another host than this GitHub's, or of another
//! repository, is refused before anything is asked of GitHub.

use url::Url;

use super::VerifyError;
use super::build::shown;
use crate::github::{Repo, WebHost};

/// The deploy workflow when none is named.
pub const DEFAULT_DEPLOY_WORKFLOW: &str = "client-deploy.yml";
/// The longest workflow file name accepted.
const MAX_WORKFLOW: usize = 255;

/// A workflow file name (`client-deploy.yml`) or a workflow ID: letters, digits, `.`,
/// `-` and `_`, with at least one letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployWorkflow(String);

impl DeployWorkflow {
    /// `name`, surrounding whitespace ignored.
    pub fn new(name: &str) -> Result<DeployWorkflow, VerifyError> {
        let name = name.trim();
        let allowed = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        let named = name.chars().any(|c| c.is_ascii_alphanumeric());
        if !allowed || !named || name.len() > MAX_WORKFLOW {
            return Err(VerifyError::BadWorkflow(shown(name, 100)));
        }
        Ok(DeployWorkflow(name.to_string()))
    }

    pub fn name(&self) -> &str {
        &self.0
    }
}

impl Default for DeployWorkflow {
    fn default() -> DeployWorkflow {
        DeployWorkflow(DEFAULT_DEPLOY_WORKFLOW.to_string())
    }
}

/// Which run to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunTarget {
    /// The newest run of the deploy workflow, whatever its state.
    Latest,
    /// This run (it must be of the deploy workflow).
    Run(u64),
}

impl RunTarget {
    /// A run ID, or a run URL on `web` of `repo`.
    pub fn parse(v: &str, web: &WebHost, repo: &Repo) -> Result<RunTarget, VerifyError> {
        let v = v.trim();
        if let Ok(id) = v.parse::<u64>() {
            return Ok(RunTarget::Run(id));
        }
        let bad = || VerifyError::BadRun(shown(v, 200));
        let url = Url::parse(v).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad());
        }
        let parts: Vec<&str> = url.path_segments().ok_or_else(bad)?.collect();
        let [owner, name, "actions", "runs", id, ..] = parts.as_slice() else {
            return Err(bad());
        };
        let id = id.parse::<u64>().map_err(|_| bad())?;
        if !web.serves(&url) {
            return Err(VerifyError::OtherHost {
                host: host_port(&url),
                web: web.to_string(),
            });
        }
        let same = owner.eq_ignore_ascii_case(&repo.owner) && name.eq_ignore_ascii_case(&repo.name);
        if !same {
            return Err(VerifyError::OtherRepo {
                named: shown(&format!("{owner}/{name}"), 140),
                repo: repo.to_string(),
            });
        }
        Ok(RunTarget::Run(id))
    }
}

/// `HOST`, or `HOST:PORT` when the port is not 443, as messages show it (and as
/// [`WebHost`] shows itself).
fn host_port(url: &Url) -> String {
    let host = shown(url.host_str().unwrap_or(""), 100);
    match url.port_or_known_default() {
        Some(443) | None => host,
        Some(p) => format!("{host}:{p}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> WebHost {
        WebHost::of_api(&Url::parse("https://api.github.com/").unwrap())
    }

    fn repo() -> Repo {
        Repo {
            owner: "acme".into(),
            name: "site".into(),
        }
    }

    fn parse(v: &str) -> Result<RunTarget, VerifyError> {
        RunTarget::parse(v, &web(), &repo())
    }

    #[test]
    fn a_run_is_named_by_its_id_or_its_page() {
        assert_eq!(parse(" 42 ").unwrap(), RunTarget::Run(42));
        for url in [
            "https://github.com/acme/site/actions/runs/42",
            "https://github.com/Acme/Site/actions/runs/42/attempts/2",
            "https://github.com/acme/site/actions/runs/42/job/7?pr=1#step:3:1",
        ] {
            assert_eq!(parse(url).unwrap(), RunTarget::Run(42), "{url}");
        }
    }

    #[test]
    fn anything_else_is_refused_naming_what_was_expected() {
        for bad in [
            "",
            "-1",
            "latest",
            "https://github.com/acme/site/actions/runs/x",
            "https://github.com/acme/site/actions/workflows/client-deploy.yml",
            "https://github.com/acme/actions/runs/42",
            "ftp://github.com/acme/site/actions/runs/42",
            "99999999999999999999999",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(matches!(e, VerifyError::BadRun(_)), "{bad}: {e}");
            assert!(e.to_string().contains("neither a run ID nor a run URL"));
        }
        let e = parse(&format!("x\u{1b}[2J{}", "y".repeat(500))).unwrap_err();
        let shown = e.to_string();
        assert!(
            !shown.contains('\u{1b}') && shown.chars().count() < 400,
            "{shown}"
        );
    }

    #[test]
    fn a_page_on_another_host_or_of_another_repository_is_refused() {
        let e = parse("https://evil.example:8443/acme/site/actions/runs/42").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the run URL is on evil.example:8443, but this GitHub's runs are on github.com; give the run ID, or a run URL on github.com"
        );
        let e = parse("https://github.com.evil.example/acme/site/actions/runs/42").unwrap_err();
        assert!(matches!(e, VerifyError::OtherHost { .. }), "{e}");
        // The same host on another port (plain http) is another web server.
        let e = parse("http://github.com/acme/site/actions/runs/42").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the run URL is on github.com:80, "),
            "{e}"
        );
        let e = parse("https://github.com/other/site/actions/runs/42").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the run URL is of repository other/site, not of acme/site; refusing to read it"
        );
    }

    #[test]
    fn workflow_names_cannot_leave_their_path_segment() {
        assert_eq!(DeployWorkflow::default().name(), "client-deploy.yml");
        assert_eq!(
            DeployWorkflow::new(" deploy_2.yaml ").unwrap().name(),
            "deploy_2.yaml"
        );
        assert_eq!(DeployWorkflow::new("161335").unwrap().name(), "161335");
        for bad in [
            "",
            "..",
            ".",
            "../runs",
            "a/b.yml",
            "a.yml?x=1",
            "a.yml#x",
            "dé.yml",
            "a b.yml",
            "a%2e.yml",
        ] {
            let e = DeployWorkflow::new(bad).unwrap_err();
            assert!(matches!(e, VerifyError::BadWorkflow(_)), "{bad}");
        }
        assert!(DeployWorkflow::new(&"a".repeat(256)).is_err());
        let e = DeployWorkflow::new("a\nb").unwrap_err().to_string();
        assert_eq!(
            e,
            "deploy workflow \"a b\" is not a workflow file name like client-deploy.yml"
        );
    }
}
