// Package identityhook exports Go functions as a RoomKit identity hook (world
// roomkit:plugin/identity-hook): a hook that also decides about senders identity resolution
// could not settle, on the triggers on_identity_unknown and on_identity_ambiguous. Register
// both functions in an init function of the plugin's main package: Handle for the ordinary
// triggers (it may allow everything) and HandleIdentity for the identity triggers. build.sh
// builds a hook for this world when its manifest names an identity trigger.
package identityhook

import (
	types "roomkit.example/sdk/internal/witpkg/types"
	"roomkit.example/sdk/roomkit"
)

// Handler handles one event at trigger, as in package hook.
type Handler func(trigger roomkit.HookTrigger, event roomkit.RoomEvent, ctx *roomkit.Context) (roomkit.HookResult, error)

// IdentityHandler decides about the sender of message, whom the resolver found to be result:
// roomkit.Resolved, roomkit.KeepPending, roomkit.Challenge or roomkit.Reject, or None to leave
// the decision to the next identity hook. An error is reported as hook_error and the next hook
// is asked (a fail-closed hook rejects the message instead).
type IdentityHandler func(trigger roomkit.HookTrigger, message roomkit.InboundMessage, result roomkit.IdentityResult, ctx *roomkit.Context) (roomkit.Option[roomkit.IdentityDecision], error)

var (
	handler         Handler
	identityHandler IdentityHandler
)

// Handle makes h the plugin's hook for the ordinary triggers.
func Handle(h Handler) { handler = h }

// HandleIdentity makes h the plugin's identity hook.
func HandleIdentity(h IdentityHandler) { identityHandler = h }

func exportHandle(trigger roomkit.HookTrigger, event roomkit.RoomEvent, ctx *roomkit.Context) types.Result[roomkit.HookResult, string] {
	// The component model requires an export to drop the borrowed context before it returns;
	// the generated glue does not, so the SDK does it for every plugin.
	defer ctx.Drop()
	if handler == nil {
		return types.Ok[roomkit.HookResult, string](roomkit.Allow())
	}
	result, err := handler(trigger, event, ctx)
	if err != nil {
		return types.Err[roomkit.HookResult](err.Error())
	}
	return types.Ok[roomkit.HookResult, string](result)
}

func exportHandleIdentity(trigger roomkit.HookTrigger, message roomkit.InboundMessage, result roomkit.IdentityResult, ctx *roomkit.Context) types.Result[roomkit.Option[roomkit.IdentityDecision], string] {
	defer ctx.Drop()
	if identityHandler == nil {
		return types.Err[roomkit.Option[roomkit.IdentityDecision]]("no identity hook registered: call identityhook.HandleIdentity in an init function")
	}
	decision, err := identityHandler(trigger, message, result, ctx)
	if err != nil {
		return types.Err[roomkit.Option[roomkit.IdentityDecision]](err.Error())
	}
	return types.Ok[roomkit.Option[roomkit.IdentityDecision], string](decision)
}
