/*
 * http.c -- the registration and discovery API on libevent's evhttp.
 *
 * Blocking queries (?index=N) park the request in a list with a timer; the
 * registry's change callback answers them all with fresh data, the timer
 * answers one with the data as it is. Everything runs on the main loop.
 *
 * libevent 2.1 stops reading a connection once its request is in, so it
 * never sees a waiting client hang up; a read event of our own on the
 * socket does, and drops the watch.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api/http.h"
#include "api/marathon.h"
#include "api/records.h"
#include "store/registry.h"
#include "util/addr.h"
#include "util/error.h"
#include "util/log.h"

#define API_BODY_MAX (1 << 20)
#define API_WAIT_DEFAULT_MS (300 * 1000)	/* Consul's default */
#define API_SEGS_MAX 5
#define API_FLUSH_MAX_S 1	/* how long shutdown waits for last answers */

enum api_route {
	API_HEALTH,
	API_SERVICES,
	API_SERVICE,
	API_INSTANCES,
	API_INSTANCE,
};

static const struct {
	int methods;
	const char *allow;
} api_routes[] = {
	[API_HEALTH] = { EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "GET, HEAD" },
	[API_SERVICES] = { EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "GET, HEAD" },
	[API_SERVICE] = { EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_DELETE,
	    "GET, HEAD, DELETE" },
	[API_INSTANCES] = { EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST,
	    "GET, HEAD, POST" },
	[API_INSTANCE] = { EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE, "GET, HEAD, PUT, DELETE" },
};

/* What a request names: a route and its decoded path parameters. */
struct api_target {
	enum api_route route;
	char *service;
	char *id;
};

struct api_watch {
	TAILQ_ENTRY(api_watch) entry;
	struct api_http *api;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	struct event *timer;
	struct event *hangup;	/* the socket turned readable */
	struct api_target t;
};

struct api_http {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *listener;
	struct registry *reg;
	struct orch *orch;	/* the /v2 API's, NULL until set */
	struct events_sse *events;	/* /v2/events, NULL until set */
	struct store *store;	/* /v1/records, NULL until set */
	uint32_t max_wait;
	TAILQ_HEAD(, api_watch) watches;
	int flushing;		/* shutdown: answers not yet written out */
};

static const char *
api_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 422: return "Unprocessable Entity";
	}
	return "Internal Server Error";
}

/* Send body (a reference is taken over; NULL means out of memory). */
static void
api_reply(struct api_http *api, struct evhttp_request *req, int code,
    json_t *body, uint64_t index)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	char idx[24];

	json_decref(body);
	if (buf == NULL || text == NULL) {
		log_warnx("api: out of memory answering a request");
		evhttp_send_error(req, 500, NULL);
		goto out;
	}
	snprintf(idx, sizeof(idx), "%" PRIu64, index ? index :
	    registry_index(api->reg));
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "X-Stadion-Index", idx);
	evbuffer_add(buf, text, strlen(text));
	evbuffer_add(buf, "\n", 1);
	evhttp_send_reply(req, code, api_reason(code), buf);
out:
	if (buf)
		evbuffer_free(buf);
	free(text);
}

static void
api_message(struct api_http *api, struct evhttp_request *req, int code,
    const char *message, const char *details)
{
	api_reply(api, req, code, details ? json_pack("{s:s,s:s}", "message",
	    message, "details", details) : json_pack("{s:s}", "message",
	    message), 0);
}

/* A registry error as Marathon-style JSON; what names the missing object. */
static void
api_fail(struct api_http *api, struct evhttp_request *req, int err,
    const struct registry_error *e, const char *what)
{
	char msg[300];

	switch (err) {
	case ST_EINVAL:
		api_reply(api, req, 422, json_pack("{s:s,s:[{s:s,s:[s]}]}",
		    "message", "Object is not valid", "details", "path",
		    e->field[0] ? e->field : "/", "errors", e->message), 0);
		return;
	case ST_EEXIST:
	case ST_ECONFLICT:
		api_message(api, req, 409, e->message, NULL);
		return;
	case ST_ENOTFOUND:
		snprintf(msg, sizeof(msg), "%s not found", what);
		api_message(api, req, 404, msg, NULL);
		return;
	}
	log_errx("api: %s failed (%s)", evhttp_request_get_uri(req),
	    st_strerror(err));
	api_message(api, req, 500, "Internal error", st_strerror(err));
}

static void
api_target_clear(struct api_target *t)
{
	free(t->service);
	free(t->id);
	t->service = t->id = NULL;
}

/* Route of the request path; -1 when it names nothing we serve. */
static int
api_parse_target(struct evhttp_request *req, struct api_target *t)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	char *seg[API_SEGS_MAX + 1];
	size_t n = 0, len;
	int ok = 0;

	memset(t, 0, sizeof(*t));
	if (path == NULL || *path != '/')
		return -1;
	while (*path == '/' && path[1] != '\0' && n <= API_SEGS_MAX) {
		const char *end = strchrnul(path + 1, '/');
		char *raw = strndup(path + 1, (size_t)(end - path - 1));

		seg[n] = raw ? evhttp_uridecode(raw, 0, &len) : NULL;
		free(raw);
		/* "%00" would cut the name short: refuse it. */
		if (seg[n] == NULL || len != strlen(seg[n]) || *seg[n] == '\0') {
			free(seg[n]);
			goto out;
		}
		n++;
		path = end;
	}
	/* One trailing '/' is fine; anything left over is not ours. */
	if (*path != '\0' && strcmp(path, "/") != 0)
		goto out;
	if (n == 1 && strcmp(seg[0], "health") == 0) {
		t->route = API_HEALTH;
		ok = 1;
	} else if (n >= 2 && n <= 5 && strcmp(seg[0], "v1") == 0 &&
	    strcmp(seg[1], "services") == 0 &&
	    (n < 4 || strcmp(seg[3], "instances") == 0)) {
		t->route = (enum api_route)(API_SERVICES + n - 2);
		if (n >= 3) {
			t->service = seg[2];
			seg[2] = NULL;
		}
		if (n == 5) {
			t->id = seg[4];
			seg[4] = NULL;
		}
		ok = 1;
	}
out:
	while (n-- > 0)
		free(seg[n]);
	return ok ? 0 : -1;
}

/* Answer a GET of t with the registry as it is now. */
static void
api_answer(struct api_http *api, struct evhttp_request *req,
    const struct api_target *t)
{
	uint64_t index = registry_index(api->reg);
	json_t *body = NULL, *inst;
	char what[400];
	size_t i;
	int err = ST_OK;

	snprintf(what, sizeof(what), "service '%s'", t->service ? t->service :
	    "");
	switch (t->route) {
	case API_HEALTH:
		body = json_pack("{s:s,s:I}", "status", "ok", "index",
		    (json_int_t)index);
		break;
	case API_SERVICES:
		err = registry_services_json(api->reg, &body, &index);
		break;
	case API_SERVICE:
		err = registry_service_json(api->reg, t->service, &body, &index);
		break;
	case API_INSTANCES:
	case API_INSTANCE:
		err = registry_instances_json(api->reg, t->service, &body, &index);
		if (err || t->route == API_INSTANCES)
			break;
		/* The registry lists instances; one is picked from the list. */
		json_array_foreach(body, i, inst) {
			const char *id = json_string_value(json_object_get(inst,
			    "id"));

			if (id && strcmp(id, t->id) == 0)
				break;
		}
		inst = json_incref(json_array_get(body, i));
		json_decref(body);
		body = inst;
		if (body == NULL) {
			snprintf(what, sizeof(what), "instance '%s' of service "
			    "'%s'", t->id, t->service);
			err = ST_ENOTFOUND;
		}
		break;
	}
	if (err)
		api_fail(api, req, err, NULL, what);
	else
		api_reply(api, req, 200, body, index);
}

/* Take w off the list and free it; answer its request first if asked. */
static void
api_watch_end(struct api_watch *w, int answer)
{
	TAILQ_REMOVE(&w->api->watches, w, entry);
	evhttp_connection_set_closecb(w->evcon, NULL, NULL);
	event_free(w->timer);
	event_free(w->hangup);
	if (answer)
		api_answer(w->api, w->req, &w->t);
	api_target_clear(&w->t);
	free(w);
}

static void
api_watch_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	api_watch_end(arg, 1);
}

/*
 * evhttp itself saw the connection fail (versions that read while a
 * request waits): it has detached the unanswered request from the dying
 * connection, so the request is ours to free.
 */
static void
api_watch_closed(struct evhttp_connection *evcon, void *arg)
{
	struct api_watch *w = arg;
	struct evhttp_request *req = w->req;

	(void)evcon;
	log_debug("api: client left a blocking query of %s",
	    evhttp_request_get_uri(req));
	api_watch_end(w, 0);
	evhttp_request_free(req);
}

static void
api_watch_readable(evutil_socket_t fd, short what, void *arg)
{
	struct api_watch *w = arg;
	struct evhttp_connection *evcon = w->evcon;
	ssize_t n;
	char c;

	(void)what;
	n = recv(fd, &c, 1, MSG_PEEK);
	/* Bytes mean a pipelined request, not a hang-up: the timer ends it. */
	if (n > 0)
		return;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		event_add(w->hangup, NULL);
		return;
	}
	log_debug("api: client left a blocking query of %s",
	    evhttp_request_get_uri(w->req));
	api_watch_end(w, 0);
	/* Frees the unanswered request with it. */
	evhttp_connection_free(evcon);
}

static void
api_changed(uint64_t index, void *arg)
{
	struct api_http *api = arg;
	struct api_watch *w;

	(void)index;
	while ((w = TAILQ_FIRST(&api->watches)) != NULL)
		api_watch_end(w, 1);
}

/* "10", "30s", "500ms", "5m", "1h" into milliseconds. */
static int
api_parse_wait(const char *s, uint64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "", 1000 }, { "ms", 1 }, { "s", 1000 },
	    { "m", 60000 }, { "h", 3600000 } };
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v > UINT32_MAX)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			*ms = v * units[i].ms;
			return 0;
		}
	}
	return -1;
}

/* A GET: now, or once the index passes ?index= or ?wait= runs out. */
static void
api_get(struct api_http *api, struct evhttp_request *req,
    struct api_target *t)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	const char *sidx, *swait, *bad = NULL;
	uint64_t index = 0, wait_ms = API_WAIT_DEFAULT_MS;
	struct evkeyvalq params;
	struct api_watch *w;
	struct timeval tv;
	char *end;

	TAILQ_INIT(&params);
	if (q && evhttp_parse_query_str(q, &params) != 0) {
		api_message(api, req, 400, "Invalid query string", NULL);
		return;
	}
	if ((sidx = evhttp_find_header(&params, "index")) != NULL) {
		errno = 0;
		index = strtoull(sidx, &end, 10);
		if (*sidx < '0' || *sidx > '9' || *end || errno)
			bad = "index";
	}
	swait = evhttp_find_header(&params, "wait");
	if (swait && api_parse_wait(swait, &wait_ms) != 0)
		bad = "wait";
	evhttp_clear_headers(&params);
	if (bad) {
		api_message(api, req, 400, bad[0] == 'i' ? "Invalid query "
		    "parameter 'index'" : "Invalid query parameter 'wait'",
		    bad[0] == 'i' ? "must be a non-negative integer" :
		    "must be a duration like 10s, 5m or 1h");
		return;
	}
	if (wait_ms > (uint64_t)api->max_wait * 1000)
		wait_ms = (uint64_t)api->max_wait * 1000;
	if (sidx == NULL || registry_index(api->reg) > index || wait_ms == 0) {
		api_answer(api, req, t);
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->timer = evtimer_new(api->base, api_watch_timeout, w)) == NULL ||
	    (w->hangup = event_new(api->base, bufferevent_getfd(
	    evhttp_connection_get_bufferevent(evhttp_request_get_connection(
	    req))), EV_READ, api_watch_readable, w)) == NULL) {
		if (w && w->timer)
			event_free(w->timer);
		free(w);
		api_message(api, req, 500, "Internal error", "out of memory");
		return;
	}
	w->api = api;
	w->req = req;
	w->evcon = evhttp_request_get_connection(req);
	w->t = *t;
	memset(t, 0, sizeof(*t));
	tv.tv_sec = (time_t)(wait_ms / 1000);
	tv.tv_usec = (suseconds_t)(wait_ms % 1000) * 1000;
	evtimer_add(w->timer, &tv);
	event_add(w->hangup, NULL);
	evhttp_connection_set_closecb(w->evcon, api_watch_closed, w);
	TAILQ_INSERT_TAIL(&api->watches, w, entry);
}

/* The request body as JSON; on failure it answers 400 and returns NULL. */
static json_t *
api_body(struct api_http *api, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *data = len ? (const char *)evbuffer_pullup(in, -1) : "";
	json_error_t jerr;
	json_t *body;

	body = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL)
		api_message(api, req, 400, "Invalid JSON", jerr.text);
	return body;
}

static void
api_put(struct api_http *api, struct evhttp_request *req,
    const struct api_target *t, enum evhttp_cmd_type method)
{
	struct registry_error e;
	json_t *body, *out = NULL;
	int err, code = 201;

	if ((body = api_body(api, req)) == NULL)
		return;
	err = registry_instance_put(api->reg, t->service, t->id, body,
	    REGISTRY_CREATE, &out, &e);
	/* PUT creates or replaces, and says which it did. */
	if (err == ST_EEXIST && method == EVHTTP_REQ_PUT) {
		err = registry_instance_put(api->reg, t->service, t->id, body,
		    REGISTRY_REPLACE, &out, &e);
		code = 200;
	}
	json_decref(body);
	if (err)
		api_fail(api, req, err, &e, "service");
	else
		api_reply(api, req, code, out, 0);
}

static void
api_delete(struct api_http *api, struct evhttp_request *req,
    const struct api_target *t)
{
	char what[400];
	int err;

	if (t->id) {
		err = registry_instance_delete(api->reg, t->service, t->id);
		snprintf(what, sizeof(what), "instance '%s' of service '%s'",
		    t->id, t->service);
	} else {
		err = registry_service_delete(api->reg, t->service);
		snprintf(what, sizeof(what), "service '%s'", t->service);
	}
	if (err)
		api_fail(api, req, err, NULL, what);
	else
		api_reply(api, req, 200, json_object(), 0);
}

static void
api_handle(struct evhttp_request *req, void *arg)
{
	struct api_http *api = arg;
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	struct api_target t;

	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(
	    req));

	if (marathon_owns(path)) {
		marathon_handle(api->orch, api->events, req);
		return;
	}
	if (api_records_owns(path)) {
		api_records_handle(api->store, req);
		return;
	}
	if (api_parse_target(req, &t) != 0) {
		api_message(api, req, 404, "No such resource", NULL);
		return;
	}
	if ((api_routes[t.route].methods & (int)method) == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
		    api_routes[t.route].allow);
		api_message(api, req, 405, "Method not allowed", NULL);
	} else if (method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD) {
		api_get(api, req, &t);
	} else if (method == EVHTTP_REQ_POST || method == EVHTTP_REQ_PUT) {
		api_put(api, req, &t, method);
	} else {
		api_delete(api, req, &t);
	}
	api_target_clear(&t);
}

int
api_http_new(struct event_base *base, const char *listen,
    struct registry *reg, uint32_t watch_max_wait, struct api_http **out)
{
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN];
	struct api_http *api;
	socklen_t sslen;
	uint16_t port;

	if (addr_parse(listen, &ss, &sslen) != ST_OK ||
	    addr_host(&ss, host, sizeof(host)) != ST_OK) {
		log_warnx("api: cannot parse listen address %s", listen);
		return ST_EINVAL;
	}
	port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	if ((api = calloc(1, sizeof(*api))) == NULL)
		return ST_ENOMEM;
	api->base = base;
	api->reg = reg;
	api->max_wait = watch_max_wait;
	TAILQ_INIT(&api->watches);
	if ((api->http = evhttp_new(base)) == NULL) {
		free(api);
		return ST_ENOMEM;
	}
	evhttp_set_max_body_size(api->http, API_BODY_MAX);
	/* Let every method reach us, so that a wrong one gets 405 and Allow. */
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(api->http, api_handle, api);
	api->listener = evhttp_bind_socket_with_handle(api->http, host, port);
	if (api->listener == NULL) {
		log_warn("api: cannot listen on %s", listen);
		evhttp_free(api->http);
		free(api);
		return ST_EIO;
	}
	registry_on_change(reg, api_changed, api);
	log_info("api: listening on %s", listen);
	*out = api;
	return ST_OK;
}

void
api_http_set_orch(struct api_http *api, struct orch *o)
{
	api->orch = o;
}

void
api_http_set_events(struct api_http *api, struct events_sse *ev)
{
	api->events = ev;
}

void
api_http_set_store(struct api_http *api, struct store *st)
{
	api->store = st;
}

/* Shutdown: a connection closed after its last answer went out (or failed). */
static void
api_flushed(struct evhttp_connection *evcon, void *arg)
{
	struct api_http *api = arg;

	(void)evcon;
	if (--api->flushing == 0)
		event_base_loopbreak(api->base);
}

static void
api_flush_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	event_base_loopbreak(arg);
}

void
api_http_free(struct api_http *api)
{
	struct timeval limit = { API_FLUSH_MAX_S, 0 };
	struct api_watch *w;
	struct event *timer;

	if (api == NULL)
		return;
	registry_on_change(api->reg, NULL, NULL);
	evhttp_del_accept_socket(api->http, api->listener);
	/*
	 * The loop has stopped, so answers to pending watches would die
	 * queued in evhttp_free. Answer with "Connection: close": evhttp then
	 * closes each connection once its answer is written, which
	 * api_flushed counts, and the loop runs until all are out.
	 */
	while ((w = TAILQ_FIRST(&api->watches)) != NULL) {
		struct evhttp_connection *evcon = w->evcon;

		evhttp_add_header(evhttp_request_get_output_headers(w->req),
		    "Connection", "close");
		api_watch_end(w, 1);
		evhttp_connection_set_closecb(evcon, api_flushed, api);
		api->flushing++;
	}
	if (api->flushing &&
	    (timer = evtimer_new(api->base, api_flush_timeout, api)) != NULL) {
		evtimer_add(timer, &limit);
		event_base_dispatch(api->base);
		event_free(timer);
	}
	evhttp_free(api->http);
	free(api);
}
