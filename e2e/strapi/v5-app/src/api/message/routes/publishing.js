// POST /api/messages/:id/publish and /unpublish (see the controller), checked
// against the api::message.message.publish / .unpublish permissions.
module.exports = {
  routes: [
    { method: 'POST', path: '/messages/:id/publish', handler: 'message.publish' },
    { method: 'POST', path: '/messages/:id/unpublish', handler: 'message.unpublish' },
  ],
};
