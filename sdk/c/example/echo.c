/* echo: answers a client event's ack with its name and arguments.
 *
 *   socket.emit("echo", {text: "hi"}, (r) => ...)
 *   r = {lang: "c", event: "echo", args: [{text: "hi"}]}
 *
 * Build: sdk/c/build.sh sdk/c/example echo-c.wasm
 */
#define IOHUB_IMPLEMENTATION
#define IOHUB_LAZY_SOCKET /* reads the envelope up to ack only: the socket part is not needed */
#include "iohub.h"

int iohub_on_event(const iohub_event *ev) {
    char mem[512];
    iohub_buf b;
    int rc;

    if (ev->kind_id != IOHUB_KIND_EVENT || !ev->ack) return IOHUB_OK;

    iohub_buf_init(&b, mem, sizeof mem); /* grows on the heap if args are long */
    iohub_buf_puts(&b, "[{\"lang\":\"c\",\"event\":");
    iohub_buf_json_string(&b, ev->event.ptr, ev->event.len);
    iohub_buf_puts(&b, ",\"args\":");
    iohub_buf_add(&b, ev->args.ptr, ev->args.len);
    iohub_buf_puts(&b, "}]");
    if (!iohub_buf_ok(&b)) {
        iohub_buf_free(&b);
        iohub_set_error("echo: out of memory");
        return IOHUB_ERROR;
    }
    rc = iohub_reply(b.ptr, b.len);
    iohub_buf_free(&b);
    if (rc < 0) {
        iohub_set_error("echo: reply refused");
        return IOHUB_ERROR;
    }
    return IOHUB_OK;
}
