// An identity hook (world roomkit:plugin/identity-hook): a sender the identity resolver does
// not know is resolved when the message says "account NUMBER", rejected when it comes from a
// number in the config's "blocked" list, and asked who they are otherwise.
//
//	sdk/go/build.sh sdk/go/examples/ask-identity --kind hook --world identity-hook
package main

import (
	"strings"

	"roomkit.example/sdk/identityhook"
	"roomkit.example/sdk/roomkit"
)

// decide is the plugin's logic, kept apart from the export so that `go test` can call it.
func decide(message roomkit.InboundMessage) roomkit.IdentityDecision {
	for _, blocked := range strings.Split(roomkit.ConfigOr("blocked", ""), ",") {
		if blocked = strings.TrimSpace(blocked); blocked != "" && blocked == message.SenderId {
			return roomkit.Reject("number blocked")
		}
	}
	text := strings.Join(roomkit.Texts(message.Content), " ")
	if number, ok := strings.CutPrefix(strings.TrimSpace(text), "account "); ok && number != "" {
		return roomkit.Resolved(roomkit.NewIdentity("acct-" + number))
	}
	return roomkit.Challenge(roomkit.ConfigOr("question", "Who is this?"))
}

func init() {
	identityhook.HandleIdentity(func(_ roomkit.HookTrigger, message roomkit.InboundMessage, _ roomkit.IdentityResult, _ *roomkit.Context) (roomkit.Option[roomkit.IdentityDecision], error) {
		return roomkit.Some(decide(message)), nil
	})
}

func main() {}
