/*
 * marathon.c -- routing of the /v2 API and /ping, and the answers and
 * error bodies every route shares (Marathon's shapes and status codes).
 *
 * An app id spans several path segments (/v2/apps/prod/web is /prod/web),
 * so a route is found from the end: a trailing restart, tasks[/ID] or
 * versions[/V] names a sub-resource, the rest is the id.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api/events.h"
#include "api/marathon.h"
#include "api/marathon_int.h"
#include "orch/orch.h"
#include "util/bus.h"
#include "util/error.h"
#include "util/log.h"

#define MARATHON_GET (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)

typedef void (*marathon_fn)(struct marathon_req *);

static const struct {
	enum marathon_route route;
	int methods;
	marathon_fn fn;
} marathon_handlers[] = {
	{ MARATHON_APPS, MARATHON_GET, marathon_apps_get },
	{ MARATHON_APPS, EVHTTP_REQ_POST, marathon_apps_post },
	{ MARATHON_APP, MARATHON_GET, marathon_app_get },
	{ MARATHON_APP, EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH, marathon_app_put },
	{ MARATHON_APP, EVHTTP_REQ_DELETE, marathon_app_delete },
	{ MARATHON_APP_RESTART, EVHTTP_REQ_POST, marathon_app_restart },
	{ MARATHON_APP_TASKS, MARATHON_GET, marathon_app_tasks_get },
	{ MARATHON_APP_TASKS, EVHTTP_REQ_DELETE, marathon_app_tasks_delete },
	{ MARATHON_APP_TASK, EVHTTP_REQ_DELETE, marathon_app_task_delete },
	{ MARATHON_APP_VERSIONS, MARATHON_GET, marathon_app_versions },
	{ MARATHON_APP_VERSION, MARATHON_GET, marathon_app_version },
	{ MARATHON_TASKS, MARATHON_GET, marathon_tasks_get },
	{ MARATHON_TASKS_DELETE, EVHTTP_REQ_POST, marathon_tasks_delete },
	{ MARATHON_DEPLOYMENTS, MARATHON_GET, marathon_deployments_get },
	{ MARATHON_DEPLOYMENT, MARATHON_GET, marathon_deployment_get },
	{ MARATHON_DEPLOYMENT, EVHTTP_REQ_DELETE, marathon_deployment_delete },
	{ MARATHON_DEPLOYMENT_PAUSE, EVHTTP_REQ_POST, marathon_deployment_pause },
	{ MARATHON_DEPLOYMENT_RESUME, EVHTTP_REQ_POST,
	    marathon_deployment_resume },
	{ MARATHON_INFO, MARATHON_GET, marathon_info },
	{ MARATHON_QUEUE, MARATHON_GET, marathon_queue_get },
	{ MARATHON_QUEUE_DELAY, EVHTTP_REQ_DELETE, marathon_queue_delay_delete },
};

static const char *const marathon_allow[] = {
	[MARATHON_PING] = "GET, HEAD",
	[MARATHON_APPS] = "GET, HEAD, POST",
	[MARATHON_APP] = "GET, HEAD, PUT, PATCH, DELETE",
	[MARATHON_APP_RESTART] = "POST",
	[MARATHON_APP_TASKS] = "GET, HEAD, DELETE",
	[MARATHON_APP_TASK] = "DELETE",
	[MARATHON_APP_VERSIONS] = "GET, HEAD",
	[MARATHON_APP_VERSION] = "GET, HEAD",
	[MARATHON_TASKS] = "GET, HEAD",
	[MARATHON_TASKS_DELETE] = "POST",
	[MARATHON_DEPLOYMENTS] = "GET, HEAD",
	[MARATHON_DEPLOYMENT] = "GET, HEAD, DELETE",
	[MARATHON_DEPLOYMENT_PAUSE] = "POST",
	[MARATHON_DEPLOYMENT_RESUME] = "POST",
	[MARATHON_INFO] = "GET, HEAD",
	[MARATHON_QUEUE] = "GET, HEAD",
	[MARATHON_QUEUE_DELAY] = "DELETE",
	[MARATHON_EVENTS] = "GET",
};

static const char *
marathon_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 422: return "Unprocessable Entity";
	case 503: return "Service Unavailable";
	}
	return "Internal Server Error";
}

void
marathon_reply(struct evhttp_request *req, int code, json_t *body)
{
	struct evbuffer *buf = evbuffer_new();
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15)) :
	    NULL;

	json_decref(body);
	if (buf == NULL || text == NULL) {
		log_warnx("api: out of memory answering a /v2 request");
		evhttp_send_error(req, 500, NULL);
	} else {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/json");
		evbuffer_add(buf, text, strlen(text));
		evhttp_send_reply(req, code, marathon_reason(code), buf);
	}
	if (buf)
		evbuffer_free(buf);
	free(text);
}

void
marathon_message(struct evhttp_request *req, int code, const char *message)
{
	marathon_reply(req, code, json_pack("{s:s}", "message", message));
}

/* The sentence Marathon says when the object of r is missing. */
static void
marathon_not_found(const struct marathon_req *r, char *buf, size_t len)
{
	switch (r->route) {
	case MARATHON_DEPLOYMENT:
	case MARATHON_DEPLOYMENT_PAUSE:
	case MARATHON_DEPLOYMENT_RESUME:
		snprintf(buf, len, "DeploymentPlan %s does not exist", r->sub);
		break;
	case MARATHON_APP_TASK:
		snprintf(buf, len, "Task '%s' does not exist", r->sub);
		break;
	case MARATHON_APP_VERSION:
		snprintf(buf, len, "App '%s' does not exist in version %s",
		    r->id, r->sub);
		break;
	case MARATHON_TASKS_DELETE:
		snprintf(buf, len, "Task does not exist");
		break;
	default:
		snprintf(buf, len, "App '%s' does not exist", r->id ? r->id :
		    "");
	}
}

void
marathon_fail(struct marathon_req *r, int err, struct orch_error *e)
{
	const char *said = e && e->message[0] ? e->message : NULL;
	char msg[600];
	json_t *list;

	switch (err) {
	case ST_EINVAL:
		list = e && e->details ? json_incref(e->details) : json_array();
		marathon_reply(r->req, 422, json_pack("{s:s,s:o}", "message",
		    "Object is not valid", "details", list));
		break;
	case ST_ENOTFOUND:
		if (said == NULL)
			marathon_not_found(r, msg, sizeof(msg));
		marathon_message(r->req, 404, said ? said : msg);
		break;
	case ST_EEXIST:
		snprintf(msg, sizeof(msg), "An app with id [%s] already exists.",
		    r->id ? r->id : "");
		marathon_message(r->req, 409, said ? said : msg);
		break;
	case ST_ECONFLICT:
		list = e && e->deployments ? json_incref(e->deployments) :
		    json_array();
		marathon_reply(r->req, 409, json_pack("{s:s,s:o}", "message",
		    said ? said : "App is locked by one or more deployments. "
		    "Override with the option '?force=true'. View details at "
		    "'/v2/deployments/<DEPLOYMENT_ID>'.", "deployments", list));
		break;
	default:
		log_errx("api: %s failed (%s)", evhttp_request_get_uri(r->req),
		    st_strerror(err));
		marathon_message(r->req, 500, st_strerror(err));
	}
	if (e)
		orch_error_clear(e);
}

void
marathon_post_event(struct marathon_req *r, const char *id)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->req);
	struct bus *b = orch_bus(r->o);
	char peer[128] = "";
	json_t *app = NULL;
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (b == NULL || id == NULL || orch_app_json(r->o, id, &app) != ST_OK)
		return;
	if (evcon) {
		evhttp_connection_get_peer(evcon, &addr, &port);
		snprintf(peer, sizeof(peer), "%s", addr ? addr : "");
	}
	bus_publish(b, "api_post_event", json_pack("{s:s,s:s,s:O}", "clientIp",
	    peer, "uri", evhttp_request_get_uri(r->req), "appDefinition",
	    json_object_get(app, "app")));
	json_decref(app);
}

void
marathon_answer(struct marathon_req *r, int err, json_t *out)
{
	if (err != ST_OK)
		marathon_fail(r, err, NULL);
	else
		marathon_reply(r->req, 200, out);
}

json_t *
marathon_body(struct marathon_req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	size_t len = evbuffer_get_length(in);
	const char *data = len ? (const char *)evbuffer_pullup(in, -1) : "";
	json_error_t jerr;
	json_t *body;

	body = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL)
		marathon_reply(r->req, 400, json_pack("{s:s,s:[{s:s,s:[s]}]}",
		    "message", "Invalid JSON", "details", "path", "/", "errors",
		    jerr.text));
	return body;
}

const char *
marathon_param(struct marathon_req *r, const char *name)
{
	return evhttp_find_header(&r->query, name);
}

int
marathon_flag(struct marathon_req *r, const char *name, int *val)
{
	const char *s = marathon_param(r, name);
	char msg[128];

	*val = 0;
	if (s == NULL || strcmp(s, "false") == 0)
		return 0;
	if (strcmp(s, "true") == 0) {
		*val = 1;
		return 0;
	}
	snprintf(msg, sizeof(msg), "Invalid value for query parameter '%s': "
	    "expected true or false", name);
	marathon_message(r->req, 400, msg);
	return -1;
}

/* "/" + the segments from..to-1 joined by '/', slashes collapsed. */
static char *
marathon_join_id(char **seg, size_t from, size_t to)
{
	size_t len = 1, i, l;
	char *id, *p, *q;

	for (i = from; i < to; i++)
		len += strlen(seg[i]) + 1;
	if ((id = malloc(len)) == NULL)
		return NULL;
	p = id;
	for (i = from; i < to; i++) {
		l = strlen(seg[i]);
		*p++ = '/';
		memcpy(p, seg[i], l);
		p += l;
	}
	*p = '\0';
	/* Encoded slashes ("%2Fprod%2Fweb") may double them. */
	for (p = q = id; *p; p++) {
		if (*p != '/' || q == id || q[-1] != '/')
			*q++ = *p;
	}
	if (q > id + 1 && q[-1] == '/')
		q--;
	*q = '\0';
	return id;
}

/* Route the segments after "/v2/apps"; 0 or -1 (not a route). */
static int
marathon_route_app(struct marathon_req *r, char **seg, size_t n)
{
	const char *last = seg[n - 1];
	const char *prev = n >= 2 ? seg[n - 2] : "";
	size_t end = n;

	if (n >= 3 && strcmp(prev, "tasks") == 0) {
		r->route = MARATHON_APP_TASK;
		end = n - 2;
	} else if (n >= 3 && strcmp(prev, "versions") == 0) {
		r->route = MARATHON_APP_VERSION;
		end = n - 2;
	} else if (n >= 2 && strcmp(last, "restart") == 0) {
		r->route = MARATHON_APP_RESTART;
		end = n - 1;
	} else if (n >= 2 && strcmp(last, "tasks") == 0) {
		r->route = MARATHON_APP_TASKS;
		end = n - 1;
	} else if (n >= 2 && strcmp(last, "versions") == 0) {
		r->route = MARATHON_APP_VERSIONS;
		end = n - 1;
	} else {
		r->route = MARATHON_APP;
	}
	if (end == n - 2 && (r->sub = strdup(last)) == NULL)
		return -1;
	if ((r->id = marathon_join_id(seg, 1, end)) == NULL)
		return -1;
	/* Segments of nothing but encoded slashes name no app. */
	return r->id[0] == '\0' || strcmp(r->id, "/") == 0 ? -1 : 0;
}

/* Route of the path after "/v2" (its non-empty segments, decoded). */
static int
marathon_route(struct marathon_req *r, char **seg, size_t n)
{
	if (n == 0)
		return -1;
	if (strcmp(seg[0], "apps") == 0) {
		if (n == 1) {
			r->route = MARATHON_APPS;
			return 0;
		}
		return marathon_route_app(r, seg, n);
	}
	if (strcmp(seg[0], "tasks") == 0 && n <= 2) {
		if (n == 2 && strcmp(seg[1], "delete") != 0)
			return -1;
		r->route = n == 1 ? MARATHON_TASKS : MARATHON_TASKS_DELETE;
		return 0;
	}
	if (strcmp(seg[0], "deployments") == 0 && n <= 2) {
		r->route = n == 1 ? MARATHON_DEPLOYMENTS : MARATHON_DEPLOYMENT;
		if (n == 2 && (r->sub = strdup(seg[1])) == NULL)
			return -1;
		return 0;
	}
	if (strcmp(seg[0], "deployments") == 0 && n == 3 &&
	    (strcmp(seg[2], "pause") == 0 || strcmp(seg[2], "resume") == 0)) {
		r->route = strcmp(seg[2], "pause") == 0 ?
		    MARATHON_DEPLOYMENT_PAUSE : MARATHON_DEPLOYMENT_RESUME;
		return (r->sub = strdup(seg[1])) == NULL ? -1 : 0;
	}
	if (strcmp(seg[0], "info") == 0 && n == 1) {
		r->route = MARATHON_INFO;
		return 0;
	}
	if (strcmp(seg[0], "events") == 0 && n == 1) {
		r->route = MARATHON_EVENTS;
		return 0;
	}
	if (strcmp(seg[0], "queue") == 0 && n == 1) {
		r->route = MARATHON_QUEUE;
		return 0;
	}
	/* /v2/queue/{app id}/delay */
	if (strcmp(seg[0], "queue") == 0 && n >= 3 &&
	    strcmp(seg[n - 1], "delay") == 0) {
		r->route = MARATHON_QUEUE_DELAY;
		if ((r->id = marathon_join_id(seg, 1, n - 1)) == NULL)
			return -1;
		return r->id[0] == '\0' || strcmp(r->id, "/") == 0 ? -1 : 0;
	}
	return -1;
}

/* Split the raw path after "/v2" into decoded segments and route them. */
static int
marathon_parse(struct marathon_req *r, const char *path)
{
	size_t n = 0, max = 1, len, i;
	const char *p;
	char **seg;
	int ret = -1;

	for (p = path; *p; p++)
		max += *p == '/';
	if ((seg = calloc(max, sizeof(*seg))) == NULL)
		return -1;
	for (p = path; *p; ) {
		const char *end = strchrnul(p, '/');
		char *raw;

		if (end > p) {
			if ((raw = strndup(p, (size_t)(end - p))) == NULL)
				goto out;
			seg[n] = evhttp_uridecode(raw, 0, &len);
			free(raw);
			/* "%00" would cut the name short: refuse it. */
			if (seg[n] == NULL || len != strlen(seg[n]) ||
			    *seg[n] == '\0') {
				free(seg[n]);
				goto out;
			}
			n++;
		}
		p = *end ? end + 1 : end;
	}
	ret = marathon_route(r, seg, n);
out:
	for (i = 0; i < n; i++)
		free(seg[i]);
	free(seg);
	return ret;
}

int
marathon_owns(const char *path)
{
	if (path == NULL)
		return 0;
	return strcmp(path, "/ping") == 0 || strcmp(path, "/v2") == 0 ||
	    strncmp(path, "/v2/", 4) == 0;
}

static void
marathon_ping(struct evhttp_request *req)
{
	struct evbuffer *buf = evbuffer_new();

	if (buf == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evbuffer_add(buf, "pong\n", 5);
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
}

static void
marathon_dispatch(struct marathon_req *r)
{
	const char *q;

	if (r->route == MARATHON_EVENTS && r->events &&
	    (r->method == EVHTTP_REQ_GET)) {
		events_sse_handle(r->events, r->req);
		return;
	}
	if (r->o == NULL || (r->route == MARATHON_EVENTS &&
	    r->method == EVHTTP_REQ_GET)) {
		marathon_message(r->req, 503, r->o ? "The event stream is off" :
		    "The orchestrator is not running");
		return;
	}
	q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));
	if (q && evhttp_parse_query_str(q, &r->query) != 0) {
		marathon_message(r->req, 400, "Invalid query string");
		return;
	}
	for (size_t i = 0; i < sizeof(marathon_handlers) /
	    sizeof(marathon_handlers[0]); i++) {
		if (marathon_handlers[i].route == r->route &&
		    (marathon_handlers[i].methods & (int)r->method)) {
			marathon_handlers[i].fn(r);
			return;
		}
	}
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Allow",
	    marathon_allow[r->route]);
	marathon_message(r->req, 405, "Method not allowed");
}

void
marathon_handle(struct orch *o, struct events_sse *ev,
    struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(
	    req));
	struct marathon_req r;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.events = ev;
	r.req = req;
	r.method = evhttp_request_get_command(req);
	TAILQ_INIT(&r.query);
	if (strcmp(path, "/ping") == 0) {
		r.route = MARATHON_PING;
		if (r.method & MARATHON_GET)
			marathon_ping(req);
		else {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Allow", marathon_allow[MARATHON_PING]);
			marathon_message(req, 405, "Method not allowed");
		}
		return;
	}
	if (marathon_parse(&r, path + 3) != 0)
		marathon_message(req, 404, "Not found");
	else
		marathon_dispatch(&r);
	evhttp_clear_headers(&r.query);
	free(r.id);
	free(r.sub);
}
