// End-to-end: a cluster of three hubs through a Redis outage (redis-server
// killed mid-test and started again) and through the loss of a hub node.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, api } from '../harness.js';
import { startRedis, startCluster, pluginsDir, clusterFence, count, waitHealth, health, sleep } from '../cluster-harness.js';

const ackOf = (socket, event, ...args) => socket.timeout(10000).emitWithAck(event, ...args);

describe('cluster failures', () => {
  let redis;
  let hubs;
  const open = [];
  const conn = async (i, opts = {}) => {
    const s = await connect(hubs[i].url, { transport: open.length % 2 ? 'polling' : 'websocket', ...opts });
    open.push(s);
    return s;
  };
  const fence = (onHubs, sockets) => clusterFence(onHubs, sockets, ['fence', 'presence']);
  const raw = async (i, body) => {
    const r = await api(hubs[i].url, '/hub/raw', body);
    assert.equal(r.status, 202, JSON.stringify(r.body));
  };
  const lines = (hub, re) => hub.logs().split('\n').filter((l) => re.test(l)).length;

  before(async () => {
    redis = await startRedis();
    hubs = await startCluster(redis, 3, { plugins: pluginsDir() });
  });
  after(async () => {
    for (const s of open) s.close();
    if (hubs) for (const h of hubs) await h.stop();
    await redis?.stop();
  });

  it('keeps local delivery while Redis is down and resumes across nodes when it is back, without a restart', async () => {
    const s = [await conn(0), await conn(1), await conn(2)];
    await raw(0, { event: 'before' });
    await fence(hubs, s);
    for (const x of s) assert.equal(count(x, 'before'), 1);

    await redis.stop();
    for (const h of hubs) await waitHealth(h, (b) => b.status === 'degraded' && b.cluster.redis === 'down');

    // Each node still serves its own sockets: node 0's emits reach s[0] once,
    // and nothing reaches the other nodes.
    for (let i = 0; i < 20; i++) await raw(0, { event: 'during', data: i });
    await api(hubs[0].url, '/hub/emit', { event: 'api::message.message.find', data: {} });
    for (let i = 0; i < 3; i++) await fence([hubs[i]], [s[i]]);
    assert.equal(count(s[0], 'during'), 20);
    assert.equal(count(s[1], 'during') + count(s[2], 'during'), 0);
    // A handler cannot reach a socket of another node meanwhile: -1, as for
    // a socket that is not there.
    assert.equal((await ackOf(s[0], 'op', { op: 'send', sid: s[1].id, event: 'x' })).rc, -1);
    assert.equal((await ackOf(s[0], 'op', { op: 'join', sid: '', room: 'local-only' })).rc, 0);

    await sleep(1500); // several failed checks and reconnect attempts
    await redis.start();
    for (const h of hubs) await waitHealth(h, (b) => b.status === 'ok' && b.cluster.redis === 'up');

    await raw(1, { event: 'after' });
    await raw(2, { event: 'after-2', room: 'local-only' });
    await fence(hubs, s);
    for (const x of s) {
      assert.equal(count(x, 'after'), 1);
      assert.equal(x.connected, true, 'sockets stay connected through the outage');
    }
    assert.equal(count(s[0], 'after-2'), 1, 'a room joined during the outage works across nodes afterwards');
    // Dropped, not replayed.
    assert.equal(count(s[1], 'during') + count(s[2], 'during'), 0);
    for (const h of hubs) {
      assert.equal(lines(h, /cluster: redis unreachable/), 1, `outage logged once:\n${h.logs()}`);
      assert.equal(lines(h, /cluster: redis reachable again/), 1, `recovery logged once:\n${h.logs()}`);
    }
    assert.ok((await health(hubs[0])).cluster.dropped >= 20);
  });

  it('keeps delivering across the other nodes when one hub is killed', async () => {
    const s = [await conn(0), await conn(1), await conn(2)];
    const lost = new Promise((resolve) => s[2].once('disconnect', resolve));
    await hubs[2].kill();
    await lost;
    const alive = [hubs[0], hubs[1]];
    await raw(0, { event: 'k0' });
    await raw(1, { event: 'k1', room: 'Public' });
    const e = await api(hubs[1].url, '/hub/emit', { event: 'api::message.message.find', data: { n: 1 } });
    assert.deepEqual(e.body.rooms, ['Authenticated', 'Public']);
    await fence(alive, [s[0], s[1]]);
    for (const x of [s[0], s[1]]) {
      // Once each; two nodes' deliveries may interleave either way.
      assert.deepEqual(x.received.map((m) => m.event).sort(), ['k0', 'k1', 'message:find']);
    }
    // The killed node drops out of the others' view of the cluster.
    await waitHealth(hubs[0], (b) => b.status === 'ok' && b.cluster.nodes === 2);
    hubs = alive; // after() stops the live ones
  });
});
