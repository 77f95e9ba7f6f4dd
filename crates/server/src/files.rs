//! Attachment bytes on the local disk, under `Config::attachments_dir` — outside any web root;
//! they leave only through the access-checked attachment routes.
//!
//! A file is stored by its content hash (`ab/cd/<sha256>`), so the same photo uploaded twice is
//! kept once. An upload is streamed into a temporary file in `tmp/` (same filesystem), hashed on
//! the way and cut off past the size limit; only when it is complete is it synced and renamed
//! into place, and only then is its row written. A failed transaction can leave an orphan file,
//! never a row pointing to a missing one.

use propdesk_domain::attachment::SNIFF_BYTES;
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// Why receiving an upload stopped.
#[derive(Debug)]
pub enum ReceiveError {
    /// More than the allowed bytes arrived; what was received is discarded.
    TooLarge,
    Io(io::Error),
}

impl From<io::Error> for ReceiveError {
    fn from(e: io::Error) -> Self {
        ReceiveError::Io(e)
    }
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { root: root.into() }
    }

    /// Starts receiving an upload of at most `max` bytes.
    pub async fn receive(&self, max: u64) -> io::Result<Upload> {
        let dir = self.root.join("tmp");
        fs::create_dir_all(&dir).await?;
        let path = dir.join(format!("{}.part", crate::auth::new_secret()));
        let file = File::create(&path).await?;
        Ok(Upload { file: Some(file), path: Some(path), max, size: 0, hash: Sha256::new(), head: Vec::with_capacity(SNIFF_BYTES) })
    }

    /// The stored file of a storage key; keys that are not `hh/hh/<64 hex>` are refused, so a
    /// row can never point outside the directory.
    pub async fn open(&self, key: &str) -> io::Result<File> {
        if !valid_key(key) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a storage key"));
        }
        File::open(self.root.join(key)).await
    }
}

fn key_of(sha256: &str) -> String {
    format!("{}/{}/{sha256}", &sha256[..2], &sha256[2..4])
}

fn valid_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    matches!(parts.as_slice(), [a, b, h] if hex(a, 2) && hex(b, 2) && hex(h, 64) && h.starts_with(*a) && h[2..].starts_with(*b))
}

/// An upload being received into its temporary file; removed when dropped unless kept.
pub struct Upload {
    file: Option<File>,
    path: Option<PathBuf>,
    max: u64,
    size: u64,
    hash: Sha256,
    head: Vec<u8>,
}

impl Upload {
    /// Lowers the limit once the kind is known (a photo may not grow to a video's size).
    pub fn limit_to(&mut self, max: u64) {
        self.max = self.max.min(max);
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), ReceiveError> {
        self.size += chunk.len() as u64;
        if self.size > self.max {
            return Err(ReceiveError::TooLarge);
        }
        if self.head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hash.update(chunk);
        match self.file.as_mut() {
            Some(f) => Ok(f.write_all(chunk).await?),
            None => Err(ReceiveError::Io(io::Error::other("upload already finished"))),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The first bytes, for `attachment::sniff`.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Syncs the file and moves it to its content path; returns (sha256, storage key).
    /// After this the bytes are durable; the caller then writes the row.
    pub async fn keep(mut self, store: &FileStore) -> io::Result<(String, String)> {
        let sha256: String = self.hash.clone().finalize().iter().map(|b| format!("{b:02x}")).collect();
        let key = key_of(&sha256);
        let target = store.root.join(&key);
        let mut file = self.file.take().ok_or_else(|| io::Error::other("upload already finished"))?;
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).await?;
        }
        let tmp = self.path.take().ok_or_else(|| io::Error::other("upload already finished"))?;
        // Same content, same name: replacing an existing copy changes nothing.
        if let Err(e) = fs::rename(&tmp, &target).await {
            let _ = fs::remove_file(&tmp).await;
            return Err(e);
        }
        sync_dir(target.parent()).await;
        Ok((sha256, key))
    }
}

/// Makes the rename itself durable where the platform allows it (a directory can be opened
/// and synced on Unix); elsewhere the rename is as durable as the filesystem makes it.
async fn sync_dir(dir: Option<&Path>) {
    if let Some(d) = dir
        && let Ok(f) = File::open(d).await
    {
        let _ = f.sync_all().await;
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            // A refused or abandoned upload: nothing refers to its temporary file.
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("propdesk-files-{name}-{}", crate::auth::new_secret()))
    }

    #[tokio::test]
    async fn cmp_3_upload_is_hashed_and_kept_by_content() {
        let store = FileStore::new(temp_root("keep"));
        let mut u = store.receive(100).await.expect("receive");
        u.write(b"\xFF\xD8\xFFhello ").await.expect("write");
        u.write(b"world").await.expect("write");
        assert_eq!((u.size(), u.head()), (14, &b"\xFF\xD8\xFFhello world"[..]));
        let (sha, key) = u.keep(&store).await.expect("keep");
        assert_eq!(key, format!("{}/{}/{sha}", &sha[..2], &sha[2..4]));
        let mut f = store.open(&key).await.expect("open");
        let mut s = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut f, &mut s).await.expect("read");
        assert_eq!(s, b"\xFF\xD8\xFFhello world");
        let left: Vec<_> = std::fs::read_dir(store.root.join("tmp")).expect("tmp").collect();
        assert!(left.is_empty(), "no temporary file is left behind");
    }

    #[tokio::test]
    async fn cmp_3_too_large_and_dropped_uploads_leave_nothing() {
        let store = FileStore::new(temp_root("drop"));
        let mut u = store.receive(4).await.expect("receive");
        assert!(matches!(u.write(b"12345").await, Err(ReceiveError::TooLarge)));
        drop(u);
        let left: Vec<_> = std::fs::read_dir(store.root.join("tmp")).expect("tmp").collect();
        assert!(left.is_empty());
    }

    #[test]
    fn storage_keys_cannot_leave_the_directory() {
        let sha = "ab".repeat(32);
        assert!(valid_key(&key_of(&sha)));
        for bad in ["../../etc/passwd", "ab/ab/../../x", "/etc/passwd", "ab/cd/abab", &format!("ab/ab/{}", "AB".repeat(32))] {
            assert!(!valid_key(bad), "{bad}");
        }
        assert!(!valid_key(&format!("cd/ab/{sha}")), "the folders follow the hash");
    }
}
