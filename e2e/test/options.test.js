// IOServerOptions end to end: CORS and connection state recovery.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { startHub, baseConfig, mintJWT, api } from '../harness.js';

// once resolves on the socket's next event, or rejects after 5s so a lost event
// fails the test instead of hanging it.
function once(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} in 5s`)), 5000);
    socket.once(event, (...args) => { clearTimeout(timer); resolve(args); });
  });
}

const CONFIG = baseConfig(`
[IOServerOptions.cors]
origin = ["http://app.example.com"]
methods = ["GET", "POST"]
credentials = true
[IOServerOptions.connectionStateRecovery]
maxDisconnectionDuration = "30s"
[roles.Authenticated]
permissions = ["api::message.message.create"]
`).replace('[IOServerOptions]\n', '[IOServerOptions]\npath = "/realtime"\n')
  // No clock skew allowance, so a token can expire while its client is away.
  .replace('[auth]\n', '[auth]\nleeway = 0\n');

describe('IOServerOptions', () => {
  let hub;
  before(async () => { hub = await startHub(CONFIG); });
  after(async () => { assert.equal(await hub.stop(), 0); });

  it('answers CORS for a configured origin only, on the configured path', async () => {
    const url = `${hub.url}/realtime/?EIO=4&transport=polling`;
    const ok = await fetch(url, { headers: { origin: 'http://app.example.com' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://app.example.com');
    assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
    const other = await fetch(url, { headers: { origin: 'http://evil.example.com' } });
    assert.notEqual(other.headers.get('access-control-allow-origin'), 'http://evil.example.com');
    const wrongPath = await fetch(`${hub.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(wrongPath.status, 404);
  });

  it('recovers a dropped connection with its rooms and the packets it missed', async () => {
    const socket = io(hub.url, {
      path: '/realtime',
      transports: ['websocket'],
      auth: { token: mintJWT({ id: 5 }) },
      reconnectionDelay: 50,
      reconnectionDelayMax: 50,
    });
    const got = [];
    socket.on('message:create', (m) => got.push(m));
    await once(socket, 'connect');
    assert.ok(!socket.recovered);
    const id = socket.id;
    // Recovery needs the offset of the last broadcast the client saw.
    const first = once(socket, 'message:create');
    await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { n: 0 } });
    await first;

    // Drop the transport (not a clean disconnect), emit while it is down, come back.
    const reconnected = once(socket, 'connect');
    socket.io.engine.close();
    await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { n: 1 } });
    await reconnected;
    assert.equal(socket.recovered, true);
    assert.equal(socket.id, id);

    const dmGot = once(socket, 'dm');
    await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { n: 2 } });
    const dm = await api(hub.url, '/hub/raw', { event: 'dm', room: 'user:5' });
    assert.equal(dm.status, 202);
    await dmGot;
    assert.deepEqual(got, [{ n: 0 }, { n: 1 }, { n: 2 }]);
    socket.close();
  });

  it('does not recover a session whose token expired while it was away', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3;
    const socket = io(hub.url, {
      path: '/realtime',
      transports: ['websocket'],
      auth: { token: mintJWT({ id: 6, exp }) },
      // Come back only after the token has expired.
      reconnectionDelay: 4000,
      reconnectionDelayMax: 4000,
      randomizationFactor: 0,
    });
    const got = [];
    socket.on('message:create', (m) => got.push(m));
    socket.on('dm', (m) => got.push(m));
    await once(socket, 'connect');
    const first = once(socket, 'message:create');
    await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { n: 0 } });
    await first;
    assert.ok(Date.now() / 1000 < exp, 'the machine was too slow: the token expired before the test dropped the connection');

    const refused = once(socket, 'connect_error');
    socket.io.engine.close();
    // Sent while the client is away: a recovered session would replay both.
    await api(hub.url, '/hub/raw', { event: 'dm', data: 'private', room: 'user:6' });
    await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { n: 1 } });
    const [err] = await refused;
    socket.close();
    assert.ok(Date.now() / 1000 >= exp);
    assert.equal(err.message, 'Invalid token.');
    assert.equal(err.data?.code, 'invalid_token');
    assert.equal(socket.connected, false);
    assert.deepEqual(got, [{ n: 0 }]);
  });
});
