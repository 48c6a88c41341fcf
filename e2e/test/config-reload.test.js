// End-to-end whole-config reload: POST /hub/reload and SIGHUP re-read hub.toml
// while socket.io-client sockets stay connected; an invalid file changes
// nothing and the answer lists its problems.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startHub, baseConfig, connect, api, fence, events, mintJWT, API_TOKEN } from '../harness.js';

const role = (perms) => `[roles.Public]\npermissions = ${JSON.stringify(perms)}\n`;

describe('config reload', () => {
  let hub;
  const open = [];
  const conn = async (opts) => {
    const s = await connect(hub.url, opts);
    open.push(s);
    return s;
  };

  before(async () => {
    hub = await startHub(baseConfig(role([])));
  });
  after(async () => {
    for (const s of open) s.close();
    assert.equal(await hub.stop(), 0);
  });

  it('applies a new role permission and API token, keeping both transports connected', async () => {
    const ws = await conn({ transport: 'websocket' });
    const poll = await conn({ transport: 'polling' });
    const create = () => api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { text: 'hi' } });

    assert.equal((await create()).status, 202);
    await fence(hub.url, [ws, poll]);
    assert.deepEqual(events(ws), [], 'Public has no permission yet');

    writeFileSync(hub.path, baseConfig(role(['api::message.message.create'])).replace('"second-token"', '"third-token"'));
    const r = await api(hub.url, '/hub/reload', {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { changed: ['api.tokens', 'roles'], restartRequired: [] });

    assert.equal((await create()).status, 202);
    await fence(hub.url, [ws, poll]);
    for (const s of [ws, poll]) {
      assert.ok(s.connected, 'the socket stayed connected');
      assert.deepEqual(events(s), ['message:create']);
    }
    assert.equal((await api(hub.url, '/hub/raw', { event: 'x' }, { token: 'second-token' })).status, 401);
    assert.equal((await api(hub.url, '/hub/raw', { event: 'x' }, { token: 'third-token' })).status, 202);
  });

  it('refuses an invalid file with every problem, and changes nothing', async () => {
    const s = await conn({});
    writeFileSync(hub.path, 'permissionMode = "write"\n' + baseConfig('[limits]\nmaxConnections = -1\n').replace(API_TOKEN, 'other'));
    const r = await api(hub.url, '/hub/reload', {});
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'invalid_config');
    assert.equal(r.body.error.problems.length, 2, JSON.stringify(r.body));
    assert.match(r.body.error.problems[0], new RegExp(`^${hub.path}: permissionMode: `));
    assert.match(r.body.error.problems[1], new RegExp(`^${hub.path}: limits.maxConnections: `));
    await hub.waitForLog(/config reload refused; nothing changed/);
    // The token, roles and socket of before are still in force.
    assert.equal((await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: 1 })).status, 202);
    await fence(hub.url, [s]);
    assert.deepEqual(events(s), ['message:create']);
  });

  it('SIGHUP swaps the JWT secret: new tokens get in, connected sockets stay', async () => {
    const oldSecret = mintJWT({ id: 1 });
    const before = await conn({ token: oldSecret });
    const secret = 'e2e-rotated-secret-0123456789abcdef0123';
    writeFileSync(hub.path, baseConfig(role(['api::message.message.create'])).replace(/jwtSecret = ".*"/, `jwtSecret = "${secret}"`)
      .replace('"second-token"', '"third-token"'));
    process.kill(hub.pid, 'SIGHUP');
    await hub.waitForLog(/config reloaded" changed=\[auth.jwtSecret\]/);
    await assert.rejects(connect(hub.url, { token: oldSecret }), { message: 'Invalid token.' });
    await conn({ token: mintJWT({ id: 2 }, { secret }) });
    await fence(hub.url, [before]);
    assert.ok(before.connected);
  });
});
