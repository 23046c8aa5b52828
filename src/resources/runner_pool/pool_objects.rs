//! A pool's Kubernetes objects: [`KubeObject`] with the token kept out.
//!
//! The record (and so the state's `rendered` and every plan)
//! holds the runner Secret with the token's digest in place of its value.
//! Writing the Secret, this kind puts the real token in; observing it, it
//! replaces what the cluster holds with that value's digest, so a token
//! changed out of band shows as drift without showing the token.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value as Json;

use super::expand::{TOKEN_KEY, digest};
use crate::kinds::kube_object::{KubeFields, KubeObject};
use crate::kinds::{parse, render};
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// Kubernetes objects of one pool, the token Secret filled at apply.
pub struct PoolObjects {
    pub kube: KubeObject,
    /// `None` in read, import and destroy, which never write the Secret.
    pub token: Option<SecretString>,
}

impl fmt::Debug for PoolObjects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolObjects").finish_non_exhaustive()
    }
}

impl PoolObjects {
    pub fn new(kube: Arc<crate::backends::kube::Kube>, token: Option<SecretString>) -> Self {
        PoolObjects {
            kube: KubeObject(kube),
            token,
        }
    }

    /// `spec` with the real token in, when it is the token Secret.
    fn with_token(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let mut fields: KubeFields = parse(id, spec)?;
        if !is_token_secret(&fields) {
            return Ok(spec.clone());
        }
        let token = self.token.as_ref().ok_or_else(|| KindError::Spec {
            id: id.to_string(),
            reason: "the runner token is not available to write the Secret; set \
                     runner_token or runner_token_wo"
                .to_string(),
        })?;
        let encoded = STANDARD.encode(token.expose_secret());
        fields.manifest["data"][TOKEN_KEY] = Json::String(encoded);
        Ok(render(&fields))
    }
}

fn is_token_secret(fields: &KubeFields) -> bool {
    fields.kind == "Secret" && fields.manifest.pointer("/data").is_some()
}

/// `observed` (already projected onto `desired` by the Kubernetes kind)
/// with the Secret's token replaced by its digest.
fn as_recorded(id: &str, observed: Spec) -> Result<Spec, KindError> {
    let mut fields: KubeFields = parse(id, &observed)?;
    if !is_token_secret(&fields) {
        return Ok(render(&fields));
    }
    let slot = &mut fields.manifest["data"][TOKEN_KEY];
    let live = slot.as_str().and_then(|text| STANDARD.decode(text).ok());
    let token = live.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    *slot = match token {
        Some(token) => Json::String(digest(&[&token])),
        None => Json::Null,
    };
    Ok(render(&fields))
}

#[async_trait::async_trait]
impl Kind for PoolObjects {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let Some(observed) = self.kube.observe(id, spec).await? else {
            return Ok(None);
        };
        Ok(Some(Observed {
            spec: as_recorded(id, observed.spec)?,
            owned: observed.owned,
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        self.kube.create(id, &self.with_token(id, spec)?).await?;
        Ok(spec.clone())
    }

    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        observed: &Observed,
        changes: &[Change],
    ) -> Result<Spec, KindError> {
        let filled = self.with_token(id, desired)?;
        self.kube.update(id, &filled, observed, changes).await?;
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        self.kube.delete(id, spec).await
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        self.kube.identity_fields()
    }

    fn delete_rank(&self) -> u8 {
        self.kube.delete_rank()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret(data: Json) -> Spec {
        let manifest = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "namespace": "n"},
            "data": data,
        });
        render(&KubeFields::of("c", manifest))
    }

    #[test]
    fn an_observed_token_becomes_its_digest() {
        let desired = secret(json!({TOKEN_KEY: digest(&["glrt-secret"])}));
        let live = secret(json!({TOKEN_KEY: STANDARD.encode("glrt-secret")}));
        let seen = as_recorded("id", live).unwrap();
        assert_eq!(seen, desired);
        assert!(!seen.to_string().contains("glrt-secret"));
    }
}
