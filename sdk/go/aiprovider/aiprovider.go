// Package aiprovider exports a Go value as a RoomKit AI provider (world
// roomkit:plugin/ai-provider): register it with Register in an init function.
package aiprovider

import (
	"roomkit.example/sdk/internal/deliver"
	t "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_types"
	types "roomkit.example/sdk/internal/witpkg/types"
	"roomkit.example/sdk/roomkit"
)

// AiProvider is a language model behind an AI channel. Info is called once, at load.
type AiProvider interface {
	Info() roomkit.AiInfo
	Generate(request roomkit.AiRequest) (roomkit.AiResponse, error)
}

var provider AiProvider

// Register makes p the plugin's AI provider.
func Register(p AiProvider) { provider = p }

func exportInfo() roomkit.AiInfo {
	if provider == nil {
		return roomkit.AiInfo{ModelName: "unregistered"}
	}
	return provider.Info()
}

func exportGenerate(request roomkit.AiRequest) types.Result[roomkit.AiResponse, t.DeliveryError] {
	if provider == nil {
		return types.Err[roomkit.AiResponse](t.DeliveryError{Message: "no AI provider registered: call aiprovider.Register in an init function"})
	}
	response, err := provider.Generate(request)
	if err != nil {
		return types.Err[roomkit.AiResponse](deliver.Error(err))
	}
	return types.Ok[roomkit.AiResponse, t.DeliveryError](response)
}
