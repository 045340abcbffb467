//! A small driver for headless Chromium: the post-script DOM of a local page
//! (`--dump-dom`) and screenshots. No CDP client is needed: the report's
//! script writes what it computed into attributes, which the dump shows.
#![allow(dead_code)] // not every test uses every helper

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How to install the browser; repeated in every failure message.
const INSTALL: &str = "install it with `apt-get update && apt-get install -y chromium` \
     (scripts/test.sh does this when run as root), or point TRAILWARDEN_CHROMIUM at a Chromium binary";

/// `$TRAILWARDEN_CHROMIUM`, else Debian's `/usr/bin/chromium`. A missing
/// browser fails the test: the HTML report must not go untested silently.
pub fn chromium() -> PathBuf {
    let path = std::env::var_os("TRAILWARDEN_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.is_file(),
        "headless Chromium not found at {}: {INSTALL}",
        path.display()
    );
    path
}

pub fn file_url(path: &Path, fragment: &str) -> String {
    let abs = std::fs::canonicalize(path).expect("page exists");
    format!("file://{}{fragment}", abs.display())
}

/// Runs Chromium headless, isolated (its own profile, no network services,
/// no first-run), and returns stdout. Killed after 90 s.
fn run(extra: &[String]) -> String {
    let profile = tempfile::tempdir().expect("temporary profile directory");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start Chromium: {e}; {INSTALL}"));
    // Read stdout on a thread so a large DOM cannot fill the pipe and stall.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).map(|_| out)
    });
    let mut stderr = child.stderr.take().expect("piped stderr");
    let err_reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut out);
        out
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for Chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium did not finish within 90 s: {extra:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = reader
        .join()
        .expect("stdout reader")
        .expect("Chromium's stdout");
    let err = err_reader.join().expect("stderr reader");
    assert!(status.success(), "Chromium failed ({status}): {err}");
    out
}

/// The DOM after the page's scripts ran.
pub fn dump_dom(url: &str) -> String {
    // The page inflates its evidence asynchronously: virtual time lets
    // those tasks finish before the DOM is dumped.
    let dom = run(&[
        "--virtual-time-budget=10000".to_string(),
        "--dump-dom".to_string(),
        url.to_string(),
    ]);
    assert!(dom.contains("</html>"), "no DOM from Chromium for {url}");
    dom
}

/// A PNG of the page at `width`×`height`.
pub fn screenshot(url: &str, png: &Path, width: u32, height: u32) {
    let _ = std::fs::remove_file(png);
    run(&[
        format!("--screenshot={}", png.display()),
        format!("--window-size={width},{height}"),
        url.to_string(),
    ]);
    let bytes =
        std::fs::read(png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 20_000,
        "suspiciously small screenshot: {} bytes",
        bytes.len()
    );
}

/// The start tag of the element with `id` (attributes serialized by
/// Chromium: double-quoted, `"` and `&` escaped).
pub fn start_tag<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!(" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element #{id} in the DOM"));
    let open = dom[..at].rfind('<').expect("tag start");
    let close = at + dom[at..].find('>').expect("tag end");
    &dom[open..=close]
}

/// The value of attribute `name` in a start tag.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let end = at + tag[at..].find('"')?;
    Some(tag[at..end].to_string())
}

/// A numeric attribute that must be there.
pub fn num(tag: &str, name: &str) -> usize {
    attr(tag, name)
        .unwrap_or_else(|| panic!("no {name} on {tag}"))
        .parse()
        .unwrap_or_else(|e| panic!("{name} on {tag}: {e}"))
}

/// Every element's `data-count="KEY"` and its text, as the page shows it.
pub fn shown_counts(dom: &str) -> std::collections::BTreeMap<String, usize> {
    dom.split("data-count=\"")
        .skip(1)
        .map(|rest| {
            let key = &rest[..rest.find('"').expect("attribute end")];
            let after = &rest[rest.find('>').expect("tag end") + 1..];
            let text = after[..after.find('<').expect("text end")].trim();
            let n = text
                .parse()
                .unwrap_or_else(|e| panic!("count {key} shows {text:?}: {e}"));
            (key.to_string(), n)
        })
        .collect()
}
