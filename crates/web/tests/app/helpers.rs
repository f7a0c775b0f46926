use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use bangfu_domain::plan::parse_plan;
use bangfu_domain::user::{Login, Role};
use bangfu_store::testing::TestDatabase;
use bangfu_store::{NewUser, PlanStore};
use bangfu_web::auth::password::hash_password;
use bangfu_web::{AppState, Clock};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tower::ServiceExt;

pub const BUILT_IN: &str = include_str!("../../../../plans/daxing-2017-2020.toml");
pub const PASSWORD: &str = "a-long-test-password";

/// 2018-03-10 10:00 Beijing time: 2018Q1 is open and due in ten days.
pub fn before_first_deadline() -> DateTime<Utc> {
    "2018-03-10T02:00:00Z".parse().unwrap()
}

pub struct TestApp {
    pub state: AppState,
    pub db: TestDatabase,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> &str {
        self.headers[header::LOCATION].to_str().unwrap()
    }
}

/// An API token with `secret`, made now, without expiry.
pub fn new_token(secret: &str, label: &str) -> bangfu_store::NewApiToken {
    bangfu_store::NewApiToken {
        token_hash: bangfu_web::auth::session::sha256_hex(secret),
        label: label.to_string(),
        created_at: Utc::now(),
        expires_at: None,
    }
}

/// A logged-in browser or API client: its session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Client {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        self.send_to(&self.state, request).await
    }

    /// Another `bangfu serve` on the same database: the same store and clock, its own memory.
    pub fn other_server(&self) -> AppState {
        let mut state = AppState::new(self.state.store.clone(), self.state.plan.clone());
        state.clock = self.state.clock.clone();
        state
    }

    /// A request to the server whose state is `state` (this one's or [`Self::other_server`]).
    pub async fn send_to(&self, state: &AppState, request: Request<Body>) -> TestResponse {
        let response = bangfu_web::router(state.clone())
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
            .await
            .expect("body");
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A GET through the whole router (middleware included), without a socket.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn get_as(&self, client: &Client, path: &str) -> TestResponse {
        self.send(
            Request::get(path)
                .header(header::COOKIE, &client.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A JSON request as `client` (with its CSRF header), or anonymous.
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        client: Option<&Client>,
        body: serde_json::Value,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = client {
            request = request
                .header(header::COOKIE, &c.cookie)
                .header("x-csrf-token", &c.csrf);
        }
        self.send(request.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// A browser form post as `client` (the CSRF token in the form, as the pages do).
    pub async fn form(
        &self,
        path: &str,
        client: Option<&Client>,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        self.form_to(&self.state, path, client, fields).await
    }

    /// [`Self::form`] sent to the server whose state is `state`.
    pub async fn form_to(
        &self,
        state: &AppState,
        path: &str,
        client: Option<&Client>,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if let Some(c) = client {
            all.push(("csrf", &c.csrf));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = client {
            request = request.header(header::COOKIE, &c.cookie);
        }
        self.send_to(state, request.body(Body::from(body)).unwrap())
            .await
    }

    /// A file uploaded as multipart field `file` by `client` (CSRF token in the query string).
    pub async fn upload(
        &self,
        path: &str,
        client: &Client,
        file_name: &str,
        bytes: &[u8],
    ) -> TestResponse {
        let boundary = "BoUnDaRy";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        self.send(
            Request::post(format!("{path}{sep}csrf={}", client.csrf))
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header(header::COOKIE, &client.cookie)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    pub async fn add_user(&self, login: &str, role: Role, unit: Option<&str>) {
        self.state
            .store
            .create_user(
                NewUser {
                    login: Login::parse(login).unwrap(),
                    display_name: name_of(login),
                    role,
                    unit_code: unit.map(str::to_string),
                    phone: "010-69200000".into(),
                    email: String::new(),
                    password_hash: hash_password(PASSWORD.into()).await.unwrap(),
                },
                "test",
            )
            .await
            .unwrap();
    }

    /// Logs in through the API and returns the session.
    pub async fn login(&self, login: &str) -> Client {
        let r = self
            .json(
                Method::POST,
                "/api/v1/login",
                None,
                serde_json::json!({ "login": login, "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let cookie = r.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        Client {
            cookie,
            csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
        }
    }

    /// A user of `role` (a reporter of `unit`), logged in.
    pub async fn user(&self, login: &str, role: Role, unit: Option<&str>) -> Client {
        self.add_user(login, role, unit).await;
        self.login(login).await
    }

    /// Serves the application on a free local port; returns its base URL.
    pub async fn serve(&self) -> String {
        serve_state(self.state.clone()).await
    }
}

/// Serves an application state (this server's or another's on the same database) on a free port.
pub async fn serve_state(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { bangfu_web::serve(listener, state).await });
    format!("http://{addr}")
}

async fn app_on(db: TestDatabase) -> TestApp {
    app_with_plan(db, BUILT_IN).await
}

async fn app_with_plan(db: TestDatabase, source: &str) -> TestApp {
    let plan = parse_plan("plan", source).expect("the test's plan");
    db.store.load_plan(&plan, source, "test").await.unwrap();
    let mut state = AppState::new(Arc::new(db.store.clone()), Arc::new(plan));
    state.clock = Clock::Fixed(before_first_deadline());
    TestApp { state, db }
}

/// The application on a fresh SQLite database with the built-in plan, on 2018-03-10.
pub async fn spawn_app() -> TestApp {
    app_on(TestDatabase::sqlite().await).await
}

/// The application with another district's plan file (given as text), on SQLite.
pub async fn spawn_app_with_plan(source: &str) -> TestApp {
    app_with_plan(TestDatabase::sqlite().await, source).await
}

/// The same on a fresh PostgreSQL database, when one is configured.
pub async fn spawn_app_on_postgres() -> Option<TestApp> {
    Some(app_on(TestDatabase::postgres().await?).await)
}

/// The name a test user goes by: a real-looking name that shares nothing with the login, so that
/// a page showing a login where a person's name belongs fails the test.
pub fn name_of(login: &str) -> String {
    const NAMES: [(&str, &str); 30] = [
        ("jw-clerk", "张伟"),
        ("coordinator", "李娜"),
        ("leader", "王芳"),
        ("czj-cw", "刘洋"),
        ("wjw-clerk", "陈静"),
        ("auditor", "杨帆"),
        ("sjj-sj", "赵磊"),
        ("fgw-coordinator", "黄敏"),
        ("li", "周杰"),
        ("admin1", "吴刚"),
        ("czj-clerk", "徐丽"),
        ("czj", "孙强"),
        ("zzb-clerk", "马超"),
        ("wang", "朱琳"),
        ("sww-clerk", "胡军"),
        ("sj", "郭亮"),
        ("root", "何平"),
        ("old-account", "高峰"),
        ("lingdao", "林涛"),
        ("clerk", "罗娟"),
        ("auditor1", "梁宇"),
        ("victim", "宋佳"),
        ("sj-auditor", "郑凯"),
        ("robot", "谢婷"),
        ("real", "韩雪"),
        ("next-user", "唐明"),
        ("fgw-office", "冯丽"),
        ("cz-finance", "于洋"),
        ("colleague", "董梅"),
        ("admin", "萧然"),
    ];
    match NAMES.iter().find(|(l, _)| *l == login) {
        Some((_, name)) => name.to_string(),
        // Another test's own login: a name made of its length, still free of the login.
        None => format!("测试员{}号", login.len()),
    }
}

/// The page's text as a person reads it: tags, and so attributes such as a name's `title=` login
/// tooltip, left out.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}
