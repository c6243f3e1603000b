package jwksauth

import (
	"time"

	"github.com/jwksauth/jwksauth/core/claims"
)

// ErrInsufficientUserAuthentication: a step-up requirement ([ACR],
// [MaxAuthAge]) is not met (401 insufficient_user_authentication, RFC 9470
// §3, with acr_values and max_age). The error is a [*StepUpError].
var ErrInsufficientUserAuthentication = claims.ErrInsufficientUserAuthentication

// StepUpError is the error of an unmet step-up requirement; it matches
// [ErrInsufficientUserAuthentication] and carries the acr values and the
// maximum authentication age the client must ask the authorization server
// for.
type StepUpError = claims.StepUpError

// ACR requires the token's acr claim to be one of values, e.g.
// ACR("phr", "phrh"); see [claims.ACR]. A request that fails only step-up
// requirements is answered 401 insufficient_user_authentication with
// acr_values (RFC 9470), so that the client asks for a stronger
// authentication.
func ACR(values ...string) Requirement { return claims.ACR(values...) }

// MaxAuthAge requires the user's last authentication (auth_time) to be at
// most d ago; see [claims.MaxAuthAge]. A request that fails only step-up
// requirements is answered 401 insufficient_user_authentication with
// max_age (RFC 9470).
func MaxAuthAge(d time.Duration) Requirement { return claims.MaxAuthAge(d) }
