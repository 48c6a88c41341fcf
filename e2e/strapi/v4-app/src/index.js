// Test-only bootstrap: wires the hub without any admin user or admin API call.
//  HUB_WEBHOOK_URL   -> creates (once) a webhook with all entry.* events, header Authorization: Bearer $HUB_WEBHOOK_TOKEN
//  PUBLIC_ACTIONS    -> comma list of content-API actions granted to the Public role (default find,create on message)
//  AUTH_ACTIONS      -> same for the Authenticated role (default: message CRUD + role.find so /users/me?populate=role works)
//  HUB_API_TOKEN_FILE -> creates (or regenerates) a full-access API token named "iohub" and writes its access key
//                       to that file before the server listens (no admin user exists to create one in the panel)
const EVENTS = ['entry.create', 'entry.update', 'entry.delete', 'entry.publish', 'entry.unpublish']; // v4 rejects unknown events such as v5's entry.draft-discard
async function grant(strapi, roleType, actions) {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: roleType } });
  for (const action of actions) {
    const have = await strapi.db.query('plugin::users-permissions.permission').findOne({ where: { action, role: role.id } });
    if (!have) await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
  }
}
// apiToken makes the full-access token the hub reads roles and users with. The admin
// api-token service is the one behind Settings -> API Tokens (same in v4 and v5).
async function apiToken(strapi, file) {
  const svc = strapi.service('admin::api-token');
  const existing = await strapi.db.query('admin::api-token').findOne({ where: { name: 'iohub' } });
  const token = existing
    ? await svc.regenerate(existing.id)
    : await svc.create({ name: 'iohub', description: 'iohub: roles sync and user lookups', type: 'full-access', lifespan: null });
  const fs = require('fs');
  fs.writeFileSync(`${file}.tmp`, token.accessKey, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}
const list = (v, d) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : d);
module.exports = {
  register() {},
  async bootstrap({ strapi }) {
    const get = (name) => (typeof strapi.get === 'function' ? strapi.get(name) : strapi[name]);
    const url = process.env.HUB_WEBHOOK_URL;
    if (url) {
      const store = get('webhookStore');
      const existing = (await store.findWebhooks()).find((w) => w.url === url);
      if (!existing) {
        const headers = process.env.HUB_WEBHOOK_TOKEN ? { Authorization: `Bearer ${process.env.HUB_WEBHOOK_TOKEN}` } : {};
        const events = list(process.env.HUB_WEBHOOK_EVENTS, EVENTS);
        const wh = await store.createWebhook({ name: 'hub', url, headers, events, isEnabled: true });
        get('webhookRunner').add(wh);
        strapi.log.info(`[test-bootstrap] webhook ${wh.id} -> ${url}`);
      }
    }
    if (process.env.HUB_API_TOKEN_FILE) await apiToken(strapi, process.env.HUB_API_TOKEN_FILE);
    await grant(strapi, 'public', list(process.env.PUBLIC_ACTIONS, ['api::message.message.find', 'api::message.message.create']));
    await grant(strapi, 'authenticated', list(process.env.AUTH_ACTIONS, [
      'api::message.message.find', 'api::message.message.findOne', 'api::message.message.create',
      'api::message.message.update', 'api::message.message.delete',
      'api::category.category.find', 'api::category.category.findOne',
      'plugin::users-permissions.role.find', 'plugin::users-permissions.role.findOne',
    ]));
  },
};
