/*
 * test_events.c -- GET /v2/events against an evhttp server on the
 * loopback, read by clients on the same loop: the framing, the attached
 * event first, ?event_type=, detached events, a slow client dropped, the
 * keepalive, the end of every stream on events_sse_free.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "api/events.h"
#include "util/bus.h"
#include "util/error.h"

#define MAX_FRAMES 4096

struct frame {
	char *type;
	char *data;
};

/* An HTTP/1.1 client of the stream, de-chunking and parsing as it reads. */
struct cli {
	struct bufferevent *bev;
	unsigned port;		/* its own, for remoteAddress */
	struct evbuffer *raw;	/* what came, not yet parsed */
	char head[2048];	/* the response's status line and headers */
	int have_head;
	char *body;		/* the de-chunked body */
	size_t len, cap, parsed;
	int ended;		/* the last chunk came */
	int eof;
	struct frame frames[MAX_FRAMES];
	size_t n_frames;
	size_t keepalives;
	char *type, *data;	/* the frame being read */
};

struct fx {
	struct event_base *base;
	struct evhttp *http;
	unsigned port;
	struct bus *bus;
	struct events_sse *sse;
};

static void
on_events(struct evhttp_request *req, void *arg)
{
	struct fx *fx = arg;

	events_sse_handle(fx->sse, req);
}

static int
fx_setup(struct fx *fx, size_t max_buffer)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(fx, 0, sizeof(*fx));
	assert_non_null(fx->base = event_base_new());
	assert_non_null(fx->http = evhttp_new(fx->base));
	evhttp_set_allowed_methods(fx->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD);
	assert_non_null(bs = evhttp_bind_socket_with_handle(fx->http,
	    "127.0.0.1", 0));
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	fx->port = ntohs(sin.sin_port);
	assert_int_equal(bus_new(&fx->bus), ST_OK);
	assert_int_equal(events_sse_new(fx->base, fx->bus, max_buffer,
	    &fx->sse), ST_OK);
	assert_int_equal(evhttp_set_cb(fx->http, "/v2/events", on_events, fx),
	    0);
	return 0;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx_setup(fx, 1 << 20);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	events_sse_free(fx->sse);
	evhttp_free(fx->http);
	bus_free(fx->bus);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

static void
cli_line(struct cli *c, const char *line, size_t len)
{
	if (len == 0) {
		assert_true(c->n_frames < MAX_FRAMES);
		c->frames[c->n_frames].type = c->type;
		c->frames[c->n_frames].data = c->data;
		c->n_frames++;
		c->type = c->data = NULL;
	} else if (line[0] == ':') {
		c->keepalives++;
	} else if (len > 7 && strncmp(line, "event: ", 7) == 0) {
		assert_null(c->type);
		c->type = strndup(line + 7, len - 7);
	} else if (len > 6 && strncmp(line, "data: ", 6) == 0) {
		assert_null(c->data);
		c->data = strndup(line + 6, len - 6);
	} else {
		fail_msg("unexpected line '%.*s'", (int)len, line);
	}
}

/* Split what is new in the body into lines, each ending in "\r\n". */
static void
cli_lines(struct cli *c)
{
	char *p, *end;

	while (c->parsed < c->len) {
		p = c->body + c->parsed;
		end = memmem(p, c->len - c->parsed, "\r\n", 2);
		if (end == NULL)
			return;
		/* A lone "\n" or "\r" would break SSE's framing. */
		assert_null(memchr(p, '\n', (size_t)(end - p)));
		assert_null(memchr(p, '\r', (size_t)(end - p)));
		cli_line(c, p, (size_t)(end - p));
		c->parsed = (size_t)(end - c->body) + 2;
	}
}

static void
cli_body_add(struct cli *c, const char *data, size_t len)
{
	if (c->len + len + 1 > c->cap) {
		c->cap = (c->len + len + 1) * 2;
		assert_non_null(c->body = realloc(c->body, c->cap));
	}
	memcpy(c->body + c->len, data, len);
	c->len += len;
	c->body[c->len] = '\0';
}

static void
cli_parse(struct cli *c)
{
	struct evbuffer_ptr at;
	size_t n, size;
	char *line;

	if (!c->have_head) {
		at = evbuffer_search(c->raw, "\r\n\r\n", 4, NULL);
		if (at.pos < 0)
			return;
		assert_true((size_t)at.pos + 4 < sizeof(c->head));
		evbuffer_remove(c->raw, c->head, (size_t)at.pos + 4);
		c->head[at.pos + 4] = '\0';
		c->have_head = 1;
	}
	while (!c->ended) {
		at = evbuffer_search(c->raw, "\r\n", 2, NULL);
		if (at.pos < 0)
			break;
		size = 0;
		assert_non_null(line = malloc((size_t)at.pos + 1));
		evbuffer_copyout(c->raw, line, (size_t)at.pos);
		line[at.pos] = '\0';
		assert_int_equal(sscanf(line, "%zx", &size), 1);
		free(line);
		n = (size_t)at.pos + 2;
		if (evbuffer_get_length(c->raw) < n + size + 2)
			break;
		evbuffer_drain(c->raw, n);
		assert_non_null(line = malloc(size + 2));
		evbuffer_remove(c->raw, line, size + 2);
		assert_memory_equal(line + size, "\r\n", 2);
		cli_body_add(c, line, size);
		free(line);
		if (size == 0)
			c->ended = 1;
	}
	cli_lines(c);
}

static void
cli_read(struct bufferevent *bev, void *arg)
{
	struct cli *c = arg;

	evbuffer_add_buffer(c->raw, bufferevent_get_input(bev));
	cli_parse(c);
}

static void
cli_event(struct bufferevent *bev, short what, void *arg)
{
	struct cli *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		c->eof = 1;
}

/* A client sending request (NULL: a GET of path). */
static struct cli *
cli_connect(struct fx *fx, const char *path, const char *request)
{
	struct cli *c = calloc(1, sizeof(*c));
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_non_null(c);
	assert_non_null(c->raw = evbuffer_new());
	assert_non_null(c->bev = bufferevent_socket_new(fx->base, -1,
	    BEV_OPT_CLOSE_ON_FREE));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(fx->port);
	assert_int_equal(bufferevent_socket_connect(c->bev,
	    (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(bufferevent_getfd(c->bev),
	    (struct sockaddr *)&sin, &len), 0);
	c->port = ntohs(sin.sin_port);
	bufferevent_setcb(c->bev, cli_read, NULL, cli_event, c);
	bufferevent_enable(c->bev, EV_READ);
	if (request != NULL)
		evbuffer_add_printf(bufferevent_get_output(c->bev), "%s",
		    request);
	else
		evbuffer_add_printf(bufferevent_get_output(c->bev),
		    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		    "Accept: text/event-stream\r\n\r\n", path);
	return c;
}

static struct cli *
cli_new(struct fx *fx, const char *path)
{
	return cli_connect(fx, path, NULL);
}

static void
cli_free(struct cli *c)
{
	if (c == NULL)
		return;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	evbuffer_free(c->raw);
	for (size_t i = 0; i < c->n_frames; i++) {
		free(c->frames[i].type);
		free(c->frames[i].data);
	}
	free(c->type);
	free(c->data);
	free(c->body);
	free(c);
}

/* The client hangs up. */
static void
cli_close(struct cli *c)
{
	bufferevent_free(c->bev);
	c->bev = NULL;
}

static void
expire(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until done(arg) or for at most ms milliseconds. */
static int
run_until(struct fx *fx, int (*done)(void *), void *arg, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	int expired = 0;
	struct event *t = evtimer_new(fx->base, expire, &expired);

	evtimer_add(t, &tv);
	while (!(done != NULL && done(arg)) && !expired)
		event_base_loop(fx->base, EVLOOP_ONCE);
	event_free(t);
	return done != NULL && done(arg);
}

struct want {
	struct cli *c;
	size_t frames;
};

static int
has_frames(void *arg)
{
	struct want *w = arg;

	return w->c->n_frames >= w->frames;
}

static void
wait_frames(struct fx *fx, struct cli *c, size_t n)
{
	struct want w = { c, n };

	assert_true(run_until(fx, has_frames, &w, 5000));
}

static int
has_head(void *arg)
{
	return ((struct cli *)arg)->have_head;
}

struct nclients {
	struct fx *fx;
	size_t n;
};

static int
has_clients(void *arg)
{
	struct nclients *w = arg;

	return events_sse_clients(w->fx->sse) == w->n;
}

static void
wait_clients(struct fx *fx, size_t n)
{
	struct nclients w = { fx, n };

	assert_true(run_until(fx, has_clients, &w, 5000));
}

/* The frame's remoteAddress, checked to be the client's. */
static void
assert_addr(const struct frame *f, const char *type, unsigned port)
{
	json_t *j = json_loads(f->data, 0, NULL);
	char want[64];

	assert_non_null(j);
	assert_string_equal(f->type, type);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	assert_string_equal(json_string_value(json_object_get(j,
	    "remoteAddress")), want);
	assert_string_equal(json_string_value(json_object_get(j,
	    "eventType")), type);
	json_decref(j);
}

static void
test_framing(void **state)
{
	struct fx *fx = *state;
	struct cli *c = cli_new(fx, "/v2/events");
	char want[512];
	const char *ts;
	size_t n;

	wait_frames(fx, c, 1);
	assert_int_equal(events_sse_clients(fx->sse), 1);
	assert_true(strncmp(c->head, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(c->head, "\r\nContent-Type: text/event-stream\r\n"));
	assert_non_null(strstr(c->head, "\r\nCache-Control: no-cache\r\n"));
	assert_non_null(strstr(c->head, "\r\nTransfer-Encoding: chunked\r\n"));

	/* The first frame, octet for octet; only the timestamp varies. */
	n = (size_t)snprintf(want, sizeof(want), "event: event_stream_attached"
	    "\r\ndata: {\"remoteAddress\":\"127.0.0.1:%u\",\"eventType\":"
	    "\"event_stream_attached\",\"timestamp\":\"", c->port);
	assert_true(c->len >= n + 24 + 6);
	assert_memory_equal(c->body, want, n);
	ts = c->body + n;
	assert_true(ts[4] == '-' && ts[10] == 'T' && ts[19] == '.' &&
	    ts[23] == 'Z');
	assert_memory_equal(c->body + n + 24, "\"}\r\n\r\n", 6);
	assert_int_equal(c->len, n + 24 + 6);

	/* A set timestamp stays; newlines in strings stay escaped. */
	bus_publish(fx->bus, "status_update_event", json_pack(
	    "{s:s,s:s,s:s,s:f}", "timestamp", "2026-11-30T08:40:15.231Z",
	    "taskId", "t1", "message", "two\nlines", "cpus", 0.1));
	wait_frames(fx, c, 2);
	snprintf(want, sizeof(want), "event: status_update_event\r\n"
	    "data: {\"timestamp\":\"2026-11-30T08:40:15.231Z\",\"taskId\":"
	    "\"t1\",\"message\":\"two\\nlines\",\"cpus\":0.1,\"eventType\":"
	    "\"status_update_event\"}\r\n\r\n");
	assert_string_equal(c->body + (n + 24 + 6), want);
	assert_int_equal(c->keepalives, 0);
	cli_free(c);
}

static void
test_filter(void **state)
{
	struct fx *fx = *state;
	struct cli *a, *b, *c;

	a = cli_new(fx, "/v2/events?event_type=status_update_event"
	    "&event_type=deployment_success");
	assert_true(run_until(fx, has_head, a, 5000));
	wait_clients(fx, 1);
	b = cli_new(fx, "/v2/events");
	wait_frames(fx, b, 1);
	c = cli_new(fx, "/v2/events?event_type=event_stream_attached");
	wait_frames(fx, c, 1);
	wait_frames(fx, b, 2);
	bus_publish(fx->bus, "status_update_event", json_object());
	bus_publish(fx->bus, "api_post_event", json_object());
	bus_publish(fx->bus, "deployment_success", json_object());
	wait_frames(fx, b, 5);
	wait_frames(fx, a, 2);
	/* Nothing more is on its way to a. */
	run_until(fx, NULL, NULL, 100);

	assert_int_equal(a->n_frames, 2);
	assert_string_equal(a->frames[0].type, "status_update_event");
	assert_string_equal(a->frames[1].type, "deployment_success");
	assert_int_equal(b->n_frames, 5);
	assert_addr(&b->frames[0], "event_stream_attached", b->port);
	assert_addr(&b->frames[1], "event_stream_attached", c->port);
	assert_string_equal(b->frames[2].type, "status_update_event");
	assert_string_equal(b->frames[3].type, "api_post_event");
	assert_string_equal(b->frames[4].type, "deployment_success");
	/* c named its own attached event: that comes first, and alone. */
	assert_int_equal(c->n_frames, 1);
	assert_addr(&c->frames[0], "event_stream_attached", c->port);
	assert_int_equal(events_sse_clients(fx->sse), 3);
	cli_free(a);
	cli_free(b);
	cli_free(c);
}

static void
test_detached(void **state)
{
	struct fx *fx = *state;
	struct cli *a = cli_new(fx, "/v2/events"), *b;

	wait_frames(fx, a, 1);
	b = cli_new(fx, "/v2/events");
	wait_frames(fx, b, 1);
	wait_frames(fx, a, 2);
	assert_addr(&a->frames[0], "event_stream_attached", a->port);
	assert_addr(&a->frames[1], "event_stream_attached", b->port);
	assert_addr(&b->frames[0], "event_stream_attached", b->port);

	bus_publish(fx->bus, "deployment_info", json_object());
	wait_frames(fx, a, 3);
	wait_frames(fx, b, 2);
	assert_string_equal(a->frames[2].type, "deployment_info");
	assert_string_equal(b->frames[1].type, "deployment_info");

	cli_close(b);
	wait_frames(fx, a, 4);
	assert_addr(&a->frames[3], "event_stream_detached", b->port);
	assert_int_equal(events_sse_clients(fx->sse), 1);

	/* a goes on. */
	bus_publish(fx->bus, "deployment_success", json_object());
	wait_frames(fx, a, 5);
	assert_string_equal(a->frames[4].type, "deployment_success");
	cli_free(a);
	cli_free(b);
}

/* A client that sends its request and then never reads. */
static int
slow_connect(struct fx *fx, unsigned *port)
{
	static const char req[] = "GET /v2/events HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n\r\n";
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, small = 4096;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	/* A small window, so the backlog soon stays with the server. */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(fx->port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	assert_int_equal(write(fd, req, sizeof(req) - 1),
	    (ssize_t)(sizeof(req) - 1));
	return fd;
}

static void
test_slow_client(void **state)
{
	struct fx *fx = *state;
	struct cli *a;
	unsigned slow;
	char *big;
	size_t published = 0, i;
	int fd;

	/* A small limit of its own. */
	events_sse_free(fx->sse);
	assert_int_equal(events_sse_new(fx->base, fx->bus, 64 * 1024,
	    &fx->sse), ST_OK);
	a = cli_new(fx, "/v2/events");
	wait_frames(fx, a, 1);
	fd = slow_connect(fx, &slow);
	wait_frames(fx, a, 2);
	assert_addr(&a->frames[1], "event_stream_attached", slow);
	assert_int_equal(events_sse_clients(fx->sse), 2);

	/* 16 KiB events, each read by a before the next. */
	assert_non_null(big = malloc(16 * 1024 + 1));
	memset(big, 'x', 16 * 1024);
	big[16 * 1024] = '\0';
	while (events_sse_clients(fx->sse) == 2 && published < 2000) {
		bus_publish(fx->bus, "api_post_event", json_pack("{s:s,s:i}",
		    "blob", big, "seq", (int)published));
		published++;
		wait_frames(fx, a, 2 + published);
	}
	free(big);
	/* Dropped long before 32 MiB went to it. */
	assert_int_equal(events_sse_clients(fx->sse), 1);
	assert_true(published < 2000);

	/* a heard every event, in order, then slow's detached event. */
	wait_frames(fx, a, 2 + published + 1);
	for (i = 0; i < published; i++) {
		json_t *j = json_loads(a->frames[2 + i].data, 0, NULL);

		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(j, "seq")),
		    (json_int_t)i);
		json_decref(j);
	}
	assert_addr(&a->frames[2 + published], "event_stream_detached",
	    slow);

	/* a keeps receiving. */
	bus_publish(fx->bus, "deployment_success", json_object());
	wait_frames(fx, a, 2 + published + 2);
	assert_string_equal(a->frames[2 + published + 1].type,
	    "deployment_success");
	close(fd);
	cli_free(a);
}

static int
both_ended(void *arg)
{
	struct cli **c = arg;

	return c[0]->ended && c[0]->eof && c[1]->ended && c[1]->eof;
}

static void
test_free_closes(void **state)
{
	struct fx *fx = *state;
	struct cli *c[2];

	c[0] = cli_new(fx, "/v2/events");
	wait_frames(fx, c[0], 1);
	c[1] = cli_new(fx, "/v2/events?event_type=deployment_success");
	assert_true(run_until(fx, has_head, c[1], 5000));
	wait_clients(fx, 2);
	wait_frames(fx, c[0], 2);

	events_sse_free(fx->sse);
	fx->sse = NULL;
	/* The bus no longer reaches them. */
	bus_publish(fx->bus, "deployment_success", json_object());
	assert_true(run_until(fx, both_ended, c, 5000));
	assert_int_equal(c[0]->n_frames, 2);
	assert_int_equal(c[1]->n_frames, 0);
	assert_non_null(strstr(c[0]->head, "\r\nConnection: close\r\n"));
	cli_free(c[0]);
	cli_free(c[1]);
}

static int
has_keepalive(void *arg)
{
	return ((struct cli *)arg)->keepalives > 0;
}

static void
test_keepalive(void **state)
{
	struct fx *fx = *state;
	struct cli *c = cli_new(fx, "/v2/events");
	size_t at;

	wait_frames(fx, c, 1);
	at = c->len;
	assert_true(run_until(fx, has_keepalive, c, 17000));
	assert_string_equal(c->body + at, ":\r\n");
	assert_int_equal(c->keepalives, 1);
	assert_int_equal(c->n_frames, 1);
	cli_free(c);
}

/* One HTTP/1.0 exchange; the answer is the whole response. */
static int
raw_done(void *arg)
{
	return ((struct cli *)arg)->eof;
}

static void
raw_request(struct fx *fx, const char *request, char *answer, size_t len)
{
	struct cli *c = cli_connect(fx, NULL, request);

	bufferevent_setcb(c->bev, NULL, NULL, cli_event, c);
	assert_true(run_until(fx, raw_done, c, 5000));
	answer[evbuffer_remove(bufferevent_get_input(c->bev), answer,
	    len - 1)] = '\0';
	cli_free(c);
}

static void
test_errors(void **state)
{
	struct fx *fx = *state;
	char answer[2048];

	raw_request(fx, "POST /v2/events HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
	    answer, sizeof(answer));
	assert_true(strncmp(answer, "HTTP/1.0 405 ", 13) == 0);
	assert_non_null(strstr(answer, "\r\nAllow: GET\r\n"));
	raw_request(fx, "GET /v2/events?event_type HTTP/1.0\r\n\r\n", answer,
	    sizeof(answer));
	assert_true(strncmp(answer, "HTTP/1.0 400 ", 13) == 0);
	assert_non_null(strstr(answer, "{\"message\":\"Invalid query string\"}"));
	assert_int_equal(events_sse_clients(fx->sse), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_client, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_closes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
