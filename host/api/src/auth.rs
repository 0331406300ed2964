//! Bearer-token authentication. Tokens come from [`ApiConfig::tokens`]; with none configured
//! the API is open (the host logs a warning at start).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{ApiConfig, ApiError, ApiState};

/// What a request's credentials amount to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// No token is configured: everything is allowed.
    Open,
    Valid,
    Missing,
    Invalid,
}

/// Compares in time independent of where the first difference is (the length of a token is
/// not secret).
fn same(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// Checks the `Authorization: Bearer` header, else `query_token`.
pub(crate) fn check_token(
    config: &ApiConfig,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> TokenCheck {
    if config.is_open() {
        return TokenCheck::Open;
    }
    let presented = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            let value = value.to_str().unwrap_or_default();
            match value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
            {
                Some(token) => token.trim(),
                None => return TokenCheck::Invalid,
            }
        }
        None => match query_token {
            Some(token) => token,
            None => return TokenCheck::Missing,
        },
    };
    let mut valid = false;
    for token in &config.tokens {
        valid |= same(token.as_bytes(), presented.as_bytes());
    }
    if valid {
        TokenCheck::Valid
    } else {
        TokenCheck::Invalid
    }
}

/// Middleware of the protected routes.
pub(crate) async fn require_token(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    match check_token(state.config(), request.headers(), None) {
        TokenCheck::Open | TokenCheck::Valid => next.run(request).await,
        TokenCheck::Missing => ApiError::unauthorized(
            "missing_token",
            "this route needs an Authorization: Bearer <token> header",
        )
        .into_response(),
        TokenCheck::Invalid => {
            ApiError::unauthorized("invalid_token", "the bearer token is not valid").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn config() -> ApiConfig {
        ApiConfig {
            tokens: vec!["s3cret".into(), "other".into()],
            ..ApiConfig::default()
        }
    }

    #[test]
    fn bearer_header_and_query_token_are_checked() {
        let mut headers = HeaderMap::new();
        assert_eq!(check_token(&config(), &headers, None), TokenCheck::Missing);
        assert_eq!(
            check_token(&config(), &headers, Some("other")),
            TokenCheck::Valid
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        assert_eq!(check_token(&config(), &headers, None), TokenCheck::Valid);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cre"),
        );
        assert_eq!(check_token(&config(), &headers, None), TokenCheck::Invalid);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic czNjcmV0"),
        );
        assert_eq!(check_token(&config(), &headers, None), TokenCheck::Invalid);
    }

    #[test]
    fn without_tokens_the_api_is_open() {
        assert_eq!(
            check_token(&ApiConfig::default(), &HeaderMap::new(), None),
            TokenCheck::Open
        );
    }
}
