package roomkit

import (
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

	KVSetString("greeting", "hello")
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
