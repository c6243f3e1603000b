package jwkstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// kitEndpointCase names one of an issuer's two endpoints.
type kitEndpointCase struct {
	name     string
	url      func(*jwkstest.Issuer) string
	other    func(*jwkstest.Issuer) string
	set      func(*jwkstest.Issuer, jwkstest.Fault) error
	get      func(*jwkstest.Issuer) jwkstest.Fault
	requests func(*jwkstest.Issuer) int
	wait     func(*jwkstest.Issuer, int, time.Duration) bool
}

var kitEndpoints = []kitEndpointCase{
	{"jwks", (*jwkstest.Issuer).JWKSURL, (*jwkstest.Issuer).DiscoveryURL, (*jwkstest.Issuer).SetJWKSFault,
		(*jwkstest.Issuer).JWKSFault, (*jwkstest.Issuer).JWKSRequests, (*jwkstest.Issuer).WaitJWKSRequests},
	{"discovery", (*jwkstest.Issuer).DiscoveryURL, (*jwkstest.Issuer).JWKSURL, (*jwkstest.Issuer).SetDiscoveryFault,
		(*jwkstest.Issuer).DiscoveryFault, (*jwkstest.Issuer).DiscoveryRequests, (*jwkstest.Issuer).WaitDiscoveryRequests},
}

func TestFaults(t *testing.T) {
	const oversize = 1 << 20
	const interval = time.Millisecond
	iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA),
		jwkstest.WithOversizeBytes(oversize), jwkstest.WithSlowInterval(interval))

	tests := []struct {
		fault jwkstest.Fault
		// check asserts on the outcome of a GET of the faulty endpoint; normal
		// is the endpoint's normal body.
		check func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, normal []byte, took time.Duration)
	}{
		{jwkstest.FaultNone, func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, normal []byte, _ time.Duration) {
			if err != nil || res.StatusCode != 200 || !bytes.Equal(body, normal) {
				t.Errorf("%v %v %s", res, err, body)
			}
		}},
		{jwkstest.FaultRefuse, func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, _ []byte, _ time.Duration) {
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("err = %v, want connection refused", err)
			}
		}},
		{jwkstest.Fault500, func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, _ []byte, _ time.Duration) {
			if err != nil || res.StatusCode != 500 {
				t.Errorf("%v %v", res, err)
			}
		}},
		{jwkstest.Fault404, func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, _ []byte, _ time.Duration) {
			if err != nil || res.StatusCode != 404 {
				t.Errorf("%v %v", res, err)
			}
		}},
		{jwkstest.FaultGarbage, func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, _ []byte, _ time.Duration) {
			if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || json.Valid(body) || len(body) == 0 {
				t.Errorf("%v %v %q", res, err, body)
			}
		}},
		{jwkstest.FaultOversize, func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, _ []byte, _ time.Duration) {
			if err != nil || res.StatusCode != 200 || len(body) != oversize || res.ContentLength != -1 {
				t.Errorf("%v, %d bytes, Content-Length %d (want %d bytes, none announced)", err, len(body), res.ContentLength, oversize)
			}
			if !bytes.HasPrefix(body, []byte(`{"keys":[],"padding":"xxx`)) || !bytes.HasSuffix(body, []byte(`xx"}`)) {
				t.Errorf("body %.40q…", body)
			}
		}},
		{jwkstest.FaultSlow, func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, normal []byte, took time.Duration) {
			if err != nil || res.StatusCode != 200 || !bytes.Equal(body, normal) {
				t.Fatalf("%v %v %s", res, err, body)
			}
			if min := time.Duration(len(normal)) * interval; took < min {
				t.Errorf("took %v for %d bytes, want at least %v", took, len(normal), min)
			}
		}},
		{jwkstest.FaultEmpty, func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, _ []byte, _ time.Duration) {
			want := map[string]string{"jwks": `{"keys":[]}`, "discovery": `{}`}[ep.name]
			if err != nil || res.StatusCode != 200 || string(body) != want {
				t.Errorf("%v %v %s, want %s", res, err, body, want)
			}
			if ep.name == "jwks" && (res.Header.Get("Etag") == "" || res.Header.Get("Cache-Control") == "") {
				t.Errorf("empty set without ETag or Cache-Control: %v", res.Header)
			}
		}},
		{jwkstest.FaultDrop, func(t *testing.T, ep kitEndpointCase, res *http.Response, body []byte, err error, _ []byte, _ time.Duration) {
			if !errors.Is(err, io.EOF) {
				t.Errorf("err = %v, want EOF", err)
			}
		}},
	}
	for _, ep := range kitEndpoints {
		normal := kitMustGet(t, ep.url(iss))
		otherNormal := kitMustGet(t, ep.other(iss))
		for _, tt := range tests {
			t.Run(ep.name+"/"+tt.fault.String(), func(t *testing.T) {
				iss.ResetCounters()
				if err := ep.set(iss, tt.fault); err != nil {
					t.Fatal(err)
				}
				if ep.get(iss) != tt.fault {
					t.Errorf("fault reads %v", ep.get(iss))
				}
				start := time.Now()
				res, body, err := kitGet(t, ep.url(iss), nil)
				tt.check(t, ep, res, body, err, normal, time.Since(start))
				if want := map[bool]int{true: 0, false: 1}[tt.fault == jwkstest.FaultRefuse]; ep.requests(iss) != want {
					t.Errorf("%d requests counted, want %d", ep.requests(iss), want)
				}
				// The other endpoint is unaffected.
				if got := kitMustGet(t, ep.other(iss)); !bytes.Equal(got, otherNormal) {
					t.Errorf("other endpoint serves %s", got)
				}
				// Switching the fault off restores the endpoint, at the same URL.
				if err := ep.set(iss, jwkstest.FaultNone); err != nil {
					t.Fatal(err)
				}
				if got := kitMustGet(t, ep.url(iss)); !bytes.Equal(got, normal) {
					t.Errorf("after FaultNone: %s", got)
				}
			})
		}
	}
	t.Run("SetFault sets both", func(t *testing.T) {
		if err := iss.SetFault(jwkstest.Fault500); err != nil {
			t.Fatal(err)
		}
		for _, ep := range kitEndpoints {
			if res, _, err := kitGet(t, ep.url(iss), nil); err != nil || res.StatusCode != 500 {
				t.Errorf("%s: %v %v", ep.name, res, err)
			}
		}
		if err := iss.SetFault(jwkstest.FaultNone); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("unknown fault", func(t *testing.T) {
		if err := iss.SetJWKSFault(jwkstest.Fault(99)); !errors.Is(err, jwkstest.ErrUnsupported) {
			t.Errorf("err = %v", err)
		}
		if s := jwkstest.Fault(99).String(); s != "Fault(99)" {
			t.Errorf("String() = %q", s)
		}
	})
}

func TestFaultRefuseCutsOpenConnections(t *testing.T) {
	iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA))
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	get := func() error {
		res, err := client.Get(iss.JWKSURL())
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		return res.Body.Close()
	}
	if err := get(); err != nil { // leaves an idle keep-alive connection
		t.Fatal(err)
	}
	if err := iss.SetJWKSFault(jwkstest.FaultRefuse); err != nil {
		t.Fatal(err)
	}
	if err := get(); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("on a keep-alive client: %v, want connection refused", err)
	}
	if err := iss.SetJWKSFault(jwkstest.FaultNone); err != nil {
		t.Fatal(err)
	}
	if err := get(); err != nil {
		t.Errorf("after the refusal: %v", err)
	}
}

func TestFaultHang(t *testing.T) {
	for _, ep := range kitEndpoints {
		t.Run(ep.name+"/client gives up", func(t *testing.T) {
			iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA))
			if err := ep.set(iss, jwkstest.FaultHang); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ep.url(iss), nil)
			if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want the client's deadline", err)
			}
			if ep.requests(iss) != 1 {
				t.Errorf("%d requests", ep.requests(iss))
			}
		})
		t.Run(ep.name+"/released by FaultNone", func(t *testing.T) {
			iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA))
			normal := kitMustGet(t, ep.url(iss))
			if err := ep.set(iss, jwkstest.FaultHang); err != nil {
				t.Fatal(err)
			}
			got := make(chan []byte, 1)
			go func() {
				_, body, err := kitGet(t, ep.url(iss), nil)
				if err != nil {
					t.Error(err)
				}
				got <- body
			}()
			if !ep.wait(iss, 2, 10*time.Second) {
				t.Fatal("the request never arrived")
			}
			select {
			case <-got:
				t.Fatal("answered while hanging")
			default:
			}
			if err := ep.set(iss, jwkstest.FaultNone); err != nil {
				t.Fatal(err)
			}
			if body := <-got; !bytes.Equal(body, normal) {
				t.Errorf("released request got %s", body)
			}
		})
		t.Run(ep.name+"/released into another fault", func(t *testing.T) {
			iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA))
			if err := ep.set(iss, jwkstest.FaultHang); err != nil {
				t.Fatal(err)
			}
			status := make(chan int, 1)
			go func() {
				res, _, err := kitGet(t, ep.url(iss), nil)
				if err != nil {
					t.Error(err)
					status <- 0
					return
				}
				status <- res.StatusCode
			}()
			if !ep.wait(iss, 1, 10*time.Second) {
				t.Fatal("the request never arrived")
			}
			if err := ep.set(iss, jwkstest.Fault500); err != nil {
				t.Fatal(err)
			}
			if s := <-status; s != 500 {
				t.Errorf("status %d, want 500", s)
			}
		})
	}
}

// TestCloseEndsEverything leaves requests hanging, trickling and streaming
// to a client that stopped reading, then closes the issuer: Close must
// return, every client must see an error, and no goroutine may remain.
func TestCloseEndsEverything(t *testing.T) {
	iss, err := jwkstest.Start(jwkstest.WithAlgorithms(jws.EdDSA), jwkstest.WithSlowInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sibling, err := iss.StartSibling(jwkstest.WithPath("/s"), jwkstest.WithAlgorithms(jws.EdDSA))
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.SetDiscoveryFault(jwkstest.FaultHang); err != nil {
		t.Fatal(err)
	}
	if err := iss.SetJWKSFault(jwkstest.FaultSlow); err != nil {
		t.Fatal(err)
	}
	if err := sibling.SetJWKSFault(jwkstest.FaultOversize); err != nil {
		t.Fatal(err)
	}
	if err := sibling.SetDiscoveryFault(jwkstest.FaultHang); err != nil {
		t.Fatal(err)
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	results := make(chan error, 4)
	closed := make(chan struct{})
	fetch := func(url string, read bool) {
		res, err := client.Get(url)
		if err != nil {
			results <- err
			return
		}
		defer res.Body.Close()
		if !read { // a client that stopped reading: the server's writes block
			buf := make([]byte, 1)
			_, err = res.Body.Read(buf)
			if err == nil {
				<-closed
				_, err = io.ReadAll(res.Body)
			}
			results <- err
			return
		}
		_, err = io.ReadAll(res.Body)
		results <- err
	}
	go fetch(iss.DiscoveryURL(), true)
	go fetch(iss.JWKSURL(), true)
	go fetch(sibling.JWKSURL(), false)
	go fetch(sibling.DiscoveryURL(), true)
	for _, ok := range []bool{
		iss.WaitDiscoveryRequests(1, 10*time.Second), iss.WaitJWKSRequests(1, 10*time.Second),
		sibling.WaitJWKSRequests(1, 10*time.Second), sibling.WaitDiscoveryRequests(1, 10*time.Second),
	} {
		if !ok {
			t.Fatal("a request never arrived")
		}
	}

	go func() {
		iss.Close()
		sibling.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("Close did not return:\n%s", buf[:runtime.Stack(buf, true)])
	}
	for range 4 {
		if err := <-results; err == nil {
			t.Error("a client got a complete answer from a closed issuer")
		}
	}
	kitNoGoroutines(t)
}

func TestFaultOversizeStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 50 MB")
	}
	iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA))
	if err := iss.SetJWKSFault(jwkstest.FaultOversize); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := http.Get(iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	runtime.ReadMemStats(&after)
	if err != nil || n != jwkstest.DefaultOversizeBytes {
		t.Fatalf("read %d bytes (%v), want %d", n, err, jwkstest.DefaultOversizeBytes)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("serving and reading 50 MB allocated %d MB: the body is not streamed", alloc>>20)
	}
	// A client with a size cap stops early; the issuer notices and moves on.
	res, err = http.Get(iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20)); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := iss.SetJWKSFault(jwkstest.FaultNone); err != nil {
		t.Fatal(err)
	}
	if _, err := jwk.Parse(kitMustGet(t, iss.JWKSURL())); err != nil {
		t.Fatal(err)
	}
}

func TestFaultSlowTimesOutClients(t *testing.T) {
	iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA), jwkstest.WithSlowInterval(50*time.Millisecond))
	if err := iss.SetJWKSFault(jwkstest.FaultSlow); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 200 * time.Millisecond}
	res, err := client.Get(iss.JWKSURL())
	if err == nil { // headers come at once; the body times out
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
		t.Errorf("err = %v, want a timeout", err)
	}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
