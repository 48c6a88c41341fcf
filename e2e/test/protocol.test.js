// End-to-end: the protocol's edges, as Node's socket.io handles them, checked
// with raw clients (a hand-written WebSocket over TCP, and HTTP long-polling
// with fetch/http) against the real hub binary.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub, baseConfig, connect, fence, waitFor } from '../harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const runtime = join(repo, 'node_modules', 'quickjs-wasi', 'quickjs.wasm');

// rawWS opens a WebSocket to the hub's Engine.IO endpoint by hand, so the test
// can send frames no library would. frames collects what the server sends;
// ended resolves when the server closes TCP.
function rawWS(url, query = 'EIO=4&transport=websocket') {
  const u = new URL(url);
  const sock = net.connect(Number(u.port), u.hostname);
  const key = randomBytes(16).toString('base64');
  sock.write(`GET /socket.io/?${query} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const ws = { sock, frames: [], upgraded: false };
  let buf = Buffer.alloc(0);
  ws.ended = new Promise((resolve) => sock.on('close', resolve));
  sock.on('error', () => {});
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (!ws.upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      assert.match(buf.subarray(0, end).toString(), /^HTTP\/1.1 101/);
      ws.upgraded = true;
      buf = buf.subarray(end + 4);
    }
    for (;;) { // server frames: unmasked
      if (buf.length < 2) return;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      if (buf.length < off + len) return;
      ws.frames.push({ op: buf[0] & 0x0f, data: buf.subarray(off, off + len) });
      buf = buf.subarray(off + len);
    }
  });
  // send writes one masked client frame.
  ws.send = (b0, payload) => {
    payload = Buffer.from(payload);
    const mask = randomBytes(4);
    const head = payload.length < 126 ? Buffer.from([b0, 0x80 | payload.length])
      : Buffer.from([b0, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const body = Buffer.from(payload.map((c, i) => c ^ mask[i & 3]));
    sock.write(Buffer.concat([head, mask, body]));
  };
  ws.text = (s) => ws.send(0x81, s);
  ws.waitText = async (pred, ms = 5000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = ws.frames.find((f) => f.op === 1 && pred(f.data.toString()));
      if (f) return f.data.toString();
      if (Date.now() > deadline) throw new Error(`no such frame; got ${JSON.stringify(ws.frames.map((f) => [f.op, f.data.toString()]))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  // closeFrame resolves with the server's Close frame once TCP is closed.
  ws.closeFrame = async (ms = 10000) => {
    const t = setTimeout(() => sock.destroy(), ms);
    await ws.ended;
    clearTimeout(t);
    return ws.frames.find((f) => f.op === 8);
  };
  return ws;
}

// session opens an Engine.IO + Socket.IO session over raw WebSocket.
async function session(url) {
  const ws = rawWS(url);
  await ws.waitText((s) => s.startsWith('0{'));
  ws.text('40');
  await ws.waitText((s) => s.startsWith('40'));
  return ws;
}

const codeOf = (frame) => (frame && frame.data.length >= 2 ? frame.data.readUInt16BE(0) : frame ? 1005 : 1006);

// poll performs one long-polling request and resolves with {status, body}.
function poll(url, { method = 'GET', sid, body, chunks } = {}) {
  const u = new URL(url);
  const path = `/socket.io/?EIO=4&transport=polling${sid ? `&sid=${sid}` : ''}&t=${Date.now()}${Math.random()}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, agent: false,
      headers: body !== undefined ? { 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(body) } : {} }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
      res.on('error', reject);
    });
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    if (body !== undefined) req.end(body);
    else if (chunks) {
      (async () => {
        for (const c of chunks) {
          if (!req.write(c)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      })();
    } else req.end();
  });
}

async function pollSession(url) {
  const open = await poll(url);
  assert.equal(open.status, 200);
  const { sid } = JSON.parse(open.body.slice(1));
  const r = await poll(url, { method: 'POST', sid, body: '40' });
  assert.equal(r.status, 200);
  const connected = await poll(url, { sid });
  assert.match(connected.body, /^40/);
  return sid;
}

describe('protocol edges (raw clients, as Node answers them)', () => {
  let hub;
  let observer;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iohub-protocol-'));
    // Any event "note" that runs makes the hub broadcast "noted": proof that
    // a packet was processed.
    writeFileSync(join(dir, 'note.js'), `module.exports = { name: 'note', handler: ({ strapi }, socket, x) => strapi.$io.raw('noted', x) };\n`);
    const config = baseConfig(`
[plugins]
dir = "${dir}"
watch = false
jsRuntime = "${runtime}"
`).replace('pingTimeout = "2s"', 'pingTimeout = "2s"\nmaxHttpBufferSize = 100000');
    hub = await startHub(config);
    observer = await connect(hub.url);
  });

  after(async () => {
    observer?.close();
    if (hub) assert.equal(await hub.stop(), 0);
  });

  it('a server-side close after a ping timeout sends a Close frame (1005), not a bare TCP close', async () => {
    const ws = await session(hub.url); // never answers the pings
    const frame = await ws.closeFrame(15000);
    assert.ok(frame, 'the server sent a Close frame');
    assert.equal(codeOf(frame), 1005);
  });

  it('an invalid Engine.IO packet closes with a Close frame', async () => {
    const ws = await session(hub.url);
    ws.text('9nonsense');
    const frame = await ws.closeFrame();
    assert.ok(frame, 'the server sent a Close frame');
  });

  it('a text frame that is not UTF-8 closes with 1007, and is not processed', async () => {
    const ws = await session(hub.url);
    ws.send(0x81, Buffer.concat([Buffer.from('42["note","bad'), Buffer.from([0xff, 0xfe]), Buffer.from('"]')]));
    assert.equal(codeOf(await ws.closeFrame()), 1007);
    await fence(hub.url, [observer]);
    assert.equal(observer.received.filter((m) => m.event === 'noted' && String(m.args[0]).startsWith('bad')).length, 0);
  });

  it('a Close frame with a 1-byte payload is answered with 1002', async () => {
    const ws = await session(hub.url);
    ws.send(0x88, Buffer.from([3]));
    assert.equal(codeOf(await ws.closeFrame()), 1002);
  });

  it('a client Close is echoed once with its code', async () => {
    const ws = await session(hub.url);
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(1000);
    ws.send(0x88, payload);
    await ws.closeFrame();
    const closes = ws.frames.filter((f) => f.op === 8);
    assert.equal(closes.length, 1);
    assert.equal(codeOf(closes[0]), 1000);
  });

  it('a valid message still works through the guard (fragmented, with a character split across frames)', async () => {
    const ws = await session(hub.url);
    const msg = Buffer.from('42["note","h€llo"]');
    const cut = msg.indexOf(0xe2) + 1;
    ws.send(0x01, msg.subarray(0, cut));
    ws.send(0x80, msg.subarray(cut));
    await waitFor(observer, (m) => m.event === 'noted' && m.args[0] === 'h€llo');
    ws.sock.destroy();
  });

  it('an invalid polling payload closes the session (the next GET is 400)', async () => {
    const sid = await pollSession(hub.url);
    const r = await poll(hub.url, { method: 'POST', sid, body: 'abc' });
    assert.equal(r.status, 400);
    const next = await poll(hub.url, { sid });
    assert.equal(next.status, 400);
  });

  it('an oversized polling POST is refused with 413 and none of its packets runs (with and without Content-Length)', async () => {
    const big = '4' + 'x'.repeat(150000);
    for (const chunked of [true, false]) {
      const sid = await pollSession(hub.url);
      const first = `42["note","oversized-${chunked}"]\x1e`;
      const r = chunked
        ? await poll(hub.url, { method: 'POST', sid, chunks: [first, ...Array.from({ length: 15 }, () => big.slice(0, 10000))] })
        : await poll(hub.url, { method: 'POST', sid, body: first + big });
      assert.equal(r.status, 413, `chunked=${chunked}: ${r.status} ${r.body}`);
      await fence(hub.url, [observer]);
      assert.equal(observer.received.filter((m) => m.event === 'noted' && m.args[0] === `oversized-${chunked}`).length, 0,
        `chunked=${chunked}: a packet of the refused body ran`);
      const next = await poll(hub.url, { sid });
      assert.equal(next.status, 400, 'the session is closed');
    }
    // A body under the limit is processed as before.
    const sid = await pollSession(hub.url);
    const ok = await poll(hub.url, { method: 'POST', sid, body: '42["note","small"]' });
    assert.equal(ok.status, 200);
    await waitFor(observer, (m) => m.event === 'noted' && m.args[0] === 'small');
  });
});
