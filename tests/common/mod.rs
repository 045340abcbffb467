//! Harness for the end-to-end tests: a real moto server on a free loopback
//! port (killed on drop), seeded through the AWS API by
//! `tests/seed/seed.py` (boto3 from moto's venv), and the real binary.
#![allow(dead_code)] // each test binary uses a different part of the harness

#[path = "../report_json/mod.rs"]
mod report_json;
#[allow(unused_imports)] // not every test binary reads evidence
pub use report_json::evidence;

use serde_json::Value;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const ACCOUNT: &str = "123456789012";
pub const REGIONS: &str = "us-east-1,eu-west-1";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `moto_server`: `$TRAILWARDEN_MOTO_SERVER`, else the repository's venv.
fn moto_server() -> PathBuf {
    let path = std::env::var_os("TRAILWARDEN_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv/bin/moto_server"));
    assert!(
        path.is_file(),
        "moto_server not found at {}: run `bash scripts/test.sh` once (it creates .venv with \
         moto[server]==5.2.5), or set TRAILWARDEN_MOTO_SERVER",
        path.display()
    );
    path
}

/// The Python next to `moto_server` (it has boto3, which moto depends on).
fn python() -> PathBuf {
    let server = moto_server();
    let dir = server.parent().unwrap_or(Path::new("."));
    ["python3", "python"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no python next to {}", server.display()))
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not listen on port {port} within 30 s");
}

/// A moto server of its own for one test.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
}

impl Moto {
    /// moto through tests/seed/moto_server.py, which adds the RPC v2 CBOR
    /// protocol the Rust CloudWatch client speaks and moto 5.2.5 lacks.
    pub fn start() -> Moto {
        Moto::start_with_env(&[])
    }

    /// As [`Moto::start`], with settings of the test server's AWS models
    /// (`TRAILWARDEN_MOTO_*`, documented in tests/seed/moto_server.py).
    pub fn start_with_env(env: &[(&str, &str)]) -> Moto {
        let server = moto_server();
        // The server binds port 0 and prints the port it got: no race with
        // another test for a port picked free beforehand.
        let mut child = Command::new(python())
            .arg(repo().join("tests/seed/moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", "0", "--print-port"])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        let port: u16 = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("moto_server.py printed no port (got {line:?})")
        });
        wait_for_port(port, &mut child, "moto_server");
        Moto {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Runs a seed scenario (see tests/seed/seed.py) and returns its JSON.
    pub fn seed(&self, scenario: &str) -> Value {
        self.seed_with(scenario, &[])
    }

    pub fn seed_with(&self, scenario: &str, extra: &[&str]) -> Value {
        let out = Command::new(python())
            .arg(repo().join("tests/seed/seed.py"))
            .args([scenario, "--endpoint", &self.endpoint])
            .args(extra)
            .env_remove("AWS_PROFILE")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("run seed.py");
        assert!(
            out.status.success(),
            "seeding {scenario} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("seed.py prints JSON")
    }
}

impl Moto {
    /// POSTs a JSON body to a test-only control of the test server
    /// (documented in tests/seed/moto_server.py).
    pub fn control(&self, path: &str, body: &str) -> Value {
        use std::io::{Read, Write};
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("read timeout");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        // Read the head, then exactly Content-Length bytes: a server that
        // keeps the connection open must not hang the test.
        let mut answer: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(at) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = stream.read(&mut chunk).expect("read the answer");
            assert!(n > 0, "{path}: connection closed before the answer's head");
            answer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&answer[..head_end]).to_string();
        assert!(
            head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
            "{path}: {head}"
        );
        let length = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        while answer.len() < head_end + length {
            let n = stream.read(&mut chunk).expect("read the answer's body");
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..n]);
        }
        serde_json::from_slice(&answer[head_end..]).unwrap_or(Value::Null)
    }

    /// Every AssumeRole the test server answered: `{"RoleArn", "Policy"}`.
    pub fn assume_role_calls(&self) -> Vec<Value> {
        self.control("/moto-api/trailwarden/assume-role-calls", "{}")["Calls"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Sets an account's opt-in status of a region in the test server's
    /// model of AWS Account Management.
    pub fn set_region_opt_status(&self, account: &str, region: &str, status: &str) {
        self.control(
            "/moto-api/trailwarden/region-opt-status",
            &format!(
                r#"{{"AccountId":"{account}","RegionName":"{region}","RegionOptStatus":"{status}"}}"#
            ),
        );
    }

    /// Makes GetTrailStatus for `trail_arn`, asked in `region`, answer with
    /// `status` (a JSON object of GetTrailStatus fields) over moto's.
    pub fn set_trail_status(&self, trail_arn: &str, region: &str, status: &str) {
        self.control(
            "/moto-api/trailwarden/trail-status",
            &format!(r#"{{"TrailARN":"{trail_arn}","Region":"{region}","Status":{status}}}"#),
        );
    }

    /// Runs another script of tests/seed/ (with moto's Python) against this
    /// server and returns its JSON.
    pub fn script(&self, script: &str, args: &[&str]) -> Value {
        let out = Command::new(python())
            .arg(repo().join("tests/seed").join(script))
            .args(["--endpoint", &self.endpoint])
            .args(args)
            .env_remove("AWS_PROFILE")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("run a seed script");
        assert!(
            out.status.success(),
            "{script} {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("the script prints JSON")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fault-injecting proxy (tests/seed/fault_proxy.py) in front of moto.
pub struct FaultProxy {
    child: Child,
    pub endpoint: String,
}

impl FaultProxy {
    pub fn start(upstream: &Moto, args: &[&str]) -> FaultProxy {
        let mut child = Command::new(python())
            .arg(repo().join("tests/seed/fault_proxy.py"))
            .args(["--upstream", &upstream.endpoint])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start fault_proxy.py");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("proxy prints its port");
        let port: u16 = line.trim().parse().expect("a port number");
        wait_for_port(port, &mut child, "fault_proxy.py");
        FaultProxy {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the real binary with a clean AWS environment: fake credentials
/// (unless `creds` is `None`), no profile files, no instance metadata.
pub fn trailwarden(args: &[&str], creds: Option<(&str, &str)>) -> Output {
    trailwarden_with_env(args, creds, &[])
}

/// [`trailwarden`] with extra environment variables set after the
/// isolation (an `AWS_CONFIG_FILE` of the test's own, `AWS_ENDPOINT_URL`…),
/// so a test can exercise the SDK's own configuration sources.
pub fn trailwarden_with_env(
    args: &[&str],
    creds: Option<(&str, &str)>,
    env: &[(&str, &OsStr)],
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailwarden"));
    cmd.args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("AWS_CONFIG_FILE", "/nonexistent/trailwarden-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/trailwarden-test/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    if let Some((key, secret)) = creds {
        cmd.env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret);
    }
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("run trailwarden")
}

pub const FAKE: Option<(&str, &str)> = Some(("testing", "testing"));

/// `audit --format json` against `endpoint`: (exit code, report).
pub fn audit(endpoint: &str, extra: &[&str], creds: Option<(&str, &str)>) -> (i32, Value) {
    let mut args = vec![
        "audit",
        "--endpoint-url",
        endpoint,
        "--regions",
        REGIONS,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = trailwarden(&args, creds);
    let code = out.status.code().unwrap_or(-1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "audit printed no JSON report ({e}); exit {code}; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, report)
}

/// `collect` against `endpoint` into a temporary file: the snapshot.
pub fn collect(endpoint: &str, extra: &[&str], creds: Option<(&str, &str)>) -> Value {
    let mut args = vec!["--regions", REGIONS];
    args.extend_from_slice(extra);
    collect_with(endpoint, &args, creds)
}

/// `collect` without `--regions` (every region enabled for the account,
/// from ListRegions) into a temporary file: the snapshot.
pub fn collect_every_region(endpoint: &str) -> Value {
    collect_with(endpoint, &[], FAKE)
}

fn collect_with(endpoint: &str, extra: &[&str], creds: Option<(&str, &str)>) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snapshot.json");
    let mut args = vec![
        "collect",
        "--endpoint-url",
        endpoint,
        "-o",
        path.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let out = trailwarden(&args, creds);
    assert_eq!(
        out.status.code(),
        Some(0),
        "collect failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(&path).expect("snapshot written")).expect("JSON")
}

/// (check_id, account_id, resource, status) of every finding, sorted.
pub fn verdicts(report: &Value) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap_or_default().to_string(),
                f["account_id"].as_str().unwrap_or_default().to_string(),
                f["resource"].as_str().unwrap_or_default().to_string(),
                f["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The findings of one check (optionally for one account).
pub fn findings<'a>(report: &'a Value, check: &str, account: Option<&str>) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["check_id"] == check)
        .filter(|f| account.is_none_or(|a| f["account_id"] == a))
        .collect()
}

/// The statuses of one check's findings (optionally for one account).
pub fn statuses(report: &Value, check: &str, account: Option<&str>) -> Vec<String> {
    findings(report, check, account)
        .iter()
        .map(|f| f["status"].as_str().unwrap_or_default().to_string())
        .collect()
}
