package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	jwtware "github.com/gofiber/contrib/jwt"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksecho"
	"github.com/jwksauth/jwksauth/adapters/jwksfiber"
	"github.com/jwksauth/jwksauth/adapters/jwksgin"
	"github.com/jwksauth/jwksauth/adapters/jwkshttp"
)

// The frameworks of the adapters.
const (
	NetHTTP = "nethttp"
	Gin     = "gin"
	Echo    = "echo"
	Fiber   = "fiber"
)

// Frameworks lists the frameworks with a jwksauth adapter.
var Frameworks = []string{NetHTTP, Gin, Echo, Fiber}

// Route is the path every app serves, protected or not.
const Route = "/api/orders"

// AppOptions configure an App.
type AppOptions struct {
	// TokenCache turns jwksauth's verified-token cache on.
	TokenCache bool
	// Refresh, when set, makes every library refresh the key set this often
	// (jwksauth: the TTL clamped to it, refresh-ahead a quarter of it, no
	// jitter, UnknownKIDCooldown and RetryMin of half of it). Zero: each
	// library's defaults.
	Refresh time.Duration
}

// App is one framework serving Route, unprotected or behind one library's
// middleware.
type App struct {
	// Framework is one of Frameworks.
	Framework string
	// Auth is the protection: NameUnprotected, NameJWKSAuth,
	// NameJWKSAuthHit, NameKeyfunc (net/http), NameAuth0 (net/http),
	// NameGinKeyfunc, NameEchoJWT or NameFiberJWT.
	Auth string
	// Handler serves the app (net/http, Gin, Echo); nil for Fiber.
	Handler http.Handler
	// Fiber is the Fiber app; nil for the others.
	Fiber *fiber.App
	close []func()
}

// Close releases the app's authenticator or peer key cache and stops its
// server, if one was started.
func (a *App) Close() {
	for _, f := range a.close {
		f()
	}
}

// Serve serves the app on ln (real TCP, keep-alive) until Close.
func (a *App) Serve(ln net.Listener) {
	if a.Fiber != nil {
		go func() { _ = a.Fiber.Listener(ln) }()
		a.close = append(a.close, func() { _ = a.Fiber.ShutdownWithTimeout(5 * time.Second) })
		return
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() { _ = srv.Serve(ln) }()
	a.close = append(a.close, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

// Auths returns the protections an App of framework can have beside
// NameUnprotected and jwksauth: the framework's own JWT middleware.
func Auths(framework string) []string {
	switch framework {
	case NetHTTP:
		return []string{NameKeyfunc, NameAuth0}
	case Gin:
		return []string{NameGinKeyfunc}
	case Echo:
		return []string{NameEchoJWT}
	case Fiber:
		return []string{NameFiberJWT}
	}
	return nil
}

var okBody = []byte(`{"orders":[]}`)

// errAuth is what the hand-written keyfunc middlewares answer on failure.
var errAuth = errors.New(errPrefixVerifys + "unauthorized")

// NewApp builds framework serving Route behind auth.
func (e *Env) NewApp(ctx context.Context, framework, auth string, o AppOptions) (*App, error) {
	app := &App{Framework: framework, Auth: auth}
	var (
		a   *jwksauth.Authenticator
		kf  jwt.Keyfunc
		p   *jwt.Parser
		err error
	)
	po := PeerOptions{Refresh: o.Refresh}
	switch auth {
	case NameUnprotected:
	case NameJWKSAuth, NameJWKSAuthHit:
		a, err = e.NewAuthenticator(ctx, auth == NameJWKSAuthHit || o.TokenCache, func(is *jwksauth.Issuer) {
			if r := o.Refresh; r > 0 {
				is.Cache.MinTTL, is.Cache.MaxTTL, is.Cache.DefaultTTL = r, r, r
				is.Cache.RefreshAhead, is.Cache.Jitter = r/4, -1
				is.Cache.UnknownKIDCooldown, is.Cache.RetryMin = r/2, r/2
			}
		})
		if err != nil {
			return nil, err
		}
		app.close = append(app.close, func() { _ = a.Close() })
	case NameKeyfunc, NameGinKeyfunc, NameEchoJWT, NameFiberJWT:
		kctx, cancel := context.WithCancel(ctx)
		app.close = append(app.close, cancel)
		k, parser, err := e.NewKeyfunc(kctx, po)
		if err != nil {
			cancel()
			return nil, err
		}
		kf, p = k.Keyfunc, parser
	case NameAuth0:
	default:
		return nil, fmt.Errorf("%sunknown protection %q", errPrefixVerifys, auth)
	}

	switch framework {
	case NetHTTP:
		var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(okBody)
		})
		switch auth {
		case NameJWKSAuth, NameJWKSAuthHit:
			h = jwkshttp.Authenticate(a)(h)
		case NameKeyfunc:
			h = keyfuncHTTP(kf, p, h)
		case NameAuth0:
			mw, err := e.Auth0Middleware(po)
			if err != nil {
				return nil, err
			}
			h = mw.CheckJWT(h)
		case NameUnprotected:
		default:
			return nil, fmt.Errorf("%s%s on %s", errPrefixVerifys, auth, framework)
		}
		mux := http.NewServeMux()
		mux.Handle("GET "+Route, h)
		app.Handler = mux
	case Gin:
		gin.SetMode(gin.ReleaseMode)
		r := gin.New()
		var mws []gin.HandlerFunc
		switch auth {
		case NameJWKSAuth, NameJWKSAuthHit:
			mws = append(mws, jwksgin.Authenticate(a))
		case NameGinKeyfunc:
			mws = append(mws, keyfuncGin(kf, p))
		case NameUnprotected:
		default:
			return nil, fmt.Errorf("%s%s on %s", errPrefixVerifys, auth, framework)
		}
		r.GET(Route, append(mws, func(c *gin.Context) { c.Data(http.StatusOK, "application/json", okBody) })...)
		app.Handler = r
	case Echo:
		ec := echo.New()
		ec.HideBanner, ec.HidePort = true, true
		var mws []echo.MiddlewareFunc
		switch auth {
		case NameJWKSAuth, NameJWKSAuthHit:
			mws = append(mws, jwksecho.Authenticate(a))
		case NameEchoJWT:
			mws = append(mws, echojwt.WithConfig(echojwt.Config{
				ParseTokenFunc: func(_ echo.Context, tok string) (any, error) {
					t, err := p.Parse(tok, kf)
					if err != nil {
						return nil, err
					}
					return t, nil
				},
			}))
		case NameUnprotected:
		default:
			return nil, fmt.Errorf("%s%s on %s", errPrefixVerifys, auth, framework)
		}
		ec.GET(Route, func(c echo.Context) error { return c.Blob(http.StatusOK, "application/json", okBody) }, mws...)
		app.Handler = ec
	case Fiber:
		fa := fiber.New(fiber.Config{ReadBufferSize: 16 << 10, DisableStartupMessage: true})
		var mws []fiber.Handler
		switch auth {
		case NameJWKSAuth, NameJWKSAuthHit:
			mws = append(mws, jwksfiber.Authenticate(a))
		case NameFiberJWT:
			// contrib/jwt has no iss/aud options: its KeyFunc sees the
			// parsed claims first, so the checks go there, and golang-jwt
			// checks exp.
			mws = append(mws, jwtware.New(jwtware.Config{KeyFunc: checkedKeyfunc(e, kf)}))
		case NameUnprotected:
		default:
			return nil, fmt.Errorf("%s%s on %s", errPrefixVerifys, auth, framework)
		}
		fa.Get(Route, append(mws, func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Send(okBody)
		})...)
		app.Fiber = fa
	default:
		return nil, fmt.Errorf("%sunknown framework %q", errPrefixVerifys, framework)
	}
	return app, nil
}

// bearer returns the token of an Authorization header value, or "".
func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return h[7:]
	}
	return ""
}

type claimsKey struct{}

// keyfuncHTTP is the usual hand-written net/http middleware over keyfunc and
// golang-jwt.
func keyfuncHTTP(kf jwt.Keyfunc, p *jwt.Parser, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := p.Parse(bearer(r.Header.Get("Authorization")), kf)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, t.Claims)))
	})
}

// keyfuncGin is the usual hand-written Gin middleware over keyfunc and
// golang-jwt.
func keyfuncGin(kf jwt.Keyfunc, p *jwt.Parser) gin.HandlerFunc {
	return func(c *gin.Context) {
		t, err := p.Parse(bearer(c.GetHeader("Authorization")), kf)
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "invalid_token"})
			return
		}
		c.Set("claims", t.Claims)
		c.Next()
	}
}

// checkedKeyfunc wraps kf with the checks Fiber's contrib/jwt cannot be
// configured to do: the algorithm, iss, aud and a required exp.
func checkedKeyfunc(e *Env, kf jwt.Keyfunc) jwt.Keyfunc {
	alg, iss := e.Alg.String(), e.URL()
	return func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != alg {
			return nil, errAuth
		}
		c := t.Claims
		if i, _ := c.GetIssuer(); i != iss {
			return nil, errAuth
		}
		if aud, _ := c.GetAudience(); !containsString(aud, Audience) {
			return nil, errAuth
		}
		if exp, _ := c.GetExpirationTime(); exp == nil {
			return nil, errAuth
		}
		return kf(t)
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
