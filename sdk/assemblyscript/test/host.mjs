// A stub of the hub's "hub" imports for the SDK's unit tests (not a host: it
// records what the guest passes and answers with canned codes).
import { readFileSync } from "node:fs";

const dec = new TextDecoder("utf-8", { fatal: true });
const enc = new TextEncoder();

/** The ABI v1.1 host imports, as wasm signatures. */
export const ABI_IMPORTS = {
  input_read: "(i32,i32)->(i32)",
  set_error: "(i32,i32)->()",
  log: "(i32,i32,i32)->()",
  reply: "(i32,i32)->(i32)",
  emit: "(i32,i32,i32,i32)->(i32)",
  raw: "(i32,i32,i32,i32,i32,i32,i32)->(i32)",
  send: "(i32,i32,i32,i32,i32,i32)->(i32)",
  join: "(i32,i32,i32,i32)->(i32)",
  leave: "(i32,i32,i32,i32)->(i32)",
  disconnect: "(i32,i32)->(i32)",
  kv_get: "(i32,i32,i32,i32)->(i32)",
  kv_set: "(i32,i32,i32,i32,i64)->(i32)",
  kv_delete: "(i32,i32)->(i32)",
  kv_add: "(i32,i32,i64,i64,i32)->(i32)",
  now_ms: "()->(i64)",
  random: "(i32,i32)->(i32)",
  binary_read: "(i32,i32,i32)->(i32)",
  binary_attach: "(i32,i32)->(i32)",
};

export function makeHub() {
  const st = {
    memory: null,
    input: new Uint8Array(0),
    ack: true,
    replied: false,
    logs: [],      // [level, text]
    error: null,   // last set_error
    effects: [],   // [name, ...decoded args]
    kv: new Map(), // key -> Uint8Array
    codes: {},     // name -> forced return code
    now: 1764066000123n,
    binaries: [],  // the event's binaries, then the attached ones (Uint8Array)
  };
  const mem = () => new Uint8Array(st.memory.buffer);
  const bytes = (p, n) => {
    if (p < 0 || n < 0 || p + n > st.memory.buffer.byteLength) throw new Error(`out of bounds (${p}, ${n})`);
    return mem().slice(p, p + n);
  };
  const str = (p, n) => dec.decode(bytes(p, n)); // throws on invalid UTF-8
  const json = (p, n) => { const s = str(p, n); JSON.parse(s); return s; };
  const effect = (name, ...args) => {
    if (name in st.codes) return st.codes[name];
    st.effects.push([name, ...args]);
    return 0;
  };
  const hub = {
    input_read(buf, cap) {
      const n = Math.min(cap, st.input.length);
      if (n > 0) { bytes(buf, cap); mem().set(st.input.subarray(0, n), buf); }
      return st.input.length;
    },
    set_error(p, n) { st.error = str(p, n); },
    log(level, p, n) { st.logs.push([level, str(p, n)]); },
    reply(p, n) {
      const s = json(p, n);
      if (!st.ack) return -3;
      if (st.replied) return -5;
      if (!Array.isArray(JSON.parse(s))) return -2;
      st.replied = true;
      return effect("reply", s);
    },
    emit(ep, el, dp, dl) { return effect("emit", str(ep, el), json(dp, dl)); },
    raw(rp, rl, ep, el, ap, al, flags) { return effect("raw", str(rp, rl), str(ep, el), json(ap, al), flags); },
    send(sp, sl, ep, el, ap, al) { return effect("send", str(sp, sl), str(ep, el), json(ap, al)); },
    join(sp, sl, rp, rl) { return effect("join", str(sp, sl), str(rp, rl)); },
    leave(sp, sl, rp, rl) { return effect("leave", str(sp, sl), str(rp, rl)); },
    disconnect(sp, sl) { return effect("disconnect", str(sp, sl)); },
    kv_get(kp, kl, buf, cap) {
      const v = st.kv.get(str(kp, kl));
      if (v === undefined) return -1;
      const n = Math.min(cap, v.length);
      bytes(buf, cap);
      mem().set(v.subarray(0, n), buf);
      return v.length;
    },
    kv_set(kp, kl, vp, vl, ttl) {
      if (typeof ttl !== "bigint") throw new Error("ttl is not an i64");
      st.kv.set(str(kp, kl), bytes(vp, vl));
      st.lastTtl = ttl;
      return 0;
    },
    kv_delete(kp, kl) { return st.kv.delete(str(kp, kl)) ? 0 : -1; },
    kv_add(kp, kl, delta, ttl, out) {
      const k = str(kp, kl);
      const cur = st.kv.has(k) ? dec.decode(st.kv.get(k)) : "0";
      if (!/^-?\d+$/.test(cur)) return -5;
      const v = BigInt(cur) + delta;
      st.kv.set(k, enc.encode(v.toString()));
      st.lastTtl = ttl;
      bytes(out, 8);
      new DataView(st.memory.buffer).setBigInt64(out, v, true);
      return 0;
    },
    now_ms() { return st.now; },
    binary_read(index, buf, cap) {
      const b = st.binaries[index];
      if (b === undefined) return -1;
      const n = Math.min(cap, b.length);
      if (n > 0) { bytes(buf, cap); mem().set(b.subarray(0, n), buf); }
      return b.length;
    },
    binary_attach(p, n) {
      if ("binary_attach" in st.codes) return st.codes.binary_attach;
      st.binaries.push(bytes(p, n));
      return st.binaries.length - 1;
    },
    random(p, n) {
      if (n > 65536) return -4;
      bytes(p, n);
      for (let i = 0; i < n; i++) mem()[p + i] = (Math.random() * 256) | 0;
      return 0;
    },
  };
  /** Starts a new event: input, ack, its binaries, and cleared records. */
  st.event = (input, ack = true, binaries = []) => {
    st.input = typeof input === "string" ? enc.encode(input) : input;
    st.binaries = binaries.map((b) => Uint8Array.from(b));
    st.ack = ack; st.replied = false; st.logs = []; st.error = null; st.effects = []; st.codes = {};
  };
  return { hub, st };
}

// --- a minimal reader of a module's types, imports and exports ---

function leb(buf, pos) {
  let result = 0, shift = 0, b;
  do { b = buf[pos.i++]; result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
  return result >>> 0;
}
const VAL = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };

/** {imports: [{module, name, kind, sig}], exports: [{name, kind, sig}]}, sig like "(i32)->(i32)". */
export function inspect(path) {
  const buf = readFileSync(path);
  const pos = { i: 8 };
  const types = [], imports = [], exports = [], funcs = [];
  const name = () => { const n = leb(buf, pos); const s = buf.subarray(pos.i, pos.i + n).toString("utf8"); pos.i += n; return s; };
  while (pos.i < buf.length) {
    const id = buf[pos.i++];
    const size = leb(buf, pos);
    const end = pos.i + size;
    if (id === 1) {
      for (let n = leb(buf, pos); n > 0; n--) {
        if (buf[pos.i++] !== 0x60) throw new Error("bad type");
        const p = []; for (let k = leb(buf, pos); k > 0; k--) p.push(VAL[buf[pos.i++]]);
        const r = []; for (let k = leb(buf, pos); k > 0; k--) r.push(VAL[buf[pos.i++]]);
        types.push(`(${p.join(",")})->(${r.join(",")})`);
      }
    } else if (id === 2) {
      for (let n = leb(buf, pos); n > 0; n--) {
        const module = name(), field = name(), kind = buf[pos.i++];
        if (kind === 0) { const t = types[leb(buf, pos)]; imports.push({ module, name: field, kind: "func", sig: t }); funcs.push(t); }
        else { imports.push({ module, name: field, kind: ["func", "table", "memory", "global"][kind] }); pos.i = end; break; }
      }
    } else if (id === 3) {
      for (let n = leb(buf, pos); n > 0; n--) funcs.push(types[leb(buf, pos)]);
    } else if (id === 7) {
      for (let n = leb(buf, pos); n > 0; n--) {
        const field = name(), kind = buf[pos.i++], idx = leb(buf, pos);
        exports.push({ name: field, kind: ["func", "table", "memory", "global"][kind], sig: kind === 0 ? funcs[idx] : undefined });
      }
    }
    pos.i = end;
  }
  return { imports, exports };
}
