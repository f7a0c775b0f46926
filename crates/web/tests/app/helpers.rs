use axum::body::Body;
use axum::http::{Request, StatusCode};
use bangfu_domain::plan::parse_plan;
use bangfu_store::testing::TestDatabase;
use bangfu_store::PlanStore;
use bangfu_web::AppState;
use std::sync::Arc;
use tower::ServiceExt;

pub const BUILT_IN: &str = include_str!("../../../../plans/daxing-2017-2020.toml");

pub struct TestApp {
    pub state: AppState,
    pub db: TestDatabase,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestApp {
    /// A GET through the whole router (middleware included), without a socket.
    pub async fn get(&self, path: &str) -> TestResponse {
        let response = bangfu_web::router(self.state.clone())
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .expect("body");
        TestResponse {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).expect("utf-8 body"),
        }
    }

    /// Serves the application on a free local port; returns its base URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = self.state.clone();
        tokio::spawn(async move { bangfu_web::serve(listener, state).await });
        format!("http://{addr}")
    }
}

async fn app_on(db: TestDatabase) -> TestApp {
    let plan = parse_plan("daxing", BUILT_IN).expect("built-in plan");
    db.store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    TestApp {
        state: AppState::new(Arc::new(db.store.clone()), Arc::new(plan)),
        db,
    }
}

/// The application on a fresh SQLite database with the built-in plan.
pub async fn spawn_app() -> TestApp {
    app_on(TestDatabase::sqlite().await).await
}

/// The same on a fresh PostgreSQL database, when one is configured.
pub async fn spawn_app_on_postgres() -> Option<TestApp> {
    Some(app_on(TestDatabase::postgres().await?).await)
}
