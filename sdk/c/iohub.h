/*
 * iohub.h - C guest SDK for iohub Wasm event handlers, ABI v1.1 (sdk/ABI.md).
 *
 * One header. In exactly one .c file of a module:
 *
 *     #define IOHUB_IMPLEMENTATION
 *     #include "iohub.h"
 *
 *     int iohub_on_event(const iohub_event *ev) {
 *         if (ev->kind_id == IOHUB_KIND_CONNECTION)
 *             iohub_log_info("hello");
 *         return IOHUB_OK;
 *     }
 *
 * Other .c files include it without IOHUB_IMPLEMENTATION. The implementation
 * part defines the exports hub_abi_version, hub_init and hub_on_event;
 * hub_on_event reads the envelope, scans it (no JSON library) and calls the
 * user's iohub_on_event. An optional `int iohub_init(const char *config,
 * size_t len)` receives the handler's config JSON once per instance.
 *
 * Builds with wasi-libc (clang --target=wasm32-wasi -mexec-model=reactor, see
 * build.sh) or without a libc (clang --target=wasm32 -ffreestanding -nostdlib
 * -Wl,--no-entry; define IOHUB_NO_LIBC to force). Natively (no __wasm__) the
 * host imports are plain extern functions, so tests can provide them.
 *
 * Strings handed to the host are (ptr, len) UTF-8; the wrappers below take C
 * strings for names and (ptr, len) for JSON payloads. Effects (reply, emit,
 * raw, send, join, leave, disconnect) are applied only when the handler
 * returns IOHUB_OK.
 */
#ifndef IOHUB_H
#define IOHUB_H

#include <stddef.h>
#include <stdint.h>

#if !defined(IOHUB_NO_LIBC) && \
    (!defined(__STDC_HOSTED__) || __STDC_HOSTED__ == 0 || (defined(__wasm__) && !defined(__wasi__)))
#define IOHUB_NO_LIBC 1
#endif

#ifndef IOHUB_NO_LIBC
#include <stdlib.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Constants                                                                */

/* ABI v1.1 (0x0101): binary arguments arrive in ev->args as placeholders
 * {"_placeholder":true,"num":N}, read with iohub_binary_read; binary is sent
 * with iohub_binary_attach and iohub_buf_placeholder (ABI section 8). Define
 * IOHUB_ABI_VERSION 1 before including to get base64 strings instead. */
#ifndef IOHUB_ABI_VERSION
#define IOHUB_ABI_VERSION 0x0101
#endif

/* Status returned by iohub_on_event / iohub_init (ABI section 5). */
#define IOHUB_OK 0
#define IOHUB_ERROR 1
#define IOHUB_REJECT 2

/* Negative return codes of host calls (ABI section 3) and of the helpers. */
#define IOHUB_E_NOT_FOUND (-1)
#define IOHUB_E_INVALID (-2)
#define IOHUB_E_DENIED (-3)
#define IOHUB_E_LIMIT (-4)
#define IOHUB_E_STATE (-5)
#define IOHUB_E_UNAVAILABLE (-6)

/* log levels */
#define IOHUB_LOG_DEBUG 0
#define IOHUB_LOG_INFO 1
#define IOHUB_LOG_WARN 2
#define IOHUB_LOG_ERROR 3

/* raw() flags */
#define IOHUB_RAW_EXCEPT_SENDER 1

/* iohub_event.kind_id */
#define IOHUB_KIND_OTHER 0
#define IOHUB_KIND_CONNECTION 1
#define IOHUB_KIND_DISCONNECT 2
#define IOHUB_KIND_EVENT 3

/* iohub_json_type() */
#define IOHUB_JSON_INVALID 0
#define IOHUB_JSON_NULL 1
#define IOHUB_JSON_BOOL 2
#define IOHUB_JSON_NUMBER 3
#define IOHUB_JSON_STRING 4
#define IOHUB_JSON_ARRAY 5
#define IOHUB_JSON_OBJECT 6

/* Size of the static input buffer. With a libc, larger inputs are read into
 * a malloc'ed buffer (kept for the next events); without one, a larger input
 * fails the event with status 1 and the error "iohub: input too large". */
#ifndef IOHUB_INPUT_CAP
#ifdef IOHUB_NO_LIBC
#define IOHUB_INPUT_CAP 65536
#else
#define IOHUB_INPUT_CAP 4096
#endif
#endif

/* Maximum nesting of JSON values the scanner accepts. */
#ifndef IOHUB_MAX_DEPTH
#define IOHUB_MAX_DEPTH 1024
#endif

/* ------------------------------------------------------------------------ */
/* Host imports, module "hub" (ABI section 3). Pointers are i32 on wasm32.  */

#ifdef __wasm__
#define IOHUB_IMPORT(name) __attribute__((import_module("hub"), import_name(#name)))
#define IOHUB_EXPORT(name) __attribute__((export_name(#name)))
#else
#define IOHUB_IMPORT(name)
#define IOHUB_EXPORT(name)
#endif

IOHUB_IMPORT(input_read) int32_t hub_input_read(void *buf, int32_t cap);
IOHUB_IMPORT(set_error) void hub_set_error(const void *ptr, int32_t len);
IOHUB_IMPORT(log) void hub_log(int32_t level, const void *ptr, int32_t len);
IOHUB_IMPORT(reply) int32_t hub_reply(const void *args, int32_t args_len);
IOHUB_IMPORT(emit) int32_t hub_emit(const void *event, int32_t event_len, const void *data, int32_t data_len);
IOHUB_IMPORT(raw) int32_t hub_raw(const void *room, int32_t room_len, const void *event, int32_t event_len,
                                  const void *args, int32_t args_len, int32_t flags);
IOHUB_IMPORT(send) int32_t hub_send(const void *sid, int32_t sid_len, const void *event, int32_t event_len,
                                    const void *args, int32_t args_len);
IOHUB_IMPORT(join) int32_t hub_join(const void *sid, int32_t sid_len, const void *room, int32_t room_len);
IOHUB_IMPORT(leave) int32_t hub_leave(const void *sid, int32_t sid_len, const void *room, int32_t room_len);
IOHUB_IMPORT(disconnect) int32_t hub_disconnect(const void *sid, int32_t sid_len);
IOHUB_IMPORT(kv_get) int32_t hub_kv_get(const void *key, int32_t key_len, void *buf, int32_t cap);
IOHUB_IMPORT(kv_set) int32_t hub_kv_set(const void *key, int32_t key_len, const void *val, int32_t val_len,
                                        int64_t ttl_ms);
IOHUB_IMPORT(kv_delete) int32_t hub_kv_delete(const void *key, int32_t key_len);
IOHUB_IMPORT(kv_add) int32_t hub_kv_add(const void *key, int32_t key_len, int64_t delta, int64_t ttl_ms,
                                        int64_t *out);
IOHUB_IMPORT(now_ms) int64_t hub_now_ms(void);
IOHUB_IMPORT(random) int32_t hub_random(void *buf, int32_t len);
IOHUB_IMPORT(binary_read) int32_t hub_binary_read(int32_t index, void *buf, int32_t cap);
IOHUB_IMPORT(binary_attach) int32_t hub_binary_attach(const void *ptr, int32_t len);

/* ------------------------------------------------------------------------ */
/* Types                                                                    */

/* A byte slice. Slices of the event are NUL-terminated (len excludes it). */
typedef struct iohub_str {
    const char *ptr;
    size_t len;
} iohub_str;

/* The event envelope (ABI section 4). String fields are unescaped; args,
 * rooms and user are the raw JSON text. Everything points into the input
 * buffer and is valid only during iohub_on_event. Missing keys read as "",
 * args/rooms as "[]", user as "null".
 *
 * A module that defines IOHUB_LAZY_SOCKET before including the implementation
 * gets only v, kind_id, kind, event, args and ack filled before its handler
 * runs: the envelope is read up to the end of `ack` and no further. The rest
 * (socket_id, role, user_id, rooms, user, reason, ts) is read on the first
 * call of an accessor (iohub_socket_id(ev), ..., or iohub_event_load(ev)),
 * which then fills those fields too; until then they hold the defaults. */
typedef struct iohub_event {
    int v;              /* envelope version, 1 */
    int kind_id;        /* IOHUB_KIND_CONNECTION / _DISCONNECT / _EVENT / _OTHER */
    iohub_str kind;     /* "connection", "disconnect", "event" */
    iohub_str event;    /* the event name */
    iohub_str args;     /* raw JSON array of the client's arguments */
    int ack;            /* 1 when the client asked for an acknowledgement */
    iohub_str socket_id;
    iohub_str role;
    iohub_str user_id;  /* "" for anonymous sockets */
    iohub_str rooms;    /* raw JSON array */
    iohub_str user;     /* raw JSON: the token's claims, or null */
    iohub_str reason;   /* disconnect reason, "" otherwise */
    int64_t ts;         /* Unix milliseconds */
    /* private: the unread rest of the envelope (IOHUB_LAZY_SOCKET) */
    char *iohub_rest_;
    const char *iohub_end_;
    int iohub_state_;   /* 0 read, 1 not read yet, -1 malformed */
} iohub_event;

/* Provided by the user: handle one event, return IOHUB_OK/ERROR/REJECT. */
int iohub_on_event(const iohub_event *ev);

/* Optionally provided by the user: called once per instance with the
 * handler's config (a NUL-terminated JSON object, "{}" when absent; copy what
 * you keep). Non-zero refuses the module. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((weak))
#endif
int iohub_init(const char *config, size_t len);

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

#if defined(__GNUC__) || defined(__clang__)
#define IOHUB_INLINE static inline __attribute__((unused))
#else
#define IOHUB_INLINE static inline
#endif

IOHUB_INLINE size_t iohub__strlen(const char *s) {
    size_t n = 0;
    if (!s) return 0;
    while (s[n]) n++;
    return n;
}

IOHUB_INLINE void iohub__copy(char *d, const char *s, size_t n) {
    size_t i = 0;
#if !defined(IOHUB_NO_SWAR) && (defined(__GNUC__) || defined(__clang__)) /* 8 bytes per step */
    typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) w64;
    for (; i + 8 <= n; i += 8) *(w64 *)(void *)(d + i) = *(const w64 *)(const void *)(s + i);
#endif
    for (; i < n; i++) d[i] = s[i];
}

/* A slice of a C string. */
IOHUB_INLINE iohub_str iohub_s(const char *cstr) {
    iohub_str s;
    s.ptr = cstr ? cstr : "";
    s.len = iohub__strlen(s.ptr);
    return s;
}

/* 1 when the slice equals the C string. */
IOHUB_INLINE int iohub_str_eq(iohub_str s, const char *cstr) {
    size_t i;
    for (i = 0; i < s.len; i++)
        if (cstr[i] == 0 || cstr[i] != s.ptr[i]) return 0;
    return cstr[s.len] == 0;
}

/* ------------------------------------------------------------------------ */
/* Host call wrappers. NULL sid = "" = the socket the event is about.       */

IOHUB_INLINE int iohub_input_read(void *buf, size_t cap) {
    return hub_input_read(buf, (int32_t)cap);
}
IOHUB_INLINE void iohub_log_n(int level, const char *msg, size_t len) {
    hub_log(level, msg, (int32_t)len);
}
IOHUB_INLINE void iohub_log(int level, const char *msg) { iohub_log_n(level, msg, iohub__strlen(msg)); }
IOHUB_INLINE void iohub_log_debug(const char *msg) { iohub_log(IOHUB_LOG_DEBUG, msg); }
IOHUB_INLINE void iohub_log_info(const char *msg) { iohub_log(IOHUB_LOG_INFO, msg); }
IOHUB_INLINE void iohub_log_warn(const char *msg) { iohub_log(IOHUB_LOG_WARN, msg); }
IOHUB_INLINE void iohub_log_error(const char *msg) { iohub_log(IOHUB_LOG_ERROR, msg); }

/* The message of a non-zero status (last call wins, cut at 1 KiB). */
IOHUB_INLINE void iohub_set_error(const char *msg) {
    hub_set_error(msg ? msg : "", (int32_t)iohub__strlen(msg));
}
/* iohub_set_error(msg), then the status: `return iohub_fail("bad room");` */
IOHUB_INLINE int iohub_fail(const char *msg) {
    iohub_set_error(msg);
    return IOHUB_ERROR;
}
IOHUB_INLINE int iohub_reject(const char *msg) {
    iohub_set_error(msg);
    return IOHUB_REJECT;
}
/* Answer the client's ack; json is an array of the callback's arguments. */
IOHUB_INLINE int iohub_reply(const char *json, size_t len) { return hub_reply(json, (int32_t)len); }
/* Permission-checked content event "<uid>.<action>" with one JSON value. */
IOHUB_INLINE int iohub_emit(const char *event, const char *data, size_t len) {
    return hub_emit(event, (int32_t)iohub__strlen(event), data, (int32_t)len);
}
/* Unchecked emit of event with args (JSON array) to room (NULL/"" = every
 * socket). flags: IOHUB_RAW_EXCEPT_SENDER. */
IOHUB_INLINE int iohub_raw(const char *room, const char *event, const char *args, size_t len, int flags) {
    return hub_raw(room ? room : "", (int32_t)iohub__strlen(room), event, (int32_t)iohub__strlen(event), args,
                   (int32_t)len, flags);
}
IOHUB_INLINE int iohub_send(const char *sid, const char *event, const char *args, size_t len) {
    return hub_send(sid ? sid : "", (int32_t)iohub__strlen(sid), event, (int32_t)iohub__strlen(event), args,
                    (int32_t)len);
}
IOHUB_INLINE int iohub_join(const char *sid, const char *room) {
    return hub_join(sid ? sid : "", (int32_t)iohub__strlen(sid), room, (int32_t)iohub__strlen(room));
}
IOHUB_INLINE int iohub_leave(const char *sid, const char *room) {
    return hub_leave(sid ? sid : "", (int32_t)iohub__strlen(sid), room, (int32_t)iohub__strlen(room));
}
IOHUB_INLINE int iohub_disconnect(const char *sid) {
    return hub_disconnect(sid ? sid : "", (int32_t)iohub__strlen(sid));
}

/* Reads a value: returns its full length or IOHUB_E_NOT_FOUND. Copies at most
 * cap-1 bytes and NUL-terminates (snprintf-style: truncated when >= cap). */
IOHUB_INLINE int iohub_kv_get(const char *key, char *buf, size_t cap) {
    int32_t n = hub_kv_get(key, (int32_t)iohub__strlen(key), buf, cap ? (int32_t)(cap - 1) : 0);
    if (cap) buf[n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1)] = 0;
    return n;
}
IOHUB_INLINE int iohub_kv_set(const char *key, const char *val, size_t len, int64_t ttl_ms) {
    return hub_kv_set(key, (int32_t)iohub__strlen(key), val, (int32_t)len, ttl_ms);
}
IOHUB_INLINE int iohub_kv_delete(const char *key) { return hub_kv_delete(key, (int32_t)iohub__strlen(key)); }
/* Atomically adds delta; the new value goes to *out (may be NULL). ttl 0
 * keeps the current expiry. */
IOHUB_INLINE int iohub_kv_add(const char *key, int64_t delta, int64_t ttl_ms, int64_t *out) {
    int64_t v = 0;
    int32_t rc = hub_kv_add(key, (int32_t)iohub__strlen(key), delta, ttl_ms, &v);
    if (out) *out = rc == 0 ? v : 0;
    return rc;
}
IOHUB_INLINE int64_t iohub_now_ms(void) { return hub_now_ms(); }
IOHUB_INLINE int iohub_random(void *buf, size_t len) { return hub_random(buf, (int32_t)len); }

/* Binary (ABI section 8). iohub_binary_read copies min(len, cap) bytes of the
 * event's binary `index` (the num of its placeholder in ev->args) and returns
 * its full length (cap 0 asks for it), or IOHUB_E_NOT_FOUND. iohub_binary_attach
 * copies bytes to send and returns their index, for iohub_buf_placeholder. */
IOHUB_INLINE int iohub_binary_read(int index, void *buf, size_t cap) {
    return hub_binary_read(index, buf, (int32_t)cap);
}
IOHUB_INLINE int iohub_binary_attach(const void *ptr, size_t len) { return hub_binary_attach(ptr, (int32_t)len); }

/* ------------------------------------------------------------------------ */
/* JSON scanning (no allocation, no libc)                                   */

IOHUB_INLINE const char *iohub__ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

IOHUB_INLINE int iohub__hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The code unit of the 4 hex digits at p, or -1. */
IOHUB_INLINE long iohub__u4(const char *p, const char *e) {
    long v = 0;
    int i, h;
    if (e - p < 4) return -1;
    for (i = 0; i < 4; i++) {
        if ((h = iohub__hex(p[i])) < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Scanning 8 bytes per step (SWAR): a little-endian uint64 load and bit
 * tricks find the first byte of interest in a word, so long strings and
 * arguments cost one loop iteration per 8 bytes (wasm32 has 64-bit integer
 * instructions; the hub charges fuel per loop iteration and call). Other
 * compilers and big-endian hosts take the byte-at-a-time loops. Define
 * IOHUB_NO_SWAR to force those. */
#if !defined(IOHUB_NO_SWAR) && (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IOHUB__SWAR 1
typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) iohub__u64u;
#define IOHUB__L(x) (0x0101010101010101ull * (uint64_t)(x))
/* The high bit of each byte of w that equals c. Only the lowest set bit is
 * exact (a borrow can mark bytes above a match), which is all we use. */
#define IOHUB__EQ(w, c) ((((w) ^ IOHUB__L(c)) - IOHUB__L(1)) & ~((w) ^ IOHUB__L(c)) & IOHUB__L(0x80))
/* ... bytes below 0x20 (control characters) */
#define IOHUB__LT20(w) (((w) - IOHUB__L(0x20)) & ~(w) & IOHUB__L(0x80))
/* ... '"', '\\' or a control character: what ends a run of string content */
#define IOHUB__STRSTOP(w) (IOHUB__EQ(w, '"') | IOHUB__EQ(w, '\\') | IOHUB__LT20(w))
/* ... '"', '[', ']', '{', '}': the structure outside strings ('[' | 0x20 is '{') */
#define IOHUB__STRUCT(w) \
    (IOHUB__EQ(w, '"') | IOHUB__EQ((w) | IOHUB__L(0x20), '{') | IOHUB__EQ((w) | IOHUB__L(0x20), '}'))
#define IOHUB__LOAD(p) (*(const iohub__u64u *)(const void *)(p))
#define IOHUB__FIRST(m) ((size_t)__builtin_ctzll(m) >> 3)
#endif

/* p inside a string: the first '"', '\\' or control character at or after p,
 * or e. */
IOHUB_INLINE const char *iohub__str_stop(const char *p, const char *e) {
#ifdef IOHUB__SWAR
    for (; e - p >= 8; p += 8) {
        uint64_t w = IOHUB__LOAD(p), m = IOHUB__STRSTOP(w);
        if (m) return p + IOHUB__FIRST(m);
    }
#endif
    for (; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20) return p;
    }
    return e;
}

/* p just after the opening quote of a string: its closing quote, or NULL when
 * malformed/truncated. *esc (may be NULL) gets the first backslash, or NULL
 * when the string has no escape. */
IOHUB_INLINE const char *iohub__str_end(const char *p, const char *e, const char **esc) {
    if (esc) *esc = 0;
    for (;;) {
        p = iohub__str_stop(p, e);
        if (p >= e || (unsigned char)*p < 0x20) return 0;
        if (*p == '"') return p;
        if (esc && !*esc) *esc = p;
        if (e - p < 2) return 0;
        switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            p += 2;
            break;
        case 'u':
            if (iohub__u4(p + 2, e) < 0) return 0;
            p += 6;
            break;
        default:
            return 0;
        }
    }
}

/* p at '"': the end of the string token, or NULL when malformed/truncated. */
IOHUB_INLINE const char *iohub__skip_string(const char *p, const char *e) {
    if (p >= e || *p != '"') return 0;
    p = iohub__str_end(p + 1, e, 0);
    return p ? p + 1 : 0;
}

IOHUB_INLINE const char *iohub__skip_number(const char *p, const char *e) {
    if (p < e && *p == '-') p++;
    if (p >= e) return 0;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < e && *p >= '0' && *p <= '9') p++;
    } else {
        return 0;
    }
    if (p < e && *p == '.') {
        p++;
        if (p >= e || *p < '0' || *p > '9') return 0;
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || *p < '0' || *p > '9') return 0;
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

IOHUB_INLINE const char *iohub__skip_lit(const char *p, const char *e, const char *lit) {
    while (*lit) {
        if (p >= e || *p != *lit) return 0;
        p++, lit++;
    }
    return p;
}

/* Skips one JSON value starting at p (after whitespace): returns the end of
 * the value, or NULL when it is malformed, truncated or nested deeper than
 * IOHUB_MAX_DEPTH. Iterative, so hostile nesting cannot overflow the stack. */
IOHUB_INLINE const char *iohub__skip_value(const char *p, const char *e) {
    unsigned char obj[(IOHUB_MAX_DEPTH + 7) / 8]; /* bit set: the level is an object */
    int d = 0;
value:
    p = iohub__ws(p, e);
    if (p >= e) return 0;
    switch (*p) {
    case '{':
    case '[':
        if (d >= IOHUB_MAX_DEPTH) return 0;
        if (*p == '{') obj[d / 8] |= (unsigned char)(1u << (d % 8));
        else obj[d / 8] &= (unsigned char)~(1u << (d % 8));
        d++;
        p = iohub__ws(p + 1, e);
        if (p < e && (*p == '}' || *p == ']')) {
            if (*p != ((obj[(d - 1) / 8] >> ((d - 1) % 8)) & 1 ? '}' : ']')) return 0;
            p++;
            d--;
            goto after;
        }
        if ((obj[(d - 1) / 8] >> ((d - 1) % 8)) & 1) goto key;
        goto value;
    case '"': p = iohub__skip_string(p, e); break;
    case 't': p = iohub__skip_lit(p, e, "true"); break;
    case 'f': p = iohub__skip_lit(p, e, "false"); break;
    case 'n': p = iohub__skip_lit(p, e, "null"); break;
    default: p = iohub__skip_number(p, e); break;
    }
    if (!p) return 0;
after:
    if (d == 0) return p;
    p = iohub__ws(p, e);
    if (p >= e) return 0;
    {
        int is_obj = (obj[(d - 1) / 8] >> ((d - 1) % 8)) & 1;
        if (*p == ',') {
            p++;
            if (is_obj) goto key;
            goto value;
        }
        if (*p != (is_obj ? '}' : ']')) return 0;
        p++;
        d--;
        goto after;
    }
key:
    p = iohub__ws(p, e);
    p = iohub__skip_string(p, e);
    if (!p) return 0;
    p = iohub__ws(p, e);
    if (p >= e || *p != ':') return 0;
    p++;
    goto value;
}

/* p after a structural byte: the next '"', '[', ']', '{' or '}', or e. */
IOHUB_INLINE const char *iohub__struct_stop(const char *p, const char *e) {
#ifdef IOHUB__SWAR
    for (; e - p >= 8; p += 8) {
        uint64_t w = IOHUB__LOAD(p), m = IOHUB__STRUCT(w);
        if (m) return p + IOHUB__FIRST(m);
    }
#endif
    for (; p < e; p++)
        if (*p == '"' || *p == '[' || *p == ']' || *p == '{' || *p == '}') return p;
    return e;
}

/* Skips the JSON value at p (no leading whitespace) like iohub__skip_value,
 * several bytes per step: strings are checked as iohub__skip_string does and
 * brackets must match, but what lies between them (numbers, literals, commas,
 * colons) is not checked. For the envelope, which the hub writes in its exact
 * encoding; a value read with iohub_json_* or iohub_arg* is checked then. */
IOHUB_INLINE const char *iohub__skip_fast(const char *p, const char *e) {
    unsigned char obj[(IOHUB_MAX_DEPTH + 7) / 8]; /* bit set: the level is an object */
    int d = 0;
    if (p >= e) return 0;
    if (*p == '"') return iohub__skip_string(p, e);
    if (*p != '[' && *p != '{') return iohub__skip_value(p, e);
    for (;;) { /* p at a structural byte */
        char c = *p;
        if (c == '"') {
            p = iohub__str_end(p + 1, e, 0);
            if (!p) return 0;
        } else if (c == '[' || c == '{') {
            if (d >= IOHUB_MAX_DEPTH) return 0;
            if (c == '{') obj[d / 8] |= (unsigned char)(1u << (d % 8));
            else obj[d / 8] &= (unsigned char)~(1u << (d % 8));
            d++;
        } else {
            if (d == 0) return 0;
            d--;
            if (c != ((obj[d / 8] >> (d % 8)) & 1 ? '}' : ']')) return 0;
            if (d == 0) return p + 1;
        }
        p = iohub__struct_stop(p + 1, e);
        if (p >= e) return 0;
    }
}

/* Decodes one character of string content at *pp (already validated by
 * iohub__skip_string) into out; returns the byte count (never more than the
 * input consumed, so decoding in place is safe). Lone surrogates become
 * U+FFFD. */
IOHUB_INLINE int iohub__dec1(const char **pp, const char *e, unsigned char out[4]) {
    const char *p = *pp;
    long cp;
    if (*p != '\\') {
        out[0] = (unsigned char)*p;
        *pp = p + 1;
        return 1;
    }
    if (e - p < 2) return -1;
    switch (p[1]) {
    case '"': out[0] = '"'; break;
    case '\\': out[0] = '\\'; break;
    case '/': out[0] = '/'; break;
    case 'b': out[0] = '\b'; break;
    case 'f': out[0] = '\f'; break;
    case 'n': out[0] = '\n'; break;
    case 'r': out[0] = '\r'; break;
    case 't': out[0] = '\t'; break;
    case 'u':
        cp = iohub__u4(p + 2, e);
        if (cp < 0) return -1;
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            long lo = (e - p >= 6 && p[0] == '\\' && p[1] == 'u') ? iohub__u4(p + 2, e) : -1;
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else {
                cp = 0xFFFD;
            }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        *pp = p;
        if (cp < 0x80) {
            out[0] = (unsigned char)cp;
            return 1;
        }
        if (cp < 0x800) {
            out[0] = (unsigned char)(0xC0 | (cp >> 6));
            out[1] = (unsigned char)(0x80 | (cp & 0x3F));
            return 2;
        }
        if (cp < 0x10000) {
            out[0] = (unsigned char)(0xE0 | (cp >> 12));
            out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            out[2] = (unsigned char)(0x80 | (cp & 0x3F));
            return 3;
        }
        out[0] = (unsigned char)(0xF0 | (cp >> 18));
        out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    default:
        return -1;
    }
    *pp = p + 2;
    return 1;
}

/* 1 when the string token tok (with quotes, validated) decodes to key. */
IOHUB_INLINE int iohub__key_eq(iohub_str tok, const char *key, size_t klen) {
    const char *p = tok.ptr + 1, *e = tok.ptr + tok.len - 1;
    size_t k = 0;
    for (; p < e && *p != '\\'; p++, k++) /* fast path: no escapes */
        if (k >= klen || key[k] != *p) return 0;
    while (p < e) {
        unsigned char b[4];
        int i, n = iohub__dec1(&p, e, b);
        if (n < 0) return 0;
        for (i = 0; i < n; i++, k++)
            if (k >= klen || (unsigned char)key[k] != b[i]) return 0;
    }
    return k == klen;
}

/* Object iteration, in two steps. iohub__obj_key: p after '{' or after a
 * member (and its separator): returns 1 with the key (the string token with
 * its quotes) and p at the value, 0 at the closing '}' (p moves past it), -1
 * when malformed. iohub__obj_sep: p after a value: consumes a ',' (a key
 * must follow) or stops before the '}'; returns 0 or -1. */
IOHUB_INLINE int iohub__obj_key(const char **pp, const char *e, iohub_str *key) {
    const char *p = iohub__ws(*pp, e), *q;
    if (p >= e) return -1;
    if (*p == '}') {
        *pp = p + 1;
        return 0;
    }
    q = iohub__skip_string(p, e);
    if (!q) return -1;
    key->ptr = p;
    key->len = (size_t)(q - p);
    p = iohub__ws(q, e);
    if (p >= e || *p != ':') return -1;
    *pp = iohub__ws(p + 1, e);
    return 1;
}

IOHUB_INLINE int iohub__obj_sep(const char **pp, const char *e) {
    const char *p = iohub__ws(*pp, e);
    if (p >= e) return -1;
    if (*p == ',') {
        p = iohub__ws(p + 1, e);
        if (p >= e || *p != '"') return -1;
    } else if (*p != '}') {
        return -1;
    }
    *pp = p;
    return 0;
}

/* One member: 1 with key and raw value, 0 at the closing '}', -1 malformed. */
IOHUB_INLINE int iohub__obj_next(const char **pp, const char *e, iohub_str *key, iohub_str *val) {
    const char *p = *pp, *q;
    int r = iohub__obj_key(&p, e, key);
    if (r <= 0) {
        *pp = p;
        return r;
    }
    q = iohub__skip_value(p, e);
    if (!q) return -1;
    val->ptr = p;
    val->len = (size_t)(q - p);
    if (iohub__obj_sep(&q, e) < 0) return -1;
    *pp = q;
    return 1;
}

/* Array iteration: p after '['. Like iohub__obj_next. */
IOHUB_INLINE int iohub__arr_next(const char **pp, const char *e, iohub_str *val) {
    const char *p = iohub__ws(*pp, e), *q;
    if (p >= e) return -1;
    if (*p == ']') {
        *pp = p + 1;
        return 0;
    }
    q = iohub__skip_value(p, e);
    if (!q) return -1;
    val->ptr = p;
    val->len = (size_t)(q - p);
    p = iohub__ws(q, e);
    if (p >= e) return -1;
    if (*p == ',') {
        p = iohub__ws(p + 1, e);
        if (p >= e || *p == ']') return -1;
    } else if (*p != ']') {
        return -1;
    }
    *pp = p;
    return 1;
}

/* The type of the JSON value v (by its first byte; leading whitespace is
 * skipped): IOHUB_JSON_OBJECT, _ARRAY, _STRING, _NUMBER, _BOOL, _NULL or
 * _INVALID. */
IOHUB_INLINE int iohub_json_type(iohub_str v) {
    const char *p = iohub__ws(v.ptr, v.ptr + v.len);
    if (p >= v.ptr + v.len) return IOHUB_JSON_INVALID;
    switch (*p) {
    case '{': return IOHUB_JSON_OBJECT;
    case '[': return IOHUB_JSON_ARRAY;
    case '"': return IOHUB_JSON_STRING;
    case 't': case 'f': return IOHUB_JSON_BOOL;
    case 'n': return IOHUB_JSON_NULL;
    default: return (*p == '-' || (*p >= '0' && *p <= '9')) ? IOHUB_JSON_NUMBER : IOHUB_JSON_INVALID;
    }
}

/* Finds key in the JSON object obj: *out is the raw value (a string keeps its
 * quotes). Returns 0, IOHUB_E_NOT_FOUND, or IOHUB_E_INVALID when obj is not a
 * well-formed object. Keys are compared unescaped; the last duplicate wins. */
IOHUB_INLINE int iohub_json_field(iohub_str obj, const char *key, iohub_str *out) {
    const char *e = obj.ptr + obj.len, *p = iohub__ws(obj.ptr, e);
    size_t klen = iohub__strlen(key);
    iohub_str k, v;
    int r, found = 0;
    if (p >= e || *p != '{') return IOHUB_E_INVALID;
    p++;
    while ((r = iohub__obj_next(&p, e, &k, &v)) > 0) {
        if (iohub__key_eq(k, key, klen)) {
            if (out) *out = v;
            found = 1;
        }
    }
    if (r < 0 || iohub__ws(p, e) != e) return IOHUB_E_INVALID;
    return found ? 0 : IOHUB_E_NOT_FOUND;
}

/* Element i (from 0) of the JSON array arr. Returns 0, IOHUB_E_NOT_FOUND when
 * out of range, IOHUB_E_INVALID when arr is not a well-formed array. */
IOHUB_INLINE int iohub_json_index(iohub_str arr, size_t i, iohub_str *out) {
    const char *e = arr.ptr + arr.len, *p = iohub__ws(arr.ptr, e);
    iohub_str v;
    size_t n = 0;
    int r, found = 0;
    if (p >= e || *p != '[') return IOHUB_E_INVALID;
    p++;
    while ((r = iohub__arr_next(&p, e, &v)) > 0) {
        if (n++ == i) {
            if (out) *out = v;
            found = 1;
        }
    }
    if (r < 0 || iohub__ws(p, e) != e) return IOHUB_E_INVALID;
    return found ? 0 : IOHUB_E_NOT_FOUND;
}

/* Unescapes the JSON string v (with its quotes) into buf: writes at most
 * cap-1 bytes plus a NUL and returns the full decoded length (so the result
 * was cut when it is >= cap), or IOHUB_E_INVALID when v is not a string.
 * \u escapes become UTF-8; lone surrogates become U+FFFD. */
IOHUB_INLINE int iohub_json_string(iohub_str v, char *buf, size_t cap) {
    const char *e = v.ptr + v.len, *p = iohub__ws(v.ptr, e), *q = iohub__skip_string(p, e);
    size_t n = 0;
    if (!q || iohub__ws(q, e) != e) return IOHUB_E_INVALID;
    p++;
    q--; /* closing quote */
    while (p < q) {
        unsigned char b[4];
        int i, k = iohub__dec1(&p, q, b);
        if (k < 0) return IOHUB_E_INVALID;
        for (i = 0; i < k; i++, n++)
            if (n + 1 < cap) buf[n] = (char)b[i];
    }
    if (cap) buf[n < cap ? n : cap - 1] = 0;
    return (int)n;
}

/* Parses the JSON integer v (-?digits, no fraction or exponent). Returns 0,
 * IOHUB_E_INVALID when v is not an integer, IOHUB_E_LIMIT when it does not
 * fit in int64_t. */
IOHUB_INLINE int iohub_json_int(iohub_str v, int64_t *out) {
    const char *e = v.ptr + v.len, *p = iohub__ws(v.ptr, e), *q = iohub__skip_number(p, e);
    uint64_t m = 0, lim;
    int neg = 0;
    if (!q || iohub__ws(q, e) != e) return IOHUB_E_INVALID;
    if (*p == '-') neg = 1, p++;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; p < q; p++) {
        if (*p < '0' || *p > '9') return IOHUB_E_INVALID;
        if (m > (lim - (uint64_t)(*p - '0')) / 10) return IOHUB_E_LIMIT;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (out) *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return 0;
}

/* Parses true/false into *out (1/0). Returns 0 or IOHUB_E_INVALID. */
IOHUB_INLINE int iohub_json_bool(iohub_str v, int *out) {
    const char *e = v.ptr + v.len, *p = iohub__ws(v.ptr, e), *q;
    int b = p < e && *p == 't';
    q = iohub__skip_lit(p, e, b ? "true" : "false");
    if (!q || iohub__ws(q, e) != e) return IOHUB_E_INVALID;
    if (out) *out = b;
    return 0;
}

/* Writes s as a quoted, escaped JSON string into buf: at most cap-1 bytes and
 * a NUL; returns the full length (cut when >= cap). buf may be NULL when cap
 * is 0, to measure. Escapes ", \ and control characters; other bytes are
 * copied (the host rejects invalid UTF-8). */
IOHUB_INLINE size_t iohub_json_escape(char *buf, size_t cap, const char *s, size_t len) {
    static const char hexd[] = "0123456789abcdef";
    size_t n = 0, i;
#define IOHUB__PUT(ch) do { if (n + 1 < cap) buf[n] = (char)(ch); n++; } while (0)
    IOHUB__PUT('"');
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            IOHUB__PUT('\\');
            IOHUB__PUT(c);
        } else if (c >= 0x20) {
            IOHUB__PUT(c);
        } else {
            IOHUB__PUT('\\');
            switch (c) {
            case '\b': IOHUB__PUT('b'); break;
            case '\f': IOHUB__PUT('f'); break;
            case '\n': IOHUB__PUT('n'); break;
            case '\r': IOHUB__PUT('r'); break;
            case '\t': IOHUB__PUT('t'); break;
            default:
                IOHUB__PUT('u'); IOHUB__PUT('0'); IOHUB__PUT('0');
                IOHUB__PUT(hexd[c >> 4]); IOHUB__PUT(hexd[c & 15]);
            }
        }
    }
    IOHUB__PUT('"');
#undef IOHUB__PUT
    if (cap) buf[n < cap ? n : cap - 1] = 0;
    return n;
}

/* ------------------------------------------------------------------------ */
/* Arguments of the event                                                   */

/* args[i] as raw JSON. Returns 0, IOHUB_E_NOT_FOUND or IOHUB_E_INVALID. */
IOHUB_INLINE int iohub_arg(const iohub_event *ev, size_t i, iohub_str *out) {
    return iohub_json_index(ev->args, i, out);
}

/* args[i].key (or args[i] itself when key is NULL) as raw JSON. */
IOHUB_INLINE int iohub_arg_value(const iohub_event *ev, size_t i, const char *key, iohub_str *out) {
    iohub_str a;
    int r = iohub_json_index(ev->args, i, &a);
    if (r < 0 || !key) {
        if (r == 0 && out) *out = a;
        return r;
    }
    if (iohub_json_type(a) != IOHUB_JSON_OBJECT) return IOHUB_E_NOT_FOUND;
    return iohub_json_field(a, key, out);
}

/* args[i].key (or args[i]) unescaped into buf like iohub_json_string. Returns
 * the length, IOHUB_E_NOT_FOUND, or IOHUB_E_INVALID when it is not a string. */
IOHUB_INLINE int iohub_arg_string(const iohub_event *ev, size_t i, const char *key, char *buf, size_t cap) {
    iohub_str v;
    int r = iohub_arg_value(ev, i, key, &v);
    if (r < 0) return r;
    return iohub_json_string(v, buf, cap);
}

/* args[i].key (or args[i]) as an integer, like iohub_json_int. */
IOHUB_INLINE int iohub_arg_int(const iohub_event *ev, size_t i, const char *key, int64_t *out) {
    iohub_str v;
    int r = iohub_arg_value(ev, i, key, &v);
    if (r < 0) return r;
    return iohub_json_int(v, out);
}

/* Reads the KV value at key as a decimal integer (as kv_add stores it). */
IOHUB_INLINE int iohub_kv_get_int(const char *key, int64_t *out) {
    char b[32];
    int n = iohub_kv_get(key, b, sizeof b);
    iohub_str s;
    if (n < 0) return n;
    if ((size_t)n >= sizeof b) return IOHUB_E_INVALID;
    s.ptr = b;
    s.len = (size_t)n;
    return iohub_json_int(s, out);
}

/* ------------------------------------------------------------------------ */
/* Output buffer: append text and JSON, then hand (ptr, len) to the host.   */
/* With a libc it grows on the heap (call iohub_buf_free); without one it  */
/* stays within the memory given and iohub_buf_ok() turns false.           */

typedef struct iohub_buf {
    char *ptr;   /* NUL-terminated content */
    size_t len;  /* bytes written (an append that does not fit is dropped) */
    size_t cap;
    int heap;    /* ptr was malloc'ed */
    int failed;  /* an append did not fit */
} iohub_buf;

IOHUB_INLINE void iohub_buf_init(iohub_buf *b, char *mem, size_t cap) {
    b->ptr = mem;
    b->cap = cap;
    b->len = 0;
    b->heap = 0;
    b->failed = 0;
    if (cap) mem[0] = 0;
}

/* 1 when every append fit (so far). */
IOHUB_INLINE int iohub_buf_ok(const iohub_buf *b) { return !b->failed; }

IOHUB_INLINE void iohub_buf_free(iohub_buf *b) {
#ifndef IOHUB_NO_LIBC
    if (b->heap) free(b->ptr);
#endif
    b->ptr = 0;
    b->cap = b->len = 0;
    b->heap = 0;
}

/* Room for n more bytes and a NUL. */
IOHUB_INLINE int iohub__buf_room(iohub_buf *b, size_t n) {
    if (b->failed) return 0;
    if (b->len + n < b->cap) return 1;
#ifndef IOHUB_NO_LIBC
    {
        size_t cap = b->cap * 2 > b->len + n + 1 ? b->cap * 2 : b->len + n + 1;
        char *p = b->heap ? (char *)realloc(b->ptr, cap) : (char *)malloc(cap);
        if (p) {
            if (!b->heap) iohub__copy(p, b->ptr, b->len);
            b->ptr = p;
            b->cap = cap;
            b->heap = 1;
            return 1;
        }
    }
#endif
    b->failed = 1;
    return 0;
}

IOHUB_INLINE void iohub_buf_add(iohub_buf *b, const char *s, size_t n) {
    if (iohub__buf_room(b, n)) {
        iohub__copy(b->ptr + b->len, s, n);
        b->ptr[b->len + n] = 0;
        b->len += n;
    }
}

IOHUB_INLINE void iohub_buf_puts(iohub_buf *b, const char *s) { iohub_buf_add(b, s, iohub__strlen(s)); }

/* Appends s quoted and escaped as a JSON string. */
IOHUB_INLINE void iohub_buf_json_string(iohub_buf *b, const char *s, size_t n) {
    size_t need = iohub_json_escape(0, 0, s, n);
    if (iohub__buf_room(b, need)) {
        iohub_json_escape(b->ptr + b->len, need + 1, s, n);
        b->len += need;
    }
}

IOHUB_INLINE void iohub_buf_int(iohub_buf *b, int64_t v);
/* Appends the placeholder of binary `index` (an argument's or an attached one). */
IOHUB_INLINE void iohub_buf_placeholder(iohub_buf *b, int index) {
    iohub_buf_puts(b, "{\"_placeholder\":true,\"num\":");
    iohub_buf_int(b, index);
    iohub_buf_puts(b, "}");
}
IOHUB_INLINE void iohub_buf_int(iohub_buf *b, int64_t v) {
    char t[24];
    size_t n = sizeof t;
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        t[--n] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0) t[--n] = '-';
    iohub_buf_add(b, t + n, sizeof t - n);
}

/* ------------------------------------------------------------------------ */
/* Envelope                                                                 */

/* Unescapes the string token *s (with its quotes, validated) in place and
 * NUL-terminates it; esc is its first backslash, or NULL when it has none. */
IOHUB_INLINE void iohub__finish_string_at(iohub_str *s, const char *esc) {
    char *tok = (char *)s->ptr, *w;
    const char *p, *e = tok + s->len - 1;
    if (!esc) { /* nothing to unescape: the closing quote becomes the NUL */
        tok[s->len - 1] = 0;
        s->ptr = tok + 1;
        s->len -= 2;
        return;
    }
    p = esc; /* the unescaped prefix stays where it is */
    w = (char *)p;
    while (p < e) {
        unsigned char b[4];
        int i, n = iohub__dec1(&p, e, b);
        if (n < 0) break; /* cannot happen: validated */
        for (i = 0; i < n; i++) *w++ = (char)b[i];
    }
    *w = 0;
    s->ptr = tok + 1;
    s->len = (size_t)(w - (tok + 1));
}

IOHUB_INLINE void iohub__finish_string(iohub_str *s) {
    const char *e = s->ptr + s->len - 1, *esc = iohub__str_stop(s->ptr + 1, e);
    iohub__finish_string_at(s, esc < e ? esc : 0);
}

IOHUB_INLINE void iohub__want_string(iohub_str v, iohub_str *dst, int *set) {
    if (iohub_json_type(v) == IOHUB_JSON_STRING) {
        *dst = v;
        *set = 1;
    }
}

/* The key token tok decoded into buf (cap bytes), or -1 when longer: the
 * envelope's keys are short, so a longer key is simply not one of them. */
IOHUB_INLINE int iohub__short_key(iohub_str tok, char *buf, size_t cap) {
    const char *p = tok.ptr + 1, *e = tok.ptr + tok.len - 1;
    size_t n = 0;
    while (p < e) {
        unsigned char b[4];
        int i, k = *p == '\\' ? iohub__dec1(&p, e, b) : (b[0] = (unsigned char)*p++, 1);
        if (k < 0) return -1;
        for (i = 0; i < k; i++) {
            if (n >= cap) return -1;
            buf[n++] = (char)b[i];
        }
    }
    return (int)n;
}

#define IOHUB__KEY_IS(name) (kl == (int)sizeof(name) - 1 && iohub__same(kb, name, sizeof(name) - 1))

IOHUB_INLINE int iohub__same(const char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

IOHUB_INLINE void iohub__defaults(iohub_event *ev) {
    ev->v = 0;
    ev->kind_id = IOHUB_KIND_OTHER;
    ev->ack = 0;
    ev->ts = 0;
    ev->kind = ev->event = ev->socket_id = ev->role = ev->user_id = ev->reason = iohub_s("");
    ev->args = ev->rooms = iohub_s("[]");
    ev->user = iohub_s("null");
    ev->iohub_rest_ = 0;
    ev->iohub_end_ = 0;
    ev->iohub_state_ = 0;
}

IOHUB_INLINE void iohub__kind_id(iohub_event *ev) {
    ev->kind_id = IOHUB_KIND_OTHER;
    if (iohub_str_eq(ev->kind, "connection")) ev->kind_id = IOHUB_KIND_CONNECTION;
    else if (iohub_str_eq(ev->kind, "disconnect")) ev->kind_id = IOHUB_KIND_DISCONNECT;
    else if (iohub_str_eq(ev->kind, "event")) ev->kind_id = IOHUB_KIND_EVENT;
}

/* The general reader: the members of an object from p (after its '{', or
 * after a ',' between members) to its closing '}', which must end buf. Keys
 * may come in any order, unknown keys are skipped, whitespace is allowed, and
 * everything is checked. Fills only the fields it finds. */
IOHUB_INLINE int iohub__parse_members(const char *p, const char *e, iohub_event *ev) {
    iohub_str k, v;
    /* string fields: kind, event, id, role, userId, reason; raw: args, rooms, user */
    iohub_str *strs[6];
    int sset[6] = {0, 0, 0, 0, 0, 0};
    iohub_str *raws[3];
    int rset[3] = {0, 0, 0};
    int r, i;
    int64_t n;

    strs[0] = &ev->kind, strs[1] = &ev->event, strs[2] = &ev->socket_id;
    strs[3] = &ev->role, strs[4] = &ev->user_id, strs[5] = &ev->reason;
    raws[0] = &ev->args, raws[1] = &ev->rooms, raws[2] = &ev->user;

    while ((r = iohub__obj_key(&p, e, &k)) > 0) {
        char kb[8];
        int kl = iohub__short_key(k, kb, sizeof kb);
        const char *q;
        if (IOHUB__KEY_IS("socket") && p < e && *p == '{') {
            /* walk the socket object itself rather than skip it, then walk it */
            iohub_str sk, sv;
            int sr;
            p++;
            while ((sr = iohub__obj_next(&p, e, &sk, &sv)) > 0) {
                kl = iohub__short_key(sk, kb, sizeof kb);
                if (IOHUB__KEY_IS("id")) iohub__want_string(sv, &ev->socket_id, &sset[2]);
                else if (IOHUB__KEY_IS("role")) iohub__want_string(sv, &ev->role, &sset[3]);
                else if (IOHUB__KEY_IS("userId")) iohub__want_string(sv, &ev->user_id, &sset[4]);
                else if (IOHUB__KEY_IS("rooms")) ev->rooms = sv, rset[1] = 1;
                else if (IOHUB__KEY_IS("user")) ev->user = sv, rset[2] = 1;
            }
            if (sr < 0) return IOHUB_E_INVALID;
        } else {
            q = iohub__skip_value(p, e);
            if (!q) return IOHUB_E_INVALID;
            v.ptr = p;
            v.len = (size_t)(q - p);
            p = q;
            if (IOHUB__KEY_IS("v")) {
                if (iohub_json_int(v, &n) == 0) ev->v = (int)n;
            } else if (IOHUB__KEY_IS("kind")) {
                iohub__want_string(v, &ev->kind, &sset[0]);
            } else if (IOHUB__KEY_IS("event")) {
                iohub__want_string(v, &ev->event, &sset[1]);
            } else if (IOHUB__KEY_IS("args")) {
                ev->args = v, rset[0] = 1;
            } else if (IOHUB__KEY_IS("ack")) {
                ev->ack = 0;
                iohub_json_bool(v, &ev->ack);
            } else if (IOHUB__KEY_IS("reason")) {
                iohub__want_string(v, &ev->reason, &sset[5]);
            } else if (IOHUB__KEY_IS("ts")) {
                if (iohub_json_int(v, &n) == 0) ev->ts = n;
            }
        }
        if (iohub__obj_sep(&p, e) < 0) return IOHUB_E_INVALID;
    }
    if (r < 0 || iohub__ws(p, e) != e) return IOHUB_E_INVALID;

    /* Only now write into buf: the NUL after a raw value lands on the
     * separator that follows it, which the scan above had to read. */
    for (i = 0; i < 6; i++)
        if (sset[i]) iohub__finish_string(strs[i]);
    for (i = 0; i < 3; i++)
        if (rset[i]) ((char *)raws[i]->ptr)[raws[i]->len] = 0;
    return 0;
}

/* The general reader of a whole envelope (any key order, whitespace). */
IOHUB_INLINE int iohub__parse_slow(char *buf, size_t len, iohub_event *ev) {
    const char *e = buf + len, *p = iohub__ws(buf, e);
    iohub__defaults(ev);
    if (p >= e || *p != '{') return IOHUB_E_INVALID;
    if (iohub__parse_members(p + 1, e, ev) < 0) return IOHUB_E_INVALID;
    iohub__kind_id(ev);
    return 0;
}

/* The fast reader: the hub's exact encoding (ABI section 4), key by key in
 * their order, each key compared as a whole. Anything else sends the
 * envelope (or its rest) to the general reader. */

#if defined(__GNUC__) || defined(__clang__)
#define IOHUB__HOT static inline __attribute__((always_inline, unused))
#else
#define IOHUB__HOT IOHUB_INLINE
#endif

/* 1 when p starts with lit (n bytes, a constant). */
IOHUB__HOT int iohub__lit(const char *p, const char *e, const char *lit, size_t n) {
    size_t i;
    if ((size_t)(e - p) < n) return 0;
#ifdef IOHUB__SWAR
    if (n >= 8) {
        for (i = 0; i + 8 < n; i += 8)
            if (IOHUB__LOAD(p + i) != IOHUB__LOAD(lit + i)) return 0;
        return IOHUB__LOAD(p + n - 8) == IOHUB__LOAD(lit + n - 8);
    }
#endif
    for (i = 0; i < n; i++)
        if (p[i] != lit[i]) return 0;
    return 1;
}
#define IOHUB__LIT(p, e, s) iohub__lit(p, e, s, sizeof(s) - 1)

/* p after the opening quote: the string token (with its quotes) in *tok, its
 * first backslash in *esc, p after the closing quote; or NULL. */
IOHUB__HOT const char *iohub__fast_str(const char *p, const char *e, iohub_str *tok, const char **esc) {
    const char *q = iohub__str_end(p, e, esc);
    if (!q) return 0;
    tok->ptr = p - 1;
    tok->len = (size_t)(q + 1 - (p - 1));
    return q + 1;
}

/* A non-negative integer of at most 18 digits at p: its end, or NULL. */
IOHUB__HOT const char *iohub__fast_uint(const char *p, const char *e, int64_t *out) {
    const char *s = p;
    int64_t v = 0;
    while (p < e && *p >= '0' && *p <= '9' && p - s < 18) v = v * 10 + (*p++ - '0');
    if (p == s || (*s == '0' && p - s > 1) || (p < e && *p >= '0' && *p <= '9')) return 0;
    *out = v;
    return p;
}

/* Reads v, kind, event, args and ack into ev when the envelope starts in the
 * exact encoding, and leaves ev->iohub_rest_ at what follows ack (1);
 * otherwise writes nothing and returns 0. */
IOHUB_INLINE int iohub__parse_head(char *buf, size_t len, iohub_event *ev) {
    const char *e = buf + len, *p = buf, *q, *kesc, *eesc;
    iohub_str kind, event, args;
    int64_t v;
    int ack;
    if (!IOHUB__LIT(p, e, "{\"v\":") || !(p = iohub__fast_uint(p + 5, e, &v))) return 0;
    if (!IOHUB__LIT(p, e, ",\"kind\":\"") || !(p = iohub__fast_str(p + 9, e, &kind, &kesc))) return 0;
    if (!IOHUB__LIT(p, e, ",\"event\":\"") || !(p = iohub__fast_str(p + 10, e, &event, &eesc))) return 0;
    if (!IOHUB__LIT(p, e, ",\"args\":") || !(q = iohub__skip_fast(p + 8, e))) return 0;
    args.ptr = p + 8;
    args.len = (size_t)(q - args.ptr);
    p = q;
    if (!IOHUB__LIT(p, e, ",\"ack\":")) return 0;
    p += 7;
    if (IOHUB__LIT(p, e, "true")) ack = 1, p += 4;
    else if (IOHUB__LIT(p, e, "false")) ack = 0, p += 5;
    else return 0;
    if (p >= e || (*p != ',' && *p != '}')) return 0;

    iohub__defaults(ev);
    ev->v = (int)v;
    ev->kind = kind;
    ev->event = event;
    iohub__finish_string_at(&ev->kind, kesc);
    iohub__finish_string_at(&ev->event, eesc);
    ev->args = args;
    ((char *)args.ptr)[args.len] = 0; /* on the ',' before "ack", read already */
    ev->ack = ack;
    ev->iohub_rest_ = (char *)p;
    ev->iohub_end_ = e;
    ev->iohub_state_ = 1;
    iohub__kind_id(ev);
    return 1;
}

/* Reads what follows ack (socket, reason, ts; then the end, or keys a newer
 * hub adds): fast in the exact encoding, otherwise with the general reader. */
IOHUB_INLINE int iohub__parse_rest(iohub_event *ev) {
    const char *p = ev->iohub_rest_, *e = ev->iohub_end_, *q, *esc[4];
    iohub_str id, role, uid, rooms, user, reason;
    int64_t ts;
    if (ev->iohub_state_ != 1) return ev->iohub_state_;
    ev->iohub_state_ = -1;
    if (!IOHUB__LIT(p, e, ",\"socket\":{\"id\":\"") || !(p = iohub__fast_str(p + 17, e, &id, &esc[0])))
        goto general;
    if (!IOHUB__LIT(p, e, ",\"role\":\"") || !(p = iohub__fast_str(p + 9, e, &role, &esc[1]))) goto general;
    if (!IOHUB__LIT(p, e, ",\"userId\":\"") || !(p = iohub__fast_str(p + 11, e, &uid, &esc[2]))) goto general;
    if (!IOHUB__LIT(p, e, ",\"rooms\":") || !(q = iohub__skip_fast(p + 9, e))) goto general;
    rooms.ptr = p + 9;
    rooms.len = (size_t)(q - rooms.ptr);
    p = q;
    if (!IOHUB__LIT(p, e, ",\"user\":") || !(q = iohub__skip_fast(p + 8, e))) goto general;
    user.ptr = p + 8;
    user.len = (size_t)(q - user.ptr);
    p = q;
    if (!IOHUB__LIT(p, e, "},\"reason\":\"") || !(p = iohub__fast_str(p + 12, e, &reason, &esc[3]))) goto general;
    if (!IOHUB__LIT(p, e, ",\"ts\":") || !(p = iohub__fast_uint(p + 6, e, &ts))) goto general;
    if (e - p != 1 || *p != '}') goto general;

    ev->socket_id = id, ev->role = role, ev->user_id = uid, ev->reason = reason;
    iohub__finish_string_at(&ev->socket_id, esc[0]);
    iohub__finish_string_at(&ev->role, esc[1]);
    iohub__finish_string_at(&ev->user_id, esc[2]);
    iohub__finish_string_at(&ev->reason, esc[3]);
    ev->rooms = rooms, ev->user = user;
    ((char *)rooms.ptr)[rooms.len] = 0; /* on the ',' before "user" */
    ((char *)user.ptr)[user.len] = 0;   /* on the '}' of socket */
    ev->ts = ts;
    ev->iohub_state_ = 0;
    return 0;

general:
    p = ev->iohub_rest_;
    if (*p == ',') { /* a member must follow */
        if (e - p < 2 || p[1] != '"') return IOHUB_E_INVALID;
        p++;
    }
    if (iohub__parse_members(p, e, ev) < 0) {
        ev->socket_id = ev->role = ev->user_id = ev->reason = iohub_s("");
        ev->rooms = iohub_s("[]");
        ev->user = iohub_s("null");
        ev->ts = 0;
        return IOHUB_E_INVALID;
    }
    iohub__kind_id(ev); /* in case a later key repeated kind */
    ev->iohub_state_ = 0;
    return 0;
}

/* Scans the envelope buf[0:len] into *ev. Modifies buf: strings are
 * unescaped in place and every field is NUL-terminated, so ev points into
 * buf. Unknown keys are skipped; keys may come in any order. Returns 0, or
 * IOHUB_E_INVALID when buf is not a well-formed JSON object. In the hub's
 * exact encoding it is read several bytes per step, and then args and user
 * are checked for matching brackets and well-formed strings only. */
IOHUB_INLINE int iohub_parse_event(char *buf, size_t len, iohub_event *ev) {
    if (!iohub__parse_head(buf, len, ev)) return iohub__parse_slow(buf, len, ev);
    return iohub__parse_rest(ev) < 0 ? IOHUB_E_INVALID : 0;
}

/* Like iohub_parse_event, but stops after ack when the envelope is in the
 * hub's exact encoding: the rest is read by iohub_event_load (or an accessor
 * below). A malformed rest is then found only there. */
IOHUB_INLINE int iohub_parse_event_lazy(char *buf, size_t len, iohub_event *ev) {
    if (!iohub__parse_head(buf, len, ev)) return iohub__parse_slow(buf, len, ev);
    return 0;
}

/* Reads the rest of a lazily parsed envelope (socket, reason, ts) into *ev,
 * once: 0, or IOHUB_E_INVALID when it is malformed (the fields then keep
 * their defaults). Nothing to do, and 0, for an event parsed in full. ev is
 * written through its const pointer: it is the SDK's own. */
IOHUB_INLINE int iohub_event_load(const iohub_event *ev) {
    return iohub__parse_rest((iohub_event *)ev) < 0 ? IOHUB_E_INVALID : 0;
}

/* The fields after ack, read on first use (for IOHUB_LAZY_SOCKET modules;
 * they work on any event). */
IOHUB_INLINE iohub_str iohub_socket_id(const iohub_event *ev) { return iohub_event_load(ev), ev->socket_id; }
IOHUB_INLINE iohub_str iohub_role(const iohub_event *ev) { return iohub_event_load(ev), ev->role; }
IOHUB_INLINE iohub_str iohub_user_id(const iohub_event *ev) { return iohub_event_load(ev), ev->user_id; }
IOHUB_INLINE iohub_str iohub_rooms(const iohub_event *ev) { return iohub_event_load(ev), ev->rooms; }
IOHUB_INLINE iohub_str iohub_user(const iohub_event *ev) { return iohub_event_load(ev), ev->user; }
IOHUB_INLINE iohub_str iohub_reason(const iohub_event *ev) { return iohub_event_load(ev), ev->reason; }
IOHUB_INLINE int64_t iohub_ts(const iohub_event *ev) { return iohub_event_load(ev), ev->ts; }
#undef IOHUB__KEY_IS

/* ------------------------------------------------------------------------ */
/* Implementation: the exports                                              */

#ifdef IOHUB_IMPLEMENTATION

static char iohub__static_input[IOHUB_INPUT_CAP];
static char *iohub__in = iohub__static_input;
static size_t iohub__in_cap = IOHUB_INPUT_CAP;

/* Reads the current input into a NUL-terminated buffer, or NULL. */
static char *iohub__read_input(int32_t len, size_t *got) {
    int32_t n;
    if (len < 0) return 0;
    if ((size_t)len + 1 > iohub__in_cap) {
#ifdef IOHUB_NO_LIBC
        return 0;
#else
        size_t cap = ((size_t)len + 1 + 4095) & ~(size_t)4095;
        char *p = (char *)malloc(cap);
        if (!p) return 0;
        if (iohub__in != iohub__static_input) free(iohub__in);
        iohub__in = p;
        iohub__in_cap = cap;
#endif
    }
    n = hub_input_read(iohub__in, len);
    if (n < 0) return 0;
    if (n < len) len = n;
    iohub__in[len] = 0;
    *got = (size_t)len;
    return iohub__in;
}

IOHUB_EXPORT(hub_abi_version) int32_t hub_abi_version(void) { return IOHUB_ABI_VERSION; }

IOHUB_EXPORT(hub_init) int32_t hub_init(int32_t len) {
    char *cfg;
    size_t n;
    if (!iohub_init) return IOHUB_OK;
    cfg = iohub__read_input(len, &n);
    if (!cfg) {
        iohub_set_error("iohub: config too large");
        return IOHUB_ERROR;
    }
    return iohub_init(cfg, n);
}

IOHUB_EXPORT(hub_on_event) int32_t hub_on_event(int32_t len) {
    iohub_event ev;
    size_t n;
    char *in = iohub__read_input(len, &n);
    if (!in) {
        iohub_set_error("iohub: input too large (IOHUB_INPUT_CAP without libc, or out of memory)");
        return IOHUB_ERROR;
    }
#ifdef IOHUB_LAZY_SOCKET
    if (iohub_parse_event_lazy(in, n, &ev) != 0) {
#else
    if (iohub_parse_event(in, n, &ev) != 0) {
#endif
        iohub_set_error("iohub: malformed event envelope (or JSON nested deeper than IOHUB_MAX_DEPTH)");
        return IOHUB_ERROR;
    }
    return iohub_on_event(&ev);
}

#if defined(IOHUB_NO_LIBC) && defined(__wasm__)
/* The compiler may emit calls to these even in freestanding code. Weak, so a
 * libc linked in anyway wins. */
#define IOHUB__NB __attribute__((weak, no_builtin))
IOHUB__NB void *memcpy(void *d, const void *s, size_t n) {
    unsigned char *a = (unsigned char *)d;
    const unsigned char *b = (const unsigned char *)s;
    while (n--) *a++ = *b++;
    return d;
}
IOHUB__NB void *memmove(void *d, const void *s, size_t n) {
    unsigned char *a = (unsigned char *)d;
    const unsigned char *b = (const unsigned char *)s;
    if (a < b) {
        while (n--) *a++ = *b++;
    } else {
        while (n--) a[n] = b[n];
    }
    return d;
}
IOHUB__NB void *memset(void *d, int c, size_t n) {
    unsigned char *a = (unsigned char *)d;
    while (n--) *a++ = (unsigned char)c;
    return d;
}
IOHUB__NB int memcmp(const void *x, const void *y, size_t n) {
    const unsigned char *a = (const unsigned char *)x, *b = (const unsigned char *)y;
    for (; n; n--, a++, b++)
        if (*a != *b) return *a - *b;
    return 0;
}
#undef IOHUB__NB
#endif

#endif /* IOHUB_IMPLEMENTATION */

#ifdef __cplusplus
}
#endif

#endif /* IOHUB_H */
