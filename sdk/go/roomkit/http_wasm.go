//go:build wasip1

package roomkit

import (
	"fmt"
	"strconv"

	handler "roomkit.example/sdk/internal/wit/imports/wasi_http_outgoing_handler"
	h "roomkit.example/sdk/internal/wit/imports/wasi_http_types"
	s "roomkit.example/sdk/internal/wit/imports/wasi_io_streams"
	w "roomkit.example/sdk/internal/witpkg/types"
)

// send runs the request over wasi:http/outgoing-handler. Resources are dropped explicitly,
// children before their parents, as the component model requires.
func send(request Request, target target) (*Response, error) {
	other := func(what string) error { return &HTTPError{Kind: HTTPOther, Detail: what} }

	headers := h.MakeFields()
	for _, header := range request.Header {
		if r := headers.Append(header.Name, []byte(header.Value)); r.IsErr() {
			headers.Drop()
			return nil, other("header " + header.Name + ": invalid or forbidden")
		}
	}
	outgoing := h.MakeOutgoingRequest(headers)
	if outgoing.SetMethod(method(request.Method)).IsErr() {
		outgoing.Drop()
		return nil, other("method " + request.Method)
	}
	scheme := h.MakeSchemeHttp()
	if target.https {
		scheme = h.MakeSchemeHttps()
	}
	if outgoing.SetScheme(w.Some(scheme)).IsErr() ||
		outgoing.SetAuthority(w.Some(target.authority)).IsErr() ||
		outgoing.SetPathWithQuery(w.Some(target.pathWithQuery)).IsErr() {
		outgoing.Drop()
		return nil, &HTTPError{Kind: HTTPInvalidURL, Detail: request.URL}
	}
	options := w.None[*h.RequestOptions]()
	if request.Timeout > 0 {
		o := h.MakeRequestOptions()
		nanos := uint64(request.Timeout.Nanoseconds())
		// A host that does not support one of them says so; the call's deadline still holds.
		o.SetConnectTimeout(w.Some(nanos))
		o.SetFirstByteTimeout(w.Some(nanos))
		o.SetBetweenBytesTimeout(w.Some(nanos))
		options = w.Some(o)
	}

	bodyResult := outgoing.Body()
	if bodyResult.IsErr() {
		outgoing.Drop()
		return nil, other("request body")
	}
	body := bodyResult.Ok()
	handled := handler.Handle(outgoing, options)
	if handled.IsErr() {
		body.Drop()
		return nil, fromCode(handled.Err())
	}
	future := handled.Ok()
	defer future.Drop()

	// When the host refuses the request (a host not in allowed_hosts) or cannot connect,
	// writing the body fails too; the reason is in the response future, so look there first.
	outcome := func(fallback error) error {
		if r, ok := await(future); ok && r.IsOk() && r.Ok().IsErr() {
			return fromCode(r.Ok().Err())
		}
		return fallback
	}
	streamResult := body.Write()
	if streamResult.IsErr() {
		body.Drop()
		return nil, other("request body stream")
	}
	stream := streamResult.Ok()
	for data := request.Body; len(data) > 0; {
		n := min(len(data), 4096)
		if r := stream.BlockingWriteAndFlush(data[:n]); r.IsErr() {
			stream.Drop()
			body.Drop()
			return nil, outcome(streamError(r.Err(), "writing the request body"))
		}
		data = data[n:]
	}
	stream.Drop()
	if r := h.OutgoingBodyFinish(body, w.None[*h.Fields]()); r.IsErr() {
		return nil, outcome(fromCode(r.Err()))
	}

	r, ok := await(future)
	switch {
	case !ok:
		return nil, other("no response after waiting")
	case r.IsErr():
		return nil, other("response taken twice")
	case r.Ok().IsErr():
		return nil, fromCode(r.Ok().Err())
	}
	incoming := r.Ok().Ok()
	defer incoming.Drop()

	response := &Response{Status: int(incoming.Status())}
	fields := incoming.Headers()
	for _, e := range fields.Entries() {
		response.Header = append(response.Header, Header{Name: lower(e.F0), Value: string(e.F1)})
	}
	fields.Drop()

	consumed := incoming.Consume()
	if consumed.IsErr() {
		return nil, other("response body")
	}
	incomingBody := consumed.Ok()
	defer incomingBody.Drop()
	input := incomingBody.Stream()
	if input.IsErr() {
		return nil, other("response body stream")
	}
	in := input.Ok()
	defer in.Drop()
	for {
		chunk := in.BlockingRead(64 * 1024)
		if chunk.IsErr() {
			if chunk.Err().Tag() == s.StreamError_Closed {
				break
			}
			return nil, streamError(chunk.Err(), "reading the response body")
		}
		if len(response.Body)+len(chunk.Ok()) > request.MaxResponseBytes {
			return nil, &HTTPError{Kind: HTTPResponseTooLarge, Detail: strconv.Itoa(request.MaxResponseBytes)}
		}
		response.Body = append(response.Body, chunk.Ok()...)
	}
	return response, nil
}

// await blocks until the response (or its failure) is in.
func await(future *h.FutureIncomingResponse) (w.Result[w.Result[*h.IncomingResponse, h.ErrorCode], w.Unit], bool) {
	pollable := future.Subscribe()
	pollable.Block()
	pollable.Drop()
	got := future.Get()
	if got.IsNone() {
		return w.Result[w.Result[*h.IncomingResponse, h.ErrorCode], w.Unit]{}, false
	}
	return got.Some(), true
}

func method(name string) h.Method {
	switch name {
	case "POST":
		return h.MakeMethodPost()
	case "PUT":
		return h.MakeMethodPut()
	case "PATCH":
		return h.MakeMethodPatch()
	case "DELETE":
		return h.MakeMethodDelete()
	case "HEAD":
		return h.MakeMethodHead()
	}
	return h.MakeMethodGet()
}

func lower(name string) string {
	b := []byte(name)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func streamError(e s.StreamError, doing string) error {
	if e.Tag() == s.StreamError_Closed {
		return &HTTPError{Kind: HTTPConnection, Detail: "closed while " + doing}
	}
	failure := e.LastOperationFailed()
	defer failure.Drop()
	return &HTTPError{Kind: HTTPConnection, Detail: doing + ": " + failure.ToDebugString()}
}

func fromCode(code h.ErrorCode) error {
	switch code.Tag() {
	case h.ErrorCode_HttpRequestDenied:
		return &HTTPError{Kind: HTTPDenied, Detail: "host not allowed (allowed_hosts in the manifest)"}
	case h.ErrorCode_ConnectionTimeout, h.ErrorCode_ConnectionReadTimeout,
		h.ErrorCode_ConnectionWriteTimeout, h.ErrorCode_HttpResponseTimeout, h.ErrorCode_DnsTimeout:
		return &HTTPError{Kind: HTTPTimeout}
	case h.ErrorCode_DnsError, h.ErrorCode_DestinationNotFound, h.ErrorCode_DestinationUnavailable,
		h.ErrorCode_DestinationIpProhibited, h.ErrorCode_DestinationIpUnroutable,
		h.ErrorCode_ConnectionRefused, h.ErrorCode_ConnectionTerminated,
		h.ErrorCode_ConnectionLimitReached, h.ErrorCode_TlsProtocolError,
		h.ErrorCode_TlsCertificateError, h.ErrorCode_TlsAlertReceived:
		return &HTTPError{Kind: HTTPConnection, Detail: fmt.Sprintf("wasi:http error code %d", code.Tag())}
	case h.ErrorCode_HttpRequestUriInvalid:
		return &HTTPError{Kind: HTTPInvalidURL, Detail: "rejected by the host"}
	case h.ErrorCode_InternalError:
		if detail := code.InternalError(); detail.IsSome() {
			return &HTTPError{Kind: HTTPOther, Detail: detail.Some()}
		}
	}
	return &HTTPError{Kind: HTTPOther, Detail: fmt.Sprintf("wasi:http error code %d", code.Tag())}
}
