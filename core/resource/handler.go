package resource

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// DefaultMaxAge is how long clients and caches may keep the document when
// [HandlerOptions].MaxAge is zero: one hour. The document changes only
// with the configuration.
const DefaultMaxAge = time.Hour

// HandlerOptions tunes [NewHandler].
type HandlerOptions struct {
	// MaxAge is the Cache-Control max-age of the document. Default:
	// [DefaultMaxAge]; negative sends no-store.
	MaxAge time.Duration
}

// NewHandler validates m and returns a handler serving it as JSON. The
// document is encoded once, here.
//
// GET and HEAD are answered 200 with Content-Type application/json, an
// ETag (If-None-Match answered 304) and Cache-Control public max-age.
// The document is public and meant for clients on any origin (browser-based
// MCP clients among them), so every answer carries
// Access-Control-Allow-Origin "*" — unless a CORS middleware in front of the
// handler already set it for an origin it allows — and an OPTIONS
// preflight is answered 204; the handler never allows credentials. Other
// methods are answered 405 with Allow.
//
// The handler serves whatever path it is mounted at; mount it at
// [WellKnownPath] of m.Resource.
func NewHandler(m Metadata, opts HandlerOptions) (http.Handler, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	sum := sha256.Sum256(body)
	h := &handler{
		body: body,
		etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`,
	}
	switch maxAge := opts.MaxAge; {
	case maxAge < 0:
		h.cacheControl = "no-store"
	case maxAge == 0:
		h.cacheControl = "public, max-age=" + strconv.Itoa(int(DefaultMaxAge/time.Second))
	default:
		h.cacheControl = "public, max-age=" + strconv.Itoa(int(maxAge/time.Second))
	}
	return h, nil
}

type handler struct {
	body         []byte
	etag         string
	cacheControl string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	// A CORS middleware around the handler that already decided for this
	// origin keeps its decision; otherwise the document is open to all.
	if hd.Get("Access-Control-Allow-Origin") == "" {
		hd.Set("Access-Control-Allow-Origin", "*")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		hd.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
			// Only CORS-safelisted headers are meaningful for a GET of a
			// public document; name the one clients commonly add.
			hd.Set("Access-Control-Allow-Headers", "Accept")
		}
		hd.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		hd.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hd.Set("Cache-Control", h.cacheControl)
	hd.Set("ETag", h.etag)
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, h.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(h.body)))
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(h.body)
	}
}

// etagMatches implements the weak comparison of If-None-Match (RFC 9110
// §13.1.2) for a list of entity tags or "*".
func etagMatches(header, etag string) bool {
	for i := 0; i < len(header); {
		for i < len(header) && (header[i] == ' ' || header[i] == ',' || header[i] == '\t') {
			i++
		}
		j := i
		for j < len(header) && header[j] != ',' {
			j++
		}
		tag := trimSpace(header[i:j])
		if tag == "*" || tag == etag || tag == "W/"+etag {
			return true
		}
		i = j
	}
	return false
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
