// A real OpenID Connect provider (the oidc-provider package) for tests/test_oidc_browser.py.
//
// Configured from the environment: PORT, CLIENTS (JSON list of client registrations) and ACCOUNTS (JSON object:
// login -> claims). Its own sign-in and consent pages ("devInteractions") take any password for a known login.
// As the specification has it for the authorization code flow, the ID token carries `sub` only: the email
// claims requested with the `email` scope are given at the UserInfo endpoint (conformIdTokenClaims).
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.CLIENTS);
const accounts = JSON.parse(process.env.ACCOUNTS);

const provider = new Provider(issuer, {
  clients,
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: true,
  pkce: { required: () => true },
  cookies: { keys: ['only-for-tests'] },
  features: { devInteractions: { enabled: true } },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening at ${issuer}`);
});
