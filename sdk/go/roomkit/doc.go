// Package roomkit is the RoomKit plugin SDK for Go: the WIT types of roomkit:plugin@0.2.0 as Go
// types, constructors for what plugins return, and the host's imports (config, key-value, log).
//
// A plugin is a `main` package that registers one implementation in an init function with the
// package of its kind — hook.Handle, identity.Resolve, router.Route, provider.Register or
// aiprovider.Register — and is built with sdk/go/build.sh (standard Go for GOOS=wasip1
// GOARCH=wasm, then roomkit-go-componentize):
//
//	package main
//
//	import (
//		"strings"
//
//		"roomkit.example/sdk/hook"
//		"roomkit.example/sdk/roomkit"
//	)
//
//	func init() {
//		hook.Handle(func(_ roomkit.HookTrigger, event roomkit.RoomEvent, _ *roomkit.Context) (roomkit.HookResult, error) {
//			if text, ok := roomkit.TextOf(event); ok && strings.Contains(text, "password") {
//				return roomkit.Block("credentials"), nil
//			}
//			return roomkit.Allow(), nil
//		})
//	}
//
//	func main() {}
//
// Returning an error is a failure the plugin reports (not a trap); the host records it and
// applies the manifest's fail policy. A panic traps the instance, which the host drops.
//
// Off wasm (go test on the build machine) the host's imports are served by in-memory
// stand-ins that tests fill through Testing, so a plugin's logic runs in ordinary Go tests.
package roomkit
