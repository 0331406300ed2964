// {{name}}: an AI provider that is not a model: it answers every user message with how many
// words it had, deterministically, for wiring up AI channels before a real model.
// Build: roomkit plugin build DIR (the component and its manifest land in DIR/dist).
package main

import (
	"fmt"
	"strings"

	"roomkit.example/sdk/aiprovider"
	"roomkit.example/sdk/roomkit"
)

type plugin struct{}

func (plugin) Info() roomkit.AiInfo { return roomkit.AiInfo{ModelName: "{{name}}"} }

func (plugin) Generate(request roomkit.AiRequest) (roomkit.AiResponse, error) {
	text, ok := roomkit.LastUserText(request)
	if !ok {
		return roomkit.AiResponse{Metadata: "{}"}, nil // no user message: no answer
	}
	words := len(strings.Fields(text))
	unit := "words"
	if words == 1 {
		unit = "word"
	}
	answer := fmt.Sprintf("%s %d %s.", roomkit.ConfigOr("prefix", "You wrote"), words, unit)
	return roomkit.AiResponse{Content: answer, Metadata: "{}"}, nil
}

func init() { aiprovider.Register(plugin{}) }

func main() {}
