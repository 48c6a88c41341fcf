// End-to-end: the official Socket.IO Admin UI (npm @socket.io/admin-ui, its
// built ui/dist as the hub serves it at /hub/admin/) in headless Chromium,
// against the real hub binary with [admin] enabled. It logs in, sees the
// application's sockets with their rooms and the server's stats, and saves
// screenshots to e2e/artifacts/.
//
// Needs Debian's chromium (/usr/bin/chromium, or IOHUB_CHROMIUM), playwright-core
// (npm ci in e2e/) and the UI (npm ci at the repository root). Without them the
// test skips saying what to install; under IOHUB_REQUIRE_ALL=1 (scripts/test.sh)
// it fails instead.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub, baseConfig, connect, mintJWT } from '../harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const UI_DIR = join(repo, 'node_modules', '@socket.io', 'admin-ui', 'ui', 'dist');
const CHROMIUM = process.env.IOHUB_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(here, '..', 'artifacts');
// bcrypt("s3cret") at cost 4, as bcryptjs (the UI's own server) writes it.
const HASH = '$2a$04$ufoBOZ.IpVFW2ZbfZswvn.Co/.AGofpr0txVfsZ/p0mC451Zh0zD6';

// What is missing to run the test, each with how to install it.
async function prerequisites() {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
  if (!existsSync(join(UI_DIR, 'index.html'))) missing.push(`${UI_DIR} (npm ci at the repository root)`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    missing.push('playwright-core (npm ci in e2e/)');
  }
  return { missing, chromium };
}

const pre = await prerequisites();
const required = !!process.env.IOHUB_REQUIRE_ALL;
const skip = pre.missing.length > 0 && !required
  ? `skipped: missing ${pre.missing.join(', ')}; install them to run this test (scripts/test.sh does, and fails instead of skipping)`
  : false;

describe('Socket.IO Admin UI', { skip }, () => {
  let hub, anon, user, context, page, profile;

  before(async () => {
    // Under IOHUB_REQUIRE_ALL a missing prerequisite fails here, by name.
    assert.deepEqual(pre.missing, [], `the Admin UI test cannot run: missing ${pre.missing.join(', ')}`);
    hub = await startHub(baseConfig(`
[admin]
enabled = true
username = "ops"
password = "${HASH}"
uiDir = "${UI_DIR}"
`));
    anon = await connect(hub.url, { transport: 'polling' });
    user = await connect(hub.url, { token: mintJWT({ id: 42 }) });
    profile = mkdtempSync(join(tmpdir(), 'iohub-chromium-'));
    // The flags keep Chromium off the network (the machine has none beyond
    // loopback) and out of any profile but a fresh one.
    context = await pre.chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
    });
    // index.html links fonts and icons from CDNs; only the hub is reachable.
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    page = context.pages()[0] ?? await context.newPage();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    anon?.close();
    user?.close();
    await hub?.stop();
  });

  async function login(password) {
    const dialog = page.locator('.v-dialog--active');
    await dialog.getByLabel('Server URL').fill(hub.url);
    await dialog.getByLabel('Username').fill('ops');
    await dialog.getByLabel('Password').fill(password);
    await dialog.getByRole('button', { name: 'Connect' }).click();
  }

  it('logs in and shows the sockets, their rooms and the server', async () => {
    await page.goto(`${hub.url}/hub/admin/`);

    // Wrong password: the UI's own message, and the hub logs the refusal.
    await login('wrong');
    await page.getByText('Invalid credentials').waitFor({ timeout: 10000 });
    await hub.waitForLog(/admin login refused/);

    await login('s3cret');
    await page.getByRole('button', { name: 'Connect' }).waitFor({ state: 'hidden', timeout: 10000 });
    await page.getByText(/^connected$/i).first().waitFor();
    await hub.waitForLog(/admin UI connected/);

    // Sockets: both application sockets, never the UI's own.
    await page.goto(`${hub.url}/hub/admin/#/sockets/`);
    const rows = page.locator('table', { hasText: 'IP address' }).locator('tbody tr');
    await page.getByText(anon.id).waitFor({ timeout: 10000 });
    await page.getByText(user.id).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'admin-ui.png'), fullPage: true, animations: 'disabled' });
    assert.equal(await rows.count(), 2, 'the sockets page lists exactly the two application sockets');

    // One socket's details: its transport, role and rooms.
    await page.goto(`${hub.url}/hub/admin/#/n/%2F/sockets/${user.id}`);
    const rooms = page.locator('.v-card', { hasText: 'Join a room' });
    for (const room of ['Authenticated', 'user:42', user.id]) {
      await rooms.getByRole('cell', { name: room, exact: true }).waitFor({ timeout: 10000 });
    }
    await page.getByText('"role": "Authenticated"').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'admin-ui-socket.png'), fullPage: true, animations: 'disabled' });

    // Rooms: the role rooms of both sockets.
    await page.goto(`${hub.url}/hub/admin/#/rooms/`);
    // (The page slid out may still be in the document: the table with
    // Public is the rooms page's.)
    const roomList = page.locator('table', { has: page.locator('td:text-is("Public")') });
    await roomList.waitFor({ timeout: 10000 });
    await roomList.locator('td:text-is("Authenticated")').waitFor();
    await roomList.locator('td:text-is("user:42")').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'admin-ui-rooms.png'), fullPage: true, animations: 'disabled' });

    // Servers: the hub's stats (pid, uptime, clients), healthy.
    await page.goto(`${hub.url}/hub/admin/#/servers/`);
    const row = page.locator('tr', { has: page.locator(`td:text-is("${hub.pid}")`) });
    await row.waitFor({ timeout: 10000 });
    const text = await row.innerText();
    assert.match(text, /\b\d+s\b/, `uptime shown: ${text}`);
    assert.match(text, /\t2\t/, `2 clients shown: ${text}`);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-ui-servers.png'), fullPage: true, animations: 'disabled' });

    // A socket that connects now shows up live.
    const late = await connect(hub.url, {});
    try {
      await page.goto(`${hub.url}/hub/admin/#/sockets/`);
      await page.getByText(late.id).waitFor({ timeout: 10000 });
    } finally {
      late.close();
    }
  });
});
