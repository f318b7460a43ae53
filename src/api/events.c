/*
 * events.c -- GET /v2/events: the bus's events as Server-Sent Events.
 *
 * Each client is a chunked reply that never ends on its own. Frames are
 * added to the connection's output buffer and libevent writes them out;
 * before each, the octets still waiting there say whether the client
 * keeps up, and one that does not is closed at once, so its backlog is
 * never more than max_buffer plus one frame.
 *
 * evhttp goes on reading a GET's connection while the answer streams, so
 * it sees a client hang up at once (or a write fail) and calls our close
 * callback. Clients also leave during a delivery of the bus (too slow),
 * where nothing may be published: every event_stream_detached is
 * published from an event right after.
 */
#include "config.h"

#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api/events.h"
#include "util/bus.h"
#include "util/error.h"
#include "util/log.h"

#define EVENTS_KEEPALIVE_S 15
#define EVENTS_ATTACHED "event_stream_attached"
#define EVENTS_DETACHED "event_stream_detached"

struct events_client {
	TAILQ_ENTRY(events_client) entry;
	struct events_sse *s;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	char **types;		/* ?event_type=, NULL: every type */
	size_t n_types;
	char addr[64];		/* "ip:port" */
};

struct events_sse {
	struct bus *bus;
	unsigned sub;
	size_t max_buffer;
	struct event *keepalive;
	struct event *announce;	/* publishes the detached events */
	json_t *gone;		/* addresses of clients gone, to announce */
	struct evbuffer *frame;	/* one chunk on its way to a client */
	TAILQ_HEAD(, events_client) clients;
	size_t n;
};

static void
events_client_free(struct events_client *c)
{
	for (size_t i = 0; i < c->n_types; i++)
		free(c->types[i]);
	free(c->types);
	free(c);
}

/* Take c off the list; its detached event goes out from the loop. */
static void
events_client_gone(struct events_client *c)
{
	struct events_sse *s = c->s;

	TAILQ_REMOVE(&s->clients, c, entry);
	if (--s->n == 0)
		evtimer_del(s->keepalive);
	if (json_array_append_new(s->gone, json_string(c->addr)) == 0)
		event_active(s->announce, EV_TIMEOUT, 0);
	events_client_free(c);
}

/* Close c's connection; the unfinished reply is freed with it. */
static void
events_client_close(struct events_client *c)
{
	struct evhttp_connection *evcon = c->evcon;

	evhttp_connection_set_closecb(evcon, NULL, NULL);
	events_client_gone(c);
	evhttp_connection_free(evcon);
}

/*
 * evhttp closes the connection. When the client hung up or a write failed,
 * it has detached our unfinished reply, which is then ours to free; when
 * evhttp itself is freed, the reply still hangs on the connection and
 * goes with it.
 */
static void
events_on_close(struct evhttp_connection *evcon, void *arg)
{
	struct events_client *c = arg;
	struct evhttp_request *req = c->req;

	log_debug("events: %s left the event stream", c->addr);
	events_client_gone(c);
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
}

/* Queue len octets of data for c, unless too many already wait. */
static void
events_client_send(struct events_client *c, const char *data, size_t len)
{
	struct events_sse *s = c->s;
	size_t waiting = evbuffer_get_length(bufferevent_get_output(
	    evhttp_connection_get_bufferevent(c->evcon)));

	if (waiting > s->max_buffer) {
		log_warnx("events: dropped %s from the event stream (%zu "
		    "octets wait for it, at most %zu)", c->addr, waiting,
		    s->max_buffer);
		events_client_close(c);
		return;
	}
	if (evbuffer_add(s->frame, data, len) == 0)
		evhttp_send_reply_chunk(c->req, s->frame);
}

static int
events_client_wants(const struct events_client *c, const char *type)
{
	if (c->types == NULL)
		return 1;
	for (size_t i = 0; i < c->n_types; i++)
		if (strcmp(c->types[i], type) == 0)
			return 1;
	return 0;
}

static void
events_on_event(const char *type, const json_t *event, void *arg)
{
	struct events_sse *s = arg;
	struct events_client *c, *next;
	char *data = NULL, *frame = NULL;
	int len = 0;

	for (c = TAILQ_FIRST(&s->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!events_client_wants(c, type))
			continue;
		if (frame == NULL) {
			/* Compact JSON escapes newlines: data stays one line. */
			data = json_dumps(event, JSON_COMPACT |
			    JSON_REAL_PRECISION(15));
			if (data == NULL || (len = asprintf(&frame,
			    "event: %s\r\ndata: %s\r\n\r\n", type, data)) < 0) {
				log_warnx("events: cannot frame a %s (out of "
				    "memory)", type);
				free(data);
				return;
			}
		}
		events_client_send(c, frame, (size_t)len);
	}
	free(data);
	free(frame);
}

static void
events_on_keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct events_sse *s = arg;
	struct events_client *c, *next;

	for (c = TAILQ_FIRST(&s->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		events_client_send(c, ":\r\n", 3);
	}
}

static void
events_on_announce(evutil_socket_t fd, short what, void *arg)
{
	struct events_sse *s = arg;
	json_t *gone = s->gone, *addr;
	size_t i;

	/* Clients that leave meanwhile go on a fresh list. */
	if ((s->gone = json_array()) == NULL) {
		s->gone = gone;
		log_warnx("events: cannot announce clients gone (out of "
		    "memory)");
		return;
	}
	json_array_foreach(gone, i, addr)
		bus_publish(s->bus, EVENTS_DETACHED, json_pack("{s:O}",
		    "remoteAddress", addr));
	json_decref(gone);
}

int
events_sse_new(struct event_base *base, struct bus *b, size_t max_buffer,
    struct events_sse **out)
{
	struct events_sse *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ST_ENOMEM;
	s->bus = b;
	s->max_buffer = max_buffer;
	TAILQ_INIT(&s->clients);
	s->keepalive = event_new(base, -1, EV_PERSIST, events_on_keepalive, s);
	s->announce = event_new(base, -1, 0, events_on_announce, s);
	s->gone = json_array();
	s->frame = evbuffer_new();
	if (s->keepalive == NULL || s->announce == NULL || s->gone == NULL ||
	    s->frame == NULL || bus_subscribe(b, events_on_event, s,
	    &s->sub) != ST_OK) {
		events_sse_free(s);
		return ST_ENOMEM;
	}
	*out = s;
	return ST_OK;
}

void
events_sse_free(struct events_sse *s)
{
	struct events_client *c;

	if (s == NULL)
		return;
	if (s->sub != 0)
		bus_unsubscribe(s->bus, s->sub);
	/*
	 * Each stream ends with its last chunk; evhttp closes the connection
	 * once that is out (the reply said "Connection: close") and frees
	 * the reply.
	 */
	while ((c = TAILQ_FIRST(&s->clients)) != NULL) {
		struct evhttp_connection *evcon = c->evcon;
		struct evhttp_request *req = c->req;

		TAILQ_REMOVE(&s->clients, c, entry);
		events_client_free(c);
		evhttp_connection_set_closecb(evcon, NULL, NULL);
		evhttp_send_reply_end(req);
	}
	if (s->keepalive != NULL)
		event_free(s->keepalive);
	if (s->announce != NULL)
		event_free(s->announce);
	json_decref(s->gone);
	if (s->frame != NULL)
		evbuffer_free(s->frame);
	free(s);
}

/* The values of ?event_type=; ST_EINVAL for a query that does not parse. */
static int
events_client_types(struct events_client *c, struct evhttp_request *req)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq args;
	struct evkeyval *kv;
	char **p;
	int rv = ST_OK;

	if (q == NULL)
		return ST_OK;
	if (evhttp_parse_query_str(q, &args) != 0)
		return ST_EINVAL;
	TAILQ_FOREACH(kv, &args, next) {
		if (strcmp(kv->key, "event_type") != 0)
			continue;
		if ((p = realloc(c->types, (c->n_types + 1) *
		    sizeof(*p))) == NULL) {
			rv = ST_ENOMEM;
			break;
		}
		c->types = p;
		if ((p[c->n_types] = strdup(kv->value)) == NULL) {
			rv = ST_ENOMEM;
			break;
		}
		c->n_types++;
	}
	evhttp_clear_headers(&args);
	return rv;
}

static void
events_reply_error(struct evhttp_request *req, int code, const char *reason,
    const char *message)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();

	if (buf == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	if (code == 405)
		evhttp_add_header(h, "Allow", "GET");
	evhttp_add_header(h, "Content-Type", "application/json");
	evbuffer_add_printf(buf, "{\"message\":\"%s\"}", message);
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

/* The client's address as Marathon's remoteAddress, "ip:port". */
static void
events_client_addr(struct events_client *c)
{
	char *host = NULL;
	ev_uint16_t port = 0;

	evhttp_connection_get_peer(c->evcon, &host, &port);
	if (host == NULL)
		snprintf(c->addr, sizeof(c->addr), "unknown");
	else if (strchr(host, ':') != NULL)
		snprintf(c->addr, sizeof(c->addr), "[%s]:%u", host,
		    (unsigned)port);
	else
		snprintf(c->addr, sizeof(c->addr), "%s:%u", host,
		    (unsigned)port);
}

void
events_sse_handle(struct events_sse *s, struct evhttp_request *req)
{
	struct timeval tv = { EVENTS_KEEPALIVE_S, 0 };
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct events_client *c;
	int rv;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		events_reply_error(req, 405, "Method Not Allowed",
		    "Method not allowed");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	c->s = s;
	c->req = req;
	c->evcon = evhttp_request_get_connection(req);
	if ((rv = events_client_types(c, req)) != ST_OK) {
		events_client_free(c);
		if (rv == ST_EINVAL)
			events_reply_error(req, 400, "Bad Request",
			    "Invalid query string");
		else
			evhttp_send_error(req, 500, NULL);
		return;
	}
	events_client_addr(c);
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	/* The stream ends only when stadiond stops: then close it too. */
	evhttp_add_header(h, "Connection", "close");
	evhttp_send_reply_start(req, 200, "OK");
	evhttp_connection_set_closecb(c->evcon, events_on_close, c);
	TAILQ_INSERT_TAIL(&s->clients, c, entry);
	if (s->n++ == 0)
		evtimer_add(s->keepalive, &tv);
	log_debug("events: %s joined the event stream", c->addr);
	/* Nothing else is published before it: it is the client's first. */
	bus_publish(s->bus, EVENTS_ATTACHED, json_pack("{s:s}",
	    "remoteAddress", c->addr));
}

size_t
events_sse_clients(const struct events_sse *s)
{
	return s->n;
}
