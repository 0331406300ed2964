// Package identity exports a Go function as a RoomKit identity resolver (world
// roomkit:plugin/identity-resolver): register it with Resolve in an init function.
package identity

import (
	types "roomkit.example/sdk/internal/witpkg/types"
	"roomkit.example/sdk/roomkit"
)

// Resolver says who sent message on a channel of channelType. An error is treated as unknown
// and reported.
type Resolver func(message roomkit.InboundMessage, channelType string, ctx *roomkit.Context) (roomkit.IdentityResult, error)

var resolver Resolver

// Resolve makes r the plugin's identity resolver.
func Resolve(r Resolver) { resolver = r }

func exportResolve(message roomkit.InboundMessage, channelType string, ctx *roomkit.Context) types.Result[roomkit.IdentityResult, string] {
	// The component model requires an export to drop the borrowed context before it returns;
	// the generated glue does not, so the SDK does it for every plugin.
	defer ctx.Drop()
	if resolver == nil {
		return types.Err[roomkit.IdentityResult]("no resolver registered: call identity.Resolve in an init function")
	}
	result, err := resolver(message, channelType, ctx)
	if err != nil {
		return types.Err[roomkit.IdentityResult](err.Error())
	}
	return types.Ok[roomkit.IdentityResult, string](result)
}
