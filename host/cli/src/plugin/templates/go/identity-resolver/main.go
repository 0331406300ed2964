// {{name}}: an identity resolver that names the senders listed in its `people` setting
// (`SENDER = NAME` entries separated by `;`) and answers unknown for everyone else.
// Build: roomkit plugin build DIR (the component and its manifest land in DIR/dist).
package main

import (
	"fmt"
	"strings"

	"roomkit.example/sdk/identity"
	"roomkit.example/sdk/roomkit"
)

func resolve(message roomkit.InboundMessage, channelType string, _ *roomkit.Context) (roomkit.IdentityResult, error) {
	for _, entry := range strings.Split(roomkit.ConfigOr("people", ""), ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		sender, name, ok := strings.Cut(entry, "=")
		if !ok {
			return roomkit.IdentityResult{}, fmt.Errorf("config `people`: %q has no '='", entry)
		}
		if strings.TrimSpace(sender) == message.SenderId {
			name = strings.TrimSpace(name)
			who := roomkit.NewIdentity(strings.ReplaceAll(strings.ToLower(name), " ", "-"))
			who.DisplayName = roomkit.Some(name)
			who.Addresses = []roomkit.ChannelAddress{{ChannelType: channelType, Address: message.SenderId}}
			return roomkit.IdentifiedAs(who), nil
		}
	}
	return roomkit.NobodyKnown(), nil
}

func init() { identity.Resolve(resolve) }

func main() {}
