/*
 * test_orch_deploy.c -- deployments through the real orchestrator, LMDB
 * store and registry, over the fake containerizer (orch_fixture.h):
 * drains before stops, rolling updates that keep n instances served,
 * blue-green switches in one registry change, canary weights and pauses,
 * failures that roll back (or not), cancels, pause and resume, a
 * deployment that outlives its stadiond, and rollbacks to a version.
 *
 * Health checks are TCP checks on the tasks' PORT0: a task is healthy
 * once the test listens there (fx_answer), never before. Waits are real
 * time and short (drains and pauses of 1 s); only lower bounds of time
 * are asserted, never speed.
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

/*
 * The daemon reads the clock a moment before the write whose commit the
 * test times: a wait measured from that commit may come out a little
 * short. A stop sent too early would come out short by the whole wait.
 */
#define SLACK 0.05

/* Static: a failed assertion leaves the test without freeing anything. */
static struct fx_watch the_watch;

/* A TCP check that passes only when the test answers; never kills. */
#define HC "\"healthChecks\":[{\"protocol\":\"TCP\",\"intervalSeconds\":1," \
    "\"timeoutSeconds\":1,\"gracePeriodSeconds\":300," \
    "\"maxConsecutiveFailures\":0}]"

/* ---- small readers */

static const char *
app_cmd(struct fixture *f, char *out, size_t size)
{
	return fx_app_str(f, APP, "cmd", out, size);
}

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

static int
pause_dep(struct fixture *f, const char *id, int pause, json_t **view)
{
	struct orch_error e;
	json_t *out = NULL;
	int err;

	memset(&e, 0, sizeof(e));
	err = orch_deployment_pause(f->o, id, pause, &out, &e);
	orch_error_clear(&e);
	if (view)
		*view = out;
	else
		json_decref(out);
	return err;
}

static int
no_deployment(struct fixture *f)
{
	return fx_deployments(f) == 0;
}

/* Every new task answers its check; true once the deployment is over. */
static int
answered_done(struct fixture *f)
{
	fx_answer(f, "new");
	return fx_deployments(f) == 0;
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
	assert_true(fx_run_until(f, no_deployment, 10));
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
		assert_true(killed - killing >= 1.0 - SLACK);
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

/* ---- rolling update */

static void
test_rolling_keeps_served(void **state)
{
	struct fixture *f = *state;
	struct fx_watch *w = &the_watch;
	char dep[ORCH_UUID_MAX], s[64];

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":3,\"upgradeStrategy\":{\"maxSurge\":1,"
	    "\"maxUnavailable\":0,\"drainSeconds\":0}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_served(f, APP), 3);
	f->w.max_running = f->w.running;
	fx_watch_start(f, w, APP, "old", "new");
	/* New tasks are published "starting" and served once healthy. */
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," HC "}", 0, dep,
	    NULL), ST_OK);
	assert_string_equal(fx_dep_str(f, APP, "strategy", s, sizeof(s)),
	    "RollingUpdate");
	assert_true(fx_run_until(f, answered_done, 20));
	fx_watch_stop(f, w);
	for (size_t i = 0; i < w->n; i++) {
		assert_true(w->s[i].served >= 3);
		assert_true(w->s[i].published <= 4);
	}
	/* New ones served beside the three old ones before any old went. */
	assert_int_equal(w->s[0].s_old, 3);
	assert_int_equal(w->s[0].served, 3);
	{
		size_t i = 0;

		while (i < w->n && w->s[i].s_old == 3)
			i++;
		assert_true(i > 0 && i < w->n);
		assert_int_equal(w->s[i - 1].served, 4);
	}
	assert_int_equal(f->w.max_running, 4);
	assert_int_equal(f->w.creates, 6);
	assert_int_equal(f->w.stops, 3);
	assert_int_equal(fx_served_cmd(f, APP, "new", NULL), 3);
	assert_int_equal(fx_running_cmd(f, "old"), 0);
	assert_int_equal(fx_events_of(f, "deployment_success", NULL, NULL), 2);
}

/* ---- blue-green */

static int
new_took_over(struct fixture *f)
{
	fx_answer(f, "new");
	return fx_served_cmd(f, APP, "new", NULL) == 2 &&
	    fx_served_cmd(f, APP, "old", NULL) == 0 &&
	    fx_running_cmd(f, "old") == 0;
}

/* Served sets: only old (2, 0) or only new (0, 2); one change between. */
static double
assert_one_switch(const struct fx_watch *w, unsigned n)
{
	double at = 0;
	int switches = 0;

	for (size_t i = 0; i < w->n; i++) {
		const struct fx_seen *s = &w->s[i];

		assert_true((s->s_old == (int)n && s->s_new == 0) ||
		    (s->s_old == 0 && s->s_new == (int)n));
		if (i > 0 && s->s_new != w->s[i - 1].s_new) {
			switches++;
			at = s->at;
		}
	}
	assert_int_equal(switches, 1);
	return at;
}

/*
 * A blue-green deployment of 2 with upgradeStrategy us: the served set is
 * only the old one, then only the new one, switched in one change (the
 * third: two standby launches come first); the old set runs on, out of
 * DNS, and is stopped no sooner than wait seconds after the switch. With
 * listed, it stays listed (health "standby") right after the switch.
 */
static void
blue_green(struct fixture *f, const char *us, double wait, int listed)
{
	struct fx_watch *w = &the_watch;
	char body[512], s[64], old_ids[4096];
	double switched, stop;

	snprintf(body, sizeof(body), "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"upgradeStrategy\":%s}", us);
	assert_int_equal(fx_create(f, body, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_served(f, APP), 2);
	fx_task_ids(f, APP, old_ids, sizeof(old_ids));
	fx_watch_start(f, w, APP, "old", "new");
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"}", 0, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	switched = assert_one_switch(w, 2);
	assert_true(w->n >= 3);
	/* One commit (one call of registry_on_change), four instances in it. */
	assert_true(w->s[2].index > w->s[1].index);
	assert_int_equal(w->s[1].s_new, 0);
	assert_int_equal(w->s[1].published, 4);
	assert_int_equal(w->s[2].s_new, 2);
	assert_int_equal(fx_served_cmd(f, APP, "new", NULL), 2);
	assert_int_equal(fx_served_cmd(f, APP, "old", NULL), 0);
	assert_string_equal(fx_dep_str(f, APP, "strategy", s, sizeof(s)),
	    "BlueGreen");
	assert_string_equal(fx_dep_str(f, APP, "phase", s, sizeof(s)),
	    "switched");
	assert_int_equal(fx_dep_int(f, APP, "currentStep"), 3);
	assert_int_equal(fx_dep_int(f, APP, "totalSteps"), 3);
	/* The old set runs on, out of DNS. */
	assert_int_equal(fx_running_cmd(f, "old"), 2);
	assert_int_equal(f->w.stops, 0);
	if (listed)
		assert_int_equal(fx_published(f, APP), 4);
	assert_true(fx_run_until(f, no_deployment, 10));
	fx_watch_stop(f, w);
	assert_one_switch(w, 2);
	assert_int_equal(fx_running_cmd(f, "old"), 0);
	assert_int_equal(fx_served_cmd(f, APP, "new", NULL), 2);
	assert_int_equal(fx_published(f, APP), 2);
	assert_int_equal(f->w.stops, 2);
	/* Gone (stopped and removed) no sooner than wait after the switch. */
	for (char *id = strtok(old_ids, " "); id; id = strtok(NULL, " ")) {
		stop = fx_event_at(f, "status_update_event", "taskId", id,
		    "taskStatus", "TASK_KILLED");
		assert_true(stop > 0);
		assert_true(stop - switched >= wait - SLACK);
	}
}

static void
test_blue_green(void **state)
{
	blue_green(*state, "{\"type\":\"BlueGreen\","
	    "\"scaleDownDelaySeconds\":1,\"drainSeconds\":0}", 1.0, 1);
}

/*
 * The old set is stopped max(scaleDownDelaySeconds, drain) after the
 * switch (doc/app-definition.md): resolvers may hold its records a TTL.
 */
static void
test_blue_green_waits_drain(void **state)
{
	blue_green(*state, "{\"type\":\"BlueGreen\","
	    "\"scaleDownDelaySeconds\":0,\"drainSeconds\":1}", 1.0, 0);
}

/* A cancel after the switch switches back, again in one change. */
static void
test_blue_green_cancel(void **state)
{
	struct fixture *f = *state;
	struct fx_watch *w = &the_watch;
	char dep[ORCH_UUID_MAX], s[64];
	struct orch_error e;
	json_t *out;

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"upgradeStrategy\":{\"type\":\"BlueGreen\","
	    "\"scaleDownDelaySeconds\":60,\"drainSeconds\":0}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"}", 0, dep, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_string_equal(fx_dep_str(f, APP, "phase", s, sizeof(s)),
	    "switched");
	fx_watch_start(f, w, APP, "old", "new");
	memset(&e, 0, sizeof(e));
	assert_int_equal(orch_deployment_cancel(f->o, dep, 0, &out, &e), ST_OK);
	json_decref(out);
	assert_string_equal(fx_dep_str(f, APP, "strategy", s, sizeof(s)),
	    "Rollback");
	fake_ctr_drain(f->base);
	fx_watch_stop(f, w);
	/* First change: the old set back in, the new one out, at once. */
	assert_int_equal(w->s[0].s_old, 2);
	assert_int_equal(w->s[0].s_new, 0);
	for (size_t i = 0; i < w->n; i++)
		assert_int_equal(w->s[i].s_old, 2);
	assert_int_equal(fx_deployments(f), 0);
	assert_int_equal(fx_running_cmd(f, "new"), 0);
	assert_int_equal(fx_running_cmd(f, "old"), 2);
	assert_string_equal(app_cmd(f, s, sizeof(s)), "old");
}

/*
 * Cancelled by force before its switch, with the new set not healthy yet:
 * the deployment is gone, the app keeps its new config, and the
 * reconciler replaces the old set within the limits (maxUnavailable 0 of
 * 2 here): the old set serves until new tasks are healthy.
 *
 * The new set is switched in only once it is ready: an early switch would
 * leave nothing served. Another app created here makes a pass come at
 * once besides the one the cancel asks for.
 */
static void
test_blue_green_force_cancel(void **state)
{
	struct fixture *f = *state;
	char dep[ORCH_UUID_MAX];
	struct orch_error e;
	json_t *out = NULL;

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":2,\"upgradeStrategy\":{\"type\":\"BlueGreen\","
	    "\"scaleDownDelaySeconds\":0,\"drainSeconds\":0}}", NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," HC "}", 0, dep,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_running_cmd(f, "new"), 2);
	assert_int_equal(fx_served_cmd(f, APP, "old", NULL), 2);
	memset(&e, 0, sizeof(e));
	assert_int_equal(orch_deployment_cancel(f->o, dep, 1, &out, &e), ST_OK);
	assert_null(out);
	assert_int_equal(fx_create(f, "{\"id\":\"/other\",\"cmd\":\"other\"}",
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_running_cmd(f, "other"), 1);
	assert_int_equal(fx_deployments(f), 0);
	assert_int_equal(fx_served_cmd(f, APP, "old", NULL), 2);
	assert_int_equal(fx_running_cmd(f, "old"), 2);
	/* Healthy, the new set takes over and none of it stands by. */
	fx_answer(f, "new");
	assert_true(fx_run_until(f, new_took_over, 10));
	assert_int_equal(fx_published(f, APP), 2);
	assert_int_equal(fx_running_cmd(f, "old"), 0);
	orch_error_clear(&e);
}

/* ---- canary */

/* The new served instances get pct % of the SRV weight. */
static void
assert_share(struct fixture *f, unsigned pct, int n_new, int n_old)
{
	unsigned w_new, w_old;

	assert_int_equal(fx_served_cmd(f, APP, "new", &w_new), n_new);
	assert_int_equal(fx_served_cmd(f, APP, "old", &w_old), n_old);
	assert_true(w_new + w_old > 0);
	assert_int_equal(w_new * 100, pct * (w_new + w_old));
}

static int
canary_waits(struct fixture *f)
{
	json_t *d = fx_deployment(f, APP);
	int yes = d && json_integer_value(json_object_get(d,
	    "canaryStep")) == 3 && json_is_true(json_object_get(d, "paused"));

	json_decref(d);
	return yes;
}

static void
test_canary(void **state)
{
	struct fixture *f = *state;
	char dep[ORCH_UUID_MAX], s[64];
	double step2, step3;
	unsigned wsum;
	json_t *d, *view;

	assert_int_equal(fx_create(f, "{\"id\":\"" APP "\",\"cmd\":\"old\","
	    "\"instances\":4,\"upgradeStrategy\":{\"type\":\"Canary\","
	    "\"drainSeconds\":0,\"steps\":[{\"setWeight\":25},"
	    "{\"pause\":{\"duration\":1}},{\"setWeight\":50},{\"pause\":{}}]}}",
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_served(f, APP), 4);
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"}", 0, dep, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	/* setWeight 25 of 4: one new instance with a quarter of the weight. */
	assert_string_equal(fx_dep_str(f, APP, "strategy", s, sizeof(s)),
	    "Canary");
	assert_int_equal(fx_dep_int(f, APP, "totalSteps"), 5);
	assert_int_equal(fx_dep_int(f, APP, "currentStep"), 2);
	assert_int_equal(fx_dep_int(f, APP, "canaryStep"), 1);
	assert_int_equal(fx_dep_int(f, APP, "weight"), 25);
	assert_false(fx_dep_int(f, APP, "paused"));
	assert_share(f, 25, 1, 3);
	d = fx_deployment(f, APP);
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(json_object_get(d, "steps"), 0),
	    "actions"), 0), "description")), "setWeight 25"));
	json_decref(d);
	step2 = fx_dep_num(f, APP, "stepAt");
	/* The timed pause passes; the next pause waits for a resume. */
	assert_true(fx_run_until(f, canary_waits, 10));
	step3 = fx_dep_num(f, APP, "stepAt");
	assert_true(step3 - step2 >= 1.0);
	assert_int_equal(fx_dep_int(f, APP, "currentStep"), 4);
	assert_int_equal(fx_dep_int(f, APP, "weight"), 50);
	assert_share(f, 50, 2, 2);
	assert_int_equal(f->w.creates, 6);
	fx_run_for(f, 0.5);
	assert_true(fx_dep_int(f, APP, "paused"));
	assert_int_equal(fx_dep_int(f, APP, "canaryStep"), 3);
	assert_int_equal(f->w.creates, 6);
	assert_share(f, 50, 2, 2);
	/* Resumed: all new, every weight 1 again. */
	assert_int_equal(pause_dep(f, dep, 0, &view), ST_OK);
	assert_false(json_is_true(json_object_get(view, "paused")));
	json_decref(view);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_deployments(f), 0);
	assert_share(f, 100, 4, 0);
	assert_int_equal(fx_served_cmd(f, APP, "new", &wsum), 4);
	assert_int_equal(wsum, 4);
	assert_int_equal(fx_running_cmd(f, "old"), 0);
	assert_int_equal(f->w.creates, 8);
	assert_int_equal(fx_plan_events(f, "deployment_success", "Canary"), 1);
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
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," HC ","
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
	assert_true(fx_run_until(f, no_deployment, 10));
	fx_watch_stop(f, w);
	assert_string_equal(app_cmd(f, s, sizeof(s)), "old");
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
	assert_string_equal(app_cmd(f, s, sizeof(s)), "new");
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
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," HC ","
	    "\"upgradeStrategy\":{\"maxSurge\":1,\"maxUnavailable\":0,"
	    "\"drainSeconds\":0,\"progressDeadlineSeconds\":1}}", 0, NULL,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_running_cmd(f, "new"), 1);
	assert_true(fx_run_until(f, rolled_back, 10));
	assert_int_equal(fx_events_of(f, "deployment_failed", "reason",
	    "no progress for 1 s (the progressDeadlineSeconds); rolled back"),
	    1);
	assert_string_equal(app_cmd(f, s, sizeof(s)), "old");
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
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," HC "}", 0, dep,
	    NULL), ST_OK);
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
	assert_string_equal(app_cmd(f, s, sizeof(s)), "old");
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
	assert_true(fx_run_until(f, no_deployment, 10));
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
	assert_true(fx_run_until(f, no_deployment, 10));
	assert_int_equal(fx_events_of(f, "deployment_failed", NULL, NULL), 0);
	assert_int_equal(fx_events_of(f, "stadion_rollback_event", NULL, NULL),
	    0);
	assert_string_equal(app_cmd(f, s, sizeof(s)), "new");
	assert_int_equal(fx_served_cmd(f, APP, "new", NULL), 2);
	assert_int_equal(fx_running_cmd(f, "old"), 0);
}

/* ---- pause and resume */

static int
first_healthy(struct fixture *f)
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
	assert_int_equal(pause_dep(f, dep, 1, NULL), ST_ECONFLICT);
	assert_int_equal(pause_dep(f, "no-such-deployment", 1, NULL),
	    ST_ENOTFOUND);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_update(f, APP, "{\"instances\":2}", 0, NULL, NULL),
	    ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 3);

	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," HC "}", 0, dep,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(pause_dep(f, dep, 1, &view), ST_OK);
	assert_true(json_is_true(json_object_get(view, "paused")));
	json_decref(view);
	/* Paused: the new one is healthy, yet none goes and none comes. */
	fx_answer(f, "new");
	assert_true(fx_run_until(f, first_healthy, 10));
	fx_run_for(f, 0.5);
	assert_true(fx_dep_int(f, APP, "paused"));
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(fx_running_cmd(f, "old"), 2);
	assert_int_equal(fx_served(f, APP), 3);
	/* Pausing again changes nothing. */
	assert_int_equal(pause_dep(f, dep, 1, NULL), ST_OK);
	assert_int_equal(pause_dep(f, dep, 0, &view), ST_OK);
	assert_false(json_is_true(json_object_get(view, "paused")));
	json_decref(view);
	assert_true(fx_run_until(f, answered_done, 20));
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
	assert_share(f, 50, 1, 1);
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
	assert_share(f, 50, 1, 1);
	assert_int_equal(pause_dep(f, dep, 0, NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_deployments(f), 0);
	assert_int_equal(f->w.creates, 4);
	assert_int_equal(fake_world_count(&f->w, CTR_S_RUNNING), 2);
	assert_int_equal(fx_running_cmd(f, "new"), 2);
	assert_int_equal(fx_published(f, APP), 2);
	assert_share(f, 100, 2, 0);
}

static int
new_serves(struct fixture *f)
{
	return fx_served_cmd(f, APP, "new", NULL) == 1;
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
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," HC "}", 0, dep,
	    NULL), ST_OK);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_running_cmd(f, "new"), 1);
	/* Down while the new task has not passed its check yet. */
	fx_orch_down(f);
	fx_orch_up(f);
	assert_string_equal(fx_dep_str(f, APP, "id", s, sizeof(s)), dep);
	assert_int_equal(f->w.creates, 3);
	fx_answer(f, "new");
	assert_true(fx_run_until(f, new_serves, 10));
	assert_true(fx_run_until(f, answered_done, 20));
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
	assert_string_equal(app_cmd(f, s, sizeof(s)), "a");
	assert_int_equal(fx_running_cmd(f, "a"), 2);
	assert_int_equal(fx_running_cmd(f, "b"), 0);
	assert_int_equal(f->w.creates, 6);
	assert_int_equal(fx_deployments(f), 0);

	/* Locked by a deployment in progress: 409, unless forced. */
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"c\"," HC "}", 0, dep,
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
	assert_string_equal(app_cmd(f, s, sizeof(s)), "a");
	assert_int_equal(fx_running_cmd(f, "a"), 2);
	assert_int_equal(fx_running_cmd(f, "c"), 0);
	assert_int_equal(f->w.creates, 7);
	assert_int_equal(fx_update(f, APP, "{\"version\":"
	    "\"2001-01-01T00:00:00.000Z\"}", 0, NULL, NULL), ST_ENOTFOUND);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_scale_down_drains),
		T(test_drain_is_ttl),
		T(test_rolling_keeps_served),
		T(test_blue_green),
		T(test_blue_green_waits_drain),
		T(test_blue_green_cancel),
		T(test_blue_green_force_cancel),
		T(test_canary),
		T(test_failures_roll_back),
		T(test_no_auto_rollback),
		T(test_deadline_rolls_back),
		T(test_cancel_is_rollback),
		T(test_holds_not_deadline),
		T(test_blue_green_delay_not_deadline),
		T(test_pause_resume),
		T(test_canary_survives_restart),
		T(test_rolling_survives_restart),
		T(test_put_version),
	};
#undef T

	/* Apart from test_orch's, which may run at the same time. */
	fx_port_min = 41200;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
