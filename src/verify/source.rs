//! Where digests and logs are read from: S3, or a local directory laid out
//! like the bucket. The walk ([`super::chain`]) sees only this trait, so it
//! is tested on in-memory fixtures.

use super::digest::{LogHashError, LogHasher};
use crate::aws::clients::Session;
use crate::aws::errors::{from_sdk, Site};
use crate::aws::ops;
use crate::snapshot::CollectionError;
use std::future::Future;
use std::path::{Component, Path, PathBuf};

/// An object read: its bytes and, from S3, the signature metadata
/// CloudTrail sets on digests.
#[derive(Debug, Clone, Default)]
pub struct Object {
    pub bytes: Vec<u8>,
    /// Hex signature: S3 metadata `signature`, or a local `<key>.sig` file.
    pub signature: Option<String>,
    /// S3 metadata `signature-algorithm` (`SHA256withRSA`).
    pub signature_algorithm: Option<String>,
    /// When it was written (S3 `LastModified`): for a digest, when
    /// CloudTrail delivered and signed it. Unknown for a local copy.
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// S3 metadata `backfill-generation-timestamp`, which CloudTrail sets on
    /// a backfill digest (the AWS CLI requires it).
    pub backfill_generated_at: Option<String>,
}

/// Why an object could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// It does not exist (NoSuchKey, no such file): deleted or never there.
    NotFound,
    /// It is larger than the most that is read of it (this many bytes): no
    /// real CloudTrail digest is, so it was not read on.
    TooLarge(u64),
    /// It could not be read (AccessDenied, throttled, I/O error): the
    /// verification is incomplete, not failed.
    Unreadable(CollectionError),
}

/// Bodies (digests and log files) read at once in the whole process,
/// whatever the regions, accounts and trails running: each holds a socket
/// and a decoder's buffers, so memory stays flat however wide the run.
pub const BODIES_IN_FLIGHT: usize = 64;

static BODIES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(BODIES_IN_FLIGHT);

/// A place among the [`BODIES_IN_FLIGHT`], held while a body is read.
/// The semaphore is never closed, so a permit always comes.
async fn body_permit() -> Option<tokio::sync::SemaphorePermit<'static>> {
    BODIES.acquire().await.ok()
}

/// What hashing one log file gave: the hash of its decompressed content,
/// or why it has none (not one gzip member, over the cap).
pub type LogHash = Result<String, LogHashError>;

/// A place digests and logs are read from.
pub trait Source: Sync {
    /// Reads one object (a digest), refusing one over `max_bytes`.
    fn get(
        &self,
        bucket: &str,
        key: &str,
        max_bytes: u64,
    ) -> impl Future<Output = Result<Object, FetchError>> + Send;

    /// Streams one log file into a [`LogHasher`], a chunk at a time: the
    /// file is never held whole, compressed or not.
    fn hash_log(
        &self,
        bucket: &str,
        key: &str,
        max_inflated: u64,
    ) -> impl Future<Output = Result<LogHash, FetchError>> + Send;

    /// Every key under `prefix` (recursively), sorted. A missing prefix is
    /// an empty list.
    fn list(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, FetchError>> + Send;

    /// The names of the "folders" directly under `prefix` (which ends in
    /// `/`), without the trailing `/`, sorted.
    fn list_folders(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, FetchError>> + Send;

    /// How to show an object's location in reports.
    fn display(&self, bucket: &str, key: &str) -> String;
}

/// A local copy of the bucket: `<dir>/<key>`. The bucket name is not part
/// of the path (a copy holds one bucket); where the signature lives in S3
/// metadata, here it is the optional sidecar `<key>.sig` holding the hex.
#[derive(Debug, Clone)]
pub struct LocalSource {
    pub dir: PathBuf,
}

impl LocalSource {
    /// The file for `key`, or `None` when the key would leave the directory
    /// (`..`, an absolute path): a digest naming such a key is not read.
    fn path(&self, key: &str) -> Option<PathBuf> {
        let relative = Path::new(key);
        if relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            Some(self.dir.join(relative))
        } else {
            None
        }
    }

    /// Only a regular file inside the copy is read: a symbolic link (of the
    /// file or of a folder on its way) that leads out of DIR, and a FIFO, a
    /// device or a socket (reading a FIFO would wait forever), are reported
    /// as unreadable, never read.
    /// Its size, when it may be read.
    async fn regular_file_inside(&self, key: &str, path: &Path) -> Result<u64, FetchError> {
        let refused = |code: &str, message: String| {
            FetchError::Unreadable(CollectionError {
                account_id: String::new(),
                region: None,
                service: "local".into(),
                operation: "read".into(),
                code: code.into(),
                message,
            })
        };
        let real = match tokio::fs::canonicalize(path).await {
            Ok(real) => real,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(FetchError::NotFound),
            Err(e) => return Err(self.unreadable(key, &e)),
        };
        let root = tokio::fs::canonicalize(&self.dir)
            .await
            .map_err(|e| self.unreadable("", &e))?;
        if !real.starts_with(&root) {
            return Err(refused(
                "OutsideCopy",
                format!(
                    "{} leads to {}, outside {}: not read",
                    path.display(),
                    real.display(),
                    self.dir.display()
                ),
            ));
        }
        match tokio::fs::metadata(&real).await {
            Ok(meta) if meta.is_file() => Ok(meta.len()),
            Ok(_) => Err(refused(
                "NotARegularFile",
                format!(
                    "{} is not a regular file (a folder, FIFO, device or socket is never read)",
                    path.display()
                ),
            )),
            Err(e) => Err(self.unreadable(key, &e)),
        }
    }

    fn unreadable(&self, key: &str, e: &std::io::Error) -> FetchError {
        FetchError::Unreadable(CollectionError {
            account_id: String::new(),
            region: None,
            service: "local".into(),
            operation: "read".into(),
            code: format!("{:?}", e.kind()),
            message: format!("{}: {e}", self.dir.join(key).display()),
        })
    }
}

/// How much of a file is read at once.
const CHUNK: usize = 64 * 1024;

impl Source for LocalSource {
    async fn get(&self, _bucket: &str, key: &str, max_bytes: u64) -> Result<Object, FetchError> {
        let Some(path) = self.path(key) else {
            return Err(FetchError::NotFound);
        };
        let _permit = body_permit().await;
        let size = self.regular_file_inside(key, &path).await?;
        if size > max_bytes {
            return Err(FetchError::TooLarge(max_bytes));
        }
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(FetchError::NotFound),
            Err(e) => return Err(self.unreadable(key, &e)),
        };
        let mut sig_path = path.into_os_string();
        sig_path.push(".sig");
        let signature = match tokio::fs::read_to_string(&sig_path).await {
            Ok(text) => Some(text.trim().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(self.unreadable(&format!("{key}.sig"), &e)),
        };
        // A copy's file times say when it was copied, not delivered.
        Ok(Object {
            bytes,
            signature,
            signature_algorithm: None,
            delivered_at: None,
            backfill_generated_at: None,
        })
    }

    async fn hash_log(
        &self,
        _bucket: &str,
        key: &str,
        max_inflated: u64,
    ) -> Result<LogHash, FetchError> {
        let Some(path) = self.path(key) else {
            return Err(FetchError::NotFound);
        };
        let _permit = body_permit().await;
        self.regular_file_inside(key, &path).await?;
        // Reading and hashing are blocking work: off the async workers,
        // a chunk at a time.
        let read = tokio::task::spawn_blocking(move || -> std::io::Result<LogHash> {
            use std::io::Read as _;
            let mut file = std::fs::File::open(&path)?;
            let mut hasher = LogHasher::new(max_inflated);
            let mut buffer = vec![0u8; CHUNK];
            loop {
                let n = file.read(&mut buffer)?;
                if n == 0 {
                    return Ok(hasher.finish());
                }
                hasher.update(&buffer[..n]);
            }
        })
        .await;
        match read {
            Ok(Ok(hash)) => Ok(hash),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(FetchError::NotFound),
            Ok(Err(e)) => Err(self.unreadable(key, &e)),
            Err(e) => Err(self.unreadable(key, &std::io::Error::other(e.to_string()))),
        }
    }

    async fn list(&self, _bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        // Prefixes used here always end at a folder boundary.
        let folder = prefix.trim_end_matches('/');
        let Some(root) = self.path(folder) else {
            return Ok(Vec::new());
        };
        let mut keys = Vec::new();
        let mut stack = vec![(root, folder.to_string())];
        while let Some((dir, key)) = stack.pop() {
            let mut entries = match tokio::fs::read_dir(&dir).await {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(self.unreadable(&key, &e)),
            };
            loop {
                let entry = match entries.next_entry().await {
                    Ok(Some(entry)) => entry,
                    Ok(None) => break,
                    Err(e) => return Err(self.unreadable(&key, &e)),
                };
                let name = entry.file_name().to_string_lossy().into_owned();
                let child = if key.is_empty() {
                    name
                } else {
                    format!("{key}/{name}")
                };
                match entry.file_type().await {
                    Ok(t) if t.is_dir() => stack.push((entry.path(), child)),
                    Ok(_) => keys.push(child),
                    Err(e) => return Err(self.unreadable(&child, &e)),
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    async fn list_folders(&self, _bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        let folder = prefix.trim_end_matches('/');
        let Some(root) = self.path(folder) else {
            return Ok(Vec::new());
        };
        let mut entries = match tokio::fs::read_dir(&root).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.unreadable(folder, &e)),
        };
        // A folder that cannot be read is an error, never a region that is
        // silently missing.
        let mut names = Vec::new();
        loop {
            let entry = match entries.next_entry().await {
                Ok(Some(entry)) => entry,
                Ok(None) => break,
                Err(e) => return Err(self.unreadable(folder, &e)),
            };
            match entry.file_type().await {
                Ok(t) if t.is_dir() => names.push(entry.file_name().to_string_lossy().into_owned()),
                Ok(_) => {}
                Err(e) => return Err(self.unreadable(folder, &e)),
            }
        }
        names.sort();
        Ok(names)
    }

    fn display(&self, _bucket: &str, key: &str) -> String {
        self.dir.join(key).display().to_string()
    }
}

/// S3, through the collector's client plumbing (same endpoint override,
/// timeouts and retries). Buckets in other regions are reached through S3's
/// redirects handled by the SDK's region in the client.
#[derive(Debug, Clone)]
pub struct S3Source {
    pub session: Session,
    /// The region of the client (the bucket's region, when known).
    pub region: String,
}

impl S3Source {
    fn site(&self, op: ops::Operation) -> Site {
        Site::new(&self.session.account_id, &self.region, op)
    }

    /// Every page of the ListObjectsV2 listing of `prefix` (grouped by
    /// `delimiter` when given), following continuation tokens.
    async fn pages(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
    ) -> Result<Vec<aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output>, FetchError> {
        let client = self.session.s3(&self.region);
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_delimiter(delimiter.map(str::to_string))
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|err| {
                    let mut e = from_sdk(&self.site(ops::S3_LIST_OBJECTS_V2), &err);
                    e.message = format!("s3://{bucket}/{prefix}: {}", e.message);
                    FetchError::Unreadable(e)
                })?;
            token = page
                .next_continuation_token()
                .filter(|_| page.is_truncated() == Some(true))
                .map(str::to_string);
            pages.push(page);
            if token.is_none() {
                return Ok(pages);
            }
        }
    }
}

/// A GetObject refused because the object is SSE-KMS encrypted and the
/// reader may not decrypt it (S3 answers `AccessDenied` naming KMS, or a
/// `KMS.*` code): its own code, and what would let it be read.
pub fn kms_denial(mut e: CollectionError) -> CollectionError {
    let message = e.message.to_ascii_lowercase();
    let kms = e.code.starts_with("KMS.")
        || (e.code == "AccessDenied"
            && (message.contains("kms:")
                || message.contains("kms key")
                || message.contains("ciphertext")));
    if kms {
        e.message = format!(
            "{} ({}): the file is encrypted with the trail's KMS key; the reader needs kms:Decrypt on it, in its IAM policy and in the key policy (see docs/verify-logs.md, \"Reading SSE-KMS encrypted logs\")",
            e.message, e.code
        );
        e.code = "KmsAccessDenied".into();
    }
    e
}

impl S3Source {
    /// GetObject, its refusals classified (NoSuchKey is "not found"; a
    /// KMS-caused refusal has its own code).
    async fn open(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<aws_sdk_s3::operation::get_object::GetObjectOutput, FetchError> {
        let client = self.session.s3(&self.region);
        match client.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => Ok(out),
            Err(err) => {
                let code = crate::aws::errors::code_of(&err);
                let status = crate::aws::errors::status_of(&err);
                if matches!(code, Some("NoSuchKey")) || status == Some(404) && code.is_none() {
                    return Err(FetchError::NotFound);
                }
                let mut e = from_sdk(&self.site(ops::S3_GET_OBJECT), &err);
                e.message = format!("s3://{bucket}/{key}: {}", e.message);
                Err(FetchError::Unreadable(kms_denial(e)))
            }
        }
    }

    /// Reads the body a chunk at a time into `sink`, which refuses a chunk
    /// that would take the body over its cap (`Err(cap)`).
    async fn stream(
        &self,
        bucket: &str,
        key: &str,
        body: &mut aws_sdk_s3::primitives::ByteStream,
        mut sink: impl FnMut(&[u8]) -> Result<(), u64>,
    ) -> Result<(), FetchError> {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                FetchError::Unreadable(
                    self.site(ops::S3_GET_OBJECT)
                        .error("ReadError", format!("s3://{bucket}/{key}: {e}")),
                )
            })?;
            sink(&chunk).map_err(FetchError::TooLarge)?;
        }
        Ok(())
    }
}

impl Source for S3Source {
    async fn get(&self, bucket: &str, key: &str, max_bytes: u64) -> Result<Object, FetchError> {
        let _permit = body_permit().await;
        let mut out = self.open(bucket, key).await?;
        if out
            .content_length()
            .is_some_and(|n| u64::try_from(n).unwrap_or(0) > max_bytes)
        {
            return Err(FetchError::TooLarge(max_bytes));
        }
        let metadata = out.metadata().cloned().unwrap_or_default();
        let delivered_at = out
            .last_modified()
            .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()));
        let mut bytes = Vec::new();
        self.stream(bucket, key, &mut out.body, |chunk| {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(max_bytes);
            }
            bytes.extend_from_slice(chunk);
            Ok(())
        })
        .await?;
        Ok(Object {
            bytes,
            signature: metadata.get("signature").map(|s| s.trim().to_string()),
            signature_algorithm: metadata.get("signature-algorithm").cloned(),
            delivered_at,
            backfill_generated_at: metadata.get("backfill-generation-timestamp").cloned(),
        })
    }

    async fn hash_log(
        &self,
        bucket: &str,
        key: &str,
        max_inflated: u64,
    ) -> Result<LogHash, FetchError> {
        let _permit = body_permit().await;
        let mut out = self.open(bucket, key).await?;
        let mut hasher = LogHasher::new(max_inflated);
        self.stream(bucket, key, &mut out.body, |chunk| {
            hasher.update(chunk);
            Ok(())
        })
        .await?;
        Ok(hasher.finish())
    }

    async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        let mut keys: Vec<String> = self
            .pages(bucket, prefix, None)
            .await?
            .iter()
            .flat_map(|page| page.contents().iter().filter_map(|o| o.key()))
            .map(str::to_string)
            .collect();
        keys.sort();
        Ok(keys)
    }

    async fn list_folders(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        let mut names: Vec<String> = self
            .pages(bucket, prefix, Some("/"))
            .await?
            .iter()
            .flat_map(|page| page.common_prefixes().iter().filter_map(|p| p.prefix()))
            .filter_map(|p| p.strip_prefix(prefix))
            .map(|p| p.trim_end_matches('/').to_string())
            .collect();
        names.sort();
        Ok(names)
    }

    fn display(&self, bucket: &str, key: &str) -> String {
        format!("s3://{bucket}/{key}")
    }
}

/// Objects held in memory, for tests of the walk.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct MemorySource {
    /// (bucket, key) → object.
    pub objects: std::collections::BTreeMap<(String, String), Object>,
    /// Keys whose reading fails as AccessDenied.
    pub denied: std::collections::BTreeSet<String>,
}

#[cfg(test)]
impl Source for MemorySource {
    async fn hash_log(
        &self,
        bucket: &str,
        key: &str,
        max_inflated: u64,
    ) -> Result<LogHash, FetchError> {
        let object = self.get(bucket, key, u64::MAX).await?;
        Ok(super::digest::log_sha256_hex(&object.bytes, max_inflated))
    }

    async fn get(&self, bucket: &str, key: &str, max_bytes: u64) -> Result<Object, FetchError> {
        if self.denied.contains(key) {
            return Err(FetchError::Unreadable(CollectionError {
                account_id: String::new(),
                region: None,
                service: "s3".into(),
                operation: "GetObject".into(),
                code: "AccessDenied".into(),
                message: key.into(),
            }));
        }
        let object = self
            .objects
            .get(&(bucket.to_string(), key.to_string()))
            .cloned()
            .ok_or(FetchError::NotFound)?;
        if object.bytes.len() as u64 > max_bytes {
            return Err(FetchError::TooLarge(max_bytes));
        }
        Ok(object)
    }

    async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        Ok(self
            .objects
            .keys()
            .filter(|(b, k)| b == bucket && k.starts_with(prefix))
            .map(|(_, k)| k.clone())
            .collect())
    }

    async fn list_folders(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        let mut names: Vec<String> = self
            .objects
            .keys()
            .filter(|(b, _)| b == bucket)
            .filter_map(|(_, k)| {
                k.strip_prefix(prefix)?
                    .split_once('/')
                    .map(|(d, _)| d.to_string())
            })
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn display(&self, bucket: &str, key: &str) -> String {
        format!("s3://{bucket}/{key}")
    }
}

#[cfg(test)]
mod kms_tests {
    use super::*;

    fn denied(code: &str, message: &str) -> CollectionError {
        CollectionError {
            account_id: "111111111111".into(),
            region: Some("us-east-1".into()),
            service: "s3".into(),
            operation: "GetObject".into(),
            code: code.into(),
            message: message.into(),
        }
    }

    /// Issue 14, item 4: a KMS-caused refusal has its own code and says
    /// what would read the file; any other refusal is left as it is.
    #[test]
    fn a_kms_refusal_is_named_with_its_remedy() {
        for (code, message) in [
            ("AccessDenied", "User: arn:aws:sts::111111111111:assumed-role/r/s is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext"),
            ("AccessDenied", "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access."),
            ("KMS.DisabledException", "arn:aws:kms:us-east-1:111111111111:key/k is disabled."),
        ] {
            let e = kms_denial(denied(code, message));
            assert_eq!(e.code, "KmsAccessDenied", "{message}");
            assert!(e.message.contains("needs kms:Decrypt"), "{}", e.message);
            assert!(e.message.contains(code), "the original code is kept: {}", e.message);
        }
        let plain = kms_denial(denied("AccessDenied", "Access Denied"));
        assert_eq!(plain.code, "AccessDenied");
        assert_eq!(plain.message, "Access Denied");
    }
}
