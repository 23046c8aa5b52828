//! The engine against an in-memory kind that records every call.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::kind::{Change, Kind, KindError, Kinds, Observed};
use super::{Desired, Record, Spec, apply, delete_all, read};

/// Objects kept in memory: id -> (spec, owned).
#[derive(Default)]
struct World {
    objects: BTreeMap<String, (Spec, bool)>,
    failing: BTreeSet<String>,
    /// Creates that happen but answer with an error, as when the answer
    /// is lost and the client's retry is told "already exists".
    answer_lost: BTreeSet<String>,
    calls: Vec<String>,
}

#[derive(Clone, Default)]
struct Fake {
    world: Arc<Mutex<World>>,
    rank: u8,
}

impl Fake {
    fn log(&self, call: String) {
        self.world.lock().unwrap().calls.push(call);
    }

    fn fail_if_asked(&self, id: &str) -> Result<(), KindError> {
        if self.world.lock().unwrap().failing.contains(id) {
            return Err(KindError::Backend(format!("injected failure for {id}")));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Kind for Fake {
    async fn observe(&self, id: &str, _: &Spec) -> Result<Option<Observed>, KindError> {
        self.log(format!("observe {id}"));
        let world = self.world.lock().unwrap();
        let found = world.objects.get(id).cloned();
        Ok(found.map(|(spec, owned)| Observed { spec, owned }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        self.log(format!("create {id}"));
        self.fail_if_asked(id)?;
        let mut world = self.world.lock().unwrap();
        world.objects.insert(id.to_string(), (spec.clone(), true));
        if world.answer_lost.contains(id) {
            return Err(KindError::Backend(format!("{id} already exists")));
        }
        Ok(spec.clone())
    }

    async fn update(
        &self,
        id: &str,
        spec: &Spec,
        _: &Observed,
        _: &[Change],
    ) -> Result<Spec, KindError> {
        self.log(format!("update {id}"));
        self.fail_if_asked(id)?;
        let mut world = self.world.lock().unwrap();
        world.objects.insert(id.to_string(), (spec.clone(), true));
        Ok(spec.clone())
    }

    async fn delete(&self, id: &str, _: &Spec) -> Result<bool, KindError> {
        self.log(format!("delete {id}"));
        self.fail_if_asked(id)?;
        Ok(self.world.lock().unwrap().objects.remove(id).is_some())
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["name"]
    }

    fn delete_rank(&self) -> u8 {
        self.rank
    }
}

/// Three kinds sharing one world: attachments go first, roles, then OIDC.
fn setup() -> (Kinds, Arc<Mutex<World>>) {
    let world = Arc::new(Mutex::new(World::default()));
    let kind = |rank| {
        Arc::new(Fake {
            world: world.clone(),
            rank,
        }) as Arc<dyn Kind>
    };
    let kinds = Kinds::default()
        .with("attach", kind(0))
        .with("role", kind(1))
        .with("oidc", kind(2));
    (kinds, world)
}

fn platform() -> Vec<Desired> {
    vec![
        Desired::new("oidc/o", json!({"name": "o"})),
        Desired::new("role/r", json!({"name": "r", "max": 3600})).after("oidc/o"),
        Desired::new("attach/a", json!({"name": "a"})).after("role/r"),
        Desired::new("attach/b", json!({"name": "b"})).after("role/r"),
    ]
}

fn calls(world: &Arc<Mutex<World>>, verb: &str) -> Vec<String> {
    let world = world.lock().unwrap();
    world
        .calls
        .iter()
        .filter(|c| c.starts_with(verb))
        .cloned()
        .collect()
}

fn no_stop() -> CancellationToken {
    CancellationToken::new()
}

#[tokio::test]
async fn apply_creates_in_dependency_order_and_records_everything() {
    let (kinds, world) = setup();
    let applied = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;

    assert!(applied.succeeded(), "{:?}", applied.errors);
    assert_eq!(applied.record.len(), 4);
    let created = calls(&world, "create");
    let position = |id: &str| created.iter().position(|c| c.ends_with(id)).unwrap();
    assert!(position("oidc/o") < position("role/r"));
    assert!(position("role/r") < position("attach/a"));
    assert!(position("role/r") < position("attach/b"));
}

#[tokio::test]
async fn a_failure_returns_what_was_created_and_stops_dependents() {
    let (kinds, world) = setup();
    world.lock().unwrap().failing.insert("role/r".into());

    let applied = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;

    assert_eq!(applied.errors.len(), 1);
    assert_eq!(applied.errors[0].0, "role/r");
    assert_eq!(applied.record.keys().collect::<Vec<_>>(), ["oidc/o"]);
    assert!(
        calls(&world, "create attach").is_empty(),
        "dependents never started"
    );
}

#[tokio::test]
async fn a_corrected_reapply_converges_without_duplicates() {
    let (kinds, world) = setup();
    world.lock().unwrap().failing.insert("role/r".into());
    let first = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;
    world.lock().unwrap().failing.clear();

    let second = apply(&kinds, &platform(), &first.record, &no_stop()).await;

    assert!(second.succeeded());
    assert_eq!(second.record.len(), 4);
    assert_eq!(
        calls(&world, "create oidc/o").len(),
        1,
        "the OIDC provider is not created twice"
    );
    assert_eq!(world.lock().unwrap().objects.len(), 4);
}

#[tokio::test]
async fn an_object_we_own_but_forgot_is_adopted_after_a_crash() {
    let (kinds, world) = setup();
    apply(&kinds, &platform(), &Record::new(), &no_stop()).await;
    world.lock().unwrap().calls.clear();

    // The state was lost: the record is empty, the objects carry our tags.
    let again = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;

    assert!(again.succeeded(), "{:?}", again.errors);
    assert!(calls(&world, "create").is_empty());
    assert_eq!(again.record.len(), 4);
}

#[tokio::test]
async fn an_object_someone_else_owns_is_refused_not_taken_over() {
    let (kinds, world) = setup();
    let theirs = (json!({"name": "r", "max": 7200}), false);
    world
        .lock()
        .unwrap()
        .objects
        .insert("role/r".into(), theirs);

    let applied = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;

    assert!(matches!(applied.errors[0].1, KindError::NotOwned { .. }));
    assert!(calls(&world, "update").is_empty());
    assert_eq!(world.lock().unwrap().objects["role/r"].0["max"], 7200);
}

#[tokio::test]
async fn a_changed_field_updates_in_place_and_an_identity_change_replaces() {
    let (kinds, world) = setup();
    let first = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;
    let mut desired = platform();
    desired[1].spec["max"] = json!(7200);
    world.lock().unwrap().calls.clear();

    apply(&kinds, &desired, &first.record, &no_stop()).await;
    assert_eq!(calls(&world, "update"), ["update role/r"]);

    // Same id, another name: the object must be deleted and made again.
    world.lock().unwrap().objects.get_mut("attach/a").unwrap().0["name"] = json!("old");
    world.lock().unwrap().calls.clear();
    apply(&kinds, &desired, &first.record, &no_stop()).await;
    assert_eq!(calls(&world, "delete"), ["delete attach/a"]);
    assert_eq!(calls(&world, "create"), ["create attach/a"]);
}

#[tokio::test]
async fn sub_objects_no_longer_desired_are_deleted_in_rank_order() {
    let (kinds, world) = setup();
    let first = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;

    let applied = apply(&kinds, &platform()[..1], &first.record, &no_stop()).await;

    assert!(applied.succeeded());
    assert_eq!(applied.record.keys().collect::<Vec<_>>(), ["oidc/o"]);
    let deletes = calls(&world, "delete");
    assert_eq!(
        deletes.last().map(String::as_str),
        Some("delete role/r"),
        "{deletes:?}"
    );
}

#[tokio::test]
async fn delete_all_tolerates_objects_already_gone_and_goes_in_reverse() {
    let (kinds, world) = setup();
    let first = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;
    world.lock().unwrap().objects.remove("attach/a");
    world.lock().unwrap().calls.clear();

    let deleted = delete_all(&kinds, &first.record, &no_stop()).await;

    assert!(deleted.succeeded());
    assert!(deleted.record.is_empty());
    let deletes = calls(&world, "delete");
    assert_eq!(deletes.last().map(String::as_str), Some("delete oidc/o"));
    assert!(world.lock().unwrap().objects.is_empty());
}

#[tokio::test]
async fn read_reports_drift_and_missing_objects_with_one_call_each() {
    let (kinds, world) = setup();
    let first = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;
    world.lock().unwrap().objects.get_mut("role/r").unwrap().0["max"] = json!(1);
    world.lock().unwrap().objects.remove("attach/b");
    world.lock().unwrap().calls.clear();

    let refreshed = read(&kinds, &first.record).await.expect("read");

    assert_eq!(refreshed.record["role/r"]["max"], 1);
    assert_eq!(refreshed.missing, ["attach/b"]);
    assert_eq!(
        world.lock().unwrap().calls.len(),
        4,
        "one observe per sub-object"
    );
}

#[tokio::test]
async fn a_stop_before_a_level_starts_nothing_more() {
    let (kinds, world) = setup();
    let stop = CancellationToken::new();
    stop.cancel();

    let applied = apply(&kinds, &platform(), &Record::new(), &stop).await;

    assert!(matches!(applied.errors[0].1, KindError::Stopped));
    assert!(calls(&world, "create").is_empty());
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_adopted_not_failed() {
    let (kinds, world) = setup();
    world
        .lock()
        .unwrap()
        .answer_lost
        .insert("role/r".to_string());

    let applied = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;

    assert!(applied.succeeded(), "{:?}", applied.errors);
    assert_eq!(applied.record.len(), 4);
    assert_eq!(
        calls(&world, "create role/r").len(),
        1,
        "never created twice"
    );
}

#[tokio::test]
async fn an_object_someone_else_holds_is_refused_on_the_next_apply() {
    let (kinds, world) = setup();
    {
        let mut world = world.lock().unwrap();
        world.failing.insert("role/r".to_string());
    }
    let applied = apply(&kinds, &platform(), &Record::new(), &no_stop()).await;
    assert!(!applied.succeeded());

    // Someone else's object appears under the name between create and
    // the second look: it is not adopted.
    world
        .lock()
        .unwrap()
        .objects
        .insert("role/r".into(), (json!({"name": "r"}), false));
    let applied = apply(&kinds, &platform(), &applied.record, &no_stop()).await;
    assert!(
        matches!(
            applied.errors.first(),
            Some((_, KindError::NotOwned { .. }))
        ),
        "{:?}",
        applied.errors
    );
}
