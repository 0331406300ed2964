package roomkit

import (
	"errors"
	"fmt"
)

// Level is how severe a log line is.
type Level uint8

// Log levels.
const (
	LevelTrace Level = iota
	LevelDebug
	LevelInfo
	LevelWarn
	LevelError
)

// Config is the value of key in the manifest's [config] table.
func Config(key string) (string, bool) { return sys.config(key) }

// ConfigOr is the value of key, or fallback when unset.
func ConfigOr(key, fallback string) string {
	if v, ok := sys.config(key); ok {
		return v
	}
	return fallback
}

// RequireConfig is the value of key, or an error naming the missing key.
func RequireConfig(key string) (string, error) {
	if v, ok := sys.config(key); ok {
		return v, nil
	}
	return "", fmt.Errorf("config key `%s` is not set", key)
}

// KVGet is the value under key in the plugin's own key-value space.
func KVGet(key string) ([]byte, bool) { return sys.kvGet(key) }

// KVSet stores value under key, replacing what was there. It fails, changing nothing, with a
// *KVError when the plugin's quota ([kv] in its manifest) would be exceeded or the host's
// store fails: errors.Is(err, ErrKVOverQuota) tells the first.
func KVSet(key string, value []byte) error { return sys.kvSet(key, value) }

// KVDelete deletes key; it says whether key was there.
func KVDelete(key string) bool { return sys.kvDelete(key) }

// KVGetString is the value under key as text.
func KVGetString(key string) (string, bool) {
	v, ok := sys.kvGet(key)
	return string(v), ok
}

// KVSetString stores text under key; it fails as KVSet does.
func KVSetString(key, value string) error { return sys.kvSet(key, []byte(value)) }

// Why a value was not stored (KVError.Kind); errors.Is(err, ErrKVOverQuota) and
// errors.Is(err, ErrKVStore) match a *KVError of that kind.
var (
	ErrKVOverQuota = errors.New("over the plugin's key-value quota")
	ErrKVStore     = errors.New("the host's store failed")
)

// KVError is a set that stored nothing: Kind is ErrKVOverQuota or ErrKVStore, Reason the
// host's explanation.
type KVError struct {
	Key    string
	Kind   error
	Reason string
}

func (e *KVError) Error() string {
	return fmt.Sprintf("storing key-value key `%s`: %v: %s", e.Key, e.Kind, e.Reason)
}

// Is matches the kind's sentinel (ErrKVOverQuota or ErrKVStore).
func (e *KVError) Is(target error) bool { return target == e.Kind }

// Log writes message to the host's log at level; the host tags it with the plugin's name.
func Log(level Level, message string) { sys.log(level, message) }

// Logf writes a formatted line at level.
func Logf(level Level, format string, args ...any) { sys.log(level, fmt.Sprintf(format, args...)) }

// LogInfo writes message at level info.
func LogInfo(message string) { sys.log(LevelInfo, message) }

// LogWarn writes message at level warn.
func LogWarn(message string) { sys.log(LevelWarn, message) }

// LogError writes message at level error.
func LogError(message string) { sys.log(LevelError, message) }
