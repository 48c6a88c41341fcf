/* ops: lets an end-to-end test make a handler act on any socket, to check
 * that a handler's effects on sockets of other hub nodes work (e2e/cluster).
 *
 *   socket.emit("op", {op, sid, room, event}, cb)
 *     op "send"        iohub_send(sid, event, ["from-handler"])
 *        "join"        iohub_join(sid, room)
 *        "leave"       iohub_leave(sid, room)
 *        "disconnect"  iohub_disconnect(sid)
 *        "raw"         iohub_raw(room, event, ["from-handler"], except sender)
 *        "emit"        iohub_emit("api::message.message.create",
 *                                 {"from":"handler","password":"x"})
 *   cb([{"rc": <the host call's return code>}])
 *
 * Effects apply after the handler returns 0, so it returns 0 whatever the
 * code: the test checks the code and what the sockets got.
 */
#define IOHUB_IMPLEMENTATION
#include "iohub.h"

#define FIELD 128

static int reply_rc(int rc) {
    char mem[32];
    iohub_buf b;
    iohub_buf_init(&b, mem, sizeof mem);
    iohub_buf_puts(&b, "[{\"rc\":");
    iohub_buf_int(&b, rc);
    iohub_buf_puts(&b, "}]");
    if (!iohub_buf_ok(&b)) return iohub_fail("ops: out of memory");
    if (iohub_reply(b.ptr, b.len) < 0) return iohub_fail("ops: reply refused");
    return IOHUB_OK;
}

static void field(const iohub_event *ev, const char *key, char *buf) {
    if (iohub_arg_string(ev, 0, key, buf, FIELD) < 0) buf[0] = 0;
}

int iohub_on_event(const iohub_event *ev) {
    static const char args[] = "[\"from-handler\"]";
    static const char content[] = "{\"from\":\"handler\",\"password\":\"x\"}";
    char op[FIELD], sid[FIELD], room[FIELD], event[FIELD];
    int rc;

    if (ev->kind_id != IOHUB_KIND_EVENT || !ev->ack) return IOHUB_OK;
    field(ev, "op", op);
    field(ev, "sid", sid);
    field(ev, "room", room);
    field(ev, "event", event);

    if (iohub_str_eq(iohub_s(op), "send")) rc = iohub_send(sid, event, args, sizeof args - 1);
    else if (iohub_str_eq(iohub_s(op), "join")) rc = iohub_join(sid, room);
    else if (iohub_str_eq(iohub_s(op), "leave")) rc = iohub_leave(sid, room);
    else if (iohub_str_eq(iohub_s(op), "disconnect")) rc = iohub_disconnect(sid);
    else if (iohub_str_eq(iohub_s(op), "raw")) rc = iohub_raw(room, event, args, sizeof args - 1, IOHUB_RAW_EXCEPT_SENDER);
    else if (iohub_str_eq(iohub_s(op), "emit")) rc = iohub_emit("api::message.message.create", content, sizeof content - 1);
    else return iohub_fail("ops: unknown op");
    return reply_rc(rc);
}
