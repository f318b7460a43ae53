/*
 * test_orch.c -- the orchestrator against a fake containerizer and a real
 * LMDB store and registry: the reconciler's arithmetic, apps launched,
 * scaled, replaced, restarted and deleted, DNS (the registry) following
 * every step, deployments and their locks and rollbacks, failures with
 * back-off, and adoption after a restart.
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
#include <jansson.h>

#include "orch/app.h"
#include "orch/orch.h"
#include "orch/orch_int.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/bus.h"
#include "util/error.h"
#include "fake_ctr.h"
#include "orch_fixture.h"

/* No drain: scaled-down tasks stop at once (drains: test_orch_deploy). */
#define WEB "{\"id\":\"/prod/web\",\"cmd\":\"serve $PORT0\",\"instances\":3," \
    "\"backoffSeconds\":0,\"upgradeStrategy\":{\"drainSeconds\":0}}"

static void
test_launch_and_scale(void **state)
{
	struct fixture *f = *state;
	char before[4096], after[4096];
	json_t *vers;

	assert_int_equal(fx_create(f, WEB, NULL), ST_OK);
	/* Recorded and published only once running: nothing yet. */
	assert_int_equal(fx_published(f, "/prod/web"), -1);
	assert_int_equal(fx_deployments(f), 1);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 3);
	assert_int_equal(f->w.starts, 3);
	assert_int_equal(fx_published(f, "/prod/web"), 3);
	assert_int_equal(fx_app_int(f, "/prod/web", "tasksRunning"), 3);
	assert_int_equal(fx_deployments(f), 0);
	assert_string_equal(f->w.inst[0].cmd, "serve $PORT0");
	assert_true(atoi(f->w.inst[0].env_port0) >= 41000);

	fx_task_ids(f, "/prod/web", before, sizeof(before));
	assert_int_equal(fx_update(f, "/prod/web", "{\"instances\":5}", 0, NULL,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_published(f, "/prod/web"), 5);
	assert_int_equal(f->w.creates, 5);

	/* YOUNGEST_FIRST: the three first tasks stay. */
	assert_int_equal(fx_update(f, "/prod/web", "{\"instances\":3}", 0, NULL,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	fx_task_ids(f, "/prod/web", after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(fx_published(f, "/prod/web"), 3);
	assert_int_equal(f->w.stops, 2);
	assert_int_equal(f->w.removes, 2);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 3);

	assert_int_equal(orch_app_versions_json(f->o, "/prod/web", &vers),
	    ST_OK);
	assert_int_equal(json_array_size(json_object_get(vers, "versions")), 3);
	json_decref(vers);
	assert_int_equal(fx_deployments(f), 0);
}

static void
test_exit_replaced(void **state)
{
	struct fixture *f = *state;
	struct fake_inst *in;
	json_t *app;

	assert_int_equal(fx_create(f, WEB, NULL), ST_OK);
	fake_ctr_drain(f->base);
	in = &f->w.inst[1];
	fake_world_exit(&f->w, in, 3, 0);
	fake_ctr_drain(f->base);
	/* The dead one is removed, a new one runs and is in DNS. */
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(f->w.removes, 1);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 3);
	assert_int_equal(fake_world_count(&f->w, CTR_S_EXITED), 0);
	assert_int_equal(fx_published(f, "/prod/web"), 3);
	assert_int_equal(orch_app_json(f->o, "/prod/web", &app), ST_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(app, "app"), "lastTaskFailure"), "message")),
	    "exited with code 3");
	json_decref(app);
	/* The stream says why too: TASK_FAILED with the message. */
	assert_int_equal(fx_events_of(f, "status_update_event", "message",
	    "exited with code 3"), 1);
	assert_int_equal(fx_events_of(f, "status_update_event", "taskStatus",
	    "TASK_FAILED"), 1);

	/* Removed behind our back: replaced too. */
	fake_world_exit(&f->w, &f->w.inst[0], 137, 1);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 5);
	assert_int_equal(fx_published(f, "/prod/web"), 3);
}

static void
test_failure_backoff(void **state)
{
	struct fixture *f = *state;
	json_t *app;

	f->w.fail_creates = 1;
	f->w.fail_msg = "no such image";
	assert_int_equal(fx_create(f, "{\"id\":\"/slow\",\"cmd\":\"x\","
	    "\"backoffSeconds\":3600}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* Failed once; the next launch waits an hour. */
	assert_int_equal(f->w.creates, 0);
	assert_int_equal(fx_app_int(f, "/slow", "tasksRunning"), 0);
	assert_int_equal(orch_app_json(f->o, "/slow", &app), ST_OK);
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(json_object_get(app, "app"), "lastTaskFailure"),
	    "message")), "no such image"));
	json_decref(app);
	assert_int_equal(fx_deployments(f), 1);
	/* A new config resets the delay: it launches at once. */
	assert_int_equal(fx_update(f, "/slow", "{\"cmd\":\"y\"}", 1, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 1);
	assert_int_equal(fx_app_int(f, "/slow", "tasksRunning"), 1);
	assert_int_equal(fx_deployments(f), 0);
}

static void
test_restart_rolling(void **state)
{
	struct fixture *f = *state;
	char before[4096], after[4096];
	struct orch_error e;
	json_t *out;

	assert_int_equal(fx_create(f, "{\"id\":\"/r\",\"cmd\":\"x\","
	    "\"instances\":4,\"upgradeStrategy\":{\"minimumHealthCapacity\":1,"
	    "\"maximumOverCapacity\":0,\"drainSeconds\":0}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	f->w.max_running = f->w.running;
	fx_task_ids(f, "/r", before, sizeof(before));
	memset(&e, 0, sizeof(e));
	assert_int_equal(orch_app_restart(f->o, "/r", 0, &out, &e), ST_OK);
	json_decref(out);
	fake_ctr_drain(f->base);
	fx_task_ids(f, "/r", after, sizeof(after));
	/* All replaced, never fewer than 4 running, at most one extra. */
	assert_int_equal(f->w.creates, 8);
	assert_int_equal(f->w.stops, 4);
	assert_int_equal(f->w.max_running, 5);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 4);
	assert_int_equal(fx_published(f, "/r"), 4);
	assert_string_not_equal(before, after);
	for (char *id = strtok(before, " "); id; id = strtok(NULL, " "))
		assert_null(strstr(after, id));
	assert_int_equal(fx_deployments(f), 0);
}

static void
test_lock_and_rollback(void **state)
{
	struct fixture *f = *state;
	struct orch_error e;
	char dep[ORCH_UUID_MAX];
	json_t *deps = NULL, *out, *app;
	const char *cmd;

	/* Waiting for a dependency that does not exist: locked for good. */
	assert_int_equal(fx_create(f, "{\"id\":\"/a\",\"cmd\":\"x\","
	    "\"dependencies\":[\"/missing\"]}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 0);
	assert_int_equal(fx_update(f, "/a", "{\"instances\":2}", 0, NULL, &deps),
	    ST_ECONFLICT);
	assert_int_equal(json_array_size(deps), 1);
	json_decref(deps);
	assert_int_equal(fx_update(f, "/a", "{\"instances\":2}", 1, NULL, NULL),
	    ST_OK);
	assert_int_equal(fx_deployments(f), 1);
	/* Once the dependency runs, /a follows. */
	assert_int_equal(fx_create(f, "{\"id\":\"/missing\",\"cmd\":\"x\"}",
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_published(f, "/a"), 2);
	assert_int_equal(fx_deployments(f), 0);

	/* A config change rolled back: the old config's tasks are current. */
	assert_int_equal(fx_update(f, "/a", "{\"cmd\":\"new\"}", 0, dep, NULL),
	    ST_OK);
	memset(&e, 0, sizeof(e));
	assert_int_equal(orch_deployment_cancel(f->o, dep, 0, &out, &e), ST_OK);
	assert_non_null(json_object_get(out, "deploymentId"));
	json_decref(out);
	fake_ctr_drain(f->base);
	assert_int_equal(orch_app_json(f->o, "/a", &app), ST_OK);
	cmd = json_string_value(json_object_get(json_object_get(app, "app"),
	    "cmd"));
	assert_string_equal(cmd, "x");
	json_decref(app);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 3);
	assert_int_equal(fx_deployments(f), 0);

	/* A cancel of an unknown deployment. */
	assert_int_equal(orch_deployment_cancel(f->o, "nope", 1, &out, &e),
	    ST_ENOTFOUND);
	orch_error_clear(&e);
}

static void
test_delete(void **state)
{
	struct fixture *f = *state;
	struct orch_error e;
	json_t *out;

	assert_int_equal(fx_create(f, "{\"id\":\"/prod/web\",\"cmd\":\"x\","
	    "\"instances\":3,\"taskKillGracePeriodSeconds\":7}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	memset(&e, 0, sizeof(e));
	assert_int_equal(orch_app_delete(f->o, "/prod/web", 0, &out, &e), ST_OK);
	json_decref(out);
	/* Gone from the API at once; from DNS before any stop is answered. */
	assert_int_equal(orch_app_json(f->o, "/prod/web", &out), ST_ENOTFOUND);
	assert_int_equal(fx_published(f, "/prod/web"), 3);
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(fake_ctr_pending(), 3);
	assert_int_equal(f->w.stops, 0);
	assert_int_equal(fx_published(f, "/prod/web"), 0);
	fake_ctr_drain(f->base);
	/* The grace period of the definition the tasks were launched with. */
	assert_int_equal(f->w.last_grace, 7);
	assert_int_equal(f->w.removes, 3);
	assert_int_equal(fx_published(f, "/prod/web"), -1);
	assert_int_equal(fx_deployments(f), 0);
	assert_int_equal(orch_app_versions_json(f->o, "/prod/web", &out),
	    ST_ENOTFOUND);
	/* The id is free again. */
	assert_int_equal(fx_create(f, WEB, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_published(f, "/prod/web"), 3);
}

static void
test_invalid(void **state)
{
	struct fixture *f = *state;
	json_t *details = NULL, *apps;

	assert_int_equal(fx_create(f, "{\"id\":\"/bad\",\"cmd\":\"x\","
	    "\"instances\":-1,\"mem\":\"x\"}", &details), ST_EINVAL);
	assert_int_equal(json_array_size(details), 2);
	json_decref(details);
	assert_int_equal(fx_create(f, WEB, NULL), ST_OK);
	assert_int_equal(fx_create(f, WEB, NULL), ST_EEXIST);
	/* Its DNS label is web-prod's: refused at /id. */
	assert_int_equal(fx_create(f, "{\"id\":\"/web-prod\",\"cmd\":\"x\"}",
	    &details), ST_EINVAL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    details, 0), "path")), "/id");
	json_decref(details);
	/* A service registered through /v1/services is not an app's. */
	assert_int_equal(registry_instance_put(f->reg, "db", "i1", (details =
	    json_pack("{s:s,s:s,s:[{s:i}]}", "id", "i1", "address", "10.0.0.1",
	    "ports", "port", 5432)), REGISTRY_CREATE, NULL, NULL), ST_OK);
	json_decref(details);
	assert_int_equal(fx_create(f, "{\"id\":\"/db\",\"cmd\":\"x\"}",
	    &details), ST_EINVAL);
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(
	    json_array_get(details, 0), "errors"), 0)), "registered service"));
	json_decref(details);
	/* Nothing of the refused ones is stored: a restart finds one app. */
	fx_orch_down(f);
	fx_orch_up(f);
	assert_int_equal(orch_apps_json(f->o, NULL, &apps), ST_OK);
	assert_int_equal(json_array_size(json_object_get(apps, "apps")), 1);
	json_decref(apps);
}

static void
test_kill_tasks(void **state)
{
	struct fixture *f = *state;
	struct orch_error e;
	char ids[4096], *first;
	const char *one[1];
	json_t *out;

	assert_int_equal(fx_create(f, WEB, NULL), ST_OK);
	fake_ctr_drain(f->base);
	fx_task_ids(f, "/prod/web", ids, sizeof(ids));
	first = strtok(ids, " ");
	one[0] = first;
	memset(&e, 0, sizeof(e));
	/* Without scale: killed and replaced. */
	assert_int_equal(orch_tasks_kill(f->o, "/prod/web", one, 1, 0, 0, &out,
	    &e), ST_OK);
	assert_int_equal(json_array_size(json_object_get(out, "tasks")), 1);
	json_decref(out);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(fx_published(f, "/prod/web"), 3);
	/* With scale: instances drop to 2. */
	fx_task_ids(f, "/prod/web", ids, sizeof(ids));
	one[0] = strtok(ids, " ");
	assert_int_equal(orch_tasks_kill(f->o, NULL, one, 1, 1, 0, &out, &e),
	    ST_OK);
	assert_non_null(json_object_get(out, "deploymentId"));
	json_decref(out);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_app_int(f, "/prod/web", "instances"), 2);
	assert_int_equal(fx_published(f, "/prod/web"), 2);
	assert_int_equal(f->w.creates, 4);
	one[0] = "prod_web.no-such-task";
	assert_int_equal(orch_tasks_kill(f->o, NULL, one, 1, 0, 0, &out, &e),
	    ST_ENOTFOUND);
	orch_error_clear(&e);
}

static void
test_adoption(void **state)
{
	struct fixture *f = *state;
	char before[4096], after[4096];
	struct fake_inst *gone;

	assert_int_equal(fx_create(f, WEB, NULL), ST_OK);
	fake_ctr_drain(f->base);
	fx_task_ids(f, "/prod/web", before, sizeof(before));
	/* stadiond goes away; meanwhile one instance vanishes and a stray one
	 * appears. */
	fx_orch_down(f);
	gone = &f->w.inst[2];
	gone->used = 0;
	f->w.running--;
	assert_true(strlen(f->w.inst[0].owner) > 30);
	assert_non_null(fake_world_orphan(&f->w, "/prod/web",
	    "prod_web.stray", f->w.inst[0].owner));
	/* Another stadiond's, on the same engine: not ours to touch. */
	assert_non_null(fake_world_orphan(&f->w, "/prod/web",
	    "prod_web.theirs", "another-stadiond"));
	fx_orch_up(f);
	fake_ctr_drain(f->base);
	/* Two adopted as they were, the stray removed, one new one. */
	assert_int_equal(f->w.creates, 4);
	assert_null(fake_world_find(&f->w, "prod_web.stray"));
	assert_non_null(fake_world_find(&f->w, "prod_web.theirs"));
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 4);
	assert_int_equal(fx_published(f, "/prod/web"), 3);
	fx_task_ids(f, "/prod/web", after, sizeof(after));
	assert_string_not_equal(before, after);
	assert_int_equal(fx_deployments(f), 0);

	/* A plain restart changes nothing at all. */
	fx_orch_down(f);
	fx_orch_up(f);
	fake_ctr_drain(f->base);
	fx_task_ids(f, "/prod/web", before, sizeof(before));
	assert_string_equal(before, after);
	assert_int_equal(f->w.creates, 4);
}

static void
test_deployment_survives_restart(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fx_create(f, WEB, NULL), ST_OK);
	/* Down before a single task was created. */
	fx_orch_down(f);
	assert_int_equal(f->w.creates, 0);
	fx_orch_up_held(f, 1);
	assert_int_equal(fx_deployments(f), 1);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 3);
	assert_int_equal(fx_published(f, "/prod/web"), 3);
	assert_int_equal(fx_deployments(f), 0);
}

/* A normalized definition of body, for the pure functions. */
static json_t *
def_of(const char *body)
{
	json_t *b = json_loads(body, 0, NULL), *def = NULL, *details = NULL;

	assert_non_null(b);
	assert_int_equal(app_check(b, NULL, &def, &details), ST_OK);
	json_decref(b);
	return def;
}

static void
test_backoff_schedule(void **state)
{
	static const double brief[] = { 1, 2, 4, 8, 16 };
	json_t *def = def_of("{\"id\":\"/x\",\"cmd\":\"x\"}");

	(void)state;
	/* The defaults are the design brief's: 1, 2, 4, 8, 16 s, then stop. */
	for (unsigned n = 1; n <= 5; n++)
		assert_true(orch_backoff_delay(def, n) == brief[n - 1]);
	assert_true(orch_backoff_delay(def, 6) < 0);
	json_decref(def);
	/* Marathon's fields still work; no attempts limit. */
	def = def_of("{\"id\":\"/x\",\"cmd\":\"x\",\"backoffSeconds\":3,"
	    "\"backoffFactor\":1.5,\"maxLaunchDelaySeconds\":10,"
	    "\"maxLaunchAttempts\":0}");
	assert_true(orch_backoff_delay(def, 1) == 3);
	assert_true(orch_backoff_delay(def, 2) == 4.5);
	assert_true(orch_backoff_delay(def, 3) == 6.75);
	assert_true(orch_backoff_delay(def, 4) == 10);
	assert_true(orch_backoff_delay(def, 1000) == 10);
	json_decref(def);
}

static void
test_alert_window(void **state)
{
	struct orch_app a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.def = def_of("{\"id\":\"/x\",\"cmd\":\"x\"}");
	/* 3 failures within 300 s alert once; a fourth in the window not. */
	assert_int_equal(orch_alert_count(&a, 1000), 0);
	assert_int_equal(orch_alert_count(&a, 1100), 0);
	assert_int_equal(orch_alert_count(&a, 1200), 3);
	assert_int_equal(orch_alert_count(&a, 1250), 0);
	/* Spread out: never 3 in one window. */
	assert_int_equal(orch_alert_count(&a, 1600), 0);
	assert_int_equal(orch_alert_count(&a, 1950), 0);
	/* Three close together again, a window after the last alert. */
	assert_int_equal(orch_alert_count(&a, 1951), 0);
	assert_int_equal(orch_alert_count(&a, 1952), 3);
	json_decref(a.def);
	a.def = def_of("{\"id\":\"/x\",\"cmd\":\"x\",\"alertFailures\":0}");
	for (double t = 0; t < 10; t++)
		assert_int_equal(orch_alert_count(&a, 3000 + t), 0);
	json_decref(a.def);
}

/* The queue item of app id, or NULL (a new reference). */
static json_t *
queue_item(struct fixture *f, const char *id)
{
	json_t *q, *item, *found = NULL;
	size_t i;

	assert_int_equal(orch_queue_json(f->o, &q), ST_OK);
	json_array_foreach(json_object_get(q, "queue"), i, item)
		if (strcmp(json_string_value(json_object_get(json_object_get(
		    item, "app"), "id")), id) == 0)
			found = json_incref(item);
	json_decref(q);
	return found;
}

static void
test_attempts_stop(void **state)
{
	struct fixture *f = *state;
	struct orch_error e;
	json_t *item;

	f->w.fail_creates = 100;
	f->w.fail_msg = "no such image";
	assert_int_equal(fx_create(f, "{\"id\":\"/crash\",\"cmd\":\"x\","
	    "\"backoffSeconds\":0}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* The first launch and 5 more attempts, then no more. */
	assert_int_equal(f->w.fail_creates, 100 - 6);
	assert_int_equal(fx_events_of(f, "stadion_backoff_event", NULL, NULL),
	    6);
	assert_int_equal(fx_events_of(f, "stadion_backoff_event",
	    "launchesStopped", "true"), 1);
	assert_int_equal(fx_events_of(f, "stadion_alert_event", "appId",
	    "/crash"), 1);
	assert_non_null(item = queue_item(f, "/crash"));
	assert_true(json_is_true(json_object_get(item, "launchesStopped")));
	assert_int_equal(json_integer_value(json_object_get(item, "count")), 1);
	json_decref(item);
	/* DELETE /v2/queue/{id}/delay: it tries again (and now runs). */
	f->w.fail_creates = 0;
	memset(&e, 0, sizeof(e));
	assert_int_equal(orch_queue_reset(f->o, "/crash", &e), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 1);
	assert_null(queue_item(f, "/crash"));
	assert_int_equal(orch_queue_reset(f->o, "/crash", &e), ST_ENOTFOUND);
	orch_error_clear(&e);
	assert_int_equal(fx_events_of(f, "status_update_event", "taskStatus",
	    "TASK_RUNNING"), 1);
}

/* failures of every stadion_backoff_event of app id, as "1 2 3". */
static void
backoff_failures(struct fixture *f, const char *id, char *out, size_t size)
{
	json_t *e;
	size_t i, n;

	out[0] = '\0';
	json_array_foreach(f->events, i, e) {
		const json_t *ev = json_array_get(e, 1);

		if (strcmp(json_string_value(json_array_get(e, 0)),
		    "stadion_backoff_event") != 0 || strcmp(json_string_value(
		    json_object_get(ev, "appId")), id) != 0)
			continue;
		n = strlen(out);
		snprintf(out + n, size - n, "%s%lld", n ? " " : "",
		    (long long)json_integer_value(json_object_get(ev,
		    "failures")));
	}
}

static void
test_backoff_reset(void **state)
{
	struct fixture *f = *state;
	char seen[256];

	/* A task that ran backoffResetSeconds (here 0) starts the count anew. */
	f->w.fail_creates = 0;
	assert_int_equal(fx_create(f, "{\"id\":\"/r\",\"cmd\":\"x\","
	    "\"backoffSeconds\":0,\"backoffResetSeconds\":0}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	for (int i = 0; i < 8; i++) {
		fake_world_exit(&f->w, &f->w.inst[0], 1, 0);
		fake_ctr_drain(f->base);
	}
	backoff_failures(f, "/r", seen, sizeof(seen));
	assert_string_equal(seen, "1 1 1 1 1 1 1 1");
	assert_null(queue_item(f, "/r"));
	/* Without the reset the same exits count up and stop the app. */
	assert_int_equal(fx_create(f, "{\"id\":\"/s\",\"cmd\":\"x\","
	    "\"backoffSeconds\":0}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	for (int i = 0; i < 6; i++) {
		struct fake_inst *in = NULL;

		for (size_t k = 0; k < FAKE_INST_MAX; k++)
			if (f->w.inst[k].used &&
			    strcmp(f->w.inst[k].info.app_id, "/s") == 0 &&
			    f->w.inst[k].info.state == CTR_S_RUNNING)
				in = &f->w.inst[k];
		assert_non_null(in);
		fake_world_exit(&f->w, in, 1, 0);
		fake_ctr_drain(f->base);
	}
	backoff_failures(f, "/s", seen, sizeof(seen));
	assert_string_equal(seen, "1 2 3 4 5 6");
	assert_int_equal(fx_events_of(f, "stadion_backoff_event",
	    "launchesStopped", "true"), 1);
}

static int served_one(struct fixture *f) { return fx_served(f, "/hc") == 1; }
static int served_none(struct fixture *f) { return fx_served(f, "/hc") == 0; }
static int replaced(struct fixture *f) { return f->w.creates == 2; }

static void
test_health_dns(void **state)
{
	struct fixture *f = *state;
	json_t *app;
	uint16_t port;

	assert_int_equal(fx_create(f, "{\"id\":\"/hc\",\"cmd\":\"x\","
	    "\"backoffSeconds\":0,\"healthChecks\":[{\"protocol\":\"TCP\","
	    "\"intervalSeconds\":1,\"timeoutSeconds\":1,"
	    "\"gracePeriodSeconds\":0,\"maxConsecutiveFailures\":2}]}",
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* Running, recorded, but not served until its check passes. */
	assert_int_equal(f->w.starts, 1);
	assert_int_equal(fx_published(f, "/hc"), 1);
	assert_int_equal(fx_served(f, "/hc"), 0);
	assert_int_equal(fx_deployments(f), 1);
	port = (uint16_t)atoi(f->w.inst[0].env_port0);
	fx_listen_on(f, port);
	assert_true(fx_run_until(f, served_one, 5));
	assert_int_equal(fx_events_of(f, "health_status_changed_event", "alive",
	    "true"), 1);
	assert_int_equal(fx_app_int(f, "/hc", "tasksHealthy"), 1);
	assert_int_equal(fx_deployments(f), 0);
	assert_int_equal(orch_app_json(f->o, "/hc", &app), ST_OK);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(json_object_get(app, "app"),
	    "tasks"), 0), "healthCheckResults"), 0), "alive")));
	json_decref(app);
	/* It stops answering: out of DNS at the first failure... */
	fx_unlisten(f, port);
	assert_true(fx_run_until(f, served_none, 5));
	assert_int_equal(fx_published(f, "/hc"), 1);
	assert_int_equal(fx_app_int(f, "/hc", "tasksUnhealthy"), 1);
	assert_true(fx_events_of(f, "failed_health_check_event", "appId",
	    "/hc") >= 1);
	/* ... killed at the second, and replaced. */
	assert_true(fx_run_until(f, replaced, 5));
	assert_int_equal(f->w.stops, 1);
	assert_int_equal(fx_events_of(f, "unhealthy_task_kill_event", "appId",
	    "/hc"), 1);
	assert_int_equal(fx_events_of(f, "stadion_backoff_event", "appId",
	    "/hc"), 1);
	assert_int_equal(fx_served(f, "/hc"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_launch_and_scale, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_exit_replaced, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_failure_backoff, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_restart_rolling, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_rollback, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_delete, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_invalid, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_kill_tasks, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_adoption, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_deployment_survives_restart,
		    fx_setup, fx_teardown),
		cmocka_unit_test(test_backoff_schedule),
		cmocka_unit_test(test_alert_window),
		cmocka_unit_test_setup_teardown(test_attempts_stop, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_backoff_reset, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_health_dns, fx_setup,
		    fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
