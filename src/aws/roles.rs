//! Assumed roles: another account's credentials (the audited members,
//! a log archive's bucket), assumed once per account and refreshed before
//! they expire.

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};

/// Session name shown in the audited accounts' CloudTrail for our calls.
const SESSION_NAME: &str = "trailwarden-audit";

/// Credentials are refreshed this long before they expire.
const REFRESH_BEFORE_EXPIRY: std::time::Duration = std::time::Duration::from_secs(300);

/// One account's assumed-role credentials, assumed once and shared by every
/// client of the account; refreshed (by one caller, the others waiting)
/// shortly before they expire. Without it, the up-front AssumeRole and the
/// first calls of each service client would each assume the role again.
#[derive(Debug)]
struct CachedAssumedRole {
    inner: AssumeRoleProvider,
    cached: tokio::sync::Mutex<Option<aws_credential_types::Credentials>>,
    stats: std::sync::Arc<crate::aws::clients::CallStats>,
}

impl ProvideCredentials for CachedAssumedRole {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let mut cached = self.cached.lock().await;
            if let Some(credentials) = cached.as_ref() {
                let fresh = credentials.expiry().is_none_or(|expiry| {
                    expiry > std::time::SystemTime::now() + REFRESH_BEFORE_EXPIRY
                });
                if fresh {
                    return Ok(credentials.clone());
                }
            }
            // The STS client inside the provider is not instrumented: count
            // the call here, once per actual AssumeRole.
            self.stats.record(super::ops::STS_ASSUME_ROLE.key(), 1);
            let credentials = self.inner.provide_credentials().await?;
            *cached = Some(credentials.clone());
            Ok(credentials)
        })
    }
}

/// Credentials of `role_arn`, assumed from the caller's, once and refreshed
/// before they expire (see [`CachedAssumedRole`]).
pub async fn assumed_role(
    plumbing: &crate::aws::clients::Plumbing,
    role_arn: &str,
    external_id: Option<&str>,
) -> SharedCredentialsProvider {
    let mut builder = AssumeRoleProvider::builder(role_arn)
        .session_name(SESSION_NAME)
        .configure(&plumbing.base);
    if let Some(external_id) = external_id {
        builder = builder.external_id(external_id);
    }
    if let Some(policy) = &plumbing.session_policy {
        builder = builder.policy(policy.clone());
    }
    SharedCredentialsProvider::new(CachedAssumedRole {
        inner: builder.build().await,
        cached: tokio::sync::Mutex::new(None),
        stats: plumbing.stats.clone(),
    })
}
