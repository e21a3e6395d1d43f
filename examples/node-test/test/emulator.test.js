// Auth0's Node SDK (npm "auth0", unmodified) against a local tenant started for this test run.
"use strict";
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const { AuthenticationClient, ManagementClient } = require("auth0");
const { startEmulator } = require("../emulator.js");

const ALICE = "auth0|65f0a11ce0000000000000a1";
let emulator;

before(async () => {
  emulator = await startEmulator();
});

after(async () => {
  const { readyFile } = emulator;
  const { code, signal } = await emulator.stop();
  assert.deepEqual({ code, signal }, { code: 0, signal: null }); // SIGTERM is a clean stop
  assert.equal(fs.existsSync(readyFile), false); // and it removed its ready file
});

function authentication(clientId, clientSecret) {
  const { domain } = emulator.info;
  return new AuthenticationClient({ domain, clientId, clientSecret, fetch: emulator.fetch, agent: emulator.agent });
}

async function managementToken() {
  const { m2m_client_id, m2m_client_secret, audience } = emulator.info;
  const grant = await authentication(m2m_client_id, m2m_client_secret).oauth.clientCredentialsGrant({ audience });
  return grant.data.access_token;
}

test("client credentials, then the Management API reads and creates users", async () => {
  const { domain } = emulator.info;
  const management = new ManagementClient({ domain, token: await managementToken(), fetch: emulator.fetch });
  const alice = await management.users.get({ id: ALICE });
  assert.equal(alice.data.email, "alice@example.com");
  const created = await management.users.create({
    connection: "Username-Password-Authentication",
    email: "dana@example.com",
    password: "Correct-Horse-Dana-42",
  });
  assert.match(created.data.user_id, /^auth0\|/);
  const found = await management.usersByEmail.getByEmail({ email: "dana@example.com" });
  assert.deepEqual(found.data.map((user) => user.user_id), [created.data.user_id]);
});

test("password-realm grant for a demo user returns an ID token for them", async () => {
  const { web_client_id, web_client_secret, users } = emulator.info;
  const alice = users.find((user) => user.user_id === ALICE);
  const grant = await authentication(web_client_id, web_client_secret).oauth.passwordGrant({
    username: alice.email,
    password: alice.password,
    realm: alice.connection,
    scope: "openid email",
  });
  assert.equal(grant.data.token_type, "Bearer");
  const claims = JSON.parse(Buffer.from(grant.data.id_token.split(".")[1], "base64url"));
  assert.equal(claims.sub, ALICE);
});

test("a wrong password is Auth0's invalid_grant", async () => {
  const { web_client_id, web_client_secret } = emulator.info;
  await assert.rejects(
    authentication(web_client_id, web_client_secret).oauth.passwordGrant({
      username: "alice@example.com",
      password: "not-her-password",
      realm: "Username-Password-Authentication",
    }),
    (error) => error.error === "invalid_grant" && error.statusCode === 403,
  );
});
