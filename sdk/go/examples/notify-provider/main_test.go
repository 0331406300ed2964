package main

import (
	"encoding/json"
	"testing"
	"time"

	"roomkit.example/sdk/roomkit"
)

func TestPostsTheEventAndReadsTheStatus(t *testing.T) {
	roomkit.Testing.Reset()
	roomkit.Testing.SetConfig("url", "http://127.0.0.1:9/notify")
	var sent roomkit.Request
	status := 200
	roomkit.Testing.OnHTTP(func(r roomkit.Request) (*roomkit.Response, error) {
		sent = r
		header := []roomkit.Header{{Name: "x-message-id", Value: "m-1"}}
		if status == 429 {
			header = append(header, roomkit.Header{Name: "retry-after", Value: "7"})
		}
		return &roomkit.Response{Status: status, Header: header}, nil
	})
	event := roomkit.RoomEvent{Id: "e1", RoomId: "r", EventType: "message", Content: roomkit.Text("hi"), Metadata: "{}"}
	binding := roomkit.BindingView{ChannelId: "out", ParticipantId: roomkit.Some("+1555"), Metadata: "{}"}
	receipt, err := notify{}.Deliver(event, binding)
	if err != nil || receipt.ProviderMessageId.Some() != "m-1" {
		t.Fatalf("deliver: %v %v", receipt, err)
	}
	var body map[string]string
	if err := json.Unmarshal(sent.Body, &body); err != nil || body["to"] != "+1555" || body["text"] != "hi" || body["event_id"] != "e1" {
		t.Fatalf("body %s (%v)", sent.Body, err)
	}
	status = 503
	_, err = notify{}.Deliver(event, binding)
	if de, ok := err.(*roomkit.DeliveryError); !ok || !de.Retryable {
		t.Fatalf("503: %v", err)
	}
	status = 404
	_, err = notify{}.Deliver(event, binding)
	if de, ok := err.(*roomkit.DeliveryError); !ok || de.Retryable || de.Message != "POST http://127.0.0.1:9/notify: status 404" {
		t.Fatalf("404: %v", err)
	}
	status = 429
	_, err = notify{}.Deliver(event, binding)
	if de, ok := err.(*roomkit.DeliveryError); !ok || !de.Retryable || de.RetryAfter != 7*time.Second {
		t.Fatalf("429: %#v", err)
	}
}
