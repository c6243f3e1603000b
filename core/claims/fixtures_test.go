package claims

import "time"

// Hand-written access-token payloads in the shapes each identity provider
// really emits (claim names, types and nesting as of their current
// versions). Times: iat 2026-01-01T00:00:00Z unless noted.

var fixtureNow = time.Unix(1767225600, 0).UTC() // 2026-01-01T00:00:00Z

// Keycloak 24+: realm and client roles nested, scope string, azp, aud array,
// non-ASCII name in raw UTF-8.
const keycloakToken = `{
  "exp": 1767225900,
  "iat": 1767225600,
  "auth_time": 1767225590,
  "jti": "onrtac:5f8e3c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b",
  "iss": "https://sso.example.com/realms/acme",
  "aud": ["orders-api", "account"],
  "sub": "f3c2a1b0-9d8e-4c7b-a6f5-e4d3c2b1a090",
  "typ": "Bearer",
  "azp": "web-frontend",
  "sid": "0d6e1c2b-3a4f-4e5d-8c7b-9a0f1e2d3c4b",
  "acr": "1",
  "allowed-origins": ["https://app.example.com"],
  "realm_access": {"roles": ["offline_access", "uma_authorization", "default-roles-acme", "admin"]},
  "resource_access": {
    "orders-api": {"roles": ["orders:read", "orders:write"]},
    "my.legacy.client": {"roles": ["legacy-user"]},
    "account": {"roles": ["manage-account", "view-profile"]}
  },
  "scope": "openid profile email orders:read",
  "email_verified": true,
  "name": "José Müller",
  "preferred_username": "jmueller",
  "given_name": "José",
  "family_name": "Müller",
  "email": "jose.mueller@example.com"
}`

// Auth0: aud array with the userinfo audience, scope string, RBAC
// permissions array (one duplicating a scope), namespaced custom claims.
const auth0Token = `{"https://acme.example/roles":["analyst","admin"],"https://acme.example/tenant":"t-42","iss":"https://acme.eu.auth0.com/","sub":"auth0|64f1c2d3e4b5a6978812345a","aud":["https://api.acme.example","https://acme.eu.auth0.com/userinfo"],"iat":1767225600,"exp":1767312000,"scope":"openid profile email read:reports","org_id":"org_9a8b7c6d5e4f3a2b","azp":"Xk2v8QpR7tYz3mN1bL5cD9fG0hJ4kW6e","permissions":["read:reports","write:reports","read:reports"]}`

// Okta custom authorization server: aud string, scp array, cid/uid, groups
// with spaces, ver number.
const oktaToken = `{"ver":1,"jti":"AT.2n8Vf9kQwX3yZ7bC1dE5fG9hJ2kL6mN0pQ4rS8tU","iss":"https://acme.okta.com/oauth2/default","aud":"api://default","iat":1767225600,"exp":1767229200,"cid":"0oa1b2c3d4E5f6G7h8i9","uid":"00u1a2b3c4D5e6F7g8h9","scp":["openid","profile","orders.read"],"auth_time":1767225500,"sub":"jane.doe@example.com","groups":["Everyone","Sales Team","Admins"]}`

// Entra ID v2 delegated token: aud string, nbf, scp string, roles array,
// tid, azp, fractional-free NumericDates.
const entraV2Token = `{"aud":"api://7c3e1f2a-4b5d-4e6f-8a9b-0c1d2e3f4a5b","iss":"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0","iat":1767225600,"nbf":1767225600,"exp":1767229500,"aio":"AWQAm/8ZAAAA3Jk2b9Xn","azp":"5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9","azpacr":"0","name":"Jane Doe","oid":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","preferred_username":"jane@contoso.com","rh":"0.AX0Av4j5cvGGr0GRqy180BHbR2ggg.","roles":["Reports.Admin","Orders.Read"],"scp":"Orders.Read Orders.Write","sid":"003b5e5c-1f2a-4b3c-8d4e-5f6a7b8c9d0e","sub":"AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","uti":"Xt8FcY7kO0Oq1lT2p3r4AA","ver":"2.0"}`

// Entra ID v1 app-only token (client credentials): appid, roles, no scp.
const entraV1AppToken = `{"aud":"https://orders.contoso.com","iss":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/","iat":1767225600,"nbf":1767225600,"exp":1767229500,"aio":"E2ZgYJj8rX","appid":"9b8a7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d","appidacr":"1","idp":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/","idtyp":"app","oid":"2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e","rh":"0.AX0Av4j5cvGGr0GRqy180BHbR2ggg.","roles":["Orders.ReadWrite.All"],"sub":"2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","uti":"kq1pL9zR0Ea4qB2c3d4eAA","ver":"1.0"}`

// panva/oidc-provider JWT access token (RFC 9068): client_id, scope string,
// fractional iat, escaped sub as a Python/Java encoder might write it.
const oidcProviderToken = `{"jti":"tUlNQ3Bb2cD4eF5gH6iJ7kL8mN9oP0qR","sub":"user-\u00e9t\u00e9-1234","iat":1767225600.25,"exp":1767229200,"scope":"openid api:read api:write","client_id":"spa-client","iss":"https://op.example.org","aud":"https://api.example.org"}`

// realistic600 is a typical ~600-byte access token payload with about ten
// registered and common claims (Keycloak-like, minified), for benchmarks.
const realistic600 = `{"exp":1767225900,"iat":1767225600,"auth_time":1767225590,"jti":"onrtac:5f8e3c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b","iss":"https://sso.example.com/realms/acme","aud":["orders-api","account"],"sub":"f3c2a1b0-9d8e-4c7b-a6f5-e4d3c2b1a090","typ":"Bearer","azp":"web-frontend","sid":"0d6e1c2b-3a4f-4e5d-8c7b-9a0f1e2d3c4b","realm_access":{"roles":["offline_access","uma_authorization","admin"]},"resource_access":{"orders-api":{"roles":["orders:read","orders:write"]}},"scope":"openid profile email orders:read","email_verified":true,"preferred_username":"jdoe","given_name":"Jane","email":"jdoe@example.com"}`
