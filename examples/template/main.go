// Command template copies one of the example apps under examples/ out of
// the repository as a standalone Go module, the start of a service of your
// own:
//
//	make template FRAMEWORK=gin DIR=../my-api MODULE=example.com/my-api
//	go run ./examples/template -framework gin -dir ../my-api -module example.com/my-api
//
// The copy has the app's files under its own module path, and keeps the
// app's own test (app_test.go: the app against a test-kit issuer, every
// route); test files that need the repository (the black-box suite of
// examples/blackbox) stay behind. Its go.mod requires the jwksauth modules
// at the version of this checkout (its tag, or a pseudo-version of HEAD
// while unpublished) and replaces them with this checkout's directories,
// with a comment saying how to drop the replacements once the modules are
// published; `go mod tidy` completes it. Nothing is written into a DIR that
// exists and is not empty.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// coreModule is the path of the jwksauth core module; the modules of the
// repository share it as a prefix.
const coreModule = "github.com/jwksauth/jwksauth"

// repoOnly is the prefix of the repository's modules that a template must
// not keep: the example apps and their test-only suite.
const repoOnly = coreModule + "/examples/"

// Frameworks are the example apps a template can be made of.
var Frameworks = []string{"nethttp", "gin", "echo", "fiber", "mcp"}

func main() {
	framework := flag.String("framework", "nethttp", "the example app to copy: "+strings.Join(Frameworks, ", "))
	dir := flag.String("dir", "", "the folder to write the template to (must not exist, or be empty)")
	module := flag.String("module", "", "the template's module path (default example.com/<name of dir>)")
	repo := flag.String("repo", "", "the jwksauth checkout (default: found above the working directory)")
	flag.Parse()
	if *dir == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: template -framework gin -dir ../my-api [-module example.com/my-api]")
		flag.PrintDefaults()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res, err := Generate(ctx, Options{Framework: *framework, Dir: *dir, Module: *module, Repo: *repo})
	if err != nil {
		fmt.Fprintf(os.Stderr, "template: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s (module %s, jwksauth %s) from examples/%s\n", res.Dir, res.Module, res.Version, *framework)
	fmt.Printf("next: cd %s && go test ./... && DEV_ISSUER=1 go run -tags dev .\n", res.Dir)
}

// Options say which template to write where.
type Options struct {
	// Framework names the example app (one of [Frameworks]).
	Framework string
	// Dir is the folder to write to; it must not exist, or be empty.
	Dir string
	// Module is the template's module path; default example.com/<base of Dir>.
	Module string
	// Repo is the jwksauth checkout; default: the nearest folder above the
	// working directory whose go.mod declares the core module.
	Repo string
	// Go is the go command; default "go" from PATH.
	Go string
}

// Result describes a written template.
type Result struct {
	Dir     string // absolute
	Module  string
	Version string // the version of the jwksauth modules it requires
}

// Generate writes the template that o describes.
func Generate(ctx context.Context, o Options) (Result, error) {
	var res Result
	if !slices.Contains(Frameworks, o.Framework) {
		return res, fmt.Errorf("unknown framework %q: want one of %s", o.Framework, strings.Join(Frameworks, ", "))
	}
	if o.Go == "" {
		o.Go = "go"
	}
	repo, err := findRepo(o.Repo)
	if err != nil {
		return res, err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return res, err
	}
	if err := emptyDir(dir); err != nil {
		return res, err
	}
	if strings.HasPrefix(dir+string(filepath.Separator), repo+string(filepath.Separator)) {
		return res, fmt.Errorf("%s is inside the jwksauth checkout %s: choose a folder outside it", dir, repo)
	}
	module := o.Module
	if module == "" {
		module = "example.com/" + strings.ToLower(filepath.Base(dir))
	}
	version, commit, err := checkoutVersion(ctx, repo)
	if err != nil {
		return res, err
	}
	src := filepath.Join(repo, "examples", o.Framework)
	if err := copyApp(src, dir); err != nil {
		return res, err
	}

	// go.mod: the app's, under the new module path, without the modules of
	// examples/, with the jwksauth modules at version and replaced by this
	// checkout's directories.
	goMod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return res, err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), goMod, 0o644); err != nil {
		return res, err
	}
	if err := copyFile(filepath.Join(src, "go.sum"), filepath.Join(dir, "go.sum")); err != nil {
		return res, err
	}
	edits := []string{"-module", module}
	replaced := map[string]string{}
	for _, r := range replaceLine.FindAllStringSubmatch(string(goMod), -1) {
		path, target := r[1], r[2]
		if !strings.HasPrefix(path, coreModule) {
			continue
		}
		if strings.HasPrefix(path+"/", repoOnly) {
			edits = append(edits, "-dropreplace", path, "-droprequire", path)
			continue
		}
		abs := filepath.Clean(filepath.Join(src, target))
		replaced[path] = abs
		edits = append(edits, "-replace", path+"="+abs, "-require", path+"@"+version)
	}
	if _, ok := replaced[coreModule]; !ok {
		return res, fmt.Errorf("examples/%s/go.mod replaces no %s with a folder of the checkout", o.Framework, coreModule)
	}
	if err := goCmd(ctx, o.Go, dir, append([]string{"mod", "edit"}, edits...)...); err != nil {
		return res, err
	}
	if err := goCmd(ctx, o.Go, dir, "mod", "tidy"); err != nil {
		return res, err
	}
	mods := make([]string, 0, len(replaced))
	for m := range replaced {
		mods = append(mods, m)
	}
	slices.Sort(mods)
	if err := commentReplace(filepath.Join(dir, "go.mod"), repo, version, commit, mods); err != nil {
		return res, err
	}
	return Result{Dir: dir, Module: module, Version: version}, nil
}

// replaceLine matches a replacement by a relative folder, in a replace
// block or on its own line.
var replaceLine = regexp.MustCompile(`(?m)^\s*(?:replace\s+)?(\S+)\s+=>\s+(\.\.?/\S*|\.\.?)\s*$`)

// findRepo returns the absolute path of the jwksauth checkout.
func findRepo(repo string) (string, error) {
	if repo != "" {
		abs, err := filepath.Abs(repo)
		if err != nil {
			return "", err
		}
		if !isCore(abs) {
			return "", fmt.Errorf("%s is not a jwksauth checkout (its go.mod does not declare %s)", abs, coreModule)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isCore(d) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no jwksauth checkout above %s: run in one, or pass -repo", wd)
		}
	}
}

func isCore(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == coreModule
		}
	}
	return false
}

// emptyDir creates dir, or checks that it is an empty folder.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s exists and is not empty: nothing written", dir)
	}
	return nil
}

// checkoutVersion returns the version a template requires the jwksauth
// modules at: HEAD's tag when it has a semantic-version one, otherwise a
// pseudo-version of HEAD, v0.0.1-0.yyyymmddhhmmss-abcdefabcdef (the commit
// time in UTC and the hash's first 12 digits); and HEAD's commit hash.
//
// The pseudo-version takes the form Go gives a commit after a v0.0.0
// release because the repository's modules require one another at the
// placeholder v0.0.0: a plain v0.0.0-yyyymmddhhmmss-… sorts below it, and
// minimal version selection would pick the placeholder instead. Outside a
// git checkout the version is v0.0.1-0.00010101000000-000000000000.
func checkoutVersion(ctx context.Context, repo string) (version, commit string, err error) {
	out, err := exec.CommandContext(ctx, "git", "-C", repo, "log", "-1", "--format=%H %ct").Output()
	if err != nil {
		return "v0.0.1-0.00010101000000-000000000000", "", nil
	}
	fields := strings.Fields(string(out))
	if len(fields) != 2 || len(fields[0]) < 12 {
		return "", "", fmt.Errorf("git log in %s: unexpected output %q", repo, out)
	}
	commit = fields[0]
	var secs int64
	if _, err := fmt.Sscan(fields[1], &secs); err != nil {
		return "", "", fmt.Errorf("git log in %s: commit time %q: %w", repo, fields[1], err)
	}
	if tags, err := exec.CommandContext(ctx, "git", "-C", repo, "tag", "--points-at", "HEAD").Output(); err == nil {
		for _, tag := range strings.Fields(string(tags)) {
			if semver.MatchString(tag) {
				return tag, commit, nil
			}
		}
	}
	return "v0.0.1-0." + time.Unix(secs, 0).UTC().Format("20060102150405") + "-" + commit[:12], commit, nil
}

// semver matches the tags a root-module release would carry.
var semver = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

// copyApp copies the app's files (not go.mod and go.sum, which Generate
// writes) from src to dst, leaving out every Go file that imports a module
// of examples/: those need the repository.
func copyApp(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || name == "go.mod" || name == "go.sum" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return err
		}
		if strings.HasSuffix(name, ".go") && bytes.Contains(b, []byte(`"`+repoOnly)) {
			continue
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// goCmd runs the go command in dir, outside any workspace.
func goCmd(ctx context.Context, goBin, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s in %s: %w\n%s", strings.Join(args, " "), dir, err, out)
	}
	return nil
}

// commentReplace puts, above the replace directives of the go.mod at path,
// where they point and how to drop them.
func commentReplace(path, repo, version, commit string, mods []string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	from := "this checkout"
	if commit != "" {
		from = "commit " + commit[:12]
	}
	comment := fmt.Sprintf(`// The jwksauth modules are required at %s,
// the version of the jwksauth checkout this template was made from
// (%s, not published yet), and the replace directives below
// build them from that checkout on disk: %s.
// Once the jwksauth modules are published, delete the replace directives
// and run:
//	go get %s@latest && go mod tidy
`, version, from, repo, strings.Join(mods, "@latest "))
	s := string(b)
	i := strings.Index(s, "\nreplace ")
	if i < 0 {
		return fmt.Errorf("%s has no replace directive after go mod tidy", path)
	}
	s = s[:i+1] + comment + s[i+1:]
	return os.WriteFile(path, []byte(s), 0o644)
}
