// Package deliver turns a Go error into the WIT delivery-error of providers and AI providers.
package deliver

import (
	"errors"

	t "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_types"
	"roomkit.example/sdk/roomkit"
)

// Error is err as a delivery-error: a *roomkit.DeliveryError keeps its Retryable, anything
// else is permanent.
func Error(err error) t.DeliveryError {
	var de *roomkit.DeliveryError
	if errors.As(err, &de) {
		return t.DeliveryError{Message: err.Error(), Retryable: de.Retryable}
	}
	return t.DeliveryError{Message: err.Error()}
}
