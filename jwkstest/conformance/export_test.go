package conformance

import "testing"

// Failures runs the table like [Run] but returns the failure messages by
// case name instead of reporting them, so that the package's own tests can
// prove which cases a broken adapter fails. Unobserved records are under
// the key "options". Setup errors still fail t.
func Failures(t *testing.T, mount Mount, opts Options) map[string][]string {
	t.Helper()
	s := newSuite(t, mount, opts)
	out := map[string][]string{}
	for _, c := range s.cases {
		if msgs := s.run(c); len(msgs) > 0 {
			out[c.name] = msgs
		}
	}
	if msgs := s.unusedRecords(); len(msgs) > 0 {
		out["options"] = msgs
	}
	return out
}

// CheckOptions validates o as Run does before its first request.
func CheckOptions(o Options) error {
	_, err := o.validate((&suite{}).table())
	return err
}

// CaseNames returns the names of the cases, in order.
func CaseNames() []string {
	var out []string
	for _, c := range (&suite{}).table() {
		out = append(out, c.name)
	}
	return out
}
