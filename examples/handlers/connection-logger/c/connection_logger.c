/* connection-logger: logs every new connection, like strapi-plugin-io's seed
 * handler:
 *
 *   strapi.log.info(`[io] new connection with id ${socket.id}`);
 *
 * hub.toml:
 *   [[events]]
 *   name = "connection"
 *   handler = "connection-logger"
 */
#define IOHUB_IMPLEMENTATION
#include "iohub.h"

int iohub_on_event(const iohub_event *ev) {
    static const char prefix[] = "[io] new connection with id ";
    char mem[128];
    iohub_buf b;

    if (ev->kind_id != IOHUB_KIND_CONNECTION) return IOHUB_OK;

    iohub_buf_init(&b, mem, sizeof mem);
    iohub_buf_add(&b, prefix, sizeof prefix - 1);
    iohub_buf_add(&b, ev->socket_id.ptr, ev->socket_id.len);
    iohub_log_n(IOHUB_LOG_INFO, b.ptr, b.len);
    iohub_buf_free(&b);
    return IOHUB_OK;
}
