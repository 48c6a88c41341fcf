// End-to-end: JavaScript handlers (plugins/*.js, strapi-plugin-io's events[]
// entries as they are) run by the real hub in QuickJS on Wasm, driven by
// socket.io-client. The runtime is node_modules/quickjs-wasi/quickjs.wasm at
// the repository root (npm ci there, as scripts/test.sh does).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub, baseConfig, connect, mintJWT, fence, waitFor, events } from '../harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const runtime = join(repo, 'node_modules', 'quickjs-wasi', 'quickjs.wasm');
const built = process.env.IOHUB_PLUGINS || join(repo, 'build', 'plugins');
const ackOf = (socket, event, ...args) => socket.timeout(5000).emitWithAck(event, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The example handler of strapi-plugin-io's README, copied verbatim.
const SEED = `module.exports = [
  {
    name: 'connection',
    handler: ({ strapi }, socket) => {
      strapi.log.info(\`[io] new connection with id \${socket.id}\`);
    },
  },
];
`;

const TOOLS = `
module.exports = [
  { name: 'echo', handler: (ctx, socket, ...args) => {
      const ack = args.pop();
      ack({ from: socket.id, role: socket.role, args });
  } },
  { name: 'later', handler: async ({ strapi }, socket, n, ack) => {
      await null;
      ack(n * 2);
  } },
  { name: 'publish', handler: ({ strapi }, socket, text, ack) => {
      strapi.$io.emit('api::message.message.create', { text, password: 'secret' });
      ack('published');
  } },
  { name: 'team:join', handler: (ctx, socket, team, ack) => { socket.join('team:' + team); ack('joined'); } },
  { name: 'team:say', handler: ({ strapi }, socket, team, text, ack) => {
      strapi.$io.raw('team:message', { team, text }, { room: 'team:' + team });
      ack('said');
  } },
  { name: 'bin', handler: (ctx, socket, data, ack) => {
      if (!(data instanceof Uint8Array)) throw new TypeError('not a Uint8Array');
      socket.broadcast.emit('bin:seen', data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      ack(data, { len: data.length });
  } },
  { name: 'spin', handler: () => { while (true) {} } },
  { name: 'boom', handler: (ctx, socket, what) => {
      console.error('about to fail on', what);
      throw new TypeError('cannot handle ' + what);
  } },
];
`;

// write replaces a file as a deploy should: beside it, then a rename.
function write(dir, name, src) {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, src);
  renameSync(tmp, join(dir, name));
}

describe('JavaScript handlers', () => {
  let hub;
  let dir;
  const open = [];
  const conn = async (opts = {}) => {
    const s = await connect(hub.url, opts);
    open.push(s);
    return s;
  };

  before(async () => {
    if (!existsSync(runtime)) throw new Error(`${runtime} is missing: run npm ci at the repository root`);
    if (!existsSync(join(built, 'chat-js.js'))) throw new Error(`no JavaScript examples in ${built}: run ./scripts/build-examples.sh ${built}`);
    dir = mkdtempSync(join(tmpdir(), 'iohub-js-'));
    write(dir, 'seed.js', SEED);
    write(dir, 'tools.js', TOOLS);
    write(dir, 'hot.js', "module.exports = { name: 'hot', handler: (c, s, ack) => ack('v1') };\n");
    copyFileSync(join(built, 'chat-js.js'), join(dir, 'chat.js'));
    // No [[events]]: every .js file binds itself by its entries' names.
    hub = await startHub(baseConfig(`
[plugins]
dir = "${dir}"
jsRuntime = "${runtime}"
watch = true
timeout = "300ms"
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

  it("runs the seed's README handler, copied verbatim, for a real connection", async () => {
    const s = await conn({ transport: 'polling' });
    await hub.waitForLog(new RegExp(`level=INFO msg="\\[io\\] new connection with id ${s.id}" component=plugins plugin=seed.js event=connection`));
  });

  for (const transport of ['websocket', 'polling']) {
    it(`answers a JavaScript handler's ack over ${transport}`, async () => {
      const s = await conn({ transport });
      const arg = { text: 'héllo "quoted" \\ \n', n: [1, 2.5, null, true] };
      assert.deepEqual(await ackOf(s, 'echo', arg, 'two'), { from: s.id, role: 'Public', args: [arg, 'two'] });
      assert.equal(await ackOf(s, 'later', 21), 42, 'a handler returning a promise');
    });
  }

  it('$io.emit reaches only the roles permitted, sanitised; $io.raw reaches its room', async () => {
    const anon = await conn();
    const user = await conn({ token: mintJWT({ id: 7 }) });
    const teammate = await conn();
    assert.equal(await ackOf(anon, 'publish', 'hello'), 'published');
    await fence(hub.url, [anon, user]);
    assert.deepEqual(events(anon).filter((e) => e === 'message:create'), [], 'Public may only find');
    const got = user.received.filter((m) => m.event === 'message:create');
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].args, [{ text: 'hello' }], 'private fields removed');

    assert.equal(await ackOf(teammate, 'team:join', 'a'), 'joined');
    assert.equal(await ackOf(user, 'team:join', 'a'), 'joined');
    assert.equal(await ackOf(user, 'team:say', 'a', 'go'), 'said');
    await fence(hub.url, [anon, user, teammate]);
    const said = (s) => s.received.filter((m) => m.event === 'team:message').map((m) => m.args);
    assert.deepEqual(said(teammate), [[{ team: 'a', text: 'go' }]]);
    assert.deepEqual(said(user), [[{ team: 'a', text: 'go' }]]);
    assert.deepEqual(said(anon), [], 'not in the room');
  });

  it('gets a Buffer as a Uint8Array and sends binary back in the ack and to other sockets', async () => {
    const sender = await conn();
    const other = await conn({ transport: 'polling' });
    const buf = Buffer.from([0, 0xff, 0x80, 0x22, 0x5c, 10, 13, 0]);
    // Both ack arguments: emitWithAck resolves with the first only.
    const [err, echoed, info] = await new Promise((resolve) => sender.timeout(5000).emit('bin', buf, (...r) => resolve(r)));
    assert.equal(err, null);
    assert.ok(Buffer.isBuffer(echoed) || echoed instanceof ArrayBuffer, `not binary: ${JSON.stringify(echoed)}`);
    assert.deepEqual(Buffer.from(echoed), buf);
    assert.deepEqual(info, { len: buf.length });
    const seen = await waitFor(other, (m) => m.event === 'bin:seen');
    assert.deepEqual(Buffer.from(seen.args[0]), buf);
    assert.ok(!sender.received.some((m) => m.event === 'bin:seen'), 'broadcast skips the sender');
  });

  it('stops an infinite loop at the deadline; the socket stays and the next event works', async () => {
    const s = await conn();
    const started = Date.now();
    assert.deepEqual(await ackOf(s, 'spin'), { error: 'handler failed' });
    const took = Date.now() - started;
    assert.ok(took < 4000, `the loop ran ${took}ms`);
    assert.ok(s.connected);
    assert.deepEqual(await ackOf(s, 'echo', 1), { from: s.id, role: 'Public', args: [1] });
    await hub.waitForLog(/handler failed; VM discarded[^\n]*plugin=tools\.js event=spin reason="cpu time limit: used more than 300ms of CPU"/);
  });

  it('logs an exception and answers it in the ack', async () => {
    const s = await conn();
    assert.deepEqual(await ackOf(s, 'boom', 'this'), { error: 'cannot handle this' });
    await hub.waitForLog(/level=ERROR msg="about to fail on this" component=plugins plugin=tools\.js event=boom/);
    await hub.waitForLog(/level=WARN msg="handler threw" component=plugins plugin=tools\.js event=boom message="cannot handle this" stack="[^"]*tools\.js:\d+/);
    assert.equal(await ackOf(s, 'later', 1), 2);
  });

  it('runs the chat example: validates, joins the room, broadcasts to it', async () => {
    const alice = await conn({ token: mintJWT({ id: 100 }) });
    const bob = await conn();
    const carol = await conn();
    assert.deepEqual(await ackOf(bob, 'chat:send', { room: 'lobby', text: 'hi all' }), { ok: true });
    assert.deepEqual(await ackOf(alice, 'chat:send', { room: 'lobby', text: 'hello bob' }), { ok: true });
    assert.match((await ackOf(carol, 'chat:send', { room: '', text: 'x' })).error, /room must be/);
    await fence(hub.url, [alice, bob, carol]);
    const msgs = (s) => s.received.filter((m) => m.event === 'chat:message').map((m) => m.args[0].text);
    assert.deepEqual(msgs(bob), ['hi all', 'hello bob']);
    assert.deepEqual(msgs(alice), ['hello bob']);
    assert.deepEqual(msgs(carol), []);
    const fromAlice = bob.received.find((m) => m.event === 'chat:message' && m.args[0].text === 'hello bob').args[0];
    assert.equal(fromAlice.from, alice.id);
    assert.equal(fromAlice.userId, '100');
  });

  it('hot-reloads an edit, and keeps the old version serving after a broken one', async () => {
    const s = await conn();
    assert.equal(await ackOf(s, 'hot'), 'v1');
    write(dir, 'hot.js', "module.exports = { name: 'hot', handler: (c, s, ack) => ack('v2') };\n");
    await hub.waitForLog(/handler file reloaded[^\n]*plugin=hot\.js/);
    assert.equal(await ackOf(s, 'hot'), 'v2');
    // A syntax error on line 3: refused, naming the file and the line.
    write(dir, 'hot.js', "module.exports = {\n  name: 'hot',\n  handler: (c, s, ack) => ack('v3'\n};\n");
    await hub.waitForLog(/handler file refused; the previous version keeps serving[^\n]*plugin=hot\.js[^\n]*hot\.js:4:\d+: SyntaxError/);
    for (let i = 0; i < 5; i++) assert.equal(await ackOf(s, 'hot'), 'v2');
    write(dir, 'hot.js', "module.exports = { name: 'hot', handler: (c, s, ack) => ack('v4') };\n");
    const deadline = Date.now() + 5000;
    let got;
    while ((got = await ackOf(s, 'hot')) !== 'v4' && Date.now() < deadline) await sleep(50);
    assert.equal(got, 'v4');
  });
});

describe('JavaScript handlers without the runtime', () => {
  it('says at start-up that the runtime is missing and how to get it, and keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iohub-js-'));
    write(dir, 'seed.js', SEED);
    const hub = await startHub(baseConfig(`
[plugins]
dir = "${dir}"
watch = false
jsRuntime = "app/node_modules/quickjs-wasi/quickjs.wasm"
`));
    try {
      await hub.waitForLog(/level=ERROR msg="JavaScript handlers cannot run" component=plugins err="the JavaScript runtime [^"]*app\/node_modules\/quickjs-wasi\/quickjs\.wasm is missing: run `npm install quickjs-wasi@[0-9.]+` in [^"]*app /);
      const s = await connect(hub.url);
      assert.ok(s.connected);
      s.close();
    } finally {
      assert.equal(await hub.stop(), 0);
    }
  });
});

// strapi-plugin-io 2's object forms, next to version 1's positional ones.
const V2 = `
const article = { uid: 'api::blog.article', singularName: 'article',
  attributes: { author: { type: 'relation', relation: 'manyToOne', target: 'plugin::users-permissions.user' } } };
module.exports = [
  { name: 'v2:emit', handler: ({ strapi }, socket, ack) => {
      strapi.$io.emit({ event: 'create', schema: 'api::message.message', data: { id: 1, text: 'v2', password: 'secret' } });
      strapi.$io.emit({ event: 'update', schema: article, data: { id: 2, title: 't', author: { id: 7, username: 'ann' } } });
      strapi.$io.emit('api::message.message.update', { id: 1, text: 'v1' });
      ack('ok');
  } },
  { name: 'v2:raw', handler: ({ strapi }, socket, rooms, ack) => {
      strapi.$io.raw({ event: 'dm', data: { to: rooms }, rooms });
      strapi.$io.raw({ event: 'lobby', data: 'hi', room: 'Public' });
      strapi.$io.raw('v1', { n: 1 }, { room: 'Public' });
      ack('ok');
  } },
];
`;

describe('JavaScript handlers: the plugin API in all its forms', () => {
  let hub;
  const open = [];
  const conn = async (opts = {}) => {
    const s = await connect(hub.url, opts);
    open.push(s);
    return s;
  };
  before(async () => {
    if (!existsSync(runtime)) throw new Error(`${runtime} is missing: run npm ci at the repository root`);
    const dir = mkdtempSync(join(tmpdir(), 'iohub-js-v2-'));
    write(dir, 'v2.js', V2);
    hub = await startHub(baseConfig(`
[plugins]
dir = "${dir}"
jsRuntime = "${runtime}"
[roles.Public]
permissions = ["api::message.message.find"]
[roles.Authenticated]
permissions = ["api::message.message.*", "api::blog.article.update"]
`));
  });
  after(async () => {
    for (const s of open) s.close();
    assert.equal(await hub.stop(), 0);
  });

  it('$io.emit({ event, schema, data }): permission-checked, named after singularName, shaped as REST v4', async () => {
    const anon = await conn();
    const user = await conn({ token: mintJWT({ id: 7 }) });
    assert.equal(await ackOf(anon, 'v2:emit'), 'ok');
    await fence(hub.url, [anon, user]);
    assert.deepEqual(anon.received, [], 'Public may only find');
    assert.deepEqual(user.received.map((m) => [m.event, ...m.args]), [
      ['message:create', { data: { id: 1, attributes: { text: 'v2' } }, meta: {} }],
      ['article:update', { data: { id: 2, attributes: { title: 't', author: { data: { id: 7, attributes: { username: 'ann' } } } } }, meta: {} }],
      ['message:update', { id: 1, text: 'v1' }],
    ]);
  });

  it('$io.raw({ event, data, rooms }): one packet { data } to the union of the rooms', async () => {
    const anon = await conn();
    const a = await conn({ token: mintJWT({ id: 1 }) });
    const b = await conn({ token: mintJWT({ id: 2 }) });
    const c = await conn({ token: mintJWT({ id: 3 }) });
    const rooms = ['user:1', 'Authenticated', 'user:2'];
    assert.equal(await ackOf(anon, 'v2:raw', rooms), 'ok');
    await fence(hub.url, [anon, a, b, c]);
    for (const s of [a, b, c]) {
      assert.deepEqual(s.received.map((m) => [m.event, ...m.args]), [['dm', { data: { to: rooms } }]], 'one copy, wrapped in { data }');
    }
    assert.deepEqual(anon.received.map((m) => [m.event, ...m.args]), [['lobby', { data: 'hi' }], ['v1', { n: 1 }]]);
  });
});
