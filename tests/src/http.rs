//! A small JSON client for the API under test.

use reqwest::StatusCode;
use serde_json::Value;

/// The API's base URL and an HTTP client.
#[derive(Clone, Debug)]
pub struct Api {
    base: String,
    client: reqwest::Client,
}

/// A response: status, headers we check, and the JSON body (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub disposition: Option<String>,
    /// The body as text (lossy UTF-8).
    pub text: String,
    pub body: Value,
}

impl Reply {
    /// Asserts an error reply: `status` and the API's error shape with `code`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{:?}", self.body);
        assert_error_body(&self.body, code);
    }
}

impl Reply {
    /// Asserts a reply that made something (`status`, e.g. `201` or `202`) and points at it:
    /// `Location: <collection>/<id>`; the id.
    #[track_caller]
    pub fn assert_made(&self, status: u16, collection: &str) -> String {
        assert_eq!(self.status, status, "{:?}", self.body);
        let id = self.body["id"].as_str().expect("an id").to_owned();
        let location = format!("{collection}/{id}");
        assert_eq!(self.location.as_deref(), Some(location.as_str()));
        id
    }
}

/// Asserts the API's error shape `{"error": {"code": code, "message": <non-empty>}}`.
#[track_caller]
pub fn assert_error_body(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error without a message: {body}"
    );
}

/// The `User-Agent` of every request the tests make (the audit trail records it).
pub const USER_AGENT: &str = "reachly-tests/1";

impl Api {
    pub fn new(base: String) -> Api {
        Api {
            base,
            client: reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .build()
                .expect("an HTTP client"),
        }
    }

    /// The API's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn raw_get(&self, path: &str) -> reqwest::Result<StatusCode> {
        Ok(self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?
            .status())
    }

    /// A request to `path`, for what the helpers below do not make (custom headers, large
    /// bodies, other methods); send it with [`Api::send`].
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// Sends `request`, with `token` as its bearer token when given.
    pub async fn send(&self, request: reqwest::RequestBuilder, token: Option<&str>) -> Reply {
        let request = match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (location, content_type) = (header("location"), header("content-type"));
        let disposition = header("content-disposition");
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            location,
            content_type,
            disposition,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.request(reqwest::Method::GET, path), token)
            .await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(self.request(reqwest::Method::POST, path).json(body), token)
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(self.request(reqwest::Method::PATCH, path).json(body), token)
            .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.request(reqwest::Method::DELETE, path), token)
            .await
    }

    /// POSTs `body` as it is, labelled JSON.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let request = self
            .request(reqwest::Method::POST, path)
            .header("content-type", "application/json")
            .body(body);
        self.send(request, token).await
    }
}

impl Api {
    /// Uploads `bytes` as the multipart `file` field of `/v1/contact-lists`, with `name`.
    pub async fn upload_list(
        &self,
        token: &str,
        name: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let form = reqwest::multipart::Form::new()
            .text("name", name.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned()),
            );
        self.send(
            self.client
                .post(format!("{}/v1/contact-lists", self.base))
                .multipart(form),
            Some(token),
        )
        .await
    }
}

impl Api {
    /// `GET path` as raw text: status, `content-type`, `content-disposition` and the body.
    pub async fn get_text(
        &self,
        path: &str,
        token: &str,
    ) -> (StatusCode, Option<String>, Option<String>, String) {
        let reply = self.get(path, Some(token)).await;
        (
            reply.status,
            reply.content_type,
            reply.disposition,
            reply.text,
        )
    }
}
