package benchmarks

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/jws"
)

// heapInUse returns the live heap after two collections.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkTokenCacheMemory reports the bytes the verified-token cache holds
// per token (B/token) once n distinct tokens of about 850 bytes were
// verified, n = 1,000 and 100,000 (the cache sized to hold them all). The
// tokens are EdDSA, padded to the RS256 token's size, so that 100,000 mint
// in seconds; the cache keeps the token and its claims, not the key's work.
//
//	go test -run '^$' -bench BenchmarkTokenCacheMemory -benchtime 1x .
func BenchmarkTokenCacheMemory(b *testing.B) {
	e := newEnv(b, jws.EdDSA)
	for _, n := range []int{1_000, 100_000} {
		b.Run("tokens="+strconv.Itoa(n), func(b *testing.B) {
			toks := make([]string, n)
			for i := range toks {
				t, err := e.Mint(uint64(i), TokenSize)
				if err != nil {
					b.Fatal(err)
				}
				toks[i] = t
			}
			ctx := context.Background()
			var perToken float64
			b.ReportAllocs()
			for b.Loop() {
				a, err := jwksauth.New(jwksauth.Config{
					Issuers:    []jwksauth.Issuer{{URL: e.URL(), Audiences: []string{Audience}}},
					TokenCache: jwksauth.TokenCacheConfig{Size: n},
				})
				if err != nil {
					b.Fatal(err)
				}
				if err := a.Ready(ctx); err != nil {
					b.Fatal(err)
				}
				before := heapInUse()
				for _, t := range toks {
					if _, err := a.Authenticate(ctx, t); err != nil {
						b.Fatal(err)
					}
				}
				after := heapInUse()
				// Every token must now be a hit: a miss would verify again.
				if _, err := a.Authenticate(ctx, toks[0]); err != nil {
					b.Fatal(err)
				}
				perToken = float64(int64(after)-int64(before)) / float64(n)
				runtime.KeepAlive(a)
				_ = a.Close()
			}
			b.ReportMetric(perToken, "B/token")
		})
	}
}

// BenchmarkAuthenticatorHeap reports the live heap of an Authenticator with
// n remote issuers, n = 1, 100 and 10,000 (each with its key set of one
// RS256 key fetched over loopback HTTP), in total (B/authenticator) and per
// issuer (B/issuer).
//
//	go test -run '^$' -bench BenchmarkAuthenticatorHeap -benchtime 1x .
func BenchmarkAuthenticatorHeap(b *testing.B) {
	e := newEnv(b, jws.RS256)
	ctx := context.Background()
	for _, n := range []int{1, 100, 10_000} {
		b.Run("issuers="+strconv.Itoa(n), func(b *testing.B) {
			issuers := make([]jwksauth.Issuer, n)
			for i := range issuers {
				issuers[i] = jwksauth.Issuer{
					URL:       e.URL() + "/tenant-" + strconv.Itoa(i),
					JWKSURL:   e.JWKSURL(),
					Audiences: []string{Audience},
				}
			}
			tok, err := e.Token()
			if err != nil {
				b.Fatal(err)
			}
			var total float64
			for b.Loop() {
				before := heapInUse()
				// One client for all, as a multi-tenant service shares one:
				// with a client per issuer, 10,000 caches starting at once
				// open 10,000 connections to the one host.
				client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxConnsPerHost: 32, MaxIdleConnsPerHost: 32}}
				a, err := jwksauth.New(jwksauth.Config{Issuers: issuers, HTTPClient: client})
				if err != nil {
					b.Fatal(err)
				}
				if err := a.Ready(ctx); err != nil {
					b.Fatal(err)
				}
				after := heapInUse()
				total = float64(int64(after) - int64(before))
				// The issuer's own tokens name the base URL, which is not
				// configured: the key set is loaded, the routing is strict.
				if _, err := a.Authenticate(ctx, tok); err == nil {
					b.Fatal("token of an unconfigured issuer accepted")
				}
				runtime.KeepAlive(a)
				_ = a.Close()
				client.CloseIdleConnections()
			}
			b.ReportMetric(total, "B/authenticator")
			b.ReportMetric(total/float64(n), "B/issuer")
		})
	}
}
