package claims

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestStepUp(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	tok := func(payload string) *Claims { return mustDecode(t, payload, nil) }
	strong := tok(`{"scope":"a b","acr":"phrh","auth_time":1799999900}`) // 100 s ago
	weak := tok(`{"scope":"a b","acr":"pwd","auth_time":1799990000}`)    // 10,000 s ago
	bare := tok(`{"scope":"a b"}`)
	future := tok(`{"scope":"a","auth_time":1800000100}`)
	fractional := tok(`{"scope":"a","auth_time":1799999900.5}`)
	stringTime := tok(`{"scope":"a","auth_time":"1799999900"}`)

	tests := []struct {
		name     string
		req      Requirement
		c        *Claims
		wantNil  bool
		wantStep bool // a *StepUpError; else a *RequirementError
		acr      []string
		maxAge   time.Duration
	}{
		{"acr met", ACR("phr", "phrh"), strong, true, false, nil, 0},
		{"acr not met", ACR("phr", "phrh"), weak, false, true, []string{"phr", "phrh"}, 0},
		{"acr absent", ACR("phr"), bare, false, true, []string{"phr"}, 0},
		{"acr is case-sensitive", ACR("PHRH"), strong, false, true, []string{"PHRH"}, 0},
		{"recent enough", MaxAuthAge(5 * time.Minute), strong, true, false, nil, 0},
		{"exactly at the limit", MaxAuthAge(100 * time.Second), strong, true, false, nil, 0},
		{"too old", MaxAuthAge(5 * time.Minute), weak, false, true, nil, 5 * time.Minute},
		{"auth_time absent", MaxAuthAge(5 * time.Minute), bare, false, true, nil, 5 * time.Minute},
		{"auth_time in the future", MaxAuthAge(5 * time.Minute), future, false, true, nil, 5 * time.Minute},
		{"auth_time fractional", MaxAuthAge(101 * time.Second), fractional, true, false, nil, 0},
		{"auth_time as a string is not a date", MaxAuthAge(5 * time.Minute), stringTime, false, true, nil, 5 * time.Minute},
		{"max_age in whole seconds", MaxAuthAge(90*time.Second + 500*time.Millisecond), weak, false, true, nil, 90 * time.Second},
		{"both merged", All(Scopes("a"), ACR("phr"), MaxAuthAge(time.Minute)), weak, false, true, []string{"phr"}, time.Minute},
		{"both, only one failing", All(ACR("pwd"), MaxAuthAge(time.Minute)), weak, false, true, nil, time.Minute},
		{"scope missing wins over step-up", All(Scopes("c"), ACR("phr")), weak, false, false, nil, 0},
		{"scope met, step-up failing", All(Scopes("a"), ACR("phr")), weak, false, true, []string{"phr"}, 0},
		{"any of step-ups merged", Any(ACR("phr"), ACR("hwk")), weak, false, true, []string{"phr", "hwk"}, 0},
		{"any with a non-step-up alternative is 403", Any(ACR("phr"), Scopes("c")), weak, false, false, nil, 0},
		{"any met by the scope", Any(ACR("phr"), Scopes("a")), weak, true, false, nil, 0},
		{"nested all", All(Scopes("a"), Any(ACR("phr"), All(ACR("pwd"), MaxAuthAge(time.Hour)))), weak, false, true, []string{"phr"}, time.Hour},
		{"smallest max age wins", All(MaxAuthAge(time.Hour), MaxAuthAge(time.Minute)), weak, false, true, nil, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.req.Err(); err != nil {
				t.Fatalf("Err: %v", err)
			}
			err := tt.req.CheckAt(tt.c, now)
			if tt.wantNil {
				if err != nil {
					t.Fatalf("CheckAt: %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("CheckAt: nil, want an error")
			}
			var se *StepUpError
			if got := errors.As(err, &se); got != tt.wantStep {
				t.Fatalf("CheckAt: %v (%T), want a StepUpError: %v", err, err, tt.wantStep)
			}
			if !tt.wantStep {
				if !errors.Is(err, ErrInsufficientScope) || errors.Is(err, ErrInsufficientUserAuthentication) {
					t.Fatalf("CheckAt: %v, want only ErrInsufficientScope", err)
				}
				return
			}
			if !errors.Is(err, ErrInsufficientUserAuthentication) || errors.Is(err, ErrInsufficientScope) {
				t.Fatalf("CheckAt: %v, want only ErrInsufficientUserAuthentication", err)
			}
			if !slices.Equal(se.ACRValues, tt.acr) || se.MaxAge != tt.maxAge {
				t.Errorf("StepUpError = acr %q max age %v, want %q %v", se.ACRValues, se.MaxAge, tt.acr, tt.maxAge)
			}
			if se.Description == "" {
				t.Error("StepUpError without a description")
			}
		})
	}
}

func TestStepUpInvalid(t *testing.T) {
	for name, r := range map[string]Requirement{
		"no acr":             ACR(),
		"acr with a space":   ACR("a b"),
		"acr with a quote":   ACR(`a"`),
		"max age zero":       MaxAuthAge(0),
		"max age sub-second": MaxAuthAge(time.Millisecond),
		"negative max age":   MaxAuthAge(-time.Minute),
	} {
		if r.Err() == nil {
			t.Errorf("%s: Err() = nil", name)
		}
		if err := r.CheckAt(mustDecode(t, `{"acr":"a","auth_time":1}`, nil), time.Unix(2, 0)); err == nil {
			t.Errorf("%s: an invalid requirement was met", name)
		}
	}
}

func TestStepUpString(t *testing.T) {
	got := All(ACR("phr", "phrh"), MaxAuthAge(5*time.Minute)).String()
	if want := `All(ACR("phr", "phrh"), MaxAuthAge(5m0s))`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}

func TestStepUpLiteralClaims(t *testing.T) {
	// A Claims built as a literal has no claims set: no acr, no auth_time.
	c := &Claims{Subject: "x"}
	if err := ACR("phr").CheckAt(c, time.Now()); !errors.Is(err, ErrInsufficientUserAuthentication) {
		t.Errorf("ACR on literal claims: %v", err)
	}
	if err := MaxAuthAge(time.Minute).CheckAt(c, time.Now()); !errors.Is(err, ErrInsufficientUserAuthentication) {
		t.Errorf("MaxAuthAge on literal claims: %v", err)
	}
}
