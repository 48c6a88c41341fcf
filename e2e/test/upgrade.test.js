// The client's default: start on long-polling, upgrade to websocket (iohub's own
// websocket transport), keep receiving events across the upgrade.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { startHub, baseConfig, api } from '../harness.js';

describe('transport upgrade', () => {
  let hub;
  before(async () => {
    hub = await startHub(baseConfig(`
[roles.Public]
permissions = ["api::message.message.create"]
`));
  });
  after(async () => { assert.equal(await hub.stop(), 0); });

  it('upgrades from polling to websocket and delivers before and after', async () => {
    const s = io(hub.url, { reconnection: false, forceNew: true }); // transports: polling, then websocket
    const got = [];
    s.on('message:create', (m) => got.push(m.n));
    const firstTransport = await new Promise((resolve) => s.io.engine.once('open', () => resolve(s.io.engine.transport.name)));
    assert.equal(firstTransport, 'polling');
    await new Promise((resolve) => s.on('connect', resolve));
    await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { n: 1 } });
    if (s.io.engine.transport.name !== 'websocket') {
      await new Promise((resolve, reject) => {
        s.io.engine.once('upgrade', resolve);
        setTimeout(() => reject(new Error('no upgrade in 5s')), 5000);
      });
    }
    await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { n: 2 } });
    const deadline = Date.now() + 5000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [1, 2]);
    assert.equal(s.io.engine.transport.name, 'websocket');
    s.close();
  });

  // Broadcasts are queued straight on websocket connections (hub/realtime's
  // fan-out adapter), while the engine buffers packets during an upgrade: a
  // stream of events must arrive complete and in order across the switch.
  it('keeps a broadcast stream in order, without gaps, across upgrades', async () => {
    const total = 600;
    const clients = [];
    let upgradedDuringStream = 0;
    let posted = 0;
    const poster = (async () => {
      for (let n = 1; n <= total; n++) {
        await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { n } });
        posted = n;
        if (n === 50) {
          // Clients join mid-stream: they connect over polling and upgrade
          // while events keep coming.
          for (let i = 0; i < 10; i++) {
            const s = io(hub.url, { reconnection: false, forceNew: true });
            const got = [];
            s.on('message:create', (m) => got.push(m.n));
            s.io.engine.once('upgrade', () => { if (posted < total) upgradedDuringStream++; });
            clients.push({ s, got });
          }
        }
      }
    })();
    await poster;
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && clients.some(({ got }) => got[got.length - 1] !== total)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(upgradedDuringStream, clients.length, 'every client upgraded while events were flowing');
    for (const { s, got } of clients) {
      assert.ok(got.length > 0, 'received events');
      for (let i = 1; i < got.length; i++) {
        assert.equal(got[i], got[i - 1] + 1, `event ${got[i - 1] + 1} missing or out of order: ${got.slice(Math.max(0, i - 3), i + 3)}`);
      }
      assert.equal(got[got.length - 1], total);
      s.close();
    }
  });
});
