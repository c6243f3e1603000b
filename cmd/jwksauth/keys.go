package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/jwksauth/jwksauth/core/jwks/rotate"
	"github.com/jwksauth/jwksauth/core/jws"
)

// scheduleFlags are the rotation schedule's flags, shared by the keys
// subcommands.
type scheduleFlags struct {
	dir      string
	interval time.Duration
	sched    rotate.Schedule
	alg      string
}

func (s *scheduleFlags) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&s.dir, "dir", "", "key directory (created 0700; must not be accessible to group or others) (required)")
	f.DurationVar(&s.sched.RotationPeriod, "rotation-period", rotate.DefaultRotationPeriod, "how long each key signs")
	f.DurationVar(&s.sched.PrePublish, "pre-publish", rotate.DefaultPrePublish, "how long a key is published before it signs (≥ verifiers' max cache TTL)")
	f.DurationVar(&s.sched.MaxTokenLifetime, "max-token-lifetime", rotate.DefaultMaxTokenLifetime, "longest token lifetime signed with these keys")
	f.DurationVar(&s.sched.Leeway, "leeway", rotate.DefaultLeeway, "verifiers' clock skew, added to a retired key's publication")
	f.DurationVar(&s.sched.MaxAge, "max-age", rotate.DefaultMaxAge, "Cache-Control max-age of the published set (≤ pre-publish)")
	f.StringVar(&s.alg, "alg", "ES256", "algorithm of generated keys: RS256, ES256 or EdDSA")
	f.IntVar(&s.sched.RSABits, "rsa-bits", 2048, "RSA modulus size (≥ 2048)")
}

// manager opens the key directory with a manual manager (no background
// loop unless serving).
func (s *scheduleFlags) manager(ctx context.Context, manual bool) (*rotate.Manager, error) {
	if s.dir == "" {
		return nil, errors.New("--dir is required")
	}
	alg := jws.ParseAlgorithm(s.alg)
	switch alg {
	case jws.RS256, jws.ES256, jws.EdDSA:
	default:
		return nil, fmt.Errorf("--alg %q: want RS256, ES256 or EdDSA", s.alg)
	}
	s.sched.Algorithm = alg
	store, err := rotate.NewFileStore(s.dir)
	if err != nil {
		return nil, err
	}
	return rotate.New(ctx, rotate.Config{Store: store, Schedule: s.sched, Manual: manual, CheckInterval: s.interval})
}

func newKeys() *cobra.Command {
	sf := &scheduleFlags{}
	keys := &cobra.Command{
		Use:   "keys",
		Short: "Generate, rotate, list and publish the signing keys of a key directory",
		Long: `keys manages a key directory for a token issuer: each key is published
(next) at least --pre-publish before it signs (active), stops signing when the
next key activates (retiring) and stays published until every token it signed
has expired (last use + --max-token-lifetime + --leeway), then is withdrawn and
its private key erased (retired). Every command applies the schedule first, so
a directory with no key gets an active key and a next key.`,
	}
	sf.register(keys)

	generate := &cobra.Command{
		Use:   "generate",
		Short: "Generate a key (RS256 ≥ 2048 bits, ES256, EdDSA) and add it as the next key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sf.dir != "" {
				if st, err := rotate.NewFileStore(sf.dir); err == nil {
					if set, err := st.Load(cmd.Context()); err == nil && set.Version == 0 {
						// A new directory: the schedule's first step
						// generates the active and the next key.
						m, err := sf.manager(cmd.Context(), true)
						if err != nil {
							return err
						}
						defer m.Close()
						return printKeys(cmd, m, "generated the active and the next key")
					}
				}
			}
			m, err := sf.manager(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer m.Close()
			sc := m.Schedule()
			rec, err := rotate.GenerateRecord(jws.ParseAlgorithm(sf.alg), sc.RSABits, time.Now())
			if err != nil {
				return err
			}
			if err := m.Add(cmd.Context(), rec); err != nil {
				return err
			}
			return printKeys(cmd, m, "generated "+rec.ID)
		},
	}
	var force bool
	rotateCmd := &cobra.Command{
		Use:   "rotate",
		Short: "Activate the next key now and publish a new next key",
		Long: `rotate activates the next key now, if it has been published for at least
--pre-publish, and publishes a new next key. --force activates it anyway (for a
compromised active key): verifiers that lack it fetch it on the first token
with its kid.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := sf.manager(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer m.Close()
			if err := m.Rotate(cmd.Context(), force); err != nil {
				if errors.Is(err, rotate.ErrTooEarly) {
					return failed(err)
				}
				return err
			}
			k, _ := m.SigningKey()
			return printKeys(cmd, m, "rotated: "+k.ID+" is active")
		},
	}
	rotateCmd.Flags().BoolVar(&force, "force", false, "activate the next key even if verifiers may not have it yet")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the keys with their state (next, active, retiring, retired) and dates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := sf.manager(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer m.Close()
			return printKeys(cmd, m, "")
		},
	}
	var addr string
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Publish the public key set over HTTP and rotate on schedule",
		Long: `serve publishes the public keys of the directory (next, active, retiring)
as a JWKS document at every path, with ETag and Cache-Control max-age set to
--max-age, and rotates the keys on schedule while it runs. Replicas serving the
same directory agree: changes are written with compare-and-swap. It prints the
URL it listens on, then runs until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			m, err := sf.manager(ctx, false)
			if err != nil {
				return err
			}
			defer m.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, MaxHeaderBytes: 16 << 10}
			fmt.Fprintf(cmd.OutOrStdout(), "serving %d keys at http://%s/\n", len(m.Handler().KeyIDs()), ln.Addr())
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case <-ctx.Done():
			case err := <-errc:
				return err
			}
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		},
	}
	serve.Flags().StringVar(&addr, "addr", "127.0.0.1:8081", "address to listen on")
	serve.Flags().DurationVar(&sf.interval, "check-interval", rotate.DefaultCheckInterval, "longest time before the server adopts a change made by another replica or command")
	withdraw := &cobra.Command{
		Use:   "withdraw KID",
		Short: "Withdraw a retiring or next key now (a leaked key), before its schedule",
		Long: `withdraw removes a retiring key from the published set at once and erases its
private key (a next key is deleted). Every token it signed is rejected from
then on, honest ones too, as soon as verifiers refresh. The active key cannot be
withdrawn: run "keys rotate --force" first.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := sf.manager(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer m.Close()
			if err := m.Withdraw(cmd.Context(), args[0]); err != nil {
				if errors.Is(err, rotate.ErrActiveKey) || errors.Is(err, rotate.ErrUnknownKey) {
					return failed(err)
				}
				return err
			}
			return printKeys(cmd, m, "withdrew "+args[0])
		},
	}
	keys.AddCommand(generate, rotateCmd, list, serve, withdraw)
	return keys
}

func printKeys(cmd *cobra.Command, m *rotate.Manager, headline string) error {
	sts := m.Keys()
	if jsonOut(cmd) {
		return writeJSON(cmd.OutOrStdout(), struct {
			Keys []rotate.KeyStatus `json:"keys"`
		}{sts})
	}
	w := cmd.OutOrStdout()
	if headline != "" {
		fmt.Fprintln(w, headline)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tSIGNS FROM\tSIGNS UNTIL\tPUBLISHED UNTIL")
	day := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	}
	for _, s := range sts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Algorithm, s.State, day(s.Created), day(s.ActivateAt), day(s.LastUse), day(s.RemoveAt))
	}
	return tw.Flush()
}
