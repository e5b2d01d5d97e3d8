//! The typed client against a stand-in server: answers decode into the shared types, the
//! documented error body becomes `ClientError::Api` with its code, anything else is
//! classified (retryable or not) without panicking.

use aos_indexer_api::{ClientError, ErrorBody, ErrorCode, Health, IndexerClient, TasksQuery};
use axum::{
    Json, Router,
    extract::RawQuery,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};

async fn serve(router: Router) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, router).await.unwrap() });
    format!("http://{addr}/")
}

#[tokio::test]
async fn answers_errors_and_garbage_are_typed() {
    let base = serve(
        Router::new()
            .route(
                "/health",
                get(|| async {
                    Json(Health {
                        status: "ok".into(),
                        chain_id: 31337,
                        last_block: Some(7),
                        head_block: 7,
                        lag_blocks: 0,
                    })
                }),
            )
            .route(
                "/tasks",
                get(|RawQuery(q): RawQuery| async move {
                    // the query struct serialises only what is set
                    assert_eq!(q.as_deref(), Some("status=Open&limit=5"));
                    (
                        StatusCode::BAD_REQUEST,
                        Json(ErrorBody::new(ErrorCode::BadRequest, "status must be …")),
                    )
                        .into_response()
                }),
            )
            .route(
                "/disputes",
                get(|| async { (StatusCode::BAD_GATEWAY, "<html>proxy</html>").into_response() }),
            )
            .route(
                "/route",
                get(|| async { Json(serde_json::json!({"agents": 1})) }),
            )
            .fallback(|| async {
                let r: Response = (
                    StatusCode::NOT_FOUND,
                    Json(ErrorBody::new(ErrorCode::NotFound, "no task")),
                )
                    .into_response();
                r
            }),
    )
    .await;
    let c = IndexerClient::new(&base);
    assert_eq!(c.base_url(), base.trim_end_matches('/'));
    assert_eq!(c.health().await.unwrap().last_block, Some(7));

    let e = c
        .tasks(&TasksQuery {
            status: Some("Open".into()),
            limit: Some(5),
            ..TasksQuery::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ClientError::Api { status: 400, code: Some(ErrorCode::BadRequest), message, .. } if message == "status must be …"),
        "{e:?}"
    );
    assert!(!e.is_retryable());

    let e = c.task(Default::default()).await.unwrap_err();
    assert!(e.is_not_found(), "{e:?}");

    let e = c.disputes(&Default::default()).await.unwrap_err();
    assert!(
        matches!(
            &e,
            ClientError::Api {
                status: 502,
                code: None,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable(), "a 5xx may pass");

    let e = c.route(&Default::default()).await.unwrap_err();
    assert!(matches!(e, ClientError::Decode { .. }), "{e:?}");

    let e = IndexerClient::new("http://127.0.0.1:1")
        .health()
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Transport { .. }) && e.is_retryable());
    assert!(e.to_string().contains("127.0.0.1:1"), "{e}");
}
