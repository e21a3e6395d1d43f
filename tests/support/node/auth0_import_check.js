// Auth0's Node SDK (npm "auth0", unmodified): a users-import job as its README shows it, then
// the job polled until it completes and its errors read.
// Usage: node auth0_import_check.js DOMAIN CLIENT_ID CLIENT_SECRET CONNECTION_ID USERS_JSON
"use strict";
const { ManagementClient } = require("auth0");

async function main() {
  const [domain, clientId, clientSecret, connectionId, users] = process.argv.slice(2);
  const management = new ManagementClient({ domain, clientId, clientSecret });
  const created = await management.jobs.importUsers({
    users: new Blob([users], { type: "application/json" }),
    connection_id: connectionId,
    upsert: false,
    external_id: "node-sdk",
    send_completion_email: false,
  });
  let job = created.data;
  for (let i = 0; i < 40 && job.status === "pending"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    job = (await management.jobs.get({ id: created.data.id })).data;
  }
  const errors = await management.jobs.getErrors({ id: created.data.id });
  const result = { created: created.status, type: created.data.type, status: job.status, summary: job.summary, errors: errors.data };
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${error.name}: ${error.message}\n`);
  process.exit(1);
});
