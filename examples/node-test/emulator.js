// Start `auth0link emulator` for a test run, wait until it answers, stop it cleanly.
//
//   const emulator = await startEmulator();   // emulator.info: the --json line (domain, clients, users)
//   ... new ManagementClient({ domain: emulator.info.domain, token, fetch: emulator.fetch }) ...
//   ... new AuthenticationClient({ domain, clientId, clientSecret, fetch: emulator.fetch, agent: emulator.agent }) ...
//   await emulator.stop();                     // SIGTERM; resolves once it has exited 0
//
// The command is `auth0link emulator` unless AUTH0LINK_EMULATOR holds another one as a JSON array
// (e.g. ["/path/to/.venv/bin/python", "-m", "auth0link.emulator"]). Readiness is the
// --ready-file: the emulator writes it (atomically) once it answers requests, with the same JSON
// line --json prints, and removes it when it stops.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const https = require("node:https");
const os = require("node:os");
const path = require("node:path");

const READY_TIMEOUT_MS = 20000;

function emulatorCommand() {
  const given = process.env.AUTH0LINK_EMULATOR;
  return given ? JSON.parse(given) : ["auth0link", "emulator"];
}

async function startEmulator(extraArgs = []) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "auth0-emulator-"));
  const readyFile = path.join(folder, "ready.json");
  const [command, ...args] = emulatorCommand();
  // --tls-dir: the emulator's local CA goes to this run's folder, not your data directory.
  args.push("--port", "0", "--ready-file", readyFile, "--tls-dir", folder, "--no-access-log", ...extraArgs);
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let running = true;
  exited.then(() => (running = false));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!fs.existsSync(readyFile)) {
    if (!running) throw new Error(`the emulator exited before it was ready: ${JSON.stringify(await exited)}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the emulator was not ready within ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const info = JSON.parse(fs.readFileSync(readyFile, "utf8"));
  const agent = new https.Agent({ ca: fs.readFileSync(info.ca_bundle), keepAlive: true });
  return {
    info,
    readyFile,
    // For the SDKs' options: `fetch` for their API calls, `agent` for the JWKS they fetch to
    // check ID tokens (with jose, over https.get).
    fetch: fetchTrusting(agent),
    agent,
    async stop() {
      if (running) child.kill("SIGTERM");
      const result = await exited;
      fs.rmSync(folder, { recursive: true, force: true });
      return result;
    },
  };
}

// A fetch for Auth0's SDKs (their `fetch` option) that trusts the emulator's CA through `agent`,
// for this client only: NODE_EXTRA_CA_CERTS is read when Node starts, before the emulator has
// made its CA (or set it to a CA kept in a fixed --tls-dir and use the SDK's own fetch).
function fetchTrusting(agent) {
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const headers = Object.fromEntries(new Headers(init.headers ?? request.headers));
      const body = init.body instanceof URLSearchParams ? init.body.toString() : init.body;
      const outgoing = https.request(request.url, { method: request.method, headers, agent }, (reply) => {
        const chunks = [];
        reply.on("data", (chunk) => chunks.push(chunk));
        reply.on("error", reject);
        reply.on("end", () => {
          const status = reply.statusCode;
          const content = [204, 304].includes(status) ? null : Buffer.concat(chunks);
          const answer = new Headers();
          for (const [name, value] of Object.entries(reply.headers)) {
            for (const one of [].concat(value)) answer.append(name, one);
          }
          resolve(new Response(content, { status, statusText: reply.statusMessage, headers: answer }));
        });
      });
      outgoing.on("error", reject);
      if (init.signal) init.signal.addEventListener("abort", () => outgoing.destroy(init.signal.reason));
      outgoing.end(body ?? undefined);
    });
}

module.exports = { startEmulator, fetchTrusting };
