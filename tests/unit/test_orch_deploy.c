/*
 * test_orch_deploy.c -- what happens to a deployment, through the real
 * orchestrator, LMDB store and registry, over the fake containerizer
 * (orch_fixture.h): drains before stops, failures that roll back (or
 * not), deadlines and the waits that do not count against them, cancels,
 * pause and resume, a deployment that outlives its stadiond, and
 * rollbacks to a version. The strategies themselves (rolling, blue-green,
 * canary) are test_orch_strategy.c's.
 *
 * Health checks are TCP checks on the tasks' PORT0 (FX_HC): a task is
 * healthy once the test listens there (fx_answer), never before. Waits
 * are real time and short (drains and pauses of 1 s); only lower bounds
 * of time are asserted, never speed.
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

#include "orch/orch.h"
#include "orch/orch_int.h"
#include "store/registry.h"
#include "util/error.h"
#include "fake_ctr.h"
#include "orch_fixture.h"

#define APP "/web"

/* Static: a failed assertion leaves the test without freeing anything. */
static struct fx_watch the_watch;

/* ---- small readers */

/* A running fake instance of cmd not answering on its PORT0, or NULL. */
static struct fake_inst *
silent(struct fixture *f, const char *cmd, uint16_t except)
{
	for (size_t i = 0; i < FAKE_INST_MAX; i++) {
		struct fake_inst *in = &f->w.inst[i];

		if (in->used && in->info.state == CTR_S_RUNNING &&
		    strcmp(in->cmd, cmd) == 0 &&
		    (uint16_t)atoi(in->env_port0) != except)
			return in;
	}
	return NULL;
}

/* ---- drains */

static void
test_scale_down_drains(void **state)
{
	struct fixture *f = *state;
	char ids[4096];
	double killing, killed;
	int checked = 0;

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":3,\"upgradeStrategy\":{\"drainSeconds\":1}}", NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_served(f, APP), 3);
	fx_task_ids(f, APP, ids, sizeof(ids));
	assert_int_equal(fx_update(f, APP, "{\"instances\":1}", 0, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	/* Out of DNS at once, still running: no stop sent yet. */
	assert_int_equal(fx_published(f, APP), 1);
	assert_int_equal(fx_served(f, APP), 1);
	assert_int_equal(f->w.stops, 0);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 3);
	assert_int_equal(fx_events_of(f, "status_update_event", "taskStatus",
	    "TASK_KILLING"), 2);
	/* The deployment lasts as long as the drain. */
	assert_int_equal(fx_deployments(f), 1);
	assert_true(fx_run_until(f, fx_no_deployment, 10));
	assert_int_equal(f->w.stops, 2);
	assert_int_equal(f->w.removes, 2);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 1);
	assert_int_equal(fx_published(f, APP), 1);
	/* Each stopped task went drainSeconds after it left DNS, or later. */
	for (char *id = strtok(ids, " "); id; id = strtok(NULL, " ")) {
		killing = fx_event_at(f, "status_update_event", "taskId", id,
		    "taskStatus", "TASK_KILLING");
		killed = fx_event_at(f, "status_update_event", "taskId", id,
		    "taskStatus", "TASK_KILLED");
		if (killing < 0)
			continue;
		assert_true(killed > 0);
		assert_true(killed - killing >= 1.0 - FX_SLACK);
		checked++;
	}
	assert_int_equal(checked, 2);
}

/* Without drainSeconds a drain is the TTL and a second. */
static void
test_drain_is_ttl(void **state)
{
	struct fixture *f = *state;

	fx_orch_ttl(f, 30);
	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_update(f, APP, "{\"instances\":1}", 0, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_published(f, APP), 1);
	/* Well past a drain of 1 s: the task still runs, out of DNS. */
	fx_run_for(f, 1.2);
	assert_int_equal(f->w.stops, 0);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 2);
	assert_int_equal(fx_published(f, APP), 1);
	assert_int_equal(fx_deployments(f), 1);
}

/* ---- failures and rollbacks */

static int
first_serves(struct fixture *f)
{
	return fx_served_cmd(f, APP, "new", NULL) == 1 &&
	    fx_running_cmd(f, "new") == 2 && fx_running_cmd(f, "old") == 1;
}

static void
test_failures_roll_back(void **state)
{
	struct fixture *f = *state;
	struct fx_watch *w = &the_watch;
	struct fake_inst *in;
	uint16_t first_port;
	char s[64];
	size_t last_new = 0;

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"backoffSeconds\":0}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	fx_watch_start(f, w, APP, "old", "new");
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," FX_HC ","
	    "\"upgradeStrategy\":{\"maxSurge\":1,\"maxUnavailable\":0,"
	    "\"drainSeconds\":0,\"failureThreshold\":3}}", 0, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	/* The first new one serves, an old one goes, the second new is up. */
	assert_non_null(in = silent(f, "new", 0));
	first_port = (uint16_t)atoi(in->env_port0);
	fx_listen_on(f, first_port);
	assert_true(fx_run_until(f, first_serves, 10));
	/* Its successors keep dying: three failures of the new config. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fx_events_of(f, "stadion_rollback_event", NULL,
		    NULL), 0);
		assert_non_null(in = silent(f, "new", first_port));
		fake_world_exit(&f->w, in, 1, 0);
		fake_ctr_drain(f->base);
	}
	assert_int_equal(fx_events_of(f, "deployment_failed", "reason",
	    "3 new instances failed (the failureThreshold); rolled back"), 1);
	assert_int_equal(fx_events_of(f, "stadion_rollback_event", "reason",
	    "3 new instances failed (the failureThreshold)"), 1);
	assert_true(fx_plan_events(f, "deployment_info", "Rollback") >= 1);
	assert_true(fx_run_until(f, fx_no_deployment, 10));
	fx_watch_stop(f, w);
	assert_string_equal(fx_app_str(f, APP, "cmd", s, sizeof(s)), "old");
	assert_int_equal(fx_running_cmd(f, "new"), 0);
	assert_int_equal(fx_running_cmd(f, "old"), 2);
	assert_int_equal(fx_served(f, APP), 2);
	/*
	 * Never fewer than two served; the serving new one left DNS only
	 * once two of the original config served.
	 */
	for (size_t i = 0; i < w->n; i++) {
		assert_true(w->s[i].served >= 2);
		if (w->s[i].s_new > 0)
			last_new = i;
	}
	assert_true(last_new + 1 < w->n);
	assert_int_equal(w->s[last_new + 1].s_new, 0);
	assert_int_equal(w->s[last_new + 1].s_old, 2);
	assert_int_equal(w->s[last_new].s_old, 2);
	assert_int_equal(fx_plan_events(f, "deployment_success", "Rollback"),
	    1);
}

static void
test_no_auto_rollback(void **state)
{
	struct fixture *f = *state;
	char s[64];

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"backoffSeconds\":0}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	f->w.fail_creates = 3;
	f->w.fail_msg = "no such image";
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\","
	    "\"upgradeStrategy\":{\"maxSurge\":1,\"maxUnavailable\":0,"
	    "\"drainSeconds\":0,\"failureThreshold\":3,"
	    "\"autoRollback\":false}}", 0, NULL, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.fail_creates, 0);
	assert_int_equal(fx_events_of(f, "deployment_failed", "reason",
	    "3 new instances failed (the failureThreshold)"), 1);
	assert_int_equal(fx_events_of(f, "stadion_rollback_event", NULL, NULL),
	    0);
	assert_int_equal(fx_plan_events(f, "deployment_info", "Rollback"), 0);
	assert_string_equal(fx_app_str(f, APP, "cmd", s, sizeof(s)), "new");
	assert_int_equal(fx_deployments(f), 0);
	assert_true(fx_served(f, APP) >= 2);
}

static int
rolled_back(struct fixture *f)
{
	return fx_events_of(f, "stadion_rollback_event", NULL, NULL) == 1 &&
	    fx_deployments(f) == 0;
}

static void
test_deadline_rolls_back(void **state)
{
	struct fixture *f = *state;
	char s[64];

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":1}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* The new task runs and never becomes healthy. */
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," FX_HC ","
	    "\"upgradeStrategy\":{\"maxSurge\":1,\"maxUnavailable\":0,"
	    "\"drainSeconds\":0,\"progressDeadlineSeconds\":1}}", 0, NULL,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_running_cmd(f, "new"), 1);
	assert_true(fx_run_until(f, rolled_back, 10));
	assert_int_equal(fx_events_of(f, "deployment_failed", "reason",
	    "no progress for 1 s (the progressDeadlineSeconds); rolled back"),
	    1);
	assert_string_equal(fx_app_str(f, APP, "cmd", s, sizeof(s)), "old");
	assert_int_equal(fx_running_cmd(f, "new"), 0);
	assert_int_equal(fx_running_cmd(f, "old"), 1);
	assert_int_equal(fx_served(f, APP), 1);
	assert_int_equal(f->w.creates, 2);
}

static void
test_cancel_is_rollback(void **state)
{
	struct fixture *f = *state;
	char dep[ORCH_UUID_MAX], s[64];
	struct orch_error e;
	json_t *out, *d;

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"upgradeStrategy\":{\"drainSeconds\":0}}", NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," FX_HC "}",
	    0, dep, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_running_cmd(f, "new"), 1);
	memset(&e, 0, sizeof(e));
	assert_int_equal(orch_deployment_cancel(f->o, dep, 0, &out, &e), ST_OK);
	assert_int_equal(orch_deployment_json(f->o, json_string_value(
	    json_object_get(out, "deploymentId")), &d), ST_OK);
	assert_string_equal(json_string_value(json_object_get(d, "strategy")),
	    "Rollback");
	json_decref(d);
	json_decref(out);
	assert_int_equal(fx_events_of(f, "deployment_failed", "reason",
	    "cancelled and rolled back"), 1);
	assert_int_equal(orch_deployment_json(f->o, dep, &d), ST_ENOTFOUND);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_deployments(f), 0);
	assert_string_equal(fx_app_str(f, APP, "cmd", s, sizeof(s)), "old");
	assert_int_equal(fx_running_cmd(f, "new"), 0);
	assert_int_equal(fx_running_cmd(f, "old"), 2);
	assert_int_equal(f->w.creates, 3);
	orch_error_clear(&e);
}

/* ---- waits of a deployment's own are no lack of progress */

static void
test_holds_not_deadline(void **state)
{
	struct fixture *f = *state;
	char s[64];
	json_t *d;

	/*
	 * A canary pause and a batch interval of 2 s, a deadline of 1 s:
	 * the deadline runs only while the deployment waits for tasks.
	 */
	assert_int_equal(fx_create(f, "{\"id\":\"/cn\",\"cmd\":\"cn-old\","
	    "\"instances\":2,\"upgradeStrategy\":{\"type\":\"Canary\","
	    "\"drainSeconds\":0,\"progressDeadlineSeconds\":1,"
	    "\"steps\":[{\"setWeight\":50},{\"pause\":{\"duration\":2}}]}}",
	    NULL), ST_OK);
	assert_int_equal(fx_create(f, "{\"id\":\"/bt\",\"cmd\":\"bt-old\","
	    "\"instances\":4,\"upgradeStrategy\":{\"drainSeconds\":0,"
	    "\"progressDeadlineSeconds\":1,\"batchSize\":\"50%\","
	    "\"batchIntervalSeconds\":2}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_deployments(f), 0);
	assert_int_equal(fx_update(f, "/cn", "{\"cmd\":\"cn-new\"}", 0, NULL,
	    NULL), ST_OK);
	assert_int_equal(fx_update(f, "/bt", "{\"cmd\":\"bt-new\"}", 0, NULL,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* The first batch: half of 4 replaced, then the interval. */
	assert_non_null(d = fx_deployment(f, "/bt"));
	assert_int_equal(json_integer_value(json_object_get(d, "batchTarget")),
	    2);
	assert_int_equal(json_integer_value(json_object_get(d, "currentStep")),
	    1);
	assert_int_equal(json_integer_value(json_object_get(d, "totalSteps")),
	    2);
	snprintf(s, sizeof(s), "%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(json_array_get(json_object_get(d,
	    "steps"), 0), "actions"), 0), "description")));
	assert_non_null(strstr(s, "batch 1 of 2"));
	json_decref(d);
	assert_int_equal(fx_served_cmd(f, "/bt", "bt-new", NULL), 2);
	assert_int_equal(fx_running_cmd(f, "bt-old"), 2);
	assert_int_equal(fx_deployments(f), 2);
	assert_true(fx_run_until(f, fx_no_deployment, 10));
	assert_int_equal(fx_events_of(f, "deployment_failed", NULL, NULL), 0);
	assert_int_equal(fx_events_of(f, "stadion_rollback_event", NULL, NULL),
	    0);
	assert_int_equal(fx_running_cmd(f, "cn-new"), 2);
	assert_int_equal(fx_running_cmd(f, "bt-new"), 4);
	assert_int_equal(fx_running_cmd(f, "cn-old") + fx_running_cmd(f,
	    "bt-old"), 0);
}

/*
 * Blue-green's scaleDownDelaySeconds longer than progressDeadlineSeconds:
 * after its switch the deployment only waits on its own timer, which the
 * deadline does not count (the delay is one timer, no pass in between):
 * the old set is stopped, nothing is rolled back.
 */
static void
test_blue_green_delay_not_deadline(void **state)
{
	struct fixture *f = *state;
	char s[64];

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"upgradeStrategy\":{\"type\":\"BlueGreen\","
	    "\"drainSeconds\":0,\"progressDeadlineSeconds\":1,"
	    "\"scaleDownDelaySeconds\":2}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"}", 0, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_string_equal(fx_dep_str(f, APP, "phase", s, sizeof(s)),
	    "switched");
	assert_true(fx_run_until(f, fx_no_deployment, 10));
	assert_int_equal(fx_events_of(f, "deployment_failed", NULL, NULL), 0);
	assert_int_equal(fx_events_of(f, "stadion_rollback_event", NULL, NULL),
	    0);
	assert_string_equal(fx_app_str(f, APP, "cmd", s, sizeof(s)), "new");
	assert_int_equal(fx_served_cmd(f, APP, "new", NULL), 2);
	assert_int_equal(fx_running_cmd(f, "old"), 0);
}

/* ---- pause and resume */

static int
new_serves(struct fixture *f)
{
	return fx_served_cmd(f, APP, "new", NULL) == 1;
}

static void
test_pause_resume(void **state)
{
	struct fixture *f = *state;
	char dep[ORCH_UUID_MAX];
	json_t *view;

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"upgradeStrategy\":{\"maxSurge\":1,"
	    "\"maxUnavailable\":0,\"drainSeconds\":0}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* A scaling replaces nothing: nothing to pause. */
	assert_int_equal(fx_update(f, APP, "{\"instances\":3}", 0, dep, NULL),
	    ST_OK);
	assert_int_equal(fx_pause(f, dep, 1, NULL), ST_ECONFLICT);
	assert_int_equal(fx_pause(f, "no-such-deployment", 1, NULL),
	    ST_ENOTFOUND);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_update(f, APP, "{\"instances\":2}", 0, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 3);

	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," FX_HC "}",
	    0, dep, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(fx_pause(f, dep, 1, &view), ST_OK);
	assert_true(json_is_true(json_object_get(view, "paused")));
	json_decref(view);
	/* Paused: the new one is healthy, yet none goes and none comes. */
	fx_answer(f, "new");
	assert_true(fx_run_until(f, new_serves, 10));
	fx_run_for(f, 0.5);
	assert_true(fx_dep_int(f, APP, "paused"));
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(fx_running_cmd(f, "old"), 2);
	assert_int_equal(fx_served(f, APP), 3);
	/* Pausing again changes nothing. */
	assert_int_equal(fx_pause(f, dep, 1, NULL), ST_OK);
	assert_int_equal(fx_pause(f, dep, 0, &view), ST_OK);
	assert_false(json_is_true(json_object_get(view, "paused")));
	json_decref(view);
	assert_true(fx_run_until(f, fx_new_answered_done, 20));
	assert_int_equal(fx_running_cmd(f, "old"), 0);
	assert_int_equal(fx_served_cmd(f, APP, "new", NULL), 2);
	assert_int_equal(f->w.creates, 5);
}

/* ---- a deployment outlives its stadiond */

static void
test_canary_survives_restart(void **state)
{
	struct fixture *f = *state;
	char dep[ORCH_UUID_MAX], before[4096], after[4096], s[64];

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"upgradeStrategy\":{\"type\":\"Canary\","
	    "\"drainSeconds\":0,\"steps\":[{\"setWeight\":50},"
	    "{\"pause\":{}}]}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"}", 0, dep, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_true(fx_dep_int(f, APP, "paused"));
	fx_assert_share(f, APP, 50, 1, 1);
	fx_task_ids(f, APP, before, sizeof(before));
	fx_orch_down(f);
	fx_orch_up(f);
	/* The same deployment, where it was; the same tasks, none new. */
	assert_string_equal(fx_dep_str(f, APP, "id", s, sizeof(s)), dep);
	assert_true(fx_dep_int(f, APP, "paused"));
	assert_int_equal(fx_dep_int(f, APP, "canaryStep"), 1);
	assert_int_equal(fx_dep_int(f, APP, "weight"), 50);
	fx_task_ids(f, APP, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(f->w.creates, 3);
	fx_assert_share(f, APP, 50, 1, 1);
	assert_int_equal(fx_pause(f, dep, 0, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_deployments(f), 0);
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 2);
	assert_int_equal(fx_running_cmd(f, "new"), 2);
	assert_int_equal(fx_published(f, APP), 2);
	fx_assert_share(f, APP, 100, 2, 0);
}

static void
test_rolling_survives_restart(void **state)
{
	struct fixture *f = *state;
	char dep[ORCH_UUID_MAX], s[64];

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"upgradeStrategy\":{\"maxSurge\":1,"
	    "\"maxUnavailable\":0,\"drainSeconds\":0}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," FX_HC "}",
	    0, dep, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_running_cmd(f, "new"), 1);
	/* Down while the new task has not passed its check yet. */
	fx_orch_down(f);
	fx_orch_up(f);
	assert_string_equal(fx_dep_str(f, APP, "id", s, sizeof(s)), dep);
	assert_int_equal(f->w.creates, 3);
	fx_answer(f, "new");
	assert_true(fx_run_until(f, new_serves, 10));
	assert_true(fx_run_until(f, fx_new_answered_done, 20));
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 2);
	assert_int_equal(fx_running_cmd(f, "new"), 2);
	assert_int_equal(fx_served(f, APP), 2);
}

/* ---- back to a version */

static void
test_put_version(void **state)
{
	struct fixture *f = *state;
	char dep[ORCH_UUID_MAX], body[128], v_a[64], s[64];
	json_t *vers, *deps = NULL;

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"a\","
	    "\"instances\":2,\"upgradeStrategy\":{\"drainSeconds\":0}}", NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(orch_app_versions_json(f->o, APP, &vers), ST_OK);
	snprintf(v_a, sizeof(v_a), "%s", json_string_value(json_array_get(
	    json_object_get(vers, "versions"), 0)));
	json_decref(vers);
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"b\"}", 0, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_running_cmd(f, "b"), 2);
	snprintf(body, sizeof(body), "{\"version\":\"%s\"}", v_a);
	assert_int_equal(fx_update(f, APP, body, 0, NULL, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_string_equal(fx_app_str(f, APP, "cmd", s, sizeof(s)), "a");
	assert_int_equal(fx_running_cmd(f, "a"), 2);
	assert_int_equal(fx_running_cmd(f, "b"), 0);
	assert_int_equal(f->w.creates, 6);
	assert_int_equal(fx_deployments(f), 0);

	/* Locked by a deployment in progress: 409, unless forced. */
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"c\"," FX_HC "}", 0, dep,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_running_cmd(f, "c"), 1);
	assert_int_equal(fx_update(f, APP, body, 0, NULL, &deps),
	    ST_ECONFLICT);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    deps, 0), "id")), dep);
	json_decref(deps);
	assert_int_equal(fx_update(f, APP, body, 1, NULL, NULL), ST_OK);
	fake_ctr_drain(f->base);
	/* The tasks of config a are current again: kept, none launched. */
	assert_int_equal(fx_deployments(f), 0);
	assert_string_equal(fx_app_str(f, APP, "cmd", s, sizeof(s)), "a");
	assert_int_equal(fx_running_cmd(f, "a"), 2);
	assert_int_equal(fx_running_cmd(f, "c"), 0);
	assert_int_equal(f->w.creates, 7);
	assert_int_equal(fx_update(f, APP, "{\"version\":"
	    "\"2001-01-01T00:00:00.000Z\"}", 0, NULL, NULL), ST_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_scale_down_drains),
		FX_TEST(test_drain_is_ttl),
		FX_TEST(test_failures_roll_back),
		FX_TEST(test_no_auto_rollback),
		FX_TEST(test_deadline_rolls_back),
		FX_TEST(test_cancel_is_rollback),
		FX_TEST(test_holds_not_deadline),
		FX_TEST(test_blue_green_delay_not_deadline),
		FX_TEST(test_pause_resume),
		FX_TEST(test_canary_survives_restart),
		FX_TEST(test_rolling_survives_restart),
		FX_TEST(test_put_version),
	};

	/* Apart from test_orch's and test_orch_strategy's (run at once). */
	fx_port_min = 41200;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
