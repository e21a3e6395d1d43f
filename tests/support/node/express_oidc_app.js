// express-openid-connect (npm, unmodified) with its README's quickstart configuration: the
// defaults (response_type id_token, response_mode form_post, authRequired) and four settings.
// Usage: ISSUER=https://DOMAIN CLIENT_ID=… node express_oidc_app.js
// Prints {"port": N} once it listens on 127.0.0.1 (the test serves it as http://localhost:3000).
"use strict";
const express = require("express");
const { auth } = require("express-openid-connect");

const app = express();
app.use(
  auth({
    issuerBaseURL: process.env.ISSUER,
    baseURL: "http://localhost:3000",
    clientID: process.env.CLIENT_ID,
    secret: "a long, randomly-generated string stored in env",
  })
);
app.get("/", (req, res) => {
  res.json({ authenticated: req.oidc.isAuthenticated(), user: req.oidc.user || null });
});
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
