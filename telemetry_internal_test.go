package jwksauth

import (
	"errors"
	"fmt"
	"testing"
)

// TestReasonCodes: every sentinel maps to the index of its answer's code,
// the codes are distinct, and an unknown error is internal_error.
func TestReasonCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range reasonCodes {
		if seen[c] {
			t.Errorf("code %q twice", c)
		}
		seen[c] = true
	}
	for _, r := range reasons {
		err := fmt.Errorf("wrapped: %w", r.err)
		if got := reasonCodes[reasonIndex(err)]; got != AnswerFor(err, "").Code {
			t.Errorf("%v: reason %q, answer code %q", r.err, got, AnswerFor(err, "").Code)
		}
		if got, want := answerStatus(err), AnswerFor(err, "").Status; got != want {
			t.Errorf("%v: status %d, answer %d", r.err, got, want)
		}
	}
	if got := reasonCodes[reasonIndex(errors.New("boom"))]; got != "internal_error" {
		t.Errorf("unknown error: %q", got)
	}
}
