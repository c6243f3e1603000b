package rotate

import "errors"

var (
	// ErrConflict is returned by [Store.CompareAndSwap] when the stored
	// version is not the one the caller read: another writer came first.
	ErrConflict = errors.New("rotate: key set changed concurrently")

	// ErrSchedule is returned, wrapped with the reason, for an invalid
	// [Schedule].
	ErrSchedule = errors.New("rotate: invalid schedule")

	// ErrTooEarly is returned by [Manager.Rotate] without force when the
	// next key has not been published for PrePublish yet: activating it
	// now could reject its tokens at verifiers still holding an older set.
	ErrTooEarly = errors.New("rotate: next key not published long enough")

	// ErrNoActiveKey is returned by signing methods when no key is active.
	ErrNoActiveKey = errors.New("rotate: no active key")

	// ErrTokenLifetime is returned by [Manager.Sign] for claims without exp,
	// or whose exp lies further than MaxTokenLifetime ahead: the retirement
	// of keys relies on that bound.
	ErrTokenLifetime = errors.New("rotate: token lifetime exceeds the schedule")

	// ErrActiveKey is returned by [Manager.Withdraw] for the active key.
	ErrActiveKey = errors.New("rotate: the active key cannot be withdrawn")

	// ErrUnknownKey is returned for a kid the store does not hold.
	ErrUnknownKey = errors.New("rotate: no such key")

	// ErrStore is returned, wrapped with the cause, when a store cannot be
	// read or written, or refuses its location (an unsafe directory).
	ErrStore = errors.New("rotate: key store")
)
