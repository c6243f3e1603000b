package otel_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gofiber/fiber/v2"
	"github.com/labstack/echo/v4"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksecho"
	"github.com/jwksauth/jwksauth/adapters/jwksfiber"
	"github.com/jwksauth/jwksauth/adapters/jwksgin"
	"github.com/jwksauth/jwksauth/adapters/jwkshttp"
	"github.com/jwksauth/jwksauth/core/telemetry"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// TestAdapterAnswers: every adapter counts the rejections it answers, by
// adapter and status, over real servers of each framework.
func TestAdapterAnswers(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	idp := jwkstest.NewIssuer(t, jwkstest.WithAudience(audience))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	a, err := jwksauth.New(jwksauth.Config{
		Issuers:       []jwksauth.Issuer{{URL: idp.URL(), Audiences: []string{audience}}},
		MeterProvider: mp,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if err := a.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }

	servers := map[string]string{} // adapter → base URL
	{
		s := httptest.NewServer(jwkshttp.Middleware(a)(http.HandlerFunc(ok)))
		t.Cleanup(s.Close)
		servers["net/http"] = s.URL
	}
	{
		r := gin.New()
		r.Use(jwksgin.Middleware(a))
		r.GET("/me", func(c *gin.Context) { c.String(200, "ok") })
		s := httptest.NewServer(r)
		t.Cleanup(s.Close)
		servers["gin"] = s.URL
	}
	{
		e := echo.New()
		e.Use(jwksecho.Middleware(a))
		e.GET("/me", func(c echo.Context) error { return c.String(200, "ok") })
		s := httptest.NewServer(e)
		t.Cleanup(s.Close)
		servers["echo"] = s.URL
	}
	{
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		app.Use(jwksfiber.Middleware(a))
		app.Get("/me", func(c *fiber.Ctx) error { return c.SendString("ok") })
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = app.Listener(ln) }()
		t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
		servers["fiber"] = "http://" + ln.Addr().String()
	}

	valid := idp.MustMint(nil)
	expired := idp.MustMint(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	client := &http.Client{Timeout: 10 * time.Second}
	for name, base := range servers {
		for _, c := range []struct {
			auth string
			want int
		}{
			{"Bearer " + valid, 200},
			{"", 401},
			{"Bearer " + expired, 401},
			{"Bearer a.b", 401},
			{"twice", 400}, // two Authorization headers: invalid_request
		} {
			req, _ := http.NewRequest(http.MethodGet, base+"/me", nil)
			switch c.auth {
			case "":
			case "twice":
				req.Header.Add("Authorization", "Bearer "+valid)
				req.Header.Add("Authorization", "Bearer "+valid)
			default:
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("%s %q: %d, want %d", name, c.auth, resp.StatusCode, c.want)
			}
		}
	}
	m := (&metrics{t: t, reader: reader}).collect()
	for name := range servers {
		if n := m.sum(telemetry.MetricAnswers, map[string]any{telemetry.AttrAdapter: name, telemetry.AttrStatusCode: int64(401)}); n != 3 {
			t.Errorf("%s: %d answers 401 recorded, want 3", name, n)
		}
		if n := m.sum(telemetry.MetricAnswers, map[string]any{telemetry.AttrAdapter: name, telemetry.AttrStatusCode: int64(400)}); n != 1 {
			t.Errorf("%s: %d answers 400 recorded, want 1", name, n)
		}
		total := m.sum(telemetry.MetricAnswers, map[string]any{telemetry.AttrAdapter: name})
		if total != 4 {
			t.Errorf("%s: %d rejections recorded, want 4", name, total)
		}
	}
}
