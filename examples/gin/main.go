// Command gin is an API protected by jwksauth with Gin: a template to copy.
//
//	ISSUER_URL=https://idp.example.com/realms/demo AUDIENCE=reports-api go run .
//	DEV_ISSUER=1 go run -tags dev .    # a development issuer and ready-to-paste curl commands
//
// Settings come from the environment; see settings.go (or run the app
// without any for the list).
package main

import (
	"context"
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

	"github.com/gin-gonic/gin"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksgin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole app: it returns when ctx ends (SIGINT, SIGTERM) or the
// server fails, with the process's exit status.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	s, err := loadSettings(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n\n%s\n", err, usage)
		return exitUsage
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

	auth, release, err := newAuthenticator(ctx, s, logger)
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
func newAuthenticator(ctx context.Context, s settings, logger *slog.Logger) (*jwksauth.Authenticator, func(), error) {
	cfg, release, err := s.authConfig(ctx, logger)
	if err != nil {
		return nil, nil, err
	}
	a, err := jwksauth.New(cfg)
	if err != nil {
		release()
		return nil, nil, err
	}
	return a, release, nil
}

// newHandler builds the API: CORS first (a preflight never needs a token,
// and a 401 or 403 to an allowed origin still carries CORS headers), then
// authentication on every path but /healthz, then the routes, each with the
// scope it requires. Both are installed on the engine, so that requests no
// route matches see them too.
func newHandler(auth *jwksauth.Authenticator, s settings) (http.Handler, error) {
	policy := s.CORS
	withCORS, err := jwksgin.CORS(policy) // a zero policy (no CORS_ORIGINS) does nothing
	if err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), withCORS, jwksgin.Middleware(auth, jwksgin.WithExclusions("/healthz")))

	r.GET("/healthz", healthz)
	api := r.Group("/api")
	api.GET("/profile", profile)
	api.GET("/reports", jwksgin.Require(jwksauth.Scopes("reports:read")), listReports)
	api.POST("/reports", jwksgin.Require(jwksauth.Scopes("reports:write")), createReport)
	api.GET("/admin", jwksgin.Require(s.adminRequirements()...), admin)
	return r, nil
}

func healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// profile shows the verified claims of the caller's token.
func profile(c *gin.Context) {
	claims, _ := jwksgin.Claims(c) // always there behind the middleware
	scopes := claims.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	c.JSON(http.StatusOK, gin.H{
		"sub":        claims.Subject,
		"iss":        claims.Issuer,
		"aud":        claims.Audience,
		"scopes":     scopes,
		"expires_at": claims.Expiry.Format(time.RFC3339),
	})
}

type report struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Owner string `json:"owner"`
}

func listReports(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"reports": []report{
		{ID: "r-1", Title: "Q1 revenue", Owner: "finance"},
		{ID: "r-2", Title: "Q2 revenue", Owner: "finance"},
	}})
}

func createReport(c *gin.Context) {
	claims, _ := jwksauth.ClaimsFromContext(c.Request.Context()) // the same claims, from the request context
	var in struct {
		Title string `json:"title" binding:"required"`
	}
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": `send {"title": "…"}`})
		return
	}
	rep := report{ID: "r-3", Title: in.Title, Owner: claims.Subject}
	c.Header("Location", "/api/reports/"+rep.ID)
	c.JSON(http.StatusCreated, rep)
}

func admin(c *gin.Context) {
	claims, _ := jwksgin.Claims(c)
	c.JSON(http.StatusOK, gin.H{"admin": true, "sub": claims.Subject})
}
