// Identity resolver: senders listed in the `staff` config ("+15550100=Ops desk,
// +15550101=Billing") are identified as that staff member; everyone else is unknown.
package main

import (
	"strings"

	"roomkit.example/sdk/identity"
	"roomkit.example/sdk/roomkit"
)

func resolve(message roomkit.InboundMessage, channelType string, _ *roomkit.Context) (roomkit.IdentityResult, error) {
	for _, entry := range strings.Split(roomkit.ConfigOr("staff", ""), ",") {
		address, name, _ := strings.Cut(entry, "=")
		address, name = strings.TrimSpace(address), strings.TrimSpace(name)
		if address != "" && address == message.SenderId {
			who := roomkit.NewIdentity("staff:" + address)
			if name == "" {
				name = address
			}
			who.DisplayName = roomkit.Some(name)
			who.Addresses = []roomkit.ChannelAddress{{ChannelType: channelType, Address: address}}
			return roomkit.IdentifiedAs(who), nil
		}
	}
	return roomkit.NobodyKnown(), nil
}

func init() { identity.Resolve(resolve) }

func main() {}
