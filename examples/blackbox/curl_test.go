package blackbox

import "testing"

func TestParseCurlCommands(t *testing.T) {
	out := `Development issuer at http://127.0.0.1:1234
# expect 200: your profile
curl -i http://127.0.0.1:8080/api/profile -H 'Authorization: Bearer a.b.c'

# expect 201: create a report
curl -i -X POST 'http://127.0.0.1:8080/api/reports' -H 'Authorization: Bearer d.e.f' -H 'Content-Type: application/json' -d '{"title":"Q3 revenue"}'
# expect 401: no token
curl -si http://127.0.0.1:8080/api/profile
listening on http://127.0.0.1:8080
`
	cmds, err := ParseCurlCommands(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 3 {
		t.Fatalf("got %d commands, want 3: %+v", len(cmds), cmds)
	}
	want := []struct {
		status      int
		method, url string
		auth, body  string
		contentType string
		comment     string
	}{
		{200, "GET", "http://127.0.0.1:8080/api/profile", "Bearer a.b.c", "", "", "your profile"},
		{201, "POST", "http://127.0.0.1:8080/api/reports", "Bearer d.e.f", `{"title":"Q3 revenue"}`, "application/json", "create a report"},
		{401, "GET", "http://127.0.0.1:8080/api/profile", "", "", "", "no token"},
	}
	for i, w := range want {
		c := cmds[i]
		if c.Want != w.status || c.Method != w.method || c.URL != w.url || c.Header.Get("Authorization") != w.auth ||
			c.Body != w.body || c.Header.Get("Content-Type") != w.contentType || c.Comment != w.comment {
			t.Errorf("command %d = %+v, want %+v", i, c, w)
		}
		req, err := c.Request()
		if err != nil || req.Method != w.method || req.URL.String() != w.url {
			t.Errorf("command %d: Request() = %v, %v", i, req, err)
		}
	}
}

func TestParseCurlCommandsErrors(t *testing.T) {
	for _, out := range []string{
		"# expect 200: x\n",
		"# expect 200: x\nwget http://x/\n",
		"# expect 200: x\ncurl -i 'http://x/\n",
		"# expect 200: x\ncurl -v http://x/\n",
		"# expect 200: x\ncurl -H \"A: b\" http://x/\n",
		"# expect 200: x\ncurl -i\n",
		"# expect 200: x\ncurl http://a/ http://b/\n",
		"# expect 200: x\ncurl http://a/ -H\n",
	} {
		if cmds, err := ParseCurlCommands(out); err == nil {
			t.Errorf("ParseCurlCommands(%q) = %+v, want an error", out, cmds)
		}
	}
}
