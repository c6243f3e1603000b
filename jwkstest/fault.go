package jwkstest

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Fault is an outage of one endpoint of an [Issuer], switched on with
// [Issuer.SetJWKSFault], [Issuer.SetDiscoveryFault] or [Issuer.SetFault]
// and off with [FaultNone]. Requests that reach the endpoint under a fault
// are counted like the others.
type Fault int

// The faults. Those that take time ([FaultHang], [FaultSlow]) end when the
// request's context ends, when the fault is switched, or at Close.
const (
	// FaultNone serves normally.
	FaultNone Fault = iota
	// FaultRefuse closes the endpoint's listener, so that connections are
	// refused (ECONNREFUSED) and open connections are cut; switching the
	// fault off listens again on the same port. Meanwhile the port stays
	// bound (on Unix), so that no other listener — another issuer of the
	// same test, say — is given it and answers for the refused one.
	// Siblings sharing the listener are refused too.
	FaultRefuse
	// FaultHang accepts the request and never answers: the handler blocks
	// until the request's context ends (the client gives up), Close, or the
	// fault is switched, after which the request is served under the new
	// setting (normally, with FaultNone).
	FaultHang
	// Fault500 answers 500 Internal Server Error.
	Fault500
	// Fault404 answers 404 Not Found.
	Fault404
	// FaultGarbage answers 200 with Content-Type application/json and a body
	// that is not JSON.
	FaultGarbage
	// FaultOversize answers 200 with a JSON-looking body of [WithOversizeBytes]
	// bytes (default [DefaultOversizeBytes]) and no Content-Length, streamed
	// from a small buffer: a client must enforce its own size cap.
	FaultOversize
	// FaultSlow answers normally, status and headers (with Content-Length)
	// at once, then the body one byte at a time, [WithSlowInterval] of real
	// time apart; switching the fault sends the rest at once.
	FaultSlow
	// FaultEmpty answers 200 with an empty but valid document: {"keys":[]}
	// for the JWKS (with ETag and Cache-Control), {} for discovery.
	FaultEmpty
	// FaultDrop accepts the request and closes the connection without an
	// answer: the client sees an EOF.
	FaultDrop
	kitNumFaults
)

var kitFaultNames = [kitNumFaults]string{
	FaultNone: "FaultNone", FaultRefuse: "FaultRefuse", FaultHang: "FaultHang",
	Fault500: "Fault500", Fault404: "Fault404", FaultGarbage: "FaultGarbage",
	FaultOversize: "FaultOversize", FaultSlow: "FaultSlow", FaultEmpty: "FaultEmpty",
	FaultDrop: "FaultDrop",
}

// String returns the fault's name, "FaultHang" for example.
func (f Fault) String() string {
	if f < 0 || f >= kitNumFaults {
		return "Fault(" + strconv.Itoa(int(f)) + ")"
	}
	return kitFaultNames[f]
}

// SetJWKSFault switches the JWKS endpoint to fault f. The only error is
// failing to listen again when leaving [FaultRefuse] (the fault then
// stays), or [ErrClosed].
func (iss *Issuer) SetJWKSFault(f Fault) error { return iss.setFault(kitJWKS, f) }

// SetDiscoveryFault switches the discovery endpoint to fault f; see
// [Issuer.SetJWKSFault].
func (iss *Issuer) SetDiscoveryFault(f Fault) error { return iss.setFault(kitDiscovery, f) }

// SetFault switches both endpoints to fault f.
func (iss *Issuer) SetFault(f Fault) error {
	if err := iss.setFault(kitDiscovery, f); err != nil {
		return err
	}
	return iss.setFault(kitJWKS, f)
}

// JWKSFault returns the JWKS endpoint's current fault.
func (iss *Issuer) JWKSFault() Fault { return iss.currentFault(kitJWKS) }

// DiscoveryFault returns the discovery endpoint's current fault.
func (iss *Issuer) DiscoveryFault() Fault { return iss.currentFault(kitDiscovery) }

func (iss *Issuer) currentFault(which int) Fault {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return iss.faults[which].fault
}

func (iss *Issuer) setFault(which int, f Fault) error {
	if f < 0 || f >= kitNumFaults {
		return fmt.Errorf("%w: %v", ErrUnsupported, f)
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if iss.closed {
		return ErrClosed
	}
	st := &iss.faults[which]
	if st.fault == f {
		return nil
	}
	ep := iss.disc
	if which == kitJWKS {
		ep = iss.keys
	}
	switch {
	case f == FaultRefuse:
		ep.refuse()
	case st.fault == FaultRefuse:
		if err := ep.unrefuse(); err != nil {
			return err
		}
	}
	st.fault = f
	close(st.release)
	st.release = make(chan struct{})
	return nil
}

// fault applies the endpoint's fault to the request. It reports whether the
// request is to be served normally.
func (iss *Issuer) fault(which int, w http.ResponseWriter, r *http.Request) bool {
	for {
		iss.mu.Lock()
		f, release := iss.faults[which].fault, iss.faults[which].release
		iss.mu.Unlock()
		switch f {
		case FaultNone:
			return true
		case FaultHang:
			select {
			case <-release:
				continue
			case <-r.Context().Done():
			case <-iss.closing:
				kitDrop(w) // no answer at all, rather than an empty 200
			}
		case Fault500:
			http.Error(w, "internal server error", http.StatusInternalServerError)
		case Fault404:
			http.NotFound(w, r)
		case FaultGarbage:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>\n\x00\xff"))
		case FaultEmpty:
			if which == kitJWKS {
				iss.empty.ServeHTTP(w, r)
			} else {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte("{}"))
			}
		case FaultOversize:
			iss.serveOversize(w, r)
		case FaultSlow:
			iss.serveSlow(which, w, r, release)
		default: // FaultDrop, and FaultRefuse for a request that slipped in
			kitDrop(w)
		}
		return false
	}
}

// kitDrop closes the request's connection without an answer.
func kitDrop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil { // not HTTP/1.x: the nearest thing is an empty answer
		w.Header().Set("Connection", "close")
		return
	}
	_ = conn.Close()
}

// kitUnblockOnClose makes writes to w fail once the issuer closes, so that
// a handler blocked on a client that stopped reading returns. The returned
// func must be called when the handler is done.
func (iss *Issuer) kitUnblockOnClose(w http.ResponseWriter) (done func()) {
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-iss.closing:
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now())
		case <-stop:
		}
	}()
	return func() {
		close(stop)
		<-finished
	}
}

// kitPadding is the buffer FaultOversize streams from.
var kitPadding = bytes.Repeat([]byte{'x'}, 32<<10)

func (iss *Issuer) serveOversize(w http.ResponseWriter, r *http.Request) {
	defer iss.kitUnblockOnClose(w)()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	const prefix, suffix = `{"keys":[],"padding":"`, `"}`
	n := iss.cfg.oversize
	if n >= int64(len(prefix)+len(suffix)) {
		if _, err := w.Write([]byte(prefix)); err != nil {
			return
		}
		n -= int64(len(prefix) + len(suffix))
	}
	for n > 0 {
		if r.Context().Err() != nil {
			return
		}
		chunk := kitPadding
		if int64(len(chunk)) > n {
			chunk = chunk[:n]
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
		n -= int64(len(chunk))
	}
	if iss.cfg.oversize >= int64(len(prefix)+len(suffix)) {
		_, _ = w.Write([]byte(suffix))
	}
}

// kitRecorder captures a response, for FaultSlow to trickle.
type kitRecorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

// Header returns the recorded header map.
func (rec *kitRecorder) Header() http.Header { return rec.header }

// WriteHeader records the first status written.
func (rec *kitRecorder) WriteHeader(code int) {
	if rec.code == 0 {
		rec.code = code
	}
}

// Write records body bytes (status 200 unless one was written).
func (rec *kitRecorder) Write(b []byte) (int, error) {
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	return rec.body.Write(b)
}

func (iss *Issuer) serveSlow(which int, w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
	defer iss.kitUnblockOnClose(w)()
	rec := &kitRecorder{header: http.Header{}}
	iss.serveNormal(which, rec, r)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	body := rec.body.Bytes()
	if r.Method != http.MethodHead && rec.code != http.StatusNotModified {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(rec.code)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	t := time.NewTimer(iss.cfg.slowInterval)
	defer t.Stop()
	for len(body) > 0 {
		select {
		case <-t.C:
		case <-release:
			_, _ = w.Write(body)
			return
		case <-r.Context().Done():
			return
		case <-iss.closing:
			return
		}
		if _, err := w.Write(body[:1]); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		body = body[1:]
		t.Reset(iss.cfg.slowInterval)
	}
}
