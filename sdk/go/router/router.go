// Package router exports a Go function as a RoomKit inbound router (world
// roomkit:plugin/inbound-router): register it with Route in an init function.
package router

import (
	types "roomkit.example/sdk/internal/witpkg/types"
	"roomkit.example/sdk/roomkit"
)

// Router picks the room of an inbound message that names none. An error makes the host use
// its default routing.
type Router func(message roomkit.InboundMessage, channelType string) (roomkit.Route, error)

var router Router

// Route makes r the plugin's inbound router.
func Route(r Router) { router = r }

func exportRoute(message roomkit.InboundMessage, channelType string) types.Result[roomkit.Route, string] {
	if router == nil {
		return types.Err[roomkit.Route]("no router registered: call router.Route in an init function")
	}
	result, err := router(message, channelType)
	if err != nil {
		return types.Err[roomkit.Route](err.Error())
	}
	return types.Ok[roomkit.Route, string](result)
}
