package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/jwks"
)

// maxStdinToken bounds the token read from standard input.
const maxStdinToken = 64 << 10

// step is one line of a check report.
type step struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"` // "ok", "fail", "skip" (not checked), "info"
	Detail  string `json:"detail"`
}

// checkReport is the --json shape of check.
type checkReport struct {
	Pass   bool   `json:"pass"`
	Step   string `json:"failed_step,omitempty"`
	Error  string `json:"error,omitempty"`
	Steps  []step `json:"steps"`
	Answer struct {
		Status          int    `json:"status"`
		Code            string `json:"code,omitempty"`
		WWWAuthenticate string `json:"www_authenticate,omitempty"`
		RetryAfter      int    `json:"retry_after,omitempty"`
	} `json:"answer"`
}

func newCheck(stdin io.Reader) *cobra.Command {
	var (
		issuer, jwksURL, typ string
		audiences, scopes    []string
		leeway, timeout      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "check --issuer URL --audience AUD [--scope S]... [--type at+jwt] TOKEN|-",
		Short: "Explain, step by step, why a token passes or fails",
		Long: `check verifies TOKEN with the jwksauth library's own verification path
(discovery, key cache, signature, claims, scopes) and prints each step with its
verdict and the HTTP answer a client would get. It never prints the signature
or the whole token. Pass - to read the token from standard input, which keeps
it out of shell history.

Exit status: 0 the token passes, 1 it fails, 2 usage error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			token := args[0]
			if token == "-" {
				b, err := io.ReadAll(io.LimitReader(stdin, maxStdinToken+1))
				if err != nil {
					return fmt.Errorf("reading the token: %w", err)
				}
				if len(b) > maxStdinToken {
					return fmt.Errorf("the token on standard input exceeds %d bytes", maxStdinToken)
				}
				token = strings.TrimSpace(string(b))
			}
			if token == "" {
				return errors.New("no token given")
			}
			if len(audiences) == 0 {
				return errors.New("--audience is required")
			}
			iss := jwksauth.Issuer{URL: issuer, JWKSURL: jwksURL, Audiences: audiences, TokenType: typ, Leeway: leeway}
			a, err := jwksauth.New(jwksauth.Config{Issuers: []jwksauth.Issuer{iss}, TokenCache: jwksauth.TokenCacheConfig{Disabled: true}})
			if err != nil {
				return err
			}
			defer a.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			_ = a.Ready(ctx) // a failure shows at the key step
			var reqs []jwksauth.Requirement
			if len(scopes) > 0 {
				reqs = append(reqs, jwksauth.Scopes(scopes...))
			}
			ex := a.Explain(ctx, token, reqs...)
			effLeeway := leeway
			if effLeeway == 0 {
				effLeeway = jwksauth.DefaultLeeway
			} else if effLeeway < 0 {
				effLeeway = 0
			}
			rep := buildReport(ctx, ex, iss, scopes, effLeeway)
			if jsonOut(cmd) {
				if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				printReport(cmd.OutOrStdout(), rep)
			}
			if !rep.Pass {
				return failed(errReported)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&issuer, "issuer", "", "issuer URL, compared exactly with the token's iss (required)")
	f.StringSliceVar(&audiences, "audience", nil, "accepted audience (repeatable; required)")
	f.StringSliceVar(&scopes, "scope", nil, "required scope (repeatable)")
	f.StringVar(&typ, "type", "", `required typ header, e.g. "at+jwt"`)
	f.StringVar(&jwksURL, "jwks-url", "", "JWKS URL (default: found through OIDC discovery)")
	f.DurationVar(&leeway, "leeway", 0, "clock skew tolerated on exp, nbf, iat (default 30s; negative for none)")
	f.DurationVar(&timeout, "timeout", 15*time.Second, "bound on fetching the issuer's keys")
	_ = cmd.MarkFlagRequired("issuer")
	return cmd
}

// ago says how far t is from now in words: "3 min ago", "in 2 h 5 min".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "in " + words(-d)
	}
	return words(d) + " ago"
}

func words(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		m := int((d - time.Duration(h)*time.Hour).Minutes())
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	default:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
}

func buildReport(ctx context.Context, ex *jwksauth.Explanation, iss jwksauth.Issuer, scopes []string, leeway time.Duration) *checkReport {
	rep := &checkReport{Pass: ex.Err == nil, Step: ex.Step}
	if ex.Err != nil {
		rep.Error = ex.Err.Error()
	}
	rep.Answer.Status, rep.Answer.Code, rep.Answer.WWWAuthenticate, rep.Answer.RetryAfter = ex.Answer.Status, ex.Answer.Code, ex.Answer.Challenge, ex.Answer.RetryAfter
	add := func(name, verdict, format string, args ...any) {
		rep.Steps = append(rep.Steps, step{name, verdict, fmt.Sprintf(format, args...)})
	}
	reached := func(s string) bool { // the step ran (passed or failed)
		order := []string{"parse", "issuer", "alg", "key", "signature", "typ", "claims", "requirements"}
		if ex.Step == "" {
			return true
		}
		return slices.Index(order, s) <= slices.Index(order, ex.Step)
	}
	verdict := func(s string) string {
		switch {
		case ex.Step == s:
			return "fail"
		case reached(s):
			return "ok"
		}
		return "skip"
	}

	// Header.
	if ex.Header == nil {
		add("header", "fail", "%v", ex.Err)
	} else {
		h := ex.Header
		kid := h.KeyID
		if kid == "" {
			kid = "(none)"
		}
		typ := h.Type
		if typ == "" {
			typ = "(none)"
		}
		v := "ok"
		if ex.Step == "alg" {
			v = "fail"
		}
		add("header", v, "alg=%s kid=%s typ=%s crit=(none)", h.Alg, printable(kid), printable(typ))
		if ex.Step == "alg" {
			rep.Steps[len(rep.Steps)-1].Detail += ": " + ex.Err.Error()
		}
	}

	// Key.
	switch {
	case ex.Key != nil:
		add("key", "ok", "kid %s verifies %s (thumbprint %s)", ex.Key.ID, ex.Key.Algorithms, ex.Key.Thumbprint)
	case ex.Step == "key":
		detail := ex.Err.Error()
		if errors.Is(ex.Err, jwks.ErrKeyNotFound) && ex.Header != nil {
			detail = keyWhy(ctx, iss, ex.Header.KeyID, detail)
		}
		add("key", "fail", "%s", detail)
	default:
		add("key", "skip", "not reached")
	}

	// Signature.
	switch verdict("signature") {
	case "ok":
		add("signature", "ok", "valid")
	case "fail":
		add("signature", "fail", "%v", ex.Err)
	default:
		add("signature", "skip", "not checked")
	}
	if iss.TokenType != "" {
		switch verdict("typ") {
		case "ok":
			add("typ", "ok", "%s", ex.Header.Type)
		case "fail":
			add("typ", "fail", "%v", ex.Err)
		default:
			add("typ", "skip", "not checked")
		}
	}

	// Claims, shown against the local clock even when an earlier step failed.
	c := ex.Claims
	if c == nil {
		add("claims", "skip", "not decoded")
	} else {
		now := ex.Now
		if c.Issuer == iss.URL {
			add("iss", "ok", "%s", printable(c.Issuer))
		} else {
			add("iss", "fail", "%q is not the configured %q", trunc(c.Issuer), iss.URL)
		}
		if slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(iss.Audiences, a) }) {
			add("aud", "ok", "%s", printable(strings.Join(c.Audience, " ")))
		} else {
			add("aud", "fail", "%q contains none of %q", truncAll(c.Audience), iss.Audiences)
		}
		switch {
		case c.Expiry.IsZero():
			add("exp", "fail", "absent (exp is required)")
		case !now.Before(c.Expiry.Add(leeway)):
			add("exp", "fail", "expired %s (%s, leeway %v)", ago(c.Expiry, now), c.Expiry.Format(time.RFC3339), leeway)
		default:
			add("exp", "ok", "expires %s (%s)", ago(c.Expiry, now), c.Expiry.Format(time.RFC3339))
		}
		switch {
		case c.NotBefore.IsZero():
			add("nbf", "info", "absent")
		case now.Add(leeway).Before(c.NotBefore):
			add("nbf", "fail", "not valid yet: becomes valid %s (%s, leeway %v)", ago(c.NotBefore, now), c.NotBefore.Format(time.RFC3339), leeway)
		default:
			add("nbf", "ok", "valid since %s", ago(c.NotBefore, now))
		}
		switch {
		case c.IssuedAt.IsZero():
			add("iat", "info", "absent")
		case now.Add(leeway).Before(c.IssuedAt):
			add("iat", "fail", "issued in the future: %s (%s, leeway %v)", ago(c.IssuedAt, now), c.IssuedAt.Format(time.RFC3339), leeway)
		default:
			add("iat", "ok", "issued %s", ago(c.IssuedAt, now))
		}
		if len(scopes) > 0 {
			var missing []string
			for _, s := range scopes {
				if !slices.Contains(c.Scopes, s) {
					missing = append(missing, s)
				}
			}
			v := "ok"
			if len(missing) > 0 {
				v = "fail"
			}
			add("scopes", v, "required: %s; present: %s", strings.Join(scopes, " "), orNone(printable(strings.Join(c.Scopes, " "))))
		}
	}
	return rep
}

// printable returns s, token data, safe for a terminal: control and
// non-printable characters escaped (no escape sequence from a token reaches
// the screen), at most 256 bytes.
func printable(s string) string {
	s = trunc(s)
	for _, r := range s {
		if !unicode.IsPrint(r) {
			q := strconv.Quote(s)
			return q[1 : len(q)-1]
		}
	}
	return s
}

// trunc bounds a token-supplied string to 256 bytes.
func trunc(s string) string {
	if len(s) > 256 {
		return strings.ToValidUTF8(s[:256], "") + "…"
	}
	return s
}

func truncAll(ss []string) []string {
	out := make([]string, 0, min(len(ss), 8))
	for i, s := range ss {
		if i == 8 {
			out = append(out, "…")
			break
		}
		out = append(out, trunc(s))
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// keyWhy explains a key not found: the kid is unknown, or published but
// skipped by the key cache (use=enc, too small, …), or its alg differs.
func keyWhy(ctx context.Context, iss jwksauth.Issuer, kid, detail string) string {
	opts := jwks.CacheOptions{Issuer: iss.URL}
	if iss.JWKSURL != "" {
		opts = jwks.CacheOptions{URL: iss.JWKSURL}
	}
	ins, _ := jwks.Inspect(ctx, opts)
	if ins == nil {
		return detail
	}
	for _, k := range ins.Keys {
		if k.KID != kid || kid == "" {
			continue
		}
		if !k.Usable {
			return fmt.Sprintf("kid %s is published but skipped by the key cache: %s", kid, k.Skipped)
		}
		return fmt.Sprintf("kid %s is published for %s, not for the token's alg (%s)", kid, k.Algorithms, detail)
	}
	if kid != "" {
		return fmt.Sprintf("kid %s unknown: the issuer publishes no such key (%s)", kid, detail)
	}
	return detail
}

func printReport(w io.Writer, rep *checkReport) {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	for _, s := range rep.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, strings.ToUpper(s.Verdict), s.Detail)
	}
	tw.Flush()
	if rep.Pass {
		fmt.Fprintln(bw, "\nPASS: the token is accepted (HTTP 200)")
	} else {
		fmt.Fprintf(bw, "\nFAIL at %s: %s\n", rep.Step, rep.Error)
		fmt.Fprintf(bw, "HTTP answer: %d", rep.Answer.Status)
		if rep.Answer.WWWAuthenticate != "" {
			fmt.Fprintf(bw, "\nWWW-Authenticate: %s", rep.Answer.WWWAuthenticate)
		}
		if rep.Answer.RetryAfter > 0 {
			fmt.Fprintf(bw, "\nRetry-After: %d", rep.Answer.RetryAfter)
		}
		fmt.Fprintln(bw)
	}
	bw.Flush()
}
