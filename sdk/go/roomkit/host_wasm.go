//go:build wasip1

package roomkit

import h "roomkit.example/sdk/internal/wit/imports/roomkit_plugin_host"

// sys is the host, reached through the generated imports.
var sys wasmHost

type wasmHost struct{}

func (wasmHost) config(key string) (string, bool) {
	v := h.Config(key)
	if v.IsSome() {
		return v.Some(), true
	}
	return "", false
}

func (wasmHost) kvGet(key string) ([]byte, bool) {
	v := h.KvGet(key)
	if v.IsSome() {
		return v.Some(), true
	}
	return nil, false
}

func (wasmHost) kvSet(key string, value []byte) error {
	result := h.KvSet(key, value)
	if result.IsOk() {
		return nil
	}
	e := result.Err()
	if e.Tag() == h.KvError_OverQuota {
		return &KVError{Key: key, Kind: ErrKVOverQuota, Reason: e.OverQuota()}
	}
	return &KVError{Key: key, Kind: ErrKVStore, Reason: e.Store()}
}

func (wasmHost) kvDelete(key string) bool        { return h.KvDelete(key) }
func (wasmHost) log(level Level, message string) { h.Log(h.Level(level), message) }
