// Package blackbox is the contract every example app under examples/ keeps,
// written as one test suite that runs each app as a separate process and
// talks to it only through its environment, its output, HTTP and signals.
//
// The contract (see examples/README.md):
//
//   - Settings come from the environment: ISSUER_URL (one issuer URL or
//     several separated by commas), AUDIENCE (one or several, comma-separated),
//     ADDR (default 127.0.0.1:8080), CORS_ORIGINS (comma-separated allowed
//     origins), CORS_CREDENTIALS (1: those origins may send credentials),
//     TOKEN_TYPE (an optional required typ header) and DEV_ISSUER.
//     An invalid setting is a message on stderr and exit status 2.
//   - The app prints "listening on http://HOST:PORT" on stdout once it
//     accepts connections, so that ADDR=127.0.0.1:0 works.
//   - Routes: GET /healthz (no token, 200); GET /api/profile (any valid
//     token, 200 JSON with sub, iss and scopes); GET /api/reports (scope
//     reports:read, 200); POST /api/reports (scope reports:write, 201);
//     GET /api/admin (scope admin, 200). Rejections are the core's answers.
//   - In the development build (-tags dev), DEV_ISSUER=1 without ISSUER_URL
//     starts jwkstest's issuer on loopback and prints, before the
//     listening line, ready-to-paste curl commands, each preceded by a line
//     "# expect STATUS: what it shows". Neither
//     setting, or both, is exit status 2. A build without the tag refuses
//     DEV_ISSUER=1 with exit status 2, naming the development build.
//   - SIGINT or SIGTERM shuts the app down gracefully: exit status 0.
//
// An example's test is two functions:
//
//	func TestMain(m *testing.M) { blackbox.Main(m, main) }
//
//	func TestContract(t *testing.T) { blackbox.Run(t, blackbox.Self(), blackbox.DevBuild(devBuild)) }
//
// [Self] re-executes the test binary, which [Main] turns into the app: a
// real process with its own environment, exit status and signals, built by
// the same `go test` invocation (with -race when the tests have it), so no
// nested `go build` is needed. [Command] runs any other binary instead.
package blackbox
