package jwks

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultHandlerMaxAge is the Cache-Control max-age a [Handler] sends when
// [HandlerConfig.MaxAge] is zero: five minutes, short enough that a key
// added before a rotation reaches every verifier well before it signs.
const DefaultHandlerMaxAge = 5 * time.Minute

// DefaultHandlerContentType is the media type a [Handler] serves when
// [HandlerConfig.ContentType] is empty: "application/jwk-set+json", the type
// RFC 7517 §8.5.1 registers for a JWK Set. Every mainstream JWKS client
// accepts it, since they parse the body whatever its type; set
// "application/json" for a client that insists on it.
const DefaultHandlerContentType = "application/jwk-set+json"

// HandlerConfig configures a [Handler]. The zero value is usable.
type HandlerConfig struct {
	// MaxAge is sent as "Cache-Control: public, max-age=<seconds>". Zero means
	// [DefaultHandlerMaxAge]; a negative value sends "public, no-cache" (cache,
	// but revalidate with If-None-Match every time). Sub-second values are
	// rounded down to whole seconds.
	MaxAge time.Duration
	// NoStore sends "Cache-Control: no-store" instead, so that nothing caches
	// the document; MaxAge is then ignored. Default false.
	NoStore bool
	// ContentType is the Content-Type of the document. Empty means
	// [DefaultHandlerContentType].
	ContentType string
}

// Handler is an [http.Handler] that publishes a set of public keys as a
// JWKS document (RFC 7517 §5) for the verifiers of tokens signed with the
// matching private keys.
//
// The document is rendered once per change of the key set, with only the
// standard public members of each key ("kty", "kid", "use", "alg", "n", "e",
// "crv", "x", "y"), so serving a request copies pre-rendered bytes and
// allocates nothing beyond net/http's own. Responses carry:
//
//   - a strong ETag, the quoted base64url SHA-256 of the body; a GET or HEAD
//     whose If-None-Match lists it (weak comparison, RFC 9110 §13.1.2) or is
//     "*" gets 304 Not Modified;
//   - Cache-Control per [HandlerConfig];
//   - Content-Type per [HandlerConfig] and X-Content-Type-Options: nosniff;
//   - Access-Control-Allow-Origin: * (never with credentials: the keys are
//     public and no cookie is involved) and ETag exposed to scripts; an
//     OPTIONS preflight is answered 204 with the allowed methods.
//
// GET and HEAD serve the document, OPTIONS answers 204, any other method gets
// 405 with an Allow header. The handler serves whatever path it is mounted
// on.
//
// Keys are replaced at runtime with [Handler.SetKeys], [Handler.AddKey] and
// [Handler.RemoveKey]; each change swaps one immutable snapshot atomically,
// so a request sees either the old document or the new one, never a mix. A
// Handler is safe for concurrent use.
type Handler struct {
	cacheControl []string
	contentType  []string

	mu    sync.Mutex // serializes writers; readers only Load
	state atomic.Pointer[handlerSnapshot]
}

// handlerSnapshot is one immutable rendering of the key set. Header values
// are pre-built slices of length and capacity one, assigned to response
// headers as they are (net/http never modifies them; an append copies).
type handlerSnapshot struct {
	entries       []pubEntry
	body          []byte
	etag          string // quoted
	etagHeader    []string
	contentLength []string
}

var (
	handlerAllow         = []string{"GET, HEAD, OPTIONS"}
	handlerAllowOrigin   = []string{"*"}
	handlerExposeHeaders = []string{"ETag"}
	handlerNoSniff       = []string{"nosniff"}
	handlerAllowHeaders  = []string{"*"}
	handlerPreflightAge  = []string{"86400"}
)

// NewHandler returns a Handler publishing keys, in the order given. It fails,
// wrapping [ErrNotPublishable] or [ErrKIDInUse], if a key cannot be
// published. An empty set is valid: it serves {"keys":[]}.
func NewHandler(cfg HandlerConfig, keys ...PublishedKey) (*Handler, error) {
	h := &Handler{}
	switch {
	case cfg.NoStore:
		h.cacheControl = []string{"no-store"}
	case cfg.MaxAge < 0:
		h.cacheControl = []string{"public, no-cache"}
	default:
		age := cfg.MaxAge
		if age == 0 {
			age = DefaultHandlerMaxAge
		}
		h.cacheControl = []string{"public, max-age=" + strconv.FormatInt(int64(age/time.Second), 10)}
	}
	ct := cfg.ContentType
	if ct == "" {
		ct = DefaultHandlerContentType
	}
	h.contentType = []string{ct}
	if err := h.SetKeys(keys...); err != nil {
		return nil, err
	}
	return h, nil
}

// SetKeys replaces the published set with keys, in the order given, at once.
// On error the published set is unchanged.
func (h *Handler) SetKeys(keys ...PublishedKey) error {
	entries, err := pubNormalizeAll(keys)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state.Store(handlerRender(entries))
	return nil
}

// AddKey publishes k after the keys already published. It fails, wrapping
// [ErrKIDInUse], if a key with k's kid is published, or wrapping
// [ErrNotPublishable].
func (h *Handler) AddKey(k PublishedKey) error {
	e, err := pubNormalize(k)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.state.Load().entries
	for i := range old {
		if old[i].kid == e.kid {
			return fmt.Errorf("%w: %q", ErrKIDInUse, e.kid)
		}
	}
	entries := make([]pubEntry, 0, len(old)+1)
	entries = append(append(entries, old...), e)
	h.state.Store(handlerRender(entries))
	return nil
}

// RemoveKey withdraws the key published under kid. It reports whether such a
// key was published.
func (h *Handler) RemoveKey(kid string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.state.Load().entries
	for i := range old {
		if old[i].kid == kid {
			entries := make([]pubEntry, 0, len(old)-1)
			entries = append(append(entries, old[:i]...), old[i+1:]...)
			h.state.Store(handlerRender(entries))
			return true
		}
	}
	return false
}

// KeyIDs returns the kids of the published keys, in publication order.
func (h *Handler) KeyIDs() []string {
	entries := h.state.Load().entries
	ids := make([]string, len(entries))
	for i := range entries {
		ids[i] = entries[i].kid
	}
	return ids
}

// ETag returns the current entity tag, quoted, as sent in the ETag header.
func (h *Handler) ETag() string { return h.state.Load().etag }

// Document returns a copy of the JWKS document currently served.
func (h *Handler) Document() []byte {
	return append([]byte(nil), h.state.Load().body...)
}

func handlerRender(entries []pubEntry) *handlerSnapshot {
	body := pubRenderSet(entries)
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`
	return &handlerSnapshot{
		entries:       entries,
		body:          body,
		etag:          etag,
		etagHeader:    []string{etag},
		contentLength: []string{strconv.Itoa(len(body))},
	}
}

// ServeHTTP serves the JWKS document; see [Handler].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr["Access-Control-Allow-Origin"] = handlerAllowOrigin
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		hdr["Allow"] = handlerAllow
		if len(r.Header["Access-Control-Request-Method"]) > 0 {
			hdr["Access-Control-Allow-Methods"] = handlerAllow
			hdr["Access-Control-Allow-Headers"] = handlerAllowHeaders
			hdr["Access-Control-Max-Age"] = handlerPreflightAge
		}
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		hdr["Allow"] = handlerAllow
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s := h.state.Load()
	hdr["Access-Control-Expose-Headers"] = handlerExposeHeaders
	hdr["Cache-Control"] = h.cacheControl
	hdr["Etag"] = s.etagHeader
	if inm := r.Header["If-None-Match"]; len(inm) > 0 && handlerNoneMatch(inm, s.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr["Content-Type"] = h.contentType
	hdr["Content-Length"] = s.contentLength
	hdr["X-Content-Type-Options"] = handlerNoSniff
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(s.body)
	}
}

// handlerNoneMatch reports whether the If-None-Match field lines match etag,
// a quoted strong entity tag, under the weak comparison of RFC 9110 §8.8.3.2
// (a W/ prefix is ignored), or are "*". Entity tags may hold commas, so the
// list is split by its quotes, not by commas. A malformed element ends the
// parsing of its line: what follows cannot be trusted to be a tag.
func handlerNoneMatch(lines []string, etag string) bool {
	for _, v := range lines {
		for {
			for len(v) > 0 && (v[0] == ' ' || v[0] == '\t' || v[0] == ',') {
				v = v[1:]
			}
			if v == "" {
				break
			}
			if v[0] == '*' {
				rest := v[1:]
				for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
					rest = rest[1:]
				}
				if rest == "" || rest[0] == ',' {
					return true
				}
				break
			}
			if len(v) >= 2 && v[0] == 'W' && v[1] == '/' {
				v = v[2:]
			}
			if len(v) < 2 || v[0] != '"' {
				break
			}
			end := 1
			for end < len(v) && v[end] != '"' {
				end++
			}
			if end == len(v) {
				break
			}
			if v[:end+1] == etag {
				return true
			}
			v = v[end+1:]
		}
	}
	return false
}
