package roomkit

import (
	"net/url"
	"reflect"
	"testing"
)

func TestQueryAndFormValuesDecodeTheRequest(tt *testing.T) {
	request := WebhookRequest{
		Query:     "hub.mode=subscribe&hub.challenge=abc%20123&x=1&x=2",
		PublicUrl: "https://rk.example/v1/webhooks/sms?hub.mode=subscribe",
		Body:      []byte("From=%2B14185551234&Body=hi+%26+bye"),
	}
	query, err := QueryValues(request)
	if err != nil || !reflect.DeepEqual(query, url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"abc 123"}, "x": {"1", "2"}}) {
		tt.Errorf("QueryValues: %v %v", query, err)
	}
	form, err := FormValues(request)
	if err != nil || form.Get("From") != "+14185551234" || form.Get("Body") != "hi & bye" || len(form) != 2 {
		tt.Errorf("FormValues: %v %v", form, err)
	}
	if _, err := QueryValues(WebhookRequest{Query: "a=%zz"}); err == nil || err.Error() != `webhook query string: invalid URL escape "%zz"` {
		tt.Errorf("bad query: %v", err)
	}
	if _, err := FormValues(WebhookRequest{Body: []byte("a=%")}); err == nil || err.Error() != `webhook form body: invalid URL escape "%"` {
		tt.Errorf("bad form: %v", err)
	}
	if empty, err := QueryValues(WebhookRequest{}); err != nil || len(empty) != 0 {
		tt.Errorf("empty query: %v %v", empty, err)
	}
}

func TestWebhookResultsResponsesAndStatusUpdates(tt *testing.T) {
	message := InboundText("sms", "+14185551234", "hi")
	result := WebhookMessages(message)
	if len(result.Messages) != 1 || result.Messages[0].SenderId != "+14185551234" || result.StatusUpdates != nil || result.Response.IsSome() {
		tt.Errorf("WebhookMessages: %#v", result)
	}
	if len(WebhookMessages().Messages) != 0 {
		tt.Error("no messages")
	}
	reply := WebhookReply(NewWebhookResponse(200, "text/plain", []byte("abc123")))
	want := WebhookResponse{Status: 200, ContentType: Some("text/plain"), Body: []byte("abc123")}
	if len(reply.Messages) != 0 || !reply.Response.IsSome() || !reflect.DeepEqual(reply.Response.Some(), want) {
		tt.Errorf("WebhookReply: %#v", reply)
	}
	empty := EmptyWebhookResponse()
	if empty.Status != 200 || empty.ContentType.IsSome() || len(empty.Body) != 0 {
		tt.Errorf("EmptyWebhookResponse: %#v", empty)
	}
	update := NewStatusUpdate("SM1", StatusDelivered)
	if update.ProviderMessageId != "SM1" || update.Status != StatusDelivered || update.ErrorCode.IsSome() || update.ErrorMessage.IsSome() || update.Metadata != "{}" {
		tt.Errorf("NewStatusUpdate: %#v", update)
	}
	if StatusQueued != 0 || StatusSent != 1 || StatusDelivered != 2 || StatusRead != 3 || StatusFailed != 4 {
		tt.Error("the statuses are the WIT enum's, in order")
	}
	inbound := NewInbound("chat", "u1", Text("x"))
	if inbound.EventType != "message" || inbound.Metadata != "{}" || inbound.ChainDepth != 0 || inbound.IdempotencyKey.IsSome() {
		tt.Errorf("NewInbound: %#v", inbound)
	}
}
