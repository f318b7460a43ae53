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

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "orch/app.h"
#include "orch/orch.h"
#include "orch/orch_int.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/bus.h"
#include "util/error.h"
#include "fake_ctr.h"
#include "testlib.h"

struct fixture {
	char dir[4096];
	struct event_base *base;
	struct store *st;
	struct registry *reg;
	struct orch *o;
	struct fake_world w;
	struct bus *bus;
	json_t *events;		/* what the bus carried: [[type, event]...] */
};

static void
on_event(const char *type, const json_t *event, void *arg)
{
	struct fixture *f = arg;

	json_array_append_new(f->events, json_pack("[s,O]", type, event));
}

/* How many events of type the bus carried (with member key == value). */
static int
events_of(struct fixture *f, const char *type, const char *key,
    const char *value)
{
	json_t *e;
	size_t i;
	int n = 0;

	json_array_foreach(f->events, i, e) {
		const json_t *ev = json_array_get(e, 1);
		const char *v = key ? json_string_value(json_object_get(ev,
		    key)) : NULL;

		if (strcmp(json_string_value(json_array_get(e, 0)), type) == 0 &&
		    (key == NULL || (v && strcmp(v, value) == 0) ||
		    (json_is_true(json_object_get(ev, key)) &&
		    strcmp(value, "true") == 0)))
			n++;
	}
	return n;
}

/*
 * A new orchestrator on the fixture's store, with a fresh fake driver;
 * its first moves are made unless the test wants to see them.
 */
static void
orch_up_held(struct fixture *f, int hold)
{
	struct orch_params p;

	memset(&p, 0, sizeof(p));
	p.state_dir = f->dir;
	p.host = "127.0.0.1";
	p.port_min = 41000;
	p.port_max = 41099;
	assert_non_null(p.process_ctr = fake_ctr_new(&f->w));
	p.bus = f->bus;
	assert_int_equal(orch_new(f->base, f->st, f->reg, &p, &f->o), ST_OK);
	assert_int_equal(orch_start(f->o), ST_OK);
	if (!hold)
		fake_ctr_drain(f->base);
}

static void
orch_up(struct fixture *f)
{
	orch_up_held(f, 0);
}

static void
orch_down(struct fixture *f)
{
	orch_free(f->o);
	f->o = NULL;
}

static int
setup(void **state)
{
	struct registry_params rp = { "mesos", "marathon", 60 };
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned sub;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_non_null(f->base = event_base_new());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(testlib_zones(f->st), ST_OK);
	assert_int_equal(registry_new(f->st, &rp, &f->reg), ST_OK);
	assert_int_equal(bus_new(&f->bus), ST_OK);
	assert_non_null(f->events = json_array());
	assert_int_equal(bus_subscribe(f->bus, on_event, f, &sub), ST_OK);
	orch_up(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	orch_down(f);
	bus_free(f->bus);
	json_decref(f->events);
	registry_free(f->reg);
	store_close(f->st);
	event_base_free(f->base);
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

/* POST /v2/apps of body (JSON text); the error list on failure. */
static int
create(struct fixture *f, const char *body, json_t **details)
{
	struct orch_error e;
	json_t *b = json_loads(body, 0, NULL), *out = NULL;
	int err;

	assert_non_null(b);
	memset(&e, 0, sizeof(e));
	err = orch_app_create(f->o, b, &out, &e);
	json_decref(b);
	json_decref(out);
	if (details)
		*details = json_incref(e.details);
	orch_error_clear(&e);
	return err;
}

/* PATCH (or PUT) of body on id; *dep the deployment id when asked. */
static int
update(struct fixture *f, const char *id, const char *body, int force,
    char *dep, json_t **deps)
{
	struct orch_error e;
	json_t *b = json_loads(body, 0, NULL), *out = NULL;
	int created, err;

	assert_non_null(b);
	memset(&e, 0, sizeof(e));
	err = orch_app_update(f->o, id, b, 1, force, &created, &out, &e);
	if (err == ST_OK && dep)
		snprintf(dep, ORCH_UUID_MAX, "%s", json_string_value(
		    json_object_get(out, "deploymentId")));
	if (deps)
		*deps = json_incref(e.deployments);
	json_decref(b);
	json_decref(out);
	orch_error_clear(&e);
	return err;
}

/* The app's AppInfo member key as an integer. */
static json_int_t
app_int(struct fixture *f, const char *id, const char *key)
{
	json_t *out;
	json_int_t v;

	assert_int_equal(orch_app_json(f->o, id, &out), ST_OK);
	v = json_integer_value(json_object_get(json_object_get(out, "app"),
	    key));
	json_decref(out);
	return v;
}

/* Instances of service id in the registry (what DNS serves), -1 if none. */
static int
published(struct fixture *f, const char *id)
{
	json_t *list;
	uint64_t idx;
	int n;

	if (registry_instances_json(f->reg, id, &list, &idx) != ST_OK)
		return -1;
	n = (int)json_array_size(list);
	json_decref(list);
	return n;
}

static size_t
deployments(struct fixture *f)
{
	json_t *list;
	size_t n;

	assert_int_equal(orch_deployments_json(f->o, &list), ST_OK);
	n = json_array_size(list);
	json_decref(list);
	return n;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids of app id's tasks, sorted, as one string. */
static void
task_ids(struct fixture *f, const char *id, char *out, size_t size)
{
	const char *ids[FAKE_INST_MAX];
	json_t *list, *t;
	size_t i, n = 0, len;

	out[0] = '\0';
	assert_int_equal(orch_tasks_json(f->o, id, NULL, &list), ST_OK);
	json_array_foreach(json_object_get(list, "tasks"), i, t)
		if (n < FAKE_INST_MAX)
			ids[n++] = json_string_value(json_object_get(t, "id"));
	qsort(ids, n, sizeof(ids[0]), cmp_str);
	for (i = 0; i < n; i++) {
		len = strlen(out);
		snprintf(out + len, size - len, "%s%s", len ? " " : "", ids[i]);
	}
	json_decref(list);
}

/* No drain: scaled-down tasks stop at once (drains: test_orch_deploy). */
#define WEB "{\"id\":\"/prod/web\",\"cmd\":\"serve $PORT0\",\"instances\":3," \
    "\"backoffSeconds\":0,\"upgradeStrategy\":{\"drainSeconds\":0}}"

static void
test_launch_and_scale(void **state)
{
	struct fixture *f = *state;
	char before[4096], after[4096];
	json_t *vers;

	assert_int_equal(create(f, WEB, NULL), ST_OK);
	/* Recorded and published only once running: nothing yet. */
	assert_int_equal(published(f, "/prod/web"), -1);
	assert_int_equal(deployments(f), 1);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 3);
	assert_int_equal(f->w.starts, 3);
	assert_int_equal(published(f, "/prod/web"), 3);
	assert_int_equal(app_int(f, "/prod/web", "tasksRunning"), 3);
	assert_int_equal(deployments(f), 0);
	assert_string_equal(f->w.inst[0].cmd, "serve $PORT0");
	assert_true(atoi(f->w.inst[0].env_port0) >= 41000);

	task_ids(f, "/prod/web", before, sizeof(before));
	assert_int_equal(update(f, "/prod/web", "{\"instances\":5}", 0, NULL,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(published(f, "/prod/web"), 5);
	assert_int_equal(f->w.creates, 5);

	/* YOUNGEST_FIRST: the three first tasks stay. */
	assert_int_equal(update(f, "/prod/web", "{\"instances\":3}", 0, NULL,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	task_ids(f, "/prod/web", after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(published(f, "/prod/web"), 3);
	assert_int_equal(f->w.stops, 2);
	assert_int_equal(f->w.removes, 2);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 3);

	assert_int_equal(orch_app_versions_json(f->o, "/prod/web", &vers),
	    ST_OK);
	assert_int_equal(json_array_size(json_object_get(vers, "versions")), 3);
	json_decref(vers);
	assert_int_equal(deployments(f), 0);
}

static void
test_exit_replaced(void **state)
{
	struct fixture *f = *state;
	struct fake_inst *in;
	json_t *app;

	assert_int_equal(create(f, WEB, NULL), ST_OK);
	fake_ctr_drain(f->base);
	in = &f->w.inst[1];
	fake_world_exit(&f->w, in, 3, 0);
	fake_ctr_drain(f->base);
	/* The dead one is removed, a new one runs and is in DNS. */
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(f->w.removes, 1);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 3);
	assert_int_equal(fake_world_count(&f->w, CTR_S_EXITED), 0);
	assert_int_equal(published(f, "/prod/web"), 3);
	assert_int_equal(orch_app_json(f->o, "/prod/web", &app), ST_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(app, "app"), "lastTaskFailure"), "message")),
	    "exited with code 3");
	json_decref(app);
	/* The stream says why too: TASK_FAILED with the message. */
	assert_int_equal(events_of(f, "status_update_event", "message",
	    "exited with code 3"), 1);
	assert_int_equal(events_of(f, "status_update_event", "taskStatus",
	    "TASK_FAILED"), 1);

	/* Removed behind our back: replaced too. */
	fake_world_exit(&f->w, &f->w.inst[0], 137, 1);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 5);
	assert_int_equal(published(f, "/prod/web"), 3);
}

static void
test_failure_backoff(void **state)
{
	struct fixture *f = *state;
	json_t *app;

	f->w.fail_creates = 1;
	f->w.fail_msg = "no such image";
	assert_int_equal(create(f, "{\"id\":\"/slow\",\"cmd\":\"x\","
	    "\"backoffSeconds\":3600}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* Failed once; the next launch waits an hour. */
	assert_int_equal(f->w.creates, 0);
	assert_int_equal(app_int(f, "/slow", "tasksRunning"), 0);
	assert_int_equal(orch_app_json(f->o, "/slow", &app), ST_OK);
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(json_object_get(app, "app"), "lastTaskFailure"),
	    "message")), "no such image"));
	json_decref(app);
	assert_int_equal(deployments(f), 1);
	/* A new config resets the delay: it launches at once. */
	assert_int_equal(update(f, "/slow", "{\"cmd\":\"y\"}", 1, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 1);
	assert_int_equal(app_int(f, "/slow", "tasksRunning"), 1);
	assert_int_equal(deployments(f), 0);
}

static void
test_restart_rolling(void **state)
{
	struct fixture *f = *state;
	char before[4096], after[4096];
	struct orch_error e;
	json_t *out;

	assert_int_equal(create(f, "{\"id\":\"/r\",\"cmd\":\"x\",\"instances\":4,"
	    "\"upgradeStrategy\":{\"minimumHealthCapacity\":1,"
	    "\"maximumOverCapacity\":0,\"drainSeconds\":0}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	f->w.max_running = f->w.running;
	task_ids(f, "/r", before, sizeof(before));
	memset(&e, 0, sizeof(e));
	assert_int_equal(orch_app_restart(f->o, "/r", 0, &out, &e), ST_OK);
	json_decref(out);
	fake_ctr_drain(f->base);
	task_ids(f, "/r", after, sizeof(after));
	/* All replaced, never fewer than 4 running, at most one extra. */
	assert_int_equal(f->w.creates, 8);
	assert_int_equal(f->w.stops, 4);
	assert_int_equal(f->w.max_running, 5);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 4);
	assert_int_equal(published(f, "/r"), 4);
	assert_string_not_equal(before, after);
	for (char *id = strtok(before, " "); id; id = strtok(NULL, " "))
		assert_null(strstr(after, id));
	assert_int_equal(deployments(f), 0);
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
	assert_int_equal(create(f, "{\"id\":\"/a\",\"cmd\":\"x\","
	    "\"dependencies\":[\"/missing\"]}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 0);
	assert_int_equal(update(f, "/a", "{\"instances\":2}", 0, NULL, &deps),
	    ST_ECONFLICT);
	assert_int_equal(json_array_size(deps), 1);
	json_decref(deps);
	assert_int_equal(update(f, "/a", "{\"instances\":2}", 1, NULL, NULL),
	    ST_OK);
	assert_int_equal(deployments(f), 1);
	/* Once the dependency runs, /a follows. */
	assert_int_equal(create(f, "{\"id\":\"/missing\",\"cmd\":\"x\"}",
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(published(f, "/a"), 2);
	assert_int_equal(deployments(f), 0);

	/* A config change rolled back: the old config's tasks are current. */
	assert_int_equal(update(f, "/a", "{\"cmd\":\"new\"}", 0, dep, NULL),
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
	assert_int_equal(deployments(f), 0);

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

	assert_int_equal(create(f, "{\"id\":\"/prod/web\",\"cmd\":\"x\","
	    "\"instances\":3,\"taskKillGracePeriodSeconds\":7}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	memset(&e, 0, sizeof(e));
	assert_int_equal(orch_app_delete(f->o, "/prod/web", 0, &out, &e), ST_OK);
	json_decref(out);
	/* Gone from the API at once; from DNS before any stop is answered. */
	assert_int_equal(orch_app_json(f->o, "/prod/web", &out), ST_ENOTFOUND);
	assert_int_equal(published(f, "/prod/web"), 3);
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(fake_ctr_pending(), 3);
	assert_int_equal(f->w.stops, 0);
	assert_int_equal(published(f, "/prod/web"), 0);
	fake_ctr_drain(f->base);
	/* The grace period of the definition the tasks were launched with. */
	assert_int_equal(f->w.last_grace, 7);
	assert_int_equal(f->w.removes, 3);
	assert_int_equal(published(f, "/prod/web"), -1);
	assert_int_equal(deployments(f), 0);
	assert_int_equal(orch_app_versions_json(f->o, "/prod/web", &out),
	    ST_ENOTFOUND);
	/* The id is free again. */
	assert_int_equal(create(f, WEB, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(published(f, "/prod/web"), 3);
}

static void
test_invalid(void **state)
{
	struct fixture *f = *state;
	json_t *details = NULL, *apps;

	assert_int_equal(create(f, "{\"id\":\"/bad\",\"cmd\":\"x\","
	    "\"instances\":-1,\"mem\":\"x\"}", &details), ST_EINVAL);
	assert_int_equal(json_array_size(details), 2);
	json_decref(details);
	assert_int_equal(create(f, WEB, NULL), ST_OK);
	assert_int_equal(create(f, WEB, NULL), ST_EEXIST);
	/* Its DNS label is web-prod's: refused at /id. */
	assert_int_equal(create(f, "{\"id\":\"/web-prod\",\"cmd\":\"x\"}",
	    &details), ST_EINVAL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    details, 0), "path")), "/id");
	json_decref(details);
	/* A service registered through /v1/services is not an app's. */
	assert_int_equal(registry_instance_put(f->reg, "db", "i1", (details =
	    json_pack("{s:s,s:s,s:[{s:i}]}", "id", "i1", "address", "10.0.0.1",
	    "ports", "port", 5432)), REGISTRY_CREATE, NULL, NULL), ST_OK);
	json_decref(details);
	assert_int_equal(create(f, "{\"id\":\"/db\",\"cmd\":\"x\"}",
	    &details), ST_EINVAL);
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(
	    json_array_get(details, 0), "errors"), 0)), "registered service"));
	json_decref(details);
	/* Nothing of the refused ones is stored: a restart finds one app. */
	orch_down(f);
	orch_up(f);
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

	assert_int_equal(create(f, WEB, NULL), ST_OK);
	fake_ctr_drain(f->base);
	task_ids(f, "/prod/web", ids, sizeof(ids));
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
	assert_int_equal(published(f, "/prod/web"), 3);
	/* With scale: instances drop to 2. */
	task_ids(f, "/prod/web", ids, sizeof(ids));
	one[0] = strtok(ids, " ");
	assert_int_equal(orch_tasks_kill(f->o, NULL, one, 1, 1, 0, &out, &e),
	    ST_OK);
	assert_non_null(json_object_get(out, "deploymentId"));
	json_decref(out);
	fake_ctr_drain(f->base);
	assert_int_equal(app_int(f, "/prod/web", "instances"), 2);
	assert_int_equal(published(f, "/prod/web"), 2);
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

	assert_int_equal(create(f, WEB, NULL), ST_OK);
	fake_ctr_drain(f->base);
	task_ids(f, "/prod/web", before, sizeof(before));
	/* stadiond goes away; meanwhile one instance vanishes and a stray one
	 * appears. */
	orch_down(f);
	gone = &f->w.inst[2];
	gone->used = 0;
	f->w.running--;
	assert_true(strlen(f->w.inst[0].owner) > 30);
	assert_non_null(fake_world_orphan(&f->w, "/prod/web",
	    "prod_web.stray", f->w.inst[0].owner));
	/* Another stadiond's, on the same engine: not ours to touch. */
	assert_non_null(fake_world_orphan(&f->w, "/prod/web",
	    "prod_web.theirs", "another-stadiond"));
	orch_up(f);
	fake_ctr_drain(f->base);
	/* Two adopted as they were, the stray removed, one new one. */
	assert_int_equal(f->w.creates, 4);
	assert_null(fake_world_find(&f->w, "prod_web.stray"));
	assert_non_null(fake_world_find(&f->w, "prod_web.theirs"));
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 4);
	assert_int_equal(published(f, "/prod/web"), 3);
	task_ids(f, "/prod/web", after, sizeof(after));
	assert_string_not_equal(before, after);
	assert_int_equal(deployments(f), 0);

	/* A plain restart changes nothing at all. */
	orch_down(f);
	orch_up(f);
	fake_ctr_drain(f->base);
	task_ids(f, "/prod/web", before, sizeof(before));
	assert_string_equal(before, after);
	assert_int_equal(f->w.creates, 4);
}

static void
test_deployment_survives_restart(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(create(f, WEB, NULL), ST_OK);
	/* Down before a single task was created. */
	orch_down(f);
	assert_int_equal(f->w.creates, 0);
	orch_up_held(f, 1);
	assert_int_equal(deployments(f), 1);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 3);
	assert_int_equal(published(f, "/prod/web"), 3);
	assert_int_equal(deployments(f), 0);
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
	assert_int_equal(create(f, "{\"id\":\"/crash\",\"cmd\":\"x\","
	    "\"backoffSeconds\":0}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* The first launch and 5 more attempts, then no more. */
	assert_int_equal(f->w.fail_creates, 100 - 6);
	assert_int_equal(events_of(f, "stadion_backoff_event", NULL, NULL), 6);
	assert_int_equal(events_of(f, "stadion_backoff_event",
	    "launchesStopped", "true"), 1);
	assert_int_equal(events_of(f, "stadion_alert_event", "appId",
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
	assert_int_equal(events_of(f, "status_update_event", "taskStatus",
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
	assert_int_equal(create(f, "{\"id\":\"/r\",\"cmd\":\"x\","
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
	assert_int_equal(create(f, "{\"id\":\"/s\",\"cmd\":\"x\","
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
	assert_int_equal(events_of(f, "stadion_backoff_event",
	    "launchesStopped", "true"), 1);
}

/* Registry instances of service id that DNS serves. */
static int
served(struct fixture *f, const char *id)
{
	json_t *list, *inst;
	uint64_t idx;
	size_t i;
	int n = 0;

	if (registry_instances_json(f->reg, id, &list, &idx) != ST_OK)
		return 0;
	json_array_foreach(list, i, inst) {
		const char *h = json_string_value(json_object_get(inst,
		    "health"));

		n += strcmp(h, "healthy") == 0 || strcmp(h, "none") == 0;
	}
	json_decref(list);
	return n;
}

static void
wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	*(int *)arg = 1;
}

/* Run the loop (real time: health checks) until pred holds or s pass. */
static int
run_until(struct fixture *f, int (*pred)(struct fixture *), double s)
{
	struct timeval tv = { (time_t)s, 0 };
	int expired = 0;
	struct event *t = evtimer_new(f->base, wake, &expired);

	evtimer_add(t, &tv);
	fake_ctr_drain(f->base);
	while (!pred(f) && !expired) {
		event_base_loop(f->base, EVLOOP_ONCE);
		fake_ctr_drain(f->base);
	}
	event_free(t);
	return pred(f);
}

static int served_one(struct fixture *f) { return served(f, "/hc") == 1; }
static int served_none(struct fixture *f) { return served(f, "/hc") == 0; }
static int replaced(struct fixture *f) { return f->w.creates == 2; }

/* A TCP port listening on the loopback, or closed again. */
static int
listen_on(uint16_t port)
{
	struct sockaddr_in sin;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s, 16), 0);
	return s;
}

static void
test_health_dns(void **state)
{
	struct fixture *f = *state;
	json_t *app;
	int s;

	assert_int_equal(create(f, "{\"id\":\"/hc\",\"cmd\":\"x\","
	    "\"backoffSeconds\":0,\"healthChecks\":[{\"protocol\":\"TCP\","
	    "\"intervalSeconds\":1,\"timeoutSeconds\":1,"
	    "\"gracePeriodSeconds\":0,\"maxConsecutiveFailures\":2}]}",
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* Running, recorded, but not served until its check passes. */
	assert_int_equal(f->w.starts, 1);
	assert_int_equal(published(f, "/hc"), 1);
	assert_int_equal(served(f, "/hc"), 0);
	assert_int_equal(deployments(f), 1);
	s = listen_on((uint16_t)atoi(f->w.inst[0].env_port0));
	assert_true(run_until(f, served_one, 5));
	assert_int_equal(events_of(f, "health_status_changed_event", "alive",
	    "true"), 1);
	assert_int_equal(app_int(f, "/hc", "tasksHealthy"), 1);
	assert_int_equal(deployments(f), 0);
	assert_int_equal(orch_app_json(f->o, "/hc", &app), ST_OK);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(json_object_get(app, "app"),
	    "tasks"), 0), "healthCheckResults"), 0), "alive")));
	json_decref(app);
	/* It stops answering: out of DNS at the first failure... */
	close(s);
	assert_true(run_until(f, served_none, 5));
	assert_int_equal(published(f, "/hc"), 1);
	assert_int_equal(app_int(f, "/hc", "tasksUnhealthy"), 1);
	assert_true(events_of(f, "failed_health_check_event", "appId",
	    "/hc") >= 1);
	/* ... killed at the second, and replaced. */
	assert_true(run_until(f, replaced, 5));
	assert_int_equal(f->w.stops, 1);
	assert_int_equal(events_of(f, "unhealthy_task_kill_event", "appId",
	    "/hc"), 1);
	assert_int_equal(events_of(f, "stadion_backoff_event", "appId",
	    "/hc"), 1);
	assert_int_equal(served(f, "/hc"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_launch_and_scale, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exit_replaced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failure_backoff, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_rolling, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_rollback, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_tasks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_adoption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deployment_survives_restart,
		    setup, teardown),
		cmocka_unit_test(test_backoff_schedule),
		cmocka_unit_test(test_alert_window),
		cmocka_unit_test_setup_teardown(test_attempts_stop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backoff_reset, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_health_dns, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
