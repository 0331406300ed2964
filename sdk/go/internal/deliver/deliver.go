// Package deliver turns a Go error into the WIT delivery-error of providers and AI providers.
package deliver

import (
	"errors"

	t "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_types"
	types "roomkit.example/sdk/internal/witpkg/types"
	"roomkit.example/sdk/roomkit"
)

// Error is err as a delivery-error: a *roomkit.DeliveryError keeps its Retryable, Code and
// RetryAfter (in whole milliseconds), anything else is permanent.
func Error(err error) t.DeliveryError {
	out := t.DeliveryError{Message: err.Error(), Code: types.None[string](), RetryAfterMs: types.None[uint64]()}
	var de *roomkit.DeliveryError
	if errors.As(err, &de) {
		out.Retryable = de.Retryable
		if de.Code != "" {
			out.Code = types.Some(de.Code)
		}
		if de.RetryAfter > 0 {
			out.RetryAfterMs = types.Some(uint64(de.RetryAfter.Milliseconds()))
		}
	}
	return out
}
