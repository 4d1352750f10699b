// A real OpenID provider for Tokendesk's tests: panva/oidc-provider, on 127.0.0.1 only.
//
//   node server.mjs PORT        prints "ready http://127.0.0.1:PORT" once listening
//
// Clients (secrets are test values, known to the tests):
//   tokendesk-basic    confidential, client_secret_basic, authorization_code + refresh_token
//   tokendesk-post     confidential, client_secret_post, same grants
//   tokendesk-public   public (PKCE), authorization_code + refresh_token + device_code
//   tokendesk-machine  client_credentials only
//   tokendesk-short    like tokendesk-basic, but its access and ID tokens live SHORT_TTL seconds
//                      (for auto-refresh tests that must see several lifetimes pass)
// Sender-constrained tokens (issue 18), on clients of their own so the others are unaffected:
//   tokendesk-dpop         public, DPoP-bound tokens (RFC 9449; JWT access tokens for API, with
//                          cnf.jkt), pushed authorization requests required (RFC 9126), device
//   tokendesk-dpop-basic   confidential, DPoP-bound tokens (opaque: userinfo takes them), also
//                          client_credentials
//   tokendesk-mtls         tls_client_auth (a certificate of the test CA, CN=tokendesk-mtls-client)
//   tokendesk-mtls-self    self_signed_tls_client_auth (the test's self-signed certificate)
//                          both with certificate-bound JWT access tokens (cnf.x5t#S256, RFC 8705)
// DPoP proofs must carry a nonce (features.dPoP.nonceSecret, requireNonce): every DPoP client
// goes through the DPoP-Nonce dance. The mTLS clients need `node server.mjs PORT TLS_DIR
// MTLS_PORT` (TLS_DIR from tests/helpers/test_ca.py): a second, TLS listener on MTLS_PORT that
// asks for client certificates, published as the mtls_endpoint_aliases.
//
// /test/count?client_id=…&grant_type=… answers how many token requests of that grant the
// provider granted to that client (a count at the server, for storm and race tests).
//
// Refresh tokens rotate on every use (rotateRefreshToken: true); presenting a used one revokes
// the whole grant ("refresh token already used"). A test-only route, /test/mint, issues a refresh
// token through the provider's own Grant and RefreshToken models, for tests that need no browser.
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';

import Provider, { errors } from 'oidc-provider';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node server.mjs PORT');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const redirect = 'http://127.0.0.1/callback';
const SHORT_TTL = 20;
const granted = new Map(); // "client grant_type" -> count
const codeGrants = ['authorization_code', 'refresh_token'];
const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';
const tlsDir = process.argv[3];
const mtlsPort = Number(process.argv[4]);
const mtlsBase = tlsDir ? `https://127.0.0.1:${mtlsPort}` : undefined;
const tlsFile = (name) => readFileSync(join(tlsDir, name));
//: the API whose access tokens are JWTs (so their cnf can be read), and the clients that get them
const API = 'urn:tokendesk:test-api';
const JWT_ACCESS_CLIENTS = new Set(['tokendesk-dpop', 'tokendesk-mtls', 'tokendesk-mtls-self']);

function boundClients() {
  const clients = [
    {
      client_id: 'tokendesk-dpop', token_endpoint_auth_method: 'none',
      grant_types: [...codeGrants, deviceGrant], response_types: ['code'],
      redirect_uris: [redirect], application_type: 'native', dpop_bound_access_tokens: true,
      require_pushed_authorization_requests: true,
    },
    {
      client_id: 'tokendesk-dpop-basic', client_secret: 'dpop-secret-for-tests-0123456789',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [...codeGrants, 'client_credentials'], response_types: ['code'],
      redirect_uris: [redirect], application_type: 'native', dpop_bound_access_tokens: true,
    },
  ];
  if (!tlsDir) return clients;
  const selfSigned = new crypto.X509Certificate(tlsFile('self-signed.pem'));
  const jwk = selfSigned.publicKey.export({ format: 'jwk' });
  const common = {
    grant_types: [...codeGrants, 'client_credentials', deviceGrant], response_types: ['code'],
    redirect_uris: [redirect], application_type: 'native',
    tls_client_certificate_bound_access_tokens: true,
  };
  return [...clients,
    {
      ...common, client_id: 'tokendesk-mtls', token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=tokendesk-mtls-client',
    },
    {
      ...common, client_id: 'tokendesk-mtls-self',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...jwk, x5c: [selfSigned.raw.toString('base64')] }] },
    },
  ];
}

function peerCertificate(ctx) {
  const socket = ctx.socket;
  if (typeof socket.getPeerX509Certificate !== 'function') return undefined;
  return socket.getPeerX509Certificate() || undefined;
}

const configuration = {
  clients: [
    {
      client_id: 'tokendesk-basic', client_secret: 'basic-secret-for-tests-0123456789',
      token_endpoint_auth_method: 'client_secret_basic', grant_types: codeGrants,
      response_types: ['code'], redirect_uris: [redirect], application_type: 'native',
    },
    {
      client_id: 'tokendesk-post', client_secret: 'post-secret-for-tests-0123456789',
      token_endpoint_auth_method: 'client_secret_post', grant_types: codeGrants,
      response_types: ['code'], redirect_uris: [redirect], application_type: 'native',
    },
    {
      client_id: 'tokendesk-public', token_endpoint_auth_method: 'none',
      grant_types: [...codeGrants, 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code'], redirect_uris: [redirect], application_type: 'native',
    },
    {
      client_id: 'tokendesk-short', client_secret: 'short-secret-for-tests-0123456789',
      token_endpoint_auth_method: 'client_secret_basic', grant_types: codeGrants,
      response_types: ['code'], redirect_uris: [redirect], application_type: 'native',
    },
    {
      client_id: 'tokendesk-machine', client_secret: 'machine-secret-for-tests-0123456789',
      token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'],
      response_types: [], redirect_uris: [],
    },
    ...boundClients(),
  ],
  cookies: { keys: ['tokendesk-test-cookie-key'] },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    clientCredentials: { enabled: true },
    dPoP: { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true },
    pushedAuthorizationRequests: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client) => (JWT_ACCESS_CLIENTS.has(client?.clientId) ? API
        : undefined),
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== API) throw new errors.InvalidTarget();
        return { scope: 'api:read', accessTokenFormat: 'jwt', audience: API };
      },
    },
    mTLS: {
      enabled: Boolean(tlsDir),
      certificateBoundAccessTokens: true,
      tlsClientAuth: true,
      selfSignedTlsClientAuth: true,
      getCertificate: peerCertificate,
      certificateAuthorized: (ctx) => Boolean(ctx.socket.authorized),
      certificateSubjectMatches: (ctx, property, expected) => property
        === 'tls_client_auth_subject_dn' && peerCertificate(ctx)?.subject === expected,
    },
  },
  enabledJWA: { dPoPSigningAlgValues: ['ES256', 'EdDSA', 'RS256'] },
  clientAuthMethods: ['client_secret_basic', 'client_secret_jwt', 'client_secret_post',
    'private_key_jwt', 'none',
    ...(tlsDir ? ['tls_client_auth', 'self_signed_tls_client_auth'] : [])],
  ...(mtlsBase ? {
    discovery: {
      mtls_endpoint_aliases: {
        token_endpoint: `${mtlsBase}/token`,
        revocation_endpoint: `${mtlsBase}/token/revocation`,
        introspection_endpoint: `${mtlsBase}/token/introspection`,
        userinfo_endpoint: `${mtlsBase}/me`,
        device_authorization_endpoint: `${mtlsBase}/device/auth`,
        pushed_authorization_request_endpoint: `${mtlsBase}/request`,
      },
    },
  } : {}),
  rotateRefreshToken: true,
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: (ctx, token, client) => (client && client.clientId === 'tokendesk-short'
      ? SHORT_TTL : 300),
    IdToken: (ctx, token, client) => (client && client.clientId === 'tokendesk-short'
      ? SHORT_TTL : 300),
    RefreshToken: 86400,
    ClientCredentials: 300,
  },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'api:read'],
  claims: { email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@example.test`, email_verified: true, name: id };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);

provider.on('grant.success', (ctx) => {
  const key = `${ctx.oidc.client?.clientId} ${ctx.oidc.params?.grant_type}`;
  granted.set(key, (granted.get(key) || 0) + 1);
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/test/count' && ctx.method === 'GET') {
    ctx.body = { count: granted.get(`${ctx.query.client_id} ${ctx.query.grant_type}`) || 0 };
    return;
  }
  if (ctx.path === '/test/mint' && ctx.method === 'GET') {
    const clientId = ctx.query.client_id || 'tokendesk-basic';
    const accountId = ctx.query.sub || 'alice';
    const scope = ctx.query.scope || 'openid offline_access email';
    const client = await provider.Client.find(clientId);
    if (!client) {
      ctx.status = 404;
      ctx.body = { error: 'unknown client' };
      return;
    }
    const grant = new provider.Grant({ clientId, accountId });
    grant.addOIDCScope(scope);
    const grantId = await grant.save();
    const refreshToken = new provider.RefreshToken({
      client, accountId, grantId, scope, gty: 'authorization_code',
      authTime: Math.floor(Date.now() / 1000),
    });
    ctx.body = { refresh_token: await refreshToken.save(), grant_id: grantId };
    return;
  }
  await next();
});

let tlsServer;
if (tlsDir) {
  // the mutual-TLS listener: asks for a client certificate, verifies it against the test CA
  // (certificateAuthorized reads the outcome), and lets a self-signed one through to the
  // provider, which compares it with the client's registered key
  tlsServer = https.createServer({
    key: tlsFile('server.key'), cert: tlsFile('server.pem'), ca: tlsFile('ca.pem'),
    requestCert: true, rejectUnauthorized: false,
  }, provider.callback());
  await new Promise((resolve) => { tlsServer.listen(mtlsPort, '127.0.0.1', resolve); });
  console.log(`mtls ${mtlsBase}`);
}
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => {
  tlsServer?.close();
  server.close(() => process.exit(0));
});
