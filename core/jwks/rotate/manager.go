package rotate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jwksauth/jwksauth/core/clock"
	"github.com/jwksauth/jwksauth/core/jwks"
)

// DefaultCheckInterval is how often a [Manager] reloads its store when no
// event of its own schedule comes sooner, when [Config.CheckInterval] is
// zero: 1 minute, so a replica adopts another's new key well within
// PrePublish.
const DefaultCheckInterval = time.Minute

// maxCASAttempts bounds the read-modify-write retries of one step.
const maxCASAttempts = 5

// State is where a key stands in its life; see the package documentation.
type State string

// The states of a key.
const (
	StateNext     State = "next"
	StateActive   State = "active"
	StateRetiring State = "retiring"
	StateRetired  State = "retired"
)

// KeyStatus is one key as the schedule sees it at a given time.
type KeyStatus struct {
	// ID is the kid.
	ID string `json:"kid"`
	// Algorithm is the JWS algorithm.
	Algorithm string `json:"alg"`
	// State is the key's state.
	State State `json:"state"`
	// Published reports whether the key is in the published set.
	Published bool `json:"published"`
	// Created is when the key was generated and first published.
	Created time.Time `json:"created"`
	// ActivateAt is when the key starts (or started) signing.
	ActivateAt time.Time `json:"activate_at"`
	// LastUse is when the key stops (or stopped) signing: the next key's
	// activation; zero while no next key is scheduled.
	LastUse time.Time `json:"last_use,omitzero"`
	// RemoveAt is when the key leaves (or left) the published set: LastUse
	// plus MaxTokenLifetime plus Leeway, or when it was withdrawn if that
	// was earlier; zero while LastUse is.
	RemoveAt time.Time `json:"remove_at,omitzero"`
}

// Statuses returns the status of every key of set at time now under the
// schedule s (defaults filled in), in activation order.
func Statuses(set KeySet, s Schedule, now time.Time) ([]KeyStatus, error) {
	s, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	return statuses(set.Keys, s, now), nil
}

func statuses(keys []Record, s Schedule, now time.Time) []KeyStatus {
	out := make([]KeyStatus, len(keys))
	active := -1
	for i, r := range keys {
		if !r.ActivateAt.After(now) {
			active = i
		}
	}
	for i, r := range keys {
		st := KeyStatus{ID: r.ID, Algorithm: r.Algorithm, Created: r.Created, ActivateAt: r.ActivateAt}
		if i+1 < len(keys) {
			st.LastUse = keys[i+1].ActivateAt
			st.RemoveAt = st.LastUse.Add(s.removeAfter())
		}
		if !r.RetiredAt.IsZero() && (st.RemoveAt.IsZero() || r.RetiredAt.Before(st.RemoveAt)) {
			st.RemoveAt = r.RetiredAt // withdrawn early
		}
		switch {
		case r.ActivateAt.After(now):
			st.State = StateNext
		case i == active:
			st.State = StateActive
		case r.RetiredAt.IsZero() && now.Before(st.RemoveAt):
			st.State = StateRetiring
		default:
			st.State = StateRetired
		}
		st.Published = st.State != StateRetired
		out[i] = st
	}
	return out
}

// Config configures a [Manager]. Store is required; every other zero value
// means the documented default.
type Config struct {
	// Store persists the keys. Required.
	Store Store
	// Schedule is the rotation schedule. Default: see [Schedule].
	Schedule Schedule
	// Clock tells time and makes the timers of the background loop.
	// Default: [clock.Real].
	Clock clock.Clock
	// Logger receives rotations, retirements and store failures. Default:
	// silent.
	Logger *slog.Logger
	// CheckInterval bounds the time between two steps of the background
	// loop, which reloads the store to adopt other replicas' changes.
	// Default: [DefaultCheckInterval].
	CheckInterval time.Duration
	// Manual turns the background loop off: keys change only when [Manager.Step]
	// or [Manager.Rotate] is called (the command-line tool's mode).
	// Default: false.
	Manual bool
	// RetainRetired is how long the record of a retired key (without its
	// private key) stays in the store for the listing. Default: 30 days.
	RetainRetired time.Duration
}

// Manager holds the signing keys of an issuer, rotates them on its
// [Schedule] and publishes the public ones through its [Manager.Handler].
// It is safe for concurrent use; Close stops its background loop.
type Manager struct {
	store    Store
	sched    Schedule
	clock    clock.Clock
	log      *slog.Logger
	interval time.Duration
	retain   time.Duration
	handler  *jwks.Handler

	// stepMu serializes steps (store I/O, key generation); mu guards the
	// view below and is held only briefly, so signing never waits for a
	// step that generates a key.
	stepMu  sync.Mutex
	mu      sync.Mutex
	set     KeySet
	signers map[string]SigningKey
	pubKIDs []string

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// New loads the store, runs one step (generating the first active key and
// the next key if the store lacks them) and, unless cfg.Manual, starts the
// background loop that runs a step at every event of the schedule and at
// least every CheckInterval.
func New(ctx context.Context, cfg Config) (*Manager, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("%w: no Store", ErrSchedule)
	}
	s, err := cfg.Schedule.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Manager{
		store:    cfg.Store,
		sched:    s,
		clock:    clock.OrReal(cfg.Clock),
		log:      cfg.Logger,
		interval: cfg.CheckInterval,
		retain:   cfg.RetainRetired,
		signers:  map[string]SigningKey{},
		done:     make(chan struct{}),
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.interval <= 0 {
		m.interval = DefaultCheckInterval
	}
	if m.retain <= 0 {
		m.retain = 30 * 24 * time.Hour
	}
	m.handler, err = jwks.NewHandler(jwks.HandlerConfig{MaxAge: s.MaxAge})
	if err != nil {
		return nil, err
	}
	if _, err := m.Step(ctx); err != nil {
		return nil, err
	}
	if cfg.Manual {
		close(m.done)
		m.cancel = func() {}
		return m, nil
	}
	lctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go m.loop(lctx)
	return m, nil
}

// Handler returns the JWKS handler publishing the next, active and retiring
// keys, with Cache-Control max-age set to [Schedule.MaxAge]. Only public
// members are ever served.
func (m *Manager) Handler() *jwks.Handler { return m.handler }

// Schedule returns the schedule in force, defaults filled in.
func (m *Manager) Schedule() Schedule { return m.sched }

// Close stops the background loop and waits for it. It does not close the
// store.
func (m *Manager) Close() error {
	m.once.Do(func() {
		m.cancel()
		<-m.done
	})
	return nil
}

func (m *Manager) loop(ctx context.Context) {
	defer close(m.done)
	for {
		wait := m.nextWake()
		if err := clock.Sleep(ctx, m.clock, wait); err != nil {
			return
		}
		if _, err := m.Step(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("rotate: step failed; retrying", "error", err, "retry_in", m.interval)
		}
	}
}

// nextWake returns the time until the next event of the schedule (an
// activation, a removal), at most CheckInterval.
func (m *Manager) nextWake() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	wake := now.Add(m.interval)
	for _, st := range statuses(m.set.Keys, m.sched, now) {
		for _, t := range []time.Time{st.ActivateAt, st.RemoveAt} {
			if t.After(now) && t.Before(wake) {
				wake = t
			}
		}
	}
	return wake.Sub(now)
}

// Keys returns the status of every stored key now.
func (m *Manager) Keys() []KeyStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	return statuses(m.set.Keys, m.sched, m.clock.Now())
}

// SigningKey returns the key active now. It is derived from the stored dates
// and the clock, so it changes at the next key's activation even between
// two steps.
func (m *Manager) SigningKey() (SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	for i := len(m.set.Keys) - 1; i >= 0; i-- {
		r := m.set.Keys[i]
		if r.ActivateAt.After(now) {
			continue
		}
		if k, ok := m.signers[r.ID]; ok {
			return k, nil
		}
		k, err := r.PrivateKey()
		if err != nil {
			return SigningKey{}, err
		}
		m.signers[r.ID] = k
		return k, nil
	}
	return SigningKey{}, ErrNoActiveKey
}

// Sign signs claims (a JSON object) with the active key. claims must hold
// an exp no further than MaxTokenLifetime from now (plus one second of
// rounding): the schedule keeps a key published that long after its last
// use, and no longer.
func (m *Manager) Sign(claims map[string]any, typ string) (string, error) {
	exp, ok := numericDate(claims["exp"])
	if !ok {
		return "", fmt.Errorf("%w: no numeric exp", ErrTokenLifetime)
	}
	now := m.clock.Now()
	if exp.Sub(now) > m.sched.MaxTokenLifetime+time.Second {
		return "", fmt.Errorf("%w: exp is %v ahead, the maximum is %v", ErrTokenLifetime, exp.Sub(now).Round(time.Second), m.sched.MaxTokenLifetime)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("rotate: claims: %w", err)
	}
	k, err := m.SigningKey()
	if err != nil {
		return "", err
	}
	return k.Sign(payload, typ)
}

func numericDate(v any) (time.Time, bool) {
	switch n := v.(type) {
	case int64:
		return time.Unix(n, 0), true
	case int:
		return time.Unix(int64(n), 0), true
	case float64:
		return time.Unix(int64(n), 0), true
	case json.Number:
		i, err := n.Int64()
		return time.Unix(i, 0), err == nil
	}
	return time.Time{}, false
}

// Step brings the stored set up to date at the current time and publishes
// it: it generates an active key if none is active (at once, for a new
// store), a next key if none is scheduled (activating RotationPeriod after
// the active key's activation, and at least PrePublish from now), erases
// the private keys of keys past their removal time and drops retired
// records older than RetainRetired. Changes are written with
// compare-and-swap; on a conflict the step starts again from the winner's
// set. It reports whether it wrote the store.
func (m *Manager) Step(ctx context.Context) (bool, error) {
	return m.update(ctx, func(set *KeySet, now time.Time) (bool, error) { return m.plan(set, now) })
}

// Rotate activates the next key now and schedules a new next key. Without
// force, it fails with [ErrTooEarly] if the next key has been published for
// less than PrePublish (verifiers may not have it yet). With force (a
// compromised active key), it activates the next key anyway, generating
// one if there is none; verifiers that lack it then fetch it on their
// first token with its kid (unknown-kid refresh). The old key keeps being
// published for MaxTokenLifetime + Leeway.
func (m *Manager) Rotate(ctx context.Context, force bool) error {
	_, err := m.update(ctx, func(set *KeySet, now time.Time) (bool, error) {
		next := -1
		for i, r := range set.Keys {
			if r.ActivateAt.After(now) {
				next = i
				break
			}
		}
		if next < 0 {
			if !force {
				return false, fmt.Errorf("%w: no next key is published", ErrTooEarly)
			}
			r, err := GenerateRecord(m.sched.Algorithm, m.sched.RSABits, now)
			if err != nil {
				return false, err
			}
			set.Keys = append(set.Keys, r)
			next = len(set.Keys) - 1
		}
		r := &set.Keys[next]
		if ready := r.Created.Add(m.sched.PrePublish); now.Before(ready) && !force {
			return false, fmt.Errorf("%w: key %s was published %v ago; it may sign from %s (PrePublish %v)",
				ErrTooEarly, r.ID, now.Sub(r.Created).Round(time.Second), ready.Format(time.RFC3339), m.sched.PrePublish)
		}
		kid := r.ID
		// Keys scheduled after it keep their dates (they are later than
		// now already); the plan below adds a next key if none is left.
		r.ActivateAt = now.UTC()
		if _, err := m.plan(set, now); err != nil {
			return false, err
		}
		m.log.Info("rotate: key activated", "kid", kid, "forced", force)
		return true, nil
	})
	return err
}

// Withdraw removes the key kid from the published set at once, before the
// schedule would: for a retiring key whose private key leaked, so that the
// tokens signed with it stop verifying as soon as verifiers refresh (within
// MaxAge for those that honour it). Its private key is erased; a next key
// is deleted. The active key cannot be withdrawn: call Rotate with force
// first. Tokens the key signed are rejected from then on, honest ones too.
func (m *Manager) Withdraw(ctx context.Context, kid string) error {
	_, err := m.update(ctx, func(set *KeySet, now time.Time) (bool, error) {
		for i, s := range statuses(set.Keys, m.sched, now) {
			if s.ID != kid {
				continue
			}
			switch s.State {
			case StateActive:
				return false, fmt.Errorf("%w: key %s is active; rotate with force first", ErrActiveKey, kid)
			case StateRetired:
				return false, nil
			case StateNext:
				set.Keys = slices.Delete(set.Keys, i, i+1)
			default:
				set.Keys[i].Private = ""
				set.Keys[i].RetiredAt = now.UTC()
			}
			if _, err := m.plan(set, now); err != nil {
				return false, err
			}
			m.log.Warn("rotate: key withdrawn before its schedule", "kid", kid)
			return true, nil
		}
		return false, fmt.Errorf("%w: %q", ErrUnknownKey, kid)
	})
	return err
}

// Add stores rec as a new key. A store without an active key gets rec as
// its active key at once; otherwise rec becomes a next key, activating
// PrePublish from now at the earliest (after the keys already scheduled).
// It is how the command-line tool imports a generated key.
func (m *Manager) Add(ctx context.Context, rec Record) error {
	_, err := m.update(ctx, func(set *KeySet, now time.Time) (bool, error) {
		if slices.ContainsFunc(set.Keys, func(r Record) bool { return r.ID == rec.ID }) {
			return false, fmt.Errorf("%w: %q", jwks.ErrKIDInUse, rec.ID)
		}
		rec.Created = now.UTC()
		rec.ActivateAt = now.UTC()
		sts := statuses(set.Keys, m.sched, now)
		if slices.ContainsFunc(sts, func(s KeyStatus) bool { return s.State == StateActive }) {
			at := now.Add(m.sched.PrePublish)
			for _, r := range set.Keys {
				if !r.ActivateAt.Before(at) {
					at = r.ActivateAt.Add(m.sched.RotationPeriod)
				}
			}
			rec.ActivateAt = at.UTC()
		}
		set.Keys = append(set.Keys, rec)
		sortKeys(set.Keys)
		return true, nil
	})
	return err
}

func sortKeys(keys []Record) {
	slices.SortStableFunc(keys, func(a, b Record) int { return a.ActivateAt.Compare(b.ActivateAt) })
}

// update runs change on the stored set under compare-and-swap, retrying on
// conflict, then publishes the result.
func (m *Manager) update(ctx context.Context, change func(*KeySet, time.Time) (bool, error)) (bool, error) {
	m.stepMu.Lock()
	defer m.stepMu.Unlock()
	var lastErr error
	for range maxCASAttempts {
		set, err := m.store.Load(ctx)
		if err != nil {
			return false, err
		}
		now := m.clock.Now()
		next := set.clone()
		changed, err := change(&next, now)
		if err != nil {
			m.adopt(set, now)
			return false, err
		}
		if !changed {
			return false, m.adopt(set, now)
		}
		err = m.store.CompareAndSwap(ctx, set.Version, next)
		if err == nil {
			next.Version = set.Version + 1
			return true, m.adopt(next, now)
		}
		if !errors.Is(err, ErrConflict) {
			return false, err
		}
		lastErr = err
		m.log.Debug("rotate: another replica wrote the store first; reloading", "version", set.Version)
	}
	return false, lastErr
}

// plan applies the schedule to set at now and reports whether it changed.
func (m *Manager) plan(set *KeySet, now time.Time) (bool, error) {
	changed := false
	sts := statuses(set.Keys, m.sched, now)
	hasActive := slices.ContainsFunc(sts, func(s KeyStatus) bool { return s.State == StateActive })
	if !hasActive {
		r, err := GenerateRecord(m.sched.Algorithm, m.sched.RSABits, now)
		if err != nil {
			return false, err
		}
		// Activate it before any next key: it signs at once.
		set.Keys = append([]Record{r}, set.Keys...)
		sortKeys(set.Keys)
		changed = true
		m.log.Info("rotate: generated the first active key", "kid", r.ID, "alg", r.Algorithm)
		sts = statuses(set.Keys, m.sched, now)
	}
	if !slices.ContainsFunc(sts, func(s KeyStatus) bool { return s.State == StateNext }) {
		var active Record
		for i, s := range sts {
			if s.State == StateActive {
				active = set.Keys[i]
			}
		}
		at := active.ActivateAt.Add(m.sched.RotationPeriod)
		if min := now.Add(m.sched.PrePublish); at.Before(min) {
			at = min
		}
		r, err := GenerateRecord(m.sched.Algorithm, m.sched.RSABits, now)
		if err != nil {
			return false, err
		}
		r.ActivateAt = at.UTC()
		set.Keys = append(set.Keys, r)
		sortKeys(set.Keys)
		changed = true
		m.log.Info("rotate: published the next key", "kid", r.ID, "alg", r.Algorithm, "activate_at", r.ActivateAt)
		sts = statuses(set.Keys, m.sched, now)
	}
	kept := set.Keys[:0]
	for i, s := range sts {
		r := set.Keys[i]
		if s.State == StateRetired {
			if r.Private != "" || r.RetiredAt.IsZero() {
				r.Private = ""
				if r.RetiredAt.IsZero() {
					r.RetiredAt = now.UTC()
				}
				changed = true
				m.log.Info("rotate: key retired and its private key erased", "kid", r.ID)
			}
			if now.Sub(r.RetiredAt) > m.retain {
				changed = true
				continue
			}
		}
		kept = append(kept, r)
	}
	set.Keys = kept
	return changed, nil
}

// adopt makes set the manager's view and publishes its keys. The caller
// holds m.stepMu.
func (m *Manager) adopt(set KeySet, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.set = set
	var pub []jwks.PublishedKey
	var kids []string
	for _, s := range statuses(set.Keys, m.sched, now) {
		if !s.Published {
			delete(m.signers, s.ID)
			continue
		}
		for _, r := range set.Keys {
			if r.ID == s.ID {
				pk, err := r.Published()
				if err != nil {
					return err
				}
				pub = append(pub, pk)
				kids = append(kids, r.ID)
			}
		}
	}
	if slices.Equal(kids, m.pubKIDs) {
		return nil
	}
	if err := m.handler.SetKeys(pub...); err != nil {
		return err
	}
	m.pubKIDs = kids
	return nil
}
