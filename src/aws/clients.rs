//! Shared SDK plumbing: one HTTP client, the timeouts, the retry policy, the
//! endpoint override and the call-counting interceptor, for every client of
//! every account. Each account gets one credentials provider, built once.

use super::SetupError;
use aws_config::Region;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a TCP connect may take before the attempt is abandoned.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per call, first included: throttling and 5xx are retried with
/// exponential backoff and jitter (the SDK's standard policy).
const MAX_ATTEMPTS: u32 = 6;
/// Bound on resolving the region and the caller's credentials: the default
/// chains probe the instance metadata service, which can hang off EC2.
pub const CHAIN_TIMEOUT: Duration = Duration::from_secs(8);

/// Counts API call attempts by `service:Operation`, retries included.
#[derive(Debug, Default)]
pub struct CallStats {
    by_operation: Mutex<BTreeMap<String, u64>>,
}

impl CallStats {
    pub fn record(&self, key: String, count: u64) {
        if let Ok(mut map) = self.by_operation.lock() {
            *map.entry(key).or_insert(0) += count;
        }
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.by_operation
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }
}

/// The interceptor that feeds [`CallStats`]: one instance per service, since
/// the SDK's own metadata names services differently (`CloudTrail`).
#[derive(Debug, Clone)]
struct CountAttempts {
    service: &'static str,
    stats: Arc<CallStats>,
}

impl Intercept for CountAttempts {
    fn name(&self) -> &'static str {
        "trailwarden-count-attempts"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_string())
            .unwrap_or_else(|| "Unknown".to_string());
        tracing::debug!(service = self.service, operation = %operation, "call");
        self.stats
            .record(format!("{}:{operation}", self.service), 1);
        Ok(())
    }
}

/// S3 Control prefixes the account id to the endpoint host
/// (`123456789012.host`), which an emulator on `127.0.0.1` cannot serve:
/// with an endpoint override, send its calls to the endpoint as given.
#[derive(Debug)]
struct FixedS3ControlEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedS3ControlEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_smithy_types::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

/// The shared configuration every client is built from.
#[derive(Debug, Clone)]
pub struct Plumbing {
    /// Caller's credentials, global region, shared HTTP client, timeouts,
    /// retries, endpoint override.
    pub base: SdkConfig,
    pub global_region: String,
    pub endpoint_url: Option<String>,
    /// Where each client's calls go when not to AWS's own endpoints, as the
    /// SDK resolves it ([`effective_endpoints`]).
    pub endpoints: BTreeMap<String, String>,
    pub stats: Arc<CallStats>,
    /// Most HTTP requests in flight per account (`--account-concurrency`).
    pub account_concurrency: usize,
    /// The inline session policy sent with every AssumeRole
    /// ([`super::ops::session_policy`]); `None` with `--no-session-policy`.
    pub session_policy: Option<String>,
}

/// The shared HTTP client, limited to `permits` requests in flight for one
/// account: AWS throttles per account and region, so one large account must
/// not take every global `--concurrency` slot while the others wait, nor
/// trip its own rate limits. The connection pool stays shared.
#[derive(Debug, Clone)]
struct AccountLimitedHttpClient {
    inner: aws_smithy_runtime_api::client::http::SharedHttpClient,
    permits: Arc<tokio::sync::Semaphore>,
}

impl aws_smithy_runtime_api::client::http::HttpClient for AccountLimitedHttpClient {
    fn http_connector(
        &self,
        settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
        aws_smithy_runtime_api::client::http::SharedHttpConnector::new(AccountLimitedConnector {
            inner: self.inner.http_connector(settings, components),
            permits: self.permits.clone(),
        })
    }
}

#[derive(Debug)]
struct AccountLimitedConnector {
    inner: aws_smithy_runtime_api::client::http::SharedHttpConnector,
    permits: Arc<tokio::sync::Semaphore>,
}

impl aws_smithy_runtime_api::client::http::HttpConnector for AccountLimitedConnector {
    fn call(
        &self,
        request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
    ) -> aws_smithy_runtime_api::client::http::HttpConnectorFuture {
        let inner = self.inner.clone();
        let permits = self.permits.clone();
        aws_smithy_runtime_api::client::http::HttpConnectorFuture::new(async move {
            // The semaphore is never closed; if it were, go ahead unbounded.
            let _permit = permits.acquire_owned().await.ok();
            inner.call(request).await
        })
    }
}

impl Plumbing {
    /// Loads the standard configuration chain with trailwarden's timeouts,
    /// retries and endpoint, and checks that credentials can be found.
    pub async fn load(options: &super::ConnectOptions) -> Result<Plumbing, SetupError> {
        let global_region = match &options.region {
            Some(region) => region.clone(),
            None => default_region(options.profile.as_deref()).await,
        };
        let endpoint_url = options
            .endpoint_url
            .clone()
            .filter(|u| !u.trim().is_empty());
        // One HTTP client (one connection pool) for every SDK client.
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build_https();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(options.call_timeout)
            .operation_timeout(options.call_timeout * 3)
            .build();
        let retries = RetryConfig::standard()
            .with_max_attempts(MAX_ATTEMPTS)
            .with_initial_backoff(Duration::from_millis(200))
            .with_max_backoff(Duration::from_secs(10));
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(global_region.clone()))
            .http_client(http_client)
            .timeout_config(timeouts)
            .retry_config(retries);
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let base = loader.load().await;
        let endpoints = effective_endpoints(&base);
        // An endpoint neither the command line nor the environment named
        // comes from the shared config profile: checked and warned about
        // like the others (the environment's were, before the run).
        for (service, url) in &endpoints {
            let env = match service.as_str() {
                "*" => "AWS_ENDPOINT_URL".to_string(),
                one => format!("AWS_ENDPOINT_URL_{}", one.to_ascii_uppercase()),
            };
            if endpoint_url.as_deref() == Some(url.as_str())
                || std::env::var(&env).ok().as_deref() == Some(url.as_str())
            {
                continue;
            }
            let source = match (&options.profile, service.as_str()) {
                (Some(p), "*") => format!("endpoint_url of AWS config profile '{p}'"),
                (None, "*") => "endpoint_url of the AWS config profile".to_string(),
                (Some(p), one) => format!("the {one} endpoint_url of AWS config profile '{p}'"),
                (None, one) => format!("the {one} endpoint_url of the AWS config profile"),
            };
            crate::endpoint::validate(&source, url, options.allow_insecure_endpoint)
                .map_err(SetupError::InvalidInput)?;
            crate::endpoint::warn(&source, url);
        }
        let provider = base.credentials_provider().ok_or_else(|| {
            SetupError::NoCredentials("no credentials provider is configured".to_string())
        })?;
        match tokio::time::timeout(CHAIN_TIMEOUT, provider.provide_credentials()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(SetupError::NoCredentials(super::errors::chain_message(&e))),
            Err(_) => {
                return Err(SetupError::NoCredentials(format!(
                    "the credentials chain found nothing within {} s",
                    CHAIN_TIMEOUT.as_secs()
                )))
            }
        }
        Ok(Plumbing {
            base,
            global_region,
            endpoint_url,
            endpoints,
            stats: Arc::new(CallStats::default()),
            account_concurrency: options.account_concurrency.max(1),
            session_policy: options.session_policy.then(super::ops::session_policy),
        })
    }

    /// Plumbing over a given SDK configuration (the replay tests' HTTP
    /// client and credentials), without loading the standard chain.
    #[cfg(test)]
    pub fn for_tests(base: SdkConfig, global_region: &str) -> Plumbing {
        Plumbing {
            base,
            global_region: global_region.to_string(),
            endpoint_url: None,
            endpoints: BTreeMap::new(),
            stats: Arc::new(CallStats::default()),
            account_concurrency: 8,
            session_policy: Some(super::ops::session_policy()),
        }
    }

    /// The base configuration with another account's credentials.
    pub fn with_credentials(&self, provider: SharedCredentialsProvider) -> SdkConfig {
        self.base
            .to_builder()
            .credentials_provider(provider)
            .build()
    }

    fn counter(&self, service: &'static str) -> CountAttempts {
        CountAttempts {
            service,
            stats: self.stats.clone(),
        }
    }
}

/// One account's view: its credentials on the shared plumbing.
#[derive(Debug, Clone)]
pub struct Session {
    pub account_id: String,
    sdk: SdkConfig,
    plumbing: Plumbing,
}

macro_rules! client_builders {
    ($($fn:ident => $krate:ident, $service:literal;)*) => {
        $(
            #[doc = concat!("A `", stringify!($krate), "` client in `region`.")]
            pub fn $fn(&self, region: &str) -> $krate::Client {
                let config = $krate::config::Builder::from(&self.sdk)
                    .region(Region::new(region.to_string()))
                    .interceptor(self.plumbing.counter($service))
                    .build();
                $krate::Client::from_conf(config)
            }
        )*
    };
}

impl Session {
    /// The endpoint `service`'s calls go to, when not AWS's own.
    pub fn endpoint_of(&self, service: &str) -> Option<&str> {
        self.plumbing.endpoint_of(service)
    }

    /// Every endpoint that is not AWS's own (`*` = all services, plus the
    /// services that differ), as the snapshot's scope records them.
    pub fn endpoints(&self) -> &BTreeMap<String, String> {
        &self.plumbing.endpoints
    }

    /// The account's clients share one limit of requests in flight.
    pub fn new(account_id: &str, sdk: SdkConfig, plumbing: &Plumbing) -> Self {
        let sdk = match sdk.http_client() {
            Some(inner) => sdk
                .to_builder()
                .http_client(AccountLimitedHttpClient {
                    inner,
                    permits: Arc::new(tokio::sync::Semaphore::new(plumbing.account_concurrency)),
                })
                .build(),
            None => sdk,
        };
        Session {
            account_id: account_id.to_string(),
            sdk,
            plumbing: plumbing.clone(),
        }
    }

    client_builders! {
        sts => aws_sdk_sts, "sts";
        organizations => aws_sdk_organizations, "organizations";
        account => aws_sdk_account, "account";
        cloudtrail => aws_sdk_cloudtrail, "cloudtrail";
        kms => aws_sdk_kms, "kms";
        logs => aws_sdk_cloudwatchlogs, "logs";
        cloudwatch => aws_sdk_cloudwatch, "cloudwatch";
        sns => aws_sdk_sns, "sns";
        config => aws_sdk_config, "config";
    }

    /// An S3 client in `region`; path-style addressing with an endpoint
    /// override, as emulators serve buckets under the path.
    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .force_path_style(self.plumbing.endpoint_of("s3").is_some())
            .interceptor(self.plumbing.counter("s3"))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// An S3 Control client in `region` (see [`FixedS3ControlEndpoint`]).
    pub fn s3control(&self, region: &str) -> aws_sdk_s3control::Client {
        let mut config = aws_sdk_s3control::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .interceptor(self.plumbing.counter("s3control"));
        if let Some(url) = self.plumbing.endpoint_of("s3_control") {
            config = config.endpoint_resolver(FixedS3ControlEndpoint(url.to_string()));
        }
        aws_sdk_s3control::Client::from_conf(config.build())
    }
}

/// The SDK service ids of the clients built here, as their generated
/// configurations name them when looking up `AWS_ENDPOINT_URL_<SERVICE>` or
/// a profile's `services` section.
const SERVICE_IDS: [&str; 11] = [
    "Account",
    "CloudTrail",
    "CloudWatch",
    "CloudWatch Logs",
    "Config Service",
    "KMS",
    "Organizations",
    "S3",
    "S3 Control",
    "SNS",
    "STS",
];

/// Where each client's calls go when not to AWS's own endpoints, resolved
/// as the SDK's generated configurations resolve it (aws-sdk-s3
/// `config.rs`: the service's own setting from `AWS_ENDPOINT_URL_<SERVICE>`
/// or the profile, else the shared `endpoint_url`; a programmatic
/// endpoint on the loader does not outrank them). Key: the service
/// ([`crate::endpoint::service_key`]), or `*` for the shared setting, which
/// every service not named goes to. Empty: AWS's own endpoints.
pub fn effective_endpoints(sdk: &SdkConfig) -> BTreeMap<String, String> {
    let per_service: BTreeMap<String, String> = SERVICE_IDS
        .iter()
        .filter_map(|id| {
            let own = sdk.service_config().and_then(|c| {
                let key = aws_types::service_config::ServiceConfigKey::builder()
                    .service_id(id)
                    .env("AWS_ENDPOINT_URL")
                    .profile("endpoint_url")
                    .build()
                    .ok()?;
                c.load_config(key)
            });
            let url = own.or_else(|| sdk.endpoint_url().map(str::to_string))?;
            Some((crate::endpoint::service_key(id), url))
        })
        .collect();
    // `*`: every service not named otherwise.
    match sdk.endpoint_url() {
        Some(shared) => std::iter::once(("*".to_string(), shared.to_string()))
            .chain(per_service.into_iter().filter(|(_, url)| url != shared))
            .collect(),
        None => per_service,
    }
}

impl Plumbing {
    /// The endpoint `service`'s calls go to, when not AWS's own.
    pub fn endpoint_of(&self, service: &str) -> Option<&str> {
        self.endpoints
            .get(service)
            .or_else(|| self.endpoints.get("*"))
            .map(String::as_str)
    }
}

/// The region from the standard chain (environment, profile, instance
/// metadata), bounded in time; us-east-1 when none is found.
async fn default_region(profile: Option<&str>) -> String {
    let mut chain = aws_config::default_provider::region::DefaultRegionChain::builder();
    if let Some(profile) = profile {
        chain = chain.profile_name(profile);
    }
    let chain = chain.build();
    match tokio::time::timeout(CHAIN_TIMEOUT, chain.region()).await {
        Ok(Some(region)) => region.to_string(),
        _ => "us-east-1".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::http::{
        HttpConnector, HttpConnectorFuture, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Answers after a pause, recording how many requests were in flight.
    #[derive(Debug, Default)]
    struct Slow {
        now: Arc<AtomicUsize>,
        peak: Arc<AtomicUsize>,
    }

    impl HttpConnector for Slow {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            let (now, peak) = (self.now.clone(), self.peak.clone());
            HttpConnectorFuture::new(async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                Ok(HttpResponse::new(
                    200.try_into().unwrap(),
                    aws_smithy_types::body::SdkBody::empty(),
                ))
            })
        }
    }

    #[tokio::test]
    async fn an_account_never_has_more_requests_in_flight_than_its_limit() {
        let slow = Slow::default();
        let peak = slow.peak.clone();
        let limited = AccountLimitedConnector {
            inner: SharedHttpConnector::new(slow),
            permits: Arc::new(tokio::sync::Semaphore::new(3)),
        };
        let calls = (0..12).map(|_| limited.call(HttpRequest::empty()));
        for result in futures::future::join_all(calls).await {
            assert_eq!(result.unwrap().status().as_u16(), 200);
        }
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
