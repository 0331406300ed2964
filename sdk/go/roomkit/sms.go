package roomkit

import (
	"encoding/json"
	"fmt"

	t "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_types"
)

// SMSMedia is a media attachment of an MMS.
type SMSMedia struct {
	// URL is where the service keeps it.
	URL string
	// MimeType is its type as the service gave it ("application/octet-stream" when empty).
	MimeType string
}

// SMSMeta is an SMS or MMS as any SMS service delivers it (Twilio, Telnyx, Sinch,
// VoiceMeUp…): each SMS provider reads its service's payload into one, and the inbound message
// it makes (ToInbound) carries it under the "sms" key of its metadata, so hooks and clients
// read one shape, the Rust SDK's:
//
//	{"sms": {"provider": "twilio", "sender": "+14185551234", "recipient": "+15145550000",
//	         "body": "hi", "media": [{"url": "https://…", "mime_type": "image/jpeg"}],
//	         "provider_message_id": "SM…", "raw": {…}}}
type SMSMeta struct {
	// Provider is the provider's short name: twilio, telnyx, sinch, voicemeup.
	Provider string
	// Sender is who sent it (E.164 when the service gives E.164; see NormalizePhone).
	Sender string
	// Recipient is the number it was sent to.
	Recipient string
	// Body is the text (empty for an MMS without text).
	Body string
	// Media are the attachments, in order.
	Media []SMSMedia
	// ProviderMessageID is the service's id for the message (empty: none, JSON null).
	ProviderMessageID string
	// Raw is the service's payload as it came (form fields as an object), marshalled with
	// encoding/json; nil is {}.
	Raw any
}

type smsMediaJSON struct {
	URL      string `json:"url"`
	MimeType string `json:"mime_type"`
}

type smsMetaJSON struct {
	Provider          string         `json:"provider"`
	Sender            string         `json:"sender"`
	Recipient         string         `json:"recipient"`
	Body              string         `json:"body"`
	Media             []smsMediaJSON `json:"media"`
	ProviderMessageID *string        `json:"provider_message_id"`
	Raw               any            `json:"raw"`
}

func (m SMSMedia) mimeType() string {
	if m.MimeType == "" {
		return "application/octet-stream"
	}
	return m.MimeType
}

// MarshalJSON writes the normalised shape: snake_case keys, media always a list, a missing
// provider message id as null and a nil Raw as {}.
func (m SMSMeta) MarshalJSON() ([]byte, error) {
	out := smsMetaJSON{
		Provider:  m.Provider,
		Sender:    m.Sender,
		Recipient: m.Recipient,
		Body:      m.Body,
		Media:     make([]smsMediaJSON, 0, len(m.Media)),
		Raw:       m.Raw,
	}
	for _, media := range m.Media {
		out.Media = append(out.Media, smsMediaJSON{URL: media.URL, MimeType: media.mimeType()})
	}
	if m.ProviderMessageID != "" {
		id := m.ProviderMessageID
		out.ProviderMessageID = &id
	}
	if out.Raw == nil {
		out.Raw = map[string]any{}
	}
	return json.Marshal(out)
}

// Metadata is the metadata object {"sms": {…}} as JSON text; an error when Raw cannot be
// marshalled.
func (m SMSMeta) Metadata() (Json, error) {
	b, err := json.Marshal(map[string]SMSMeta{"sms": m})
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Content is the message's content: text, one media item (captioned by the text when there is
// text), or a composite of the text and each media item when there are several.
func (m SMSMeta) Content() Content {
	media := func(item SMSMedia, caption Option[string]) MediaContent {
		return MediaContent{
			Url:       item.URL,
			MimeType:  item.mimeType(),
			Filename:  None[string](),
			SizeBytes: None[uint64](),
			Caption:   caption,
		}
	}
	caption := None[string]()
	if m.Body != "" {
		caption = Some(m.Body)
	}
	switch len(m.Media) {
	case 0:
		return Text(m.Body)
	case 1:
		return t.MakeContentMedia(media(m.Media[0], caption))
	}
	parts := make([]Part, 0, len(m.Media)+1)
	if m.Body != "" {
		parts = append(parts, t.MakePartText(TextContent{Body: m.Body, Language: None[string]()}))
	}
	for _, item := range m.Media {
		parts = append(parts, t.MakePartMedia(media(item, None[string]())))
	}
	return t.MakeContentComposite(parts)
}

// ToInbound is the inbound message on channelID: the sender, the content, the provider and its
// message id (which is also the idempotency key, so a service's retry is a duplicate), and the
// metadata. An error when Raw cannot be marshalled.
func (m SMSMeta) ToInbound(channelID string) (InboundMessage, error) {
	metadata, err := m.Metadata()
	if err != nil {
		return InboundMessage{}, fmt.Errorf("SMS metadata of %s: %w", m.Provider, err)
	}
	message := NewInbound(channelID, m.Sender, m.Content())
	if m.ProviderMessageID != "" {
		message.IdempotencyKey = Some(m.ProviderMessageID)
		message.ProviderMessageId = Some(m.ProviderMessageID)
	}
	message.Provider = Some(m.Provider)
	message.Metadata = metadata
	return message, nil
}
