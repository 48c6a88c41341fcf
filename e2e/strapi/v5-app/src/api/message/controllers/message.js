const { factories } = require('@strapi/strapi');
// publish/unpublish: Strapi v5's REST API has no route for them (only the admin
// panel's content manager does); these two custom actions call the Document
// Service, which sends the same entry.publish / entry.unpublish webhooks.
module.exports = factories.createCoreController('api::message.message', ({ strapi }) => ({
  async publish(ctx) {
    await strapi.documents('api::message.message').publish({ documentId: ctx.params.id });
    ctx.body = { ok: true };
  },
  async unpublish(ctx) {
    await strapi.documents('api::message.message').unpublish({ documentId: ctx.params.id });
    ctx.body = { ok: true };
  },
}));
