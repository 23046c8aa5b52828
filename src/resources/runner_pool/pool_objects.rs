//! A pool's Kubernetes objects: [`KubeObject`] with two additions.
//!
//! *The token.* The record (and so the state's `rendered` and every plan)
//! holds the runner Secret with the token's digest in place of its value.
//! Writing the Secret, this kind puts the real token in; observing it, it
//! replaces what the cluster holds with that value's digest, so a token
//! changed out of band shows as drift without showing the token.
//!
//! *Lists of objects.* [`KubeObject`] projects an observation onto the
//! applied manifest object by object but takes lists whole, and an API
//! server fills defaults into list elements (a Deployment's containers get
//! `imagePullPolicy`, `terminationMessagePath` ...), which would be drift
//! on every plan. Here lists of the applied length are projected element
//! by element; a list of another length stays whole, so it shows.

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

/// The parts of `live` at the keys `applied` has, through objects and
/// through lists of the same length, element by element.
pub fn project_elements(live: &Json, applied: &Json) -> Json {
    match (live, applied) {
        (Json::Object(live), Json::Object(applied)) => Json::Object(
            applied
                .iter()
                .map(|(key, wanted)| {
                    let found = live.get(key).map(|value| project_elements(value, wanted));
                    (key.clone(), found.unwrap_or(Json::Null))
                })
                .collect(),
        ),
        (Json::Array(live), Json::Array(applied)) if live.len() == applied.len() => Json::Array(
            live.iter()
                .zip(applied)
                .map(|(live, wanted)| project_elements(live, wanted))
                .collect(),
        ),
        (live, _) => live.clone(),
    }
}

/// `observed` projected onto `desired` element by element, the Secret's
/// token replaced by its digest.
fn as_recorded(id: &str, desired: &Spec, observed: Spec) -> Result<Spec, KindError> {
    let wanted: KubeFields = parse(id, desired)?;
    let mut fields: KubeFields = parse(id, &observed)?;
    fields.manifest = project_elements(&fields.manifest, &wanted.manifest);
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
            spec: as_recorded(id, spec, observed.spec)?,
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
        let seen = as_recorded("id", &desired, live).unwrap();
        assert_eq!(seen, desired);
        assert!(!seen.to_string().contains("glrt-secret"));
    }

    #[test]
    fn defaults_in_list_elements_are_not_drift_but_changed_values_are() {
        let applied = json!({"containers": [{"name": "r", "image": "a"}]});
        let live =
            json!({"containers": [{"name": "r", "image": "b", "imagePullPolicy": "Always"}]});
        let expected = json!({"containers": [{"name": "r", "image": "b"}]});
        assert_eq!(project_elements(&live, &applied), expected);
    }

    #[test]
    fn a_list_of_another_length_is_kept_whole() {
        let applied = json!({"rules": [{"a": 1}]});
        let live = json!({"rules": [{"a": 1, "x": 2}, {"a": 3}]});
        assert_eq!(project_elements(&live, &applied), live);
    }
}
