//! One version of each object for a whole run: a network store wrapped so that the ETag an object has when it
//! is first listed or read is remembered, and every later read of it is conditional on that ETag (`If-Match`).
//! An object replaced while recon reads it fails its next read (`Precondition`, named by [`super::error`])
//! instead of mixing the bytes of two versions.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path as StorePath;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMultipartOptions,
    PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

/// `inner`, with the ETags its objects had when first seen.
#[derive(Debug)]
pub(super) struct Pinned {
    inner: Arc<dyn ObjectStore>,
    tags: Arc<Mutex<HashMap<StorePath, String>>>,
}

impl Pinned {
    pub(super) fn new(inner: Arc<dyn ObjectStore>) -> Pinned {
        Pinned { inner, tags: Arc::default() }
    }
}

/// Remembers `meta`'s ETag unless its object's is already known. A store giving none pins nothing, nor does a
/// weak one (`W/"…"`, from a web server that may compress), which `If-Match` never matches.
fn remember(tags: &Mutex<HashMap<StorePath, String>>, meta: &ObjectMeta) {
    if let Some(tag) = meta.e_tag.as_ref().filter(|tag| !tag.starts_with("W/")) {
        let mut tags = tags.lock().unwrap_or_else(|e| e.into_inner());
        tags.entry(meta.location.clone()).or_insert_with(|| tag.clone());
    }
}

impl fmt::Display for Pinned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

#[async_trait::async_trait]
impl ObjectStore for Pinned {
    async fn get_opts(&self, location: &StorePath, mut options: GetOptions) -> Result<GetResult> {
        let pinned = self.tags.lock().unwrap_or_else(|e| e.into_inner()).get(location).cloned();
        if options.if_match.is_none() {
            options.if_match = pinned;
        }
        let got = self.inner.get_opts(location, options).await?;
        remember(&self.tags, &got.meta);
        Ok(got)
    }

    fn list(&self, prefix: Option<&StorePath>) -> BoxStream<'static, Result<ObjectMeta>> {
        let tags = self.tags.clone();
        self.inner
            .list(prefix)
            .inspect(move |listed| {
                if let Ok(meta) = listed {
                    remember(&tags, meta);
                }
            })
            .boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&StorePath>) -> Result<ListResult> {
        let listed = self.inner.list_with_delimiter(prefix).await?;
        listed.objects.iter().for_each(|meta| remember(&self.tags, meta));
        Ok(listed)
    }

    async fn put_opts(&self, location: &StorePath, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &StorePath,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    fn delete_stream(&self, locations: BoxStream<'static, Result<StorePath>>) -> BoxStream<'static, Result<StorePath>> {
        self.inner.delete_stream(locations)
    }

    async fn copy_opts(&self, from: &StorePath, to: &StorePath, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &StorePath, to: &StorePath, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}
