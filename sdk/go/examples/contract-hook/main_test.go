package main

import (
	"testing"

	"roomkit.example/sdk/roomkit"
)

func event(text string) roomkit.RoomEvent {
	return roomkit.RoomEvent{RoomId: "r", EventType: "message", Content: roomkit.Text(text), Metadata: "{}"}
}

func TestBlocksMasksAllowsFailsCountsAndLogs(t *testing.T) {
	roomkit.Testing.Reset()
	roomkit.Testing.SetConfig("block_word", "darn")
	roomkit.Testing.SetConfig("mask_word", "secret")
	if r, err := handle(roomkit.BeforeBroadcast, event("well darn it"), nil); err != nil || r.Action.Tag() != roomkit.ActionBlock || r.Action.Block() != "contains darn" {
		t.Fatalf("block: %v %v", r, err)
	}
	r, err := handle(roomkit.BeforeBroadcast, event("sécret secret ü"), nil)
	if err != nil || r.Action.Tag() != roomkit.ActionModify {
		t.Fatalf("modify: %v %v", r, err)
	}
	if text, _ := roomkit.TextOf(r.Action.Modify()); text != "sécret ****** ü" {
		t.Fatalf("masked text %q", text)
	}
	if r, err := handle(roomkit.BeforeBroadcast, event("hello"), nil); err != nil || r.Action.Tag() != roomkit.ActionAllow {
		t.Fatalf("allow: %v %v", r, err)
	}
	if _, err := handle(roomkit.BeforeBroadcast, event("error"), nil); err == nil || err.Error() != "contract-hook: asked to fail" {
		t.Fatalf("error: %v", err)
	}
	if calls, _ := roomkit.KVGetString("calls"); calls != "4" {
		t.Fatalf("calls = %q", calls)
	}
	want := []string{"contract-hook call 1: block", "contract-hook call 2: modify", "contract-hook call 3: allow", "contract-hook call 4: error"}
	for i, line := range roomkit.Testing.Logs {
		if line.Message != want[i] {
			t.Fatalf("log %d = %q, want %q", i, line.Message, want[i])
		}
	}
}
