package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/jwksauth/jwksauth/core/clock"
	"github.com/jwksauth/jwksauth/core/jwks"
)

// ScopeName is the instrumentation scope of the meter and tracer.
const ScopeName = "github.com/jwksauth/jwksauth"

// SpanAuthenticate and SpanFetch name the spans this package starts.
const (
	SpanAuthenticate = "jwksauth.authenticate"
	SpanFetch        = "jwksauth.jwks.fetch"
)

// Options configures [New]. The zero value uses the global providers and
// no issuer.
type Options struct {
	// MeterProvider makes the meter. Default: otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
	// TracerProvider makes the tracer. Default: otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// Logger receives the log records of [Issuer.OnEvent]. Default: silent.
	Logger *slog.Logger
	// Clock tells the time of key-set ages and refresh schedules. Default:
	// the wall clock.
	Clock clock.Clock
	// Issuers are the configured issuers' URLs: the only values the
	// jwksauth.issuer attribute takes.
	Issuers []string
	// Reasons are the stable rejection codes ("token_expired", …): the
	// only values the jwksauth.reason attribute takes; any other index is
	// recorded as "other".
	Reasons []string
	// Adapters are the adapter names answers are precomputed for
	// ("net/http", "gin", …); others are recorded too, at the cost of an
	// allocation each.
	Adapters []string
}

// Telemetry holds the instruments and the precomputed attribute sets. It
// is safe for concurrent use. A nil *Telemetry records nothing.
type Telemetry struct {
	off    bool // both providers are no-ops: record nothing at all
	tracer trace.Tracer
	traces bool // tracer is not a no-op
	log    *slog.Logger
	clock  clock.Clock

	// The verification counters are atomics behind observable counters:
	// the token-cache hit path then costs two atomic adds to striped
	// counters, not two synchronous SDK measurements (see
	// docs/decisions/0018 and 0023).
	verifyDuration metric.Float64Histogram
	tcHits         counter // striped: every token-cache hit adds to it
	tcMisses       counter
	tcEvictions    counter
	fetches        metric.Int64Counter
	fetchDuration  metric.Float64Histogram
	unknownKIDs    metric.Int64Counter
	deferred       metric.Int64Counter
	negHits        metric.Int64Counter
	keysAdded      metric.Int64Counter
	keysRemoved    metric.Int64Counter
	keysSkipped    metric.Int64Counter
	staleServes    metric.Int64Counter
	answers        metric.Int64Counter

	reasons  []string
	issuers  map[string]*Issuer
	list     []*Issuer // issuers in configuration order
	none     *Issuer   // rejections before an issuer was chosen
	answerMu sync.Mutex
	answerBy map[answerKey][]metric.AddOption

	reg metric.Registration
}

type answerKey struct {
	adapter string
	status  int
}

// verification is the attributes of one (issuer, outcome, reason) and its
// count.
type verification struct {
	n      counter // striped for successes, one cell for rejections
	set    attribute.Set
	record []metric.RecordOption
	attrs  []attribute.KeyValue // for spans
	_      [64]byte             // keep counters of different outcomes on different cache lines
}

// Issuer is the per-issuer part of a [Telemetry]: its attribute sets and
// the key cache it reports on. A nil *Issuer records nothing.
type Issuer struct {
	t       *Telemetry
	url     string
	attr    []metric.AddOption // just the issuer
	base    []attribute.KeyValue
	success *verification
	// reasons, by reason index then "other", are built on an issuer's
	// first rejection of that reason, and fetch and skipped on first use:
	// built eagerly, their attribute sets cost ~47 KB per issuer, 470 MB
	// for 10,000 issuers that mostly never see most reasons.
	reasons   []atomic.Pointer[verification]
	statusSet attribute.Set
	lazyMu    sync.Mutex
	fetch     map[fetchKey]fetchAttrs
	skipped   map[string][]metric.AddOption

	status          atomic.Pointer[func() jwks.CacheStatus]
	stale           atomic.Bool // for the "stale serving ended" log
	lastDeferredLog atomic.Int64
}

type fetchKey struct {
	doc, result, class string
}

type fetchAttrs struct {
	add    []metric.AddOption
	record []metric.RecordOption
}

// New creates every instrument and attribute set. It fails only if the
// meter refuses an instrument.
func New(o Options) (*Telemetry, error) {
	mp, tp := o.MeterProvider, o.TracerProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	t := &Telemetry{
		log:      o.Logger,
		clock:    clock.OrReal(o.Clock),
		reasons:  append([]string(nil), o.Reasons...),
		issuers:  make(map[string]*Issuer, len(o.Issuers)),
		answerBy: make(map[answerKey][]metric.AddOption),
		tcHits:   newCounter(true),
		tcMisses: newCounter(false),
		// Evictions are counted on the cache's maintenance goroutine.
		tcEvictions: newCounter(false),
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	_, mNoop := mp.(metricnoop.MeterProvider)
	_, tNoop := tp.(tracenoop.TracerProvider)
	t.off = mNoop && tNoop
	t.traces = !tNoop
	t.tracer = tp.Tracer(ScopeName)
	m := mp.Meter(ScopeName)

	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	observed := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	verifications := observed(MetricVerifications, "{verification}", "Verified bearer tokens, by issuer, outcome and rejection reason.")
	var err error
	t.verifyDuration, err = m.Float64Histogram(MetricVerificationDuration, metric.WithUnit("s"),
		metric.WithDescription("Time to verify one bearer token the token cache did not answer, by issuer, outcome and rejection reason."),
		metric.WithExplicitBucketBoundaries(VerificationBuckets...))
	errs = append(errs, err)
	tcHits := observed(MetricTokenCacheHits, "{lookup}", "Verifications answered by the verified-token cache.")
	tcMisses := observed(MetricTokenCacheMisses, "{lookup}", "Verified-token cache lookups that found no usable entry.")
	tcEvictions := observed(MetricTokenCacheEvictions, "{entry}", "Verified-token cache entries evicted for room or at their token's expiry.")
	t.fetches = counter(MetricFetches, "{fetch}", "Downloads of key sets and discovery documents, by result and HTTP status class.")
	t.fetchDuration, err = m.Float64Histogram(MetricFetchDuration, metric.WithUnit("s"),
		metric.WithDescription("Time to download a key set or discovery document."),
		metric.WithExplicitBucketBoundaries(FetchBuckets...))
	errs = append(errs, err)
	t.unknownKIDs = counter(MetricUnknownKIDs, "{lookup}", "Lookups of a kid the loaded key set lacks, each asking for a refresh.")
	t.deferred = counter(MetricRefreshesDeferred, "{refresh}", "Unknown-kid refreshes held back by the cooldown or the failure backoff.")
	t.negHits = counter(MetricNegativeHits, "{lookup}", "Lookups answered key_not_found from the negative cache, without a fetch.")
	t.keysAdded = counter(MetricKeysAdded, "{key}", "Keys that appeared in a key set after its first load (rotation).")
	t.keysRemoved = counter(MetricKeysRemoved, "{key}", "Keys that left a key set.")
	t.keysSkipped = counter(MetricKeysSkipped, "{key}", "Unusable JWKs skipped in downloaded key sets, by reason.")
	t.staleServes = counter(MetricStaleServes, "{lookup}", "Lookups answered from a key set past its TTL because refreshes fail.")
	t.answers = counter(MetricAnswers, "{answer}", "Rejections answered by an adapter, by adapter and HTTP status code.")

	keys, err := m.Int64ObservableGauge(MetricKeys, metric.WithUnit("{key}"),
		metric.WithDescription("Usable keys loaded for the issuer; 0 while none is usable."))
	errs = append(errs, err)
	age, err := m.Float64ObservableGauge(MetricKeySetAge, metric.WithUnit("s"),
		metric.WithDescription("Time since the key set in use was fetched or confirmed unchanged."))
	errs = append(errs, err)
	stale, err := m.Int64ObservableGauge(MetricKeySetStale, metric.WithUnit("{1}"),
		metric.WithDescription("1 while the key set in use is past its TTL and served stale, else 0."))
	errs = append(errs, err)
	refreshIn, err := m.Float64ObservableGauge(MetricRefreshIn, metric.WithUnit("s"),
		metric.WithDescription("Time until the next key-set fetch is due; negative when overdue."))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}

	t.none = t.newIssuer("")
	for _, u := range o.Issuers {
		if _, dup := t.issuers[u]; !dup {
			t.issuers[u] = t.newIssuer(u)
			t.list = append(t.list, t.issuers[u])
		}
	}
	for _, a := range o.Adapters {
		for _, s := range answerStatuses {
			t.answerBy[answerKey{a, s}] = answerOpts(a, s)
		}
	}

	if !mNoop {
		reg, err := m.RegisterCallback(func(_ context.Context, obs metric.Observer) error {
			obs.ObserveInt64(tcHits, t.tcHits.Load())
			obs.ObserveInt64(tcMisses, t.tcMisses.Load())
			obs.ObserveInt64(tcEvictions, t.tcEvictions.Load())
			for _, iss := range append(t.list, t.none) {
				if n := iss.success.n.Load(); n > 0 {
					obs.ObserveInt64(verifications, n, metric.WithAttributeSet(iss.success.set))
				}
				for i := range iss.reasons {
					if v := iss.reasons[i].Load(); v != nil {
						if n := v.n.Load(); n > 0 {
							obs.ObserveInt64(verifications, n, metric.WithAttributeSet(v.set))
						}
					}
				}
			}
			now := t.clock.Now()
			for _, iss := range t.list {
				f := iss.status.Load()
				if f == nil {
					continue
				}
				st := (*f)()
				o := metric.WithAttributeSet(iss.statusSet)
				obs.ObserveInt64(keys, int64(st.Keys), o)
				if !st.Fetched.IsZero() {
					obs.ObserveFloat64(age, now.Sub(st.Fetched).Seconds(), o)
				}
				s := int64(0)
				if st.Stale {
					s = 1
				}
				obs.ObserveInt64(stale, s, o)
				if !st.NextRefresh.IsZero() {
					obs.ObserveFloat64(refreshIn, st.NextRefresh.Sub(now).Seconds(), o)
				}
			}
			return nil
		}, verifications, tcHits, tcMisses, tcEvictions, keys, age, stale, refreshIn)
		if err != nil {
			return nil, fmt.Errorf("telemetry: %w", err)
		}
		t.reg = reg
	}
	return t, nil
}

// answerStatuses are the statuses an adapter's own answers take.
var answerStatuses = []int{400, 401, 403, 500, 503}

func answerOpts(adapter string, status int) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
		attribute.String(AttrAdapter, adapter), attribute.Int(AttrStatusCode, status)))}
}

func (t *Telemetry) newIssuer(url string) *Issuer {
	iss := &Issuer{t: t, url: url}
	base := []attribute.KeyValue{}
	if url != "" {
		base = append(base, attribute.String(AttrIssuer, url))
	}
	iss.statusSet = attribute.NewSet(base...)
	iss.attr = []metric.AddOption{metric.WithAttributeSet(iss.statusSet)}
	iss.base = base
	iss.success = iss.newVerification(true, attribute.String(AttrOutcome, "success"))
	iss.reasons = make([]atomic.Pointer[verification], len(t.reasons)+1)
	return iss
}

func (iss *Issuer) newVerification(striped bool, kv ...attribute.KeyValue) *verification {
	all := append(append([]attribute.KeyValue(nil), iss.base...), kv...)
	s := attribute.NewSet(all...)
	return &verification{
		n:      newCounter(striped),
		set:    s,
		record: []metric.RecordOption{metric.WithAttributeSet(s)},
		attrs:  all,
	}
}

// reason returns the verification of rejection reason i (the last index:
// "other"), building it on first use.
func (iss *Issuer) reason(i int) *verification {
	p := &iss.reasons[i]
	if v := p.Load(); v != nil {
		return v
	}
	name := "other"
	if i < len(iss.t.reasons) {
		name = iss.t.reasons[i]
	}
	v := iss.newVerification(false, attribute.String(AttrOutcome, "rejected"), attribute.String(AttrReason, name))
	if p.CompareAndSwap(nil, v) {
		return v
	}
	return p.Load()
}

// fetchAttrs returns the attributes of a fetch of doc with result res and
// HTTP status class, building them on first use.
func (iss *Issuer) fetchAttrs(doc, res, class string) fetchAttrs {
	k := fetchKey{doc, res, class}
	iss.lazyMu.Lock()
	defer iss.lazyMu.Unlock()
	if a, ok := iss.fetch[k]; ok {
		return a
	}
	if iss.fetch == nil {
		iss.fetch = make(map[fetchKey]fetchAttrs)
	}
	base := iss.base
	s := attribute.NewSet(append(base[:len(base):len(base)],
		attribute.String(AttrDocument, doc), attribute.String(AttrFetchResult, res),
		attribute.String(AttrStatusClass, class))...)
	d := attribute.NewSet(append(base[:len(base):len(base)],
		attribute.String(AttrDocument, doc), attribute.String(AttrFetchResult, res))...)
	a := fetchAttrs{
		add:    []metric.AddOption{metric.WithAttributeSet(s)},
		record: []metric.RecordOption{metric.WithAttributeSet(d)},
	}
	iss.fetch[k] = a
	return a
}

// skippedAttrs returns the attributes of a key skipped for reason r,
// building them on first use.
func (iss *Issuer) skippedAttrs(r string) []metric.AddOption {
	iss.lazyMu.Lock()
	defer iss.lazyMu.Unlock()
	if a, ok := iss.skipped[r]; ok {
		return a
	}
	if iss.skipped == nil {
		iss.skipped = make(map[string][]metric.AddOption)
	}
	base := iss.base
	a := []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
		append(base[:len(base):len(base)], attribute.String(AttrSkipReason, r))...))}
	iss.skipped[r] = a
	return a
}

// Issuer returns the handle of a configured issuer, or the handle for
// rejections that name no configured issuer (no jwksauth.issuer
// attribute) when url is not one.
func (t *Telemetry) Issuer(url string) *Issuer {
	if t == nil {
		return nil
	}
	if iss, ok := t.issuers[url]; ok {
		return iss
	}
	return t.none
}

// Unrouted returns the handle for rejections before an issuer was chosen.
func (t *Telemetry) Unrouted() *Issuer {
	if t == nil {
		return nil
	}
	return t.none
}

// ObserveStatus makes the key-set gauges of iss read status. Call it once
// the issuer's cache exists.
func (iss *Issuer) ObserveStatus(status func() jwks.CacheStatus) {
	if iss == nil || iss.url == "" {
		return
	}
	iss.status.Store(&status)
}

// Close unregisters the gauges' callback.
func (t *Telemetry) Close() error {
	if t == nil || t.reg == nil {
		return nil
	}
	return t.reg.Unregister()
}

// Verification is one verification in progress, from [Telemetry.Start] to
// [Telemetry.End].
type Verification struct {
	start time.Time
	span  trace.Span
}

// Started returns the wall-clock time Start read, or the zero time when
// durations are not recorded. A caller on the wall clock may use it as
// "now" instead of reading the clock again.
func (v Verification) Started() time.Time { return v.start }

// Start begins a verification: it reads the clock when durations are
// recorded and starts a span when ctx carries a recording span (the
// request's), returning the context to verify under.
func (t *Telemetry) Start(ctx context.Context) (context.Context, Verification) {
	var v Verification
	if t == nil || t.off {
		return ctx, v
	}
	if t.verifyDuration.Enabled(ctx) {
		v.start = time.Now()
	}
	if t.traces && trace.SpanFromContext(ctx).IsRecording() {
		ctx, v.span = t.tracer.Start(ctx, SpanAuthenticate, trace.WithSpanKind(trace.SpanKindInternal))
	}
	return ctx, v
}

// End records a verification that Start began: by iss (nil: before an
// issuer was chosen), reason (-1 for success, else an index into
// Options.Reasons) and whether the verified-token cache answered. tokenCache
// says whether the cache was consulted (a miss is counted only then).
func (t *Telemetry) End(ctx context.Context, v Verification, iss *Issuer, reason int, tokenCache, hit bool) {
	if t == nil || t.off {
		return
	}
	if iss == nil {
		iss = t.none
	}
	vv := iss.success
	if reason >= 0 {
		if reason >= len(iss.reasons)-1 {
			reason = len(iss.reasons) - 1
		}
		vv = iss.reason(reason)
	}
	vv.n.Add(1)
	if hit {
		t.tcHits.Add(1)
	} else {
		if tokenCache {
			t.tcMisses.Add(1)
		}
		if !v.start.IsZero() {
			t.verifyDuration.Record(ctx, time.Since(v.start).Seconds(), vv.record...)
		}
	}
	if v.span != nil {
		v.span.SetAttributes(vv.attrs...)
		v.span.SetAttributes(attribute.Bool(AttrCacheHit, hit))
		if reason >= 0 {
			v.span.SetStatus(codes.Error, t.reasonName(reason))
		}
		v.span.End()
	}
}

func (t *Telemetry) reasonName(i int) string {
	if i >= 0 && i < len(t.reasons) {
		return t.reasons[i]
	}
	return "other"
}

// Evicted counts one verified-token cache eviction.
func (t *Telemetry) Evicted() {
	if t == nil || t.off {
		return
	}
	t.tcEvictions.Add(1)
}

// Answered counts a rejection an adapter answered with status.
func (t *Telemetry) Answered(ctx context.Context, adapter string, status int) {
	if t == nil || t.off {
		return
	}
	k := answerKey{adapter, status}
	t.answerMu.Lock()
	opts, ok := t.answerBy[k]
	if !ok && len(t.answerBy) < 256 { // bounded, whatever adapters pass
		opts = answerOpts(adapter, status)
		t.answerBy[k] = opts
	}
	t.answerMu.Unlock()
	if opts == nil {
		opts = answerOpts("other", status)
	}
	t.answers.Add(ctx, 1, opts...)
}

// skipReason is the jwksauth.key.skip_reason of err: invalid, unsupported,
// symmetric, not_signing or other.
func skipReason(err error) string {
	switch {
	case errors.Is(err, jwks.ErrInvalidKey):
		return "invalid"
	case errors.Is(err, jwks.ErrUnsupportedKey):
		return "unsupported"
	case errors.Is(err, jwks.ErrSymmetricKey):
		return "symmetric"
	case errors.Is(err, jwks.ErrNotSigningKey):
		return "not_signing"
	}
	return "other"
}

func statusClass(code int) string {
	switch {
	case code >= 200 && code < 300:
		return "2xx"
	case code >= 300 && code < 400:
		return "3xx"
	case code >= 400 && code < 500:
		return "4xx"
	case code >= 500 && code < 600:
		return "5xx"
	}
	return "none"
}

// deferredLogEvery bounds the "cooldown refuses a refresh" log record to
// one per issuer per interval, so that a flood of unknown kids does not
// flood the log.
const deferredLogEvery = time.Minute

// OnEvent records one event of the issuer's key cache: counters, the fetch
// span, and the log records the cache does not write itself (stale serving
// ended, refreshes deferred by the cooldown). Install it as
// [jwks.CacheOptions].OnEvent.
func (iss *Issuer) OnEvent(ev jwks.Event) {
	if iss == nil || iss.t.off {
		return
	}
	t, ctx := iss.t, context.Background()
	switch ev.Kind {
	case jwks.EventFetched, jwks.EventNotModified, jwks.EventFetchFailed, jwks.EventDiscovered:
		doc := "jwks"
		if ev.Discovery {
			doc = "discovery"
		}
		res := "fetched"
		switch {
		case ev.Kind == jwks.EventFetchFailed:
			res = "failed"
		case ev.Kind == jwks.EventNotModified && ev.Unchanged:
			res = "unchanged"
		case ev.Kind == jwks.EventNotModified || ev.Status == 304:
			res = "not_modified"
		}
		a := iss.fetchAttrs(doc, res, statusClass(ev.Status))
		t.fetches.Add(ctx, 1, a.add...)
		t.fetchDuration.Record(ctx, ev.Duration.Seconds(), a.record...)
		if ev.Kind != jwks.EventFetchFailed && iss.stale.CompareAndSwap(true, false) {
			t.log.Info("jwksauth: key set fresh again; stale serving ended", "issuer", iss.url, "url", ev.URL)
		}
		if ev.Added > 0 && ev.Keys > ev.Added || ev.Removed > 0 {
			// Added on the first load is not a rotation.
			t.keysAdded.Add(ctx, int64(ev.Added), iss.attr...)
		}
		if ev.Removed > 0 {
			t.keysRemoved.Add(ctx, int64(ev.Removed), iss.attr...)
		}
		iss.fetchSpan(ev, doc, res)
	case jwks.EventKeySkipped:
		r := skipReason(ev.Err)
		t.keysSkipped.Add(ctx, 1, iss.skippedAttrs(r)...) // the cache logs it, with the error
	case jwks.EventStaleServed:
		t.staleServes.Add(ctx, 1, iss.attr...)
		// The cache logs the start of stale serving; the end is logged here.
		if !iss.stale.Load() {
			iss.stale.Store(true)
		}
	case jwks.EventUnknownKID:
		t.unknownKIDs.Add(ctx, 1, iss.attr...)
	case jwks.EventRefreshDeferred:
		t.deferred.Add(ctx, 1, iss.attr...)
		now := time.Now().UnixNano()
		if last := iss.lastDeferredLog.Load(); now-last >= int64(deferredLogEvery) && iss.lastDeferredLog.CompareAndSwap(last, now) {
			t.log.Info("jwksauth: unknown kid; the cooldown defers the refresh", "issuer", iss.url, "reason", "cooldown", "retry_in", ev.Wait)
		}
	case jwks.EventNegativeHit:
		t.negHits.Add(ctx, 1, iss.attr...)
	}
}

// fetchSpan records a finished fetch as a span, backdated to its start.
func (iss *Issuer) fetchSpan(ev jwks.Event, doc, res string) {
	t := iss.t
	if !t.traces {
		return
	}
	end := time.Now()
	_, span := t.tracer.Start(context.Background(), SpanFetch,
		trace.WithTimestamp(end.Add(-ev.Duration)), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String(AttrIssuer, iss.url),
			attribute.String(AttrDocument, doc),
			attribute.String(AttrFetchResult, res),
			attribute.String("url.full", ev.URL),
		))
	if ev.Status != 0 {
		span.SetAttributes(attribute.Int(AttrStatusCode, ev.Status))
	}
	if ev.Kind == jwks.EventFetched {
		span.SetAttributes(attribute.Int("jwksauth.jwks.keys", ev.Keys),
			attribute.Int("jwksauth.jwks.keys.added", ev.Added), attribute.Int("jwksauth.jwks.keys.removed", ev.Removed))
	}
	if ev.Err != nil {
		span.SetStatus(codes.Error, "fetch failed")
		span.SetAttributes(attribute.String("error.type", errorType(ev.Status)))
	}
	span.End(trace.WithTimestamp(end))
}

func errorType(status int) string {
	if status != 0 {
		return strconv.Itoa(status)
	}
	return "_OTHER"
}
