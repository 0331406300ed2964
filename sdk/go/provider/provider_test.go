package provider

import (
	"errors"
	"fmt"
	"testing"

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

func (webhooks) ParseWebhook(r roomkit.WebhookRequest) ([]roomkit.InboundMessage, error) {
	if len(r.Body) == 0 {
		return nil, errors.New("empty body")
	}
	return []roomkit.InboundMessage{roomkit.InboundText("sms-1", "+1", string(r.Body))}, nil
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
	}{
		{roomkit.Retryable("status 503"), "status 503", true},
		{fmt.Errorf("posting: %w", roomkit.Retryable("timed out")), "posting: timed out", true},
		{roomkit.Permanent("status 400"), "status 400", false},
		{errors.New("bad address"), "bad address", false},
	} {
		Register(plain{err: c.err})
		result := exportDeliver(roomkit.RoomEvent{}, roomkit.BindingView{})
		if !result.IsErr() || result.Err().Message != c.message || result.Err().Retryable != c.retryable {
			tt.Errorf("%v: %#v", c.err, result)
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
	if !result.IsOk() || len(result.Ok()) != 1 || result.Ok()[0].Content.Text().Body != "hello" {
		tt.Errorf("%#v", result)
	}
	if result := exportParseWebhook(roomkit.WebhookRequest{}); !result.IsErr() || result.Err() != "empty body" {
		tt.Errorf("%#v", result)
	}
}
