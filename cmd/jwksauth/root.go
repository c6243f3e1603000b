package main

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
)

func newRoot(stdin io.Reader) *cobra.Command {
	root := &cobra.Command{
		Use:   "jwksauth",
		Short: "Explain tokens, inspect issuers, rotate and publish signing keys",
		Long: `jwksauth explains why a JWT access token passes or fails, using the jwksauth
library's own verification path; shows an issuer's key set and cache decision
as the library sees it; and manages, rotates and publishes the signing keys of
a token issuer.

Exit status: 0 pass, 1 the token or issuer fails, 2 usage error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().Bool("json", false, "print machine-readable JSON instead of text")
	root.AddCommand(newCheck(stdin), newIssuer(), newKeys(), newMint())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return err })
	return root
}

// jsonOut reports whether --json was given.
func jsonOut(cmd *cobra.Command) bool {
	v, _ := cmd.Flags().GetBool("json")
	return v
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
