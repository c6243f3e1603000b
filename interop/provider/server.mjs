// An OpenID provider for jwksauth's interop tests: npm oidc-provider on
// loopback over HTTPS, one client with the client_credentials grant that
// receives JWT access tokens for the resource "api://reports".
//
// Everything comes from the environment, written by the Go tests:
//   PORT          port on 127.0.0.1 (required); the issuer is https://127.0.0.1:PORT
//   TLS_CERT, TLS_KEY  PEM files of the server certificate (signed by the test CA) and its key
//   JWKS_FILE     JSON Web Key Set with the private signing keys; the first key of an algorithm signs
//   CLIENT_SECRET the client's secret (client id "interop")
//
// Resource indicators name the algorithm and the lifetime of the token:
//   resource=https://reports.jwksauth.test/<ALG>[/ttl/<seconds>]
// gives a token with aud "api://reports", signed with <ALG> (RS256, PS256,
// ES256, EdDSA), valid for <seconds> (default 300).
//
// It prints "listening on https://…" once it accepts connections and stops
// on SIGTERM or SIGINT, or when its standard input closes (so it never
// outlives the test that started it).
import { readFileSync } from 'node:fs';
import https from 'node:https';
import process from 'node:process';
import Provider, { errors } from 'oidc-provider';

const env = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return v;
};

const port = Number.parseInt(env('PORT'), 10);
const issuer = `https://127.0.0.1:${port}`;
const jwks = JSON.parse(readFileSync(env('JWKS_FILE'), 'utf8'));

const audience = 'api://reports';
const scopes = ['reports:read', 'reports:write', 'admin'];
const resourcePrefix = 'https://reports.jwksauth.test/';
const algs = new Set(['RS256', 'PS256', 'ES256', 'EdDSA']);

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'interop',
    client_secret: env('CLIENT_SECRET'),
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks,
  scopes,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => false,
      getResourceServerInfo(ctx, resourceIndicator) {
        if (!resourceIndicator.startsWith(resourcePrefix)) {
          throw new errors.InvalidTarget();
        }
        const [alg, ttlWord, ttlValue] = resourceIndicator.slice(resourcePrefix.length).split('/');
        if (!algs.has(alg) || (ttlWord !== undefined && ttlWord !== 'ttl')) {
          throw new errors.InvalidTarget();
        }
        const ttl = ttlValue === undefined ? 300 : Number.parseInt(ttlValue, 10);
        if (!(ttl > 0)) throw new errors.InvalidTarget();
        return {
          scope: scopes.join(' '),
          audience,
          accessTokenTTL: ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg } },
        };
      },
    },
  },
});
provider.proxy = false;

const server = https.createServer({
  cert: readFileSync(env('TLS_CERT')),
  key: readFileSync(env('TLS_KEY')),
}, provider.callback());
server.keepAliveTimeout = 1000;

server.listen(port, '127.0.0.1', () => {
  console.log(`issuer ${issuer}`);
  console.log(`listening on https://127.0.0.1:${port}`);
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
