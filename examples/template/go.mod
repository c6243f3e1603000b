module github.com/jwksauth/jwksauth/examples/template

go 1.26.0
