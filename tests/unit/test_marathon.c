/*
 * test_marathon.c -- the /v2 API over real HTTP on loopback, against a fake
 * orchestrator: routes, arguments handed to orch, answers and error bodies.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "api/http.h"
#include "orch/orch.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/error.h"
#include "fake_orch.h"
#include "testlib.h"

struct fixture {
	char dir[4096];
	struct event_base *base;
	struct store *st;
	struct registry *reg;
	struct api_http *api;
	uint16_t port;
};

static int
setup(void **state)
{
	struct registry_params p = { "mesos", "marathon", 60 };
	struct fixture *f = calloc(1, sizeof(*f));
	char listen[64];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_non_null(f->base = event_base_new());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(registry_new(f->st, &p, &f->reg), ST_OK);
	f->port = testlib_free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", f->port);
	assert_int_equal(api_http_new(f->base, listen, f->reg, 30, &f->api),
	    ST_OK);
	api_http_set_orch(f->api, fake_orch_handle());
	fake_orch_reset();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	api_http_free(f->api);
	registry_free(f->reg);
	store_close(f->st);
	event_base_free(f->base);
	testlib_rmtree(f->dir);
	fake_orch_reset();
	free(f);
	return 0;
}

/* Send method uri (with body when not NULL) and wait for the answer. */
static void
request(struct fixture *f, enum evhttp_cmd_type method, const char *uri,
    const char *body, struct testlib_resp *r)
{
	testlib_http(f->base, f->port, method, uri, body, r);
}

static const char *
jstr(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static void
assert_json_answer(const struct testlib_resp *r, int code)
{
	if (r->code != code)
		print_error("status %d, body %s\n", r->code, r->body);
	assert_int_equal(r->code, code);
	assert_string_equal(r->ctype, "application/json");
	assert_non_null(r->json);
}

static json_t *
deployment_result(void)
{
	return json_pack("{s:s,s:s}", "version", "2026-11-23T15:00:00.000Z",
	    "deploymentId", "d-1");
}

static void
assert_deployment_result(const struct testlib_resp *r)
{
	assert_json_answer(r, 200);
	assert_string_equal(jstr(r->json, "version"), "2026-11-23T15:00:00.000Z");
	assert_string_equal(jstr(r->json, "deploymentId"), "d-1");
}

static void
test_ping(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	api_http_set_orch(f->api, NULL);
	request(f, EVHTTP_REQ_GET, "/ping", NULL, &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "pong\n");
	assert_string_equal(r.ctype, "text/plain; charset=utf-8");
	testlib_resp_clear(&r);
	request(f, EVHTTP_REQ_POST, "/ping", "{}", &r);
	assert_int_equal(r.code, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	testlib_resp_clear(&r);
	assert_int_equal(fake_orch.calls, 0);
}

static void
test_no_orch(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	api_http_set_orch(f->api, NULL);
	request(f, EVHTTP_REQ_GET, "/v2/apps", NULL, &r);
	assert_json_answer(&r, 503);
	assert_non_null(jstr(r.json, "message"));
	testlib_resp_clear(&r);
	/* The /v1 API does not depend on it. */
	request(f, EVHTTP_REQ_GET, "/health", NULL, &r);
	assert_json_answer(&r, 200);
	assert_string_equal(jstr(r.json, "status"), "ok");
	testlib_resp_clear(&r);
	assert_int_equal(fake_orch.calls, 0);
}

static void
test_apps_list(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, json_pack("{s:[{s:s}]}", "apps", "id",
	    "/prod/web"));
	request(f, EVHTTP_REQ_GET, "/v2/apps?id=web&cmd=sleep%2010"
	    "&label=env%3D%3Dprod&embed=apps.counts&embed=apps.tasks", NULL, &r);
	assert_json_answer(&r, 200);
	assert_string_equal(jstr(json_array_get(json_object_get(r.json,
	    "apps"), 0), "id"), "/prod/web");
	assert_string_equal(fake_orch.last.fn, "orch_apps_json");
	assert_ptr_equal(fake_orch.last.o, fake_orch_handle());
	assert_string_equal(fake_orch.last.filter_id, "web");
	assert_string_equal(fake_orch.last.filter_cmd, "sleep 10");
	assert_string_equal(fake_orch.last.filter_label, "env==prod");
	assert_int_equal(fake_orch.last.embed_tasks, 1);
	testlib_resp_clear(&r);

	request(f, EVHTTP_REQ_GET, "/v2/apps/", NULL, &r);
	assert_json_answer(&r, 200);
	assert_null(fake_orch.last.filter_id);
	assert_null(fake_orch.last.filter_label);
	assert_int_equal(fake_orch.last.embed_tasks, 0);
	testlib_resp_clear(&r);
}

static void
test_apps_create(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, json_pack("{s:s,s:i,s:[]}", "id", "/prod/web",
	    "instances", 2, "deployments"));
	request(f, EVHTTP_REQ_POST, "/v2/apps",
	    "{\"id\":\"/prod/web\",\"cmd\":\"sleep 100\",\"instances\":2}", &r);
	assert_json_answer(&r, 201);
	assert_string_equal(r.location, "/v2/apps/prod/web");
	assert_string_equal(jstr(r.json, "id"), "/prod/web");
	assert_string_equal(fake_orch.last.fn, "orch_app_create");
	assert_string_equal(jstr(fake_orch.last.body, "cmd"), "sleep 100");
	testlib_resp_clear(&r);
}

static void
test_invalid_json(void **state)
{
	static const char *const bodies[] = { "{\"id\":", "not json", "" };
	struct fixture *f = *state;
	struct testlib_resp r;
	json_t *d;

	for (size_t i = 0; i < 3; i++) {
		request(f, EVHTTP_REQ_POST, "/v2/apps", bodies[i], &r);
		assert_json_answer(&r, 400);
		assert_string_equal(jstr(r.json, "message"), "Invalid JSON");
		d = json_array_get(json_object_get(r.json, "details"), 0);
		assert_string_equal(jstr(d, "path"), "/");
		assert_true(strlen(json_string_value(json_array_get(
		    json_object_get(d, "errors"), 0))) > 0);
		testlib_resp_clear(&r);
	}
	request(f, EVHTTP_REQ_PUT, "/v2/apps/web", "[1,", &r);
	assert_json_answer(&r, 400);
	testlib_resp_clear(&r);
	assert_int_equal(fake_orch.calls, 0);
}

static void
test_invalid_app(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_EINVAL, NULL);
	fake_orch.canned.details = json_pack("[{s:s,s:[s]}]", "path",
	    "/instances", "errors", "error.min");
	request(f, EVHTTP_REQ_POST, "/v2/apps", "{\"id\":\"w\",\"instances\":-1}",
	    &r);
	assert_json_answer(&r, 422);
	assert_string_equal(jstr(r.json, "message"), "Object is not valid");
	assert_true(json_equal(json_object_get(r.json, "details"),
	    fake_orch.canned.details));
	assert_true(fake_orch.cleared >= 1);
	testlib_resp_clear(&r);
}

static void
test_app_exists(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_EEXIST, NULL);
	request(f, EVHTTP_REQ_POST, "/v2/apps", "{\"id\":\"web\"}", &r);
	assert_json_answer(&r, 409);
	assert_string_equal(jstr(r.json, "message"),
	    "An app with id [/web] already exists.");
	testlib_resp_clear(&r);
}

static void
test_app_get(void **state)
{
	static const char *const uris[] = { "/v2/apps/prod/web",
	    "/v2/apps//prod/web", "/v2/apps/%2Fprod%2Fweb", "/v2/apps/prod/web/" };
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, json_pack("{s:{s:s}}", "app", "id",
	    "/prod/web"));
	for (size_t i = 0; i < 4; i++) {
		request(f, EVHTTP_REQ_GET, uris[i], NULL, &r);
		assert_json_answer(&r, 200);
		assert_string_equal(jstr(json_object_get(r.json, "app"), "id"),
		    "/prod/web");
		assert_string_equal(fake_orch.last.fn, "orch_app_json");
		assert_string_equal(fake_orch.last.id, "/prod/web");
		testlib_resp_clear(&r);
	}
}

static void
test_app_not_found(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_ENOTFOUND, NULL);
	request(f, EVHTTP_REQ_GET, "/v2/apps/nope", NULL, &r);
	assert_json_answer(&r, 404);
	assert_string_equal(jstr(r.json, "message"), "App '/nope' does not exist");
	testlib_resp_clear(&r);
	/* orch's own sentence wins. */
	fake_orch.canned.message = "App '/other' does not exist";
	request(f, EVHTTP_REQ_DELETE, "/v2/apps/nope", NULL, &r);
	assert_json_answer(&r, 404);
	assert_string_equal(jstr(r.json, "message"),
	    "App '/other' does not exist");
	testlib_resp_clear(&r);
}

static void
test_app_put(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, deployment_result());
	request(f, EVHTTP_REQ_PUT, "/v2/apps/prod/web?force=true",
	    "{\"instances\":3}", &r);
	assert_deployment_result(&r);
	assert_string_equal(fake_orch.last.fn, "orch_app_update");
	assert_string_equal(fake_orch.last.id, "/prod/web");
	/* Marathon's PUT is a partial update unless told otherwise. */
	assert_int_equal(fake_orch.last.partial, 1);
	assert_int_equal(fake_orch.last.force, 1);
	assert_int_equal(json_integer_value(json_object_get(fake_orch.last.body,
	    "instances")), 3);
	testlib_resp_clear(&r);

	fake_orch_answer(ST_OK, deployment_result());
	request(f, EVHTTP_REQ_PUT, "/v2/apps/web?partialUpdate=false",
	    "{\"cmd\":\"y\"}", &r);
	assert_deployment_result(&r);
	assert_int_equal(fake_orch.last.partial, 0);
	testlib_resp_clear(&r);

	request(f, EVHTTP_REQ_PUT, "/v2/apps/web?partialUpdate=maybe",
	    "{\"cmd\":\"y\"}", &r);
	assert_json_answer(&r, 400);
	testlib_resp_clear(&r);

	/* A PUT that creates answers like POST. */
	fake_orch_answer(ST_OK, json_pack("{s:s}", "id", "/prod/new"));
	fake_orch.canned.created = 1;
	request(f, EVHTTP_REQ_PUT, "/v2/apps/prod/new", "{\"cmd\":\"x\"}", &r);
	assert_json_answer(&r, 201);
	assert_string_equal(r.location, "/v2/apps/prod/new");
	assert_int_equal(fake_orch.last.force, 0);
	testlib_resp_clear(&r);
}

static void
test_app_patch(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, deployment_result());
	request(f, EVHTTP_REQ_PATCH, "/v2/apps/web", "{\"instances\":0}", &r);
	assert_deployment_result(&r);
	assert_string_equal(fake_orch.last.fn, "orch_app_update");
	assert_string_equal(fake_orch.last.id, "/web");
	assert_int_equal(fake_orch.last.partial, 1);
	assert_int_equal(fake_orch.last.force, 0);
	testlib_resp_clear(&r);
}

static void
test_app_locked(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_ECONFLICT, NULL);
	fake_orch.canned.deployments = json_pack("[{s:s}]", "id", "d-7");
	request(f, EVHTTP_REQ_PUT, "/v2/apps/web", "{\"instances\":1}", &r);
	assert_json_answer(&r, 409);
	assert_non_null(strstr(jstr(r.json, "message"),
	    "App is locked by one or more deployments. Override with the "
	    "option '?force=true'."));
	assert_string_equal(jstr(json_array_get(json_object_get(r.json,
	    "deployments"), 0), "id"), "d-7");
	testlib_resp_clear(&r);
}

static void
test_app_delete(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, deployment_result());
	request(f, EVHTTP_REQ_DELETE, "/v2/apps/prod/web?force=true", NULL, &r);
	assert_deployment_result(&r);
	assert_string_equal(fake_orch.last.fn, "orch_app_delete");
	assert_string_equal(fake_orch.last.id, "/prod/web");
	assert_int_equal(fake_orch.last.force, 1);
	testlib_resp_clear(&r);
	request(f, EVHTTP_REQ_DELETE, "/v2/apps/web?force=maybe", NULL, &r);
	assert_json_answer(&r, 400);
	assert_int_equal(fake_orch.calls, 1);
	testlib_resp_clear(&r);
}

static void
test_app_restart(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, deployment_result());
	request(f, EVHTTP_REQ_POST, "/v2/apps/prod/web/restart?force=true", "",
	    &r);
	assert_deployment_result(&r);
	assert_string_equal(fake_orch.last.fn, "orch_app_restart");
	assert_string_equal(fake_orch.last.id, "/prod/web");
	assert_int_equal(fake_orch.last.force, 1);
	testlib_resp_clear(&r);
}

static void
test_app_tasks(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, json_pack("{s:[{s:s,s:s}]}", "tasks", "id",
	    "prod_web.1", "host", "127.0.0.1"));
	request(f, EVHTTP_REQ_GET, "/v2/apps/prod/web/tasks", NULL, &r);
	assert_json_answer(&r, 200);
	assert_true(json_equal(r.json, fake_orch.canned.out));
	assert_string_equal(fake_orch.last.fn, "orch_tasks_json");
	assert_string_equal(fake_orch.last.id, "/prod/web");
	assert_null(fake_orch.last.status);
	testlib_resp_clear(&r);
}

static void
test_app_tasks_delete(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, deployment_result());
	request(f, EVHTTP_REQ_DELETE, "/v2/apps/prod/web/tasks?scale=true", NULL,
	    &r);
	assert_deployment_result(&r);
	assert_string_equal(fake_orch.last.fn, "orch_tasks_kill");
	assert_string_equal(fake_orch.last.id, "/prod/web");
	assert_null(fake_orch.last.task_ids);
	assert_int_equal(fake_orch.last.scale, 1);
	assert_int_equal(fake_orch.last.force, 0);
	testlib_resp_clear(&r);
}

static void
test_app_tasks_delete_host(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;
	json_t *want;

	/* ?host= kills the tasks that orch lists on that host. */
	fake_orch_answer(ST_OK, json_pack("{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}",
	    "tasks", "id", "t1", "host", "10.0.0.1", "id", "t2", "host",
	    "10.0.0.2", "id", "t3", "host", "10.0.0.1"));
	request(f, EVHTTP_REQ_DELETE, "/v2/apps/web/tasks?host=10.0.0.1"
	    "&force=true", NULL, &r);
	assert_json_answer(&r, 200);
	assert_int_equal(fake_orch.calls, 2);
	assert_string_equal(fake_orch.last.fn, "orch_tasks_kill");
	assert_string_equal(fake_orch.last.id, "/web");
	want = json_pack("[s,s]", "t1", "t3");
	assert_true(json_equal(fake_orch.last.task_ids, want));
	json_decref(want);
	assert_int_equal(fake_orch.last.scale, 0);
	assert_int_equal(fake_orch.last.force, 1);
	testlib_resp_clear(&r);

	/* No task there: nothing to kill. */
	request(f, EVHTTP_REQ_DELETE, "/v2/apps/web/tasks?host=10.9.9.9", NULL,
	    &r);
	assert_json_answer(&r, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "tasks")), 0);
	assert_string_equal(fake_orch.last.fn, "orch_tasks_json");
	testlib_resp_clear(&r);
}

static void
test_app_task_delete(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;
	json_t *want;

	fake_orch_answer(ST_OK, json_pack("{s:[{s:s,s:s}]}", "tasks", "id",
	    "prod_web.a1", "appId", "/prod/web"));
	request(f, EVHTTP_REQ_DELETE, "/v2/apps/prod/web/tasks/prod_web.a1"
	    "?wipe=false", NULL, &r);
	assert_json_answer(&r, 200);
	assert_string_equal(jstr(json_object_get(r.json, "task"), "id"),
	    "prod_web.a1");
	assert_string_equal(fake_orch.last.fn, "orch_tasks_kill");
	assert_string_equal(fake_orch.last.id, "/prod/web");
	want = json_pack("[s]", "prod_web.a1");
	assert_true(json_equal(fake_orch.last.task_ids, want));
	json_decref(want);
	assert_int_equal(fake_orch.last.scale, 0);
	testlib_resp_clear(&r);

	fake_orch_answer(ST_OK, deployment_result());
	request(f, EVHTTP_REQ_DELETE, "/v2/apps/prod/web/tasks/prod_web.a1"
	    "?scale=true", NULL, &r);
	assert_deployment_result(&r);
	assert_int_equal(fake_orch.last.scale, 1);
	testlib_resp_clear(&r);

	fake_orch_answer(ST_ENOTFOUND, NULL);
	request(f, EVHTTP_REQ_DELETE, "/v2/apps/web/tasks/zz", NULL, &r);
	assert_json_answer(&r, 404);
	assert_string_equal(jstr(r.json, "message"), "Task 'zz' does not exist");
	testlib_resp_clear(&r);
}

static void
test_app_versions(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, json_pack("{s:[s]}", "versions",
	    "2026-11-23T15:00:00.000Z"));
	request(f, EVHTTP_REQ_GET, "/v2/apps/prod/web/versions", NULL, &r);
	assert_json_answer(&r, 200);
	assert_true(json_equal(r.json, fake_orch.canned.out));
	assert_string_equal(fake_orch.last.fn, "orch_app_versions_json");
	assert_string_equal(fake_orch.last.id, "/prod/web");
	testlib_resp_clear(&r);

	fake_orch_answer(ST_OK, json_pack("{s:s}", "id", "/prod/web"));
	request(f, EVHTTP_REQ_GET, "/v2/apps/prod/web/versions/"
	    "2026-11-23T15%3A00%3A00.000Z", NULL, &r);
	assert_json_answer(&r, 200);
	assert_string_equal(fake_orch.last.fn, "orch_app_version_json");
	assert_string_equal(fake_orch.last.id, "/prod/web");
	assert_string_equal(fake_orch.last.version, "2026-11-23T15:00:00.000Z");
	testlib_resp_clear(&r);
}

static void
test_tasks(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, json_pack("{s:[]}", "tasks"));
	request(f, EVHTTP_REQ_GET, "/v2/tasks?status=running", NULL, &r);
	assert_json_answer(&r, 200);
	assert_true(json_equal(r.json, fake_orch.canned.out));
	assert_string_equal(fake_orch.last.fn, "orch_tasks_json");
	assert_null(fake_orch.last.id);
	assert_string_equal(fake_orch.last.status, "running");
	testlib_resp_clear(&r);
}

static void
test_tasks_delete(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;
	json_t *want;

	fake_orch_answer(ST_OK, deployment_result());
	request(f, EVHTTP_REQ_POST, "/v2/tasks/delete?scale=true",
	    "{\"ids\":[\"a.1\",\"b.2\"]}", &r);
	assert_deployment_result(&r);
	assert_string_equal(fake_orch.last.fn, "orch_tasks_kill");
	assert_null(fake_orch.last.id);
	want = json_pack("[s,s]", "a.1", "b.2");
	assert_true(json_equal(fake_orch.last.task_ids, want));
	json_decref(want);
	assert_int_equal(fake_orch.last.scale, 1);
	testlib_resp_clear(&r);

	request(f, EVHTTP_REQ_POST, "/v2/tasks/delete", "{\"ids\":[\"a\",3]}",
	    &r);
	assert_json_answer(&r, 422);
	assert_string_equal(jstr(json_array_get(json_object_get(r.json,
	    "details"), 0), "path"), "/ids/1");
	assert_int_equal(fake_orch.calls, 1);
	testlib_resp_clear(&r);
}

static void
test_deployments(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, json_pack("[{s:s}]", "id", "d-1"));
	request(f, EVHTTP_REQ_GET, "/v2/deployments", NULL, &r);
	assert_json_answer(&r, 200);
	assert_true(json_equal(r.json, fake_orch.canned.out));
	assert_string_equal(fake_orch.last.fn, "orch_deployments_json");
	testlib_resp_clear(&r);

	fake_orch_answer(ST_OK, json_pack("{s:s}", "id", "d-1"));
	request(f, EVHTTP_REQ_GET, "/v2/deployments/d-1", NULL, &r);
	assert_json_answer(&r, 200);
	assert_string_equal(fake_orch.last.fn, "orch_deployment_json");
	assert_string_equal(fake_orch.last.id, "d-1");
	testlib_resp_clear(&r);

	fake_orch_answer(ST_ENOTFOUND, NULL);
	request(f, EVHTTP_REQ_GET, "/v2/deployments/d-2", NULL, &r);
	assert_json_answer(&r, 404);
	assert_string_equal(jstr(r.json, "message"),
	    "DeploymentPlan d-2 does not exist");
	testlib_resp_clear(&r);

	fake_orch_answer(ST_OK, deployment_result());
	request(f, EVHTTP_REQ_DELETE, "/v2/deployments/d-1", NULL, &r);
	assert_deployment_result(&r);
	assert_string_equal(fake_orch.last.fn, "orch_deployment_cancel");
	assert_string_equal(fake_orch.last.id, "d-1");
	assert_int_equal(fake_orch.last.force, 0);
	testlib_resp_clear(&r);

	fake_orch_answer(ST_OK, NULL);
	request(f, EVHTTP_REQ_DELETE, "/v2/deployments/d-1?force=true", NULL, &r);
	assert_int_equal(r.code, 202);
	assert_int_equal(fake_orch.last.force, 1);
	testlib_resp_clear(&r);

	fake_orch_answer(ST_ENOTFOUND, NULL);
	request(f, EVHTTP_REQ_DELETE, "/v2/deployments/d-9", NULL, &r);
	assert_json_answer(&r, 404);
	assert_string_equal(jstr(r.json, "message"),
	    "DeploymentPlan d-9 does not exist");
	testlib_resp_clear(&r);
}

static void
test_info(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, json_pack("{s:s,s:s}", "name", "stadion",
	    "frameworkId", "fw-1"));
	request(f, EVHTTP_REQ_GET, "/v2/info", NULL, &r);
	assert_json_answer(&r, 200);
	assert_true(json_equal(r.json, fake_orch.canned.out));
	assert_string_equal(fake_orch.last.fn, "orch_info_json");
	testlib_resp_clear(&r);
}

static void
test_method_not_allowed(void **state)
{
	static const struct {
		enum evhttp_cmd_type method;
		const char *uri, *allow;
	} cases[] = {
		{ EVHTTP_REQ_POST, "/v2/info", "GET, HEAD" },
		{ EVHTTP_REQ_DELETE, "/v2/apps", "GET, HEAD, POST" },
		{ EVHTTP_REQ_POST, "/v2/apps/web", "GET, HEAD, PUT, PATCH, DELETE" },
		{ EVHTTP_REQ_GET, "/v2/apps/web/restart", "POST" },
		{ EVHTTP_REQ_PUT, "/v2/apps/web/versions", "GET, HEAD" },
		{ EVHTTP_REQ_GET, "/v2/tasks/delete", "POST" },
		{ EVHTTP_REQ_PUT, "/v2/deployments/d-1", "GET, HEAD, DELETE" },
	};
	struct fixture *f = *state;
	struct testlib_resp r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		request(f, cases[i].method, cases[i].uri, "{}", &r);
		assert_json_answer(&r, 405);
		assert_string_equal(r.allow, cases[i].allow);
		testlib_resp_clear(&r);
	}
	assert_int_equal(fake_orch.calls, 0);
}

static void
test_unknown_route(void **state)
{
	static const char *const uris[] = { "/v2", "/v2/events/x", "/v2/foo",
	    "/v2/tasks/x", "/v2/deployments/a/b", "/v2/apps/%2F",
	    "/v2/apps/a%00b", "/v2/queue/web", "/v2/queue/delay" };
	struct fixture *f = *state;
	struct testlib_resp r;

	for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		request(f, EVHTTP_REQ_GET, uris[i], NULL, &r);
		assert_json_answer(&r, 404);
		testlib_resp_clear(&r);
	}
	assert_int_equal(fake_orch.calls, 0);
}

static void
test_queue_and_events(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	fake_orch_answer(ST_OK, json_pack("{s:[]}", "queue"));
	request(f, EVHTTP_REQ_GET, "/v2/queue", NULL, &r);
	assert_json_answer(&r, 200);
	assert_string_equal(fake_orch.last.fn, "orch_queue_json");
	testlib_resp_clear(&r);

	fake_orch_answer(ST_OK, NULL);
	request(f, EVHTTP_REQ_DELETE, "/v2/queue/prod/web/delay", NULL, &r);
	assert_int_equal(r.code, 204);
	assert_string_equal(fake_orch.last.fn, "orch_queue_reset");
	assert_string_equal(fake_orch.last.id, "/prod/web");
	testlib_resp_clear(&r);

	fake_orch_answer(ST_ENOTFOUND, NULL);
	fake_orch.canned.message = "Application /x not found in tasks queue.";
	request(f, EVHTTP_REQ_DELETE, "/v2/queue/x/delay", NULL, &r);
	assert_json_answer(&r, 404);
	assert_string_equal(jstr(r.json, "message"),
	    "Application /x not found in tasks queue.");
	testlib_resp_clear(&r);

	request(f, EVHTTP_REQ_POST, "/v2/queue", "{}", &r);
	assert_json_answer(&r, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	testlib_resp_clear(&r);

	/* The stream is served by api/events.c; without one, 503. */
	request(f, EVHTTP_REQ_GET, "/v2/events", NULL, &r);
	assert_json_answer(&r, 503);
	testlib_resp_clear(&r);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_ping), T(test_no_orch), T(test_apps_list),
		T(test_apps_create), T(test_invalid_json), T(test_invalid_app),
		T(test_app_exists), T(test_app_get), T(test_app_not_found),
		T(test_app_put), T(test_app_patch), T(test_app_locked),
		T(test_app_delete), T(test_app_restart), T(test_app_tasks),
		T(test_app_tasks_delete), T(test_app_tasks_delete_host),
		T(test_app_task_delete), T(test_app_versions), T(test_tasks),
		T(test_tasks_delete), T(test_deployments), T(test_info),
		T(test_method_not_allowed), T(test_unknown_route),
		T(test_queue_and_events),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
