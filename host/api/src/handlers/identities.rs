//! Identities: the people and systems the host knows, and the channel addresses they are
//! reachable at (the store's identity resolver recognises senders by these addresses).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use roomkit_model::{Identity, Metadata, new_id};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ErrorBody;
use crate::extract::{JsonBody, QueryParams};
use crate::{ApiError, ApiState, Result};

/// The largest page of identities.
pub(crate) const MAX_IDENTITIES_PAGE: usize = 1000;

/// An identity to create; every field is optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateIdentity {
    /// A fresh id when absent; 1-256 bytes, no control characters.
    #[serde(default)]
    id: Option<String>,
    /// The tenant it belongs to.
    #[serde(default)]
    organization_id: Option<String>,
    /// Shown name.
    #[serde(default)]
    display_name: Option<String>,
    /// Addresses per channel type, e.g. `{"sms": ["+15550001"]}`.
    #[serde(default)]
    channel_addresses: BTreeMap<String, Vec<String>>,
    /// Id in an outside system (CRM, …).
    #[serde(default)]
    external_id: Option<String>,
    /// Free-form data.
    #[serde(default)]
    #[schema(value_type = Object)]
    metadata: Metadata,
}

/// `POST /v1/identities`
///
/// Creates an identity with its addresses (201; a taken id is 409 `identity_exists`, an address
/// another identity holds 409 `address_taken`).
#[utoipa::path(
    post, path = "/v1/identities", tag = "identities", operation_id = "create_identity",
    summary = "Create an identity",
    request_body = CreateIdentity,
    responses(
        (status = CREATED, description = "Created", body = Identity),
        (status = CONFLICT, description = "The id is taken, or another identity holds an address (`identity_exists`, `address_taken`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "An id or address that is empty, longer than 256 bytes or holds control characters (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
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
#[utoipa::path(
    get, path = "/v1/identities/{identity_id}", tag = "identities", operation_id = "get_identity",
    summary = "One identity",
    params(("identity_id" = String, Path, description = "Identity id")),
    responses(
        (status = OK, description = "The identity", body = Identity),
        (status = NOT_FOUND, description = "No such identity (`identity_not_found`)", body = ErrorBody),
    ),
)]
pub(crate) async fn get(
    State(state): State<ApiState>,
    Path(identity_id): Path<String>,
) -> Result<Json<Identity>> {
    Ok(Json(state.kit().get_identity(&identity_id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only identities whose id sorts after this one (the last id of the previous page).
    after: Option<String>,
    /// At most this many identities.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<usize>,
}

/// A page of identities, in id order.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IdentityList {
    identities: Vec<Identity>,
    /// Another page exists.
    has_more: bool,
}

/// `GET /v1/identities`
///
/// Identities in id order, at most `limit` (default 100), those after the id `after` when
/// given; `has_more` says whether another page exists.
#[utoipa::path(
    get, path = "/v1/identities", tag = "identities", operation_id = "list_identities",
    summary = "List identities",
    params(ListQuery),
    responses(
        (status = OK, description = "A page of identities", body = IdentityList),
        (status = UNPROCESSABLE_ENTITY, description = "`limit` out of range (`invalid_query`)", body = ErrorBody),
    ),
)]
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

/// An address of a channel type, e.g. `{"channel_type":"sms","address":"+15550001"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkAddress {
    /// The channel type (`sms`, `email`, …).
    channel_type: String,
    /// The address on it.
    address: String,
}

/// `POST /v1/identities/{identity_id}/addresses`
///
/// Makes the identity reachable at an address of a channel type (a no-op if it is already);
/// the store's identity resolver then recognises the sender. Returns the identity. An address
/// another identity holds is 409 `address_taken`.
#[utoipa::path(
    post, path = "/v1/identities/{identity_id}/addresses", tag = "identities",
    operation_id = "link_address", summary = "Link a channel address",
    params(("identity_id" = String, Path, description = "Identity id")),
    request_body = LinkAddress,
    responses(
        (status = OK, description = "The identity", body = Identity),
        (status = NOT_FOUND, description = "No such identity (`identity_not_found`)", body = ErrorBody),
        (status = CONFLICT, description = "Another identity holds the address (`address_taken`)", body = ErrorBody),
        (status = UNPROCESSABLE_ENTITY, description = "An id or address that is empty, longer than 256 bytes or holds control characters (`validation_failed`)", body = ErrorBody),
        (status = SERVICE_UNAVAILABLE, description = "Shutting down or the store failed (`shutting_down`, `storage_unavailable`)", body = ErrorBody),
    ),
)]
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
