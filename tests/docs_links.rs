//! The README is the front page and `docs/` the reference beside it: every
//! relative link between them (and to files of the repository) must lead
//! somewhere, anchors included, as a code host renders them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown pages a reader follows links between.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![repo().join("README.md"), repo().join("CHANGELOG.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// The lines of a page outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// A heading's anchor as GitHub makes it: lower case, punctuation other
/// than `-` and `_` dropped, spaces to `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(page: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(page).unwrap();
    prose(&text)
        .into_iter()
        .filter(|l| l.starts_with('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect()
}

/// `](target)` links of a line, outside inline code.
fn links(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    let bytes: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            '`' => in_code = !in_code,
            ']' if !in_code && bytes.get(i + 1) == Some(&'(') => {
                let rest: String = bytes[i + 2..].iter().collect();
                if let Some(end) = rest.find(')') {
                    out.push(rest[..end].to_string());
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for line in prose(&text) {
            for target in links(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target.as_str(), None),
                };
                let file = if path.is_empty() {
                    page.clone()
                } else {
                    page.parent().unwrap().join(path)
                };
                let shown = format!("{}: {target}", page.strip_prefix(repo()).unwrap().display());
                if !file.exists() {
                    broken.push(format!("{shown} (no such file)"));
                } else if let Some(anchor) = anchor {
                    if file.extension().is_some_and(|e| e == "md")
                        && !anchors(&file).contains(anchor)
                    {
                        broken.push(format!("{shown} (no such heading)"));
                    }
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: is the parser right?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The README stays a front page: the two set-up commands, the everyday
/// commands, the exit codes and links; the reference lives in `docs/`.
#[test]
fn the_readme_is_a_front_page_linking_every_reference_page() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.lines().count() < 250,
        "README.md has {} lines: move reference material to docs/",
        readme.lines().count()
    );
    for command in [
        "cargo run -- evaluate examples/demo-org.snapshot.json",
        "bash scripts/test.sh",
    ] {
        assert!(readme.contains(command), "README lacks `{command}`");
    }
    for page in pages()
        .iter()
        .filter(|p| p.starts_with(repo().join("docs")))
    {
        let name = page.strip_prefix(repo()).unwrap().display().to_string();
        assert!(
            readme.contains(&format!("]({name})")),
            "README does not link {name}"
        );
    }
}

#[test]
fn the_link_checker_sees_a_broken_link() {
    assert_eq!(
        slug(" Configuration: `trailwarden.toml`"),
        "configuration-trailwardentoml"
    );
    assert_eq!(links("see [a](b.md#c) and `[x](y)`"), vec!["b.md#c"]);
}
