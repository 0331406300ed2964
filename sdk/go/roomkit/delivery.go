package roomkit

import (
	"strconv"
	"strings"
	"time"
)

// Receipt is a provider's receipt; id may be empty.
func Receipt(providerMessageID string) DeliveryReceipt {
	if providerMessageID == "" {
		return DeliveryReceipt{ProviderMessageId: None[string]()}
	}
	return DeliveryReceipt{ProviderMessageId: Some(providerMessageID)}
}

// DeliveryError is a failed delivery; Retryable says whether trying again may help. Return it
// (or wrap it) from Deliver or Generate; any other error counts as not retryable. Code is the
// service's own error code (empty: none); RetryAfter how long the service asked to wait (zero:
// it did not say), which the host's retry policy honours.
type DeliveryError struct {
	Message    string
	Retryable  bool
	Code       string
	RetryAfter time.Duration
}

func (e *DeliveryError) Error() string { return e.Message }

// WithCode is e with the service's own error code.
func (e *DeliveryError) WithCode(code string) *DeliveryError {
	e.Code = code
	return e
}

// WithRetryAfter is e with how long the service asked to wait before trying again.
func (e *DeliveryError) WithRetryAfter(wait time.Duration) *DeliveryError {
	e.RetryAfter = wait
	return e
}

// Retryable is a delivery error worth trying again (timeouts, 5xx).
func Retryable(message string) *DeliveryError {
	return &DeliveryError{Message: message, Retryable: true}
}

// Permanent is a delivery error not worth trying again (bad address, 4xx).
func Permanent(message string) *DeliveryError { return &DeliveryError{Message: message} }

// FromStatus is the error for an HTTP answer that is not a success: retryable for 408, 429
// and 5xx, permanent otherwise, waiting as long as retryAfter (the answer's Retry-After header
// in seconds; an HTTP date or anything else is ignored, as is an empty one) says. message
// should carry the service's own error text.
func FromStatus(status int, retryAfter, message string) *DeliveryError {
	e := &DeliveryError{Message: message, Retryable: status == 408 || status == 429 || status >= 500}
	if seconds, err := strconv.ParseUint(strings.TrimSpace(retryAfter), 10, 32); err == nil {
		e.RetryAfter = time.Duration(seconds) * time.Second
	}
	return e
}
