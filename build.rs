//! Embeds every `checks/<id>.toml` metadata file, the framework control
//! tables and the monitoring corpora into the binary, so the catalog ships
//! with it and `checks show` works offline.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    embed_tomls(&dir, "METADATA_FILES", "check_metadata.rs");
    embed_tomls(
        &dir.join("frameworks"),
        "FRAMEWORK_FILES",
        "framework_controls.rs",
    );
    embed_corpora(&dir.join("corpora"));
}

/// Embeds every `*.toml` of `dir` (the check metadata, `checks/<id>.toml`;
/// the framework control tables, `checks/frameworks/<key>.toml`) as the
/// static `name`: (file stem, file contents), sorted, in `OUT_DIR/target`.
fn embed_tomls(dir: &Path, name: &str, target: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut out = format!(
        "/// (file stem, file contents) of every {}/*.toml.\npub static {name}: &[(&str, &str)] = &[\n",
        dir.display()
    );
    for path in sorted_dir(dir) {
        if path.extension().is_some_and(|x| x == "toml") {
            println!("cargo:rerun-if-changed={}", path.display());
            let stem = path.file_stem().unwrap().to_string_lossy();
            writeln!(
                out,
                "    ({stem:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").unwrap()).join(target);
    std::fs::write(target, out).unwrap();
}

/// Embeds the monitoring checks' event corpora,
/// `checks/corpora/<check-id>/{positive,negative}/*.json`, as
/// `(check id, "positive" | "negative", file name, contents)`, sorted.
fn embed_corpora(root: &Path) {
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    for check in sorted_dir(root) {
        for kind in ["positive", "negative"] {
            for file in sorted_dir(&check.join(kind)) {
                if file.extension().is_some_and(|x| x == "json") {
                    println!("cargo:rerun-if-changed={}", file.display());
                    files.push((check.clone(), kind, file));
                }
            }
        }
    }
    let mut out = String::from(
        "/// (check id, \"positive\" | \"negative\", file name, contents) of every\n/// checks/corpora/<check-id>/<kind>/*.json.\npub static MONITOR_CORPORA: &[(&str, &str, &str, &str)] = &[\n",
    );
    for (check, kind, file) in &files {
        let id = check.file_name().unwrap().to_string_lossy();
        let name = file.file_name().unwrap().to_string_lossy();
        writeln!(
            out,
            "    ({id:?}, {kind:?}, {name:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").unwrap()).join("monitor_corpora.rs");
    std::fs::write(target, out).unwrap();
}

/// The entries of a directory, sorted; none when it does not exist.
fn sorted_dir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}
