// End-to-end against a real Strapi v4 and v5 (e2e/strapi/): users registered
// through Strapi connect to the hub with Strapi's JWTs, content changed through
// Strapi's REST API reaches sockets through Strapi's own webhooks, and roles,
// permissions and blocked users come from Strapi.
//
// Strapi is installed once per lockfile outside the repository (see
// scripts/strapi-install.sh; the first run takes a few minutes). These tests
// never skip in CI; IOHUB_SKIP_STRAPI=1 skips them on a machine without the
// time for that install.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, connect, api, fence, JWT_SECRET, API_TOKEN } from '../harness.js';
import { SKIP, startStrapi, freePort, rest } from '../strapi/strapi.js';

const SETUP_MS = 15 * 60 * 1000; // an install from an empty npm cache, on a busy 2-core machine
const TEST_MS = 180000;
const WAIT_MS = 60000;

async function waitUntil(cond, what, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function count(text, re) {
  return (text.match(new RegExp(re.source, 'g')) || []).length;
}

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

for (const version of ['v4', 'v5']) {
  describe(`real Strapi ${version}`, { skip: SKIP ? 'IOHUB_SKIP_STRAPI=1' : false }, () => {
    let strapi;
    let hub;
    const open = [];
    const conn = async (opts = {}) => {
      const s = await connect(hub.url, { transport: 'websocket', ...opts });
      open.push(s);
      return s;
    };
    const asAdmin = (method, path, body) => rest(strapi.url, method, path, { token: strapi.apiToken, body });

    // Webhooks about messages the hub has handled (forwarded or held back), so
    // a test can wait until Strapi delivered everything a change sends.
    const messageWebhooks = () => count(hub.logs(), /strapi webhook (forwarded|ignored)[^\n]*uid=api::message\.message/);
    const userWebhooks = () => count(hub.logs(), /strapi webhook (forwarded|ignored)[^\n]*event=entry\.update uid=plugin::users-permissions\.user/);
    const rolesChanged = () => count(hub.logs(), /msg="strapi: roles synced"/);

    let users = 0;
    async function register() {
      const name = `user${++users}${version}`;
      const r = await rest(strapi.url, 'POST', '/api/auth/local/register', {
        body: { username: name, email: `${name}@example.com`, password: 'Passw0rd!' },
      });
      return r.body; // {jwt, user} (v5 refresh mode: also refreshToken)
    }
    async function roleId(name) {
      const { body } = await asAdmin('GET', '/api/users-permissions/roles');
      return body.roles.find((r) => r.name === name)?.id;
    }
    // readerRole makes (once) a custom role that may only find messages.
    async function readerRole() {
      const have = await roleId('Reader');
      if (have) return have;
      await asAdmin('POST', '/api/users-permissions/roles', {
        name: 'Reader', description: 'reads', type: 'reader',
        permissions: { 'api::message': { controllers: { message: { find: { enabled: true } } } } },
      });
      return roleId('Reader');
    }
    // setPermission flips one action of a role, as the admin panel's role editor
    // does: the whole permission tree goes back with PUT.
    async function setPermission(id, action, enabled) {
      const { body } = await asAdmin('GET', `/api/users-permissions/roles/${id}`);
      const { name, description, permissions } = body.role;
      permissions['api::message'].controllers.message[action].enabled = enabled;
      await asAdmin('PUT', `/api/users-permissions/roles/${id}`, { name, description, permissions });
    }

    before(async () => {
      const hubPort = await freePort();
      strapi = await startStrapi(version, {
        env: {
          JWT_SECRET,
          HUB_WEBHOOK_URL: `http://127.0.0.1:${hubPort}/hub/webhooks/strapi`,
          HUB_WEBHOOK_TOKEN: API_TOKEN,
          // v5 in refresh mode: its access tokens are {userId, sessionId, type}.
          ...(version === 'v5' ? { UP_JWT_MANAGEMENT: 'refresh' } : {}),
        },
      });
      hub = await startHub(`
listen = "127.0.0.1:${hubPort}"
logLevel = "debug"
[IOServerOptions]
pingInterval = "2s"
pingTimeout = "2s"
[auth]
jwtSecret = "${JWT_SECRET}"
[api]
tokens = ["${API_TOKEN}"]
[strapi]
url = "${strapi.url}"
apiToken = "\${TEST_STRAPI_API_TOKEN}"
syncInterval = "2s"
`, { env: { TEST_STRAPI_API_TOKEN: strapi.apiToken } });
      await hub.waitForLog(/msg="strapi: roles synced"[^\n]*version=[45]/, WAIT_MS);
    }, { timeout: SETUP_MS });

    after(async () => {
      for (const s of open) s.close();
      if (hub) assert.equal(await hub.stop(), 0, 'hub exits 0 on SIGTERM');
      if (strapi) await strapi.stop();
    }, { timeout: TEST_MS });

    it('a user registered through Strapi connects with its JWT and the role Strapi gives it', { timeout: TEST_MS }, async () => {
      const ann = await register();
      if (version === 'v5') {
        assert.equal(claims(ann.jwt).type, 'access');
        assert.equal(claims(ann.jwt).userId, String(ann.user.id));
        // A refresh token is for /api/auth/refresh, not for connecting.
        await assert.rejects(conn({ token: ann.refreshToken }), { message: 'Invalid token.' });
      } else {
        assert.equal(claims(ann.jwt).id, ann.user.id);
      }
      await conn({ token: ann.jwt });
      await hub.waitForLog(new RegExp(`socket connected[^\\n]*role=Authenticated user=${ann.user.id}\\b`), WAIT_MS);
      // A custom role, given in Strapi: Strapi's /users/me would hide it from a
      // role without role.find; the hub reads users with its API token.
      const rea = await register();
      await asAdmin('PUT', `/api/users/${rea.user.id}`, { role: await readerRole() });
      await conn({ token: rea.jwt });
      await hub.waitForLog(new RegExp(`socket connected[^\\n]*role=Reader user=${rea.user.id}\\b`), WAIT_MS);
      await assert.rejects(conn({ token: `${ann.jwt}x` }), { message: 'Invalid token.' });
    });

    it('relations: each role sees what Strapi\'s REST API shows it (no author for Public or Authenticated, the category only for Authenticated, without its private code)', { timeout: TEST_MS }, async () => {
      await hub.waitForLog(/msg="strapi: content-type schemas synced"/, WAIT_MS);
      const v5 = version === 'v5';
      const ann = await register();
      const cat = await asAdmin('POST', '/api/categories', { data: { name: 'news', code: 'k' } });
      // v5 connects relations by documentId, v4 by id.
      const catRef = v5 ? cat.body.data.documentId : cat.body.data.id;
      const authorRef = v5 ? ann.user.documentId : ann.user.id;
      const user = await conn({ token: ann.jwt });
      const anon = await conn();
      await hub.waitForLog(new RegExp(`socket connected[^\\n]*user=${ann.user.id}\\b`), WAIT_MS);
      const before = messageWebhooks();
      for (const s of [user, anon]) s.received = [];
      const created = await asAdmin('POST', '/api/messages', { data: { text: 'with relations', author: authorRef, category: catRef } });
      await waitUntil(() => messageWebhooks() >= before + (v5 ? 2 : 1), 'the create webhooks');
      await fence(hub.url, [user, anon]);
      const entity = (m) => (v5 ? m.args[0].data : { id: m.args[0].data.id, ...m.args[0].data.attributes });
      const got = (s) => s.received.filter((m) => m.event === 'message:create').map(entity);
      let [a] = got(anon);
      let [u] = got(user);
      if (!v5) {
        // v4 fills relations into webhooks only from the admin panel (its
        // content manager), not for REST: send what that webhook becomes.
        for (const s of [user, anon]) s.received = [];
        const attributes = { text: 'with relations', secret: 's',
          author: { data: { id: ann.user.id, attributes: { ...ann.user, password: 'hash', resetPasswordToken: 'r' } } },
          category: { data: { id: cat.body.data.id, attributes: { name: 'news', code: 'k' } } } };
        const res = await api(hub.url, '/hub/emit', { event: 'api::message.message.create', data: { data: { id: created.body.data.id, attributes }, meta: {} } });
        assert.equal(res.status, 202, JSON.stringify(res.body));
        await fence(hub.url, [user, anon]);
        [a] = got(anon);
        [u] = got(user);
      }
      assert.ok(a && u, `both got message:create (anon ${JSON.stringify(anon.received)}, user ${JSON.stringify(user.received)})`);
      // What Strapi's REST API shows each role, for comparison.
      const ref = v5 ? created.body.data.documentId : created.body.data.id;
      const restAs = async (token) => {
        const r = await rest(strapi.url, 'GET', `/api/messages/${ref}?populate=*`, { token, expect: [200, 403, 404] });
        return r.status === 200 ? (v5 ? r.body.data : r.body.data.attributes) : null;
      };
      const shown = await restAs(ann.jwt);
      assert.equal(a.author, undefined, 'Public sees no author');
      assert.equal(a.category, undefined, 'Public may not find categories');
      assert.equal(u.author, undefined, 'Authenticated may not find users either');
      assert.equal(shown?.author, undefined, 'Strapi shows Authenticated no author');
      assert.equal(a.secret, undefined);
      assert.equal(u.secret, undefined);
      const category = v5 ? u.category : u.category?.data?.attributes ?? u.category;
      assert.equal(category?.name, 'news', `Authenticated sees the category: ${JSON.stringify(u)}`);
      assert.equal(category?.code, undefined, 'not its private code');
    });

    it('a user deleted through DELETE /api/users/:id (no webhook) loses the socket within the sync interval', { timeout: TEST_MS }, async () => {
      const gone = await register();
      const s = await conn({ token: gone.jwt });
      await hub.waitForLog(new RegExp(`socket connected[^\\n]*user=${gone.user.id}\\b`), WAIT_MS);
      const closed = new Promise((resolve) => s.on('disconnect', resolve));
      await asAdmin('DELETE', `/api/users/${gone.user.id}`);
      const reason = await Promise.race([closed, new Promise((r) => setTimeout(() => r('still connected'), 20000))]);
      assert.equal(reason, 'io server disconnect');
    });

    it('REST create, update, unpublish, publish and delete reach each role that may receive them, once each; anonymous sockets get only what Public allows', { timeout: TEST_MS }, async () => {
      const ann = await register();
      const rea = await register();
      await asAdmin('PUT', `/api/users/${rea.user.id}`, { role: await readerRole() });
      const sync = await api(hub.url, '/hub/strapi/sync', {});
      assert.equal(sync.status, 200, JSON.stringify(sync.body));
      assert.equal(sync.body.roles.Reader, 1, JSON.stringify(sync.body));
      const user = await conn({ token: ann.jwt });
      const reader = await conn({ token: rea.jwt });
      const anon = await conn();
      await hub.waitForLog(new RegExp(`socket connected[^\\n]*role=Reader user=${rea.user.id}\\b`), WAIT_MS);
      const all = [user, reader, anon];
      const as = { token: ann.jwt };

      // step runs one REST call, waits until Strapi delivered the webhooks it
      // sends (v5 sends two for a create, an update and a delete), and returns
      // what each socket got from it, sorted (parallel deliveries may swap).
      const step = async (webhooks, call) => {
        const before = messageWebhooks();
        for (const s of all) s.received = [];
        const res = await call();
        await waitUntil(() => messageWebhooks() >= before + webhooks, `${webhooks} webhooks`);
        await fence(hub.url, all);
        const got = all.map((s) => s.received.map((m) => m.event).sort());
        return { res, user: got[0], reader: got[1], anon: got[2], payloads: user.received.map((m) => m.args[0]) };
      };

      const v5 = version === 'v5';
      const created = await step(v5 ? 2 : 1, () => rest(strapi.url, 'POST', '/api/messages', { ...as, body: { data: { text: 'hello', secret: 'private' } } }));
      const { id, documentId } = created.res.body.data;
      const ref = v5 ? documentId : id;
      assert.deepEqual(created.user, v5 ? ['message:create', 'message:publish'] : ['message:create']);
      assert.deepEqual(created.anon, ['message:create'], 'Public may create: it receives creates');
      assert.deepEqual(created.reader, [], 'Reader holds find only: no events in action mode');
      const payload = created.payloads.find((p) => (v5 ? p.data.publishedAt : true));
      if (v5) {
        // v5's flat REST shape; the private field never leaves Strapi.
        assert.deepEqual(Object.keys(payload), ['data', 'meta']);
        assert.equal(payload.data.documentId, documentId);
        assert.equal(payload.data.text, 'hello');
        assert.equal(payload.data.secret, undefined);
      } else {
        assert.equal(payload.data.id, id);
        assert.equal(payload.data.attributes.text, 'hello');
        assert.equal(payload.data.attributes.secret, undefined);
        assert.deepEqual(payload.meta, {});
      }

      const updated = await step(v5 ? 2 : 1, () => rest(strapi.url, 'PUT', `/api/messages/${ref}`, { ...as, body: { data: { text: 'edited' } } }));
      assert.deepEqual(updated.user, v5 ? ['message:publish', 'message:update'] : ['message:update']);
      assert.deepEqual(updated.anon, []);

      // v4's REST API publishes and unpublishes by setting publishedAt, which
      // Strapi reports as entry.update only; v5's Document Service sends
      // entry.unpublish and entry.publish (custom routes, e2e/strapi/v5-app).
      const unpublished = await step(1, () => (v5
        ? rest(strapi.url, 'POST', `/api/messages/${ref}/unpublish`, as)
        : rest(strapi.url, 'PUT', `/api/messages/${ref}`, { ...as, body: { data: { publishedAt: null } } })));
      assert.deepEqual(unpublished.user, [v5 ? 'message:unpublish' : 'message:update']);
      if (!v5) assert.equal(unpublished.payloads[0].data.attributes.publishedAt, null);
      const published = await step(1, () => (v5
        ? rest(strapi.url, 'POST', `/api/messages/${ref}/publish`, as)
        : rest(strapi.url, 'PUT', `/api/messages/${ref}`, { ...as, body: { data: { publishedAt: new Date().toISOString() } } })));
      assert.deepEqual(published.user, [v5 ? 'message:publish' : 'message:update']);
      if (!v5) assert.notEqual(published.payloads[0].data.attributes.publishedAt, null);
      assert.deepEqual([unpublished.anon, published.anon, unpublished.reader, published.reader], [[], [], [], []]);

      // v5 deletes the draft and the published version: two webhooks, one event.
      const deleted = await step(v5 ? 2 : 1, () => rest(strapi.url, 'DELETE', `/api/messages/${ref}`, as));
      assert.deepEqual(deleted.user, ['message:delete']);
      assert.deepEqual(deleted.anon, []);
      if (v5) assert.match(hub.logs(), /duplicate entry\.delete/);
    });

    it('a permission changed in Strapi changes who receives: at once with POST /hub/strapi/sync, and within one syncInterval', { timeout: TEST_MS }, async () => {
      const ann = await register();
      const anon = await conn();
      const publicId = (await asAdmin('GET', '/api/users-permissions/roles')).body.roles.find((r) => r.type === 'public').id;
      const webhooks = messageWebhooks();
      const created = await rest(strapi.url, 'POST', '/api/messages', { token: ann.jwt, body: { data: { text: 'x' } } });
      const ref = version === 'v5' ? created.body.data.documentId : created.body.data.id;
      await waitUntil(() => messageWebhooks() >= webhooks + (version === 'v5' ? 2 : 1), 'create webhooks');
      const update = async (text) => {
        const before = messageWebhooks();
        anon.received = [];
        await rest(strapi.url, 'PUT', `/api/messages/${ref}`, { token: ann.jwt, body: { data: { text } } });
        await waitUntil(() => messageWebhooks() >= before + (version === 'v5' ? 2 : 1), 'update webhooks');
        await fence(hub.url, [anon]);
        return anon.received.map((m) => m.event);
      };
      assert.deepEqual(await update('a'), []);

      await setPermission(publicId, 'update', true);
      const sync = await api(hub.url, '/hub/strapi/sync', {});
      assert.equal(sync.status, 200, JSON.stringify(sync.body));
      assert.equal(sync.body.version, Number(version.slice(1)));
      const got = await update('b');
      // v5 also publishes on update; publish needs update too.
      assert.deepEqual(got.sort(), version === 'v5' ? ['message:publish', 'message:update'] : ['message:update']);

      const changes = rolesChanged();
      await setPermission(publicId, 'update', false);
      await waitUntil(() => rolesChanged() > changes, 'the interval sync', WAIT_MS);
      assert.deepEqual(await update('c'), []);
    });

    it('a user blocked in Strapi loses the open socket and cannot connect again until unblocked', { timeout: TEST_MS }, async () => {
      const cy = await register();
      const s = await conn({ token: cy.jwt });
      const dropped = new Promise((resolve) => s.once('disconnect', resolve));
      await asAdmin('PUT', `/api/users/${cy.user.id}`, { blocked: true });
      assert.equal(await dropped, 'io server disconnect');
      await assert.rejects(conn({ token: cy.jwt }), (err) => {
        assert.equal(err.message, 'Invalid credentials');
        assert.deepEqual(err.data, { code: 'invalid_credentials' });
        return true;
      });
      const before = userWebhooks();
      await asAdmin('PUT', `/api/users/${cy.user.id}`, { blocked: false });
      await waitUntil(() => userWebhooks() > before, 'the unblock webhook');
      await conn({ token: cy.jwt });
    });
  });
}
