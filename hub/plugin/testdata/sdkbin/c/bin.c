/* The C SDK's binary API in a real guest: replies [args, reversed binary 0]
 * (args verbatim, so their placeholders come back as the client's bytes). */
#define IOHUB_IMPLEMENTATION
#include "iohub.h"

int iohub_on_event(const iohub_event *ev) {
    unsigned char data[256];
    char mem[512];
    iohub_buf b;
    int n, i, idx;
    n = iohub_binary_read(0, data, sizeof data);
    if (n < 0 || n > (int)sizeof data) return iohub_fail("no binary argument that fits");
    for (i = 0; i < n / 2; i++) {
        unsigned char t = data[i];
        data[i] = data[n - 1 - i];
        data[n - 1 - i] = t;
    }
    idx = iohub_binary_attach(data, (size_t)n);
    if (idx < 0) return iohub_fail("attach refused");
    iohub_buf_init(&b, mem, sizeof mem);
    iohub_buf_puts(&b, "[");
    iohub_buf_add(&b, ev->args.ptr, ev->args.len);
    iohub_buf_puts(&b, ",");
    iohub_buf_placeholder(&b, idx);
    iohub_buf_puts(&b, "]");
    if (!iohub_buf_ok(&b) || iohub_reply(b.ptr, b.len) < 0) return iohub_fail("reply refused");
    iohub_buf_free(&b);
    return IOHUB_OK;
}
