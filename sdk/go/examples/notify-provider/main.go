// Provider: delivers each event as a JSON POST ({"to", "event_id", "text"}) to the `url` in
// config, with roomkit.Send over wasi:http (the host lets it reach only the manifest's
// allowed_hosts). 408, 429 and 5xx answers and network failures are retryable, other failures
// are not (roomkit.FromStatus, which also passes a Retry-After on to the host's retry policy);
// the answer's x-message-id header becomes the receipt.
package main

import (
	"encoding/json"
	"fmt"
	"time"

	"roomkit.example/sdk/provider"
	"roomkit.example/sdk/roomkit"
)

type notify struct{}

func (notify) Deliver(event roomkit.RoomEvent, binding roomkit.BindingView) (roomkit.DeliveryReceipt, error) {
	url, err := roomkit.RequireConfig("url")
	if err != nil {
		return roomkit.DeliveryReceipt{}, roomkit.Permanent(err.Error())
	}
	to := binding.ChannelId
	if binding.ParticipantId.IsSome() {
		to = binding.ParticipantId.Some()
	}
	text, _ := roomkit.TextOf(event)
	body, _ := json.Marshal(map[string]string{"to": to, "event_id": event.Id, "text": text})
	response, err := roomkit.Send(roomkit.Request{
		Method:  "POST",
		URL:     url,
		Header:  []roomkit.Header{{Name: "content-type", Value: "application/json"}, {Name: "idempotency-key", Value: event.Id}},
		Body:    body,
		Timeout: 3 * time.Second,
	})
	if err != nil {
		if e, ok := err.(*roomkit.HTTPError); ok && e.Retryable() {
			return roomkit.DeliveryReceipt{}, roomkit.Retryable("POST " + url + ": " + err.Error())
		}
		return roomkit.DeliveryReceipt{}, roomkit.Permanent("POST " + url + ": " + err.Error())
	}
	if status := response.Status; status < 200 || status >= 300 {
		retryAfter, _ := response.Get("retry-after")
		return roomkit.DeliveryReceipt{}, roomkit.FromStatus(status, retryAfter, fmt.Sprintf("POST %s: status %d", url, status))
	}
	id, _ := response.Get("x-message-id")
	roomkit.Logf(roomkit.LevelDebug, "delivered event %s as %q", event.Id, id)
	return roomkit.Receipt(id), nil
}

func init() { provider.Register(notify{}) }

func main() {}
