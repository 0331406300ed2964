// Package provider exports a Go value as a RoomKit provider (world roomkit:plugin/provider):
// register it with Register in an init function. Outbound HTTP goes through wasi:http (see
// roomkit.Send); the host allows only the manifest's allowed_hosts.
package provider

import (
	"errors"

	"roomkit.example/sdk/internal/deliver"
	t "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_types"
	types "roomkit.example/sdk/internal/witpkg/types"
	"roomkit.example/sdk/roomkit"
)

// Provider sends events to an outside service. Return a *roomkit.DeliveryError (Retryable or
// Permanent) to say whether trying again may help; any other error is permanent.
type Provider interface {
	Deliver(event roomkit.RoomEvent, binding roomkit.BindingView) (roomkit.DeliveryReceipt, error)
}

// WebhookProvider is a provider that also takes webhooks (GET or POST
// /v1/webhooks/{channel_id}). A provider that is not one accepts no webhook.
//
// VerifySignature says whether a request really comes from the service (false: 401, nothing
// is stored). ParseWebhook gives the messages and status updates a verified request carries
// and, optionally, the answer the service expects (roomkit.WebhookMessages,
// roomkit.WebhookReply); an error is answered 400 with its text and nothing is stored.
type WebhookProvider interface {
	Provider
	VerifySignature(request roomkit.WebhookRequest) bool
	ParseWebhook(request roomkit.WebhookRequest) (roomkit.WebhookResult, error)
}

var provider Provider

// Register makes p the plugin's provider.
func Register(p Provider) { provider = p }

func exportDeliver(event roomkit.RoomEvent, binding roomkit.BindingView) types.Result[roomkit.DeliveryReceipt, t.DeliveryError] {
	if provider == nil {
		return types.Err[roomkit.DeliveryReceipt](deliver.Error(errors.New("no provider registered: call provider.Register in an init function")))
	}
	receipt, err := provider.Deliver(event, binding)
	if err != nil {
		return types.Err[roomkit.DeliveryReceipt](deliver.Error(err))
	}
	return types.Ok[roomkit.DeliveryReceipt, t.DeliveryError](receipt)
}

func exportVerifySignature(request roomkit.WebhookRequest) bool {
	if w, ok := provider.(WebhookProvider); ok {
		return w.VerifySignature(request)
	}
	return false
}

func exportParseWebhook(request roomkit.WebhookRequest) types.Result[roomkit.WebhookResult, string] {
	w, ok := provider.(WebhookProvider)
	if !ok {
		return types.Err[roomkit.WebhookResult]("this provider takes no webhooks")
	}
	result, err := w.ParseWebhook(request)
	if err != nil {
		return types.Err[roomkit.WebhookResult](err.Error())
	}
	return types.Ok[roomkit.WebhookResult, string](result)
}
