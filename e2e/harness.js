// Test harness: starts the real hub binary on a throwaway config and drives it with
// the official socket.io-client. Nothing here fakes the hub.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHmac } from 'node:crypto';
import { io } from 'socket.io-client';

const here = dirname(fileURLToPath(import.meta.url));
export const HUB_BIN = process.env.IOHUB_BIN || join(here, '.bin', 'hub');
export const JWT_SECRET = 'e2e-secret-0123456789abcdef0123456789';
export const API_TOKEN = 'e2e-api-token';

// The base config every test starts from; tests append role tables.
export function baseConfig(extra = '') {
  return `
listen = "127.0.0.1:0"
logLevel = "debug"
[IOServerOptions]
pingInterval = "2s"
pingTimeout = "2s"
[auth]
jwtSecret = "${JWT_SECRET}"
[api]
tokens = ["${API_TOKEN}", "second-token"]
${extra}
`;
}

// startHub writes config to a temp dir, starts the hub binary on it and resolves
// once it logs its address. stop() sends SIGTERM and resolves with the exit code.
// prefix is a command that execs the hub (such as prlimit with its options).
export function startHub(config, { env = {}, prefix = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'iohub-e2e-'));
  const path = join(dir, 'hub.toml');
  writeFileSync(path, config);
  const argv = [...prefix, HUB_BIN, 'serve', '-config', path];
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  const onData = (d) => { logs += d.toString(); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start in 10s; logs:\n${logs}`)), 10000);
    const check = () => {
      const m = logs.match(/iohub listening.*addr=(http:\/\/[0-9.:]+)/);
      if (m) {
        clearTimeout(timer);
        child.stderr.off('data', check);
        resolve({
          url: m[1],
          pid: child.pid,
          path, // the config file, for tests that rewrite it and reload
          logs: () => logs,
          // waitForLog resolves once the hub's log matches re: its stderr reaches
          // us through a pipe, possibly after the socket traffic it describes.
          waitForLog: async (re, ms = 5000) => {
            const deadline = Date.now() + ms;
            while (!re.test(logs)) {
              if (Date.now() > deadline) throw new Error(`log never matched ${re}:\n${logs}`);
              await new Promise((r) => setTimeout(r, 10));
            }
          },
          stop: async () => { child.kill('SIGTERM'); return exited; },
          // kill ends the hub without a graceful shutdown, as a crash would.
          kill: async (signal = 'SIGKILL') => { child.kill(signal); return exited; },
          exited,
        });
      }
    };
    child.stderr.on('data', check);
    exited.then((code) => { clearTimeout(timer); reject(new Error(`hub exited with ${code}; logs:\n${logs}`)); });
  });
}

function b64url(x) {
  return Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
}

// mintJWT signs claims with HS256 like Strapi's users-permissions plugin does.
export function mintJWT(claims, { secret = JWT_SECRET, ttl = 3600, alg = 'HS256' } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url({ alg, typ: 'JWT' });
  const body = b64url({ iat: now, exp: now + ttl, ...claims });
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  const sig = createHmac(hash, secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

// connect resolves with a connected socket, or rejects with the connect_error.
export function connect(url, { transport = 'websocket', token, auth } = {}) {
  const socket = io(url, {
    transports: [transport],
    auth: auth ?? (token === undefined ? {} : { token }),
    reconnection: false,
    forceNew: true,
    timeout: 5000,
  });
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, args }));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => { socket.close(); reject(err); });
  });
}

// api calls the hub's HTTP API and resolves with {status, body}.
export async function api(url, path, body, { token = API_TOKEN, method = 'POST', raw } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url + path, {
    method,
    headers,
    body: method === 'GET' ? undefined : (raw ?? JSON.stringify(body)),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, body: json, headers: res.headers };
}

let fenceSeq = 0;
// fence makes "nothing else arrived" checkable without sleeping: it raw-emits a
// unique marker to every socket and waits until each given socket has it. The hub
// delivers in order per socket, so anything emitted before the marker is there.
export async function fence(url, sockets) {
  const id = ++fenceSeq;
  const r = await api(url, '/hub/raw', { event: 'fence', data: id });
  if (r.status !== 202) throw new Error(`fence: ${r.status} ${JSON.stringify(r.body)}`);
  await Promise.all(sockets.map((s) => waitFor(s, (m) => m.event === 'fence' && m.args[0] === id)));
  for (const s of sockets) s.received = s.received.filter((m) => m.event !== 'fence');
}

// waitFor resolves when socket has received a message matching pred.
export function waitFor(socket, pred, ms = 5000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const m = socket.received.find(pred);
      if (m) return resolve(m);
      if (Date.now() - started > ms) return reject(new Error(`timed out; received: ${JSON.stringify(socket.received)}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

export function events(socket) {
  return socket.received.map((m) => m.event);
}
