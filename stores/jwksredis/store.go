package jwksredis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwksauth/jwksauth/core/clock"
	"github.com/jwksauth/jwksauth/core/store"
	"github.com/redis/go-redis/v9"
)

// Defaults of [Options].
const (
	DefaultPrefix       = "jwksauth:"
	DefaultTimeout      = 250 * time.Millisecond
	DefaultSyncInterval = time.Second
	DefaultMaxStale     = time.Minute
)

// Options configures [New].
type Options struct {
	// Client is the Redis client (a *redis.Client, a cluster or ring
	// client). Required. The Store does not close it.
	Client redis.UniversalClient
	// Prefix namespaces every key. Default: [DefaultPrefix].
	Prefix string
	// Timeout bounds each Redis operation. Default: [DefaultTimeout].
	Timeout time.Duration
	// SyncInterval is how often a replica re-reads the revocation list
	// when no notification arrives: the most it may lag behind a
	// revocation made on another replica. Default: [DefaultSyncInterval].
	SyncInterval time.Duration
	// MaxStale is how long a replica keeps answering revocation checks
	// from its last copy while Redis cannot be read. Default:
	// [DefaultMaxStale].
	MaxStale time.Duration
	// Policy is what a revocation check answers once the copy is older
	// than MaxStale: fail closed ([store.ErrUnavailable], the default) or
	// open (not revoked, logged at Warn).
	Policy store.RevocationPolicy
	// Logger receives sync failures and recoveries. Default: silent.
	Logger *slog.Logger
	// Clock tells the time. Default: the wall clock.
	Clock clock.Clock
}

// Store is the shared store. Build it with [New]; it is safe for
// concurrent use.
type Store struct {
	rdb      redis.UniversalClient
	prefix   string
	timeout  time.Duration
	interval time.Duration
	maxStale time.Duration
	policy   store.RevocationPolicy
	logger   *slog.Logger
	clock    clock.Clock

	snap     atomic.Pointer[snapshot]
	syncMu   sync.Mutex // one sync at a time
	notify   chan struct{}
	stop     context.CancelFunc
	done     chan struct{}
	warnedAt atomic.Int64
}

// snapshot is an immutable copy of the revocation list.
type snapshot struct {
	version string // "" before the first successful read
	at      time.Time
	entries []store.Entry
	ids     map[[2]string]time.Time
	subs    map[[2]string]subEntry
}

type subEntry struct{ before, until time.Time }

// New returns a Store and starts its synchronization. The first read of
// the revocation list happens before New returns when Redis answers; when
// it does not, New still succeeds and the Store fails (or opens) as
// [Options].Policy says until Redis answers.
func New(ctx context.Context, o Options) (*Store, error) {
	if o.Client == nil {
		return nil, errors.New("jwksredis: no Client")
	}
	s := &Store{
		rdb: o.Client, prefix: o.Prefix, timeout: o.Timeout, interval: o.SyncInterval,
		maxStale: o.MaxStale, policy: o.Policy, logger: o.Logger, clock: clock.OrReal(o.Clock),
		notify: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.interval == 0 {
		s.interval = DefaultSyncInterval
	}
	if s.maxStale == 0 {
		s.maxStale = DefaultMaxStale
	}
	if s.timeout < 0 || s.interval < 0 || s.maxStale < 0 {
		return nil, errors.New("jwksredis: negative Timeout, SyncInterval or MaxStale")
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.snap.Store(&snapshot{ids: map[[2]string]time.Time{}, subs: map[[2]string]subEntry{}})
	if err := s.sync(ctx); err != nil {
		s.logger.Warn("jwksredis: first read of the revocation list failed; retrying in the background", "err", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go s.run(bg)
	return s, nil
}

// Close stops the synchronization. It does not close the client.
func (s *Store) Close() error {
	s.stop()
	<-s.done
	return nil
}

func (s *Store) key(name string) string { return s.prefix + name }

// Use implements [store.Replay] with SET NX and an absolute expiry.
func (s *Store) Use(ctx context.Context, key string, exp time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if !exp.After(s.clock.Now()) {
		exp = s.clock.Now().Add(time.Second)
	}
	err := s.rdb.SetArgs(ctx, s.key("replay:"+key), 1, redis.SetArgs{Mode: "NX", ExpireAt: exp}).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	}
	return false, fmt.Errorf("%w: redis: %w", store.ErrUnavailable, err)
}

// Revoke implements [store.Revocation]: the entry is written to Redis and
// to this replica's copy at once; other replicas see it at their next sync
// (at once when notified).
func (s *Store) Revoke(ctx context.Context, e store.Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.Subject != "" && e.ID == "" && e.Before.IsZero() {
		e.Before = s.clock.Now()
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.write(ctx, []store.Entry{e}); err != nil {
		return err
	}
	// This replica sees its own revocation at once.
	old := s.snap.Load()
	s.snap.Store(build(old.version, old.at, append(append([]store.Entry(nil), old.entries...), e), s.clock.Now()))
	return nil
}

// write adds entries, bumps the version and notifies, in one MULTI.
func (s *Store) write(ctx context.Context, entries []store.Entry) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range entries {
			m, err := json.Marshal(wire(e))
			if err != nil {
				return err
			}
			p.ZAdd(ctx, s.key("revocations"), redis.Z{Score: float64(e.Until.Unix()), Member: string(m)})
		}
		p.Incr(ctx, s.key("revocations:version"))
		p.Publish(ctx, s.key("revocations:notify"), "1")
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: redis: %w", store.ErrUnavailable, err)
	}
	return nil
}

// Revoked implements [store.Revocation] from this replica's copy.
func (s *Store) Revoked(_ context.Context, t store.Token) (bool, error) {
	snap := s.snap.Load()
	now := s.clock.Now()
	if snap.version == "" || now.Sub(snap.at) > s.maxStale {
		if s.policy == store.FailClosed {
			return false, fmt.Errorf("%w: the revocation list was last read %v ago", store.ErrUnavailable, now.Sub(snap.at).Round(time.Second))
		}
		if last := s.warnedAt.Load(); now.Unix() != last && s.warnedAt.CompareAndSwap(last, now.Unix()) {
			s.logger.Warn("jwksredis: revocation list too stale; accepting tokens (Policy FailOpen)", "age", now.Sub(snap.at))
		}
	}
	if t.ID != "" {
		if until, ok := snap.ids[[2]string{t.Issuer, t.ID}]; ok && now.Before(until) {
			return true, nil
		}
	}
	if t.Subject != "" {
		if e, ok := snap.subs[[2]string{t.Issuer, t.Subject}]; ok && now.Before(e.until) && (t.IssuedAt.IsZero() || t.IssuedAt.Before(e.before)) {
			return true, nil
		}
	}
	return false, nil
}

// run keeps the copy fresh: on notifications and every interval.
func (s *Store) run(ctx context.Context) {
	defer close(s.done)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.listen(ctx)
	}()
	defer wg.Wait()
	t := s.clock.NewTimer(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		case <-s.notify:
		}
		if err := s.sync(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("jwksredis: reading the revocation list", "err", err)
		}
		t.Reset(s.interval)
	}
}

// listen forwards revocation notifications to run.
func (s *Store) listen(ctx context.Context) {
	ps := s.rdb.Subscribe(ctx, s.key("revocations:notify"))
	defer ps.Close()
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ch:
			if !ok {
				return
			}
			select {
			case s.notify <- struct{}{}:
			default:
			}
		}
	}
}

// sync re-reads the list when its version changed, and writes back this
// replica's entries when Redis lost the list.
func (s *Store) sync(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 4*s.timeout)
	defer cancel()
	now := s.clock.Now()
	old := s.snap.Load()
	version, err := s.rdb.Get(ctx, s.key("revocations:version")).Result()
	if errors.Is(err, redis.Nil) {
		version, err = "", nil
	}
	if err != nil {
		return err
	}
	if version == "" && old.version != "" {
		// Redis lost the list (restarted without persistence, flushed):
		// write back what this replica knows.
		live := unexpired(old.entries, now)
		s.logger.Warn("jwksredis: the revocation list is gone from Redis; writing back this replica's entries", "entries", len(live))
		if err := s.write(ctx, live); err != nil {
			return err
		}
		if version, err = s.rdb.Get(ctx, s.key("revocations:version")).Result(); err != nil {
			return err
		}
	}
	if version == "" {
		version = "0"
	}
	if version == old.version {
		s.snap.Store(&snapshot{version: old.version, at: now, entries: old.entries, ids: old.ids, subs: old.subs})
		return nil
	}
	members, err := s.rdb.ZRangeByScore(ctx, s.key("revocations"), &redis.ZRangeBy{Min: strconv.FormatInt(now.Unix(), 10), Max: "+inf"}).Result()
	if err != nil {
		return err
	}
	entries := make([]store.Entry, 0, len(members))
	for _, m := range members {
		var w wireEntry
		if json.Unmarshal([]byte(m), &w) != nil {
			continue
		}
		entries = append(entries, w.entry())
	}
	// Expired entries leave Redis too, now and then.
	if len(members) > 0 && now.Unix()%16 == 0 {
		s.rdb.ZRemRangeByScore(ctx, s.key("revocations"), "-inf", "("+strconv.FormatInt(now.Unix(), 10))
	}
	s.snap.Store(build(version, now, entries, now))
	return nil
}

func unexpired(entries []store.Entry, now time.Time) []store.Entry {
	var out []store.Entry
	for _, e := range entries {
		if now.Before(e.Until) {
			out = append(out, e)
		}
	}
	return out
}

// build makes a snapshot of entries.
func build(version string, at time.Time, entries []store.Entry, now time.Time) *snapshot {
	s := &snapshot{version: version, at: at, ids: map[[2]string]time.Time{}, subs: map[[2]string]subEntry{}}
	for _, e := range entries {
		if !now.Before(e.Until) {
			continue
		}
		s.entries = append(s.entries, e)
		if e.ID != "" {
			if cur := s.ids[[2]string{e.Issuer, e.ID}]; e.Until.After(cur) {
				s.ids[[2]string{e.Issuer, e.ID}] = e.Until
			}
			continue
		}
		k := [2]string{e.Issuer, e.Subject}
		cur := s.subs[k]
		if e.Before.After(cur.before) {
			cur.before = e.Before
		}
		if e.Until.After(cur.until) {
			cur.until = e.Until
		}
		s.subs[k] = cur
	}
	return s
}

// wireEntry is an entry as stored in Redis.
type wireEntry struct {
	Issuer  string `json:"iss"`
	ID      string `json:"jti,omitempty"`
	Subject string `json:"sub,omitempty"`
	Before  int64  `json:"before,omitempty"` // Unix nanoseconds
	Until   int64  `json:"until"`            // Unix nanoseconds
}

func wire(e store.Entry) wireEntry {
	w := wireEntry{Issuer: e.Issuer, ID: e.ID, Subject: e.Subject, Until: e.Until.UnixNano()}
	if !e.Before.IsZero() {
		w.Before = e.Before.UnixNano()
	}
	return w
}

func (w wireEntry) entry() store.Entry {
	e := store.Entry{Issuer: w.Issuer, ID: w.ID, Subject: w.Subject, Until: time.Unix(0, w.Until).UTC()}
	if w.Before != 0 {
		e.Before = time.Unix(0, w.Before).UTC()
	}
	return e
}
