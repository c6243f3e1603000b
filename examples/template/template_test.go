package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTemplates writes a template of every example app into a temporary
// folder outside the repository and checks that it stands alone: with
// GOWORK=off and a read-only go.mod its tests pass (production build, and
// the development build where the app has one), no package it builds or
// tests comes from examples/, and its go.mod requires the jwksauth modules
// at the checkout's version, replaced by the checkout's folders.
func TestTemplates(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the templates: %v", err)
	}
	repo, err := findRepo("")
	if err != nil {
		t.Fatal(err)
	}
	for _, fw := range Frameworks {
		t.Run(fw, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			dir := filepath.Join(t.TempDir(), "my-"+fw)
			res, err := Generate(ctx, Options{Framework: fw, Dir: dir, Module: "example.com/acme/my-" + fw})
			if err != nil {
				t.Fatal(err)
			}
			if res.Module != "example.com/acme/my-"+fw || res.Dir != dir {
				t.Errorf("Generate = %+v", res)
			}
			if !regexp.MustCompile(`^v0\.0\.1-0\.\d{14}-[0-9a-f]{12}$|^v\d+\.\d+\.\d+`).MatchString(res.Version) {
				t.Errorf("version %q is neither a tag nor a pseudo-version of HEAD", res.Version)
			}

			goMod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
			if err != nil {
				t.Fatal(err)
			}
			mod := string(goMod)
			for _, want := range []string{
				"module example.com/acme/my-" + fw + "\n",
				"\t" + coreModule + " " + res.Version + "\n",
				"\t" + coreModule + " => " + repo + "\n",
				"delete the replace directives",
			} {
				if !strings.Contains(mod, want) {
					t.Errorf("go.mod lacks %q:\n%s", want, mod)
				}
			}
			if strings.Contains(mod, "/examples/") || strings.Contains(mod, "../") {
				t.Errorf("go.mod still names a module of examples/ or a relative folder:\n%s", mod)
			}
			if _, err := os.Stat(filepath.Join(dir, "app_test.go")); err != nil && fw != "mcp" {
				t.Errorf("the template has no app_test.go: %v", err)
			}

			// Every package built or tested, with or without -tags dev.
			for _, tags := range []string{"", "dev"} {
				out := run(t, ctx, goBin, dir, "list", "-tags="+tags, "-deps", "-test", "-f", "{{.ImportPath}}", "./...")
				for _, p := range strings.Fields(out) {
					if strings.HasPrefix(p, repoOnly) {
						t.Errorf("the template (tags %q) still imports %s", tags, p)
					}
				}
			}
			files, err := filepath.Glob(filepath.Join(dir, "*.go"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no Go files in the template: %v", err)
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), `"`+repoOnly) {
					t.Errorf("%s imports a package of examples/", filepath.Base(f))
				}
			}

			run(t, ctx, goBin, dir, "build", "./...")
			run(t, ctx, goBin, dir, "test", "-count=1", "./...")
			if _, err := os.Stat(filepath.Join(dir, "dev.go")); err == nil {
				run(t, ctx, goBin, dir, "test", "-tags=dev", "-count=1", "./...")
			}
		})
	}
}

// TestGenerateRefuses checks what Generate will not do: write into a
// folder that has files, or inside the checkout, or copy an unknown app.
func TestGenerateRefuses(t *testing.T) {
	ctx := t.Context()
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo, err := findRepo("")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{
		{Framework: "gin", Dir: full},
		{Framework: "rails", Dir: filepath.Join(t.TempDir(), "x")},
		{Framework: "gin", Dir: filepath.Join(t.TempDir(), "x"), Repo: t.TempDir()},
	} {
		if res, err := Generate(ctx, o); err == nil {
			t.Errorf("Generate(%+v) = %+v, want an error", o, res)
		}
	}
	inside, err := os.MkdirTemp(repo, "template-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(inside) })
	if res, err := Generate(ctx, Options{Framework: "gin", Dir: inside}); err == nil {
		t.Errorf("Generate into %s, inside the checkout: %+v, want an error", inside, res)
	}
	if b, err := os.ReadFile(filepath.Join(full, "main.go")); err != nil || string(b) != "package main\n" {
		t.Errorf("the non-empty folder was changed: %q, %v", b, err)
	}
}

// run runs the go command in a template, as a user outside the repository
// would: no workspace, go.mod and go.sum read-only.
func run(t *testing.T, ctx context.Context, goBin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
