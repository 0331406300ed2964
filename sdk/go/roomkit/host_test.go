package roomkit

import (
	"errors"
	"reflect"
	"testing"
)

func TestTheTestHostServesConfigKVAndLogs(tt *testing.T) {
	Testing.Reset()
	defer Testing.Reset()
	if _, err := RequireConfig("url"); err == nil || err.Error() != "config key `url` is not set" {
		tt.Errorf("RequireConfig of a missing key: %v", err)
	}
	if got := ConfigOr("url", "https://fallback"); got != "https://fallback" {
		tt.Errorf("ConfigOr: %q", got)
	}
	Testing.SetConfig("url", "https://api.example.com")
	if got, err := RequireConfig("url"); err != nil || got != "https://api.example.com" {
		tt.Errorf("RequireConfig: %q %v", got, err)
	}

	if err := KVSetString("greeting", "hello"); err != nil {
		tt.Fatalf("KVSetString: %v", err)
	}
	if got, ok := KVGetString("greeting"); !ok || got != "hello" {
		tt.Errorf("KVGetString: %q %v", got, ok)
	}
	if !KVDelete("greeting") || KVDelete("greeting") {
		tt.Error("KVDelete says whether the key was there")
	}
	if _, ok := KVGet("greeting"); ok {
		tt.Error("deleted key still there")
	}

	LogInfo("one")
	Logf(LevelWarn, "two %d", 2)
	want := []LogLine{{LevelInfo, "one"}, {LevelWarn, "two 2"}}
	if !reflect.DeepEqual(Testing.Logs, want) {
		tt.Errorf("logs: %+v", Testing.Logs)
	}
}

func TestKVSetFailsWithAKVErrorWhenOverQuotaAndStoresNothing(tt *testing.T) {
	Testing.Reset()
	defer Testing.Reset()
	Testing.SetKVMaxKeys(1)
	if err := KVSet("a", []byte{1}); err != nil {
		tt.Fatalf("first key: %v", err)
	}
	err := KVSetString("b", "two")
	if err == nil || err.Error() != "storing key-value key `b`: over the plugin's key-value quota: 1 keys is the limit" {
		tt.Fatalf("second key: %v", err)
	}
	var kvErr *KVError
	if !errors.As(err, &kvErr) || kvErr.Key != "b" || kvErr.Reason != "1 keys is the limit" {
		tt.Errorf("as KVError: %#v", kvErr)
	}
	if !errors.Is(err, ErrKVOverQuota) || errors.Is(err, ErrKVStore) {
		tt.Error("errors.Is tells the kind")
	}
	if _, ok := KVGet("b"); ok {
		tt.Error("a refused set stored its value")
	}
	if err := KVSet("a", []byte{2}); err != nil {
		tt.Errorf("replacing an existing key is within the quota: %v", err)
	}
	if got, _ := KVGet("a"); !reflect.DeepEqual(got, []byte{2}) {
		tt.Errorf("replaced value: %v", got)
	}
	store := &KVError{Key: "k", Kind: ErrKVStore, Reason: "disk full"}
	if store.Error() != "storing key-value key `k`: the host's store failed: disk full" || !errors.Is(store, ErrKVStore) {
		tt.Errorf("store error: %v", store)
	}
}
