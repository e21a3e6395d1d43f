/* Account linking in a single-page app, as Auth0's SPA guides do it, with @auth0/auth0-spa-js:
 *
 *   1. log in (redirect);
 *   2. log in a second time, forced fresh (prompt: "login"), in a popup, with a second client
 *      instance so the primary session stays;
 *   3. POST the second account's ID token to /api/v2/users/{primary}/identities ({link_with});
 *   4. list the identities (GET /api/v2/users/{primary}); unlink one (DELETE …/identities/…).
 *
 * The Management API calls use the primary user's access token, which carries only the
 * current-user scopes (read:current_user, update:current_user_identities).
 *
 * auth_config.json: {"domain": "127.0.0.1:PORT" or "https://127.0.0.1:PORT", "clientId": "…"}.
 */
/* global auth0 */
"use strict";

const SCOPES = "openid profile email read:current_user update:current_user_identities";
const $ = (id) => document.getElementById(id);
let client;
let linker;
let apiBase;

function showError(error) {
  $("error").textContent = error ? `Error: ${error.error_description || error.message || error}` : "";
}

async function api(method, path, body) {
  const token = await client.getTokenSilently();
  const headers = { Authorization: `Bearer ${token}` };
  if (body) headers["Content-Type"] = "application/json";
  const reply = await fetch(apiBase + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await reply.json().catch(() => ({}));
  if (!reply.ok) throw new Error(`${reply.status} ${data.message || reply.statusText}`);
  return data;
}

function userPath(userId) {
  return `/users/${encodeURIComponent(userId)}`;
}

function showIdentities(userId, identities) {
  const list = $("identities");
  list.replaceChildren();
  for (const identity of identities) {
    if (`${identity.provider}|${identity.user_id}` === userId) continue; // the primary identity
    const profile = identity.profileData || {};
    const item = document.createElement("li");
    item.dataset.identity = `${identity.provider}|${identity.user_id}`;
    item.textContent = `${identity.connection} ${profile.email || profile.name || identity.user_id} `;
    const unlink = document.createElement("button");
    unlink.textContent = "Unlink";
    unlink.className = "unlink";
    unlink.onclick = () => run(async () => {
      const path = `${userPath(userId)}/identities/${identity.provider}/${encodeURIComponent(identity.user_id)}`;
      showIdentities(userId, await api("DELETE", path));
    });
    item.append(unlink);
    list.append(item);
  }
}

async function render() {
  const authenticated = await client.isAuthenticated();
  for (const id of ["link", "renew", "logout"]) $(id).hidden = !authenticated;
  $("login").hidden = authenticated;
  if (!authenticated) {
    $("status").textContent = "Logged out";
    $("identities").replaceChildren();
    return;
  }
  const user = await client.getUser();
  $("status").textContent = `Logged in as ${user.sub}`;
  $("status").dataset.userId = user.sub;
  showIdentities(user.sub, (await api("GET", userPath(user.sub))).identities);
}

async function link() {
  const userId = $("status").dataset.userId;
  // A fresh login of the second account, in a popup (response_mode=web_message).
  await linker.loginWithPopup({ authorizationParams: { prompt: "login" } });
  const secondary = await linker.getIdTokenClaims();
  if (secondary.sub === userId) throw new Error("that is the account you are logged in with");
  const identities = await api("POST", `${userPath(userId)}/identities`, { link_with: secondary.__raw });
  showIdentities(userId, identities);
}

async function renew() {
  // A hidden iframe with prompt=none (response_mode=web_message), using the SSO cookie.
  await client.getTokenSilently({ cacheMode: "off" });
  $("renewed").textContent = `Session renewed silently at ${new Date().toLocaleTimeString()}`;
}

function run(action) {
  showError(null);
  return action().catch(showError);
}

async function boot() {
  const config = await (await fetch("auth_config.json")).json();
  const base = /^https?:\/\//.test(config.domain) ? config.domain.replace(/\/$/, "") : `https://${config.domain}`;
  apiBase = `${base}/api/v2`;
  const common = { domain: config.domain, clientId: config.clientId };
  client = await auth0.createAuth0Client({
    ...common,
    authorizationParams: { redirect_uri: window.location.origin, audience: `${base}/api/v2/`, scope: SCOPES },
  });
  linker = new auth0.Auth0Client({ ...common, authorizationParams: { redirect_uri: window.location.origin } });
  const query = new URLSearchParams(window.location.search);
  if (query.has("code") && query.has("state")) {
    await client.handleRedirectCallback();
    window.history.replaceState({}, document.title, window.location.pathname);
  }
  $("login").onclick = () => run(() => client.loginWithRedirect());
  $("logout").onclick = () => run(() => client.logout({ logoutParams: { returnTo: window.location.origin } }));
  // loginWithPopup opens its window before its first await: still inside the click's gesture.
  $("link").onclick = () => run(link);
  $("renew").onclick = () => run(renew);
  await render();
}

boot().catch(showError);
