/* presence: counts the online sockets of each role in the KV store and tells
 * the role's room whenever the count changes.
 *
 *   connection  kv_add("online:<role>", +1), then to room <role>:
 *               "presence" [{"role":"<role>","online":<n>}]
 *   disconnect  kv_add("online:<role>", -1), the same emit
 *   any event   (e.g. "presence:get") replies [{"role":"<role>","online":<n>}]
 *               for the asking socket's role, or for args[0].role if given
 *
 * hub.toml:
 *   [[events]]
 *   name = "connection"
 *   handler = "presence"
 *   [[events]]
 *   name = "disconnect"
 *   handler = "presence"
 *   [[events]]
 *   name = "presence:get"
 *   handler = "presence"
 */
#define IOHUB_IMPLEMENTATION
#include "iohub.h"

#define MAX_ROLE 256 /* keeps "online:<role>" under the 512-byte key limit */

/* [{"role":"<role>","online":<n>}] */
static int presence_json(iohub_buf *b, const char *role, size_t role_len, int64_t n) {
    iohub_buf_puts(b, "[{\"role\":");
    iohub_buf_json_string(b, role, role_len);
    iohub_buf_puts(b, ",\"online\":");
    iohub_buf_int(b, n);
    iohub_buf_puts(b, "}]");
    return iohub_buf_ok(b);
}

static int count_changed(const iohub_event *ev, int64_t delta) {
    char key[8 + MAX_ROLE], mem[64 + 6 * MAX_ROLE];
    iohub_buf k, b;
    int64_t n;
    int rc;

    if (ev->role.len == 0) return IOHUB_OK; /* no role room to tell */
    if (ev->role.len > MAX_ROLE) return iohub_fail("presence: role name too long");
    iohub_buf_init(&k, key, sizeof key);
    iohub_buf_puts(&k, "online:");
    iohub_buf_add(&k, ev->role.ptr, ev->role.len);

    rc = iohub_kv_add(k.ptr, delta, 0, &n);
    if (rc < 0) return iohub_fail("presence: kv_add failed");
    if (n < 0) { /* a disconnect counted twice, or a reset store */
        iohub_kv_add(k.ptr, -n, 0, &n);
    }

    iohub_buf_init(&b, mem, sizeof mem);
    if (!presence_json(&b, ev->role.ptr, ev->role.len, n)) return iohub_fail("presence: out of memory");
    rc = iohub_raw(ev->role.ptr, "presence", b.ptr, b.len, 0);
    if (rc < 0) return iohub_fail("presence: emit refused");
    return IOHUB_OK;
}

static int get_count(const iohub_event *ev) {
    char rbuf[MAX_ROLE + 1], key[8 + MAX_ROLE], mem[64 + 6 * MAX_ROLE];
    iohub_str role = ev->role;
    iohub_buf k, b;
    int64_t n = 0;
    int len, rc;

    if (!ev->ack) return IOHUB_OK;
    len = iohub_arg_string(ev, 0, "role", rbuf, sizeof rbuf); /* socket.emit("presence:get", {role: "x"}, cb) */
    if (len >= 0) {
        if (len > MAX_ROLE) return iohub_fail("presence: role name too long");
        role.ptr = rbuf;
        role.len = (size_t)len;
    } else if (len != IOHUB_E_NOT_FOUND) {
        return iohub_fail("presence: role must be a string");
    } else if (role.len > MAX_ROLE) {
        return iohub_fail("presence: role name too long");
    }

    iohub_buf_init(&k, key, sizeof key);
    iohub_buf_puts(&k, "online:");
    iohub_buf_add(&k, role.ptr, role.len);
    rc = iohub_kv_get_int(k.ptr, &n);
    if (rc == IOHUB_E_NOT_FOUND) n = 0;
    else if (rc < 0) return iohub_fail("presence: cannot read the count");

    iohub_buf_init(&b, mem, sizeof mem);
    if (!presence_json(&b, role.ptr, role.len, n)) return iohub_fail("presence: out of memory");
    if (iohub_reply(b.ptr, b.len) < 0) return iohub_fail("presence: reply refused");
    return IOHUB_OK;
}

int iohub_on_event(const iohub_event *ev) {
    switch (ev->kind_id) {
    case IOHUB_KIND_CONNECTION: return count_changed(ev, +1);
    case IOHUB_KIND_DISCONNECT: return count_changed(ev, -1);
    case IOHUB_KIND_EVENT: return get_count(ev);
    default: return IOHUB_OK;
    }
}
