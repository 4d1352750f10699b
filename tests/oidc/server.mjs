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
//
// /test/count?client_id=…&grant_type=… answers how many token requests of that grant the
// provider granted to that client (a count at the server, for storm and race tests).
//
// Refresh tokens rotate on every use (rotateRefreshToken: true); presenting a used one revokes
// the whole grant ("refresh token already used"). A test-only route, /test/mint, issues a refresh
// token through the provider's own Grant and RefreshToken models, for tests that need no browser.
import Provider from 'oidc-provider';

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
  ],
  cookies: { keys: ['tokendesk-test-cookie-key'] },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    clientCredentials: { enabled: true },
  },
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

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
