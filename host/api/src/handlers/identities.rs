//! Identities: the people and systems the host knows, and the channel addresses they are
//! reachable at (the store's identity resolver recognises senders by these addresses).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_model::{Identity, Metadata, new_id};
use serde::{Deserialize, Serialize};

use crate::extract::{JsonBody, QueryParams};
use crate::{ApiError, ApiState, Result};

/// The largest page of identities.
pub(crate) const MAX_IDENTITIES_PAGE: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateIdentity {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    channel_addresses: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    metadata: Metadata,
}

/// `POST /v1/identities`: creates an identity with its addresses (201; a taken id is 409
/// `identity_exists`, an address another identity holds 409 `address_taken`).
pub(crate) async fn create(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody<CreateIdentity>,
) -> Result<(StatusCode, Json<Identity>)> {
    let identity = Identity {
        id: body.id.unwrap_or_else(new_id),
        organization_id: body.organization_id,
        display_name: body.display_name,
        channel_addresses: body.channel_addresses,
        external_id: body.external_id,
        metadata: body.metadata,
    };
    let identity = state.kit().create_identity(identity).await?;
    Ok((StatusCode::CREATED, Json(identity)))
}

/// `GET /v1/identities/{identity_id}`: one identity.
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path(identity_id): Path<String>,
) -> Result<Json<Identity>> {
    Ok(Json(state.kit().get_identity(&identity_id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    after: Option<String>,
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
pub(crate) struct IdentityList {
    identities: Vec<Identity>,
    has_more: bool,
}

/// `GET /v1/identities`: identities in id order, at most `limit` (default 100), those after
/// the id `after` when given; `has_more` says whether another page exists.
pub(crate) async fn list(
    State(state): State<ApiState>,
    QueryParams(q): QueryParams<ListQuery>,
) -> Result<Json<IdentityList>> {
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_IDENTITIES_PAGE {
        return Err(ApiError::invalid(
            "invalid_query",
            format!("limit must be between 1 and {MAX_IDENTITIES_PAGE}"),
        ));
    }
    let mut identities = state
        .kit()
        .list_identities(q.after.as_deref(), limit + 1)
        .await?;
    let has_more = identities.len() > limit;
    identities.truncate(limit);
    Ok(Json(IdentityList {
        identities,
        has_more,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkAddress {
    channel_type: String,
    address: String,
}

/// `POST /v1/identities/{identity_id}/addresses`: makes the identity reachable at an address
/// of a channel type (`{"channel_type":"sms","address":"+15550001"}`; a no-op if it is
/// already); returns the identity. An address another identity holds is 409 `address_taken`.
pub(crate) async fn link_address(
    State(state): State<ApiState>,
    Path(identity_id): Path<String>,
    JsonBody(body): JsonBody<LinkAddress>,
) -> Result<Json<Identity>> {
    Ok(Json(
        state
            .kit()
            .link_address(&identity_id, &body.channel_type, &body.address)
            .await?,
    ))
}
