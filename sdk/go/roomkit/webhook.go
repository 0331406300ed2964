package roomkit

import (
	"fmt"
	"net/url"
	"strings"
)

// InboundText is a text message arriving on channelID from senderID (for ParseWebhook).
func InboundText(channelID, senderID, body string) InboundMessage {
	return NewInbound(channelID, senderID, Text(body))
}

// NewInbound is a message of any content arriving on channelID from senderID: an event of type
// "message" with nothing else set (metadata "{}").
func NewInbound(channelID, senderID string, content Content) InboundMessage {
	return InboundMessage{
		ChannelId:         channelID,
		SenderId:          senderID,
		Content:           content,
		RoomId:            None[string](),
		EventType:         "message",
		IdempotencyKey:    None[string](),
		Visibility:        None[string](),
		ParentEventId:     None[string](),
		AddressedTo:       None[[]string](),
		CorrelationId:     None[string](),
		Provider:          None[string](),
		ProviderMessageId: None[string](),
		Metadata:          "{}",
	}
}

// HeaderValue is the value of a webhook request's header (names are lower case).
func HeaderValue(request WebhookRequest, name string) (string, bool) {
	name = strings.ToLower(name)
	for _, h := range request.Headers {
		if h.Name == name {
			return h.Value, true
		}
	}
	return "", false
}

// QueryValues is the webhook request's query string, decoded; an error names the bad part.
func QueryValues(request WebhookRequest) (url.Values, error) {
	values, err := url.ParseQuery(request.Query)
	if err != nil {
		return nil, fmt.Errorf("webhook query string: %w", err)
	}
	return values, nil
}

// FormValues is the webhook request's body as an application/x-www-form-urlencoded form
// (as Twilio and others post it), decoded; an error names the bad part.
func FormValues(request WebhookRequest) (url.Values, error) {
	values, err := url.ParseQuery(string(request.Body))
	if err != nil {
		return nil, fmt.Errorf("webhook form body: %w", err)
	}
	return values, nil
}

// WebhookMessages is a webhook result carrying messages, answered with the host's default
// (200 with the results as JSON). Add status updates to StatusUpdates, or set Response.
func WebhookMessages(messages ...InboundMessage) WebhookResult {
	return WebhookResult{Messages: messages, Response: None[WebhookResponse]()}
}

// WebhookReply is a webhook result with nothing to store that answers the service with
// response (a verification handshake, say).
func WebhookReply(response WebhookResponse) WebhookResult {
	return WebhookResult{Response: Some(response)}
}

// NewWebhookResponse is the HTTP answer status with a body of contentType.
func NewWebhookResponse(status uint16, contentType string, body []byte) WebhookResponse {
	return WebhookResponse{Status: status, ContentType: Some(contentType), Body: body}
}

// EmptyWebhookResponse is an empty 200 OK without a content type.
func EmptyWebhookResponse() WebhookResponse {
	return WebhookResponse{Status: 200, ContentType: None[string]()}
}

// NewStatusUpdate is news about the delivered message providerMessageID, without an error or
// extra fields (metadata "{}"); set ErrorCode, ErrorMessage and Metadata for more.
func NewStatusUpdate(providerMessageID string, status DeliveryStatus) StatusUpdate {
	return StatusUpdate{
		ProviderMessageId: providerMessageID,
		Status:            status,
		ErrorCode:         None[string](),
		ErrorMessage:      None[string](),
		Metadata:          "{}",
	}
}
