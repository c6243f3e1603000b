package conformance

import (
	"encoding/json"
	"mime"
	"slices"
)

// resourceScopes are the scopes_supported of the suite's metadata: those
// of the routes' requirements.
func resourceScopes() []string {
	var out []string
	for _, r := range routes {
		for _, req := range r.Requirements() {
			for _, sc := range req.NeededScopes() {
				if !slices.Contains(out, sc) {
					out = append(out, sc)
				}
			}
		}
	}
	return out
}

// resourceCases are the cases of the protected-resource metadata (RFC
// 9728) and of step-up authentication (RFC 9470).
func (s *suite) resourceCases() []*tcase {
	t := s.tok
	metadata := func(r *response, f *failures) {
		if mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type")); mt != "application/json" {
			f.add("Content-Type %q, want application/json", r.header.Get("Content-Type"))
		}
		var doc struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
			ScopesSupported      []string `json:"scopes_supported"`
			BearerMethods        []string `json:"bearer_methods_supported"`
		}
		if err := json.Unmarshal(r.body, &doc); err != nil {
			f.add("metadata %q is not JSON: %v", truncate(r.body), err)
			return
		}
		if doc.Resource != Resource {
			f.add("metadata resource %q, want %q", doc.Resource, Resource)
		}
		if want := []string{s.a.URL(), s.d.URL(), s.b.URL()}; !slices.Equal(doc.AuthorizationServers, want) {
			f.add("metadata authorization_servers %q, want the configured issuers %q", doc.AuthorizationServers, want)
		}
		if want := resourceScopes(); !slices.Equal(doc.ScopesSupported, want) {
			f.add("metadata scopes_supported %q, want %q", doc.ScopesSupported, want)
		}
		if !slices.Equal(doc.BearerMethods, []string{"header"}) {
			f.add("metadata bearer_methods_supported %q, want [header]", doc.BearerMethods)
		}
		if cc := r.header.Get("Cache-Control"); cc == "" || cc == "no-store" {
			f.add("metadata Cache-Control %q, want a public max-age", cc)
		}
	}
	stepUp := expect{status: 401, code: "insufficient_user_authentication", challenge: errorChallenge,
		errorAttr: "insufficient_user_authentication", acrValues: StepUpACR}
	return []*tcase{
		{name: "resource/metadata", why: "the global middleware serves the metadata document without a token (RFC 9728 §3)",
			req: request{path: ResourceMetadataPath}, want: expect{status: 200, cors: corsPublic}, body: metadata},
		{name: "resource/metadata-ignores-credentials", why: "the document is public; a bad token does not hide it",
			req: request{path: ResourceMetadataPath, auth: bearer(t.expired)}, want: expect{status: 200, cors: corsPublic}, body: metadata},
		{name: "step-up/acr-met", req: request{path: "/api/step-up", auth: bearer(t.stepUpStrong)}, want: ok("admin-step-up", subStepUp)},
		{name: "step-up/acr-missing", why: "a weaker authentication is a 401 the client fixes by authenticating again (RFC 9470 §3)",
			req: request{path: "/api/step-up", auth: bearer(t.stepUpWeak)}, want: stepUp},
		{name: "step-up/scope-before-acr", why: "a missing scope is 403 whatever the authentication",
			req: request{path: "/api/step-up", auth: bearer(t.read)}, want: forbidden("admin")},
		{name: "step-up/cors", req: request{path: "/api/step-up", auth: bearer(t.stepUpWeak), origin: AllowedOrigin}, want: withCORS(stepUp)},
	}
}
