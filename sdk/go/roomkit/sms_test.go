package roomkit

import (
	"reflect"
	"testing"

	t "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_types"
)

func TestSMSMetaToInboundCarriesTheNormalisedShape(tt *testing.T) {
	meta := SMSMeta{
		Provider:          "twilio",
		Sender:            "+14185551234",
		Recipient:         "+15145550000",
		Body:              "see photo",
		Media:             []SMSMedia{{URL: "https://m.example/1.jpg", MimeType: "image/jpeg"}},
		ProviderMessageID: "MM1",
		Raw:               map[string]string{"NumMedia": "1"},
	}
	message, err := meta.ToInbound("sms")
	if err != nil {
		tt.Fatal(err)
	}
	want := `{"sms":{"provider":"twilio","sender":"+14185551234","recipient":"+15145550000","body":"see photo",` +
		`"media":[{"url":"https://m.example/1.jpg","mime_type":"image/jpeg"}],"provider_message_id":"MM1","raw":{"NumMedia":"1"}}}`
	if message.Metadata != want {
		tt.Errorf("metadata:\n got %s\nwant %s", message.Metadata, want)
	}
	if message.ChannelId != "sms" || message.SenderId != "+14185551234" || message.EventType != "message" {
		tt.Errorf("message: %#v", message)
	}
	if message.IdempotencyKey.Some() != "MM1" || message.ProviderMessageId.Some() != "MM1" || message.Provider.Some() != "twilio" {
		tt.Errorf("ids: %#v", message)
	}
	wantContent := t.MakeContentMedia(MediaContent{
		Url: "https://m.example/1.jpg", MimeType: "image/jpeg",
		Filename: None[string](), SizeBytes: None[uint64](), Caption: Some("see photo"),
	})
	if !reflect.DeepEqual(message.Content, wantContent) {
		tt.Errorf("content: %#v", message.Content)
	}
}

func TestSMSMetaWithoutIdMediaOrRawWritesNullAndEmpties(tt *testing.T) {
	meta := SMSMeta{Provider: "sinch", Sender: "+14185551234", Recipient: "+15145550000", Body: "hi"}
	metadata, err := meta.Metadata()
	want := `{"sms":{"provider":"sinch","sender":"+14185551234","recipient":"+15145550000","body":"hi",` +
		`"media":[],"provider_message_id":null,"raw":{}}}`
	if err != nil || metadata != want {
		tt.Errorf("metadata: %s %v", metadata, err)
	}
	message, err := meta.ToInbound("sms")
	if err != nil || message.IdempotencyKey.IsSome() || message.ProviderMessageId.IsSome() || !reflect.DeepEqual(message.Content, Text("hi")) {
		tt.Errorf("message: %#v %v", message, err)
	}
	if _, err := (SMSMeta{Provider: "x", Raw: func() {}}).ToInbound("sms"); err == nil || err.Error() != "SMS metadata of x: json: error calling MarshalJSON for type *roomkit.SMSMeta: json: unsupported type: func()" {
		tt.Errorf("unmarshallable raw: %v", err)
	}
}

func TestSMSMetaContentForSeveralMediaIsAComposite(tt *testing.T) {
	media := func(url, mime string) Part {
		return t.MakePartMedia(MediaContent{Url: url, MimeType: mime, Filename: None[string](), SizeBytes: None[uint64](), Caption: None[string]()})
	}
	meta := SMSMeta{Body: "two", Media: []SMSMedia{{URL: "https://m/1.png", MimeType: "image/png"}, {URL: "https://m/2"}}}
	want := t.MakeContentComposite([]Part{
		t.MakePartText(TextContent{Body: "two", Language: None[string]()}),
		media("https://m/1.png", "image/png"),
		media("https://m/2", "application/octet-stream"),
	})
	if got := meta.Content(); !reflect.DeepEqual(got, want) {
		tt.Errorf("with text: %#v", got)
	}
	meta.Body = ""
	if got := meta.Content(); !reflect.DeepEqual(got, t.MakeContentComposite(want.Composite()[1:])) {
		tt.Errorf("without text: %#v", got)
	}
	one := SMSMeta{Media: []SMSMedia{{URL: "https://m/1"}}}
	wantOne := t.MakeContentMedia(MediaContent{Url: "https://m/1", MimeType: "application/octet-stream", Filename: None[string](), SizeBytes: None[uint64](), Caption: None[string]()})
	if got := one.Content(); !reflect.DeepEqual(got, wantOne) {
		tt.Errorf("one media without text: %#v", got)
	}
}
