//! Output paths that cannot collide: two outputs that are one file would
//! leave only the last one written, and an output that is an input (the
//! snapshot being evaluated, the baseline, the configuration) would destroy
//! what the run was judged from. Both are refused before any work.

use std::path::{Component, Path, PathBuf};

/// `path` made absolute and lexically normal (no `.` or `..`), with the
/// part that exists resolved through symbolic links: `a.json`,
/// `./a.json`, `dir/../a.json` and a link to it are one file.
pub fn normalize(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    let mut lexical = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    // Resolve the longest prefix that exists (the file itself, or its
    // directory when the file is yet to be written).
    let mut existing = lexical.as_path();
    let mut missing: Vec<&std::ffi::OsStr> = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return missing.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name);
                existing = parent;
            }
            _ => return lexical,
        }
    }
}

/// Whether two paths name one file: the same normal path, or (both
/// existing) the same inode, which catches hard links.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if normalize(a) == normalize(b) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    false
}

/// The first collision among `outputs` (two that are one file) or between
/// an output and one of `inputs`, as one line naming both flags; each path
/// is given with the flag that named it.
pub fn collision(outputs: &[(String, &Path)], inputs: &[(String, &Path)]) -> Option<String> {
    for (i, (flag, path)) in outputs.iter().enumerate() {
        for (other_flag, other) in &outputs[..i] {
            if same_file(path, other) {
                return Some(format!(
                    "{flag} {} and {other_flag} {} are the same file: one report would overwrite the other",
                    path.display(),
                    other.display()
                ));
            }
        }
        for (input_flag, input) in inputs {
            if same_file(path, input) {
                return Some(format!(
                    "{flag} {} would overwrite {input_flag} {}, which this run reads",
                    path.display(),
                    input.display()
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_under_many_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(&a, "{}").unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let via_parent = sub.join("..").join("a.json");
        let via_dot = dir.path().join(".").join("a.json");
        assert!(same_file(&a, &via_parent));
        assert!(same_file(&a, &via_dot));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(&a, &link).unwrap();
            assert!(same_file(&a, &link));
            let hard = dir.path().join("hard.json");
            std::fs::hard_link(&a, &hard).unwrap();
            assert!(same_file(&a, &hard));
        }
        // Not yet written: still compared by their normal form.
        let new = sub.join("new.html");
        assert!(same_file(&new, &dir.path().join("sub/./new.html")));
        assert!(!same_file(&new, &a));
    }

    #[test]
    fn collisions_name_both_flags() {
        let a = Path::new("out/report.json");
        let b = Path::new("./out/report.json");
        let snap = Path::new("snap.json");
        let outputs = [
            ("--output".to_string(), a),
            ("--report json".to_string(), b),
        ];
        let message = collision(&outputs, &[]).unwrap();
        assert!(
            message.contains("--report json") && message.contains("--output"),
            "{message}"
        );
        let outputs = [("--output".to_string(), Path::new("./snap.json"))];
        let message = collision(&outputs, &[("SNAPSHOT".to_string(), snap)]).unwrap();
        assert!(
            message.contains("would overwrite SNAPSHOT snap.json"),
            "{message}"
        );
        assert!(collision(
            &[("--output".to_string(), a)],
            &[("SNAPSHOT".to_string(), snap)]
        )
        .is_none());
    }
}
