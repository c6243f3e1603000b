package cors

import "errors"

// ErrInvalidPolicy is wrapped by every error that [Policy.Validate] and
// [New] return for a policy they refuse; the message after it names the
// field, the offending value and the reason. Match it with [errors.Is].
var ErrInvalidPolicy = errors.New("cors: invalid policy")

// ErrZeroPolicy is returned by [New] for a zero [Policy] (see
// [Policy.IsZero]). A zero policy is valid — it means "no CORS" — but there
// is nothing to compile: adapters check IsZero first and install no CORS
// middleware at all.
var ErrZeroPolicy = errors.New("cors: zero policy installs nothing")
