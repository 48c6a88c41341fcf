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
});
