package roomkit

import (
	"encoding/json"
	"strings"

	t "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_types"
)

// JSON is v as the JSON text WIT's json fields carry ("{}" when v is nil; a string passes
// unchanged).
func JSON(v any) Json {
	switch x := v.(type) {
	case nil:
		return "{}"
	case string:
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// Text is text content.
func Text(body string) Content {
	return t.MakeContentText(TextContent{Body: body, Language: None[string]()})
}

// TextOf is the body of a text event.
func TextOf(event RoomEvent) (string, bool) {
	if event.Content.Tag() != ContentText {
		return "", false
	}
	return event.Content.Text().Body, true
}

// WithText is the event with its content replaced by text (for Modify).
func WithText(event RoomEvent, body string) RoomEvent {
	event.Content = Text(body)
	return event
}

// Texts lists every human-readable text of the content: text and rich bodies, captions,
// transcripts, location labels and addresses, system and template bodies, composite parts and
// the new content of edits.
func Texts(c Content) []string {
	var out []string
	opt := func(o Option[string]) {
		if o.IsSome() {
			out = append(out, o.Some())
		}
	}
	switch c.Tag() {
	case t.Content_Text:
		out = append(out, c.Text().Body)
	case t.Content_Rich:
		out = append(out, c.Rich().Body)
		opt(c.Rich().PlainText)
	case t.Content_Media:
		opt(c.Media().Caption)
	case t.Content_Location:
		opt(c.Location().Label)
		opt(c.Location().Address)
	case t.Content_Audio:
		opt(c.Audio().Transcript)
	case t.Content_System:
		out = append(out, c.System().Body)
	case t.Content_Template:
		opt(c.Template().Body)
	case t.Content_Composite:
		for _, p := range c.Composite() {
			out = append(out, partTexts(p)...)
		}
	case t.Content_Edit:
		out = append(out, partTexts(c.Edit().NewContent)...)
	}
	return out
}

func partTexts(p Part) []string {
	var out []string
	opt := func(o Option[string]) {
		if o.IsSome() {
			out = append(out, o.Some())
		}
	}
	switch p.Tag() {
	case t.Part_Text:
		out = append(out, p.Text().Body)
	case t.Part_Rich:
		out = append(out, p.Rich().Body)
		opt(p.Rich().PlainText)
	case t.Part_Media:
		opt(p.Media().Caption)
	case t.Part_Location:
		opt(p.Location().Label)
		opt(p.Location().Address)
	case t.Part_Audio:
		opt(p.Audio().Transcript)
	case t.Part_System:
		out = append(out, p.System().Body)
	case t.Part_Template:
		opt(p.Template().Body)
	}
	return out
}

// Allow lets the event through unchanged.
func Allow() HookResult { return HookResult{Action: t.MakeHookActionAllow()} }

// Block blocks the event; the reason is stored with it and shown to operators.
func Block(reason string) HookResult { return HookResult{Action: t.MakeHookActionBlock(reason)} }

// Modify replaces the event for the hooks after this one and for delivery.
func Modify(event RoomEvent) HookResult {
	return HookResult{Action: t.MakeHookActionModify(event)}
}

// Inject is an event for HookResult.InjectedEvents, visible to all, delivered to the targets.
func Inject(content Content, targetChannelIDs ...string) InjectedEvent {
	return InjectedEvent{Content: content, TargetChannelIds: targetChannelIDs, Visibility: "all"}
}

// NewTask is a task with a title (append it to HookResult.Tasks).
func NewTask(title string) Task {
	return Task{Title: title, Description: None[string](), AssignedTo: None[string](), Metadata: "{}"}
}

// NewObservation is an observation of category saying content, with a confidence clamped to
// 0..1 (append it to HookResult.Observations).
func NewObservation(category, content string, confidence float64) Observation {
	if confidence != confidence || confidence < 0 {
		confidence = 0
	} else if confidence > 1 {
		confidence = 1
	}
	return Observation{Content: content, Category: category, Confidence: confidence, Metadata: "{}"}
}

// NewIdentity is an identity with an id and nothing else.
func NewIdentity(id string) Identity {
	return Identity{
		Id:             id,
		OrganizationId: None[string](),
		DisplayName:    None[string](),
		ExternalId:     None[string](),
		Metadata:       "{}",
	}
}

// IdentifiedAs says the sender is who.
func IdentifiedAs(who Identity) IdentityResult {
	return IdentityResult{Status: t.Identification_Identified, Identity: Some(who)}
}

// AmbiguousAmong says the sender could be any of the candidates.
func AmbiguousAmong(candidates ...Identity) IdentityResult {
	return IdentityResult{Status: t.Identification_Ambiguous, Identity: None[Identity](), Candidates: candidates}
}

// NobodyKnown says the sender is unknown.
func NobodyKnown() IdentityResult {
	return IdentityResult{Status: t.Identification_Unknown, Identity: None[Identity]()}
}

// Resolved is an identity hook's decision: the sender is who.
func Resolved(who Identity) IdentityDecision { return t.MakeIdentityDecisionResolved(who) }

// KeepPending is an identity hook's decision: keep the sender pending and let the message go on.
func KeepPending() IdentityDecision { return t.MakeIdentityDecisionPending() }

// Challenge is an identity hook's decision: send text back to the sender and block the message.
func Challenge(text string) IdentityDecision { return t.MakeIdentityDecisionChallenge(Text(text)) }

// Reject is an identity hook's decision: block the message with reason.
func Reject(reason string) IdentityDecision { return t.MakeIdentityDecisionReject(reason) }

// ToRoom routes into an existing room.
func ToRoom(roomID string) Route { return t.MakeRouteRoom(roomID) }

// NewRoom routes into a new room.
func NewRoom() Route { return t.MakeRouteNewRoom() }

// DefaultRoute lets the host's default routing decide.
func DefaultRoute() Route { return t.MakeRouteDefault() }

// LastUserText is the text of the last user message of an AI request.
func LastUserText(request AiRequest) (string, bool) {
	for i := len(request.Messages) - 1; i >= 0; i-- {
		m := request.Messages[i]
		if m.Role != t.AiRole_User {
			continue
		}
		var parts []string
		for _, p := range m.Parts {
			if p.Tag() == t.AiPart_Text {
				parts = append(parts, p.Text())
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, "\n"), true
		}
	}
	return "", false
}
