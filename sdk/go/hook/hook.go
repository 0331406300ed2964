// Package hook exports a Go function as a RoomKit hook (world roomkit:plugin/hook): register
// it with Handle in an init function of the plugin's main package.
package hook

import (
	types "roomkit.example/sdk/internal/witpkg/types"
	"roomkit.example/sdk/roomkit"
)

// Handler handles one event at trigger; ctx reads the room lazily. An error is a failure the
// plugin reports: the host records it as hook_error and applies the fail policy.
type Handler func(trigger roomkit.HookTrigger, event roomkit.RoomEvent, ctx *roomkit.Context) (roomkit.HookResult, error)

var handler Handler

// Handle makes h the plugin's hook.
func Handle(h Handler) { handler = h }

func exportHandle(trigger roomkit.HookTrigger, event roomkit.RoomEvent, ctx *roomkit.Context) types.Result[roomkit.HookResult, string] {
	// The component model requires an export to drop the borrowed context before it returns;
	// the generated glue does not, so the SDK does it for every plugin.
	defer ctx.Drop()
	if handler == nil {
		return types.Err[roomkit.HookResult]("no hook registered: call hook.Handle in an init function")
	}
	result, err := handler(trigger, event, ctx)
	if err != nil {
		return types.Err[roomkit.HookResult](err.Error())
	}
	return types.Ok[roomkit.HookResult, string](result)
}
