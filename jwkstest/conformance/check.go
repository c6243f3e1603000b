package conformance

import (
	"bytes"
	"encoding/json"
	"mime"
	"strconv"
	"strings"

	"github.com/jwksauth/jwksauth"
)

// check compares an answer with the case's expectation. With atDefault
// false (a recorded or wrong status) only what no status changes is
// checked: which handler ran, the CORS decision, and that nothing echoes
// the token.
func (s *suite) check(c *tcase, r *response, atDefault bool, f *failures) {
	w := c.want
	h := r.header

	// Which handler ran: the expected one for a 2xx, none otherwise.
	route := h.Values(RouteHeader)
	switch {
	case success(r.status) && w.route != "":
		if len(route) != 1 || route[0] != w.route {
			f.add("%s %q, want %q%s", RouteHeader, route, w.route, c.hint())
		}
	case len(route) > 0:
		what := "a handler ran"
		if protected(route[0]) {
			what = "a PROTECTED handler ran"
		}
		f.add("%s: %s %q answered %d, want no handler to run%s", what, RouteHeader, route, r.status, c.hint())
	}
	if success(r.status) && !success(w.status) {
		f.add("status %d: the request must not succeed%s", r.status, c.hint())
	}

	for _, tok := range c.req.tokens() {
		if bytes.Contains(r.body, []byte(tok)) || strings.Contains(strings.Join(h.Values("WWW-Authenticate"), " "), tok) {
			f.add("the answer echoes the token")
		}
	}

	s.checkCORS(c, r, f)
	if !atDefault {
		return
	}

	// The handler's body, or the core's answer.
	if success(r.status) && w.route != "" {
		var got struct{ Route, Sub *string }
		if err := strictJSON(r.body, &got); err != nil || got.Route == nil || got.Sub == nil {
			f.add("body %q, want %s", truncate(r.body), Body(w.route, w.sub))
		} else if *got.Route != w.route || *got.Sub != w.sub {
			f.add("body %s, want %s (the verified claims must reach the handler)", truncate(r.body), Body(w.route, w.sub))
		}
	}
	if w.code != "" {
		if mt, _, _ := mime.ParseMediaType(h.Get("Content-Type")); mt != jwksauth.ProblemContentType {
			f.add("Content-Type %q, want %s (the core's answer)", h.Get("Content-Type"), jwksauth.ProblemContentType)
		}
		var p struct {
			Code   *string
			Status *int
		}
		if err := strictJSON(r.body, &p); err != nil || p.Code == nil {
			f.add("body %q is not one problem document with a code (%v); want code %q", truncate(r.body), err, w.code)
		} else {
			if *p.Code != w.code {
				f.add("problem code %q, want %q%s", *p.Code, w.code, c.hint())
			}
			if p.Status == nil || *p.Status != r.status {
				f.add("problem status %v, want %d", deref(p.Status), r.status)
			}
		}
	}

	challenges := h.Values("WWW-Authenticate")
	switch w.challenge {
	case noChallenge:
		if len(challenges) > 0 {
			f.add("WWW-Authenticate %q, want none", challenges)
		}
	default:
		// The error's own challenge first: Bearer, or DPoP for DPoP errors
		// (RFC 9449 §7.1). Every 401 with a Bearer challenge also names
		// DPoP, which the suite's issuer D takes, in a second challenge.
		primary := "Bearer"
		if w.dpopScheme {
			primary = "DPoP"
		}
		want := 1
		if w.status == 401 && !w.dpopScheme {
			want = 2
		}
		if len(challenges) != want {
			f.add("WWW-Authenticate %q, want %d challenge(s), %s first", challenges, want, primary)
			break
		}
		if want == 2 {
			scheme, params, err := parseChallenge(challenges[1])
			if err != nil || !strings.EqualFold(scheme, "DPoP") || params["algs"] != DPoPAlgs || params["error"] != "" {
				f.add("WWW-Authenticate %q: the second challenge must be DPoP algs=%q without an error (RFC 9449 §7.1)", challenges[1], DPoPAlgs)
			}
		}
		scheme, params, err := parseChallenge(challenges[0])
		switch {
		case err != nil || !strings.EqualFold(scheme, primary):
			f.add("WWW-Authenticate %q is not a %s challenge (%v)", challenges[0], primary, err)
		case w.dpopScheme && params["algs"] != DPoPAlgs:
			f.add("WWW-Authenticate %q: algs %q, want %q", challenges[0], params["algs"], DPoPAlgs)
		case params["realm"] != Realm:
			f.add("WWW-Authenticate %q: realm %q, want %q", challenges[0], params["realm"], Realm)
		case params["resource_metadata"] != ResourceMetadataURL:
			f.add("WWW-Authenticate %q: resource_metadata %q, want %q (RFC 9728 §5.1: every challenge names the metadata)", challenges[0], params["resource_metadata"], ResourceMetadataURL)
		case w.challenge == realmChallenge:
			if e, ok := params["error"]; ok {
				f.add("WWW-Authenticate %q has error=%q; a request without a token gets none (RFC 6750 §3.1)", challenges[0], e)
			}
		default:
			if params["error"] != w.errorAttr {
				f.add("WWW-Authenticate %q: error %q, want %q", challenges[0], params["error"], w.errorAttr)
			}
			if params["scope"] != w.scope {
				f.add("WWW-Authenticate %q: scope %q, want %q", challenges[0], params["scope"], w.scope)
			}
			if params["acr_values"] != w.acrValues || params["max_age"] != w.maxAge {
				f.add("WWW-Authenticate %q: acr_values %q and max_age %q, want %q and %q (RFC 9470 §3)",
					challenges[0], params["acr_values"], params["max_age"], w.acrValues, w.maxAge)
			}
		}
	}

	retry := h.Values("Retry-After")
	if w.retryAfter {
		if n, err := strconv.Atoi(strings.Join(retry, ",")); err != nil || n < 1 {
			f.add("Retry-After %q, want whole seconds, at least 1", retry)
		}
	} else if len(retry) > 0 {
		f.add("Retry-After %q, want none", retry)
	}
}

// checkCORS checks the CORS headers against the case's mode.
func (s *suite) checkCORS(c *tcase, r *response, f *failures) {
	h := r.header
	acao := nonEmpty(h.Values("Access-Control-Allow-Origin"))
	origin := c.req.origin
	mode := c.want.cors

	if mode == corsNone {
		if len(acao) > 0 {
			if origin == "" {
				f.add("Access-Control-Allow-Origin %q on a request without Origin", acao)
			} else {
				f.add("Access-Control-Allow-Origin %q for origin %q, which the policy does not allow", acao, origin)
			}
		}
		return
	}
	if mode == corsPublic {
		if len(acao) != 1 || acao[0] != "*" {
			f.add("Access-Control-Allow-Origin %q, want \"*\" (a public document)", acao)
		}
		if h.Get("Access-Control-Allow-Credentials") == "true" {
			f.add("Access-Control-Allow-Credentials true on a public document")
		}
		return
	}
	if mode == corsRestricted {
		if len(acao) > 0 && (len(acao) != 1 || acao[0] != origin) {
			f.add("Access-Control-Allow-Origin %q, want none or %q", acao, origin)
		}
		if c.want.forbidHeader != "" && listHas(h.Values("Access-Control-Allow-Headers"), c.want.forbidHeader) {
			f.add("Access-Control-Allow-Headers %q grants %s, which the policy does not list (the request's headers were echoed)",
				h.Values("Access-Control-Allow-Headers"), c.want.forbidHeader)
		}
		if c.want.forbidMethod != "" && listHas(h.Values("Access-Control-Allow-Methods"), c.want.forbidMethod) {
			f.add("Access-Control-Allow-Methods %q grants %s, which the policy does not list",
				h.Values("Access-Control-Allow-Methods"), c.want.forbidMethod)
		}
		if len(h.Values("WWW-Authenticate")) > 0 {
			f.add("a preflight was answered with a challenge: authentication ran before CORS")
		}
		return
	}

	// An allowed origin: corsActual or corsPreflight.
	if len(acao) != 1 || acao[0] != origin {
		f.add("Access-Control-Allow-Origin %q, want exactly %q", h.Values("Access-Control-Allow-Origin"), origin)
	}
	if got := h.Values("Access-Control-Allow-Credentials"); len(got) != 1 || got[0] != "true" {
		f.add("Access-Control-Allow-Credentials %q, want \"true\"", got)
	}
	if !listHas(h.Values("Vary"), "Origin") && !listHas(h.Values("Vary"), "*") {
		f.add("Vary %q, want it to list Origin (the answer depends on the origin)", h.Values("Vary"))
	}
	if mode == corsActual {
		for _, want := range s.policy.ExposedHeaders() {
			if !listHas(h.Values("Access-Control-Expose-Headers"), want) {
				f.add("Access-Control-Expose-Headers %q, want it to list %s", h.Values("Access-Control-Expose-Headers"), want)
			}
		}
		return
	}
	// corsPreflight.
	if !listHas(h.Values("Access-Control-Allow-Methods"), c.req.acrm) {
		f.add("Access-Control-Allow-Methods %q, want it to list %s", h.Values("Access-Control-Allow-Methods"), c.req.acrm)
	}
	for _, want := range splitList([]string{c.req.acrh}) {
		if !listHas(h.Values("Access-Control-Allow-Headers"), want) {
			f.add("Access-Control-Allow-Headers %q, want it to list %s", h.Values("Access-Control-Allow-Headers"), want)
		}
	}
	if got, want := h.Get("Access-Control-Max-Age"), strconv.Itoa(s.policy.MaxAgeSeconds()); got != want {
		f.add("Access-Control-Max-Age %q, want %q", got, want)
	}
	if len(h.Values("WWW-Authenticate")) > 0 {
		f.add("a preflight was answered with a challenge: authentication ran before CORS")
	}
}

// strictJSON decodes exactly one JSON value from b into v: a handler that
// wrote after the middleware's answer leaves trailing data.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) != 0 {
		return errTrailing
	}
	return nil
}

type constError string

func (e constError) Error() string { return string(e) }

const errTrailing = constError("data after the JSON document")

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// nonEmpty drops empty header values: an empty Access-Control-Allow-Origin
// grants nothing, as an absent one.
func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

// splitList splits comma-separated header values into trimmed elements.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for e := range strings.SplitSeq(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

// listHas reports whether the comma-separated header values list name,
// compared case-insensitively (header and method names in CORS lists;
// methods are compared case-sensitively by browsers, but every name here
// is upper-case already).
func listHas(values []string, name string) bool {
	for _, e := range splitList(values) {
		if strings.EqualFold(e, name) {
			return true
		}
	}
	return false
}

// cutScheme splits an Authorization value into its scheme and the rest.
func cutScheme(v string) (scheme, rest string, ok bool) {
	scheme, rest, ok = strings.Cut(strings.TrimSpace(v), " ")
	return scheme, strings.TrimSpace(rest), ok
}

// parseChallenge parses one challenge of a WWW-Authenticate value (RFC
// 9110 §11.6.1): a scheme, then comma-separated name=value parameters,
// values as tokens or quoted strings. Names are lower-cased.
func parseChallenge(v string) (scheme string, params map[string]string, err error) {
	v = strings.TrimSpace(v)
	scheme, rest, _ := strings.Cut(v, " ")
	params = map[string]string{}
	rest = strings.TrimSpace(rest)
	for rest != "" {
		name, after, found := strings.Cut(rest, "=")
		if !found {
			return scheme, params, constError("parameter without '='")
		}
		name = strings.ToLower(strings.TrimSpace(name))
		after = strings.TrimLeft(after, " \t")
		var value string
		if strings.HasPrefix(after, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(after) && after[i] != '"'; i++ {
				if after[i] == '\\' && i+1 < len(after) {
					i++
				}
				b.WriteByte(after[i])
			}
			if i >= len(after) {
				return scheme, params, constError("unterminated quoted string")
			}
			value, rest = b.String(), after[i+1:]
		} else {
			value, rest, _ = strings.Cut(after, ",")
			value = strings.TrimSpace(value)
			rest = "," + rest
		}
		if _, dup := params[name]; dup {
			return scheme, params, constError("parameter " + name + " twice")
		}
		params[name] = value
		rest = strings.TrimLeft(rest, " \t")
		if rest != "" {
			if rest[0] != ',' {
				return scheme, params, constError("parameters not separated by ','")
			}
			rest = strings.TrimLeft(rest[1:], " \t")
		}
	}
	return scheme, params, nil
}
