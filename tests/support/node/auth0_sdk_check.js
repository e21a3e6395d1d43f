// Auth0's Node SDK (npm "auth0", unmodified) against a tenant, as its README shows:
// client credentials for the Management API, then GET one user.
// Usage: node auth0_sdk_check.js DOMAIN CLIENT_ID CLIENT_SECRET USER_ID
// The SDK builds https://DOMAIN itself; trust comes from NODE_EXTRA_CA_CERTS.
"use strict";
const { AuthenticationClient, ManagementClient } = require("auth0");

async function main() {
  const [domain, clientId, clientSecret, userId] = process.argv.slice(2);
  const auth = new AuthenticationClient({ domain, clientId, clientSecret });
  const grant = await auth.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` });
  const management = new ManagementClient({ domain, token: grant.data.access_token });
  const user = await management.users.get({ id: userId });
  const result = { token_type: grant.data.token_type, user_id: user.data.user_id, email: user.data.email };
  process.stdout.write(JSON.stringify(result) + "\n");
}

function describe(error) {
  const parts = [`${error.name}: ${error.message}`];
  for (let cause = error.cause; cause; cause = cause.cause) {
    parts.push(cause.code || cause.message);
  }
  return parts.join(" <- ");
}

main().catch((error) => {
  process.stderr.write(describe(error) + "\n");
  process.exit(1);
});
