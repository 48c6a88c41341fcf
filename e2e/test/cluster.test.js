// End-to-end: three hub processes on one redis-server, socket.io-client
// sockets spread over them. Every delivery path must reach exactly the right
// sockets, each exactly once, whichever node the delivery starts on.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, mintJWT, api, waitFor } from '../harness.js';
import { startRedis, startCluster, pluginsDir, clusterFence, count } from '../cluster-harness.js';

const ackOf = (socket, event, ...args) => socket.timeout(10000).emitWithAck(event, ...args);

describe('cluster of three hubs', () => {
  let redis;
  let hubs;
  const open = [];
  // conn connects to hub i; transports alternate so both are covered.
  const conn = async (i, opts = {}) => {
    const s = await connect(hubs[i].url, { transport: open.length % 2 ? 'polling' : 'websocket', ...opts });
    open.push(s);
    return s;
  };
  // The presence handler tells role rooms about every connection; tests other
  // than the presence one leave those out.
  const fence = (sockets, drop = ['fence', 'presence']) => clusterFence(hubs, sockets, drop);
  const raw = async (i, body) => {
    const r = await api(hubs[i].url, '/hub/raw', body);
    assert.equal(r.status, 202, JSON.stringify(r.body));
  };

  before(async () => {
    redis = await startRedis();
    hubs = await startCluster(redis, 3, { plugins: pluginsDir() });
  });
  after(async () => {
    for (const s of open) s.close();
    if (hubs) for (const h of hubs) assert.equal(await h.stop(), 0, h.logs());
    await redis?.stop();
  });

  it('delivers content events from /hub/emit and webhooks at any node to the permitted roles, once', async () => {
    const anon = [];
    const users = [];
    const editors = [];
    for (let i = 0; i < 3; i++) {
      anon.push(await conn(i));
      users.push(await conn(i, { token: mintJWT({ id: 10 + i }) }));
      editors.push(await conn(i, { token: mintJWT({ id: 20 + i, role: 'Editor' }) }));
    }
    for (let i = 0; i < 3; i++) {
      const r = await api(hubs[i].url, '/hub/emit', { event: 'api::message.message.create', data: { n: i, password: 'x' } });
      assert.deepEqual(r.body, { event: 'message:create', rooms: ['Authenticated'] });
    }
    const hook = await api(hubs[2].url, '/hub/webhooks/strapi', {
      event: 'entry.update', model: 'article', uid: 'api::article.article', entry: { id: 5, title: 't', password: 'p' },
    });
    assert.equal(hook.status, 202, JSON.stringify(hook.body));
    const all = [...anon, ...users, ...editors];
    await fence(all);
    for (const s of users) {
      const got = s.received.filter((m) => m.event === 'message:create').map((m) => m.args[0]);
      assert.deepEqual(got.sort((a, b) => a.n - b.n), [{ n: 0 }, { n: 1 }, { n: 2 }], 'one copy of each, password removed');
      assert.equal(count(s, 'article:update'), 0);
    }
    for (const s of editors) {
      assert.deepEqual(s.received.map((m) => m.event), ['article:update']);
      assert.deepEqual(s.received[0].args, [{ data: { id: 5, attributes: { title: 't' } }, meta: {} }]);
    }
    for (const s of anon) assert.deepEqual(s.received, [], 'Public may only find');
  });

  it('delivers raw emits to everyone, a room, several rooms, a socket id and user:<id>, once each', async () => {
    const a = [await conn(0), await conn(1), await conn(2)];
    const u7 = [await conn(0, { token: mintJWT({ id: 7 }) }), await conn(2, { token: mintJWT({ id: 7 }) })];
    const ed = await conn(1, { token: mintJWT({ id: 30, role: 'Editor' }) });
    const all = [...a, ...u7, ed];
    await raw(1, { event: 'all', data: { x: 1 } });
    await raw(2, { event: 'public', room: 'Public' });
    await raw(0, { event: 'union', rooms: ['Public', 'Editor', 'user:7', 'Public'] });
    await raw(0, { event: 'one', room: a[2].id });
    await raw(1, { event: 'user', room: 'user:7' });
    await raw(2, { event: 'pair', rooms: ['Editor', a[0].id] });
    await fence(all);
    const want = (s) => {
      const w = { all: 1, union: 1, public: 0, one: 0, user: 0, pair: 0 };
      if (a.includes(s)) w.public = 1;
      if (s === a[2]) w.one = 1;
      if (u7.includes(s)) w.user = 1;
      if (s === ed || s === a[0]) w.pair = 1;
      return w;
    };
    for (const s of all) {
      const got = {};
      for (const e of Object.keys(want(s))) got[e] = count(s, e);
      assert.deepEqual(got, want(s), `socket ${all.indexOf(s)}`);
      assert.equal(s.received.length, 6 - Object.values(want(s)).filter((n) => n === 0).length);
    }
    assert.deepEqual(a[1].received.find((m) => m.event === 'all').args, [{ x: 1 }]);
  });

  it('applies a Wasm handler\'s send, join, leave and disconnect to sockets of other nodes', async () => {
    const x = await conn(0);
    const y = await conn(1);
    const z = await conn(2);
    const op = async (body) => (await ackOf(x, 'op', body)).rc;
    // A send to a socket on another node, and to one no node has: both are
    // published (rc 0); only the real one gets anything.
    assert.equal(await op({ op: 'send', sid: y.id, event: 'direct' }), 0);
    assert.equal(await op({ op: 'send', sid: 'no-such-socket', event: 'direct' }), 0);
    // Join z (on node 2) and x itself to a room; raw emits to it from node 1
    // and from the handler on node 0 (except its sender, x) reach z; after
    // leave they do not.
    assert.equal(await op({ op: 'join', sid: z.id, room: 'club' }), 0);
    assert.equal(await op({ op: 'join', sid: '', room: 'club' }), 0);
    await fence([x, y, z]);
    await raw(1, { event: 'club', room: 'club' });
    assert.equal(await op({ op: 'raw', room: 'club', event: 'club-handler' }), 0);
    assert.equal(await op({ op: 'leave', sid: z.id, room: 'club' }), 0);
    await fence([x, y, z]);
    await raw(2, { event: 'club-after', room: 'club' });
    await fence([x, y, z]);
    assert.deepEqual(y.received.map((m) => m.event), ['direct']);
    assert.deepEqual(y.received[0].args, ['from-handler']);
    // Sorted: deliveries started on two nodes may arrive in either order.
    assert.deepEqual(z.received.map((m) => m.event).sort(), ['club', 'club-handler']);
    assert.deepEqual(x.received.map((m) => m.event), ['club', 'club-after']);
    // Disconnect y from node 0.
    const gone = new Promise((resolve) => y.once('disconnect', resolve));
    assert.equal(await op({ op: 'disconnect', sid: y.id }), 0);
    assert.equal(await gone, 'io server disconnect');
    assert.equal(z.connected && x.connected, true);
  });

  it('carries a Wasm handler\'s binary raw emit to sockets of every node, bytes intact', async () => {
    const x = await conn(0);
    const y = await conn(1);
    const z = await conn(2);
    await fence([x, y, z]);
    const buf = Buffer.from([0x42, 0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]);
    const reply = await ackOf(x, 'bin', buf);
    assert.deepEqual(Buffer.from(reply), buf, 'the ack carries the argument back');
    await fence([x, y, z]);
    for (const s of [x, y, z]) {
      const got = s.received.filter((m) => m.event === 'bin');
      assert.equal(got.length, 1, `${s.id}: ${JSON.stringify(s.received.map((m) => m.event))}`);
      const [data] = got[0].args;
      assert.ok(Buffer.isBuffer(data) || data instanceof ArrayBuffer, `not binary: ${JSON.stringify(data)}`);
      assert.deepEqual(Buffer.from(data), buf.subarray(1));
    }
  });

  it('delivers a Wasm handler\'s content emit to the permitted roles on every node, once, sanitised', async () => {
    const actor = await conn(1);
    const users = [await conn(0, { token: mintJWT({ id: 50 }) }), await conn(2, { token: mintJWT({ id: 51 }) })];
    const anon = await conn(2);
    assert.equal((await ackOf(actor, 'op', { op: 'emit' })).rc, 0);
    await fence([actor, anon, ...users]);
    for (const u of users) assert.deepEqual(u.received, [{ event: 'message:create', args: [{ from: 'handler' }] }]);
    assert.deepEqual(anon.received, []);
    assert.deepEqual(actor.received, []);
  });

  it('runs the chat handler across nodes: each member gets each message once', async () => {
    const c = [await conn(0), await conn(1), await conn(2)];
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await ackOf(c[i], 'chat:send', { room: 'lobby', text: `from ${i}` }), { ok: true });
    }
    await fence(c);
    const texts = (s) => s.received.filter((m) => m.event === 'chat:message').map((m) => m.args[0].text).sort();
    // Each sender joins when it first sends, so it hears its own and later ones
    // (sorted: messages sent on different nodes may arrive in either order).
    assert.deepEqual(texts(c[0]), ['from 0', 'from 1', 'from 2']);
    assert.deepEqual(texts(c[1]), ['from 1', 'from 2']);
    assert.deepEqual(texts(c[2]), ['from 2']);
  });

  it('counts presence across nodes in the shared KV store', async () => {
    const token = (id) => mintJWT({ id, role: 'Watcher' });
    const w0 = await conn(0, { token: token(40) });
    assert.deepEqual(await ackOf(w0, 'presence:get'), { role: 'Watcher', online: 1 });
    const last = (s) => s.received.filter((m) => m.event === 'presence').at(-1)?.args[0].online;
    const w1 = await conn(1, { token: token(41) });
    await waitFor(w0, () => last(w0) === 2, 10000); // node 1's handler has counted
    const w2 = await conn(2, { token: token(42) });
    await waitFor(w0, () => last(w0) === 3, 10000);
    assert.deepEqual(await ackOf(w2, 'presence:get'), { role: 'Watcher', online: 3 });
    w1.close();
    await waitFor(w0, () => last(w0) === 2, 10000);
    await waitFor(w2, () => last(w2) === 2, 10000);
    assert.deepEqual(await ackOf(w0, 'presence:get'), { role: 'Watcher', online: 2 });
    // Each count change reached each watcher once: w0 saw 1 (its own), 2, 3, 2.
    await fence([w0, w2], ['fence']);
    assert.deepEqual(w0.received.filter((m) => m.event === 'presence').map((m) => m.args[0].online), [1, 2, 3, 2]);
  });
});
