// {{name}}: a provider that delivers the text of each event as an HTTP POST to the URL of its
// `url` setting, with roomkit.Send over wasi:http. The host lets the request out only to a
// host listed in the manifest's `allowed_hosts`. 2xx is delivered; 408, 429, 5xx, timeouts and
// connection failures are retryable (a Retry-After goes to the host's retry policy); anything
// else is permanent. It takes no webhooks: to take them, add the methods of
// provider.WebhookProvider, VerifySignature(request) bool and ParseWebhook(request)
// (roomkit.WebhookResult, error), answering roomkit.WebhookMessages(…) or roomkit.WebhookReply(…).
// Build: roomkit plugin build DIR (the component and its manifest land in DIR/dist).
package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"roomkit.example/sdk/provider"
	"roomkit.example/sdk/roomkit"
)

type plugin struct{}

func (plugin) Deliver(event roomkit.RoomEvent, binding roomkit.BindingView) (roomkit.DeliveryReceipt, error) {
	url, err := roomkit.RequireConfig("url")
	if err != nil {
		return roomkit.DeliveryReceipt{}, roomkit.Permanent(err.Error())
	}
	response, err := roomkit.Send(roomkit.Request{
		Method: "POST",
		URL:    url,
		Header: []roomkit.Header{
			{Name: "content-type", Value: "text/plain; charset=utf-8"},
			{Name: "x-roomkit-channel", Value: binding.ChannelId},
			{Name: "idempotency-key", Value: event.Id},
		},
		Body:    []byte(strings.Join(roomkit.Texts(event.Content), "\n")),
		Timeout: 3 * time.Second,
	})
	var failed *roomkit.HTTPError
	switch {
	case errors.As(err, &failed) && failed.Retryable():
		return roomkit.DeliveryReceipt{}, roomkit.Retryable(err.Error())
	case err != nil:
		return roomkit.DeliveryReceipt{}, roomkit.Permanent(err.Error())
	}
	if status := response.Status; status < 200 || status >= 300 {
		retryAfter, _ := response.Get("retry-after")
		return roomkit.DeliveryReceipt{}, roomkit.FromStatus(status, retryAfter, fmt.Sprintf("status %d: %s", status, response.Body))
	}
	return roomkit.Receipt(""), nil
}

func init() { provider.Register(plugin{}) }

func main() {}
