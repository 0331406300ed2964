// {{name}}: an inbound router that sends a message naming a room with a hashtag (`#billing my
// invoice`) to that room when its `rooms` setting lists it, and leaves every other message to
// the host's default routing.
// Build: roomkit plugin build DIR (the component and its manifest land in DIR/dist).
package main

import (
	"slices"
	"strings"

	"roomkit.example/sdk/roomkit"
	"roomkit.example/sdk/router"
)

func route(message roomkit.InboundMessage, _ string) (roomkit.Route, error) {
	var rooms []string
	for _, room := range strings.Split(roomkit.ConfigOr("rooms", ""), ",") {
		if room = strings.TrimSpace(room); room != "" {
			rooms = append(rooms, room)
		}
	}
	for _, text := range roomkit.Texts(message.Content) {
		for _, word := range strings.Fields(text) {
			if tag, ok := strings.CutPrefix(word, "#"); ok && slices.Contains(rooms, tag) {
				return roomkit.ToRoom(tag), nil
			}
		}
	}
	return roomkit.DefaultRoute(), nil
}

func init() { router.Route(route) }

func main() {}
