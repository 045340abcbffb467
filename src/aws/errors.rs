//! Turning SDK failures into [`CollectionError`]s: the service's error code
//! when AWS answered, `Timeout` or `Dispatch` when it did not.

use super::ops::Operation;
use crate::snapshot::CollectionError;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use std::error::Error as StdError;

/// Where a call was made: which account, region and operation.
#[derive(Debug, Clone)]
pub struct Site {
    pub account_id: String,
    pub region: Option<String>,
    pub op: Operation,
}

impl Site {
    pub fn new(account_id: &str, region: &str, op: Operation) -> Self {
        Site {
            account_id: account_id.to_string(),
            region: Some(region.to_string()),
            op,
        }
    }

    /// A [`CollectionError`] at this site with the given code and message.
    pub fn error(&self, code: &str, message: impl Into<String>) -> CollectionError {
        CollectionError {
            account_id: self.account_id.clone(),
            region: self.region.clone(),
            service: self.op.service.to_string(),
            operation: self.op.name.to_string(),
            code: code.to_string(),
            message: one_line(&message.into()),
        }
    }
}

/// The AWS error code of a failed call, when the service answered with one.
pub fn code_of<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// The HTTP status of a failed call, when there was a response.
pub fn status_of<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// The whole run's `--timeout` was reached before a call could finish: the
/// fact stays unknown (`RunTimeout`), never guessed.
#[derive(Debug, thiserror::Error)]
#[error("not read: the run's --timeout of {0} s was reached")]
pub struct RunTimeout(pub u64);

/// Maps an SDK error to the collection error recorded for `site`.
pub fn from_sdk<E>(site: &Site, err: &SdkError<E, HttpResponse>) -> CollectionError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let raw = service.raw();
            // When the SDK could not read the error (an emulator answering a
            // JSON service in XML), fall back on the body's <Code>, then on
            // the HTTP status.
            let body = raw
                .body()
                .bytes()
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default();
            let code = inner
                .code()
                .map(str::to_string)
                .or_else(|| xml_tag(body, "Code"))
                .unwrap_or_else(|| match raw.status().as_u16() {
                    403 => "AccessDenied".to_string(),
                    other => format!("Http{other}"),
                });
            let message = inner
                .message()
                .map(str::to_string)
                .or_else(|| xml_tag(body, "Message"))
                .unwrap_or_else(|| chain_message(inner));
            site.error(&code, message)
        }
        SdkError::TimeoutError(_) if chain_has::<RunTimeout>(err) => {
            site.error("RunTimeout", chain_message(err))
        }
        SdkError::TimeoutError(_) => site.error(
            "Timeout",
            format!("no answer in time: {}", chain_message(err)),
        ),
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                site.error("Timeout", chain_message(err))
            } else if chain_has::<CredentialsError>(err) {
                site.error("CredentialsError", chain_message(err))
            } else {
                site.error("Dispatch", chain_message(err))
            }
        }
        SdkError::ResponseError(_) => site.error(
            &status_of(err)
                .map(|s| format!("Http{s}"))
                .unwrap_or_else(|| "ResponseError".to_string()),
            chain_message(err),
        ),
        _ => site.error("ConstructionFailure", chain_message(err)),
    }
}

/// Maps a failure to obtain an account's credentials (assuming its role).
/// The AWS code of the underlying AssumeRole call is used when there is one.
pub fn from_credentials(site: &Site, err: &CredentialsError) -> CollectionError {
    type AssumeRoleSdkError =
        SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError, HttpResponse>;
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = source {
        if let Some(sdk) = current.downcast_ref::<AssumeRoleSdkError>() {
            return from_sdk(site, sdk);
        }
        source = current.source();
    }
    let code = match err {
        CredentialsError::CredentialsNotLoaded(_) => "NoCredentials",
        CredentialsError::ProviderTimedOut(_) => "Timeout",
        CredentialsError::InvalidConfiguration(_) => "InvalidConfiguration",
        _ => "CredentialsError",
    };
    site.error(code, chain_message(err))
}

/// Whether the error's source chain holds an error of type `T`.
fn chain_has<T: StdError + 'static>(err: &(dyn StdError + 'static)) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = source {
        if current.is::<T>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// An error and its causes, each by its `Display`, on one line. (The SDK's
/// `DisplayErrorContext` appends `Debug` dumps that make unreadable reports.)
pub fn chain_message(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = source {
        let text = current.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = current.source();
    }
    one_line(&parts.join(": "))
}

/// The text of the first `<tag>…</tag>` in `xml`, when not empty.
pub fn xml_tag(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    let text = xml[start..end].trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Collapses whitespace so a message stays on one line in reports and logs.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ops;

    #[test]
    fn messages_are_kept_on_one_line() {
        let site = Site::new("111122223333", "us-east-1", ops::CT_LIST_TRAILS);
        let e = site.error("AccessDenied", "not\n  allowed\tnow");
        assert_eq!(e.message, "not allowed now");
        assert_eq!(e.service, "cloudtrail");
        assert_eq!(e.operation, "ListTrails");
        assert_eq!(e.region.as_deref(), Some("us-east-1"));
    }

    #[test]
    fn xml_tags_are_read() {
        let xml = "<ErrorResponse><Error><Code>AccessDenied</Code><Message> no </Message></Error></ErrorResponse>";
        assert_eq!(xml_tag(xml, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(xml_tag(xml, "Message").as_deref(), Some("no"));
        assert_eq!(xml_tag(xml, "RequestId"), None);
        assert_eq!(xml_tag("<Code></Code>", "Code"), None);
    }

    #[test]
    fn credentials_errors_get_a_code() {
        let site = Site::new("111122223333", "us-east-1", ops::STS_ASSUME_ROLE);
        let e = from_credentials(&site, &CredentialsError::not_loaded("no profile"));
        assert_eq!(e.code, "NoCredentials");
        let e = from_credentials(
            &site,
            &CredentialsError::provider_timed_out(std::time::Duration::from_secs(1)),
        );
        assert_eq!(e.code, "Timeout");
    }
}
