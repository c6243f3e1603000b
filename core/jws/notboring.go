//go:build !goexperiment.boringcrypto

package jws

// boringCrypto is true in a GOEXPERIMENT=boringcrypto build: crypto/rsa then
// verifies with BoringSSL, and the RSA fast path stays off so that it does.
const boringCrypto = false
