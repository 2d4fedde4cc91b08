// Drives storeroom's dashboard in a real Chromium (Debian's, through playwright-core: no
// browser is downloaded) as a release engineer would: signs in with the keyboard, reserves
// an app, watches a submission committed through the API move to Published without
// reloading, approves one held under a manual policy, rejects another with a reason and
// reads it back through the API, edits a pending submission and sees the API refuse it,
// adds a key and gets a token with it. Takes the README's screenshots on the way.
//
// Started by crates/cli/tests/api/dashboard_browser.rs, which starts the server, prepares
// the submissions and passes everything in the environment:
//   STOREROOM_URL, STOREROOM_ADMIN_TOKEN, STOREROOM_DC_TOKEN, STOREROOM_TENANT_ID,
//   STOREROOM_CLIENT_ID, STOREROOM_SCENARIO (JSON: the apps and submissions of each step),
//   CHROMIUM (the browser's path), STOREROOM_SCREENSHOTS (where the screenshots go).
// Exits non-zero on the first failed step.

import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};

const base = env("STOREROOM_URL");
const scenario = JSON.parse(env("STOREROOM_SCENARIO"));
const dcToken = env("STOREROOM_DC_TOKEN");
const shots = env("STOREROOM_SCREENSHOTS");
// Pipeline moves are waited for this long at most.
const PIPELINE_MS = 30_000;

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/** A devcenter API call with the automation's token. */
async function devcenter(method, path, body) {
  const response = await fetch(`${base}/v1.0/my/${path}`, {
    method,
    headers: { authorization: `Bearer ${dcToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const submissionPage = (s) => `${base}/dashboard/applications/${s.app}/submissions/${s.submission}`;

/** Waits until the live status region shows `status`; fails if the page reloaded. */
async function liveStatus(page, status) {
  await page.waitForSelector(`#status-value[data-status="${status}"]`, { timeout: PIPELINE_MS });
}

/** Marks the document, to tell later whether it is still the same one (no reload). */
async function mark(page) {
  await page.evaluate(() => {
    window.__storeroomMark = "unchanged";
  });
}

async function stillMarked(page) {
  return page.evaluate(() => window.__storeroomMark === "unchanged");
}

const steps = [];
async function step(name, run) {
  const started = Date.now();
  await run();
  steps.push(name);
  console.log(`ok - ${name} (${Date.now() - started} ms)`);
}

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  // Root in CI containers: Chromium's sandbox needs user namespaces it may not have.
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();

  await step("signs in with the admin token, by keyboard", async () => {
    await page.goto(`${base}/dashboard/`);
    check(page.url().endsWith("/dashboard/signin"), `not sent to sign in: ${page.url()}`);
    // Chromium applies `autofocus` when it next renders, which may come after "load":
    // keys typed before that go nowhere.
    await page.waitForFunction(() => document.activeElement?.id === "token", null, { timeout: 5000 });
    await page.keyboard.type(env("STOREROOM_ADMIN_TOKEN"));
    await Promise.all([page.waitForURL("**/dashboard/products"), page.keyboard.press("Enter")]);
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement.textContent);
    check(focused === "Skip to content", `the first Tab stop is ${focused}`);
  });

  await step("reserves an app", async () => {
    await page.fill("#reserve-name", "Reserved in Chromium");
    await Promise.all([page.waitForURL("**/dashboard/applications/*"), page.getByRole("button", { name: "Reserve" }).click()]);
    const title = await page.textContent("h1");
    check(title === "Reserved in Chromium", `the app page is titled ${title}`);
    await page.goto(`${base}/dashboard/products`);
    check((await page.textContent("#apps")).includes("Reserved in Chromium"), "the new app is not listed");
    await page.screenshot({ path: `${shots}/dashboard-products.png` });
  });

  await step("watches a submission committed through the API move to Published without reloading", async () => {
    const watched = scenario.watch;
    await page.goto(submissionPage(watched));
    await liveStatus(page, "PendingCommit");
    await mark(page);
    const committed = await devcenter("POST", `${watched.path}/commit`);
    check(committed.status === 202, `commit answered ${committed.status}`);
    await liveStatus(page, "Published");
    check(await stillMarked(page), "the page was reloaded");
    check((await page.textContent("#status-live")).includes("Certification report"), "no report listed");
    await page.screenshot({ path: `${shots}/dashboard-submission.png`, fullPage: false });
  });

  await step("approves a submission held in Certification under a manual policy", async () => {
    const held = scenario.approve;
    await page.goto(submissionPage(held));
    await mark(page);
    const committed = await devcenter("POST", `${held.path}/commit`);
    check(committed.status === 202, `commit answered ${committed.status}`);
    await liveStatus(page, "Certification");
    check(await stillMarked(page), "the page was reloaded before approving");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Approve certification" }).click()]);
    await liveStatus(page, "Published");
    const read = await devcenter("GET", `${held.path}/status`);
    check(read.body.status === "Published", `the API reads ${JSON.stringify(read.body)}`);
  });

  await step("rejects another with a reason and reads it back through the API", async () => {
    const held = scenario.reject;
    await page.goto(submissionPage(held));
    const committed = await devcenter("POST", `${held.path}/commit`);
    check(committed.status === 202, `commit answered ${committed.status}`);
    await liveStatus(page, "Certification");
    await page.getByLabel("Reason for rejecting certification").fill("Screenshots show another app");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Reject certification" }).click()]);
    await liveStatus(page, "CertificationFailed");
    const read = await devcenter("GET", `${held.path}/status`);
    check(read.body.status === "CertificationFailed", `the API reads ${JSON.stringify(read.body)}`);
    check(JSON.stringify(read.body.statusDetails).includes("Screenshots show another app"), "the reason is not in statusDetails");
  });

  await step("edits a pending submission in the dashboard; the API then refuses it", async () => {
    const edited = scenario.edit;
    await page.goto(submissionPage(edited));
    await page.fill("#title-en-us", "Renamed in Partner Center");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Save listing en-us" }).click()]);
    const read = await devcenter("GET", edited.path);
    check(read.body.listings["en-us"].baseListing.title === "Renamed in Partner Center", "the edit is not read back");
    const put = await devcenter("PUT", edited.path, { notesForCertification: "from the pipeline" });
    check(put.status === 409 && put.body.code === "InvalidOperation", `PUT answered ${put.status} ${JSON.stringify(put.body)}`);
    const commit = await devcenter("POST", `${edited.path}/commit`);
    check(commit.status === 409 && commit.body.code === "InvalidOperation", `commit answered ${commit.status}`);
  });

  await step("adds a key and gets a token with it", async () => {
    await page.goto(`${base}/dashboard/accounts`);
    const clientId = env("STOREROOM_CLIENT_ID");
    const card = page.locator(`[data-client-id="${clientId}"]`);
    await card.getByLabel("Expires in (days)").fill("30");
    await Promise.all([page.waitForNavigation(), card.getByRole("button", { name: "Add new key" }).click()]);
    const secret = (await page.textContent("#new-secret")).trim();
    check(secret.length >= 20, `no secret shown: ${secret}`);
    const token = await fetch(`${base}/${env("STOREROOM_TENANT_ID")}/oauth2/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: secret,
        resource: "https://manage.devcenter.microsoft.com",
      }),
    });
    const answer = await token.json();
    check(token.status === 200 && answer.access_token, `the token endpoint answered ${token.status} ${JSON.stringify(answer)}`);
    await page.goto(`${base}/dashboard/accounts`);
    check(!(await page.content()).includes(secret), "the secret is shown again");
  });

  await step("finds a request made through the API in the journal without reloading", async () => {
    await page.goto(`${base}/dashboard/journal`);
    await page.waitForSelector('#journal[data-live-state="open"]');
    await mark(page);
    const probe = `applications/journal-probe-${Date.now()}`;
    const missing = await devcenter("GET", probe);
    check(missing.status === 404, `the probe answered ${missing.status}`);
    const summary = page.locator("#journal summary", { hasText: probe });
    await summary.waitFor({ timeout: PIPELINE_MS });
    check(await stillMarked(page), "the page was reloaded");
    // Expanded by keyboard, to its redacted response body.
    await summary.focus();
    await page.keyboard.press("Enter");
    const details = page.locator("#journal details[open]", { hasText: probe });
    await details.waitFor();
    check((await details.textContent()).includes("Response body"), "no response body shown");
    await page.screenshot({ path: `${shots}/dashboard-journal.png` });
  });

  await step("adds a fault rule and sees the API answer it", async () => {
    await page.goto(`${base}/dashboard/faults`);
    const target = `applications/${scenario.watch.app}`;
    await page.getByLabel("Method").fill("GET");
    await page.getByLabel("Path (glob)").fill(`/v1.0/my/${target}`);
    await page.getByLabel("Status").fill("503");
    await page.getByLabel("Times (empty: every matching request)").fill("1");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Add rule" }).click()]);
    check((await page.locator("#rules tr.rule").count()) === 1, "the rule is not listed");
    const faulted = await devcenter("GET", target);
    check(faulted.status === 503, `the API answered ${faulted.status} ${JSON.stringify(faulted.body)}`);
    const served = await devcenter("GET", target);
    check(served.status === 200, `the rule applied twice: ${served.status}`);
  });

  await step("saves and restores a snapshot", async () => {
    await page.goto(`${base}/dashboard/snapshots`);
    await page.getByLabel("Name").fill("before-browser-app");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Save snapshot" }).click()]);
    check((await page.locator('tr.snapshot[data-name="before-browser-app"]').count()) === 1, "the snapshot is not listed");
    const admin = (method, path, body) =>
      fetch(`${base}/admin/v1/${path}`, {
        method,
        headers: { authorization: `Bearer ${env("STOREROOM_ADMIN_TOKEN")}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const later = await admin("POST", "applications", { name: "After the snapshot", type: "msix" });
    check(later.status === 201, `reserving answered ${later.status}`);
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Restore before-browser-app" }).click()]);
    const apps = await admin("GET", "applications");
    check(!apps.body.value.some((app) => app.id === later.body.id), "the app reserved after the snapshot is still there");
    check(apps.body.value.some((app) => app.id === scenario.watch.app), "the apps before the snapshot are gone");
  });

  await step("reads on a phone", async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
      storageState: await context.storageState(),
    });
    const small = await phone.newPage();
    await small.goto(submissionPage(scenario.watch));
    await liveStatus(small, "Published");
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await small.screenshot({ path: `${shots}/dashboard-phone.png` });
    for (const section of ["journal", "faults", "snapshots", "reset"]) {
      await small.goto(`${base}/dashboard/${section}`);
      const wider = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(wider <= 0, `the ${section} page is ${wider}px wider than the phone`);
    }
    await phone.close();
  });
} catch (err) {
  failed = true;
  console.error(`not ok - ${err.stack || err}`);
} finally {
  await browser.close();
}
console.log(`${steps.length} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);
