// Command mcp is a Model Context Protocol server protected by jwksauth, on
// the official Go MCP SDK: a template to copy. It does what the MCP
// authorization specification asks of a server: it publishes its
// protected-resource metadata (RFC 9728), answers a request without a
// valid token 401 with the metadata's URL, accepts only tokens issued for
// itself (RFC 8707 audience), and answers a tool call whose scope the token
// lacks 403 with the scope that tool needs.
//
//	ISSUER_URL=https://idp.example.com RESOURCE=https://mcp.example.com/mcp go run .
//
// Settings (environment):
//
//	ISSUER_URL  issuer URL(s), comma-separated (required)
//	RESOURCE    the server's canonical URI, e.g. https://mcp.example.com/mcp;
//	            tokens must name it in aud; its path is the MCP endpoint (required)
//	ADDR        listen address (default 127.0.0.1:8080)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksmcp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the server failed while running
	exitUsage = 2 // invalid settings: nothing was started
)

const usage = `Settings (environment variables):
  ISSUER_URL  issuer URL(s), comma-separated (required)
  RESOURCE    the server's canonical URI, e.g. https://mcp.example.com/mcp (required);
              tokens must carry it in aud, and its path is the MCP endpoint
  ADDR        listen address (default 127.0.0.1:8080)`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole server: it returns when ctx ends or the server fails,
// with the process's exit status.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	addr := getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	var issuers []jwksauth.Issuer
	for _, u := range strings.Split(getenv("ISSUER_URL"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			issuers = append(issuers, jwksauth.Issuer{URL: u})
		}
	}
	resource := strings.TrimSpace(getenv("RESOURCE"))
	if len(issuers) == 0 || resource == "" {
		fmt.Fprintf(stderr, "ISSUER_URL and RESOURCE are required\n\n%s\n", usage)
		return exitUsage
	}
	ru, err := url.Parse(resource)
	if err != nil {
		fmt.Fprintf(stderr, "RESOURCE=%q: %v\n", resource, err)
		return exitUsage
	}
	endpoint := ru.EscapedPath()
	if endpoint == "" {
		endpoint = "/"
	}

	auth, err := jwksauth.New(jwksauth.Config{
		Issuers: issuers,
		Logger:  logger,
		// The MCP specification: tokens must have been issued for this
		// server (RFC 8707), and the server publishes its metadata.
		Resource: jwksauth.ResourceConfig{URI: resource, RequireAudience: true, Name: "jwksauth example MCP server"},
	})
	if err != nil {
		fmt.Fprintf(stderr, "invalid settings: %v\n", err)
		if errors.Is(err, jwksauth.ErrConfig) {
			return exitUsage
		}
		return exitError
	}
	defer auth.Close()

	guard := jwksmcp.New(auth, jwksmcp.WithToolRequirements(map[string][]jwksauth.Requirement{
		"list_reports":  {jwksauth.Scopes("reports:read")},
		"create_report": {jwksauth.Scopes("reports:write")},
	}))
	server := newServer()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	guard.MountResourceMetadata(mux)
	mux.Handle(endpoint, guard.Middleware(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)))

	readyCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := auth.Ready(readyCtx); err != nil {
		logger.Warn("signing keys not loaded yet; requests get 503 until they are", "err", err)
	}
	cancel()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		logger.Error("listening", "addr", addr, "err", err)
		return exitError
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s, MCP endpoint %s, metadata %s\n", ln.Addr(), endpoint, guard.ResourceMetadataPath())

	select {
	case err := <-served:
		logger.Error("serving", "err", err)
		return exitError
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Error("shutting down", "err", err)
		return exitError
	}
	return exitOK
}

// report is the example's data.
type report struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Owner string `json:"owner"`
}

type listOut struct {
	Reports []report `json:"reports"`
}

type createIn struct {
	Title string `json:"title" jsonschema:"the report's title"`
}

// newServer builds the MCP server and its tools. The scopes each tool
// needs are checked by the Guard before the SDK sees the call.
func newServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "jwksauth-example", Version: "v1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "list_reports", Description: "Lists the reports (scope reports:read)."},
		func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, listOut, error) {
			return nil, listOut{Reports: []report{{ID: "r-1", Title: "Q1 revenue", Owner: "finance"}}}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "create_report", Description: "Creates a report (scope reports:write)."},
		func(_ context.Context, req *mcp.CallToolRequest, in createIn) (*mcp.CallToolResult, report, error) {
			c, ok := jwksmcp.ClaimsFromTokenInfo(req.Extra.TokenInfo)
			if !ok {
				return nil, report{}, errors.New("no verified claims")
			}
			if in.Title == "" {
				return nil, report{}, errors.New("title is required")
			}
			return nil, report{ID: "r-2", Title: in.Title, Owner: c.Subject}, nil
		})
	return s
}
