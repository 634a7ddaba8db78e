//! The file store: where exports, import files, report runs and
//! attachments live, behind one interface. A directory by default (a volume
//! in production); any S3-compatible service when `ERP_FILE_STORE` names a
//! bucket. Keys are relative paths such as `attachments/<id>/original`.

use std::path::Path;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, PutPayload};

use crate::{Error, Result};

#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
    /// Where the files are, for logs and `admin status`.
    pub location: String,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.location)
    }
}

impl FileStore {
    /// Files under `dir`, created if missing.
    pub fn local(dir: &Path) -> anyhow::Result<FileStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("creating the files directory {}: {e}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| anyhow::anyhow!("opening the files directory {}: {e}", dir.display()))?;
        Ok(FileStore {
            inner: Arc::new(store),
            location: dir.display().to_string(),
        })
    }

    /// The store a URL names: `s3://bucket` (or `s3://bucket/prefix`), with
    /// the endpoint, region and keys from the usual `AWS_*` variables
    /// (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ALLOW_HTTP` for a service on a private network).
    /// A directory is written as `file:///path` or a plain path.
    pub fn open(url: &str) -> anyhow::Result<FileStore> {
        if let Some(path) = url.strip_prefix("file://") {
            return FileStore::local(Path::new(path));
        }
        if !url.contains("://") {
            return FileStore::local(Path::new(url));
        }
        let parsed = url::Url::parse(url)
            .map_err(|e| anyhow::anyhow!("ERP_FILE_STORE {url:?} is not a URL: {e}"))?;
        anyhow::ensure!(
            parsed.scheme() == "s3",
            "ERP_FILE_STORE {url:?}: only s3:// buckets and directories are supported"
        );
        let bucket = parsed
            .host_str()
            .filter(|b| !b.is_empty())
            .ok_or_else(|| anyhow::anyhow!("ERP_FILE_STORE {url:?} names no bucket"))?;
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| anyhow::anyhow!("ERP_FILE_STORE {url:?}: {e}"))?;
        let prefix = parsed.path().trim_matches('/');
        let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
        };
        Ok(FileStore {
            inner,
            location: url.to_owned(),
        })
    }

    /// Write `bytes` under `key`, replacing what was there.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        self.inner
            .put(&Key::from(key), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| failed("writing", key, e))
    }

    /// What is under `key`; `None` when nothing is.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self.inner.get(&Key::from(key)).await {
            Ok(found) => found
                .bytes()
                .await
                .map(|b| Some(b.to_vec()))
                .map_err(|e| failed("reading", key, e)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed("reading", key, e)),
        }
    }

    /// Remove `key`; nothing there is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.inner.delete(&Key::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed("deleting", key, e)),
        }
    }
}

fn failed(doing: &str, key: &str, e: object_store::Error) -> Error {
    Error::internal(anyhow::anyhow!("{doing} {key} in the file store: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_directory_store_writes_reads_and_deletes() {
        let dir = std::env::temp_dir().join(format!("erp-files-{}", uuid::Uuid::new_v4()));
        let store =
            FileStore::open(&format!("file://{}", dir.display())).expect("the directory store");
        assert_eq!(
            store.get("a/b.txt").await.expect("the directory store"),
            None
        );
        store
            .put("a/b.txt", b"hola".to_vec())
            .await
            .expect("the directory store");
        assert_eq!(
            std::fs::read(dir.join("a/b.txt")).expect("the directory store"),
            b"hola"
        );
        assert_eq!(
            store
                .get("a/b.txt")
                .await
                .expect("the directory store")
                .as_deref(),
            Some(&b"hola"[..])
        );
        store.delete("a/b.txt").await.expect("the directory store");
        store.delete("a/b.txt").await.expect("the directory store");
        assert_eq!(
            store.get("a/b.txt").await.expect("the directory store"),
            None
        );
        std::fs::remove_dir_all(dir).expect("the directory store");
    }

    #[test]
    fn a_url_that_is_not_a_store_is_refused_with_a_sentence() {
        let e = FileStore::open("ftp://example.org/x")
            .expect_err("a refusal")
            .to_string();
        assert!(e.contains("only s3://"), "{e}");
        let e = FileStore::open("s3:///x")
            .expect_err("a refusal")
            .to_string();
        assert!(e.contains("no bucket") || e.contains("not a URL"), "{e}");
    }
}
