// Package docsnippets keeps the guides honest: its tests compile every Go
// code block of the repository's README.md, docs/*.md, docs/migration/*.md
// and examples/*.md, check that every error answer the guides show is one
// the core really gives, and that the example apps share the files they
// have in common (settings.go, dev.go, nodev.go, app_test.go).
//
// A Go block in a guide is a complete file whose first line names it:
//
//	```go
//	// file: gin/main.go
//	package main
//	…
//	```
//
// Blocks of one guide whose files share a directory form one package, so a
// guide can show main.go first and add a handler in another file later. The
// test writes them into a temporary module that requires what this module
// requires (the core and every adapter, through replace directives) and runs
// go build and go vet on it.
//
// Code that uses a peer library (the "before" half of a migration guide)
// is fenced as ```go-before and not compiled: peer libraries never enter a
// module of this repository that users import, and this one would have to
// require them. Every other ```go block must carry a file line.
package docsnippets
