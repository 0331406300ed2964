package roomkit

import (
	ctx "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_room_context"
	t "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_types"
	wit "roomkit.example/sdk/internal/witpkg/types"
)

// Option is a WIT option: Some(v) or None().
type Option[T any] = wit.Option[T]

// Some is an option holding v.
func Some[T any](v T) Option[T] { return wit.Some(v) }

// None is an empty option.
func None[T any]() Option[T] { return wit.None[T]() }

// The WIT types of roomkit:plugin/types@0.2.0. Enums are uint8 constants (HookTrigger_…,
// Direction_…); variants have a Tag() and accessors, and Make… constructors.
type (
	Json            = t.Json
	Content         = t.Content
	Part            = t.Part
	TextContent     = t.TextContent
	RichContent     = t.RichContent
	MediaContent    = t.MediaContent
	LocationContent = t.LocationContent
	AudioContent    = t.AudioContent
	VideoContent    = t.VideoContent
	SystemContent   = t.SystemContent
	TemplateContent = t.TemplateContent
	EditContent     = t.EditContent
	DeleteContent   = t.DeleteContent
	Direction       = t.Direction
	EventStatus     = t.EventStatus
	EventSource     = t.EventSource
	RoomEvent       = t.RoomEvent
	HookTrigger     = t.HookTrigger
	HookAction      = t.HookAction
	HookResult      = t.HookResult
	InjectedEvent   = t.InjectedEvent
	Task            = t.Task
	Observation     = t.Observation
	RoomView        = t.RoomView
	BindingView     = t.BindingView
	InboundMessage  = t.InboundMessage
	ChannelAddress  = t.ChannelAddress
	Identity        = t.Identity
	Identification  = t.Identification
	IdentityResult  = t.IdentityResult
	// IdentityDecision is what an identity hook answers (see package identityhook).
	IdentityDecision = t.IdentityDecision
	Route            = t.Route
	DeliveryReceipt  = t.DeliveryReceipt
	Header           = t.Header
	WebhookRequest   = t.WebhookRequest
	// WebhookResult is what ParseWebhook answers: messages, status updates and, optionally,
	// the HTTP answer the service expects (see WebhookMessages, WebhookReply).
	WebhookResult   = t.WebhookResult
	WebhookResponse = t.WebhookResponse
	StatusUpdate    = t.StatusUpdate
	// DeliveryStatus is where a delivered message stands: StatusQueued … StatusFailed.
	DeliveryStatus = t.DeliveryStatus
	AiRole         = t.AiRole
	AiPart         = t.AiPart
	AiMessage      = t.AiMessage
	AiRequest      = t.AiRequest
	AiResponse     = t.AiResponse
	AiInfo         = t.AiInfo
	// Context reads the event's room lazily: Room(), Bindings(), RecentEvents(limit).
	Context = ctx.Context
)

// Tags and enum values most plugins use.
const (
	ContentText      = t.Content_Text
	ContentRich      = t.Content_Rich
	ContentMedia     = t.Content_Media
	ContentComposite = t.Content_Composite
	ContentEdit      = t.Content_Edit

	ActionAllow  = t.HookAction_Allow
	ActionBlock  = t.HookAction_Block
	ActionModify = t.HookAction_Modify

	BeforeBroadcast = t.HookTrigger_BeforeBroadcast
	AfterBroadcast  = t.HookTrigger_AfterBroadcast

	Inbound  = t.Direction_Inbound
	Outbound = t.Direction_Outbound

	Identified = t.Identification_Identified
	Ambiguous  = t.Identification_Ambiguous
	Unknown    = t.Identification_Unknown

	RoleUser      = t.AiRole_User
	RoleAssistant = t.AiRole_Assistant

	StatusQueued    = t.DeliveryStatus_Queued
	StatusSent      = t.DeliveryStatus_Sent
	StatusDelivered = t.DeliveryStatus_Delivered
	StatusRead      = t.DeliveryStatus_Read
	StatusFailed    = t.DeliveryStatus_Failed
)
