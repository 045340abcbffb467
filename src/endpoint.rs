//! Where AWS calls go when not to AWS's own endpoints: the checks on an
//! endpoint URL and the warning when one was not given on the command line.
//! Set by `--endpoint-url`, the environment (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_<SERVICE>`) or the shared config profile
//! (`endpoint_url`, or a `services` section); the facts then come from
//! there, so each is recorded in the snapshot and every report.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// Checks an endpoint URL: `https://`, or `http://` to this machine (an
/// emulator), or `http://` elsewhere with `--allow-insecure-endpoint`.
/// `source` names where it was set, for the message.
pub fn validate(source: &str, url: &str, allow_insecure: bool) -> Result<(), String> {
    let shown = crate::inert::terminal_field(url);
    if url.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(format!(
            "{source} '{shown}' must start with http:// or https://"
        ));
    };
    if allow_insecure || is_loopback_authority(rest) {
        return Ok(());
    }
    Err(format!(
        "{source} '{shown}' is plain http:// to another machine: the facts could be forged on the way; use https://, or pass --allow-insecure-endpoint"
    ))
}

/// Warns on stderr, once per source and URL in the process, that calls go
/// to an endpoint the command line did not name.
pub fn warn(source: &str, url: &str) {
    static WARNED: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());
    let first = WARNED
        .lock()
        .map(|mut warned| warned.insert((source.to_string(), url.to_string())))
        .unwrap_or(true);
    if first && !crate::log::quiet() {
        eprintln!(
            "trailwarden: warning: {source} sends AWS calls to {}: the facts come from there, not from AWS's own endpoints (recorded in the report)",
            crate::inert::terminal_field(url)
        );
    }
}

/// Whether the host of `authority[/path]` (after `http://`) is this
/// machine: `localhost`, `127.0.0.0/8` or `[::1]`.
fn is_loopback_authority(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// The key a service's endpoint is recorded under, and the suffix of its
/// `AWS_ENDPOINT_URL_<SERVICE>` variable in lower case: the SDK service id
/// in snake case (`CloudWatch Logs` → `cloudwatch_logs`).
pub fn service_key(service_id: &str) -> String {
    service_id.to_ascii_lowercase().replace([' ', '-'], "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, item 11: plain http:// only to this machine, unless allowed.
    #[test]
    fn plain_http_endpoints_are_refused_off_this_machine() {
        for local in [
            "http://127.0.0.1:5000",
            "http://localhost:4566/",
            "http://[::1]:5000",
            "http://127.8.9.10",
            "http://user@127.0.0.1:1/path",
        ] {
            assert!(validate("--endpoint-url", local, false).is_ok(), "{local}");
        }
        for remote in [
            "http://moto.internal:5000",
            "http://10.0.0.5",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example:80",
            "http://evil.example/127.0.0.1",
            "http://127.0.0.1@evil.example",
        ] {
            let e = validate("--endpoint-url", remote, false).unwrap_err();
            assert!(e.contains("--allow-insecure-endpoint"), "{remote}: {e}");
            assert!(validate("--endpoint-url", remote, true).is_ok());
        }
        assert!(validate("--endpoint-url", "https://vpce.example", false).is_ok());
        assert!(validate("--endpoint-url", "ftp://x", true).is_err());
    }
}
