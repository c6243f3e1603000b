package jwkstest_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
)

// kitHash returns the hash of a JWS algorithm.
func kitHashOf(alg jws.Algorithm) crypto.Hash {
	switch alg {
	case jws.RS384, jws.PS384, jws.ES384, jws.HS384:
		return crypto.SHA384
	case jws.RS512, jws.PS512, jws.ES512, jws.HS512:
		return crypto.SHA512
	default:
		return crypto.SHA256
	}
}

// kitVerify checks a JWS signature with the standard library, independently
// of the kit's signing code: ECDSA signatures must be raw r||s.
func kitVerify(pub crypto.PublicKey, alg jws.Algorithm, input, sig []byte) error {
	if k, ok := pub.(ed25519.PublicKey); ok {
		if alg != jws.EdDSA && alg != jws.Ed25519 {
			return fmt.Errorf("alg %s with an Ed25519 key", alg)
		}
		if !ed25519.Verify(k, input, sig) {
			return errors.New("ed25519: bad signature")
		}
		return nil
	}
	h := kitHashOf(alg).New()
	h.Write(input)
	digest := h.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch alg {
		case jws.RS256, jws.RS384, jws.RS512:
			return rsa.VerifyPKCS1v15(k, kitHashOf(alg), digest, sig)
		case jws.PS256, jws.PS384, jws.PS512:
			return rsa.VerifyPSS(k, kitHashOf(alg), digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return fmt.Errorf("ecdsa: signature of %d bytes, want %d", len(sig), 2*size)
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest, r, s) {
			return errors.New("ecdsa: bad signature")
		}
		return nil
	}
	return fmt.Errorf("alg %s with a %T key", alg, pub)
}

// kitToken is a compact JWS taken apart, leniently, so that non-canonical
// tokens can be inspected too.
type kitToken struct {
	segs    []string
	header  []byte
	payload []byte
	sig     []byte
	input   []byte // the signing input, as sent
}

func kitLenientDecode(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	return base64.RawURLEncoding.DecodeString(s) // not Strict: trailing bits allowed
}

func kitSplit(t *testing.T, tok string) kitToken {
	t.Helper()
	segs := strings.Split(tok, ".")
	if len(segs) != 3 {
		t.Fatalf("token has %d parts: %q", len(segs), tok)
	}
	var p kitToken
	p.segs = segs
	var err error
	if p.header, err = kitLenientDecode(segs[0]); err != nil {
		t.Fatalf("header: %v", err)
	}
	if p.payload, err = kitLenientDecode(segs[1]); err != nil {
		t.Fatalf("payload: %v", err)
	}
	if p.sig, err = kitLenientDecode(segs[2]); err != nil {
		t.Fatalf("signature: %v", err)
	}
	p.input = []byte(segs[0] + "." + segs[1])
	return p
}

// kitMap decodes a JSON object (the last duplicate wins).
func kitMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, b)
	}
	return m
}

// kitNames returns the member names of a JSON object in order, duplicates
// included.
func kitNames(t *testing.T, b []byte) []string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	var names []string
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", b)
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// kitGet does one request with a client of its own, so that no connection
// is reused across tests, and returns the response with its body read.
func kitGet(t *testing.T, url string, header http.Header) (*http.Response, []byte, error) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res, body, err
}

// kitMustGet is kitGet for a request that must succeed with status 200.
func kitMustGet(t *testing.T, url string) []byte {
	t.Helper()
	res, body, err := kitGet(t, url, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	return body
}

// kitNoGoroutines waits until no goroutine runs code of this package's
// servers. Goroutine exit has no event to wait on, so this polls, with a
// deadline; Close has already waited for every handler and connection, so
// it is a matter of goroutines unwinding their last frames.
func kitNoGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var found []string
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "jwkstest.(*Issuer)") || strings.Contains(g, "jwkstest.(*kitEndpoint)") ||
				strings.Contains(g, "jwkstest.kitNewEndpoint") {
				found = append(found, g)
			}
		}
		if len(found) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the kit still running:\n%s", len(found), strings.Join(found, "\n\n"))
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling: goroutine exit has no event
	}
}
