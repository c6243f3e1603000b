package jwks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// fetchParseURL parses a discovery or JWKS URL and applies the transport
// rule: https, or http to a loopback host, or http anywhere with
// insecure.
func fetchParseURL(raw string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInsecureURL, err)
	}
	if err := fetchCheckURL(u, insecure); err != nil {
		return nil, err
	}
	return u, nil
}

// fetchCheckURL applies the transport rule to u.
func fetchCheckURL(u *url.URL, insecure bool) error {
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: %.128q is not an absolute URL", ErrInsecureURL, u.Redacted())
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if insecure || fetchIsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %.128q is http; use https (http is allowed for loopback hosts, or with InsecureAllowHTTP)", ErrInsecureURL, u.Redacted())
	}
	return fmt.Errorf("%w: scheme %.16q", ErrInsecureURL, u.Scheme)
}

// fetchIsLoopback reports whether host is "localhost" or a loopback IP
// (127.0.0.0/8, ::1).
func fetchIsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fetchOrigin returns u's origin: scheme, host and port, with the default
// port made explicit.
func fetchOrigin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// fetchClient returns the client the cache uses: base (or a default
// client), with a CheckRedirect that refuses other origins wrapped around
// base's own. own is the transport to close on Close, nil for a caller's
// client.
func fetchClient(base *http.Client, timeout time.Duration) (client *http.Client, own *http.Transport) {
	if base == nil {
		connect := min(defaultConnectTimeout, timeout)
		own = http.DefaultTransport.(*http.Transport).Clone()
		own.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
		own.TLSHandshakeTimeout = connect
		own.ResponseHeaderTimeout = timeout
		own.MaxResponseHeaderBytes = 64 << 10
		own.MaxIdleConnsPerHost = 2
		base = &http.Client{Transport: own, Timeout: timeout}
	}
	c := *base
	next := base.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if from, to := fetchOrigin(via[0].URL), fetchOrigin(req.URL); from != to {
			return fmt.Errorf("%w: %s to %s", ErrCrossOriginRedirect, from, to)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c, own
}

// fetchValidators are the validators of a cached response, sent back as
// If-None-Match and If-Modified-Since.
type fetchValidators struct {
	etag, lastModified string
}

// fetchResponse is a downloaded document.
type fetchResponse struct {
	notModified bool   // 304
	body        []byte // nil for a 304
	header      http.Header
	validators  fetchValidators
}

// fetchStatusError is an HTTP status other than 200 or 304.
type fetchStatusError struct {
	code    int
	snippet string
}

func (e *fetchStatusError) Error() string {
	s := "HTTP " + strconv.Itoa(e.code)
	if e.snippet != "" {
		s += ": " + strconv.Quote(e.snippet)
	}
	return s
}

// fetchDoc GETs u, conditionally when v holds validators, reading at most
// maxBody bytes. With noCache the request carries Cache-Control: no-cache
// (RFC 9111 §5.2.1.4), so that a cache between us and the provider
// revalidates rather than hand back the set we are looking past. Errors
// wrap [ErrFetch].
func fetchDoc(ctx context.Context, client *http.Client, u string, v fetchValidators, maxBody int64, noCache bool) (*fetchResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	if noCache {
		req.Header.Set("Cache-Control", "no-cache")
	}
	if v.etag != "" {
		req.Header.Set("If-None-Match", v.etag)
	}
	if v.lastModified != "" {
		req.Header.Set("If-Modified-Since", v.lastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		if v == (fetchValidators{}) {
			return nil, fmt.Errorf("%w: 304 to an unconditional request", ErrFetch)
		}
		return &fetchResponse{notModified: true, header: resp.Header, validators: fetchValidatorsOf(resp.Header, v)}, nil
	default:
		prefix, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		return nil, fmt.Errorf("%w: %w", ErrFetch, &fetchStatusError{code: resp.StatusCode, snippet: fetchSnippet(prefix)})
	}
	if resp.ContentLength > maxBody {
		return nil, fmt.Errorf("%w: body of %d bytes exceeds MaxBodySize (%d)", ErrFetch, resp.ContentLength, maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading body: %w", ErrFetch, err)
	}
	if int64(len(body)) > maxBody {
		return nil, fmt.Errorf("%w: body exceeds MaxBodySize (%d bytes)", ErrFetch, maxBody)
	}
	return &fetchResponse{body: body, header: resp.Header, validators: fetchValidatorsOf(resp.Header, fetchValidators{})}, nil
}

// fetchValidatorsOf reads a response's validators; a 304 may omit them, in
// which case the previous ones stay.
func fetchValidatorsOf(h http.Header, prev fetchValidators) fetchValidators {
	v := prev
	if e := h.Get("ETag"); e != "" {
		v.etag = e
	}
	if lm := h.Get("Last-Modified"); lm != "" {
		v.lastModified = lm
	}
	return v
}

// fetchFreshness returns the freshness lifetime a response grants
// (RFC 9111 §4.2.1): Cache-Control max-age minus Age; no-cache or no-store
// grant none; otherwise Expires minus Date (or now, without a valid Date),
// an invalid Expires granting none. ok is false when the response says
// nothing, and the caller's default applies. The caller clamps the result.
func fetchFreshness(h http.Header, now time.Time) (ttl time.Duration, ok bool) {
	maxAge, haveMaxAge := time.Duration(0), false
	for _, line := range h.Values("Cache-Control") {
		for _, d := range strings.Split(line, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store", "no-cache":
				return 0, true
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
				if err != nil || n < 0 {
					continue
				}
				maxAge, haveMaxAge = fetchSeconds(n), true
			}
		}
	}
	if haveMaxAge {
		if age, err := strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64); err == nil && age > 0 {
			maxAge -= fetchSeconds(age)
		}
		return max(maxAge, 0), true
	}
	if exp := h.Get("Expires"); exp != "" {
		t, err := http.ParseTime(exp)
		if err != nil {
			return 0, true
		}
		base := now
		if d, err := http.ParseTime(h.Get("Date")); err == nil {
			base = d
		}
		return max(t.Sub(base), 0), true
	}
	return 0, false
}

// fetchSeconds converts n seconds to a Duration, saturating.
func fetchSeconds(n int64) time.Duration {
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	if n > maxSeconds {
		n = maxSeconds
	}
	return time.Duration(n) * time.Second
}
