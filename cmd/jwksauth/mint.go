package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func newMint() *cobra.Command {
	sf := &scheduleFlags{}
	var (
		dev                  bool
		issuer, subject, typ string
		audiences, scopes    []string
		lifetime, notBefore  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "mint --dev --dir DIR --issuer URL --audience AUD [--scope S]...",
		Short: "Sign a test token with the active key of a key directory (development only)",
		Long: `mint signs a token with the active key of a key directory, for QA and local
development. It refuses to run without --dev: a token minted by hand bypasses
the identity provider's controls. The token is printed on standard output and
nothing else is.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !dev {
				return errors.New("mint signs tokens outside the identity provider: pass --dev to confirm this is for development or testing")
			}
			if issuer == "" || len(audiences) == 0 {
				return errors.New("--issuer and --audience are required")
			}
			m, err := sf.manager(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer m.Close()
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
