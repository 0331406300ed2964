package roomkit

import (
	"fmt"
	"strings"
	"time"
)

// DefaultMaxResponseBytes is the largest response body Send takes unless the request says
// otherwise.
const DefaultMaxResponseBytes = 1 << 20

// Request is an outgoing HTTP request for Send. Only providers can send (the provider world
// imports wasi:http), and the host lets a request out only to a host in the manifest's
// allowed_hosts.
type Request struct {
	// Method is GET, POST, PUT, PATCH, DELETE or HEAD ("" is GET).
	Method string
	// URL is absolute: http:// or https://.
	URL string
	// Header lists header names and values, in order (Header is the WIT header record, also
	// used by webhook requests).
	Header []Header
	// Body is the request body (nil for none).
	Body []byte
	// Timeout bounds connecting, the first byte and the gap between bytes of the answer (each);
	// zero leaves the host's defaults. The manifest's timeout_ms still bounds the whole call.
	Timeout time.Duration
	// MaxResponseBytes is the largest response body taken (0: DefaultMaxResponseBytes).
	MaxResponseBytes int
}

// Response is the answer to a request.
type Response struct {
	// Status is the status code.
	Status int
	// Header lists header names (lower case) and values, in order.
	Header []Header
	// Body is the whole response body.
	Body []byte
}

// Get is the value of the response's first header called name (any case).
func (r *Response) Get(name string) (string, bool) {
	name = strings.ToLower(name)
	for _, h := range r.Header {
		if h.Name == name {
			return h.Value, true
		}
	}
	return "", false
}

// HTTPErrorKind says why a request got no answer.
type HTTPErrorKind int

const (
	// HTTPInvalidURL: the URL is not an absolute http/https URL.
	HTTPInvalidURL HTTPErrorKind = iota
	// HTTPDenied: the host refused the request; its host is not in the manifest's
	// allowed_hosts.
	HTTPDenied
	// HTTPTimeout: connecting or waiting for the answer took too long.
	HTTPTimeout
	// HTTPConnection: the connection failed (DNS, refused, reset, TLS).
	HTTPConnection
	// HTTPResponseTooLarge: the response body was over the request's MaxResponseBytes.
	HTTPResponseTooLarge
	// HTTPOther: anything else the HTTP layer reported.
	HTTPOther
	// HTTPUnavailable: no outbound HTTP here (off wasm without Testing.OnHTTP).
	HTTPUnavailable
)

// HTTPError is why Send got no answer. Retryable says whether trying again later may help
// (timeouts and connection failures), so a provider can return it through Retryable/Permanent.
type HTTPError struct {
	Kind   HTTPErrorKind
	Detail string
}

func (e *HTTPError) Error() string {
	switch e.Kind {
	case HTTPInvalidURL:
		return fmt.Sprintf("invalid URL %q", e.Detail)
	case HTTPDenied:
		return "request denied: " + e.Detail
	case HTTPTimeout:
		return "timed out"
	case HTTPConnection:
		return "connection failed: " + e.Detail
	case HTTPResponseTooLarge:
		return "response body over " + e.Detail + " bytes"
	case HTTPUnavailable:
		return "no outbound HTTP outside a component"
	}
	return "HTTP error: " + e.Detail
}

// Retryable says whether trying again later may help.
func (e *HTTPError) Retryable() bool {
	return e.Kind == HTTPTimeout || e.Kind == HTTPConnection
}

// Send sends the request and waits for the whole answer. Any status is a Response; an
// *HTTPError says why there is none (a host outside allowed_hosts is HTTPDenied).
func Send(request Request) (*Response, error) {
	if request.Method == "" {
		request.Method = "GET"
	}
	request.Method = strings.ToUpper(request.Method)
	switch request.Method {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD":
	default:
		return nil, &HTTPError{Kind: HTTPOther, Detail: "unsupported method " + request.Method}
	}
	if request.MaxResponseBytes <= 0 {
		request.MaxResponseBytes = DefaultMaxResponseBytes
	}
	target, err := splitURL(request.URL)
	if err != nil {
		return nil, err
	}
	return send(request, target)
}

// Post sends body to url with the content type given (POST) and waits for the answer.
func Post(url, contentType string, body []byte) (*Response, error) {
	return Send(Request{Method: "POST", URL: url, Header: []Header{{Name: "content-type", Value: contentType}}, Body: body})
}

type target struct {
	https         bool
	authority     string
	pathWithQuery string
}

func splitURL(url string) (target, error) {
	invalid := &HTTPError{Kind: HTTPInvalidURL, Detail: url}
	var t target
	var rest string
	switch {
	case strings.HasPrefix(url, "https://"):
		t.https, rest = true, url[len("https://"):]
	case strings.HasPrefix(url, "http://"):
		rest = url[len("http://"):]
	default:
		return t, invalid
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	t.authority = rest[:end]
	if t.authority == "" || strings.ContainsAny(t.authority, "@ \t\r\n") {
		return t, invalid
	}
	// The fragment stays with the client; a bare query gets the root path.
	tail, _, _ := strings.Cut(rest[end:], "#")
	switch {
	case tail == "":
		t.pathWithQuery = "/"
	case tail[0] == '?':
		t.pathWithQuery = "/" + tail
	default:
		t.pathWithQuery = tail
	}
	return t, nil
}
