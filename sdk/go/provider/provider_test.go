package provider

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"roomkit.example/sdk/roomkit"
)

type plain struct{ err error }

func (p plain) Deliver(roomkit.RoomEvent, roomkit.BindingView) (roomkit.DeliveryReceipt, error) {
	if p.err != nil {
		return roomkit.DeliveryReceipt{}, p.err
	}
	return roomkit.Receipt("m-1"), nil
}

type webhooks struct{ plain }

func (webhooks) VerifySignature(r roomkit.WebhookRequest) bool {
	v, ok := roomkit.HeaderValue(r, "x-signature")
	return ok && v == "good"
}

func (webhooks) ParseWebhook(r roomkit.WebhookRequest) (roomkit.WebhookResult, error) {
	if r.Method == "GET" {
		return roomkit.WebhookReply(roomkit.NewWebhookResponse(200, "text/plain", []byte(r.Query))), nil
	}
	if len(r.Body) == 0 {
		return roomkit.WebhookResult{}, errors.New("empty body")
	}
	result := roomkit.WebhookMessages(roomkit.InboundText("sms-1", "+1", string(r.Body)))
	result.StatusUpdates = append(result.StatusUpdates, roomkit.NewStatusUpdate("m-1", roomkit.StatusDelivered))
	return result, nil
}

func TestDeliverWithoutARegisteredProviderSaysHowToRegister(tt *testing.T) {
	Register(nil)
	result := exportDeliver(roomkit.RoomEvent{}, roomkit.BindingView{})
	if !result.IsErr() || result.Err().Message != "no provider registered: call provider.Register in an init function" {
		tt.Errorf("%#v", result)
	}
}

func TestDeliverKeepsTheReceiptAndWhetherAnErrorIsRetryable(tt *testing.T) {
	Register(plain{})
	if result := exportDeliver(roomkit.RoomEvent{}, roomkit.BindingView{}); !result.IsOk() || result.Ok().ProviderMessageId.Some() != "m-1" {
		tt.Errorf("ok: %#v", result)
	}
	for _, c := range []struct {
		err       error
		message   string
		retryable bool
		code      string
		waitMs    uint64
	}{
		{roomkit.Retryable("status 503"), "status 503", true, "", 0},
		{fmt.Errorf("posting: %w", roomkit.Retryable("timed out")), "posting: timed out", true, "", 0},
		{roomkit.Permanent("status 400"), "status 400", false, "", 0},
		{errors.New("bad address"), "bad address", false, "", 0},
		{roomkit.FromStatus(429, "3", "too many requests").WithCode("20429"), "too many requests", true, "20429", 3000},
		{roomkit.Permanent("unsubscribed").WithCode("21610"), "unsubscribed", false, "21610", 0},
		{roomkit.Retryable("busy").WithRetryAfter(1500 * time.Millisecond), "busy", true, "", 1500},
	} {
		Register(plain{err: c.err})
		result := exportDeliver(roomkit.RoomEvent{}, roomkit.BindingView{})
		if !result.IsErr() || result.Err().Message != c.message || result.Err().Retryable != c.retryable {
			tt.Errorf("%v: %#v", c.err, result)
			continue
		}
		e := result.Err()
		if e.Code.IsSome() != (c.code != "") || e.Code.SomeOr("") != c.code {
			tt.Errorf("%v: code %#v", c.err, e.Code)
		}
		if e.RetryAfterMs.IsSome() != (c.waitMs != 0) || e.RetryAfterMs.SomeOr(0) != c.waitMs {
			tt.Errorf("%v: retry after %#v", c.err, e.RetryAfterMs)
		}
	}
}

func TestAPlainProviderTakesNoWebhooks(tt *testing.T) {
	Register(plain{})
	if exportVerifySignature(roomkit.WebhookRequest{}) {
		tt.Error("a plain provider verified a signature")
	}
	if result := exportParseWebhook(roomkit.WebhookRequest{Body: []byte("hi")}); !result.IsErr() || result.Err() != "this provider takes no webhooks" {
		tt.Errorf("%#v", result)
	}
}

func TestAWebhookProviderVerifiesAndParses(tt *testing.T) {
	Register(webhooks{})
	signed := roomkit.WebhookRequest{Headers: []roomkit.Header{{Name: "x-signature", Value: "good"}}, Body: []byte("hello")}
	if !exportVerifySignature(signed) || exportVerifySignature(roomkit.WebhookRequest{}) {
		tt.Error("VerifySignature is the provider's")
	}
	result := exportParseWebhook(signed)
	if !result.IsOk() || len(result.Ok().Messages) != 1 || result.Ok().Messages[0].Content.Text().Body != "hello" {
		tt.Fatalf("%#v", result)
	}
	if updates := result.Ok().StatusUpdates; len(updates) != 1 || updates[0].ProviderMessageId != "m-1" || updates[0].Status != roomkit.StatusDelivered {
		tt.Errorf("status updates: %#v", updates)
	}
	if result.Ok().Response.IsSome() {
		tt.Error("messages take the host's default answer")
	}
	handshake := exportParseWebhook(roomkit.WebhookRequest{Method: "GET", Query: "challenge=abc"})
	if !handshake.IsOk() || !handshake.Ok().Response.IsSome() || string(handshake.Ok().Response.Some().Body) != "challenge=abc" ||
		handshake.Ok().Response.Some().ContentType.Some() != "text/plain" || len(handshake.Ok().Messages) != 0 {
		tt.Errorf("handshake: %#v", handshake)
	}
	if result := exportParseWebhook(roomkit.WebhookRequest{}); !result.IsErr() || result.Err() != "empty body" {
		tt.Errorf("%#v", result)
	}
}
