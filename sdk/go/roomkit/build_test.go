package roomkit

import (
	"errors"
	"reflect"
	"testing"

	t "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_types"
)

func TestTextsListsEveryHumanReadableTextInOrder(tt *testing.T) {
	rich := RichContent{Body: "<b>hi</b>", PlainText: Some("hi")}
	media := MediaContent{Url: "https://x/y.png", Caption: Some("a photo")}
	location := LocationContent{Label: Some("office"), Address: Some("1 Main St")}
	audio := AudioContent{Url: "https://x/a.ogg", Transcript: Some("spoken")}
	cases := []struct {
		name    string
		content Content
		want    []string
	}{
		{"text", Text("plain"), []string{"plain"}},
		{"rich", t.MakeContentRich(rich), []string{"<b>hi</b>", "hi"}},
		{"media", t.MakeContentMedia(media), []string{"a photo"}},
		{"media without caption", t.MakeContentMedia(MediaContent{Url: "u", Caption: None[string]()}), nil},
		{"location", t.MakeContentLocation(location), []string{"office", "1 Main St"}},
		{"audio", t.MakeContentAudio(audio), []string{"spoken"}},
		{"system", t.MakeContentSystem(SystemContent{Body: "joined", Data: "{}"}), []string{"joined"}},
		{"template", t.MakeContentTemplate(TemplateContent{TemplateId: "t", Body: Some("Hello {{1}}")}), []string{"Hello {{1}}"}},
		{"composite", t.MakeContentComposite([]Part{
			t.MakePartText(TextContent{Body: "one"}),
			t.MakePartMedia(media),
			t.MakePartJson("{}"),
			t.MakePartRich(rich),
		}), []string{"one", "a photo", "<b>hi</b>", "hi"}},
		{"edit", t.MakeContentEdit(EditContent{TargetEventId: "e1", NewContent: t.MakePartText(TextContent{Body: "fixed"})}), []string{"fixed"}},
		{"delete", t.MakeContentDelete(DeleteContent{TargetEventId: "e1"}), nil},
	}
	for _, c := range cases {
		if got := Texts(c.content); !reflect.DeepEqual(got, c.want) {
			tt.Errorf("%s: Texts = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestTextOfAndWithText(tt *testing.T) {
	event := RoomEvent{Content: Text("before")}
	if got, ok := TextOf(event); !ok || got != "before" {
		tt.Fatalf("TextOf = %q, %v", got, ok)
	}
	changed := WithText(event, "after")
	if got, _ := TextOf(changed); got != "after" {
		tt.Errorf("WithText: %q", got)
	}
	if got, _ := TextOf(event); got != "before" {
		tt.Errorf("WithText changed its argument: %q", got)
	}
	media := RoomEvent{Content: t.MakeContentMedia(MediaContent{Caption: Some("caption")})}
	if got, ok := TextOf(media); ok || got != "" {
		tt.Errorf("TextOf(media) = %q, %v; want no text", got, ok)
	}
}

func TestJSONPassesStringsAndEncodesValues(tt *testing.T) {
	for _, c := range []struct {
		in   any
		want Json
	}{
		{nil, "{}"},
		{`{"raw":true}`, `{"raw":true}`},
		{map[string]int{"n": 1}, `{"n":1}`},
		{[]string{"a"}, `["a"]`},
		{func() {}, "{}"}, // not encodable
	} {
		if got := JSON(c.in); got != c.want {
			tt.Errorf("JSON(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestHookResultsAndObservationConfidenceIsClamped(tt *testing.T) {
	if Allow().Action.Tag() != ActionAllow {
		tt.Error("Allow")
	}
	blocked := Block("rude")
	if blocked.Action.Tag() != ActionBlock || blocked.Action.Block() != "rude" {
		tt.Errorf("Block: %#v", blocked.Action)
	}
	modified := Modify(RoomEvent{Id: "e1", Content: Text("x")})
	if modified.Action.Tag() != ActionModify || modified.Action.Modify().Id != "e1" {
		tt.Errorf("Modify: %#v", modified.Action)
	}
	for _, c := range []struct{ in, want float64 }{{-1, 0}, {0.25, 0.25}, {7, 1}} {
		if got := NewObservation("intent", "refund", c.in).Confidence; got != c.want {
			tt.Errorf("confidence %v -> %v, want %v", c.in, got, c.want)
		}
	}
	nan := 0.0
	nan = nan / nan
	if got := NewObservation("intent", "refund", nan).Confidence; got != 0 {
		tt.Errorf("NaN confidence -> %v, want 0", got)
	}
	injected := Inject(Text("notice"), "sms-1", "email-1")
	if injected.Visibility != "all" || !reflect.DeepEqual(injected.TargetChannelIds, []string{"sms-1", "email-1"}) {
		tt.Errorf("Inject: %#v", injected)
	}
}

func TestIdentityResultsAndDecisions(tt *testing.T) {
	ann := NewIdentity("ann")
	identified := IdentifiedAs(ann)
	if identified.Status != Identified || identified.Identity.Some().Id != "ann" {
		tt.Errorf("IdentifiedAs: %#v", identified)
	}
	ambiguous := AmbiguousAmong(ann, NewIdentity("bob"))
	if ambiguous.Status != Ambiguous || ambiguous.Identity.IsSome() || len(ambiguous.Candidates) != 2 {
		tt.Errorf("AmbiguousAmong: %#v", ambiguous)
	}
	if NobodyKnown().Status != Unknown {
		tt.Error("NobodyKnown")
	}
	challenge := Challenge("Who is this?")
	if challenge.Tag() != t.IdentityDecision_Challenge {
		tt.Fatalf("Challenge: %#v", challenge)
	}
	if got, _ := TextOf(RoomEvent{Content: challenge.Challenge()}); got != "Who is this?" {
		tt.Errorf("Challenge text: %q", got)
	}
	if Reject("spam").Reject() != "spam" || KeepPending().Tag() != t.IdentityDecision_Pending {
		tt.Error("Reject/KeepPending")
	}
	if Resolved(ann).Resolved().Id != "ann" {
		tt.Error("Resolved")
	}
}

func TestDeliveryErrorsAndReceipts(tt *testing.T) {
	var delivery *DeliveryError
	if err := Retryable("status 503"); !errors.As(err, &delivery) || !delivery.Retryable || err.Error() != "status 503" {
		tt.Errorf("Retryable: %#v", err)
	}
	if err := Permanent("status 400"); !errors.As(err, &delivery) || delivery.Retryable {
		tt.Errorf("Permanent: %#v", err)
	}
	if Receipt("").ProviderMessageId.IsSome() {
		tt.Error("an empty id is no id")
	}
	if Receipt("m-1").ProviderMessageId.Some() != "m-1" {
		tt.Error("Receipt keeps the id")
	}
}

func TestWebhookAndAIHelpers(tt *testing.T) {
	message := InboundText("sms-1", "+15550100", "hi")
	if message.ChannelId != "sms-1" || message.SenderId != "+15550100" || message.EventType != "message" || message.Metadata != "{}" {
		tt.Errorf("InboundText: %#v", message)
	}
	request := WebhookRequest{Headers: []Header{{Name: "x-signature", Value: "abc"}}}
	if v, ok := HeaderValue(request, "X-Signature"); !ok || v != "abc" {
		tt.Errorf("HeaderValue = %q, %v", v, ok)
	}
	if _, ok := HeaderValue(request, "x-other"); ok {
		tt.Error("HeaderValue found a header that is not there")
	}
	ai := AiRequest{Messages: []AiMessage{
		{Role: RoleUser, Parts: []AiPart{t.MakeAiPartText("first")}},
		{Role: RoleUser, Parts: []AiPart{t.MakeAiPartText("second"), t.MakeAiPartText("line")}},
		{Role: RoleAssistant, Parts: []AiPart{t.MakeAiPartText("answer")}},
	}}
	if got, ok := LastUserText(ai); !ok || got != "second\nline" {
		tt.Errorf("LastUserText = %q, %v", got, ok)
	}
	if _, ok := LastUserText(AiRequest{}); ok {
		tt.Error("LastUserText of no messages")
	}
}
