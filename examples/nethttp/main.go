// Command nethttp is an API protected by jwksauth with the standard
// library's net/http: a template to copy.
//
//	ISSUER_URL=https://idp.example.com/realms/demo AUDIENCE=reports-api go run .
//	DEV_ISSUER=1 go run -tags dev .    # a development issuer and ready-to-paste curl commands
//
// Settings come from the environment; see settings.go (or run the app
// without any for the list).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwkshttp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// metricsUsage is the setting this app adds to settings.go's.
const metricsUsage = `  METRICS_ADDR  listen address of /metrics (Prometheus) and /readyz (key health), e.g. 127.0.0.1:9090 (default: not served)`

// run is the whole app: it returns when ctx ends (SIGINT, SIGTERM) or the
// server fails, with the process's exit status.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	s, err := loadSettings(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n\n%s\n%s\n", err, usage, metricsUsage)
		return exitUsage
	}
	// METRICS_ADDR is this app's own setting (settings.go is the same in
	// every example app).
	metricsAddr := getenv("METRICS_ADDR")
	if metricsAddr != "" {
		if _, _, err := net.SplitHostPort(metricsAddr); err != nil {
			fmt.Fprintf(stderr, "%v: METRICS_ADDR=%q: %v\n\n%s\n%s\n", errSettings, metricsAddr, err, usage, metricsUsage)
			return exitUsage
		}
	}
	var dev *devIssuer
	if s.Dev {
		if dev, err = startDevIssuer(&s); err != nil {
			logger.Error("starting the development issuer", "err", err)
			return exitError
		}
		defer dev.Close()
		logger.Warn("DEV_ISSUER is set: accepting tokens from a development issuer; never do this in production", "issuer", dev.URL())
	}

	// Metrics: the OpenTelemetry SDK with the Prometheus exporter, on a
	// registry of its own, when METRICS_ADDR is set.
	var mp metric.MeterProvider = metricnoop.NewMeterProvider()
	var registry *prometheus.Registry
	if metricsAddr != "" {
		registry = prometheus.NewRegistry()
		exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
		if err != nil {
			logger.Error("creating the Prometheus exporter", "err", err)
			return exitError
		}
		sdk := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
		defer func() { _ = sdk.Shutdown(context.Background()) }()
		mp = sdk
	}

	auth, release, err := newAuthenticator(ctx, s, logger, mp)
	if err != nil {
		fmt.Fprintf(stderr, "invalid settings: %v\n", err)
		if errors.Is(err, jwksauth.ErrConfig) {
			return exitUsage
		}
		return exitError
	}
	defer release()
	defer auth.Close()

	handler, err := newHandler(auth, s)
	if err != nil {
		fmt.Fprintf(stderr, "invalid settings: %v\n", err)
		return exitUsage
	}

	// Fetch the signing keys now, so that the first requests do not wait.
	// An identity provider that is down is no reason not to start: the
	// keys keep being fetched in the background, and requests are answered
	// 503 with Retry-After until they arrive.
	readyCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := auth.Ready(readyCtx); err != nil {
		logger.Warn("signing keys not loaded yet; requests get 503 until they are", "err", err)
	}
	cancel()

	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		logger.Error("listening", "addr", s.Addr, "err", err)
		return exitError
	}
	base := "http://" + ln.Addr().String()
	if dev != nil {
		if err := printDevCommands(stdout, base, dev, s); err != nil {
			logger.Error("minting development tokens", "err", err)
			return exitError
		}
	}

	if registry != nil {
		stopMetrics, err := serveMetrics(metricsAddr, registry, auth, stdout, logger)
		if err != nil {
			logger.Error("listening", "addr", metricsAddr, "err", err)
			return exitError
		}
		defer stopMetrics()
	}

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10, // tokens reach 16 KiB (Config.MaxTokenSize); the default is 1 MiB
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on %s\n", base)

	select {
	case err := <-served:
		logger.Error("serving", "err", err)
		return exitError
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Error("shutting down", "err", err)
		return exitError
	}
	return exitOK
}

// newAuthenticator builds the Authenticator: one jwksauth.Issuer per
// ISSUER_URL, each accepting the same audiences and token type; everything
// else is the library's defaults. A configuration the library refuses
// wraps jwksauth.ErrConfig.
func newAuthenticator(ctx context.Context, s settings, logger *slog.Logger, mp metric.MeterProvider) (*jwksauth.Authenticator, func(), error) {
	cfg, release, err := s.authConfig(ctx, logger)
	if err != nil {
		return nil, nil, err
	}
	cfg.MeterProvider = mp
	a, err := jwksauth.New(cfg)
	if err != nil {
		release()
		return nil, nil, err
	}
	return a, release, nil
}

// newHandler builds the API: CORS outermost (a preflight never needs a
// token, and a 401 or 403 to an allowed origin still carries CORS headers),
// then authentication on every path but /healthz, then the routes, each
// with the scope it requires.
func newHandler(auth *jwksauth.Authenticator, s settings) (http.Handler, error) {
	policy := s.CORS
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /api/profile", profile)
	mux.Handle("GET /api/reports", jwkshttp.Require(jwksauth.Scopes("reports:read"))(http.HandlerFunc(listReports)))
	mux.Handle("POST /api/reports", jwkshttp.Require(jwksauth.Scopes("reports:write"))(http.HandlerFunc(createReport)))
	mux.Handle("GET /api/admin", jwkshttp.Require(s.adminRequirements()...)(http.HandlerFunc(admin)))

	withCORS, err := jwkshttp.CORS(policy) // a zero policy (no CORS_ORIGINS) adds nothing
	if err != nil {
		return nil, err
	}
	return withCORS(jwkshttp.Middleware(auth, jwkshttp.WithExclusions("/healthz"))(mux)), nil
}

// serveMetrics serves /metrics (the registry, in the Prometheus text
// format) and /readyz (the issuers' key health as JSON, 503 until every
// issuer has keys) on addr, a port of its own that is not exposed to API
// clients. stop shuts the server down.
func serveMetrics(addr string, registry *prometheus.Registry, auth *jwksauth.Authenticator, stdout io.Writer, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	mux.Handle("GET /readyz", auth.HealthHandler(jwksauth.ReadyWhenAll))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", ln.Addr())
	return func() { _ = srv.Close() }, nil
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// profile shows the verified claims of the caller's token.
func profile(w http.ResponseWriter, r *http.Request) {
	c, _ := jwkshttp.Claims(r) // always there behind the middleware
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sub":        c.Subject,
		"iss":        c.Issuer,
		"aud":        c.Audience,
		"scopes":     scopes,
		"expires_at": c.Expiry.Format(time.RFC3339),
	})
}

type report struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Owner string `json:"owner"`
}

func listReports(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"reports": []report{
		{ID: "r-1", Title: "Q1 revenue", Owner: "finance"},
		{ID: "r-2", Title: "Q2 revenue", Owner: "finance"},
	}})
}

func createReport(w http.ResponseWriter, r *http.Request) {
	c, _ := jwksauth.ClaimsFromContext(r.Context()) // the same claims, from the context
	var in struct {
		Title string `json:"title"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil || in.Title == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"title": "…"}`})
		return
	}
	rep := report{ID: "r-3", Title: in.Title, Owner: c.Subject}
	w.Header().Set("Location", "/api/reports/"+rep.ID)
	writeJSON(w, http.StatusCreated, rep)
}

func admin(w http.ResponseWriter, r *http.Request) {
	c, _ := jwkshttp.Claims(r)
	writeJSON(w, http.StatusOK, map[string]any{"admin": true, "sub": c.Subject})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
