//! The layers of `src/` stay one-way (docs/development.md, "Layers"): a
//! module imports only modules of its own layer or lower ones, `collect`
//! and `verify` never import each other, and no import cycle joins two
//! top-level modules. This test reads the source, so a new `use` that runs
//! against the layers fails here, naming the file and the import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every top-level module of `src/`, bottom layer first. A new module must
/// be placed here: the test fails on one it does not know.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "1 vocabulary and helpers",
        &[
            "endpoint",
            "error",
            "filter_pattern",
            "finding",
            "hashing",
            "inert",
            "log",
            "names",
            "outcome",
            "paths",
            "snapshot",
            "verdict",
        ],
    ),
    ("2 AWS plumbing", &["aws"]),
    ("3 collection and log verification", &["collect", "verify"]),
    ("4 checks", &["checks"]),
    ("5 configuration and policy", &["config", "policy"]),
    ("6 reports", &["report"]),
    (
        "7 report tools and documentation",
        &["diff", "merge", "docs"],
    ),
    (
        "8 commands and entry points",
        &["app", "cli", "commands", "lib", "main"],
    ),
];

/// Modules of one layer that must stay independent of each other.
const APART: &[(&str, &str)] = &[("collect", "verify"), ("verify", "collect")];

/// The top-level module a file of `src/` belongs to (`src/a.rs` and
/// `src/a/…` are `a`).
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str();
    let first = first.to_string_lossy();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// The top-level modules `source` names through `crate::` (plain paths and
/// grouped `use crate::{a, b::c}`), comments left out.
fn imports_of(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                // Each item at depth 0 of the group starts with a module.
                let mut depth = 0;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            found.extend(leading_ident(&item));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        item.push(c);
                    }
                }
                found.extend(leading_ident(&item));
            } else {
                found.extend(leading_ident(after));
            }
            rest = after;
        }
    }
    found
}

fn leading_ident(text: &str) -> Option<String> {
    let ident: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!ident.is_empty() && ident != "self").then_some(ident)
}

/// Edges between top-level modules: module → (imported module → first file
/// that imports it).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

fn graph_of(files: &[(PathBuf, String)]) -> Graph {
    let mut graph = Graph::new();
    for (relative, source) in files {
        let from = module_of(relative);
        let edges = graph.entry(from.clone()).or_default();
        for to in imports_of(source) {
            if to != from {
                edges
                    .entry(to)
                    .or_insert_with(|| relative.display().to_string());
            }
        }
    }
    graph
}

/// Every way `graph` breaks the layers, one line each.
fn violations(graph: &Graph) -> Vec<String> {
    let layer: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, modules))| modules.iter().map(move |m| (*m, i)))
        .collect();
    let mut found = Vec::new();
    for (from, edges) in graph {
        let Some(&from_layer) = layer.get(from.as_str()) else {
            found.push(format!(
                "module `{from}` has no layer: place it in LAYERS (tests/layers.rs) and docs/development.md"
            ));
            continue;
        };
        for (to, file) in edges {
            let Some(&to_layer) = layer.get(to.as_str()) else {
                continue; // not a module of ours (an extern crate name)
            };
            if to_layer > from_layer {
                found.push(format!(
                    "{file}: `{from}` (layer {}) imports `{to}` (layer {}), a higher layer",
                    LAYERS[from_layer].0, LAYERS[to_layer].0
                ));
            }
            if APART.contains(&(from.as_str(), to.as_str())) {
                found.push(format!(
                    "{file}: `{from}` imports `{to}`: they stay side by side"
                ));
            }
        }
    }
    found.extend(cycles(graph));
    found
}

/// A line per import cycle between top-level modules (depth-first search).
fn cycles(graph: &Graph) -> Vec<String> {
    fn visit<'a>(
        node: &'a str,
        graph: &'a Graph,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        found: &mut Vec<String>,
    ) {
        if let Some(i) = path.iter().position(|n| *n == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node);
            found.push(format!("import cycle: {}", cycle.join(" → ")));
            return;
        }
        if !done.insert(node) {
            return;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            if graph.contains_key(next.as_str()) {
                visit(next, graph, path, done, found);
            }
        }
        path.pop();
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

fn rust_files(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            out.push((path.strip_prefix(root).unwrap().to_path_buf(), source));
        }
    }
}

#[test]
fn src_imports_follow_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &root, &mut files);
    assert!(files.len() > 50, "src/ was not read");
    let graph = graph_of(&files);
    let problems = violations(&graph);
    assert!(
        problems.is_empty(),
        "imports against the layers:\n{}",
        problems.join("\n")
    );
    // Every module the tree has is placed (and every placed one exists).
    let placed: BTreeSet<&str> = LAYERS.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let present: BTreeSet<&str> = graph.keys().map(String::as_str).collect();
    assert_eq!(placed, present, "LAYERS and src/ disagree");
}

/// The checker itself catches each kind of problem.
#[test]
fn the_checker_catches_upward_imports_side_imports_and_cycles() {
    let file = |path: &str, source: &str| (PathBuf::from(path), source.to_string());
    let graph = graph_of(&[
        file("policy.rs", "use crate::report::model::Report;\n"),
        file(
            "verify/run.rs",
            "use crate::{collect::Collector, snapshot};",
        ),
        file(
            "collect/mod.rs",
            "// crate::verify in a comment is no import\n",
        ),
        file("finding.rs", "fn f() { crate::verdict::Status::Pass; }"),
        file("verdict.rs", "use crate::finding::Finding;"),
        file("brand_new.rs", ""),
    ]);
    let problems = violations(&graph).join("\n");
    assert!(problems.contains("`policy` (layer 5"), "{problems}");
    assert!(
        problems.contains("`verify` imports `collect`: they stay side by side"),
        "{problems}"
    );
    assert!(
        !problems.contains("`collect` imports `verify`"),
        "{problems}"
    );
    assert!(
        problems.contains("import cycle: finding → verdict → finding"),
        "{problems}"
    );
    assert!(
        problems.contains("module `brand_new` has no layer"),
        "{problems}"
    );
}
