// A room chat as a JavaScript handler: the client sends
//
//   socket.emit('chat:send', { room, text }, (reply) => ...)
//
// and the handler checks the input, joins the sender to the room, broadcasts
// 'chat:message' { room, text, from, userId, ts } to the room (sender
// included) and acks { ok: true }. Bad input throws: the client's ack gets
// { error: "<message>" } and nothing is sent. The same handler as the Go
// example (examples/handlers/chat/go), in the shape of strapi-plugin-io's
// events entries.
const MAX_ROOM = 64;
const MAX_TEXT = 500;
// Chat rooms are prefixed: a client must not be able to join a role room
// ("Administrator"), "user:<id>" or another socket's id room and so receive
// what is meant for them.
const ROOM_PREFIX = 'chat:';

function check(msg) {
  if (msg === null || typeof msg !== 'object') {
    throw new Error('the first argument must be an object {"room": "...", "text": "..."}');
  }
  const { room, text } = msg;
  if (typeof room !== 'string' || room === '' || room.length > MAX_ROOM) {
    throw new Error(`room must be a non-empty string of at most ${MAX_ROOM} characters`);
  }
  if (typeof text !== 'string' || text === '' || text.length > MAX_TEXT) {
    throw new Error(`text must be a non-empty string of at most ${MAX_TEXT} characters`);
  }
  return { room, text };
}

module.exports = [
  {
    name: 'chat:send',
    handler: ({ strapi }, socket, msg, ack) => {
      const { room, text } = check(msg);
      // Effects are applied in order, and only if the handler succeeds: the
      // join comes first, so the sender receives its own message too.
      socket.join(ROOM_PREFIX + room);
      strapi.$io.raw('chat:message', {
        room,
        text,
        from: socket.id,
        userId: socket.userId || null,
        ts: Date.now(),
      }, { room: ROOM_PREFIX + room });
      if (typeof ack === 'function') ack({ ok: true });
    },
  },
];
