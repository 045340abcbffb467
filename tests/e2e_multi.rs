//! End-to-end, several accounts: `--accounts` through a role, `--org`, and
//! an account whose role cannot be assumed.
//!
//! moto maps assumed-role credentials to the role's account, so each
//! member's calls see that member's resources. moto's ListTrails returns
//! only multi-region trails plus the trails of the region it is called in
//! (real AWS returns all of the account's trails, and organization trails
//! to members); trailwarden keeps the real-AWS call plan (ListTrails once
//! per account in the global region), and the seeded trails live in
//! us-east-1 so both agree.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn listed_accounts_are_audited_through_the_role() {
    let moto = Moto::start();
    let seeded = moto.seed("accounts");
    let members: Vec<&str> = seeded["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let list = format!("{},{},{ACCOUNT}", members[0], members[1]);
    let (code, report) = audit(
        &moto.endpoint,
        &[
            "--accounts",
            &list,
            "--role-name",
            "OrganizationAccountAccessRole",
        ],
        FAKE,
    );
    assert_eq!(code, 1);
    // member 0: a good trail; member 1: a weak one; the caller: none.
    let check = "cloudtrail-log-file-validation";
    assert_eq!(statuses(&report, check, Some(members[0])), vec!["pass"]);
    assert_eq!(statuses(&report, check, Some(members[1])), vec!["fail"]);
    assert_eq!(statuses(&report, check, Some(ACCOUNT)), vec!["fail"]);
    let f = &findings(&report, check, Some(members[0]))[0];
    assert_eq!(f["resource"], seeded["trails"][members[0]]);
    assert_eq!(
        statuses(&report, "cloudtrail-organization-trail", None),
        vec!["not_applicable"]
    );
    assert_eq!(
        report["collection_errors"].as_array().map(Vec::len),
        Some(0)
    );

    let snap = collect(
        &moto.endpoint,
        &[
            "--accounts",
            &list,
            "--role-name",
            "OrganizationAccountAccessRole",
        ],
        FAKE,
    );
    assert_eq!(snap["scope"]["mode"], "accounts");
    for member in &members {
        let arn = seeded["trails"][member].as_str().expect("trail arn");
        let trail = &snap["trails"][arn];
        assert_eq!(trail["account_id"], *member);
        assert_eq!(trail["seen_by"], serde_json::json!([member]));
    }
    // Each bucket is read with its owner's credentials.
    for bucket in snap["buckets"].as_object().expect("buckets").values() {
        let owner = bucket["owner_account_id"]["value"].as_str().expect("owner");
        assert!(members.contains(&owner), "{bucket}");
    }
    assert_eq!(snap["stats"]["calls_by_operation"]["sts:AssumeRole"], 2);
}

/// Issue 14, item 10: every AssumeRole carries the read-only session
/// policy (the audit role is often AdministratorAccess), which allows every
/// call the audit made; `--no-session-policy` sends none.
#[test]
fn every_assumed_role_is_limited_by_the_read_only_session_policy() {
    let moto = Moto::start();
    let seeded = moto.seed("org");
    let snap = collect(&moto.endpoint, &["--org"], FAKE);
    let calls = moto.assume_role_calls();
    let audited: Vec<&Value> = calls
        .iter()
        .filter(|c| {
            c["RoleArn"]
                .as_str()
                .unwrap_or("")
                .ends_with("/OrganizationAccountAccessRole")
        })
        .collect();
    // The seed assumed roles too, without a policy; the audit assumed one
    // per member, each with the policy.
    let with_policy: Vec<&&Value> = audited.iter().filter(|c| c["Policy"].is_string()).collect();
    assert_eq!(
        with_policy.len(),
        seeded["members"].as_array().unwrap().len()
    );
    let policy: Value = serde_json::from_str(with_policy[0]["Policy"].as_str().unwrap()).unwrap();
    let allowed: Vec<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for key in snap["stats"]["calls_by_operation"]
        .as_object()
        .unwrap()
        .keys()
    {
        let op = trailwarden::aws::ops::by_key(key).expect("a listed operation");
        if op.iam_action != "sts:AssumeRole" {
            assert!(allowed.contains(&op.iam_action), "{key} is not allowed");
        }
    }
    assert!(!allowed
        .iter()
        .any(|a| a.contains("Put") || a.contains("Delete")));

    let before = moto.assume_role_calls().len();
    collect(&moto.endpoint, &["--org", "--no-session-policy"], FAKE);
    let calls = moto.assume_role_calls();
    assert!(calls.len() > before);
    assert!(
        calls[before..].iter().all(|c| c["Policy"].is_null()),
        "{calls:?}"
    );
}

#[test]
fn organization_trail_covers_every_member() {
    let moto = Moto::start();
    let seeded = moto.seed("org");
    let (_, report) = audit(&moto.endpoint, &["--org"], FAKE);
    let members: Vec<&str> = seeded["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    for account in members.iter().copied().chain([ACCOUNT]) {
        for check in ["cloudtrail-log-file-validation", "cloudtrail-multi-region"] {
            assert_eq!(
                statuses(&report, check, Some(account)),
                vec!["pass"],
                "{check} {account}"
            );
        }
        let f = &findings(&report, "cloudtrail-log-file-validation", Some(account))[0];
        assert_eq!(f["resource"], seeded["trail_arn"]);
    }
    let org = findings(&report, "cloudtrail-organization-trail", None);
    assert_eq!(org.len(), 1);
    assert_eq!(org[0]["account_id"], ACCOUNT);
    assert_eq!(org[0]["status"], "pass");

    let snap = collect(&moto.endpoint, &["--org"], FAKE);
    let organization = &snap["organization"];
    assert_eq!(organization["management_account_id"], ACCOUNT);
    assert_eq!(organization["accounts"].as_array().map(Vec::len), Some(3));
    assert_eq!(snap["scope"]["accounts"].as_array().map(Vec::len), Some(3));
    // The trail is read once, however many accounts see it.
    assert_eq!(
        snap["stats"]["calls_by_operation"]["cloudtrail:DescribeTrails"],
        1
    );
    assert_eq!(
        snap["stats"]["calls_by_operation"]["cloudtrail:ListTrails"],
        3
    );
    let trail = &snap["trails"][seeded["trail_arn"].as_str().expect("arn")];
    assert_eq!(trail["config"]["value"]["is_organization_trail"], true);
    // Read by its owner: no one else is asked for, or credited with, it.
    assert!(trail.get("read_by").is_none(), "{trail}");
    assert!(snap.get("cloudtrail_delegated_administrators").is_none());
    assert!(snap["stats"]["calls_by_operation"]
        .get("organizations:ListDelegatedAdministrators")
        .is_none());
}

/// `--org` run as AWS recommends for security tools: from a member that is
/// a delegated administrator of Organizations, through a role deployed to
/// the members only. The management account's role cannot be assumed (it
/// has none), so the organization trail is seen through the members and
/// its selectors are read by the CloudTrail delegated administrator:
/// `cloudtrail_admin` names who that is (the tooling account, another
/// member, or nobody).
struct DelegatedRun {
    seeded: Value,
    snapshot: Value,
    report: Value,
}

fn delegated_run(scenario: &str) -> DelegatedRun {
    let moto = Moto::start();
    let seeded = moto.seed(scenario);
    let creds = Some((
        seeded["access_key_id"].as_str().expect("key"),
        seeded["secret_access_key"].as_str().expect("secret"),
    ));
    let role = seeded["role"].as_str().expect("role");
    let args = ["--org", "--role-name", role];
    let snapshot = collect(&moto.endpoint, &args, creds);
    let (_, report) = audit(&moto.endpoint, &args, creds);
    DelegatedRun {
        seeded,
        snapshot,
        report,
    }
}

impl DelegatedRun {
    fn members(&self) -> Vec<&str> {
        self.seeded["members"]
            .as_array()
            .expect("members")
            .iter()
            .filter_map(|m| m.as_str())
            .collect()
    }

    fn trail(&self) -> &Value {
        &self.snapshot["trails"][self.seeded["trail_arn"].as_str().expect("trail ARN")]
    }

    /// The management account is listed, not audited, and its
    /// audit-coverage finding says what that leaves unseen.
    fn assert_management_unseen(&self, selectors_read: bool) {
        let organization = &self.snapshot["organization"];
        assert_eq!(organization["management_account_id"], ACCOUNT);
        assert_eq!(organization["accounts"].as_array().map(Vec::len), Some(4));
        let management = self.snapshot["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .find(|a| a["account_id"] == ACCOUNT)
            .expect("the management account is in the snapshot");
        assert_eq!(management["regions"]["error"]["operation"], "AssumeRole");
        assert_eq!(management["regions"]["error"]["code"], "AccessDenied");
        let coverage = &findings(&self.report, "audit-coverage", Some(ACCOUNT))[0];
        assert_eq!(coverage["status"], "error");
        assert!(
            coverage["message"]
                .as_str()
                .unwrap_or("")
                .contains("unseen"),
            "{coverage}"
        );
        let trail = &coverage["evidence"]["organization_trails"][0];
        assert_eq!(trail["arn"], self.seeded["trail_arn"]);
        assert_eq!(trail["selectors_read"], selectors_read, "{coverage}");
        // The members are audited as usual.
        for member in self.members() {
            assert_eq!(
                statuses(&self.report, "audit-coverage", Some(member)),
                vec!["pass"],
                "{member}"
            );
        }
    }
}

#[test]
fn org_from_a_delegated_administrator_reads_selectors_as_cloudtrail_delegate() {
    let run = delegated_run("org-delegated");
    let tooling = run.seeded["tooling"].as_str().expect("tooling");
    assert_eq!(
        run.snapshot["cloudtrail_delegated_administrators"]["value"],
        serde_json::json!([tooling])
    );
    let trail = run.trail();
    assert_eq!(trail["read_by"], tooling, "{trail}");
    assert!(trail["event_selectors"]["value"].is_object(), "{trail}");
    assert_eq!(trail["status"]["value"]["is_logging"], true);
    run.assert_management_unseen(true);
    for member in run.members() {
        let multi = &findings(&run.report, "cloudtrail-multi-region", Some(member))[0];
        assert_eq!(multi["status"], "pass", "{multi}");
        let shared = multi["evidence"]["trails"][0]["shared_evidence"]
            .as_str()
            .expect("shared evidence");
        let evidence = &run.report["shared_evidence"][shared];
        assert_eq!(
            evidence["trail"]["read_by_account_id"], tooling,
            "{evidence}"
        );
    }
    // The management account's key is not the delegate's to describe: AWS
    // refuses (an error), it does not say the key is missing (a fail).
    let key = run.trail()["config"]["value"]["kms_key_id"]
        .as_str()
        .expect("key");
    assert_eq!(
        run.snapshot["kms_keys"][key]["metadata"]["error"]["code"],
        "AccessDeniedException"
    );
    assert_eq!(
        run.snapshot["stats"]["calls_by_operation"]["organizations:ListDelegatedAdministrators"],
        1
    );
}

#[test]
fn org_from_a_delegated_administrator_reads_selectors_through_the_member_delegate() {
    let run = delegated_run("org-delegated-member");
    let admin = run.seeded["cloudtrail_admin"].as_str().expect("admin");
    assert_ne!(admin, run.seeded["tooling"]);
    let trail = run.trail();
    assert_eq!(trail["read_by"], admin, "{trail}");
    assert!(trail["event_selectors"]["value"].is_object(), "{trail}");
    run.assert_management_unseen(true);
    for member in run.members() {
        assert_eq!(
            statuses(&run.report, "cloudtrail-multi-region", Some(member)),
            vec!["pass"]
        );
    }
}

#[test]
fn org_from_a_delegated_administrator_without_a_cloudtrail_delegate() {
    let run = delegated_run("org-delegated-none");
    assert_eq!(
        run.snapshot["cloudtrail_delegated_administrators"]["value"],
        serde_json::json!([])
    );
    let trail = run.trail();
    let why = trail["event_selectors"]["error"]["message"]
        .as_str()
        .unwrap_or("");
    assert!(
        why.contains("the organization has no CloudTrail delegated administrator"),
        "{trail}"
    );
    run.assert_management_unseen(false);
    for member in run.members() {
        // Needs the selectors: one clear error. Needs only the member's view: judged.
        assert_eq!(
            statuses(&run.report, "cloudtrail-multi-region", Some(member)),
            vec!["error"]
        );
        assert_eq!(
            statuses(&run.report, "cloudtrail-log-file-validation", Some(member)),
            vec!["pass"]
        );
    }
}

/// With IAM enforced, the caller may not assume the second member's role:
/// that account's facts are all errors (never dropped), its findings
/// `error`, and the other accounts are audited as usual.
#[test]
fn an_account_whose_role_cannot_be_assumed_is_reported_not_dropped() {
    let moto = Moto::start();
    let seeded = moto.seed("denied-role");
    let members: Vec<&str> = seeded["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let creds = Some((
        seeded["access_key_id"].as_str().expect("key"),
        seeded["secret_access_key"].as_str().expect("secret"),
    ));
    let list = members.join(",");
    let args = [
        "--accounts",
        list.as_str(),
        "--role-name",
        "OrganizationAccountAccessRole",
    ];
    let (_, report) = audit(&moto.endpoint, &args, creds);
    let check = "cloudtrail-log-file-validation";
    assert_eq!(statuses(&report, check, Some(members[0])), vec!["pass"]);
    assert_eq!(statuses(&report, check, Some(members[1])), vec!["error"]);
    let errors = report["collection_errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["account_id"] == members[1]
            && e["operation"] == "AssumeRole"
            && e["code"] == "AccessDenied"),
        "{errors:?}"
    );

    let snap = collect(&moto.endpoint, &args, creds);
    let denied = snap["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["account_id"] == members[1])
        .expect("the denied account is still in the snapshot");
    assert_eq!(denied["regions"]["error"]["code"], "AccessDenied");
    assert_eq!(denied["trail_arns"]["error"]["code"], "AccessDenied");
    assert_eq!(
        denied["config"]["us-east-1"]["error"]["operation"],
        "AssumeRole"
    );
}

/// A trail writing to a bucket in another account: read with the owner's
/// credentials when the owner is audited too, else `OutOfScope` (but its
/// existence is still checked).
#[test]
fn cross_account_bucket_is_read_by_its_owner_or_reported_out_of_scope() {
    let moto = Moto::start();
    let seeded = moto.seed("cross-bucket");
    let member = seeded["members"][0].as_str().expect("member");
    let bucket = seeded["bucket"].as_str().expect("bucket");
    let role = ["--role-name", "OrganizationAccountAccessRole"];

    let alone = [&["--accounts", member][..], &role[..]].concat();
    let snap = collect(&moto.endpoint, &alone, FAKE);
    let facts = &snap["buckets"][bucket];
    assert_eq!(facts["owner_account_id"]["error"]["code"], "OutOfScope");
    assert_eq!(facts["versioning"]["error"]["code"], "OutOfScope");
    assert_eq!(facts["exists"]["value"], true);
    let (_, report) = audit(&moto.endpoint, &alone, FAKE);
    assert_eq!(
        statuses(&report, "trail-bucket-versioning", None),
        vec!["error"]
    );

    let list = format!("{member},{ACCOUNT}");
    let both = [&["--accounts", list.as_str()][..], &role[..]].concat();
    let snap = collect(&moto.endpoint, &both, FAKE);
    let facts = &snap["buckets"][bucket];
    assert_eq!(facts["owner_account_id"]["value"], ACCOUNT);
    assert_eq!(facts["versioning"]["value"]["status"], "Enabled");
}

/// An organization trail seen from a member alone (its owner, the
/// management account, not in scope), as AWS shows it: the member lists it
/// and reads its settings and status, but not its selectors. The checks
/// that need only what the member sees judge; those that need the selectors
/// are one `error` naming the access that would read them.
#[test]
fn an_organization_trail_seen_from_a_member_alone() {
    let moto = Moto::start();
    let seeded = moto.seed("org");
    let member = seeded["members"][0].as_str().expect("member");
    let trail_arn = seeded["trail_arn"].as_str().expect("trail ARN");
    let alone = [
        "--accounts",
        member,
        "--role-name",
        "OrganizationAccountAccessRole",
    ];
    let snap = collect(&moto.endpoint, &alone, FAKE);
    let trail = &snap["trails"][trail_arn];
    assert_eq!(trail["seen_by"], serde_json::json!([member]), "{trail}");
    assert_eq!(trail["config"]["value"]["is_organization_trail"], true);
    assert_eq!(trail["status"]["value"]["is_logging"], true);
    let why = trail["event_selectors"]["error"]["message"]
        .as_str()
        .unwrap_or("");
    assert!(
        why.contains("can be read only by its owner") && why.contains(ACCOUNT),
        "{trail}"
    );
    let (_, report) = audit(&moto.endpoint, &alone, FAKE);
    assert_eq!(
        statuses(&report, "cloudtrail-log-file-validation", None),
        vec!["pass"]
    );
    let multi = findings(&report, "cloudtrail-multi-region", Some(member));
    assert_eq!(multi[0]["status"], "error", "{}", multi[0]);
    assert!(
        multi[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("can be read only by its owner"),
        "{}",
        multi[0]
    );
}
