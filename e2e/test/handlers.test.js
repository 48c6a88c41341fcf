// End-to-end: Wasm handlers built from source in four languages (by
// scripts/build-examples.sh, into $IOHUB_PLUGINS), run by the real hub, driven by
// socket.io-client.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub, baseConfig, connect, mintJWT, api, fence, waitFor, events } from '../harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const built = process.env.IOHUB_PLUGINS || join(repo, 'build', 'plugins');
const LANGS = { c: 'c', go: 'go', as: 'assemblyscript', rust: 'rust' };

function pluginsDir() {
  if (!existsSync(join(built, 'echo-c.wasm'))) {
    throw new Error(`no built handlers in ${built}: run ./scripts/build-examples.sh ${built}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'iohub-plugins-'));
  for (const f of readdirSync(built)) if (f.endsWith('.wasm')) copyFileSync(join(built, f), join(dir, f));
  // WAT fixtures of the host's own tests (hub/plugin/testdata): a content emit,
  // a connection counter, a KV counter and a handler that traps on request.
  for (const [fixture, module] of [['effects', 'announce'], ['welcome', 'welcome'], ['counter', 'counter'], ['trap', 'trap']]) {
    execFileSync('wat2wasm', [join(repo, `hub/plugin/testdata/${fixture}.wat`), '-o', join(dir, `${module}.wasm`)]);
  }
  return dir;
}

const ackOf = (socket, event, ...args) => socket.timeout(5000).emitWithAck(event, ...args);

describe('Wasm handlers from every SDK', () => {
  let hub;
  const open = [];
  const conn = async (opts = {}) => {
    const s = await connect(hub.url, { transport: opts.transport || 'websocket', ...opts });
    open.push(s);
    return s;
  };

  before(async () => {
    const dir = pluginsDir();
    const echo = Object.keys(LANGS).map((l) => `
[[events]]
name = "echo:${l}"
handler = "echo-${l}"`).join('\n');
    const loggers = ['connection-logger', 'connection-logger-go', 'connection-logger-as', 'connection-logger-rust'].map((m) => `
[[events]]
name = "connection"
handler = "${m}"`).join('\n');
    hub = await startHub(baseConfig(`
[plugins]
dir = "${dir}"
watch = false
timeout = "500ms"
memoryLimit = "64MiB"
${loggers}
${echo}
[[events]]
name = "chat:send"
handler = "rate-limiter"
config = { perSecond = 3 }
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
[[events]]
name = "announce"
handler = "announce"
[[events]]
name = "connection"
handler = "welcome"
config = { mode = "c" }
[[events]]
name = "stats"
handler = "welcome"
config = { mode = "s" }
[[events]]
name = "tick"
handler = "counter"
[[events]]
name = "risky"
handler = "trap"
[roles.Public]
permissions = ["api::message.message.find"]
[roles.Authenticated]
permissions = ["api::message.message.*"]
`));
  });
  after(async () => {
    for (const s of open) s.close();
    assert.equal(await hub.stop(), 0);
  });

  it('runs the connection logger in C, Go, AssemblyScript and Rust for each accepted socket', async () => {
    const s = await conn();
    await assert.rejects(conn({ token: 'bad' }), { message: 'Invalid token.' });
    const line = `[io] new connection with id ${s.id}`;
    const deadline = Date.now() + 5000;
    let count = 0;
    while (Date.now() < deadline) {
      count = hub.logs().split('\n').filter((l) => l.includes('level=INFO') && l.includes(line)).length;
      if (count >= 4) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(count, 4, `want the line from 4 loggers:\n${hub.logs()}`);
    for (const m of ['connection-logger', 'connection-logger-go', 'connection-logger-as', 'connection-logger-rust']) {
      assert.match(hub.logs(), new RegExp(`level=INFO msg="\\[io\\] new connection with id ${s.id}" component=plugins plugin=${m} `));
    }
  });

  for (const [short, lang] of Object.entries(LANGS)) {
    for (const transport of ['websocket', 'polling']) {
      it(`answers a custom event's ack from ${lang} over ${transport}`, async () => {
        const s = await conn({ transport });
        const arg = { text: 'héllo "quoted" \\ \n', n: [1, 2.5, null, true] };
        const reply = await ackOf(s, `echo:${short}`, arg, 'two');
        assert.deepEqual(reply, { lang, event: `echo:${short}`, args: [arg, 'two'] });
      });
    }
  }

  // Every SDK speaks ABI v1.1: its echo passes the arguments back verbatim,
  // placeholders included, and the client gets its bytes back.
  for (const [short, lang] of Object.entries(LANGS)) {
    for (const transport of ['websocket', 'polling']) {
      it(`echoes binary arguments byte for byte from ${lang} over ${transport}`, async () => {
        const s = await conn({ transport });
        const buf = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 0x22, 0x5c]);
        const nested = Buffer.from('héllo');
        const reply = await ackOf(s, `echo:${short}`, buf, { nested, n: 1 });
        assert.equal(reply.lang, lang);
        const [a, b] = reply.args;
        assert.ok(Buffer.isBuffer(a) || a instanceof ArrayBuffer, `not binary: ${JSON.stringify(a)}`);
        assert.deepEqual(Buffer.from(a), buf);
        assert.deepEqual(Buffer.from(b.nested), nested);
        assert.equal(b.n, 1);
      });
    }
  }

  it('validates chat messages, acks the sender and broadcasts to the room', async () => {
    const alice = await conn({ token: mintJWT({ id: 100 }) });
    const bob = await conn();
    const carol = await conn();
    assert.deepEqual(await ackOf(bob, 'chat:send', { room: 'lobby', text: 'hi all' }), { ok: true });
    assert.deepEqual(await ackOf(alice, 'chat:send', { room: 'lobby', text: 'hello bob' }), { ok: true });
    const bad = await ackOf(carol, 'chat:send', { room: '', text: 'x' });
    assert.match(bad.error, /room/);
    await fence(hub.url, [alice, bob, carol]);
    const msgs = (s) => s.received.filter((m) => m.event === 'chat:message').map((m) => m.args[0].text);
    assert.deepEqual(msgs(bob), ['hi all', 'hello bob']);
    assert.deepEqual(msgs(alice), ['hello bob']);
    assert.deepEqual(msgs(carol), []);
    const fromAlice = bob.received.find((m) => m.event === 'chat:message' && m.args[0].text === 'hello bob').args[0];
    assert.equal(fromAlice.from, alice.id);
    assert.equal(fromAlice.room, 'lobby');
  });

  it('rejects a socket\'s events past N per second, before the chat handler runs', async () => {
    const s = await conn();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => ackOf(s, 'chat:send', { room: 'spam', text: `m${i}` })));
    const ok = results.filter((r) => r.ok === true).length;
    const limited = results.filter((r) => /rate limit exceeded: 3 events per second/.test(r.error || ''));
    // 12 events within a second or two: at most 3 per second pass.
    assert.ok(ok >= 3 && ok <= 6, `passed ${ok}: ${JSON.stringify(results)}`);
    assert.equal(ok + limited.length, 12, JSON.stringify(results));
    await fence(hub.url, [s]);
    assert.equal(s.received.filter((m) => m.event === 'chat:message').length, ok, 'rejected events are not broadcast');
  });

  it('counts online users per role with kv_add and emits the count', async () => {
    const watcher = await conn({ token: mintJWT({ id: 200 }) });
    const base = (await ackOf(watcher, 'presence:get')).online;
    const last = () => watcher.received.filter((m) => m.event === 'presence' && m.args[0].role === 'Authenticated').at(-1)?.args[0].online;
    const others = [];
    for (let i = 0; i < 3; i++) others.push(await conn({ token: mintJWT({ id: 201 + i }) }));
    await waitFor(watcher, () => last() === base + 3);
    others[0].close();
    others[1].close();
    await waitFor(watcher, () => last() === base + 1);
    assert.deepEqual(await ackOf(watcher, 'presence:get'), { role: 'Authenticated', online: base + 1 });
    const anon = await conn();
    const anonCount = (await ackOf(anon, 'presence:get')).online;
    assert.ok(anonCount >= 1);
    assert.equal(watcher.received.filter((m) => m.event === 'presence' && m.args[0].role === 'Public').length, 0, 'presence goes to the role room only');
  });

  it('an emit from a handler reaches only the permitted roles, sanitised', async () => {
    const anon = await conn();
    const user = await conn({ token: mintJWT({ id: 300 }) });
    assert.deepEqual(await ackOf(anon, 'announce'), 'done');
    await fence(hub.url, [anon, user]);
    assert.deepEqual(events(anon).filter((e) => e === 'message:create'), []);
    const got = user.received.filter((m) => m.event === 'message:create');
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].args, [{ text: 'hi' }], 'password removed');
  });

  it('runs connection handlers for accepted sockets only', async () => {
    const before = await ackOf(await conn(), 'stats');
    for (const token of ['bad', mintJWT({ id: 1 }, { secret: 'wrong' })]) {
      await assert.rejects(conn({ token }), { message: 'Invalid token.' });
    }
    const s = await conn({ token: mintJWT({ id: 400 }) });
    await waitFor(s, (m) => m.event === 'welcome');
    // The counter counts connection handler runs: the refused sockets never ran it.
    assert.equal(await ackOf(s, 'stats'), before + 1);
  });

  it("keeps one socket's events in order", async () => {
    const s = await conn();
    const first = Number(await ackOf(s, 'tick'));
    const acks = await Promise.all(Array.from({ length: 30 }, () => ackOf(s, 'tick')));
    assert.deepEqual(acks.map(Number), Array.from({ length: 30 }, (_, i) => first + 1 + i));
  });

  // Over a WebSocket the hub reads small text events itself and leaves
  // binary and large ones to the library: the handler still sees them in
  // the order sent.
  for (const transport of ['websocket', 'polling']) {
    it(`keeps one socket's events in order across binary and large events over ${transport}`, async () => {
      const s = await conn({ transport });
      const first = Number(await ackOf(s, 'tick'));
      const arg = (i) => [Buffer.from([i]), 'x'.repeat(70000), { i }][i % 3];
      const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => ackOf(s, 'tick', arg(i))));
      assert.deepEqual(acks.map(Number), Array.from({ length: 30 }, (_, i) => first + 1 + i));
    });
  }

  it('contains a trapping handler: an error ack, the socket stays, the next event works', async () => {
    const s = await conn();
    assert.deepEqual(await ackOf(s, 'risky', 'x'.repeat(400)), { error: 'handler failed' });
    assert.equal(await ackOf(s, 'risky', 'small'), 'alive');
    assert.ok(s.connected);
    await hub.waitForLog(/handler failed; instance discarded[^\n]*plugin=trap[^\n]*reason="trap: /);
  });
});
