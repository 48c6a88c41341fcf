// Cluster test harness: a real redis-server (that tests can stop and start
// again on the same port) and several real hub processes joined through it.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, copyFileSync, readdirSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startHub, baseConfig, api, waitFor } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const built = process.env.IOHUB_PLUGINS || join(repo, 'build', 'plugins');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function pingRedis(port) {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    let data = '';
    c.setTimeout(1000, () => { c.destroy(); resolve(false); });
    c.on('error', () => resolve(false));
    c.on('connect', () => c.write('PING\r\n'));
    c.on('data', (d) => {
      data += d;
      if (data.includes('\n')) { c.destroy(); resolve(data.startsWith('+PONG')); }
    });
  });
}

// startRedis runs redis-server on a free loopback port, without persistence.
// stop() kills it as a crash would; start() brings it back on the same port,
// empty.
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'iohub-redis-'));
  let child = null;
  const r = {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    async start() {
      for (let attempt = 0; attempt < 50; attempt++) {
        const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
          '--dir', dir, '--loglevel', 'warning'], { stdio: 'ignore' });
        const failed = new Promise((resolve) => { c.on('exit', () => resolve(true)); c.on('error', () => resolve(true)); });
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline) {
          if (await Promise.race([failed, sleep(20).then(() => false)])) break;
          if (await pingRedis(port)) { child = c; return; }
        }
        c.kill('SIGKILL');
        await sleep(100); // the port may still be held by the old process
      }
      throw new Error(`redis-server did not start on port ${port} (is it installed? apt install redis-server)`);
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = null;
      const exited = new Promise((resolve) => c.on('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
  };
  await r.start();
  return r;
}

// pluginsDir copies the built example handlers and builds the ops fixture
// (a handler that acts on any socket id it is given) with the C SDK.
export function pluginsDir() {
  if (!existsSync(join(built, 'presence.wasm'))) {
    throw new Error(`no built handlers in ${built}: run ./scripts/build-examples.sh ${built}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'iohub-cluster-plugins-'));
  for (const f of readdirSync(built)) if (f.endsWith('.wasm')) copyFileSync(join(built, f), join(dir, f));
  execFileSync(join(repo, 'sdk', 'c', 'build.sh'), [join(here, 'cluster-fixtures', 'ops'), join(dir, 'ops.wasm')]);
  // The host's ABI v1.1 fixture: echoes a binary argument and raw-emits part
  // of it to every socket.
  execFileSync('wat2wasm', [join(repo, 'hub', 'plugin', 'testdata', 'binary.wat'), '-o', join(dir, 'binary.wasm')]);
  return dir;
}

export const handlers = `
[[events]]
name = "op"
handler = "ops"
[[events]]
name = "bin"
handler = "binary"
[[events]]
name = "chat:send"
handler = "chat"
[[events]]
name = "connection"
handler = "presence"
[[events]]
name = "disconnect"
handler = "presence"
[[events]]
name = "presence:get"
handler = "presence"
`;

export const roles = `
[roles.Public]
permissions = ["api::message.message.find"]
[roles.Authenticated]
permissions = ["api::message.message.*"]
[roles.Editor]
permissions = ["api::article.article.*"]
`;

// startCluster starts count hubs on one Redis, with the same config but their
// own node ids, and waits until each sees all of them.
export async function startCluster(redis, count, { plugins } = {}) {
  const prefix = `e2e-${randomBytes(4).toString('hex')}`;
  const hubs = await Promise.all(Array.from({ length: count }, (_, i) => startHub(baseConfig(`
[plugins]
dir = "${plugins}"
watch = false
timeout = "500ms"
${handlers}
${roles}
[cluster]
redis = "${redis.url}"
nodeId = "node-${i}"
channelPrefix = "${prefix}"
`))));
  await Promise.all(hubs.map((h) => waitHealth(h, (b) => b.status === 'ok' && b.cluster?.nodes === count)));
  return hubs;
}

export async function health(hub) {
  const r = await api(hub.url, '/hub/health', undefined, { method: 'GET', token: '' });
  return r.body;
}

export async function waitHealth(hub, pred, ms = 20000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await health(hub);
    if (pred(last)) return last;
    await sleep(50);
  }
  throw new Error(`health never matched; last: ${JSON.stringify(last)}`);
}

let fenceSeq = 0;
// clusterFence makes "nothing else arrived" checkable across nodes: a raw
// emit through each hub in turn, awaited on every socket. Each node publishes
// its deliveries in order on one channel, so once a hub's fence is there,
// everything that hub delivered earlier is too.
// Events named in drop (default: the fences) are then removed from what the
// sockets received.
export async function clusterFence(hubs, sockets, drop = ['fence']) {
  for (const hub of hubs) {
    const id = `${++fenceSeq}`;
    const r = await api(hub.url, '/hub/raw', { event: 'fence', data: id });
    if (r.status !== 202) throw new Error(`fence: ${r.status} ${JSON.stringify(r.body)}`);
    await Promise.all(sockets.map((s) => waitFor(s, (m) => m.event === 'fence' && m.args[0] === id, 10000)));
  }
  for (const s of sockets) s.received = s.received.filter((m) => !drop.includes(m.event));
}

// count is how many times socket got event (optionally matching pred).
export function count(socket, event, pred = () => true) {
  return socket.received.filter((m) => m.event === event && pred(m)).length;
}
