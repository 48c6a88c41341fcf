// iohub's runtime for JavaScript handlers, evaluated in every QuickJS VM
// before the handler file. It gives handlers the ctx and socket objects of
// strapi-plugin-io's events[] entries, and turns what they do into one
// outcome per event, read by the hub (hub/plugin/jsoutcome.go) in one call.
// It is lines, not one JSON text, so that the common outcome (a reply, no
// logs) is built and read without a JSON.stringify or a decoder of the whole:
//
//   status (0 or 1), then optional fields, each a tab and a letter:
//     l<level>,<length>:<text>   a log line, its length in UTF-16 units, the
//                                text as it is (it may hold tabs and newlines)
//     b["base64", ...]           binaries the effects' placeholders name
//     m"error message"  t"stack" (JSON strings)
//   then, when the status is 0, one line per effect:
//     ["emit", uid.action, data(, name prefix)], ["raw", room, event, args, except],
//     ["rawTo", [room, ...], event, data], ["send", sid, event, args],
//     ["join"|"leave", sid, room], ["disconnect", sid], ["reply", args]
//
// JSON.stringify never writes a raw tab or newline, so neither ends a JSON
// field or an effect early.
//
// Binary values (ArrayBuffer, typed arrays, DataView) in effects travel as
// Socket.IO's placeholders {"_placeholder":true,"num":N}, N indexing b; the
// hub turns them back into bytes (sdk/ABI.md section 8). Binary arguments
// arrive the same way and become Uint8Arrays here.
//
// Effects are applied by the hub only when the status is 0, exactly as a Wasm
// handler's; logs always. The hub checks every effect again: nothing here is
// trusted, it only gives handlers early, readable errors.
(function () {
  'use strict';
  const g = globalThis;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const MAX_EFFECTS = 256;
  const MAX_EFFECT_BYTES = 1 << 20;
  // Log limits per event: maxLogLines, maxLogBytes and maxLogLine of
  // logwriter.go (a test keeps them equal). Lengths are UTF-16 units here.
  const MAX_LOG_LINES = 1000;
  const MAX_LOG_BYTES = 1 << 20;
  const MAX_LOG_LINE = 16 << 10;
  const RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];
  const CONTENT_EVENT = /^[\w-]+::[\w-]+\.[\w-]+\.[\w-]+$/; // as access.ParseEvent
  const UID = /^[\w-]+::[\w-]+\.[\w-]+$/;
  const SEGMENT = /^[\w-]+$/;

  let cur = null; // the event being handled (a Call); null between events
  let loose = { lt: '', ln: 0, lb: 0, ld: 0 }; // logs written outside an event (the file's top level)
  let byEvent = Object.create(null); // event name -> [handler functions]
  const ctxs = new Map(); // config JSON -> the handlers' ctx

  // ---- logging ----
  function show(v) {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return v.stack ? String(v) + '\n' + v.stack.replace(/\n$/, '') : String(v);
    if (typeof v === 'function') return '[Function: ' + (v.name || 'anonymous') + ']';
    if (v !== null && typeof v === 'object') {
      try {
        const s = stringify(v);
        if (s !== undefined) return s;
      } catch (e) { /* circular, BigInt: fall through */ }
    }
    return String(v);
  }
  // Node's console formats: %s %d %i %f %j %o %O %c %%.
  function format(args) {
    let out = '';
    let i = 0;
    if (typeof args[0] === 'string' && args[0].indexOf('%') >= 0) {
      i = 1;
      out = args[0].replace(/%[sdifjoOc%]/g, (m) => {
        if (m === '%%') return '%';
        if (i >= args.length) return m;
        const v = args[i++];
        switch (m) {
          case '%d': case '%i': return typeof v === 'bigint' ? v + 'n' : String(m === '%i' ? parseInt(v) : Number(v));
          case '%f': return String(parseFloat(v));
          case '%c': return '';
          case '%s': return typeof v === 'string' ? v : show(v);
          default: return show(v);
        }
      });
    }
    for (; i < args.length; i++) out += (out === '' && i === 0 ? '' : ' ') + show(args[i]);
    return out;
  }
  // A log line travels as it is, its length in front (see the top of this
  // file): no JSON.stringify, and no decoder in the hub.
  const logRecord = (level, text) => '\tl' + level + ',' + text.length + ':' + text;
  function log(level, args) {
    const sink = cur || loose;
    if (sink.ln >= MAX_LOG_LINES || sink.lb >= MAX_LOG_BYTES) {
      sink.ld++;
      return;
    }
    let text;
    try { text = format(args); } catch (e) { text = '(unprintable: ' + e + ')'; }
    // Cut here, so a huge line does not travel to the hub whole; short of
    // the limit, so the marker fits (the hub cuts at MAX_LOG_LINE bytes).
    if (text.length > MAX_LOG_LINE) text = text.slice(0, MAX_LOG_LINE - 64) + '... [line truncated: ' + text.length + ' characters]';
    if (sink.lb + text.length > MAX_LOG_BYTES) {
      sink.ld++;
      return;
    }
    sink.lb += text.length;
    sink.ln++;
    sink.lt += logRecord(level, text);
  }
  const logger = (level) => function () { log(level, arguments); };
  const console = {
    log: logger(1), info: logger(1), debug: logger(0), trace: logger(0),
    warn: logger(2), error: logger(3),
  };
  // Strapi's logger (winston) levels.
  const strapiLog = {
    silly: logger(0), debug: logger(0), verbose: logger(0), trace: logger(0),
    http: logger(1), info: logger(1), warn: logger(2), error: logger(3), fatal: logger(3),
  };

  // ---- binary ----
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64IDX = new Uint8Array(128);
  for (let i = 0; i < 64; i++) B64IDX[B64.charCodeAt(i)] = i;
  function fromB64(s) {
    let n = s.length;
    while (n > 0 && s.charCodeAt(n - 1) === 61) n--; // '='
    const out = new Uint8Array((n * 3) >> 2);
    let o = 0, acc = 0, bits = 0;
    for (let i = 0; i < n; i++) {
      acc = (acc << 6) | B64IDX[s.charCodeAt(i) & 127];
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (acc >> bits) & 255;
      }
    }
    return out;
  }
  function toB64(u8) {
    let s = '';
    let i = 0;
    for (; i + 2 < u8.length; i += 3) {
      const v = (u8[i] << 16) | (u8[i + 1] << 8) | u8[i + 2];
      s += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + B64[v & 63];
    }
    if (i < u8.length) {
      const v = (u8[i] << 16) | (i + 1 < u8.length ? u8[i + 1] << 8 : 0);
      s += B64[v >> 18] + B64[(v >> 12) & 63] + (i + 1 < u8.length ? B64[(v >> 6) & 63] : '=') + '=';
    }
    return s;
  }
  // withBins replaces the hub's placeholders in args by the binaries.
  function withBins(v, bins) {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = withBins(v[i], bins);
      return v;
    }
    if (v._placeholder === true && typeof v.num === 'number' && Object.keys(v).length === 2) return bins[v.num];
    for (const k of Object.keys(v)) v[k] = withBins(v[k], bins);
    return v;
  }
  // While an effect is serialised (binSink set), binary values become
  // placeholders and their bytes go to the event's "b"; otherwise they
  // stringify as JSON.stringify does without this hook.
  let binSink = null;
  function binaryJSON() {
    const c = binSink;
    if (c === null) return Object.assign({}, this);
    const u8 = this instanceof ArrayBuffer ? new Uint8Array(this) : new Uint8Array(this.buffer, this.byteOffset, this.byteLength);
    if (c.b === null) c.b = [];
    c.b.push(toB64(u8));
    c.eb += u8.length;
    return { _placeholder: true, num: c.b.length - 1 };
  }
  for (const proto of [ArrayBuffer.prototype, Object.getPrototypeOf(Uint8Array.prototype), DataView.prototype]) {
    Object.defineProperty(proto, 'toJSON', { value: binaryJSON, writable: true, configurable: true, enumerable: false });
  }

  // ---- effects ----
  // An event's state. Its fields start on the prototype, so that an event
  // makes one object with one field of its own (an object's own fields cost
  // about a quarter of a microsecond each to make here); the rare ones (logs,
  // binaries, a failure, a pending promise) are set when they happen.
  const CALL = Object.assign(Object.create(null), {
    s: 0, m: '', st: '', // status, error message and stack
    e: '', n: 0, eb: 0, // the effects' lines ("\n" before each), their count and bytes
    lt: '', ln: 0, lb: 0, ld: 0, // log records, their count and bytes, and lines dropped
    b: null, // binaries (base64) the effects' placeholders name
    replied: false, pending: false,
  });
  function add(json) {
    const c = cur;
    if (c === null) throw new Error('iohub: sockets can only be acted on while an event is being handled');
    if (c.n >= MAX_EFFECTS) throw new RangeError('iohub: more than ' + MAX_EFFECTS + ' effects in one event');
    if (c.eb + json.length > MAX_EFFECT_BYTES) throw new RangeError('iohub: the effects of one event exceed 1 MiB');
    c.eb += json.length;
    c.n++;
    c.e += '\n' + json;
  }
  function toJSON(v, what) {
    let s;
    binSink = cur;
    try { s = stringify(v); } catch (e) { throw new TypeError(what + ' cannot be sent: ' + (e && e.message)); } finally { binSink = null; }
    return s === undefined ? 'null' : s;
  }
  function str(v, what) {
    if (typeof v !== 'string' || v === '') throw new TypeError(what + ' must be a non-empty string, got ' + show(v));
    return v;
  }
  // Event names are checked and made JSON once: a regular expression and a
  // JSON.stringify cost microseconds here, a Map lookup a fraction of one.
  // At most MAX_NAMES are kept (handlers' names are few; others go uncached).
  const MAX_NAMES = 256;
  const nameJSON = new Map(); // event name -> its JSON
  const emitStart = new Map(); // content event -> '["emit",<its JSON>,'
  function eventName(v) {
    let j = typeof v === 'string' ? nameJSON.get(v) : undefined;
    if (j !== undefined) return j;
    str(v, 'the event name');
    if (RESERVED.indexOf(v) >= 0) throw new TypeError('"' + v + '" is a reserved event name');
    j = stringify(v);
    if (nameJSON.size < MAX_NAMES) nameJSON.set(v, j);
    return j;
  }
  function rawEmit(room, event, args, except) {
    add('["raw",' + stringify(room) + ',' + eventName(event) + ',' + toJSON(args, 'the arguments') + ',' + (except ? 1 : 0) + ']');
    return true;
  }

  // strapi-plugin-io 2's transform service without Strapi's registry: an entry
  // becomes { id, attributes }; with the schema's attributes, relations and
  // media become { data: <entry> } (their own relations stay as given: their
  // schemas are not known here); components and dynamic zones stay as given.
  function isEntry(v) {
    return v === null || Array.isArray(v) || (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype);
  }
  function transformEntry(entry, attrs) {
    if (entry === null || entry === undefined) return entry;
    if (Array.isArray(entry)) return entry.map((e) => transformEntry(e, attrs));
    if (typeof entry !== 'object') throw new TypeError('$io.emit({ data }): the entry must be an object, got ' + show(entry));
    const attributes = {};
    for (const key of Object.keys(entry)) {
      if (key === 'id') continue;
      const v = entry[key];
      const a = attrs !== null && typeof attrs === 'object' ? attrs[key] : undefined;
      const nested = a != null && ((a.type === 'relation' && 'target' in a) || a.type === 'media');
      attributes[key] = nested && isEntry(v) ? { data: transformEntry(v) } : v;
    }
    return { id: entry.id, attributes };
  }

  // $io.emit({ event, schema, data }), strapi-plugin-io 2: event is the action,
  // schema the content type (its uid, or an object with uid and, optionally,
  // singularName and attributes); without schema, event is "<uid>.<action>".
  // Sent as "<singularName>:<action>" (singularName defaults to the uid's last
  // part) to the roles the uid's permission allows, shaped as v4's REST answer.
  function emitObject(o) {
    const what = '$io.emit({ event, schema, data }): ';
    const schema = o.schema;
    let uid, action, prefix, attrs;
    if (schema === undefined || schema === null) {
      if (typeof o.event !== 'string' || !CONTENT_EVENT.test(o.event)) {
        throw new TypeError(what + 'without a schema, event must be "<uid>.<action>" like "api::message.message.create", got ' + show(o.event));
      }
      const dot = o.event.lastIndexOf('.');
      uid = o.event.slice(0, dot);
      action = o.event.slice(dot + 1);
    } else {
      uid = typeof schema === 'string' ? schema : schema.uid;
      if (typeof uid !== 'string' || !UID.test(uid)) {
        throw new TypeError(what + 'schema must be a content-type uid like "api::message.message", or an object with that uid, got ' + show(schema));
      }
      if (typeof o.event !== 'string' || !SEGMENT.test(o.event)) {
        throw new TypeError(what + 'event must be an action like "create", got ' + show(o.event));
      }
      action = o.event;
      if (typeof schema === 'object') {
        prefix = schema.singularName;
        attrs = schema.attributes;
      }
    }
    if (prefix === undefined || prefix === null) prefix = uid.slice(uid.lastIndexOf('.') + 1);
    else if (typeof prefix !== 'string' || !SEGMENT.test(prefix)) throw new TypeError(what + 'schema.singularName must be a name like "message", got ' + show(prefix));
    if (!o.data) return false; // as the plugin: an unsaved single type sends nothing
    const payload = { data: transformEntry(o.data, attrs), meta: {} };
    add('["emit",' + stringify(uid + '.' + action) + ',' + toJSON(payload, 'the data') + ',' + stringify(prefix) + ']');
    return true;
  }

  // $io.raw({ event, data, rooms }), strapi-plugin-io 2: { data } to everyone,
  // or once to each socket in the union of rooms (and room, iohub's single form).
  function rawObject(o) {
    const what = '$io.raw({ event, data, rooms }): ';
    const list = [];
    if (o.rooms !== undefined && o.rooms !== null) {
      if (!Array.isArray(o.rooms)) throw new TypeError(what + 'rooms must be an array of room names, got ' + show(o.rooms));
      // An empty list that was computed must not become "everyone" (as /hub/raw).
      if (o.rooms.length === 0 && o.room == null) throw new TypeError(what + 'rooms is empty; leave it out to send to every socket');
      for (let i = 0; i < o.rooms.length; i++) list.push(str(o.rooms[i], what + 'rooms[' + i + ']'));
    }
    if (o.room !== undefined && o.room !== null) list.push(str(o.room, what + 'room'));
    const payload = toJSON({ data: o.data }, 'the data');
    if (list.length === 0) {
      add('["raw","",' + eventName(o.event) + ',[' + payload + '],0]');
    } else {
      add('["rawTo",' + stringify(list) + ',' + eventName(o.event) + ',' + payload + ']');
    }
    return true;
  }

  // strapi.$io (and ctx.io): what strapi-plugin-io offers handlers, in the
  // forms of its versions 1 (positional) and 2 (one object).
  const io = Object.freeze({
    // A permission-checked content event, as POST /hub/emit.
    emit(event, data) {
      if (event !== null && typeof event === 'object') return emitObject(event);
      let start = typeof event === 'string' ? emitStart.get(event) : undefined;
      if (start === undefined) {
        if (typeof event !== 'string' || !CONTENT_EVENT.test(event)) {
          throw new TypeError('$io.emit: expected "<uid>.<action>" like "api::message.message.create", or { event, schema, data }, got ' + show(event));
        }
        start = '["emit",' + stringify(event) + ',';
        if (emitStart.size < MAX_NAMES) emitStart.set(event, start);
      }
      add(start + toJSON(data, 'the data') + ']');
      return true;
    },
    // An unchecked emit of data, as given, to everyone or to { room }.
    raw(event, data, opts) {
      if (event !== null && typeof event === 'object') return rawObject(event);
      let room = '';
      if (opts != null && opts.rooms !== undefined) {
        throw new TypeError('$io.raw(event, data, opts): "rooms" belongs to the object form, $io.raw({ event, data, rooms })');
      }
      if (opts != null && opts.room != null) room = str(opts.room, '$io.raw: room');
      return rawEmit(room, event, [data], false);
    },
  });

  const strapi = new Proxy(Object.freeze({ log: Object.freeze(strapiLog), $io: io }), {
    get(target, key) {
      if (typeof key === 'symbol' || key in target || key === 'then' || key === 'toJSON') return target[key];
      throw new Error('strapi.' + key + ' is not available in iohub: handlers run in the hub, outside Strapi; they have strapi.log and strapi.$io');
    },
  });

  // Socket is what handlers get as their socket: an object made by dispatch
  // with Socket.prototype, whose methods live there. rooms, user and the
  // socket's id as JSON are decoded from _lazy on first use, and their
  // caches (_rooms, _user, _data, _sid) start on the prototype: one event
  // makes one small object, which matters in an interpreter.
  function Socket() {}
  // _lazy: '<socket id as JSON>\n<rooms JSON>\n<claims JSON>'
  function lazyPart(s, i) {
    const t = s._lazy;
    const n1 = t.indexOf('\n');
    const n2 = t.indexOf('\n', n1 + 1);
    return i === 0 ? t.slice(0, n1) : i === 1 ? t.slice(n1 + 1, n2) : t.slice(n2 + 1);
  }
  function BroadcastTo(room) { this._room = room; }
  BroadcastTo.prototype.emit = function (event, ...args) { return rawEmit(this._room, event, args, true); };
  function roomOp(op) {
    return function (room) {
      const list = Array.isArray(room) ? room : [room];
      for (let i = 0; i < list.length; i++) {
        const r = list[i];
        add('["' + op + '",' + sidJSON(this) + ',' + stringify(str(r, 'socket.' + op + ': room')) + ']');
        if (op === 'join') this.rooms.add(r); else this.rooms.delete(r);
      }
      return this;
    };
  }
  const broadcast = Object.freeze({
    emit(event, ...args) { return rawEmit('', event, args, true); },
    to(room) { return new BroadcastTo(str(room, 'socket.broadcast.to: room')); },
  });
  function sidJSON(s) {
    if (s._sid === undefined) s._sid = lazyPart(s, 0);
    return s._sid;
  }
  const cache = (value) => ({ value, writable: true, configurable: true, enumerable: false });
  Object.defineProperties(Socket.prototype, {
    _sid: cache(undefined), _rooms: cache(null), _user: cache(undefined), _data: cache(undefined),
    rooms: { get() {
      if (this._rooms === null) this._rooms = new Set(parse(lazyPart(this, 1)));
      return this._rooms;
    } },
    // The verified token's claims; null for an anonymous socket.
    user: { get() {
      if (this._user === undefined) this._user = parse(lazyPart(this, 2));
      return this._user;
    } },
    data: { get() {
      if (this._data === undefined) this._data = {};
      return this._data;
    }, set(v) { this._data = v; } },
    // The hub does not pass the handshake's headers, query or auth to
    // handlers (the token stays in the hub): empty, with the time.
    handshake: { get() {
      return { auth: {}, headers: {}, query: {}, address: '', xdomain: false, secure: false, url: '', issued: this._ts, time: new Date(this._ts).toString() };
    } },
    broadcast: { get() { return broadcast; } },
  });
  Object.assign(Socket.prototype, {
    join: roomOp('join'),
    leave: roomOp('leave'),
    emit(event, ...args) {
      if (typeof args[args.length - 1] === 'function') throw new TypeError('socket.emit: acknowledgements from clients are not supported');
      add('["send",' + sidJSON(this) + ',' + eventName(event) + ',' + toJSON(args, 'the arguments') + ']');
      return true;
    },
    // socket.to(room).emit(...) and socket.broadcast.emit(...) skip this socket, as in Socket.IO.
    to(room) { return new BroadcastTo(str(room, 'socket.to: room')); },
    in(room) { return new BroadcastTo(str(room, 'socket.in: room')); },
    disconnect() {
      add('["disconnect",' + sidJSON(this) + ']');
      return this;
    },
  });

  function message(err) {
    if (err instanceof Error) return String(err.message || err.name || 'error');
    return show(err);
  }
  function fail(c, err) {
    c.s = 1;
    c.m = message(err);
    c.st = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  }

  // invoke calls handler h as h(ctx, socket, ...args), without the spread
  // for the usual few arguments (a spread call costs several plain ones).
  function invoke(h, ctx, socket, args) {
    switch (args.length) {
      case 0: return h(ctx, socket);
      case 1: return h(ctx, socket, args[0]);
      case 2: return h(ctx, socket, args[0], args[1]);
      case 3: return h(ctx, socket, args[0], args[1], args[2]);
      case 4: return h(ctx, socket, args[0], args[1], args[2], args[3]);
      default: return h(ctx, socket, ...args);
    }
  }

  // step runs handlers from i on; a promise suspends the chain until it settles.
  function step(c, hs, i, ctx, socket, args) {
    for (; i < hs.length; i++) {
      let r;
      try {
        r = invoke(hs[i], ctx, socket, args);
        if (r === null || (typeof r !== 'object' && typeof r !== 'function') || typeof r.then !== 'function') continue;
      } catch (err) {
        fail(c, err);
        return;
      }
      c.pending = true;
      const next = i + 1;
      Promise.resolve(r).then(
        () => { c.pending = false; step(c, hs, next, ctx, socket, args); },
        (err) => { c.pending = false; fail(c, err); });
      return;
    }
  }

  // outcome ends the event and describes it (see the top of this file).
  function outcome(c) {
    cur = null;
    if (c.s === 0 && c.lt === '' && c.ld === 0 && c.b === null) return '0' + c.e; // the common case
    let head = (c.s === 0 ? '0' : '1') + c.lt;
    if (c.ld) head += logRecord(2, '(' + c.ld + ' more log lines dropped: at most ' + MAX_LOG_LINES + ' lines and ' + MAX_LOG_BYTES + ' bytes per event)');
    if (c.s !== 0) return head + '\tm' + stringify(c.m) + '\tt' + stringify(c.st);
    if (c.b !== null) head += '\tb' + stringify(c.b);
    return head + c.e;
  }

  const NO_HANDLERS = [];
  let ctx0 = null; // the ctx of bindings without config
  function ctxFor(cfgJSON) {
    if (cfgJSON === undefined) {
      if (ctx0 === null) ctx0 = Object.freeze({ strapi, io, config: Object.freeze({}) });
      return ctx0;
    }
    let ctx = ctxs.get(cfgJSON);
    if (ctx === undefined) {
      ctx = Object.freeze({ strapi, io, config: Object.freeze(parse(cfgJSON)) });
      ctxs.set(cfgJSON, ctx);
    }
    return ctx;
  }

  // __iohub_d(event, args, ack, sid, role, userId, ts, lazy, config, bins):
  // handle one event, called by jsInstance.call in jscall.go. args is the
  // argument list (binary as placeholders naming bins, the base64 list as
  // JSON, or undefined), or its JSON text when the hub could not parse it;
  // ack is 1 when the client asked for one; ts the time it arrived (ms);
  // lazy what Socket decodes on use; config the binding's config JSON, or
  // undefined for none. Returns the outcome, or "" while a promise is
  // pending (then the hub runs the job queue and calls __iohub_r).
  function dispatch(event, args, ack, sid, role, userId, ts, lazy, cfgJSON, bins) {
    if (typeof args === 'string') args = parse(args);
    const c = cur = { __proto__: CALL, e: '' };
    const ctx = ctxFor(cfgJSON);
    if (bins !== undefined) args = withBins(args, parse(bins).map(fromB64));
    if (ack === 1) {
      // What toJSON and add do, inlined: the reply is in nearly every event.
      args.push(function ack(...reply) {
        if (cur !== c || c.replied) return; // as in Socket.IO, a second call (or one after the event) does nothing
        c.replied = true;
        let s;
        binSink = c;
        try { s = stringify(reply); } catch (e) { throw new TypeError('the ack arguments cannot be sent: ' + (e && e.message)); } finally { binSink = null; }
        const line = '\n["reply",' + s + ']'; // an array's JSON is never undefined
        if (c.n >= MAX_EFFECTS) throw new RangeError('iohub: more than ' + MAX_EFFECTS + ' effects in one event');
        if (c.eb + line.length - 1 > MAX_EFFECT_BYTES) throw new RangeError('iohub: the effects of one event exceed 1 MiB');
        c.eb += line.length - 1;
        c.n++;
        c.e += line;
      });
    }
    const socket = { __proto__: Socket.prototype, id: sid, role, userId, connected: true, disconnected: false, _ts: ts, _lazy: lazy };
    step(c, byEvent[event] || NO_HANDLERS, 0, ctx, socket, args);
    return c.pending ? '' : outcome(c);
  }

  // __iohub_r(): the outcome after the job queue ran dry.
  function resume() {
    const c = cur;
    if (c === null) throw new Error('iohub: no event pending');
    if (c.pending) {
      fail(c, new Error("the handler's promise never settled (handlers have no timers or I/O to wait for)"));
    }
    return outcome(c);
  }

  // __iohub_abort(): the logs of an event stopped by its deadline.
  function abort() {
    const c = cur || { __proto__: CALL };
    c.s = 1;
    return outcome(c);
  }

  function requireStub(name) {
    throw new Error('require(' + stringify(String(name)) + '): iohub handlers run sandboxed, without Node.js modules');
  }

  // __iohub_load(fn, file): run the handler file (wrapped in fn) and index
  // its entries. Returns {"names": [...], "l": [...]}.
  function load(fn, file) {
    const module = { exports: {} };
    fn.call(module.exports, module, module.exports, requireStub, file, '.');
    const ex = module.exports;
    const shape = 'module.exports must be { name, handler } or an array of them, as in the events of strapi-plugin-io';
    if (ex === null || typeof ex !== 'object') throw new TypeError(shape + '; got ' + show(ex));
    const list = Array.isArray(ex) ? ex : [ex];
    if (list.length === 0) throw new TypeError(shape + '; got an empty array');
    const names = [];
    byEvent = Object.create(null);
    list.forEach((e, i) => {
      const where = Array.isArray(ex) ? 'module.exports[' + i + ']' : 'module.exports';
      if (e === null || typeof e !== 'object') throw new TypeError(where + ': ' + shape + '; got ' + show(e));
      if (typeof e.name !== 'string' || e.name === '') throw new TypeError(where + '.name must be an event name ("connection", "disconnect" or a client event), got ' + show(e.name));
      if (typeof e.handler !== 'function') throw new TypeError(where + '.handler must be a function, got ' + show(e.handler));
      if (!byEvent[e.name]) {
        byEvent[e.name] = [];
        names.push(e.name);
      }
      byEvent[e.name].push(e.handler);
    });
    const l = loose.lt;
    loose = { lt: '', ln: 0, lb: 0, ld: 0 };
    return stringify({ names, l });
  }

  const hidden = (name, value) => Object.defineProperty(g, name, { value, writable: false, enumerable: false, configurable: false });
  hidden('__iohub_d', dispatch);
  hidden('__iohub_r', resume);
  hidden('__iohub_abort', abort);
  hidden('__iohub_load', load);
  g.console = console;
})();
