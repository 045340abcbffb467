//! Replay tests: response bodies shaped like real AWS responses (from the
//! AWS API reference examples and the SDK models), one file per response
//! under `tests/fixtures/aws/`, each naming its source, served to the real
//! SDK clients through a static replay HTTP client. They pin what the
//! collector records from answers the emulator cannot give.

use super::Collector;
use crate::aws::clients::{Plumbing, Session};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use std::sync::{Arc, Mutex};

/// One recorded AWS response (`tests/fixtures/aws/<service>/<name>.json`).
#[derive(Debug, Clone, serde::Deserialize)]
struct Fixture {
    /// Where the response's shape comes from (API reference page, example).
    source: String,
    /// A text the request it answers holds (`METHOD URI X-Amz-Target`):
    /// the operation name or a query parameter.
    request: String,
    status: u16,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    body: String,
}

fn fixture(path: &str) -> Fixture {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/aws")
        .join(path);
    let text = std::fs::read_to_string(&full)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", full.display()));
    let fixture: Fixture =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {}: {e}", full.display()));
    assert!(!fixture.source.trim().is_empty(), "{path} names no source");
    fixture
}

/// Answers each request with the first unused fixture whose `request`
/// text it holds (concurrent calls may come in any order), and records the
/// requests (method, URI, `X-Amz-Target`).
#[derive(Debug, Clone, Default)]
struct Replay {
    answers: Arc<Mutex<Vec<Fixture>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    fn new(paths: &[&str]) -> Replay {
        Replay {
            answers: Arc::new(Mutex::new(paths.iter().map(|p| fixture(p)).collect())),
            requests: Arc::default(),
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl HttpConnector for Replay {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let target = request
            .headers()
            .get("x-amz-target")
            .map(|t| format!(" {t}"))
            .unwrap_or_default();
        let line = format!("{} {}{target}", request.method(), request.uri());
        self.requests.lock().unwrap().push(line.clone());
        let next = {
            let mut answers = self.answers.lock().unwrap();
            answers
                .iter()
                .position(|f| line.contains(&f.request))
                .map(|i| answers.remove(i))
        };
        HttpConnectorFuture::new(async move {
            let fixture = next.unwrap_or_else(|| panic!("no recorded answer for {line}"));
            let mut response = HttpResponse::new(
                fixture.status.try_into().unwrap(),
                SdkBody::from(fixture.body),
            );
            for (name, value) in fixture.headers {
                response.headers_mut().insert(name, value);
            }
            Ok(response)
        })
    }
}

impl HttpClient for Replay {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// A collector and a session of account 111111111111 whose every call is
/// answered by `replay`, with no retries (an answer is used once).
fn replayed(replay: &Replay) -> (Collector, Session) {
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDREPLAY",
            "replay-secret",
            None,
            None,
            "replay",
        )))
        .http_client(SharedHttpClient::new(replay.clone()))
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        .build();
    let plumbing = Plumbing::for_tests(sdk, "us-east-1");
    let session = Session::new("111111111111", plumbing.base.clone(), &plumbing);
    (Collector::for_tests(plumbing), session)
}

#[tokio::test]
async fn an_organization_trail_described_from_a_member() {
    let replay = Replay::new(&["cloudtrail/describe-trails-org-trail-from-member.json"]);
    let (cx, session) = replayed(&replay);
    let arn = "arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail".to_string();
    let described =
        super::cloudtrail::describe_trails(&cx, &session, "us-east-1", std::slice::from_ref(&arn))
            .await;
    let config = described[&arn].value().expect("described");
    assert!(config.is_organization_trail);
    assert!(config.is_multi_region_trail);
    assert!(config.log_file_validation_enabled);
    assert_eq!(
        config.s3_bucket_name.as_deref(),
        Some("org-trail-logs-999999999999")
    );
    assert!(config.kms_key_id.as_deref().unwrap_or("").contains(":key/"));
}

#[tokio::test]
async fn advanced_selectors_insight_categories_and_regional_delivery_errors() {
    let replay = Replay::new(&[
        "cloudtrail/get-trail-status-delivery-errors.json",
        "cloudtrail/get-event-selectors-advanced.json",
        "cloudtrail/get-insight-selectors-event-categories.json",
    ]);
    let (cx, session) = replayed(&replay);
    let arn = "arn:aws:cloudtrail:us-east-1:111111111111:trail/main";
    let (status, selectors, insights) =
        super::cloudtrail::trail_details(&cx, &session, "eu-west-1", arn, None).await;
    let status = status.value().expect("status");
    assert!(status.is_logging);
    assert_eq!(
        status.latest_delivery_error.as_deref(),
        Some("AccessDenied")
    );
    assert_eq!(
        status.latest_notification_error.as_deref(),
        Some("NotFound")
    );
    assert!(status.latest_digest_delivery_time.is_some());
    let selectors = selectors.value().expect("selectors");
    assert!(selectors.classic.is_empty());
    assert_eq!(selectors.advanced.len(), 2);
    assert_eq!(
        selectors.advanced[0].field_selectors[0].field,
        "eventCategory"
    );
    assert_eq!(
        selectors.advanced[0].field_selectors[0].equals,
        vec!["Management"]
    );
    let insights = insights.value().expect("insights");
    assert_eq!(insights.len(), 2);
    assert_eq!(insights[0].insight_type, "ApiCallRateInsight");
    assert_eq!(insights[0].event_categories, Some(vec!["Data".to_string()]));
    assert!(!insights[0].on_management_events());
    assert!(insights[1].on_management_events());
    // Each was asked for in the region given.
    let requests = replay.requests();
    assert!(
        requests.iter().all(|r| r.contains("cloudtrail.eu-west-1.")),
        "{requests:?}"
    );
}

#[tokio::test]
async fn a_recording_strategy_is_recorded() {
    let replay = Replay::new(&[
        "config/describe-configuration-recorders-recording-strategy.json",
        "config/describe-configuration-recorder-status.json",
        "config/describe-delivery-channels.json",
    ]);
    let (cx, session) = replayed(&replay);
    let facts = super::config::config(&cx, &session, "us-east-1").await;
    let facts = facts.value().expect("config");
    let recorder = &facts.recorders[0];
    assert_eq!(
        recorder.recording_strategy.as_deref(),
        Some("EXCLUSION_BY_RESOURCE_TYPES")
    );
    assert_eq!(recorder.excluded_resource_types, vec!["AWS::IAM::Role"]);
    assert!(!recorder.all_supported);
}

#[tokio::test]
async fn list_buckets_follows_its_continuation_token_and_keeps_regions() {
    let replay = Replay::new(&["s3/list-buckets-page-1.json", "s3/list-buckets-page-2.json"]);
    let (cx, session) = replayed(&replay);
    let buckets = super::s3::list_buckets(&cx, &session)
        .await
        .expect("buckets");
    assert_eq!(buckets.len(), 3);
    assert_eq!(
        buckets["org-trail-logs-999999999999"].as_deref(),
        Some("us-east-1")
    );
    assert_eq!(buckets["logs-in-cape-town"].as_deref(), Some("af-south-1"));
    assert_eq!(buckets["older-bucket"], None);
    let requests = replay.requests();
    assert!(requests[0].contains("max-buckets=1000"), "{requests:?}");
    assert!(
        requests[1].contains("continuation-token=page-2"),
        "{requests:?}"
    );
}

#[tokio::test]
async fn a_bucket_in_an_opt_in_region_is_located_from_the_error_header() {
    let replay = Replay::new(&["s3/get-bucket-location-illegal-location-constraint.json"]);
    let (cx, session) = replayed(&replay);
    let region = super::s3::bucket_region(&cx, &session, "logs-in-cape-town").await;
    assert_eq!(region.expect("located"), "af-south-1");
}

#[tokio::test]
async fn organization_accounts_are_judged_by_state() {
    let replay = Replay::new(&[
        "organizations/describe-organization.json",
        "organizations/list-accounts-state.json",
    ]);
    let (cx, session) = replayed(&replay);
    let org = super::scope::organization(&cx, &session)
        .await
        .expect("organization");
    let states: Vec<(&str, &str)> = org
        .accounts
        .iter()
        .map(|a| (a.id.as_str(), a.status.as_str()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("111111111111", "ACTIVE"),
            ("222222222222", "PENDING_ACTIVATION"),
            ("333333333333", "CLOSED"),
        ]
    );
}

#[tokio::test]
async fn cloudtrail_delegated_administrators_are_read_on_every_page() {
    let replay = Replay::new(&[
        "organizations/list-delegated-administrators-page-1.json",
        "organizations/list-delegated-administrators-page-2.json",
    ]);
    let (cx, session) = replayed(&replay);
    let listed = super::scope::cloudtrail_delegated_administrators(&cx, &session).await;
    assert_eq!(
        listed.value().cloned(),
        Some(vec!["333333333333".to_string(), "444444444444".to_string()])
    );
    let requests = replay.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
}

/// A member reading an organization trail's selectors is refused; the
/// error says who can read them, naming the delegated administrators
/// Organizations listed.
#[tokio::test]
async fn an_organization_trails_selectors_refused_to_a_member_name_who_can_read_them() {
    let replay = Replay::new(&[
        "cloudtrail/get-trail-status-delivery-errors.json",
        "cloudtrail/get-event-selectors-org-trail-from-member.json",
        "cloudtrail/get-insight-selectors-org-trail-from-member.json",
    ]);
    let (cx, session) = replayed(&replay);
    let arn = "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail";
    let delegates = crate::snapshot::Fact::Value(vec!["444444444444".to_string()]);
    let read = super::cloudtrail::OrganizationTrailRead {
        owner: "111111111111",
        delegated_administrators: Some(&delegates),
    };
    let (status, selectors, insights) =
        super::cloudtrail::trail_details(&cx, &session, "us-east-1", arn, Some(read)).await;
    assert!(status.value().is_some());
    for error in [selectors.error(), insights.error()] {
        let error = error.expect("refused");
        assert_eq!(error.code, "TrailNotFoundException");
        assert!(
            error
                .message
                .contains("can be read only by its owner, the management account 111111111111")
                && error
                    .message
                    .contains("the CloudTrail delegated administrator (444444444444)"),
            "{}",
            error.message
        );
    }
}
