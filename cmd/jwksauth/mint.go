package main

import (
	"errors"
	"fmt"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

func newMint() *cobra.Command {
	sf := &scheduleFlags{}
	var (
		dev, kit             bool
		issuer, subject, typ string
		audiences, scopes    []string
		lifetime, notBefore  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "mint --dev (--dir DIR --issuer URL | --kit) --audience AUD [--scope S]...",
		Short: "Sign a test token from a key directory or the test kit's issuer (development only)",
		Long: `mint signs a token with the active key of a key directory, for QA and local
development. It refuses to run without --dev: a token minted by hand bypasses
the identity provider's controls. The token is printed on standard output and
nothing else is.

With --kit, mint starts the test kit's OIDC issuer (discovery and JWKS on a
loopback port), prints the token on standard output and "issuer URL" on
standard error, and serves until interrupted, so that the token can be
checked: jwksauth check --issuer URL --audience AUD TOKEN.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !dev {
				return errors.New("mint signs tokens outside the identity provider: pass --dev to confirm this is for development or testing")
			}
			if len(audiences) == 0 {
				return errors.New("--audience is required")
			}
			if kit {
				if issuer != "" {
					return errors.New("--issuer cannot be set with --kit: the kit's issuer URL is the iss")
				}
				if sf.dir != "" {
					return errors.New("--dir and --kit exclude each other")
				}
			} else if issuer == "" {
				return errors.New("--issuer is required (or --kit)")
			}
			now := time.Now()
			claims := map[string]any{
				"iss": issuer,
				"sub": subject,
				"iat": now.Unix(),
				"exp": now.Add(lifetime).Unix(),
			}
			if len(audiences) == 1 {
				claims["aud"] = audiences[0]
			} else {
				claims["aud"] = audiences
			}
			if notBefore != 0 {
				claims["nbf"] = now.Add(notBefore).Unix()
			}
			if len(scopes) > 0 {
				claims["scope"] = strings.Join(scopes, " ")
			}
			if kit {
				return mintKit(cmd, claims, typ, sf.alg)
			}
			m, err := sf.manager(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer m.Close()
			tok, err := m.Sign(claims, typ)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
	sf.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&kit, "kit", false, "start the test kit's in-process OIDC issuer on loopback, sign with its key, and serve it until interrupted")
	f.BoolVar(&dev, "dev", false, "confirm that the token is for development or testing (required)")
	f.StringVar(&issuer, "issuer", "", "iss claim (required)")
	f.StringSliceVar(&audiences, "audience", nil, "aud claim (repeatable; required)")
	f.StringVar(&subject, "subject", "dev-user", "sub claim")
	f.StringSliceVar(&scopes, "scope", nil, "scope (repeatable)")
	f.StringVar(&typ, "type", "at+jwt", "typ header")
	f.DurationVar(&lifetime, "lifetime", 15*time.Minute, "exp - iat (at most --max-token-lifetime); negative for an expired token")
	f.DurationVar(&notBefore, "not-before", 0, "nbf relative to now (e.g. 10m for a token not valid yet)")
	return cmd
}

// mintKit starts the kit's issuer, mints the token, prints it and serves
// until interrupted.
func mintKit(cmd *cobra.Command, claims map[string]any, typ, algName string) error {
	alg := jws.ParseAlgorithm(algName)
	switch alg {
	case jws.RS256, jws.ES256, jws.EdDSA:
	default:
		return fmt.Errorf("--alg %q: want RS256, ES256 or EdDSA", algName)
	}
	iss, err := jwkstest.Start(jwkstest.WithAlgorithms(alg))
	if err != nil {
		return err
	}
	defer iss.Close()
	claims["iss"] = iss.URL()
	tok, err := iss.Mint(claims, jwkstest.WithType(typ))
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), tok)
	fmt.Fprintf(cmd.ErrOrStderr(), "issuer %s (serving until interrupted)\n", iss.URL())
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
