/*
 * test_ctr_docker.c -- the docker driver: the create body built from app
 * definitions, and the driver against a fake engine (evhttp on loopback):
 * version negotiation, error mapping, streams with errors inside, events
 * lost and back.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "orch/containerizer.h"
#include "orch/ctr_docker.h"
#include "util/error.h"

static const char *const test_env[] = { "PORT0=31000", "PORT=31000" };
static const uint16_t test_ports[] = { 31000, 31001 };

static json_t *
body_for(const char *app_text, const struct ctr_docker_params *p)
{
	struct ctr_spec spec;
	json_error_t jerr;
	json_t *app = json_loads(app_text, 0, &jerr), *body;

	if (app == NULL)
		fail_msg("bad test JSON: %s", jerr.text);
	memset(&spec, 0, sizeof(spec));
	spec.app_id = "/prod/web";
	spec.instance_id = "prod_web.1";
	spec.version = "2026-01-01T00:00:00.000Z";
	spec.owner = "0e5b1a52-5a3f-4d59-8f8e-3e3c2f7a6b10";
	spec.app = app;
	spec.env = test_env;
	spec.n_env = 2;
	spec.host_ports = test_ports;
	spec.n_ports = 2;
	assert_int_equal(ctr_docker_create_body(&spec, p, &body), ST_OK);
	json_decref(app);
	return body;
}

static json_int_t
hc_int(const json_t *body, const char *key)
{
	const json_t *v = json_object_get(json_object_get(body, "HostConfig"),
	    key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static const char *
hc_str(const json_t *body, const char *key)
{
	return json_string_value(json_object_get(json_object_get(body,
	    "HostConfig"), key));
}

#define DOCKER_APP(extra, docker_extra) \
	"{\"id\":\"/prod/web\",\"instances\":1," extra \
	"\"container\":{\"type\":\"DOCKER\",\"docker\":{\"image\":\"busybox:1\"" \
	docker_extra "}}}"

static void
test_limits_and_cmd(void **state)
{
	json_t *b = body_for(DOCKER_APP("\"cmd\":\"httpd -f -p $PORT0\","
	    "\"cpus\":0.5,\"mem\":64,", ""), NULL);
	const json_t *cmd = json_object_get(b, "Cmd");

	assert_string_equal(json_string_value(json_object_get(b, "Image")),
	    "busybox:1");
	assert_int_equal(hc_int(b, "CpuShares"), 512);
	assert_int_equal(hc_int(b, "CpuPeriod"), 100000);
	assert_int_equal(hc_int(b, "CpuQuota"), 50000);
	assert_int_equal(hc_int(b, "Memory"), 67108864);
	assert_int_equal(hc_int(b, "MemorySwap"), 67108864);
	assert_string_equal(hc_str(b, "NetworkMode"), "host");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(b, "HostConfig"), "RestartPolicy"), "Name")), "no");
	assert_true(json_is_false(json_object_get(json_object_get(b,
	    "HostConfig"), "Init")));
	assert_int_equal(json_array_size(cmd), 3);
	assert_string_equal(json_string_value(json_array_get(cmd, 0)),
	    "/bin/sh");
	assert_string_equal(json_string_value(json_array_get(cmd, 1)), "-c");
	assert_string_equal(json_string_value(json_array_get(cmd, 2)),
	    "httpd -f -p $PORT0");
	/* No bindings on the host network. */
	assert_int_equal(json_object_size(json_object_get(json_object_get(b,
	    "HostConfig"), "PortBindings")), 0);
	json_decref(b);
}

static void
test_args_env_labels(void **state)
{
	json_t *b = body_for(DOCKER_APP("\"args\":[\"nc\",\"-l\"],\"cpus\":2,"
	    "\"mem\":0,\"labels\":{\"team\":\"edge\"},\"user\":\"nobody\",",
	    ""), NULL);
	const json_t *l = json_object_get(b, "Labels");
	const json_t *env = json_object_get(b, "Env");

	assert_int_equal(json_array_size(json_object_get(b, "Cmd")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(b,
	    "Cmd"), 0)), "nc");
	assert_int_equal(hc_int(b, "CpuShares"), 2048);
	assert_int_equal(hc_int(b, "CpuQuota"), 200000);
	assert_null(json_object_get(json_object_get(b, "HostConfig"),
	    "Memory"));
	assert_int_equal(json_array_size(env), 2);
	assert_string_equal(json_string_value(json_array_get(env, 0)),
	    "PORT0=31000");
	assert_string_equal(json_string_value(json_object_get(l, "team")),
	    "edge");
	assert_string_equal(json_string_value(json_object_get(l,
	    CTR_LABEL_APP)), "/prod/web");
	assert_string_equal(json_string_value(json_object_get(l,
	    CTR_LABEL_INSTANCE)), "prod_web.1");
	assert_string_equal(json_string_value(json_object_get(l,
	    CTR_LABEL_VERSION)), "2026-01-01T00:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(l,
	    CTR_LABEL_OWNER)), "0e5b1a52-5a3f-4d59-8f8e-3e3c2f7a6b10");
	assert_string_equal(json_string_value(json_object_get(b, "User")),
	    "nobody");
	json_decref(b);
}

static void
test_bridge_ports_volumes_dns(void **state)
{
	struct ctr_docker_params p = { .dns_server = "127.0.0.53",
	    .dns_search = "marathon.mesos" };
	json_t *b = body_for("{\"id\":\"/prod/web\",\"container\":{\"type\":"
	    "\"DOCKER\",\"docker\":{\"image\":\"web\",\"network\":\"BRIDGE\"},"
	    "\"portMappings\":[{\"containerPort\":80,\"hostPort\":0},"
	    "{\"containerPort\":9000,\"protocol\":\"tcp\"},"
	    "{\"containerPort\":0,\"hostPort\":0,\"protocol\":\"udp,tcp\"}],"
	    "\"volumes\":[{\"containerPath\":\"/data\",\"hostPath\":\"/srv/d\","
	    "\"mode\":\"RW\"},{\"containerPath\":\"/etc/x\",\"hostPath\":"
	    "\"/etc/x\",\"mode\":\"RO\"}]}}", &p);
	const json_t *hc = json_object_get(b, "HostConfig");
	const json_t *pb = json_object_get(hc, "PortBindings");
	const json_t *binds = json_object_get(hc, "Binds");

	assert_string_equal(hc_str(b, "NetworkMode"), "bridge");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(pb, "80/tcp"), 0), "HostPort")), "31000");
	/* containerPort 0: the host port, inside too; each protocol bound. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(pb, "31001/udp"), 0), "HostPort")), "31001");
	assert_non_null(json_object_get(pb, "31001/tcp"));
	/* A mapping without hostPort is exposed, not bound. */
	assert_non_null(json_object_get(json_object_get(b, "ExposedPorts"),
	    "9000/tcp"));
	assert_null(json_object_get(pb, "9000/tcp"));
	assert_int_equal(json_object_size(json_object_get(b, "ExposedPorts")),
	    4);
	assert_int_equal(json_object_size(pb), 3);
	assert_int_equal(json_array_size(binds), 2);
	assert_string_equal(json_string_value(json_array_get(binds, 0)),
	    "/srv/d:/data:rw");
	assert_string_equal(json_string_value(json_array_get(binds, 1)),
	    "/etc/x:/etc/x:ro");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    hc, "Dns"), 0)), "127.0.0.53");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    hc, "DnsSearch"), 0)), "marathon.mesos");
	assert_null(json_object_get(b, "Cmd"));
	json_decref(b);
}

static void
test_parameters(void **state)
{
	json_t *b = body_for(DOCKER_APP("\"mem\":32,", ",\"network\":\"NONE\","
	    "\"parameters\":[{\"key\":\"label\",\"value\":\"a=b\"},"
	    "{\"key\":\"env\",\"value\":\"X=1\"},"
	    "{\"key\":\"memory-swap\",\"value\":\"64m\"},"
	    "{\"key\":\"workdir\",\"value\":\"/w\"},"
	    "{\"key\":\"no-such-option\",\"value\":\"x\"}]"), NULL);

	assert_string_equal(hc_str(b, "NetworkMode"), "none");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    b, "Labels"), "a")), "b");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    b, "Env"), 2)), "X=1");
	assert_int_equal(hc_int(b, "Memory"), 32 * 1048576);
	assert_int_equal(hc_int(b, "MemorySwap"), 64 * 1048576);
	assert_string_equal(json_string_value(json_object_get(b,
	    "WorkingDir")), "/w");
	json_decref(b);
}

static void
test_not_docker(void **state)
{
	struct ctr_spec spec;
	json_t *app = json_pack("{s:s,s:s}", "id", "/web", "cmd", "sleep 1");
	json_t *b = NULL;

	memset(&spec, 0, sizeof(spec));
	spec.app_id = "/web";
	spec.instance_id = "web.1";
	spec.app = app;
	assert_int_equal(ctr_docker_create_body(&spec, NULL, &b), ST_EINVAL);
	assert_null(b);
	json_decref(app);
	/* USER without a named network: nothing to join. */
	app = json_loads(DOCKER_APP("", ",\"network\":\"USER\""), 0, NULL);
	spec.app = app;
	assert_int_equal(ctr_docker_create_body(&spec, NULL, &b), ST_EINVAL);
	json_decref(app);
	app = json_loads(DOCKER_APP("\"networks\":[{\"mode\":\"container\","
	    "\"name\":\"backend\"}],", ",\"network\":\"USER\""), 0, NULL);
	spec.app = app;
	assert_int_equal(ctr_docker_create_body(&spec, NULL, &b), ST_OK);
	assert_string_equal(hc_str(b, "NetworkMode"), "backend");
	json_decref(b);
	json_decref(app);
}

static void
test_bad_endpoint(void **state)
{
	struct event_base *base = event_base_new();
	struct ctr_docker_params p = { .endpoint = "http://127.0.0.1:1" };
	struct ctr *c = NULL;

	assert_int_equal(ctr_docker_new(base, &p, &c), ST_EINVAL);
	assert_null(c);
	p.endpoint = "tcp://127.0.0.1:1";
	assert_int_equal(ctr_docker_new(base, &p, &c), ST_OK);
	assert_string_equal(ctr_name(c), "docker");
	ctr_free(c);
	event_base_free(base);
}

/* ---------------------------------------------------------------- fake engine */

struct fake {
	struct event_base *base;
	struct evhttp *http;
	char endpoint[64];
	const char *api;	/* ApiVersion of GET /version */
	char last_uri[1024];
	char last_auth[512];
	int events_opened;
	int pulled;
	char create_body[1024];
	/* results of callbacks */
	int done, err;
	char msg[512];
	char out[256];
	size_t out_len;
	int n_ev;
	enum ctr_event_type ev[8];
	struct ctr_info ev_info[8];
};

static void
fake_json(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, text, strlen(text));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, code, "x", b);
	evbuffer_free(b);
}

static void
fake_stream(struct evhttp_request *req, const char *const *lines, int end)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_send_reply_start(req, 200, "OK");
	for (; *lines != NULL; lines++) {
		evbuffer_add_printf(b, "%s\r\n", *lines);
		evhttp_send_reply_chunk(req, b);
	}
	if (end)
		evhttp_send_reply_end(req);
	evbuffer_free(b);
}

static void
fake_handle(struct evhttp_request *req, void *arg)
{
	static const char *const pull_ok[] = { "{\"status\":\"Pulling\"}",
	    "{\"status\":\"Done\"}", NULL };
	static const char *const pull_denied[] = {
	    "{\"status\":\"Pulling\"}",
	    "{\"errorDetail\":{\"message\":\"pull access denied\"},"
	    "\"error\":\"pull access denied\"}", NULL };
	static const char *const events[] = { "{\"Type\":\"container\","
	    "\"Action\":\"die\",\"Actor\":{\"ID\":\"c1\",\"Attributes\":{"
	    "\"exitCode\":\"3\",\"stadion.app\":\"/web\","
	    "\"stadion.instance\":\"web.1\"}}}", NULL };
	static const char *const none[] = { NULL };
	static const unsigned char frames[] = { 1, 0, 0, 0, 0, 0, 0, 4, 'o',
	    'u', 't', '\n', 2, 0, 0, 0, 0, 0, 0, 4, 'e', 'r', 'r', '\n' };
	struct fake *f = arg;
	const char *uri = evhttp_request_get_uri(req);
	const char *auth = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "X-Registry-Auth");
	struct evbuffer *b;

	snprintf(f->last_uri, sizeof(f->last_uri), "%s", uri);
	snprintf(f->last_auth, sizeof(f->last_auth), "%s", auth ? auth : "");
	if (strcmp(uri, "/version") == 0) {
		char v[128];

		snprintf(v, sizeof(v), "{\"ApiVersion\":\"%s\"}", f->api);
		fake_json(req, 200, v);
	} else if (strstr(uri, "/containers/missing/") != NULL) {
		fake_json(req, 404, "{\"message\":\"No such container: missing\"}");
	} else if (strstr(uri, "/containers/busy/") != NULL) {
		fake_json(req, 409, "{\"message\":\"Container busy is not running\"}");
	} else if (strstr(uri, "/containers/c1/start") != NULL) {
		evhttp_send_reply(req, 204, "No Content", NULL);
	} else if (strstr(uri, "/containers/c1/logs") != NULL) {
		b = evbuffer_new();
		evbuffer_add(b, frames, sizeof(frames));
		evhttp_send_reply(req, 200, "OK", b);
		evbuffer_free(b);
	} else if (strstr(uri, "/containers/create") != NULL) {
		b = evhttp_request_get_input_buffer(req);
		snprintf(f->create_body, sizeof(f->create_body), "%.*s",
		    (int)evbuffer_get_length(b),
		    (const char *)evbuffer_pullup(b, -1));
		if (f->pulled)
			fake_json(req, 201, "{\"Id\":\"abc123\"}");
		else
			fake_json(req, 404, "{\"message\":\"No such image: "
			    "busybox:1\"}");
	} else if (strstr(uri, "/images/create") != NULL) {
		f->pulled++;
		fake_stream(req, strstr(uri, "denied") ? pull_denied : pull_ok, 1);
	} else if (strstr(uri, "/push") != NULL) {
		fake_stream(req, pull_ok, 1);
	} else if (strstr(uri, "/events") != NULL) {
		/* The first stream breaks after one event; the next stays. */
		f->events_opened++;
		fake_stream(req, f->events_opened == 1 ? events : none,
		    f->events_opened == 1);
	} else {
		fake_json(req, 500, "{\"message\":\"unexpected\"}");
	}
}

static void
fake_start(struct fake *f, const char *api)
{
	struct evhttp_bound_socket *s;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(f, 0, sizeof(*f));
	f->api = api;
	assert_non_null(f->base = event_base_new());
	assert_non_null(f->http = evhttp_new(f->base));
	evhttp_set_gencb(f->http, fake_handle, f);
	evhttp_set_allowed_methods(f->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE);
	assert_non_null(s = evhttp_bind_socket_with_handle(f->http,
	    "127.0.0.1", 0));
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(s),
	    (struct sockaddr *)&sin, &len), 0);
	snprintf(f->endpoint, sizeof(f->endpoint), "tcp://127.0.0.1:%u",
	    ntohs(sin.sin_port));
}

static void
fake_stop(struct fake *f)
{
	evhttp_free(f->http);
	event_base_free(f->base);
}

static struct ctr *
fake_driver(struct fake *f)
{
	struct ctr_docker_params p = { .endpoint = f->endpoint };
	struct ctr *c;

	assert_int_equal(ctr_docker_new(f->base, &p, &c), ST_OK);
	return c;
}

static void
fake_expire(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until *flag reaches want, for at most 5 s. */
static void
fake_run(struct fake *f, int *flag, int want)
{
	struct timeval tv = { 5, 0 };
	int expired = 0;
	struct event *t = evtimer_new(f->base, fake_expire, &expired);

	evtimer_add(t, &tv);
	while (*flag < want && !expired)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(t);
	if (*flag < want)
		fail_msg("timed out: %d of %d (last %s)", *flag, want,
		    f->last_uri);
}

static void
fake_on_done(int err, const char *msg, void *arg)
{
	struct fake *f = arg;

	f->err = err;
	snprintf(f->msg, sizeof(f->msg), "%s", msg ? msg : "");
	f->done++;
}

static void
fake_on_output(int err, const char *msg, const char *data, size_t len,
    int exit_code, void *arg)
{
	struct fake *f = arg;

	f->out_len = len < sizeof(f->out) ? len : sizeof(f->out) - 1;
	if (data != NULL)
		memcpy(f->out, data, f->out_len);
	fake_on_done(err, msg, arg);
}

static void
fake_on_event(const struct ctr_event *ev, void *arg)
{
	struct fake *f = arg;

	if (f->n_ev < 8) {
		f->ev[f->n_ev] = ev->type;
		f->ev_info[f->n_ev] = ev->info;
		f->n_ev++;
	}
}

static void
test_fake_negotiate_and_errors(void **state)
{
	struct fake f;
	struct ctr *c;

	fake_start(&f, "1.47");
	c = fake_driver(&f);
	assert_int_equal(ctr_start(c, "c1", fake_on_done, &f), ST_OK);
	fake_run(&f, &f.done, 1);
	assert_int_equal(f.err, ST_OK);
	/* min(engine, newest known) */
	assert_string_equal(f.last_uri, "/v1.43/containers/c1/start");
	assert_int_equal(ctr_start(c, "missing", fake_on_done, &f), ST_OK);
	fake_run(&f, &f.done, 2);
	assert_int_equal(f.err, ST_ENOTFOUND);
	assert_string_equal(f.msg, "No such container: missing");
	assert_int_equal(ctr_kill(c, "busy", 9, fake_on_done, &f), ST_OK);
	fake_run(&f, &f.done, 3);
	assert_int_equal(f.err, ST_ECONFLICT);
	assert_string_equal(f.last_uri, "/v1.43/containers/busy/kill?signal=9");
	assert_int_equal(ctr_start(c, "a/b", fake_on_done, &f), ST_EINVAL);
	ctr_free(c);
	fake_stop(&f);
}

static void
test_fake_old_engine(void **state)
{
	struct fake f;
	struct ctr *c;

	fake_start(&f, "1.40");
	c = fake_driver(&f);
	assert_int_equal(ctr_start(c, "c1", fake_on_done, &f), ST_OK);
	fake_run(&f, &f.done, 1);
	assert_int_equal(f.err, ST_EIO);
	assert_non_null(strstr(f.msg, "too old"));
	assert_int_equal(ctr_start(c, "c1", fake_on_done, &f), ST_EIO);
	assert_string_equal(f.last_uri, "/version");
	ctr_free(c);
	fake_stop(&f);
}

static void
test_fake_unreachable(void **state)
{
	struct fake f;
	struct ctr *c;

	fake_start(&f, "1.41");
	/* Nobody listens on port 1 of the loopback. */
	snprintf(f.endpoint, sizeof(f.endpoint), "tcp://127.0.0.1:1");
	c = fake_driver(&f);
	assert_int_equal(ctr_start(c, "c1", fake_on_done, &f), ST_OK);
	fake_run(&f, &f.done, 1);
	assert_int_equal(f.err, ST_EIO);
	ctr_free(c);
	fake_stop(&f);
}

static void
test_fake_pull_push(void **state)
{
	struct fake f;
	struct ctr *c;
	/* base64url of the JSON below, as Go's URLEncoding makes it */
	static const char auth[] = "{\"username\":\"u\",\"password\":\"p?>\"}";
	static const char auth64[] =
	    "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InA_PiJ9";

	fake_start(&f, "1.41");
	c = fake_driver(&f);
	assert_int_equal(ctr_image_pull(c, "127.0.0.1:5000/ok/img:1.0", auth,
	    fake_on_done, &f), ST_OK);
	fake_run(&f, &f.done, 1);
	assert_int_equal(f.err, ST_OK);
	assert_string_equal(f.last_uri, "/v1.41/images/create?fromImage="
	    "127.0.0.1%3A5000%2Fok%2Fimg&tag=1.0");
	assert_string_equal(f.last_auth, auth64);
	assert_int_equal(ctr_image_pull(c, "denied/img", NULL, fake_on_done,
	    &f), ST_OK);
	fake_run(&f, &f.done, 2);
	assert_int_equal(f.err, ST_EIO);
	assert_string_equal(f.msg, "pull access denied");
	assert_non_null(strstr(f.last_uri, "&tag=latest"));
	assert_int_equal(ctr_image_push(c, "reg:5000/x:2", NULL, fake_on_done,
	    &f), ST_OK);
	fake_run(&f, &f.done, 3);
	assert_int_equal(f.err, ST_OK);
	assert_string_equal(f.last_uri, "/v1.41/images/reg:5000/x/push?tag=2");
	assert_string_equal(f.last_auth, "e30=");
	ctr_free(c);
	fake_stop(&f);
}

static void
fake_on_create(int err, const char *msg, const char *handle, void *arg)
{
	struct fake *f = arg;

	snprintf(f->out, sizeof(f->out), "%s", handle ? handle : "");
	fake_on_done(err, msg, arg);
}

static void
test_fake_create_pulls(void **state)
{
	struct fake f;
	struct ctr *c;
	struct ctr_spec spec;
	json_t *app = json_loads(DOCKER_APP("\"cmd\":\"sleep 9\",", ""), 0,
	    NULL), *sent;

	fake_start(&f, "1.41");
	c = fake_driver(&f);
	memset(&spec, 0, sizeof(spec));
	spec.app_id = "/prod/web";
	spec.instance_id = "prod_web.a/b c";
	spec.app = app;
	assert_int_equal(ctr_create(c, &spec, fake_on_create, &f), ST_OK);
	fake_run(&f, &f.done, 1);
	assert_int_equal(f.err, ST_OK);
	assert_string_equal(f.out, "abc123");
	/* missing image: pulled once, then created again */
	assert_int_equal(f.pulled, 1);
	assert_string_equal(f.last_uri,
	    "/v1.41/containers/create?name=stadion-prod_web.a_b_c");
	sent = json_loads(f.create_body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(sent, "Image")),
	    "busybox:1");
	json_decref(sent);
	ctr_free(c);
	json_decref(app);
	fake_stop(&f);
}

static void
test_fake_logs_demux(void **state)
{
	struct fake f;
	struct ctr *c;

	fake_start(&f, "1.41");
	c = fake_driver(&f);
	assert_int_equal(ctr_logs(c, "c1", 5, fake_on_output, &f), ST_OK);
	fake_run(&f, &f.done, 1);
	assert_int_equal(f.err, ST_OK);
	assert_int_equal(f.out_len, 8);
	assert_memory_equal(f.out, "out\nerr\n", 8);
	assert_string_equal(f.last_uri,
	    "/v1.41/containers/c1/logs?stdout=1&stderr=1&tail=5");
	ctr_free(c);
	fake_stop(&f);
}

static void
test_fake_events_reconnect(void **state)
{
	struct fake f;
	struct ctr *c;

	fake_start(&f, "1.41");
	c = fake_driver(&f);
	assert_int_equal(ctr_events(c, fake_on_event, &f), ST_OK);
	fake_run(&f, &f.n_ev, 3);
	assert_int_equal(f.ev[0], CTR_EV_DIE);
	assert_string_equal(f.ev_info[0].handle, "c1");
	assert_int_equal(f.ev_info[0].exit_code, 3);
	assert_int_equal(f.ev_info[0].oom, 0);
	assert_string_equal(f.ev_info[0].app_id, "/web");
	assert_string_equal(f.ev_info[0].instance_id, "web.1");
	assert_int_equal(f.ev[1], CTR_EV_LOST);
	assert_int_equal(f.ev[2], CTR_EV_RECONNECTED);
	assert_int_equal(f.events_opened, 2);
	assert_non_null(strstr(f.last_uri, "/v1.41/events?filters="));
	ctr_free(c);
	fake_stop(&f);
}

#define FAKE_ENGINE_TESTS \
		cmocka_unit_test(test_fake_negotiate_and_errors), \
		cmocka_unit_test(test_fake_old_engine), \
		cmocka_unit_test(test_fake_unreachable), \
		cmocka_unit_test(test_fake_pull_push), \
		cmocka_unit_test(test_fake_create_pulls), \
		cmocka_unit_test(test_fake_logs_demux), \
		cmocka_unit_test(test_fake_events_reconnect),

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_and_cmd),
		cmocka_unit_test(test_args_env_labels),
		cmocka_unit_test(test_bridge_ports_volumes_dns),
		cmocka_unit_test(test_parameters),
		cmocka_unit_test(test_not_docker),
		cmocka_unit_test(test_bad_endpoint),
		FAKE_ENGINE_TESTS
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
