// The Node reference server of bench/: what strapi-plugin-io does inside Strapi,
// without Strapi. socket.io 4.8.x (pinned in package-lock.json), every socket in
// the public role's room, content events posted over HTTP broadcast to that room,
// and a plain JS ack handler. bench/loadgen drives it and iohub with the same load.
//
//   node bench/reference/server.mjs [port]     (or PORT=...; default 3000)
//   TOKEN=secret node bench/reference/server.mjs   (then POST /emit needs Bearer secret)
//
// Listens on 127.0.0.1 only and prints "listening <port>" once ready.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
const token = process.env.TOKEN ?? '';
const ROOM = 'Public';

const http = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/emit') return emit(req, res);
  // socket.io answers /socket.io/ itself (it attaches its own request listener
  // first); anything else that reaches here is unknown.
  if (!req.url.startsWith('/socket.io/')) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"code":"not_found"}}');
  }
});

// The plugin's defaults are socket.io's: polling + websocket, 25s/20s heartbeat.
const io = new Server(http);

io.on('connection', (socket) => {
  // An anonymous socket joins the public role's room, as the plugin (and iohub) do.
  socket.join(ROOM);
  // Scenario (c): a plain JS handler answering the ack with what the hub's echo
  // handler answers: one object naming the event and echoing the arguments.
  socket.on('ping', (...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    if (ack) ack({ lang: 'js', event: 'ping', args });
  });
});

// POST /emit takes the hub's /hub/emit body, {"event":"api::message.message.create",
// "data":...}, and does what strapi.$io.emit does for a role holding the
// permission: emit "<apiName>:<action>" with the data to the role's room. (The
// plugin also runs Strapi's sanitizer per role, which this leaves out, so the
// reference is a lower bound on the plugin's cost.)
function emit(req, res) {
  if (token && req.headers.authorization !== `Bearer ${token}`) {
    return reply(res, 401, { error: { code: 'unauthorized' } });
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, 400, { error: { code: 'bad_json' } });
    }
    const m = /^api::([^.]+)\.[^.]+\.([^.]+)$/.exec(body?.event ?? '');
    if (!m) return reply(res, 400, { error: { code: 'invalid_field' } });
    const name = `${m[1]}:${m[2]}`;
    io.to(ROOM).emit(name, body.data);
    reply(res, 202, { event: name, rooms: [ROOM] });
  });
}

function reply(res, status, obj) {
  const s = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

http.listen(port, '127.0.0.1', () => {
  console.log(`listening ${http.address().port}`);
});

// The load generator stops us with SIGTERM; exit at once (sockets die with us).
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
