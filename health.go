package jwksauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"
)

// Health is a point-in-time report of every issuer's keys, for readiness
// probes and dashboards; see [Authenticator.Health].
type Health struct {
	// Ready reports whether every issuer has usable keys.
	Ready bool `json:"ready"`
	// Issuers are the configured issuers, in configuration order.
	Issuers []IssuerHealth `json:"issuers"`
}

// IssuerHealth is the state of one issuer's keys.
type IssuerHealth struct {
	// Issuer is the configured issuer URL.
	Issuer string `json:"issuer"`
	// Ready reports that usable keys are loaded (fresh or within MaxStale),
	// or that the issuer has a static key source.
	Ready bool `json:"ready"`
	// Static reports a fixed key source ([Issuer.Keys]): no fetching, and
	// none of the fields below apply.
	Static bool `json:"static,omitempty"`
	// Keys is the number of usable keys loaded.
	Keys int `json:"keys"`
	// Stale reports that the keys are past their TTL and served only
	// because refreshes fail.
	Stale bool `json:"stale"`
	// Fetched is when the key set was last fetched or confirmed unchanged;
	// zero before the first load.
	Fetched time.Time `json:"fetched,omitzero"`
	// AgeSeconds is the time since Fetched, in seconds (0 before the first
	// load).
	AgeSeconds float64 `json:"age_seconds"`
	// Expires is when the key set stops being fresh.
	Expires time.Time `json:"expires,omitzero"`
	// NextRefresh is when the next fetch is due.
	NextRefresh time.Time `json:"next_refresh,omitzero"`
	// Failures counts consecutive failed fetches.
	Failures int `json:"failures"`
	// LastError is the last fetch's error, "" after a success. It names
	// URLs and HTTP statuses of the identity provider, never a token:
	// serve the health handler on an internal port all the same.
	LastError string `json:"last_error,omitempty"`
}

// Health reports the state of every issuer's keys without any network
// I/O. Issuers appear in the order of [Config.Issuers].
func (a *Authenticator) Health() Health {
	now := a.clock.Now()
	h := Health{Ready: true, Issuers: make([]IssuerHealth, 0, len(a.order))}
	for _, url := range a.order {
		iss := a.issuers[url]
		ih := IssuerHealth{Issuer: url}
		if iss.cache == nil {
			ih.Static, ih.Ready = true, true
		} else {
			st := iss.cache.Status()
			ih.Ready, ih.Keys, ih.Stale = st.Ready(), st.Keys, st.Stale
			ih.Fetched, ih.Expires, ih.NextRefresh, ih.Failures = st.Fetched, st.Expires, st.NextRefresh, st.Failures
			if !st.Fetched.IsZero() {
				ih.AgeSeconds = now.Sub(st.Fetched).Seconds()
			}
			if st.LastError != nil {
				ih.LastError = st.LastError.Error()
			}
		}
		h.Ready = h.Ready && ih.Ready
		h.Issuers = append(h.Issuers, ih)
	}
	return h
}

// HealthPolicy decides when [Authenticator.HealthHandler] answers 200.
type HealthPolicy uint8

const (
	// ReadyWhenAll answers 200 once every issuer has usable keys, 503
	// before: the default, for a readiness probe that keeps a pod out of
	// rotation until it can verify every token it will receive.
	ReadyWhenAll HealthPolicy = iota
	// ReadyWhenAny answers 200 once at least one issuer has usable keys,
	// for services where one issuer's outage must not take the pod out.
	ReadyWhenAny
	// ReadyAlways always answers 200 with the report: for dashboards and
	// liveness probes, which must not restart a pod for an IdP's outage.
	ReadyAlways
)

// HealthHandler returns an http.Handler that writes [Authenticator.Health]
// as JSON, with status 200 or 503 as policy decides. It performs no
// network I/O itself (the key caches fetch in the background); serve it on
// an internal port, e.g. as a Kubernetes readiness probe:
//
//	readinessProbe:
//	  httpGet: {path: /readyz, port: 9090}
func (a *Authenticator) HealthHandler(policy HealthPolicy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := a.Health()
		ok := h.Ready
		switch policy {
		case ReadyWhenAny:
			ok = slices.ContainsFunc(h.Issuers, func(ih IssuerHealth) bool { return ih.Ready })
		case ReadyAlways:
			ok = true
		}
		body, err := json.Marshal(h)
		if err != nil {
			http.Error(w, "health report: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(append(body, '\n'))
	})
}

// adapterNames are the adapters whose answer counters are precomputed.
var adapterNames = []string{"net/http", "gin", "echo", "fiber", "mcp"}

// RecordAnswer counts a rejection that an adapter answered, in the
// jwksauth.http.answers metric (by adapter and HTTP status, the status
// [AnswerFor] gives err). Adapters call it; an application with its own
// middleware may too, naming itself in adapter (a bounded set of names).
func (a *Authenticator) RecordAnswer(ctx context.Context, adapter string, err error) {
	a.tel.Answered(ctx, adapter, answerStatus(err))
}

// answerStatus is AnswerFor(err, "").Status without building the answer.
func answerStatus(err error) int {
	for _, e := range reasons {
		if errors.Is(err, e.err) {
			return e.status
		}
	}
	return internalReason.status
}
