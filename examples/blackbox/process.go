package blackbox

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// envChild, set to "1" in a process that [Self] starts, makes [Main] run
// the app instead of the tests.
const envChild = "JWKSAUTH_BLACKBOX_APP"

// Timeouts of the suite, in real time. They are generous bounds, not
// expectations: an app that works reaches each point in milliseconds.
const (
	// StartTimeout bounds the wait for the listening line.
	StartTimeout = 20 * time.Second
	// ExitTimeout bounds the wait for an exit: after a signal, or of an
	// app that must refuse to start.
	ExitTimeout = 20 * time.Second
)

// Main is an example's TestMain: in a process started by [Self] it runs
// app (the example's main function) and exits with status 0 if app returns;
// otherwise it runs the tests.
func Main(m *testing.M, app func()) {
	if os.Getenv(envChild) == "1" {
		_ = os.Unsetenv(envChild)
		app()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Starter starts one run of an app with exactly the environment env (plus
// PATH and the variables the Go runtime reads, such as GORACE). The
// process is killed, if still running, when the test ends.
type Starter func(t *testing.T, env map[string]string) *Process

// Self returns a Starter that runs the current test binary as the app; the
// test binary's TestMain must call [Main].
func Self() Starter {
	return func(t *testing.T, env map[string]string) *Process {
		t.Helper()
		exe, err := os.Executable()
		if err != nil {
			t.Fatalf("blackbox: finding the test binary: %v", err)
		}
		e := make(map[string]string, len(env)+1)
		for k, v := range env {
			e[k] = v
		}
		e[envChild] = "1"
		return start(t, exe, nil, e)
	}
}

// Command returns a Starter that runs the binary at path with args, for an
// app built separately (`go build -o app . && APP=./app go test`).
func Command(path string, args ...string) Starter {
	return func(t *testing.T, env map[string]string) *Process {
		t.Helper()
		return start(t, path, args, env)
	}
}

// passThrough are the variables of the test's environment handed to the
// app: what finding programs and the Go runtime need, never a setting of
// the contract.
var passThrough = []string{"PATH", "SYSTEMROOT", "TMPDIR", "GORACE", "GOCOVERDIR", "GODEBUG"}

func start(t *testing.T, path string, args []string, env map[string]string) *Process {
	t.Helper()
	cmd := exec.Command(path, args...)
	for _, k := range passThrough {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &Process{
		t:         t,
		cmd:       cmd,
		listening: make(chan string, 1),
		done:      make(chan struct{}),
	}
	p.stdout.onLine = func(line string) {
		if m := listeningLine.FindStringSubmatch(line); m != nil {
			select {
			case p.listening <- m[1]:
			default:
			}
		}
	}
	cmd.Stdout = &p.stdout
	cmd.Stderr = &p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("blackbox: starting %s: %v", path, err)
	}
	go func() {
		defer close(p.done)
		err := cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			p.waitErr = err
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// listeningLine is the line an app prints once it accepts connections.
var listeningLine = regexp.MustCompile(`listening on (http://\S+)`)

// Process is one run of an app.
type Process struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr output
	listening      chan string
	url            string

	done    chan struct{} // closed when the process has exited
	code    int           // exit status; -1 when killed by a signal
	waitErr error
}

// URL waits for the listening line and returns the base URL it names
// ("http://127.0.0.1:PORT"). It fails the test if the app exits first or
// does not print the line within [StartTimeout].
func (p *Process) URL() string {
	p.t.Helper()
	if p.url != "" {
		return p.url
	}
	timer := time.NewTimer(StartTimeout)
	defer timer.Stop()
	select {
	case p.url = <-p.listening:
		return p.url
	case <-p.done:
		p.t.Fatalf("the app exited with status %d before listening\nstdout:\n%s\nstderr:\n%s", p.code, p.Stdout(), p.Stderr())
	case <-timer.C:
		p.t.Fatalf("the app printed no listening line within %v\nstdout:\n%s\nstderr:\n%s", StartTimeout, p.Stdout(), p.Stderr())
	}
	return ""
}

// Wait waits for the app to exit by itself and returns its exit status. It
// fails the test if that takes longer than [ExitTimeout].
func (p *Process) Wait() int {
	p.t.Helper()
	timer := time.NewTimer(ExitTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.t.Fatalf("the app did not exit within %v\nstdout:\n%s\nstderr:\n%s", ExitTimeout, p.Stdout(), p.Stderr())
	}
	if p.waitErr != nil {
		p.t.Fatalf("waiting for the app: %v", p.waitErr)
	}
	return p.code
}

// Signal sends sig to the app and waits for it to exit; it returns the exit
// status.
func (p *Process) Signal(sig os.Signal) int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("signalling the app: %v", err)
	}
	return p.Wait()
}

// Stop sends SIGTERM and returns the exit status.
func (p *Process) Stop() int {
	p.t.Helper()
	return p.Signal(syscall.SIGTERM)
}

// Stdout returns what the app wrote on its standard output so far.
func (p *Process) Stdout() string { return p.stdout.String() }

// Stderr returns what the app wrote on its standard error so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// output collects a stream of the app and reports each complete line.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	onLine  func(string)
}

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(b)
	if o.onLine == nil {
		return len(b), nil
	}
	o.partial = append(o.partial, b...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			break
		}
		o.onLine(strings.TrimRight(string(o.partial[:i]), "\r"))
		o.partial = o.partial[i+1:]
	}
	return len(b), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
