//! What guards the action and the releases without running them: the linters over the
//! action and the workflows (and that they catch the mistakes they are for), the tags
//! release.yml builds against the tags the installer downloads, and the asset names
//! cargo-binstall looks for.

use std::process::Command;

use crate::support::{require_tool, root};

// ---- the linters ----------------------------------------------------------------------

#[test]
fn the_action_and_workflows_pass_the_linters() {
    let lint = Command::new("bash")
        .arg(root().join("scripts/lint-actions.sh"))
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
}

#[test]
fn untrusted_input_interpolated_into_a_script_fails_our_rule_and_actionlints() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.issue.title }}\"\n",
    )
    .unwrap();
    let ours = Command::new(require_tool("python"))
        .arg(root().join("scripts/lint_run_scripts.py"))
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&ours.stdout).contains("pass it through env:"));
    let actionlint = Command::new(require_tool("actionlint"))
        .arg(&bad)
        .output()
        .expect("actionlint runs");
    assert_eq!(actionlint.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&actionlint.stdout).contains("potentially untrusted"));
}

#[test]
fn shellcheck_runs_on_the_run_scripts_through_actionlint() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cd $DIR; ls\n",
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        require_tool("shellcheck").parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let actionlint = Command::new(require_tool("actionlint"))
        .arg(&bad)
        .env("PATH", path)
        .output()
        .expect("actionlint runs");
    assert_eq!(actionlint.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&actionlint.stdout).contains("shellcheck"));
}

// ---- releases -----------------------------------------------------------------------------

/// Whether `text` matches a GitHub Actions filter pattern (`[0-9]`, `+` after a character
/// or class, `*` for any run of characters but `/`), the subset release.yml uses.
fn filter_matches(pattern: &[u8], text: &[u8]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return text.is_empty();
    };
    if first == b'*' {
        return (0..=text.len())
            .take_while(|&i| i == 0 || text[i - 1] != b'/')
            .any(|i| filter_matches(rest, &text[i..]));
    }
    let (class, rest): (Vec<u8>, &[u8]) = if first == b'[' {
        let end = rest
            .iter()
            .position(|&c| c == b']')
            .expect("a closed class");
        let body = &rest[..end];
        let mut set = Vec::new();
        let mut i = 0;
        while i < body.len() {
            if i + 2 < body.len() && body[i + 1] == b'-' {
                set.extend(body[i]..=body[i + 2]);
                i += 3;
            } else {
                set.push(body[i]);
                i += 1;
            }
        }
        (set, &rest[end + 1..])
    } else {
        (vec![first], rest)
    };
    let (repeat, rest) = match rest.split_first() {
        Some((b'+', r)) => (true, r),
        _ => (false, rest),
    };
    let mut i = 0;
    while i < text.len() && class.contains(&text[i]) {
        i += 1;
        if filter_matches(rest, &text[i..]) {
            return true;
        }
        if !repeat {
            break;
        }
    }
    false
}

#[test]
fn every_tag_the_installer_downloads_is_one_the_release_workflow_builds() {
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let globs: Vec<String> = release
        .lines()
        .skip_while(|l| l.trim() != "tags:")
        .skip(1)
        .map_while(|l| l.trim().strip_prefix("- "))
        .map(|g| g.trim_matches('\'').to_string())
        .collect();
    assert!(globs.len() >= 2, "{globs:?}");
    let built = |tag: &str| {
        globs
            .iter()
            .any(|g| filter_matches(g.as_bytes(), tag.as_bytes()))
    };
    // What install.sh takes as a release tag (the major tag vX is moved, not built).
    let installer = std::fs::read_to_string(root().join("scripts/action/install.sh")).unwrap();
    let accepts = |tag: &str| {
        let check = format!(
            "{}\n[[ \"$1\" =~ $release_tag ]]",
            installer
                .lines()
                .find(|l| l.starts_with("release_tag="))
                .expect("install.sh names its tag pattern")
        );
        Command::new("bash")
            .args(["-c", &check, "-", tag])
            .status()
            .unwrap()
            .success()
    };
    for tag in [
        "v1.2.3",
        "v10.0.1",
        "v1.2.3-rc.1",
        "v1.2.3-beta",
        "v0.1.0-alpha.2",
    ] {
        assert!(accepts(tag), "the installer refuses {tag}");
        assert!(built(tag), "release.yml does not build {tag}: {globs:?}");
    }
    for tag in ["v1", "v1.2", "main", "1.2.3", "v1.2.3/x"] {
        assert!(!built(tag), "release.yml builds {tag}: {globs:?}");
    }
    assert!(accepts("v1"), "the moving major tag");
    for tag in ["v1.2", "latest", "v1.2.3;rm", "v1.2.3-"] {
        assert!(!accepts(tag), "the installer accepts {tag}");
    }
    // A pre-release is published as one, and never moves the major tag.
    assert!(release.contains("prerelease=(--prerelease)"));
    assert!(release.contains("if: ${{ !contains(github.ref_name, '-') }}"));
}

#[test]
fn cargo_binstall_finds_the_assets_the_release_workflow_builds() {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let template = cargo
        .lines()
        .find_map(|l| l.strip_prefix("pkg-url = "))
        .expect("binstall metadata")
        .trim_matches('"');
    let release = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let targets: Vec<&str> = release
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- target: "))
        .collect();
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(
            targets.contains(&target),
            "release.yml does not build {target}"
        );
    }
    assert!(release.contains(r#"asset="remote-hands-$VERSION-$TARGET.tar.gz""#));
    // The URL binstall builds for a tag vX.Y.Z is the asset release.yml names for it.
    for target in targets {
        let url = template
            .replace("{ repo }", "https://github.com/remote-hands/remote-hands")
            .replace("{ version }", "1.2.3")
            .replace("{ name }", "remote-hands")
            .replace("{ target }", target)
            .replace("{ archive-suffix }", ".tar.gz");
        assert_eq!(
            url,
            format!(
                "https://github.com/remote-hands/remote-hands/releases/download/v1.2.3/remote-hands-v1.2.3-{target}.tar.gz"
            )
        );
    }
}
