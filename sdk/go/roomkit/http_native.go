//go:build !wasip1

package roomkit

// send asks the handler set with Testing.OnHTTP (off wasm there is no host to send through).
func send(request Request, _ target) (*Response, error) {
	sys.mu.Lock()
	handler := sys.httpHandler
	sys.mu.Unlock()
	if handler == nil {
		return nil, &HTTPError{Kind: HTTPUnavailable}
	}
	return handler(request)
}

// OnHTTP makes Send answer with handler in native tests (nil: Send fails with HTTPUnavailable).
func (s *TestHost) OnHTTP(handler func(Request) (*Response, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.httpHandler = handler
}
