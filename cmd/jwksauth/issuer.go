package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/jwksauth/jwksauth/core/jwks"
)

func newIssuer() *cobra.Command {
	var jwksURL string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "issuer URL",
		Short: "Show an issuer's keys and the cache decision, as the library sees them",
		Long: `issuer fetches the OIDC discovery document and the key set exactly as the
jwksauth key cache does (same URL rules, limits and parser) and shows each key
(kid, kty, alg, use, size or curve, usable or skipped and why) and the cache
decision: Cache-Control, ETag, the TTL and refresh time the library would use,
and the clamps applied (default cache options).

Exit status: 0 the issuer has usable keys, 1 it has none or cannot be fetched,
2 usage error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := jwks.CacheOptions{Issuer: args[0]}
			if jwksURL != "" {
				opts = jwks.CacheOptions{URL: jwksURL}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			ins, err := jwks.Inspect(ctx, opts)
			if ins == nil {
				return err // configuration: usage
			}
			if jsonOut(cmd) {
				out := struct {
					*jwks.Inspection
					OK    bool   `json:"ok"`
					Error string `json:"error,omitempty"`
				}{Inspection: ins, OK: err == nil}
				if err != nil {
					out.Error = err.Error()
				}
				if e := writeJSON(cmd.OutOrStdout(), out); e != nil {
					return e
				}
				if err != nil {
					return failed(errReported)
				}
				return nil
			}
			w := cmd.OutOrStdout()
			if ins.DiscoveryURL != "" {
				fmt.Fprintf(w, "discovery  %s\n", ins.DiscoveryURL)
			}
			if ins.JWKSURL != "" {
				fmt.Fprintf(w, "jwks_uri   %s\n", ins.JWKSURL)
			}
			if len(ins.Keys) > 0 {
				fmt.Fprintln(w)
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KID\tKTY\tALG\tUSE\tSIZE\tSTATUS")
				for _, k := range ins.Keys {
					status := "usable (" + k.Algorithms + ")"
					if !k.Usable {
						status = "skipped: " + k.Skipped
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", dash(printable(k.KID)), dash(printable(k.Kty)), dash(printable(k.Alg)), dash(printable(k.Use)), dash(printable(k.Size)), printable(status))
				}
				tw.Flush()
				fmt.Fprintln(w)
				fmt.Fprintf(w, "Cache-Control  %s\n", dash(printable(ins.CacheControl)))
				fmt.Fprintf(w, "ETag           %s\n", dash(printable(ins.ETag)))
				clamp := map[string]string{
					"none":        "within [MinTTL, MaxTTL]",
					"min_ttl":     "raised to MinTTL",
					"max_ttl":     "lowered to MaxTTL",
					"default_ttl": "no freshness stated: DefaultTTL",
				}[ins.Clamp]
				if ins.ProviderSaid {
					fmt.Fprintf(w, "TTL            %v (provider said %v, %s)\n", ins.TTL, ins.ProviderTTL, clamp)
				} else {
					fmt.Fprintf(w, "TTL            %v (%s)\n", ins.TTL, clamp)
				}
				fmt.Fprintf(w, "refresh        after %v (up to %v earlier, jitter)\n", ins.RefreshAfter, ins.Jitter)
				fmt.Fprintf(w, "stale for      %v more if refreshes fail\n", ins.MaxStale)
			}
			if err != nil {
				fmt.Fprintf(w, "\nFAIL: %v\n", err)
				return failed(errReported)
			}
			fmt.Fprintln(w, "\nPASS")
			return nil
		},
	}
	cmd.Flags().StringVar(&jwksURL, "jwks-url", "", "fetch this JWKS URL instead of running discovery")
	cmd.Flags().DurationVar(&timeout, "timeout", 15*time.Second, "bound on the whole inspection")
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
