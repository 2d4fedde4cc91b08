// The app-submission flow over HTTPS under the production host names, as unchanged Node
// automation runs it (fetch for the API, @azure/storage-blob for the upload), against a
// storeroom serving `--tls-listen`.
//
// Only name resolution (the production names resolve to storeroom, as a hosts-file line
// makes them) and CA trust (NODE_EXTRA_CA_CERTS names storeroom's ca.pem) differ from a run
// against Microsoft; every URL is the production one.
//
// Usage: node https_flow.mjs <ip> <port> <credentials.json> <app-id> <zip> <package-file-name>
import dns from "node:dns";
import { readFile } from "node:fs/promises";
import { BlockBlobClient } from "@azure/storage-blob";

const [ip, port, credentialsPath, appId, zipPath, pkg] = process.argv.slice(2);

// The hosts-file line: production names resolve to storeroom.
const realLookup = dns.lookup;
dns.lookup = (host, options, callback) => {
  const production =
    host === "login.microsoftonline.com" ||
    host === "manage.devcenter.microsoft.com" ||
    host.endsWith(".blob.core.windows.net");
  return realLookup.call(dns, production ? ip : host, options, callback);
};

const suffix = port === "443" ? "" : `:${port}`;
const credentials = JSON.parse(await readFile(credentialsPath, "utf8"));
const devcenter = `https://manage.devcenter.microsoft.com${suffix}/v1.0/my`;

const tokenResponse = await fetch(
  `https://login.microsoftonline.com${suffix}/${credentials.tenantId}/oauth2/token`,
  {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      resource: "https://manage.devcenter.microsoft.com",
    }),
  },
);
const { access_token: token } = await tokenResponse.json();
const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };

async function call(method, url, body) {
  const response = await fetch(url, { method, headers, body: body && JSON.stringify(body) });
  if (!response.ok) {
    throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

const submission = await call("POST", `${devcenter}/applications/${appId}/submissions`);
for (const entry of submission.applicationPackages) entry.fileStatus = "PendingDelete";
submission.applicationPackages.push({
  fileName: pkg,
  fileStatus: "PendingUpload",
  minimumDirectXVersion: "None",
  minimumSystemRam: "None",
});
const url = `${devcenter}/applications/${appId}/submissions/${submission.id}`;
await call("PUT", url, submission);

if (!submission.fileUploadUrl.startsWith("https://productingestionbin1.blob.core.windows.net")) {
  throw new Error(`unexpected upload URL ${submission.fileUploadUrl}`);
}
await new BlockBlobClient(submission.fileUploadUrl).uploadData(await readFile(zipPath));

await call("POST", `${url}/commit`);
const deadline = Date.now() + 60_000;
let status;
for (;;) {
  status = await call("GET", `${url}/status`);
  const running = ["CommitStarted", "PreProcessing", "Certification", "Release", "Publishing"];
  if (!running.includes(status.status) || Date.now() > deadline) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
console.log(JSON.stringify(status));
process.exit(status.status === "Published" ? 0 : 1);
