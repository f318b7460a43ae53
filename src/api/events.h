/*
 * events.h -- GET /v2/events: Marathon's event stream as Server-Sent
 * Events on the HTTP listener.
 *
 * Each client gets every event of the bus (util/bus.h), or those of the
 * types named by ?event_type= (the parameter may repeat), framed as
 * Marathon frames them:
 *   event: <type>\r\n
 *   data: <the event's JSON on one line>\r\n
 *   \r\n
 * The first event a client gets is its own event_stream_attached (unless
 * its ?event_type= leaves that out, as in Marathon); the others hear it
 * too, and event_stream_detached when it goes (both go through the bus,
 * with {"remoteAddress": "ip:port"}). A comment line (":\r\n") every 15 s
 * keeps idle connections open through proxies. A client that reads slower
 * than events come is dropped when an event (or keepalive) finds more than
 * max_buffer octets still waiting for it: it never slows the daemon down.
 */
#ifndef STADION_API_EVENTS_H
#define STADION_API_EVENTS_H

#include <stddef.h>

struct bus;
struct event_base;
struct evhttp_request;
struct events_sse;

/*
 * Subscribe to b, which must outlive the result. ST_ENOMEM. *out:
 * events_sse_free, called before evhttp_free of the server it answers on.
 */
int events_sse_new(struct event_base *base, struct bus *b, size_t max_buffer,
    struct events_sse **out);
/*
 * Unsubscribe and end every stream with its last chunk; evhttp writes it
 * out when the loop runs next, then closes the connection. Accepts NULL.
 */
void events_sse_free(struct events_sse *s);

/*
 * Answer GET /v2/events on req: the stream starts (200). Other methods get
 * 405, a query that does not parse 400.
 */
void events_sse_handle(struct events_sse *s, struct evhttp_request *req);

/* Clients connected now. */
size_t events_sse_clients(const struct events_sse *s);

#endif
