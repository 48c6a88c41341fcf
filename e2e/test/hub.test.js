// End-to-end: the real hub binary, the official socket.io-client, over websocket
// and over long-polling.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, baseConfig, connect, mintJWT, api, fence, waitFor, events } from '../harness.js';

const CONFIG = baseConfig(`
[contentTypes]
message = "*"
chat = ["create"]
article = "*"

[roles.Public]
permissions = ["api::message.message.find", "api::message.message.create"]
[roles.Authenticated]
permissions = ["api::message.message.*", "api::chat.chat.create"]
[roles.Editor]
permissions = ["api::article.article.update"]
[roles.Moderator]
permissions = ["api::article.article.delete"]
`);

for (const transport of ['websocket', 'polling']) {
  describe(`hub over ${transport}`, () => {
    let hub;
    const open = [];
    const conn = async (opts = {}) => {
      const s = await connect(hub.url, { transport, ...opts });
      open.push(s);
      return s;
    };
    const sockets = async () => (await api(hub.url, '/hub/health', null, { method: 'GET', token: null })).body.sockets;

    before(async () => { hub = await startHub(CONFIG); });
    after(async () => {
      for (const s of open) s.close();
      const code = await hub.stop();
      assert.equal(code, 0, 'hub exits 0 on SIGTERM');
    });

    it('anonymous sockets get message:create because Public holds create, and nothing Public lacks', async () => {
      const anon = await conn();
      const authd = await conn({ token: mintJWT({ id: 1 }) });
      for (const ev of ['create', 'update', 'delete']) {
        const r = await api(hub.url, '/hub/emit', { event: `api::message.message.${ev}`, data: { id: 1, text: ev } });
        assert.equal(r.status, 202, JSON.stringify(r.body));
      }
      const chat = await api(hub.url, '/hub/emit', { event: 'api::chat.chat.create', data: { id: 2 } });
      assert.deepEqual(chat.body, { event: 'chat:create', rooms: ['Authenticated'] });
      await fence(hub.url, [anon, authd]);
      assert.deepEqual(events(anon), ['message:create']);
      assert.deepEqual(anon.received[0].args, [{ id: 1, text: 'create' }]);
      assert.deepEqual(events(authd), ['message:create', 'message:update', 'message:delete', 'chat:create']);
    });

    it('a token with a role claim gets what that role allows and nothing else', async () => {
      const editor = await conn({ token: mintJWT({ id: 10, role: 'Editor' }) });
      const mod = await conn({ token: mintJWT({ id: 11, role: { name: 'Moderator', type: 'moderator' } }) });
      for (const ev of ['create', 'update', 'delete', 'publish', 'unpublish', 'createOrUpdate']) {
        await api(hub.url, '/hub/emit', { event: `api::article.article.${ev}`, data: { ev } });
      }
      await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: {} });
      await fence(hub.url, [editor, mod]);
      // publish and createOrUpdate need update; unpublish needs delete.
      assert.deepEqual(events(editor), ['article:update', 'article:publish', 'article:createOrUpdate']);
      assert.deepEqual(events(mod), ['article:delete', 'article:unpublish']);
    });

    it('refuses bad tokens with "Invalid token." and never connects them', async () => {
      const before = await sockets();
      const now = Math.floor(Date.now() / 1000);
      const bad = {
        'wrong signature': mintJWT({ id: 1 }, { secret: 'not-the-secret' }),
        expired: mintJWT({ id: 1, iat: now - 7200 }, { ttl: -3600 }),
        garbage: 'not.a.jwt',
        'alg none': `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(`{"id":1,"exp":${now + 60}}`).toString('base64url')}.`,
        'no exp (requireExp is on by default)': mintJWT({ id: 1, exp: undefined }),
        'iat an hour ahead': mintJWT({ id: 1, iat: now + 3600 }),
        // A role room must never be a user's room: user 1's private messages.
        'role claim user:1': mintJWT({ id: 2, role: 'user:1' }),
      };
      for (const [name, token] of Object.entries(bad)) {
        await assert.rejects(conn({ token }), (err) => {
          assert.equal(err.message, 'Invalid token.', name);
          assert.deepEqual(err.data, { code: 'invalid_token' }, name);
          return true;
        });
      }
      await assert.rejects(conn({ auth: { token: 42 } }), { message: 'Invalid token.' });
      await assert.rejects(conn({ token: mintJWT({ id: 3, blocked: true }) }), { message: 'Invalid credentials', data: { code: 'invalid_credentials' } });
      assert.equal(await sockets(), before, 'no refused socket is counted as connected');
      assert.doesNotMatch(hub.logs(), /socket connected[^\n]*user=3\b/);
    });

    it('raw emits go to everyone, a role room, a socket id, or a union of rooms with one copy each', async () => {
      const anon = await conn();
      const user = await conn({ token: mintJWT({ id: 20 }) });
      const editor = await conn({ token: mintJWT({ id: 21, role: 'Editor' }) });
      const all = [anon, user, editor];
      let r = await api(hub.url, '/hub/raw', { event: 'news', data: { n: 1 } });
      assert.equal(r.status, 202);
      r = await api(hub.url, '/hub/raw', { event: 'role-only', data: 2, room: 'Authenticated' });
      assert.equal(r.status, 202);
      r = await api(hub.url, '/hub/raw', { event: 'direct', data: 3, room: editor.id });
      assert.equal(r.status, 202);
      r = await api(hub.url, '/hub/raw', { event: 'union', data: 4, room: 'Editor', rooms: ['Editor', 'Public', 'user:21'] });
      assert.equal(r.status, 202);
      await fence(hub.url, all);
      assert.deepEqual(events(anon), ['news', 'union']);
      assert.deepEqual(events(user), ['news', 'role-only']);
      assert.deepEqual(events(editor), ['news', 'direct', 'union']);
      assert.deepEqual(anon.received[0].args, [{ n: 1 }]);
    });

    it('user:<id> reaches every socket of that user and no one else', async () => {
      const tab1 = await conn({ token: mintJWT({ id: 30 }) });
      const tab2 = await conn({ token: mintJWT({ id: 30 }) });
      const other = await conn({ token: mintJWT({ id: 31 }) });
      const r = await api(hub.url, '/hub/raw', { event: 'dm', data: 'hi', room: 'user:30' });
      assert.equal(r.status, 202);
      await fence(hub.url, [tab1, tab2, other]);
      assert.deepEqual(events(tab1), ['dm']);
      assert.deepEqual(events(tab2), ['dm']);
      assert.deepEqual(events(other), []);
    });

    it('/hub/emit takes custom actions, checked like any other', async () => {
      const anon = await conn();
      const user = await conn({ token: mintJWT({ id: 40 }) });
      const r = await api(hub.url, '/hub/emit', { event: 'api::message.message.approve', data: { id: 9 } });
      assert.equal(r.status, 202);
      assert.deepEqual(r.body, { event: 'message:approve', rooms: ['Authenticated'] });
      await fence(hub.url, [anon, user]);
      assert.deepEqual(events(anon), []);
      assert.deepEqual(user.received, [{ event: 'message:approve', args: [{ id: 9 }] }]);
    });

    it('a Strapi webhook becomes the content event with the REST-shaped payload, private fields removed', async () => {
      const anon = await conn();
      const body = {
        event: 'entry.create',
        createdAt: '2026-11-25T10:00:00.000Z',
        model: 'message',
        uid: 'api::message.message',
        entry: { id: 5, text: 'hello', author: { id: 1, username: 'ann', password: 'hash' }, createdAt: '2026-11-25T10:00:00.000Z' },
      };
      const r = await api(hub.url, '/hub/webhooks/strapi', body);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.deepEqual(r.body, { event: 'message:create', rooms: ['Authenticated', 'Public'] });
      const m = await waitFor(anon, (x) => x.event === 'message:create');
      assert.deepEqual(m.args, [{
        data: { id: 5, attributes: { text: 'hello', author: { id: 1, username: 'ann' }, createdAt: '2026-11-25T10:00:00.000Z' } },
        meta: {},
      }]);
      const media = await api(hub.url, '/hub/webhooks/strapi', { event: 'media.create', media: { id: 1 } });
      assert.equal(media.status, 202);
      assert.ok(media.body.ignored);
    });

    it('webhook publish reaches roles with update, unpublish roles with delete', async () => {
      const editor = await conn({ token: mintJWT({ id: 50, role: 'Editor' }) });
      const mod = await conn({ token: mintJWT({ id: 51, role: 'Moderator' }) });
      for (const event of ['entry.publish', 'entry.unpublish']) {
        const r = await api(hub.url, '/hub/webhooks/strapi', { event, model: 'article', uid: 'api::article.article', entry: { id: 1, title: 't' } });
        assert.equal(r.status, 202);
      }
      await fence(hub.url, [editor, mod]);
      assert.deepEqual(events(editor), ['article:publish']);
      assert.deepEqual(events(mod), ['article:unpublish']);
    });

    it('the HTTP API refuses a missing or wrong token', async () => {
      const anon = await conn();
      for (const path of ['/hub/emit', '/hub/raw', '/hub/webhooks/strapi']) {
        const missing = await api(hub.url, path, { event: 'x' }, { token: null });
        assert.equal(missing.status, 401);
        assert.equal(missing.body.error.code, 'unauthorized');
        const wrong = await api(hub.url, path, { event: 'x' }, { token: 'nope' });
        assert.equal(wrong.status, 401);
      }
      const second = await api(hub.url, '/hub/raw', { event: 'ok' }, { token: 'second-token' });
      assert.equal(second.status, 202);
      const bad = await api(hub.url, '/hub/emit', null, { raw: '{"event": ' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'bad_json');
      await fence(hub.url, [anon]);
      assert.deepEqual(events(anon), ['ok']);
    });
  });
}
