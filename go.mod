module github.com/jwksauth/jwksauth

go 1.26
