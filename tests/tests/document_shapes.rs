//! The shapes of batch upsert that HubSpot's documents have had (`tests/family/spec/upsert_*.yaml`,
//! documents of ours): none at all, 200 only, 200 and 207, answers without a body, results
//! without `new`, results whose `archived` and `createdAt` are optional. Each is a module of
//! the family crate, compiled and linted with the workspace; here: bulk upsert exists exactly
//! where the operation does, and works on every shape that has it.

use std::path::{Path, PathBuf};

use hubspot_runtime::Client;
use hubspot_runtime::bulk::{BulkUpsert, OutcomeKind, UpsertOperation};
use hubspot_runtime::testing::FakeHubSpot;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn spec(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("family/spec/{name}.yaml"))
}

/// Whether the generator found a batch upsert in the document (and so implemented the bulk
/// trait for its handle).
fn has_upsert(name: &str) -> bool {
    let generated = generator::generate(&spec(name)).expect("the document generates");
    generated.documents[0].api.helpers.upsert.is_some()
}

#[test]
fn bulk_upsert_exists_exactly_where_the_operation_does() {
    assert!(!has_upsert("upsert_none"));
    for name in [
        "upsert_ok",
        "upsert_multi",
        "upsert_bodiless",
        "upsert_no_new",
        "upsert_optional",
    ] {
        assert!(has_upsert(name), "{name}");
    }
    // The handles of those documents implement the trait (this would not compile otherwise);
    // the one without the operation does not, as its module's source shows.
    fn bulk<O: UpsertOperation>() {}
    bulk::<family::upsert_ok::UpsertOk>();
    bulk::<family::upsert_multi::UpsertMulti>();
    bulk::<family::upsert_bodiless::UpsertBodiless>();
    bulk::<family::upsert_no_new::UpsertNoNew>();
    bulk::<family::upsert_optional::UpsertOptional>();
    let none = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("family/src/generated/upsert_none/mod.rs"),
    )
    .expect("the module of upsert_none");
    assert!(!none.contains("UpsertOperation"), "{none}");
}

/// Twelve inputs keyed on the fake's unique property `key`.
fn inputs<I>(make: impl Fn(String, String) -> I) -> Vec<I> {
    (1..=12)
        .map(|n| make(format!("k-{n}"), format!("Item {n}")))
        .collect()
}

/// Runs a bulk upsert of twelve inputs of `O` against a fake HubSpot whose object `object`
/// has the unique property `key`, and returns the outcomes' kinds by name.
async fn upsert_against_the_fake<O, F>(
    object: &str,
    handle: F,
    input: fn(String, String) -> O::Input,
) -> Vec<&'static str>
where
    O: UpsertOperation,
    F: FnOnce(&Client) -> O,
{
    let fake = FakeHubSpot::builder()
        .unique_property_of(object, "key")
        .start()
        .await;
    let api = handle(&fake.client());
    let report = BulkUpsert::new(&api).run_iter(inputs(input)).report().await;
    assert_eq!(report.outcomes.len(), 12, "{}", report.summary);
    assert_eq!(fake.record_count(object), 12);
    for n in 1..=12 {
        let stored = fake
            .record_by(object, "key", &format!("k-{n}"))
            .unwrap_or_else(|| panic!("k-{n} is stored"));
        assert_eq!(stored.property("name"), Some(format!("Item {n}").as_str()));
    }
    report
        .outcomes
        .iter()
        .map(|outcome| match outcome.kind() {
            OutcomeKind::Created(_) => "created",
            OutcomeKind::Updated(_) => "updated",
            OutcomeKind::Landed(Some(_)) => "landed with its record",
            OutcomeKind::Landed(None) => "landed",
            OutcomeKind::Failed(error) => panic!("input {}: failed: {error}", outcome.index()),
            OutcomeKind::NotAttempted(why) => panic!("input {}: not sent: {why}", outcome.index()),
            _ => panic!("input {}: an outcome of another kind", outcome.index()),
        })
        .collect()
}

macro_rules! input {
    ($module:ident) => {
        |key: String, name: String| {
            family::$module::types::UpsertInput::new(key, [("name".to_owned(), name)].into())
                .with_id_property("key".to_owned())
        }
    };
}

#[tokio::test]
async fn every_shape_with_the_operation_upserts_every_input() {
    let created = vec!["created"; 12];
    assert_eq!(
        upsert_against_the_fake("p_ok", family::upsert_ok::UpsertOk::new, input!(upsert_ok)).await,
        created
    );
    assert_eq!(
        upsert_against_the_fake(
            "p_multi",
            family::upsert_multi::UpsertMulti::new,
            input!(upsert_multi)
        )
        .await,
        created
    );
    assert_eq!(
        upsert_against_the_fake(
            "p_optional",
            family::upsert_optional::UpsertOptional::new,
            input!(upsert_optional)
        )
        .await,
        created
    );
    // The engine reads `new` from the answer itself, so a document whose result schema leaves
    // it out still tells created from updated when HubSpot sends it (the fake does). The
    // runtime's own tests cover an answer that does not.
    assert_eq!(
        upsert_against_the_fake(
            "p_no_new",
            family::upsert_no_new::UpsertNoNew::new,
            input!(upsert_no_new)
        )
        .await,
        created
    );
}

#[tokio::test]
async fn an_answer_without_a_body_lands_every_input_without_a_record() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/p_bodiless/batch/upsert"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .token("test-token")
        .base_url(&server.uri())
        .build()
        .expect("a client for the mock server");
    let api = family::upsert_bodiless::UpsertBodiless::new(&client);
    let report = BulkUpsert::new(&api)
        .run_iter(inputs(input!(upsert_bodiless)))
        .report()
        .await;
    assert_eq!(report.outcomes.len(), 12);
    assert!(
        report
            .outcomes
            .iter()
            .all(|o| matches!(o.kind(), OutcomeKind::Landed(None))),
        "{:?}",
        report.outcomes
    );
}
