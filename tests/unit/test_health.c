/*
 * test_health.c -- the health checker on a real event loop against
 * loopback servers started here (evhttp, a TCP banner server, a raw
 * server answering 101, a closed port) and a containerizer whose exec
 * answers canned output. The state machine: test_health_state.c.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <jansson.h>

#include "health/health.h"
#include "orch/containerizer.h"
#include "util/error.h"
#include "fake_exec.h"
#include "testlib.h"

/* ---- a containerizer whose exec answers canned output */

/* ---- loopback servers and the fixture */

#define FX_RES_MAX 64
#define FX_CONN_MAX 32

enum { PORT_HTTP = 0, PORT_BANNER, PORT_CLOSED, PORT_RAW, PORT__N };

struct res {
	size_t check;
	int ok;
	int changed;
	enum health_status status;
	char cause[256];
	double at;		/* seconds since the watch began */
};

struct conn {
	struct fx *fx;
	struct bufferevent *bev;
	int raw;		/* the server that answers 101 */
	int closing;		/* freed once its output is written */
};

struct fx {
	struct event_base *base;
	struct health *h;
	struct fctr *ctr;
	struct evhttp *http;
	struct evconnlistener *banner, *raw;
	uint16_t ports[PORT__N];
	struct evhttp *http6;	/* the same servers on ::1, when it works */
	struct evconnlistener *banner6;
	uint16_t ports6[PORT__N];
	struct conn *conns[FX_CONN_MAX];
	int hits;		/* HTTP requests served */
	int hits_ignored, hits_counted;	/* requests to the raw server */
	char agent[64];
	struct health_watch *w;
	int unwatch_in_cb;
	double t0;
	struct res res[FX_RES_MAX];
	int nres;
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
http_handle(struct evhttp_request *req, void *arg)
{
	struct fx *fx = arg;
	struct evbuffer *b = evbuffer_new();
	const char *uri = evhttp_request_get_uri(req);
	const char *ua = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "User-Agent");

	fx->hits++;
	snprintf(fx->agent, sizeof(fx->agent), "%s", ua ? ua : "");
	if (strcmp(uri, "/slow") == 0) {
		/* Never answered: the probe must time out. */
	} else if (strcmp(uri, "/status/503") == 0) {
		evhttp_send_reply(req, 503, "Service Unavailable", b);
	} else if (strcmp(uri, "/body") == 0) {
		evbuffer_add_printf(b, "hello stadion world");
		evhttp_send_reply(req, 200, "OK", b);
	} else if (strcmp(uri, "/ok") == 0) {
		evhttp_send_reply(req, 200, "OK", b);
	} else {
		evhttp_send_reply(req, 404, "Not Found", b);
	}
	evbuffer_free(b);
}

static void
conn_free(struct conn *k)
{
	for (size_t i = 0; i < FX_CONN_MAX; i++)
		if (k->fx->conns[i] == k)
			k->fx->conns[i] = NULL;
	bufferevent_free(k->bev);
	free(k);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *k = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;

	if (k->closing) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (k->raw) {
		if ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF)) ==
		    NULL)
			return;
		if (strstr(line, "/ignored") != NULL)
			k->fx->hits_ignored++;
		else
			k->fx->hits_counted++;
		free(line);
		evbuffer_drain(in, evbuffer_get_length(in));
		bufferevent_write(bev, "HTTP/1.1 101 Switching Protocols\r\n"
		    "\r\n", 36);
		k->closing = 1;
		return;
	}
	while ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF)) != NULL) {
		if (strcmp(line, "PING") == 0) {
			bufferevent_write(bev, "PONG\r\n", 6);
		} else if (strcmp(line, "QUIT") == 0) {
			bufferevent_write(bev, "BYE\r\n", 5);
			k->closing = 1;
		}
		free(line);
	}
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn *k = arg;

	if (k->closing)
		conn_free(k);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void
accept_conn(struct fx *fx, evutil_socket_t fd, int raw)
{
	struct conn *k = calloc(1, sizeof(*k));
	size_t i;

	assert_non_null(k);
	k->fx = fx;
	k->raw = raw;
	k->bev = bufferevent_socket_new(fx->base, fd, BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(k->bev);
	for (i = 0; i < FX_CONN_MAX && fx->conns[i] != NULL; i++)
		;
	assert_true(i < FX_CONN_MAX);
	fx->conns[i] = k;
	bufferevent_setcb(k->bev, conn_read, conn_write, conn_event, k);
	bufferevent_enable(k->bev, EV_READ | EV_WRITE);
	if (!raw)
		bufferevent_write(k->bev, "HELLO stadion\r\n", 15);
}

static void
accept_banner(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	accept_conn(arg, fd, 0);
}

static void
accept_raw(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int len, void *arg)
{
	accept_conn(arg, fd, 1);
}

static uint16_t
fd_port(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static struct evconnlistener *
listen_on(struct fx *fx, const char *host, evconnlistener_cb cb,
    uint16_t *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct evconnlistener *l;
	socklen_t len = sizeof(*sin);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, host, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
		len = sizeof(*sin6);
	}
	l = evconnlistener_new_bind(fx->base, cb, fx, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_REUSEABLE, 16, (struct sockaddr *)&ss, (int)len);
	if (l != NULL)
		*port = fd_port(evconnlistener_get_fd(l));
	return l;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct evhttp_bound_socket *bs;

	assert_non_null(fx);
	assert_non_null(fx->base = event_base_new());
	assert_int_equal(health_new(fx->base, &fx->h), ST_OK);
	fx->ctr = fk_new(fx->base);
	assert_non_null(fx->http = evhttp_new(fx->base));
	evhttp_set_gencb(fx->http, http_handle, fx);
	assert_non_null(bs = evhttp_bind_socket_with_handle(fx->http,
	    "127.0.0.1", 0));
	fx->ports[PORT_HTTP] = fd_port(evhttp_bound_socket_get_fd(bs));
	assert_non_null(fx->banner = listen_on(fx, "127.0.0.1", accept_banner,
	    &fx->ports[PORT_BANNER]));
	assert_non_null(fx->raw = listen_on(fx, "127.0.0.1", accept_raw,
	    &fx->ports[PORT_RAW]));
	fx->ports[PORT_CLOSED] = testlib_free_port();
	assert_non_null(fx->http6 = evhttp_new(fx->base));
	evhttp_set_gencb(fx->http6, http_handle, fx);
	if ((bs = evhttp_bind_socket_with_handle(fx->http6, "::1", 0)) != NULL)
		fx->ports6[PORT_HTTP] = fd_port(evhttp_bound_socket_get_fd(bs));
	fx->banner6 = listen_on(fx, "::1", accept_banner,
	    &fx->ports6[PORT_BANNER]);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	/* As in stadiond: the checker goes before the loop runs again. */
	health_free(fx->h);
	ctr_free(&fx->ctr->base);
	for (size_t i = 0; i < FX_CONN_MAX; i++)
		if (fx->conns[i] != NULL)
			conn_free(fx->conns[i]);
	evconnlistener_free(fx->banner);
	evconnlistener_free(fx->raw);
	if (fx->banner6 != NULL)
		evconnlistener_free(fx->banner6);
	evhttp_free(fx->http);
	evhttp_free(fx->http6);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

static void
on_result(struct health_watch *w, size_t check, int ok, const char *cause,
    int changed, void *arg)
{
	struct fx *fx = arg;
	struct res *r;

	assert_ptr_equal(w, fx->w);
	assert_true(fx->nres < FX_RES_MAX);
	r = &fx->res[fx->nres++];
	r->check = check;
	r->ok = ok;
	r->changed = changed;
	r->status = health_watch_status(w);
	snprintf(r->cause, sizeof(r->cause), "%s", cause ? cause : "");
	r->at = mono() - fx->t0;
	if (fx->unwatch_in_cb) {
		health_unwatch(w);
		fx->w = NULL;
	}
}

/*
 * A check from JSON written with single quotes, with test defaults for
 * what it does not say: probes at once, every second, 1 s timeout.
 */
static json_t *
check(const char *text)
{
	char buf[512];
	json_t *c, *d;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *p = buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	assert_non_null(c = json_loads(buf, 0, NULL));
	d = json_pack("{s:i,s:i,s:i,s:i,s:i}", "intervalSeconds", 1,
	    "timeoutSeconds", 1, "delaySeconds", 0, "gracePeriodSeconds", 0,
	    "maxConsecutiveFailures", 3);
	json_object_update_missing(c, d);
	json_decref(d);
	return c;
}

/* Watch the loopback servers with the checks in texts (NULL-ended). */
static int
watch_host(struct fx *fx, const char *host, const uint16_t *ports,
    const char *const *texts)
{
	struct health_target t = {
		.task_id = "app.t1", .host = host, .ports = ports,
		.n_ports = PORT__N, .ctr = &fx->ctr->base, .handle = "h1",
		.started = wall(),
	};
	json_t *a = json_array();
	int rv;

	for (size_t i = 0; texts[i] != NULL; i++)
		json_array_append_new(a, check(texts[i]));
	fx->t0 = mono();
	rv = health_watch(fx->h, a, &t, on_result, fx, &fx->w);
	json_decref(a);
	return rv;
}

static void
watch(struct fx *fx, const char *const *texts)
{
	assert_int_equal(watch_host(fx, "127.0.0.1", fx->ports, texts), ST_OK);
	assert_non_null(fx->w);
}

static void
on_expire(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until want results came (-1: never) or secs passed. */
static void
run(struct fx *fx, int want, double secs)
{
	struct timeval tv = { (time_t)secs,
	    (suseconds_t)((secs - (double)(time_t)secs) * 1e6) };
	struct event *t;
	int expired = 0;

	assert_non_null(t = evtimer_new(fx->base, on_expire, &expired));
	evtimer_add(t, &tv);
	while (!expired && (want < 0 || fx->nres < want))
		event_base_loop(fx->base, EVLOOP_ONCE);
	event_free(t);
}

static const struct res *
res_of(const struct fx *fx, size_t check, int nth)
{
	for (int i = 0; i < fx->nres; i++)
		if (fx->res[i].check == check && nth-- == 0)
			return &fx->res[i];
	return NULL;
}

static int
count_of(const struct fx *fx, size_t check)
{
	int n = 0;

	for (int i = 0; i < fx->nres; i++)
		n += fx->res[i].check == check;
	return n;
}

static void
assert_iso(const json_t *v)
{
	const char *s = json_string_value(v);

	assert_non_null(s);
	assert_int_equal(strlen(s), 24);
	assert_true(s[4] == '-' && s[10] == 'T' && s[19] == '.' &&
	    s[23] == 'Z');
}

/* ---- the checker */

static void
test_http_ok(void **state)
{
	struct fx *fx = *state;
	const char *c[] = { "{'protocol': 'HTTP', 'path': '/ok'}", NULL };
	json_t *j, *e;

	watch(fx, c);
	assert_int_equal(health_watch_status(fx->w), HEALTH_STARTING);
	run(fx, 1, 3);
	assert_int_equal(fx->nres, 1);
	assert_true(fx->res[0].ok);
	assert_true(fx->res[0].changed);
	assert_int_equal(fx->res[0].status, HEALTH_HEALTHY);
	assert_true(fx->res[0].at < 0.5);
	assert_string_equal(fx->agent, "stadion-health");
	assert_int_equal(fx->hits, 1);
	assert_int_equal(health_watch_status(fx->w), HEALTH_HEALTHY);
	assert_non_null(j = health_watch_json(fx->w));
	assert_int_equal(json_array_size(j), 1);
	e = json_array_get(j, 0);
	assert_true(json_is_true(json_object_get(e, "alive")));
	assert_iso(json_object_get(e, "firstSuccess"));
	assert_true(json_is_null(json_object_get(e, "lastFailure")));
	assert_string_equal(json_string_value(json_object_get(e, "taskId")),
	    "app.t1");
	json_decref(j);
	assert_string_equal(json_string_value(json_object_get(
	    health_watch_check(fx->w, 0), "path")), "/ok");
	assert_null(health_watch_check(fx->w, 1));
}

static void
test_http_dead(void **state)
{
	struct fx *fx = *state;
	const char *c[] = { "{'protocol': 'MESOS_HTTP', 'path': '/status/503', "
	    "'maxConsecutiveFailures': 2, 'intervalSeconds': 30}", NULL };
	json_t *j, *e;

	watch(fx, c);
	run(fx, 2, 4);
	assert_int_equal(fx->nres, 2);
	assert_false(fx->res[0].ok);
	assert_string_equal(fx->res[0].cause, "HTTP status 503");
	/* No success yet: still starting, so nothing changed. */
	assert_false(fx->res[0].changed);
	assert_int_equal(fx->res[0].status, HEALTH_STARTING);
	/* 1 s later, not 30: no success yet. */
	assert_true(fx->res[1].at - fx->res[0].at > 0.9);
	assert_true(fx->res[1].at - fx->res[0].at < 1.6);
	assert_true(fx->res[1].changed);
	assert_int_equal(fx->res[1].status, HEALTH_DEAD);
	assert_non_null(j = health_watch_json(fx->w));
	e = json_array_get(j, 0);
	assert_true(json_is_false(json_object_get(e, "alive")));
	assert_int_equal(json_integer_value(json_object_get(e,
	    "consecutiveFailures")), 2);
	assert_true(json_is_null(json_object_get(e, "firstSuccess")));
	assert_iso(json_object_get(e, "lastFailure"));
	assert_string_equal(json_string_value(json_object_get(e,
	    "lastFailureCause")), "HTTP status 503");
	json_decref(j);
}

static void
test_http_statuses_body(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'path': '/status/503', 'httpStatuses': [200, 503]}",
		"{'path': '/body', 'expectBody': 'stadion'}",
		"{'path': '/body', 'expectBody': 'absent'}",
		"{'path': '/ok', 'httpStatuses': [204]}",
		"{'path': 'ok'}",
		NULL
	};

	watch(fx, c);
	run(fx, 5, 3);
	assert_int_equal(fx->nres, 5);
	assert_true(res_of(fx, 0, 0)->ok);
	assert_true(res_of(fx, 1, 0)->ok);
	assert_false(res_of(fx, 2, 0)->ok);
	assert_string_equal(res_of(fx, 2, 0)->cause,
	    "the body does not contain \"absent\"");
	assert_false(res_of(fx, 3, 0)->ok);
	assert_string_equal(res_of(fx, 3, 0)->cause, "HTTP status 200");
	/* A path without its slash gets one. */
	assert_true(res_of(fx, 4, 0)->ok);
	/* Two never passed: the task is still starting. */
	assert_int_equal(health_watch_status(fx->w), HEALTH_STARTING);
}

static void
test_http_1xx(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'path': '/ignored', 'portIndex': 3, 'ignoreHttp1xx': true}",
		"{'path': '/counted', 'portIndex': 3}",
		NULL
	};
	json_t *j;

	watch(fx, c);
	run(fx, -1, 1.5);
	/* The ignored one was asked again (no result: still starting, so
	 * every quarter second), and never reported. */
	assert_true(fx->hits_ignored >= 4);
	assert_int_equal(count_of(fx, 0), 0);
	assert_int_equal(count_of(fx, 1), fx->hits_counted);
	assert_string_equal(res_of(fx, 1, 0)->cause, "HTTP status 101");
	assert_non_null(j = health_watch_json(fx->w));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j,
	    0), "consecutiveFailures")), 0);
	assert_true(json_is_null(json_object_get(json_array_get(j, 0),
	    "lastFailure")));
	json_decref(j);
}

static void
test_refused(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'protocol': 'HTTP', 'portIndex': 2}",
		"{'protocol': 'TCP', 'portIndex': 2}",
		"{'protocol': 'HTTPS', 'portIndex': 0}",
		NULL
	};

	watch(fx, c);
	run(fx, 3, 3);
	assert_int_equal(fx->nres, 3);
	assert_false(res_of(fx, 0, 0)->ok);
	assert_non_null(strstr(res_of(fx, 0, 0)->cause, "onnect"));
	assert_false(res_of(fx, 1, 0)->ok);
	assert_string_equal(res_of(fx, 1, 0)->cause, "Connection refused");
	/* TLS spoken to a plain HTTP server: curl's TLS error. */
	assert_false(res_of(fx, 2, 0)->ok);
	assert_true(res_of(fx, 2, 0)->cause[0] != '\0');
	assert_null(strstr(res_of(fx, 2, 0)->cause, "HTTP status"));
	assert_null(strstr(res_of(fx, 2, 0)->cause, "timed out"));
}

static void
test_tcp(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'protocol': 'TCP', 'portIndex': 1}",
		"{'protocol': 'TCP', 'portIndex': 1, 'expect': 'HELLO'}",
		"{'protocol': 'MESOS_TCP', 'portIndex': 1, 'send': 'PING\\r\\n', "
		    "'expect': 'PONG'}",
		"{'protocol': 'TCP', 'portIndex': 1, 'send': 'QUIT\\r\\n', "
		    "'expect': 'NOPE'}",
		NULL,		/* a fixed port: below */
		NULL
	};
	char fixed[128];

	snprintf(fixed, sizeof(fixed), "{'protocol': 'TCP', 'port': %u}",
	    fx->ports[PORT_BANNER]);
	c[4] = fixed;
	watch(fx, c);
	run(fx, 5, 3);
	assert_int_equal(fx->nres, 5);
	assert_true(res_of(fx, 0, 0)->ok);
	assert_true(res_of(fx, 1, 0)->ok);
	assert_true(res_of(fx, 2, 0)->ok);
	assert_false(res_of(fx, 3, 0)->ok);
	assert_string_equal(res_of(fx, 3, 0)->cause,
	    "connection closed before \"NOPE\" came");
	/* A fixed port instead of portIndex. */
	assert_true(res_of(fx, 4, 0)->ok);
}

static void
test_ipv6(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'protocol': 'HTTP', 'path': '/ok'}",
		"{'protocol': 'TCP', 'portIndex': 1, 'expect': 'HELLO'}",
		NULL
	};

	if (fx->ports6[PORT_HTTP] == 0 || fx->banner6 == NULL)
		skip();
	assert_int_equal(watch_host(fx, "::1", fx->ports6, c), ST_OK);
	run(fx, 2, 3);
	assert_int_equal(fx->nres, 2);
	assert_true(res_of(fx, 0, 0)->ok);
	assert_true(res_of(fx, 1, 0)->ok);
}

static void
test_command(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'protocol': 'COMMAND', 'command': {'value': 'true'}}",
		"{'protocol': 'COMMAND', 'command': {'value': 'false'}}",
		"{'protocol': 'SCRIPT', 'command': {'value': 'script ok'}}",
		"{'protocol': 'SCRIPT', 'command': {'value': 'script bad'}}",
		"{'protocol': 'SCRIPT', 'command': {'value': 'script junk'}}",
		"{'protocol': 'COMMAND', 'command': {'value': 'error'}}",
		NULL
	};

	watch(fx, c);
	run(fx, 6, 3);
	assert_int_equal(fx->nres, 6);
	assert_string_equal(fx->ctr->argv[0], "/bin/sh");
	assert_string_equal(fx->ctr->argv[1], "-c");
	assert_string_equal(fx->ctr->handle, "h1");
	assert_true(res_of(fx, 0, 0)->ok);
	assert_false(res_of(fx, 1, 0)->ok);
	assert_string_equal(res_of(fx, 1, 0)->cause, "exit code 3: it broke");
	assert_true(res_of(fx, 2, 0)->ok);
	assert_false(res_of(fx, 3, 0)->ok);
	assert_string_equal(res_of(fx, 3, 0)->cause, "disk full");
	assert_false(res_of(fx, 4, 0)->ok);
	assert_non_null(strstr(res_of(fx, 4, 0)->cause, "no status"));
	assert_false(res_of(fx, 5, 0)->ok);
	assert_string_equal(res_of(fx, 5, 0)->cause, "exec: no such instance");
}

static void
test_timeouts(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'protocol': 'HTTP', 'path': '/slow'}",
		"{'protocol': 'TCP', 'portIndex': 1, 'expect': 'NEVER'}",
		"{'protocol': 'COMMAND', 'command': {'value': 'hang'}}",
		NULL
	};

	watch(fx, c);
	run(fx, 3, 3);
	assert_int_equal(fx->nres, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_false(res_of(fx, i, 0)->ok);
		assert_string_equal(res_of(fx, i, 0)->cause,
		    "timed out after 1 s");
		assert_true(res_of(fx, i, 0)->at > 0.9);
		assert_true(res_of(fx, i, 0)->at < 1.6);
	}
	/* The next exec is out; the late answer of the first is dropped. */
	while (fx->ctr->execs < 2 && mono() - fx->t0 < 4)
		run(fx, -1, 0.05);
	assert_int_equal(fx->ctr->execs, 2);
	assert_int_equal(fk_hung(fx->ctr), 2);
	assert_true(fk_release(fx->ctr));
	run(fx, -1, 0.1);
	assert_int_equal(fk_hung(fx->ctr), 1);
	assert_int_equal(count_of(fx, 2), 1);
	/* Unwatched, its probe in flight: that answer is dropped too. */
	health_unwatch(fx->w);
	fx->w = NULL;
	assert_true(fk_release(fx->ctr));
	run(fx, -1, 0.1);
	assert_int_equal(fk_hung(fx->ctr), 0);
	assert_int_equal(count_of(fx, 2), 1);
}

static void
test_unwatch_in_callback(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'protocol': 'HTTP', 'path': '/slow'}",
		"{'protocol': 'COMMAND', 'command': {'value': 'hang'}}",
		"{'protocol': 'TCP', 'portIndex': 1, 'expect': 'NEVER'}",
		"{'protocol': 'HTTP', 'path': '/ok'}",
		NULL
	};

	fx->unwatch_in_cb = 1;
	watch(fx, c);
	run(fx, -1, 1.5);
	/* The first result unwatched it: the probes in flight are gone. */
	assert_int_equal(fx->nres, 1);
	assert_int_equal(fx->res[0].check, 3);
	assert_null(fx->w);
	/* The exec given up on is freed by health_free (teardown). */
	assert_int_equal(fk_hung(fx->ctr), 1);
}

static void
test_free_in_flight(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'protocol': 'HTTP', 'path': '/slow'}",
		"{'protocol': 'COMMAND', 'command': {'value': 'hang'}}",
		"{'protocol': 'TCP', 'portIndex': 1, 'expect': 'NEVER'}",
		NULL
	};

	watch(fx, c);
	run(fx, -1, 0.3);
	assert_int_equal(fx->hits, 1);
	assert_int_equal(fk_hung(fx->ctr), 1);
	/* The containerizer goes first: its exec will never answer. */
	ctr_free(&fx->ctr->base);
	fx->ctr = NULL;
	health_free(fx->h);
	fx->h = NULL;
	run(fx, -1, 0.2);
	assert_int_equal(fx->nres, 0);
	assert_int_equal(health_new(fx->base, &fx->h), ST_OK);
	fx->ctr = fk_new(fx->base);
}

static void
test_schedule(void **state)
{
	struct fx *fx = *state;
	const char *c[] = {
		"{'path': '/ok', 'delaySeconds': 1}",
		"{'path': '/status/503', 'intervalSeconds': 3, "
		    "'gracePeriodSeconds': 30, 'maxConsecutiveFailures': 0}",
		"{'path': '/status/503', 'intervalSeconds': 3, "
		    "'maxConsecutiveFailures': 0}",
		NULL
	};

	watch(fx, c);
	run(fx, -1, 2.4);
	/* The first waited delaySeconds, then probed every interval. */
	assert_int_equal(count_of(fx, 0), 2);
	assert_true(res_of(fx, 0, 0)->at > 0.9 && res_of(fx, 0, 0)->at < 1.4);
	assert_true(res_of(fx, 0, 1)->at - res_of(fx, 0, 0)->at > 0.9);
	/*
	 * Never passing, in its grace period: asked every quarter second;
	 * out of it, its failures counting: every second, not every 3.
	 */
	if (count_of(fx, 1) < 8 || count_of(fx, 1) > 11)
		fail_msg("in grace: %d probes in 2.4 s", count_of(fx, 1));
	assert_true(res_of(fx, 1, 0)->at < 0.4);
	assert_int_equal(count_of(fx, 2), 3);
	assert_true(res_of(fx, 2, 0)->at < 0.4);
}

static void
test_watch_errors(void **state)
{
	struct fx *fx = *state;
	const char *bad_index[] = { "{'portIndex': 4}", NULL };
	const char *bad_proto[] = { "{'protocol': 'UDP'}", NULL };
	const char *bad_port[] = { "{'port': 0}", NULL };
	const char *no_cmd[] = { "{'protocol': 'COMMAND'}", NULL };
	const char *ok_then_bad[] = { "{'path': '/ok'}", "{'portIndex': -1}",
	    NULL };
	const char *cmd[] = { "{'protocol': 'COMMAND', "
	    "'command': {'value': 'true'}}", NULL };
	struct health_target t = { .task_id = "app.t1", .host = "127.0.0.1" };
	json_t *a;

	assert_int_equal(watch_host(fx, "127.0.0.1", fx->ports, bad_index),
	    ST_EINVAL);
	assert_null(fx->w);
	assert_int_equal(watch_host(fx, "127.0.0.1", fx->ports, bad_proto),
	    ST_EINVAL);
	assert_int_equal(watch_host(fx, "127.0.0.1", fx->ports, bad_port),
	    ST_EINVAL);
	assert_int_equal(watch_host(fx, "127.0.0.1", fx->ports, no_cmd),
	    ST_EINVAL);
	assert_int_equal(watch_host(fx, "127.0.0.1", fx->ports, ok_then_bad),
	    ST_EINVAL);
	/* Names are not resolved: a lookup could block the loop. */
	assert_int_equal(watch_host(fx, "localhost", fx->ports, ok_then_bad),
	    ST_EINVAL);
	/* No ports, no containerizer. */
	a = json_array();
	json_array_append_new(a, check("{'path': '/ok'}"));
	assert_int_equal(health_watch(fx->h, a, &t, on_result, fx, &fx->w),
	    ST_EINVAL);
	json_array_clear(a);
	json_array_append_new(a, check(cmd[0]));
	assert_int_equal(health_watch(fx->h, a, &t, on_result, fx, &fx->w),
	    ST_EINVAL);
	json_decref(a);
	/* No checks at all: healthy, nothing to run. */
	a = json_array();
	assert_int_equal(health_watch(fx->h, a, &t, on_result, fx, &fx->w),
	    ST_OK);
	json_decref(a);
	assert_int_equal(health_watch_status(fx->w), HEALTH_HEALTHY);
	assert_non_null(a = health_watch_json(fx->w));
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	health_unwatch(fx->w);
	health_unwatch(NULL);
	health_free(NULL);
	run(fx, -1, 0.1);
	assert_int_equal(fx->nres, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_http_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_dead, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http_statuses_body, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http_1xx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwatch_in_callback, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_in_flight, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_schedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_errors, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
