/*
 * test_health_state.c -- one health check's state machine, its
 * parameters, its JSON and the combined status, on a clock of plain
 * numbers: no loop, no sleeps.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "health/health.h"
#include "util/error.h"

/* ---- the state machine */

static struct health_params
params(double grace, double interval, unsigned max_failures)
{
	struct health_params p = { grace, interval, 20, 15, max_failures };

	return p;
}

static void
test_state_grace(void **state)
{
	struct health_params p = params(10, 60, 3);
	struct health_state s;

	health_state_init(&s);
	assert_int_equal(s.status, HEALTH_STARTING);
	/* Inside the grace period, before a success: not even recorded. */
	assert_int_equal(health_state_apply(&s, &p, 1000, 1005, 0, "no"), 0);
	assert_int_equal(s.consecutive_failures, 0);
	assert_true(s.last_failure == 0);
	assert_string_equal(s.last_failure_cause, "");
	/* After it, failures count, and the task is still starting. */
	assert_int_equal(health_state_apply(&s, &p, 1000, 1010, 0, "late"), 0);
	assert_int_equal(s.status, HEALTH_STARTING);
	assert_int_equal(s.consecutive_failures, 1);
	assert_true(s.last_failure == 1010);
	assert_string_equal(s.last_failure_cause, "late");
	assert_false(s.alive);
	/* The first success ends the grace: a failure inside it counts. */
	health_state_init(&s);
	p.grace_s = 300;
	assert_int_equal(health_state_apply(&s, &p, 1000, 1001, 1, NULL), 1);
	assert_int_equal(health_state_apply(&s, &p, 1000, 1002, 0, "x"), 1);
	assert_int_equal(s.status, HEALTH_UNHEALTHY);
	assert_int_equal(s.consecutive_failures, 1);
}

static void
test_state_success_failure(void **state)
{
	struct health_params p = params(0, 60, 3);
	struct health_state s;

	health_state_init(&s);
	assert_int_equal(health_state_apply(&s, &p, 1000, 1001, 1, NULL), 1);
	assert_int_equal(s.status, HEALTH_HEALTHY);
	assert_true(s.alive);
	assert_true(s.first_success == 1001 && s.last_success == 1001);
	/* A failure after a success: unhealthy at once. */
	assert_int_equal(health_state_apply(&s, &p, 1000, 1002, 0, "a"), 1);
	assert_int_equal(s.status, HEALTH_UNHEALTHY);
	assert_false(s.alive);
	assert_int_equal(health_state_apply(&s, &p, 1000, 1003, 0, "b"), 0);
	assert_int_equal(s.consecutive_failures, 2);
	assert_string_equal(s.last_failure_cause, "b");
	/* A success clears the count and keeps the first success. */
	assert_int_equal(health_state_apply(&s, &p, 1000, 1004, 1, NULL), 1);
	assert_int_equal(s.status, HEALTH_HEALTHY);
	assert_int_equal(s.consecutive_failures, 0);
	assert_true(s.first_success == 1001 && s.last_success == 1004);
	assert_true(s.last_failure == 1003);
	/* So it takes max_failures new failures to be dead. */
	health_state_apply(&s, &p, 1000, 1005, 0, "c");
	health_state_apply(&s, &p, 1000, 1006, 0, "c");
	assert_int_equal(s.status, HEALTH_UNHEALTHY);
}

static void
test_state_dead(void **state)
{
	struct health_params p = params(0, 60, 3);
	struct health_state s;

	health_state_init(&s);
	health_state_apply(&s, &p, 1000, 1001, 1, NULL);
	health_state_apply(&s, &p, 1000, 1002, 0, "1");
	health_state_apply(&s, &p, 1000, 1003, 0, "2");
	assert_int_equal(s.status, HEALTH_UNHEALTHY);
	assert_int_equal(health_state_apply(&s, &p, 1000, 1004, 0, "3"), 1);
	assert_int_equal(s.status, HEALTH_DEAD);
	assert_int_equal(s.consecutive_failures, 3);
	/* Dead stays dead, whatever comes. */
	assert_int_equal(health_state_apply(&s, &p, 1000, 1005, 1, NULL), 0);
	assert_int_equal(s.status, HEALTH_DEAD);
	assert_int_equal(health_state_apply(&s, &p, 1000, 1006, 0, "4"), 0);
	assert_int_equal(s.status, HEALTH_DEAD);
	/* Dead without any success, after the grace period. */
	health_state_init(&s);
	p.grace_s = 5;
	for (int i = 0; i < 3; i++)
		health_state_apply(&s, &p, 1000, 1010 + i, 0, "x");
	assert_int_equal(s.status, HEALTH_DEAD);
	/* max 0: never dead. */
	health_state_init(&s);
	p.max_failures = 0;
	health_state_apply(&s, &p, 1000, 1001, 1, NULL);
	for (int i = 0; i < 100; i++)
		health_state_apply(&s, &p, 1000, 1010 + i, 0, "x");
	assert_int_equal(s.status, HEALTH_UNHEALTHY);
	assert_int_equal(s.consecutive_failures, 100);
}

static void
test_combine(void **state)
{
	static const struct {
		enum health_status in[3];
		size_t n;
		enum health_status want;
	} t[] = {
		{ { HEALTH_HEALTHY }, 0, HEALTH_HEALTHY },
		{ { HEALTH_HEALTHY, HEALTH_HEALTHY }, 2, HEALTH_HEALTHY },
		{ { HEALTH_STARTING }, 1, HEALTH_STARTING },
		{ { HEALTH_HEALTHY, HEALTH_STARTING }, 2, HEALTH_STARTING },
		{ { HEALTH_STARTING, HEALTH_UNHEALTHY }, 2, HEALTH_UNHEALTHY },
		{ { HEALTH_UNHEALTHY, HEALTH_HEALTHY }, 2, HEALTH_UNHEALTHY },
		{ { HEALTH_HEALTHY, HEALTH_DEAD, HEALTH_UNHEALTHY }, 3,
		    HEALTH_DEAD },
		{ { HEALTH_DEAD, HEALTH_STARTING }, 2, HEALTH_DEAD },
	};
	struct health_state s[3];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (size_t k = 0; k < 3; k++) {
			health_state_init(&s[k]);
			s[k].status = t[i].in[k];
		}
		assert_int_equal(health_status_combine(s, t[i].n), t[i].want);
	}
	assert_string_equal(health_status_name(HEALTH_STARTING), "starting");
	assert_string_equal(health_status_name(HEALTH_HEALTHY), "healthy");
	assert_string_equal(health_status_name(HEALTH_UNHEALTHY), "unhealthy");
	assert_string_equal(health_status_name(HEALTH_DEAD), "dead");
}

static void
test_next_delay(void **state)
{
	struct health_params p = params(0, 60, 3);
	struct health_state s;

	health_state_init(&s);
	assert_true(health_next_delay(&s, &p) == 0.25);
	/* Grace 0: this failure counts, so the pace drops to a second. */
	health_state_apply(&s, &p, 1000, 1001, 0, "x");
	assert_true(health_next_delay(&s, &p) == 1);
	health_state_apply(&s, &p, 1000, 1002, 1, NULL);
	assert_true(health_next_delay(&s, &p) == 60);
	health_state_apply(&s, &p, 1000, 1003, 0, "x");
	assert_true(health_next_delay(&s, &p) == 60);
	health_state_init(&s);
	p.interval_s = 0.5;
	assert_true(health_next_delay(&s, &p) == 0.25);
	p.interval_s = 0.1;
	assert_true(health_next_delay(&s, &p) == 0.1);
	/* Failures inside the grace period do not count: the pace stays. */
	health_state_init(&s);
	p = params(30, 60, 3);
	health_state_apply(&s, &p, 1000, 1001, 0, "x");
	assert_true(health_next_delay(&s, &p) == 0.25);
}

static void
test_params(void **state)
{
	struct health_params p;
	json_t *c = json_object();

	health_params_from(c, &p);
	assert_true(p.grace_s == 30 && p.interval_s == 10 &&
	    p.timeout_s == 5 && p.delay_s == 0);
	assert_int_equal(p.max_failures, 3);
	json_decref(c);
	c = json_pack("{s:i,s:i,s:i,s:f,s:i}", "gracePeriodSeconds", 7,
	    "intervalSeconds", 2, "timeoutSeconds", 1, "delaySeconds", 0.5,
	    "maxConsecutiveFailures", 0);
	health_params_from(c, &p);
	assert_true(p.grace_s == 7 && p.interval_s == 2 && p.timeout_s == 1 &&
	    p.delay_s == 0.5);
	assert_int_equal(p.max_failures, 0);
	json_decref(c);
	/* What is no number >= 0 falls back to the default. */
	c = json_pack("{s:s,s:i}", "intervalSeconds", "5", "timeoutSeconds",
	    -1);
	health_params_from(c, &p);
	assert_true(p.interval_s == 10 && p.timeout_s == 5);
	json_decref(c);
}

static void
test_state_json(void **state)
{
	struct health_params p = params(0, 60, 3);
	struct health_state s;
	json_t *j;

	health_state_init(&s);
	assert_non_null(j = health_state_json(&s, "web.t1"));
	assert_true(json_is_false(json_object_get(j, "alive")));
	assert_int_equal(json_integer_value(json_object_get(j,
	    "consecutiveFailures")), 0);
	assert_true(json_is_null(json_object_get(j, "firstSuccess")));
	assert_true(json_is_null(json_object_get(j, "lastSuccess")));
	assert_true(json_is_null(json_object_get(j, "lastFailure")));
	assert_true(json_is_null(json_object_get(j, "lastFailureCause")));
	assert_string_equal(json_string_value(json_object_get(j, "taskId")),
	    "web.t1");
	assert_string_equal(json_string_value(json_object_get(j,
	    "instanceId")), "web.t1");
	assert_int_equal(json_object_size(j), 8);
	json_decref(j);

	health_state_apply(&s, &p, 1796028000, 1796028015.231, 1, NULL);
	health_state_apply(&s, &p, 1796028000, 1796028075.004, 0,
	    "HTTP status 503");
	assert_non_null(j = health_state_json(&s, "web.t1"));
	assert_true(json_is_false(json_object_get(j, "alive")));
	assert_int_equal(json_integer_value(json_object_get(j,
	    "consecutiveFailures")), 1);
	assert_string_equal(json_string_value(json_object_get(j,
	    "firstSuccess")), "2026-11-30T08:40:15.231Z");
	assert_string_equal(json_string_value(json_object_get(j,
	    "lastSuccess")), "2026-11-30T08:40:15.231Z");
	assert_string_equal(json_string_value(json_object_get(j,
	    "lastFailure")), "2026-11-30T08:41:15.004Z");
	assert_string_equal(json_string_value(json_object_get(j,
	    "lastFailureCause")), "HTTP status 503");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_grace),
		cmocka_unit_test(test_state_success_failure),
		cmocka_unit_test(test_state_dead),
		cmocka_unit_test(test_combine),
		cmocka_unit_test(test_next_delay),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_state_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
