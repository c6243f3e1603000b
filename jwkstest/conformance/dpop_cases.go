package conformance

import (
	"time"

	"github.com/jwksauth/jwksauth/jwkstest"
)

// dpopCases are the cases of DPoP (RFC 9449): issuer D requires
// DPoP-bound tokens, and each case breaks one check of §4.3 (or the
// binding of §7), so that an adapter that does not hand the core the DPoP
// header, the method or the URL fails here. Tokens and proofs are made
// just before each request, when the application's URL is known.
func (s *suite) dpopCases() []*tcase {
	bad := func(code string) expect {
		return expect{status: 401, code: code, challenge: errorChallenge, errorAttr: code, dpopScheme: true}
	}
	binding := expect{status: 401, code: "token_binding_invalid", challenge: errorChallenge, errorAttr: "invalid_token", dpopScheme: true}
	okD := ok("profile", subDPoP)

	// proof mutates a valid proof for GET /api/profile.
	type variant struct {
		name, why string
		scheme    string // Authorization scheme; default DPoP
		unbound   bool   // a token without cnf.jkt
		noProof   bool
		twice     bool // two DPoP headers
		path      string
		proof     func(*jwkstest.DPoPProof)
		otherKey  bool // the proof signed by another key than cnf.jkt names
		want      expect
	}
	variants := []variant{
		{name: "dpop/valid", want: okD},
		{name: "dpop/query-ignored", why: "htu ignores the query (RFC 9449 §4.3)", path: "/api/profile?x=1", want: okD},
		{name: "dpop/bearer-scheme", why: "a DPoP-bound token sent as a bearer token is refused", scheme: "Bearer", want: binding},
		{name: "dpop/unbound-token", why: "issuer D requires DPoP-bound tokens", scheme: "Bearer", unbound: true, noProof: true, want: binding},
		{name: "dpop/no-proof", why: "§4.3 (1): one DPoP header", noProof: true, want: bad("invalid_dpop_proof")},
		{name: "dpop/two-proofs", why: "§4.3 (1): exactly one DPoP header", twice: true, want: bad("invalid_dpop_proof")},
		{name: "dpop/typ", why: "§4.3 (4): typ dpop+jwt", proof: func(p *jwkstest.DPoPProof) { p.Typ = "JWT" }, want: bad("invalid_dpop_proof")},
		{name: "dpop/alg", why: "§4.3 (5): an accepted asymmetric alg", proof: func(p *jwkstest.DPoPProof) { p.Header = map[string]any{"alg": "none"} }, want: bad("invalid_dpop_proof")},
		{name: "dpop/signature", why: "§4.3 (6): the signature verifies with jwk", proof: func(p *jwkstest.DPoPProof) { p.BadSignature = true }, want: bad("invalid_dpop_proof")},
		{name: "dpop/private-jwk", why: "§4.3 (7): no private key in jwk", proof: func(p *jwkstest.DPoPProof) { p.PrivateJWK = true }, want: bad("invalid_dpop_proof")},
		{name: "dpop/htm", why: "§4.3 (8): htm is the request's method", proof: func(p *jwkstest.DPoPProof) { p.Method = "POST" }, want: bad("invalid_dpop_proof")},
		{name: "dpop/htu", why: "§4.3 (9): htu is the request's URL", proof: func(p *jwkstest.DPoPProof) { p.URL += "/other" }, want: bad("invalid_dpop_proof")},
		{name: "dpop/iat", why: "§4.3 (11): iat within the window", proof: func(p *jwkstest.DPoPProof) { p.IssuedAt = time.Now().Add(-time.Hour) }, want: bad("invalid_dpop_proof")},
		{name: "dpop/ath", why: "§4.3 (12): ath is the token's hash", proof: func(p *jwkstest.DPoPProof) { p.AccessToken += "x" }, want: bad("invalid_dpop_proof")},
		{name: "dpop/jkt", why: "§4.3 (12): the proof's key is the one cnf.jkt names", otherKey: true, want: binding},
		{name: "dpop/missing-jti", why: "§4.3 (3): jti is required", proof: func(p *jwkstest.DPoPProof) { p.Claims = map[string]any{"jti": nil} }, want: bad("invalid_dpop_proof")},
	}
	var cases []*tcase
	for _, v := range variants {
		c := &tcase{name: v.name, why: v.why, want: v.want}
		v := v
		c.before = func() func(*failures) {
			path := v.path
			if path == "" {
				path = "/api/profile"
			}
			c.req = request{path: path}
			claims := map[string]any{"sub": subDPoP, "cnf": map[string]any{"jkt": s.holder.Thumbprint()}}
			if v.unbound {
				delete(claims, "cnf")
			}
			tok, err := s.d.Mint(claims)
			if err != nil {
				return func(f *failures) { f.add("minting: %v", err) }
			}
			scheme := v.scheme
			if scheme == "" {
				scheme = "DPoP"
			}
			c.req.auth = []string{scheme + " " + tok}
			if v.noProof {
				return nil
			}
			p := jwkstest.DPoPProof{Method: "GET", URL: "http://" + s.host + "/api/profile", AccessToken: tok}
			if v.proof != nil {
				v.proof(&p)
			}
			key := s.holder
			if v.otherKey {
				if key, err = jwkstest.NewKey(s.holder.Algorithm()); err != nil {
					return func(f *failures) { f.add("DPoP key: %v", err) }
				}
			}
			proof, err := key.DPoP(p)
			if err != nil {
				return func(f *failures) { f.add("DPoP proof: %v", err) }
			}
			c.req.dpop = []string{proof}
			if v.twice {
				c.req.dpop = append(c.req.dpop, proof)
			}
			return nil
		}
		cases = append(cases, c)
	}
	// A proof used once is refused the second time (§11.1): the same
	// token and proof, twice.
	var replayed request
	first := &tcase{name: "dpop/replay-first", want: okD}
	first.before = func() func(*failures) {
		tok, err := s.d.Mint(map[string]any{"sub": subDPoP, "cnf": map[string]any{"jkt": s.holder.Thumbprint()}})
		if err != nil {
			return func(f *failures) { f.add("minting: %v", err) }
		}
		proof, err := s.holder.DPoP(jwkstest.DPoPProof{Method: "GET", URL: "http://" + s.host + "/api/profile", AccessToken: tok})
		if err != nil {
			return func(f *failures) { f.add("DPoP proof: %v", err) }
		}
		replayed = request{path: "/api/profile", auth: []string{"DPoP " + tok}, dpop: []string{proof}}
		first.req = replayed
		return nil
	}
	second := &tcase{name: "dpop/replay", why: "§11.1: a proof's jti is used once", want: bad("invalid_dpop_proof")}
	second.before = func() func(*failures) { second.req = replayed; return nil }
	return append(cases, first, second)
}
