//! `indexer/openapi.yaml` is generated from the types: this test fails when the checked-in
//! file differs from what the code generates, so the document and the server cannot drift.
//! `AOS_BLESS=1 cargo test -p aos-indexer-api --test openapi` rewrites the file.

use std::path::PathBuf;

#[test]
fn checked_in_openapi_yaml_is_the_generated_one() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml");
    let generated = aos_indexer_api::openapi_yaml().expect("the document serialises");
    if std::env::var("AOS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write indexer/openapi.yaml");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "indexer/openapi.yaml differs from the document generated from aos-indexer-api's types: \
         run `AOS_BLESS=1 cargo test -p aos-indexer-api --test openapi` and commit it"
    );
}

#[test]
fn the_document_states_the_bounds_the_server_enforces() {
    let y = aos_indexer_api::openapi_yaml().expect("the document serialises");
    for needle in [
        "^0x[0-9a-fA-F]{64}$", // task ids
        "^0x[0-9a-fA-F]{40}$", // addresses
        "^[0-9]{1,78}$",       // dispute ids, amounts
        "maximum: 1000",       // limit
        "ErrorBody",
        "bad_request",
    ] {
        assert!(y.contains(needle), "openapi.yaml lacks {needle:?}");
    }
}
