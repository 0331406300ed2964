// The contract hook (sdk/contract.md) in Go: blocks block_word, masks mask_word, allows
// otherwise, fails when the text is "error", logs one line per call and counts calls in its
// key-value space. Must behave exactly like plugins/contract-hook (Rust) and
// sdk/js/examples/contract-hook (JavaScript).
package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"roomkit.example/sdk/hook"
	"roomkit.example/sdk/roomkit"
)

func countCall() int {
	calls := 0
	if s, ok := roomkit.KVGetString("calls"); ok {
		calls, _ = strconv.Atoi(s)
	}
	calls++
	if err := roomkit.KVSetString("calls", strconv.Itoa(calls)); err != nil {
		roomkit.LogWarn("call count not kept: " + err.Error())
	}
	return calls
}

func decide(event roomkit.RoomEvent, blockWord, maskWord string) (string, roomkit.HookResult) {
	body, _ := roomkit.TextOf(event)
	switch {
	case body == "error":
		return "error", roomkit.HookResult{}
	case strings.Contains(body, blockWord):
		return "block", roomkit.Block("contains " + blockWord)
	case maskWord != "" && strings.Contains(body, maskWord):
		stars := strings.Repeat("*", utf8.RuneCountInString(maskWord))
		return "modify", roomkit.Modify(roomkit.WithText(event, strings.ReplaceAll(body, maskWord, stars)))
	default:
		return "allow", roomkit.Allow()
	}
}

func handle(_ roomkit.HookTrigger, event roomkit.RoomEvent, _ *roomkit.Context) (roomkit.HookResult, error) {
	calls := countCall()
	action, result := decide(event, roomkit.ConfigOr("block_word", "forbidden"), roomkit.ConfigOr("mask_word", "secret"))
	roomkit.LogInfo(fmt.Sprintf("contract-hook call %d: %s", calls, action))
	if action == "error" {
		return result, errors.New("contract-hook: asked to fail")
	}
	return result, nil
}

func init() { hook.Handle(handle) }

func main() {}
