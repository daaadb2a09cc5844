//! The documentation stays true to the repository: every relative link leads to a file
//! that exists, and the workflow shown in the action's page is the example users copy.

use crate::support::root;

/// The `](target)` links of a markdown text.
fn links(md: &str) -> Vec<&str> {
    md.match_indices("](")
        .filter_map(|(at, _)| {
            let rest = &md[at + 2..];
            rest.find(')').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn every_relative_link_leads_to_a_file() {
    let mut pages = vec![
        root().join("README.md"),
        root().join("ARCHITECTURE.md"),
        root().join("bench/README.md"),
    ];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        pages.push(entry.unwrap().path());
    }
    let mut checked = 0;
    for page in pages {
        let md = std::fs::read_to_string(&page).unwrap();
        for link in links(&md) {
            if link.contains("://") || link.starts_with('#') || link.starts_with("mailto:") {
                continue;
            }
            let path = link.split('#').next().unwrap();
            let target = page.parent().unwrap().join(path);
            assert!(
                target.exists(),
                "{}: the link {link} leads nowhere",
                page.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} links checked");
}

#[test]
fn the_workflow_shown_for_the_action_is_the_example_to_copy() {
    let page = std::fs::read_to_string(root().join("docs/action.md")).unwrap();
    let example = std::fs::read_to_string(root().join("examples/diagnose.yml")).unwrap();
    let start = page.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let end = start + page[start..].find("```\n").unwrap();
    assert_eq!(&page[start..end], example);
}
