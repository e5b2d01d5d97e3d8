//! The JSON Schemas under `protocol/schemas/` must match what the types generate.
//! Run with `AOS_BLESS=1` to rewrite them after a deliberate change.

use std::path::PathBuf;

#[test]
fn checked_in_schemas_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let bless = std::env::var("AOS_BLESS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, text) in aos_protocol::messages::schema::all() {
        let path = dir.join(format!("{name}.json"));
        if bless {
            std::fs::create_dir_all(&dir).expect("create schemas dir");
            std::fs::write(&path, &text).expect("write schema");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(old) if old == text => {}
            _ => stale.push(path.display().to_string()),
        }
    }
    assert!(
        stale.is_empty(),
        "schemas out of date (rerun with AOS_BLESS=1 and review the diff): {stale:?}"
    );
}
