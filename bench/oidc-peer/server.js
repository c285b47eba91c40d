// A minimal oidc-provider (panva/node-oidc-provider, OpenID-certified) to bench beside
// usersvc's own provider: `bench/oidc.py --oidc-peer-url http://127.0.0.1:18400`.
// Not a service: one client, one account, everything in this process's memory.
//
//   bench/oidc-peer/setup                     # npm ci (the versions of package-lock.json)
//   PORT=18400 bench/oidc-peer/start          # node server.js in the foreground
//
// Settings (environment): PORT (18400), HOST (127.0.0.1), ISSUER (http://HOST:PORT),
// CLIENT_ID (bench), CLIENT_SECRET (bench-peer-secret), REDIRECT_URI
// (https://bench.example.com/callback): bench/oidc.py's defaults for the peer.
//
// The shortcut (docs/scaling.md, "Beside a certified OpenID provider"): there is no login
// page. The interaction that oidc-provider starts when a browser has no session is finished
// at once by this server, signed in as the one account, and consent is never asked (the
// grant is made by loadExistingGrant, as oidc-provider's documentation shows for
// first-party clients). After that first round, the session cookie gets codes straight
// from /auth, as usersvc's SSO cookie does for its first-party client: the benched code
// exchange pays for neither side's login.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT ?? 18400);
const HOST = process.env.HOST ?? '127.0.0.1';
const ISSUER = process.env.ISSUER ?? `http://${HOST}:${PORT}`;
const CLIENT_ID = process.env.CLIENT_ID ?? 'bench';
const CLIENT_SECRET = process.env.CLIENT_SECRET ?? 'bench-peer-secret';
const REDIRECT_URI = process.env.REDIRECT_URI ?? 'https://bench.example.com/callback';
const ACCOUNT_ID = 'bench-user';
const SCOPES = 'openid profile email offline_access';

// The fixed user: the claims usersvc gives for the same scopes (docs/oidc.md).
const CLAIMS = {
  email: 'bench@bench.example.com',
  email_verified: true,
  preferred_username: 'bench',
  given_name: 'Bench',
  family_name: 'Member',
  name: 'Bench Member',
  updated_at: 1767225600,
};

// An in-memory adapter: a Map with expiry. oidc-provider's own development adapter is an LRU
// of 1,000 entries that indexes every token of a grant, and under the bench's thousands of
// tokens per grant that index makes each save scan the grant's tokens.
const store = new Map(); // `${model}:${id}` -> { payload, expiresAt }
const sessionIds = new Map(); // session uid -> session id

class MapAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(this.key(id), { payload, expiresAt });
    if (this.model === 'Session') sessionIds.set(payload.uid, id);
  }

  async find(id) {
    const key = this.key(id);
    const entry = store.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    const id = sessionIds.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode() {
    return undefined; // no device flow here
  }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry !== undefined) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    const key = this.key(id);
    const entry = store.get(key);
    store.delete(key);
    if (entry !== undefined && this.model === 'Session') sessionIds.delete(entry.payload.uid);
  }

  async revokeByGrantId(grantId) {
    // Rare (a reused refresh token or code, a revoked grant): a scan will do.
    for (const [key, entry] of store) {
      if (entry.payload.grantId === grantId) store.delete(key);
    }
  }
}

setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of store) {
    if (entry.expiresAt <= now) store.delete(key);
  }
}, 30_000).unref();

// RS256: a fresh 2048-bit RSA key at every start (usersvc signs its ID tokens with RS256 too).
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: 'bench-rs256',
  alg: 'RS256',
  use: 'sig',
};

const provider = new Provider(ISSUER, {
  adapter: MapAdapter,
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      scope: SCOPES,
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: SCOPES.split(' '),
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['preferred_username', 'given_name', 'family_name', 'name', 'updated_at'],
  },
  async findAccount(_ctx, id) {
    return { accountId: id, claims: async () => ({ sub: id, ...CLAIMS }) };
  },
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 accepts
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  // The bench client is treated as first-party: its grant is made without a consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    if (ctx.oidc.client.clientId !== CLIENT_ID) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: CLIENT_ID, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
  // As usersvc does for a first-party client: a refresh token with every code (oidc-provider
  // would otherwise want offline_access with prompt=consent), and a new one with every
  // refresh (the old one spent), where oidc-provider rotates only public clients' by default.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  // usersvc's lifetimes (docs/oidc.md, "Tokens").
  ttl: {
    AccessToken: 15 * 60,
    AuthorizationCode: 60,
    IdToken: 15 * 60,
    RefreshToken: 14 * 24 * 60 * 60,
    Grant: 14 * 24 * 60 * 60,
    Session: 14 * 24 * 60 * 60,
    Interaction: 60 * 60,
  },
});

// The interaction pages, replaced by an automatic sign-in of the one account.
async function finishInteraction(req, res) {
  try {
    const { prompt } = await provider.interactionDetails(req, res);
    if (prompt.name !== 'login') throw new Error(`unexpected prompt ${prompt.name}`);
    await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT_ID } }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
    finishInteraction(req, res);
  } else {
    handle(req, res);
  }
});
server.keepAliveTimeout = 65_000;
server.listen(PORT, HOST, () => {
  console.log(`oidc-provider ${ISSUER} (client ${CLIENT_ID}, redirect ${REDIRECT_URI})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
