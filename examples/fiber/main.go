// Command fiber is an API protected by jwksauth with Fiber v2: a template
// to copy.
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

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksfiber"
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

	app, err := newApp(auth, s)
	if err != nil {
		fmt.Fprintf(stderr, "invalid settings: %v\n", err)
		return exitUsage
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	fmt.Fprintf(stdout, "listening on %s\n", base)

	select {
	case err := <-served:
		logger.Error("serving", "err", err)
		return exitError
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	if err := app.ShutdownWithTimeout(10 * time.Second); err != nil {
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

// newApp builds the API: CORS first (a preflight never needs a token, and
// a 401 or 403 to an allowed origin still carries CORS headers), then
// authentication on every path but /healthz, then the routes, each with the
// scope it requires. Fiber runs handlers in registration order, so app.Use
// comes before the routes; it runs for requests no route matches too.
func newApp(auth *jwksauth.Authenticator, s settings) (*fiber.App, error) {
	policy := s.CORS
	withCORS, err := jwksfiber.CORS(policy) // a zero policy (no CORS_ORIGINS) does nothing
	if err != nil {
		return nil, err
	}
	app := fiber.New(fiber.Config{
		// Fiber's default 4 KiB read buffer answers 431 to requests whose
		// headers exceed it: a large access token (Entra ID with many
		// groups) does. 16 KiB matches jwksauth's default MaxTokenSize.
		ReadBufferSize:        16 << 10,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		DisableStartupMessage: true,
	})
	app.Use(recover.New(), withCORS, jwksfiber.Middleware(auth, jwksfiber.WithExclusions("/healthz")))

	app.Get("/healthz", healthz)
	api := app.Group("/api")
	api.Get("/profile", profile)
	api.Get("/reports", jwksfiber.Require(jwksauth.Scopes("reports:read")), listReports)
	api.Post("/reports", jwksfiber.Require(jwksauth.Scopes("reports:write")), createReport)
	api.Get("/admin", jwksfiber.Require(s.adminRequirements()...), admin)
	return app, nil
}

func healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// profile shows the verified claims of the caller's token.
func profile(c *fiber.Ctx) error {
	claims, _ := jwksfiber.Claims(c) // always there behind the middleware
	scopes := claims.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return c.JSON(fiber.Map{
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

func listReports(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"reports": []report{
		{ID: "r-1", Title: "Q1 revenue", Owner: "finance"},
		{ID: "r-2", Title: "Q2 revenue", Owner: "finance"},
	}})
}

func createReport(c *fiber.Ctx) error {
	claims, _ := jwksauth.ClaimsFromContext(c.UserContext()) // the same claims, from the user context
	var in struct {
		Title string `json:"title"`
	}
	if err := c.BodyParser(&in); err != nil || in.Title == "" {
		return c.Status(http.StatusBadRequest).JSON(fiber.Map{"error": `send {"title": "…"}`})
	}
	rep := report{ID: "r-3", Title: in.Title, Owner: claims.Subject}
	c.Location("/api/reports/" + rep.ID)
	return c.Status(http.StatusCreated).JSON(rep)
}

func admin(c *fiber.Ctx) error {
	claims, _ := jwksfiber.Claims(c)
	return c.JSON(fiber.Map{"admin": true, "sub": claims.Subject})
}
