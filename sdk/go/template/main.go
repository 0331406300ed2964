// A RoomKit hook in Go: blocks messages containing the `word` of its config.
// Build: roomkit plugin build DIR (or sdk/go/build.sh DIR --kind hook); the component and its
// manifest land in DIR/dist.
package main

import (
	"strings"

	"roomkit.example/sdk/hook"
	"roomkit.example/sdk/roomkit"
)

func handle(_ roomkit.HookTrigger, event roomkit.RoomEvent, _ *roomkit.Context) (roomkit.HookResult, error) {
	word := roomkit.ConfigOr("word", "forbidden")
	if text, ok := roomkit.TextOf(event); ok && strings.Contains(text, word) {
		roomkit.LogInfo("blocked event " + event.Id)
		return roomkit.Block("contains " + word), nil
	}
	return roomkit.Allow(), nil
}

func init() { hook.Handle(handle) }

func main() {}
