package jwksredis_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/store"
	"github.com/jwksauth/jwksauth/stores/jwksredis"
	"github.com/redis/go-redis/v9"
)

// redisServer is a real redis-server (Debian's package) on a loopback
// port, without persistence, that a test can stop and start again.
type redisServer struct {
	t    testing.TB
	port int
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisServer { return startRedisB(t) }

func startRedisB(t testing.TB) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not installed: run scripts/deps.sh (it installs Debian's redis-server), or apt-get install redis-server")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &redisServer{t: t, port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no", "--loglevel", "warning")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	c := r.client()
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *redisServer) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

func (r *redisServer) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), MaxRetries: -1,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
}

// replica is one service replica's store.
func (r *redisServer) replica(t *testing.T, mutate func(*jwksredis.Options)) *jwksredis.Store {
	t.Helper()
	c := r.client()
	o := jwksredis.Options{Client: c, SyncInterval: 50 * time.Millisecond, MaxStale: 400 * time.Millisecond}
	if mutate != nil {
		mutate(&o)
	}
	s, err := jwksredis.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(); _ = c.Close() })
	return s
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReplayAcrossReplicas(t *testing.T) {
	r := startRedis(t)
	a, b := r.replica(t, nil), r.replica(t, nil)
	ctx := context.Background()
	exp := time.Now().Add(time.Minute)
	if fresh, err := a.Use(ctx, "proof-1", exp); !fresh || err != nil {
		t.Fatalf("first use on A: %v %v", fresh, err)
	}
	if fresh, err := b.Use(ctx, "proof-1", exp); fresh || err != nil {
		t.Fatalf("replayed on B: %v %v", fresh, err)
	}
	if fresh, err := a.Use(ctx, "proof-1", exp); fresh || err != nil {
		t.Fatalf("replayed on A: %v %v", fresh, err)
	}
	// Expiry: a key whose window ended is fresh again.
	if fresh, _ := a.Use(ctx, "short", time.Now().Add(300*time.Millisecond)); !fresh {
		t.Fatal("first use of short")
	}
	eventually(t, "short expires", func() bool { fresh, _ := b.Use(ctx, "short", time.Now().Add(time.Minute)); return fresh })
}

func TestRevocationAcrossReplicas(t *testing.T) {
	r := startRedis(t)
	a, b := r.replica(t, nil), r.replica(t, nil)
	ctx := context.Background()
	const iss = "https://idp.example.com"
	stolen := store.Token{Issuer: iss, Subject: "alice", ID: "jti-1", IssuedAt: time.Now().Add(-time.Minute)}
	if got, err := b.Revoked(ctx, stolen); got || err != nil {
		t.Fatalf("before: %v %v", got, err)
	}
	if err := a.Revoke(ctx, store.Entry{Issuer: iss, ID: "jti-1", Until: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Revoked(ctx, stolen); !got {
		t.Fatal("A does not see its own revocation at once")
	}
	eventually(t, "B sees A's revocation", func() bool { got, _ := b.Revoked(ctx, stolen); return got })
	// A subject: tokens issued before the revocation only.
	if err := b.Revoke(ctx, store.Entry{Issuer: iss, Subject: "mallory", Until: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	old := store.Token{Issuer: iss, Subject: "mallory", ID: "x", IssuedAt: time.Now().Add(-time.Minute)}
	eventually(t, "A sees the subject's revocation", func() bool { got, _ := a.Revoked(ctx, old); return got })
	if got, _ := a.Revoked(ctx, store.Token{Issuer: iss, Subject: "mallory", ID: "y", IssuedAt: time.Now().Add(time.Minute)}); got {
		t.Fatal("a token issued after the subject's revocation is revoked")
	}
	// A replica started later reads the list at once.
	c := r.replica(t, nil)
	if got, err := c.Revoked(ctx, stolen); !got || err != nil {
		t.Fatalf("new replica: %v %v", got, err)
	}
}

func TestRedisDown(t *testing.T) {
	r := startRedis(t)
	closed := r.replica(t, nil)
	open := r.replica(t, func(o *jwksredis.Options) { o.Policy = store.FailOpen })
	ctx := context.Background()
	const iss = "https://idp.example.com"
	if err := closed.Revoke(ctx, store.Entry{Issuer: iss, ID: "gone", Until: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	revoked := store.Token{Issuer: iss, ID: "gone"}
	fine := store.Token{Issuer: iss, ID: "fine"}
	eventually(t, "the open replica sees the revocation", func() bool { got, _ := open.Revoked(ctx, revoked); return got })

	r.stop()
	// Replay fails closed at once: never a silent accept.
	if _, err := closed.Use(ctx, "p", time.Now().Add(time.Minute)); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Use with Redis down: %v, want ErrUnavailable", err)
	}
	// Revocation answers from the copy while it is fresh enough…
	if got, err := closed.Revoked(ctx, revoked); !got || err != nil {
		t.Fatalf("revoked token with Redis just down: %v %v", got, err)
	}
	// …then as the policy says.
	eventually(t, "fail closed once stale", func() bool { _, err := closed.Revoked(ctx, fine); return errors.Is(err, store.ErrUnavailable) })
	if got, err := open.Revoked(ctx, fine); got || err != nil {
		t.Fatalf("fail open: %v %v", got, err)
	}
	if got, _ := open.Revoked(ctx, revoked); !got {
		t.Fatal("fail open forgot a known revocation")
	}
	// Redis back, without its data: the replicas write their entries back.
	r.start()
	eventually(t, "recovery", func() bool { got, err := closed.Revoked(ctx, revoked); return got && err == nil })
	if fresh, err := closed.Use(ctx, "p", time.Now().Add(time.Minute)); !fresh || err != nil {
		t.Fatalf("Use after recovery: %v %v", fresh, err)
	}
	late := r.replica(t, nil)
	eventually(t, "a new replica sees the written-back revocation", func() bool { got, err := late.Revoked(ctx, revoked); return got && err == nil })
}

func TestNewValidates(t *testing.T) {
	if _, err := jwksredis.New(context.Background(), jwksredis.Options{}); err == nil {
		t.Fatal("New without a client")
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	if _, err := jwksredis.New(context.Background(), jwksredis.Options{Client: c, MaxStale: -1}); err == nil {
		t.Fatal("negative MaxStale")
	}
	// Redis unreachable at start: New succeeds, checks fail closed.
	s, err := jwksredis.New(context.Background(), jwksredis.Options{Client: c, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Revoked(context.Background(), store.Token{Issuer: "i", ID: "x"}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("never synced: %v", err)
	}
}
