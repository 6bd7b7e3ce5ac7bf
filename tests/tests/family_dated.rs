//! The shared runtime drives a client generated from a document that is not orders (the
//! module `family::dated`): the object type travels as a path parameter, association bodies
//! are JSON arrays, and property values the document makes nullable come back as `None`.

use family::Client;
use family::dated::Dated;
use family::dated::operations::GetByIdParams;
use family::dated::types::{AssociationCategory, AssociationSpec};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The dated document's operations, through a client of the mock server.
fn client(server: &MockServer) -> Dated {
    let client = Client::builder()
        .token("test-token")
        .base_url(&server.uri())
        .build()
        .expect("a client for the mock server");
    Dated::new(&client)
}

#[tokio::test]
async fn reads_a_record_of_any_object_type() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/crm/objects/2026-03/0-3/42"))
        .and(query_param("properties", "dealname"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "42",
            "archived": false,
            "createdAt": "2026-03-01T10:00:00Z",
            "updatedAt": "2026-03-02T10:00:00Z",
            "properties": {"dealname": "Renewal", "amount": null},
        })))
        .expect(1)
        .mount(&server)
        .await;
    let params = GetByIdParams::new().with_properties(vec!["dealname".to_owned()]);
    let deal = client(&server)
        .get_by_id("0-3", "42", &params)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deal.id, "42");
    assert_eq!(deal.properties["dealname"].as_deref(), Some("Renewal"));
    assert_eq!(deal.properties["amount"], None);
}

#[tokio::test]
async fn links_and_unlinks_two_records() {
    let server = MockServer::start().await;
    let record_path = "/crm/objects/2026-03/contacts/7/associations/companies/9";
    Mock::given(method("PUT"))
        .and(path(record_path))
        .and(body_json(serde_json::json!([
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1},
            {"associationCategory": "SOMEONE_NEW", "associationTypeId": 8},
        ])))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "fromObjectTypeId": "0-1",
            "fromObjectId": 7,
            "toObjectTypeId": "0-2",
            "toObjectId": 9,
            "labels": ["Primary"],
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(record_path))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let specs = [
        AssociationSpec::new(AssociationCategory::HubspotDefined, 1),
        AssociationSpec::new(AssociationCategory::Unknown("SOMEONE_NEW".to_owned()), 8),
    ];
    let pair = client
        .create_association("contacts", "7", "companies", "9", &specs)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((pair.from_object_id, pair.to_object_id), (7, 9));
    assert_eq!(pair.labels, ["Primary"]);
    client
        .archive_association("contacts", "7", "companies", "9")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}
