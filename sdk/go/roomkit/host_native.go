//go:build !wasip1

package roomkit

import (
	"fmt"
	"sync"
)

// sys stands in for the host off wasm (go test on the build machine); fill and inspect it
// through Testing.
var sys = &TestHost{}

// Testing is the in-memory host of native tests: set config, read key-value data and logs.
// It exists only off wasm.
var Testing = sys

// TestHost is the in-memory stand-in for the host's imports.
type TestHost struct {
	mu     sync.Mutex
	Values map[string]string
	KV     map[string][]byte
	Logs   []LogLine
	// KVMaxKeys, when above zero, refuses new keys once the plugin holds that many (as the
	// host's `[kv] max_keys` does): KVSet fails with ErrKVOverQuota.
	KVMaxKeys int

	httpHandler func(Request) (*Response, error)
}

// LogLine is a line a plugin logged.
type LogLine struct {
	Level   Level
	Message string
}

// SetConfig sets a [config] value.
func (s *TestHost) SetConfig(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Values == nil {
		s.Values = map[string]string{}
	}
	s.Values[key] = value
}

// SetKVMaxKeys refuses new keys once the plugin holds maxKeys (as the host's `[kv] max_keys`
// does); 0 lifts the limit.
func (s *TestHost) SetKVMaxKeys(maxKeys int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.KVMaxKeys = maxKeys
}

// Reset forgets config, key-value data and its limit, logs and the HTTP handler.
func (s *TestHost) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Values, s.KV, s.Logs, s.KVMaxKeys, s.httpHandler = nil, nil, nil, 0, nil
}

func (s *TestHost) config(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.Values[key]
	return v, ok
}

func (s *TestHost) kvGet(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.KV[key]
	return v, ok
}

func (s *TestHost) kvSet(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, there := s.KV[key]; !there && s.KVMaxKeys > 0 && len(s.KV) >= s.KVMaxKeys {
		return &KVError{Key: key, Kind: ErrKVOverQuota, Reason: fmt.Sprintf("%d keys is the limit", len(s.KV))}
	}
	if s.KV == nil {
		s.KV = map[string][]byte{}
	}
	s.KV[key] = append([]byte(nil), value...)
	return nil
}

func (s *TestHost) kvDelete(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.KV[key]
	delete(s.KV, key)
	return ok
}

func (s *TestHost) log(level Level, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Logs = append(s.Logs, LogLine{level, message})
}
