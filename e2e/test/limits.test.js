// End-to-end: [limits] as socket.io-client sees them. Refused handshakes get
// connect_error with err.data.code; an event over the rate gets the ack
// {error: 'rate limited'}. Client addresses come from X-Forwarded-For, which
// the hub believes because the test's loopback address is a trusted proxy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { startHub, baseConfig } from '../harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const runtime = join(here, '..', '..', 'node_modules', 'quickjs-wasi', 'quickjs.wasm');

// dial connects as client address `from` (through the "proxy" 127.0.0.1) and
// resolves with the socket, or rejects with the connect_error.
function dial(url, from, transport = 'websocket') {
  const socket = io(url, {
    transports: [transport],
    extraHeaders: from ? { 'x-forwarded-for': from } : {},
    reconnection: false,
    forceNew: true,
    timeout: 5000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => { socket.close(); reject(err); });
  });
}

async function refused(p, code, message) {
  await assert.rejects(p, (err) => {
    assert.equal(err.message, message);
    assert.deepEqual(err.data, { code });
    return true;
  });
}

describe('[limits]', () => {
  let hub;
  const open = [];
  const conn = async (from, transport) => {
    const s = await dial(hub.url, from, transport);
    open.push(s);
    return s;
  };

  before(async () => {
    if (!existsSync(runtime)) throw new Error(`${runtime} is missing: run npm ci at the repository root`);
    const dir = mkdtempSync(join(tmpdir(), 'iohub-limits-'));
    writeFileSync(join(dir, 'echo.js'), "module.exports = { name: 'echo', handler: (ctx, socket, x, ack) => ack(x) };\n");
    // The event rate refills one token in 1000s: within the test, the
    // burst of 2 is all a socket gets.
    hub = await startHub(baseConfig(`
[plugins]
dir = "${dir}"
jsRuntime = "${runtime}"
watch = false
[limits]
maxConnections = 3
maxConnectionsPerIP = 2
eventsPerSecond = 0.001
eventsBurst = 2
trustedProxies = ["127.0.0.1/32"]
`));
  });
  after(async () => {
    for (const s of open) s.close();
    assert.equal(await hub.stop(), 0);
  });

  it('refuses a third socket from one address with too_many_connections', async () => {
    await conn('203.0.113.1');
    await conn('203.0.113.1', 'polling');
    await refused(dial(hub.url, '203.0.113.1'), 'too_many_connections', 'Too many connections');
  });

  it('refuses past maxConnections, and takes a socket again once one left', async () => {
    const third = await conn('203.0.113.2');
    await refused(dial(hub.url, '203.0.113.3', 'polling'), 'too_many_connections', 'Too many connections');
    third.close();
    // The slot is freed when the hub sees the close, just after the client's.
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await conn('203.0.113.3');
        break;
      } catch (err) {
        if (err.data?.code !== 'too_many_connections' || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });

  it('answers an event over the rate with {error: "rate limited"}', async () => {
    const s = open.at(-1);
    const ack = (x) => s.timeout(5000).emitWithAck('echo', x);
    assert.equal(await ack(1), 1);
    assert.equal(await ack(2), 2);
    assert.deepEqual(await ack(3), { error: 'rate limited' });
    s.emit('echo', 4); // no ack: dropped, and logged at debug
    await hub.waitForLog(new RegExp(`msg="event dropped: over limits.eventsPerSecond" component=realtime socket=${s.id} event=echo\\n[^]*msg="event dropped: over limits.eventsPerSecond" component=realtime socket=${s.id} event=echo`));
  });
});

describe('[limits] handshakesPerSecondPerIP', () => {
  let hub;
  before(async () => {
    // One handshake per address, then one every 1000s.
    hub = await startHub(baseConfig(`
[limits]
handshakesPerSecondPerIP = 0.001
`));
  });
  after(async () => { assert.equal(await hub.stop(), 0); });

  it('refuses a second handshake from one address with too_many_handshakes', async () => {
    const s = await dial(hub.url);
    await refused(dial(hub.url), 'too_many_handshakes', 'Too many handshakes');
    // X-Forwarded-For is not trusted here: a spoofed address does not help.
    await refused(dial(hub.url, '198.51.100.1', 'polling'), 'too_many_handshakes', 'Too many handshakes');
    s.close();
  });
});
