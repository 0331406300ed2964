package roomkit

import (
	"errors"
	"testing"
)

func TestSplitURL(tt *testing.T) {
	for _, c := range []struct {
		url                      string
		https                    bool
		authority, pathWithQuery string
	}{
		{"https://api.example.com", true, "api.example.com", "/"},
		{"http://127.0.0.1:9090/notify?x=1#frag", false, "127.0.0.1:9090", "/notify?x=1"},
		{"https://h?q=1", true, "h", "/?q=1"},
		{"https://h/a/b#only-fragment", true, "h", "/a/b"},
	} {
		got, err := splitURL(c.url)
		if err != nil {
			tt.Errorf("%s: %v", c.url, err)
			continue
		}
		if got.https != c.https || got.authority != c.authority || got.pathWithQuery != c.pathWithQuery {
			tt.Errorf("%s: %+v", c.url, got)
		}
	}
	for _, bad := range []string{"ftp://h/", "api.example.com", "https://", "https://user@h/", "https://h h/"} {
		_, err := splitURL(bad)
		var httpErr *HTTPError
		if !errors.As(err, &httpErr) || httpErr.Kind != HTTPInvalidURL {
			tt.Errorf("%q: %v, want HTTPInvalidURL", bad, err)
		}
	}
}

func TestSendNormalisesTheRequestAndAsksTheTestHandler(tt *testing.T) {
	defer Testing.Reset()
	var seen Request
	Testing.OnHTTP(func(r Request) (*Response, error) {
		seen = r
		return &Response{Status: 202, Header: []Header{{Name: "x-message-id", Value: "m-1"}}}, nil
	})
	response, err := Post("https://api.example.com/send", "application/json", []byte(`{}`))
	if err != nil {
		tt.Fatal(err)
	}
	if seen.Method != "POST" || seen.MaxResponseBytes != DefaultMaxResponseBytes || seen.Header[0].Value != "application/json" {
		tt.Errorf("request: %+v", seen)
	}
	if id, ok := response.Get("X-Message-Id"); !ok || id != "m-1" || response.Status != 202 {
		tt.Errorf("response: %+v", response)
	}
	if _, err := Send(Request{URL: "https://h/"}); err != nil || seen.Method != "GET" {
		tt.Errorf("an empty method is GET: %v %+v", err, seen)
	}
	if _, err := Send(Request{Method: "delete", URL: "https://h/", MaxResponseBytes: 10}); err != nil || seen.Method != "DELETE" || seen.MaxResponseBytes != 10 {
		tt.Errorf("methods are upper-cased, limits kept: %v %+v", err, seen)
	}
	_, err = Send(Request{Method: "CONNECT", URL: "https://h/"})
	var httpErr *HTTPError
	if !errors.As(err, &httpErr) || httpErr.Kind != HTTPOther || httpErr.Error() != "HTTP error: unsupported method CONNECT" {
		tt.Errorf("CONNECT: %v", err)
	}
}

func TestSendWithoutAHandlerIsUnavailable(tt *testing.T) {
	Testing.Reset()
	_, err := Send(Request{URL: "https://h/"})
	var httpErr *HTTPError
	if !errors.As(err, &httpErr) || httpErr.Kind != HTTPUnavailable || httpErr.Retryable() {
		tt.Errorf("%v", err)
	}
}

func TestHTTPErrorsSayWhetherToRetry(tt *testing.T) {
	for _, c := range []struct {
		err       HTTPError
		message   string
		retryable bool
	}{
		{HTTPError{Kind: HTTPDenied, Detail: "host not allowed"}, "request denied: host not allowed", false},
		{HTTPError{Kind: HTTPTimeout}, "timed out", true},
		{HTTPError{Kind: HTTPConnection, Detail: "refused"}, "connection failed: refused", true},
		{HTTPError{Kind: HTTPResponseTooLarge, Detail: "1048576"}, "response body over 1048576 bytes", false},
		{HTTPError{Kind: HTTPInvalidURL, Detail: "x"}, `invalid URL "x"`, false},
	} {
		if c.err.Error() != c.message || c.err.Retryable() != c.retryable {
			tt.Errorf("%+v: %q retryable=%v", c.err, c.err.Error(), c.err.Retryable())
		}
	}
}
