// Test harness for a real Strapi: installs (once per lockfile, through
// scripts/strapi-install.sh) and starts the v4 or v5 project of this folder on
// a free loopback port, with a throwaway SQLite database, and stops it.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

// Skipping is for local runs only, and only when asked for: CI must run these.
export const SKIP = process.env.IOHUB_SKIP_STRAPI === '1';

// installDir is where scripts/strapi-install.sh puts a version's node_modules:
// <cache>/<version>-<first 16 hex of sha256(package.json + lockfile)>.
export function installDir(version) {
  const app = join(here, `${version}-app`);
  const hash = createHash('sha256')
    .update(readFileSync(join(app, 'package.json')))
    .update(readFileSync(join(app, 'package-lock.json.gz')))
    .digest('hex').slice(0, 16);
  const cache = process.env.IOHUB_STRAPI_CACHE || join(homedir(), '.cache', 'iohub-strapi');
  return join(cache, `${version}-${hash}`);
}

// ensureInstalled installs the version unless its lockfile's install is there.
export function ensureInstalled(version) {
  const dir = installDir(version);
  if (existsSync(join(dir, '.installed'))) return dir;
  const r = spawnSync(join(root, 'scripts', 'strapi-install.sh'), [version], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0 || !existsSync(join(dir, '.installed'))) {
    throw new Error(`installing Strapi ${version} failed (scripts/strapi-install.sh ${version} exited ${r.status})`);
  }
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// startStrapi copies the project to a temp dir (its node_modules a link to the
// install), starts `strapi start` there and resolves once /_health answers 204,
// with the full-access API token the bootstrap made (src/index.js). env adds
// to the bootstrap's variables (HUB_WEBHOOK_URL, JWT_SECRET, ...).
export async function startStrapi(version, { env = {}, startMs = 180000 } = {}) {
  const installed = ensureInstalled(version);
  const dir = mkdtempSync(join(tmpdir(), `iohub-strapi-${version}-`));
  for (const part of ['config', 'src', 'public', 'package.json']) {
    cpSync(join(here, `${version}-app`, part), join(dir, part), { recursive: true });
  }
  symlinkSync(join(installed, 'node_modules'), join(dir, 'node_modules'));
  const port = await freePort();
  const tokenFile = join(dir, 'api-token');
  const child = spawn(process.execPath, [join(dir, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js'), 'start'], {
    cwd: dir,
    detached: true, // its own process group, so stop() ends anything it started
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ENV: 'development',
      STRAPI_TELEMETRY_DISABLED: 'true',
      STRAPI_DISABLE_UPDATE_NOTIFICATION: 'true',
      BROWSER: 'none',
      HUB_API_TOKEN_FILE: tokenFile,
      ...env,
    },
  });
  let logs = '';
  child.stdout.on('data', (d) => { logs += d; });
  child.stderr.on('data', (d) => { logs += d; });
  let exitCode;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => { exitCode = code ?? signal; resolve(exitCode); }));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exitCode === undefined) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 15000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + startMs;
  for (;;) {
    if (exitCode !== undefined) {
      await stop();
      throw new Error(`Strapi ${version} exited with ${exitCode} while starting; logs:\n${logs}`);
    }
    try {
      const res = await fetch(`${url}/_health`);
      if (res.status === 204) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Strapi ${version} did not answer /_health in ${startMs / 1000}s; logs:\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const apiToken = readFileSync(tokenFile, 'utf8');
  return { url, apiToken, logs: () => logs, stop };
}

// rest calls Strapi's REST API and resolves with {status, body}; it throws on an
// unexpected status, with Strapi's answer.
export async function rest(base, method, path, { token, body, expect = [200, 201, 204] } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  if (!expect.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return { status: res.status, body: json };
}
