/*
 * test_orch_strategy.c -- the upgrade strategies through the real
 * orchestrator, LMDB store and registry, over the fake containerizer
 * (orch_fixture.h): rolling updates that keep n instances served,
 * blue-green switches in one registry change (and back, on a cancel),
 * their old sets stopped no sooner than the delay or the drain, and
 * canary weights with timed pauses and pauses that wait for a resume.
 * Failures, drains, pause and resume, restarts and rollbacks to a
 * version are test_orch_deploy.c's.
 *
 * Health checks are TCP checks on the tasks' PORT0 (FX_HC): a task is
 * healthy once the test listens there (fx_answer), never before. Waits
 * are real time and short; only lower bounds of time are asserted, never
 * speed.
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
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," FX_HC "}",
	    0, dep, NULL), ST_OK);
	assert_string_equal(fx_dep_str(f, APP, "strategy", s, sizeof(s)),
	    "RollingUpdate");
	assert_true(fx_run_until(f, fx_new_answered_done, 20));
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
	assert_true(fx_run_until(f, fx_no_deployment, 10));
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
		assert_true(stop - switched >= wait - FX_SLACK);
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
	assert_string_equal(fx_app_str(f, APP, "cmd", s, sizeof(s)), "old");
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
	assert_int_equal(fx_update(f, APP, "{\"cmd\":\"new\"," FX_HC "}",
	    0, dep, NULL), ST_OK);
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
	fx_assert_share(f, APP, 25, 1, 3);
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
	fx_assert_share(f, APP, 50, 2, 2);
	assert_int_equal(f->w.creates, 6);
	fx_run_for(f, 0.5);
	assert_true(fx_dep_int(f, APP, "paused"));
	assert_int_equal(fx_dep_int(f, APP, "canaryStep"), 3);
	assert_int_equal(f->w.creates, 6);
	fx_assert_share(f, APP, 50, 2, 2);
	/* Resumed: all new, every weight 1 again. */
	assert_int_equal(fx_pause(f, dep, 0, &view), ST_OK);
	assert_false(json_is_true(json_object_get(view, "paused")));
	json_decref(view);
	fake_ctr_drain(f->base);
	assert_int_equal(fx_deployments(f), 0);
	fx_assert_share(f, APP, 100, 4, 0);
	assert_int_equal(fx_served_cmd(f, APP, "new", &wsum), 4);
	assert_int_equal(wsum, 4);
	assert_int_equal(fx_running_cmd(f, "old"), 0);
	assert_int_equal(f->w.creates, 8);
	assert_int_equal(fx_plan_events(f, "deployment_success", "Canary"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_rolling_keeps_served),
		FX_TEST(test_blue_green),
		FX_TEST(test_blue_green_waits_drain),
		FX_TEST(test_blue_green_cancel),
		FX_TEST(test_blue_green_force_cancel),
		FX_TEST(test_canary),
	};

	/* Apart from test_orch's and test_orch_deploy's (run at once). */
	fx_port_min = 41400;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
