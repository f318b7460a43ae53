/*
 * test_deploy.c -- deployment arithmetic: the limits of every Marathon
 * capacity pair and of stadion's counts and percentages, the counts of
 * one pass, whole rollouts simulated pass by pass, rollbacks, canary
 * shares and batches.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "orch/deploy.h"
#include "util/error.h"

/* Strategies of the tables, as app_check() stores them. */
#define M_1_1 "{\"minimumHealthCapacity\":1,\"maximumOverCapacity\":1}"
#define M_1_0 "{\"minimumHealthCapacity\":1,\"maximumOverCapacity\":0}"
#define M_05_1 "{\"minimumHealthCapacity\":0.5,\"maximumOverCapacity\":1}"
#define M_05_0 "{\"minimumHealthCapacity\":0.5,\"maximumOverCapacity\":0}"
#define M_0_0 "{\"minimumHealthCapacity\":0,\"maximumOverCapacity\":0}"
#define M_0_1 "{\"minimumHealthCapacity\":0,\"maximumOverCapacity\":1}"
#define M_06_02 "{\"minimumHealthCapacity\":0.6,\"maximumOverCapacity\":0.2}"
#define M_075_01 \
	"{\"minimumHealthCapacity\":0.75,\"maximumOverCapacity\":0.1}"
#define S_2_1 "{\"maxSurge\":2,\"maxUnavailable\":1}"
#define S_25 "{\"maxSurge\":\"25%\",\"maxUnavailable\":\"25%\"}"
#define S_33 "{\"maxSurge\":\"33%\",\"maxUnavailable\":\"33%\"}"
#define S_0_10 "{\"maxSurge\":\"0%\",\"maxUnavailable\":\"10%\"}"
#define S_100 "{\"maxSurge\":\"100%\",\"maxUnavailable\":\"100%\"}"
#define S_1_0 "{\"maxSurge\":1,\"maxUnavailable\":0}"
#define S_0_1 "{\"maxSurge\":0,\"maxUnavailable\":1}"

static json_t *
load(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, 0, &jerr);

	if (v == NULL)
		fail_msg("bad test JSON: %s: %s", jerr.text, text);
	return v;
}

static void
limits_of(const char *text, unsigned n, struct deploy_limits *lim)
{
	json_t *us = load(text);

	deploy_limits(us, n, lim);
	json_decref(us);
}

static void
test_pct(void **state)
{
	static const struct {
		const char *s;
		int ok;
		unsigned pct;
	} t[] = {
		{ "0%", 1, 0 }, { "25%", 1, 25 }, { "100%", 1, 100 },
		{ "025%", 1, 25 }, { "101%", 0, 0 }, { "1000%", 0, 0 },
		{ "%", 0, 0 }, { "10", 0, 0 }, { "-1%", 0, 0 }, { "+1%", 0, 0 },
		{ " 5%", 0, 0 }, { "5% ", 0, 0 }, { "5.5%", 0, 0 }, { "", 0, 0 },
		{ "5%%", 0, 0 },
	};
	unsigned pct;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pct = 777;
		if (!t[i].ok) {
			assert_int_equal(deploy_pct(t[i].s, &pct), ST_EINVAL);
			assert_int_equal(pct, 777);
			continue;
		}
		assert_int_equal(deploy_pct(t[i].s, &pct), ST_OK);
		assert_int_equal(pct, t[i].pct);
	}
}

static void
test_limits(void **state)
{
	static const struct {
		const char *us;
		unsigned n, surge, unavailable;
	} t[] = {
		/* Marathon's documented pairs. */
		{ M_1_1, 4, 4, 0 }, { M_1_1, 10, 10, 0 },
		/* Nothing could move: Marathon starts one extra. */
		{ M_1_0, 4, 1, 0 }, { M_1_0, 10, 1, 0 },
		{ M_05_1, 4, 4, 2 }, { M_05_1, 10, 10, 5 },
		{ M_05_0, 4, 0, 2 }, { M_05_0, 10, 0, 5 },
		{ M_0_0, 4, 0, 4 }, { M_0_0, 10, 0, 10 },
		{ M_0_1, 4, 4, 4 }, { M_0_1, 10, 10, 10 },
		/* 10 * 1.2 and 10 * 0.6 are off by float error. */
		{ M_06_02, 4, 0, 1 }, { M_06_02, 10, 2, 4 },
		{ M_075_01, 4, 0, 1 }, { M_075_01, 10, 1, 2 },
		/* The missing one of the pair is 1, as Marathon has it. */
		{ "{\"minimumHealthCapacity\":0.5}", 4, 4, 2 },
		{ "{\"maximumOverCapacity\":0}", 4, 1, 0 },
		/* stadion: counts as they are, except above n. */
		{ S_2_1, 4, 2, 1 }, { S_2_1, 10, 2, 1 },
		{ "{\"maxSurge\":1,\"maxUnavailable\":20}", 4, 1, 4 },
		/* Surge rounds up, unavailable down. */
		{ S_25, 4, 1, 1 }, { S_25, 10, 3, 2 },
		{ S_33, 4, 2, 1 }, { S_33, 10, 4, 3 },
		/* Both 0 after rounding: one may be unavailable. */
		{ S_0_10, 4, 0, 1 }, { S_0_10, 10, 0, 1 },
		{ S_100, 4, 4, 4 }, { S_100, 10, 10, 10 },
		{ "{\"maxSurge\":0,\"maxUnavailable\":\"25%\"}", 10, 0, 2 },
		/* A half (pre-normalized) or empty strategy: 25% each. */
		{ "{\"maxSurge\":\"50%\"}", 10, 5, 2 },
		{ "{\"type\":\"RollingUpdate\"}", 10, 3, 2 },
		{ S_25, 1, 1, 0 }, { S_25, 0, 0, 0 },
	};
	struct deploy_limits lim;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		limits_of(t[i].us, t[i].n, &lim);
		if (lim.surge != t[i].surge ||
		    lim.unavailable != t[i].unavailable)
			fail_msg("%s n=%u: surge %u unavailable %u, want %u %u",
			    t[i].us, t[i].n, lim.surge, lim.unavailable,
			    t[i].surge, t[i].unavailable);
	}
	deploy_limits(NULL, 10, &lim);
	assert_int_equal(lim.surge, 3);
	assert_int_equal(lim.unavailable, 2);
}

/* A pass's numbers against the table's, named by the row. */
static void
expect_out(const char *what, const struct deploy_out *got,
    const struct deploy_out *want)
{
	if (got->launch != want->launch || got->kill_old != want->kill_old ||
	    got->kill_cur != want->kill_cur)
		fail_msg("%s: launch %u kill_old %u kill_cur %u, want %u %u %u",
		    what, got->launch, got->kill_old, got->kill_cur,
		    want->launch, want->kill_old, want->kill_cur);
}

static void
test_counts(void **state)
{
	static const struct {
		const char *what;
		struct deploy_in in;
		struct deploy_out out;
	} t[] = {
		/* First passes of a replacement of 4 serving tasks. */
		{ "(1,1) all new at once", { 4, 4, 0, 4, 0, 4, { 4, 0 } },
		    { 4, 0, 0 } },
		{ "(1,0) one extra", { 4, 4, 0, 4, 0, 4, { 1, 0 } },
		    { 1, 0, 0 } },
		{ "(1,0) a new one serves", { 4, 4, 1, 4, 1, 4, { 1, 0 } },
		    { 0, 1, 0 } },
		{ "(1,0) a new one does not yet", { 4, 4, 1, 4, 0, 4,
		    { 1, 0 } }, { 0, 0, 0 } },
		{ "(0,0) all old go", { 4, 4, 0, 4, 0, 4, { 0, 4 } },
		    { 0, 4, 0 } },
		{ "(0.5,0) half go first", { 4, 4, 0, 4, 0, 4, { 0, 2 } },
		    { 0, 2, 0 } },
		{ "(0.5,0) then half come", { 4, 4, 0, 2, 0, 2, { 0, 2 } },
		    { 2, 0, 0 } },
		{ "(0.5,1)", { 4, 4, 0, 4, 0, 4, { 4, 2 } }, { 4, 2, 0 } },
		{ "25% of 10", { 10, 10, 0, 10, 0, 10, { 3, 2 } },
		    { 3, 2, 0 } },
		/* Old tasks that do not serve go whatever the limits. */
		{ "idle old", { 4, 4, 0, 4, 0, 2, { 1, 1 } }, { 1, 2, 0 } },
		{ "idle old, (1,0)", { 4, 4, 2, 3, 2, 0, { 1, 0 } },
		    { 0, 3, 0 } },
		/* Serving new tasks count toward the floor. */
		{ "new serve", { 4, 4, 2, 3, 2, 3, { 1, 1 } }, { 0, 2, 0 } },
		/* Plain scaling when no old task is left. */
		{ "scale up", { 4, 4, 2, 0, 2, 0, { 1, 1 } }, { 2, 0, 0 } },
		{ "scale down", { 4, 2, 6, 0, 6, 0, { 1, 1 } }, { 0, 0, 2 } },
		/* A canary holds n - target old ones. */
		{ "canary", { 10, 2, 0, 10, 0, 10, { 3, 2 } }, { 2, 2, 0 } },
		{ "canary held", { 10, 2, 2, 8, 2, 8, { 3, 2 } },
		    { 0, 0, 0 } },
		/* Too many current ones: the serving ones killed count. */
		{ "above target", { 4, 2, 3, 2, 3, 2, { 1, 1 } },
		    { 0, 0, 1 } },
		{ "above target, floor", { 4, 1, 4, 3, 4, 3, { 1, 1 } },
		    { 0, 0, 3 } },
		{ "no room", { 4, 4, 2, 4, 0, 4, { 1, 1 } }, { 0, 1, 0 } },
	};
	struct deploy_out out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		deploy_counts(&t[i].in, &out);
		expect_out(t[i].what, &out, &t[i].out);
	}
}

/*
 * Replace n serving old tasks by target new ones under the strategy us,
 * pass by pass: kills (those not serving first) and launches, the bounds
 * checked, then the launched tasks serve. The passes it took.
 */
static unsigned
rollout(const char *us, unsigned n, unsigned target)
{
	struct deploy_in in;
	struct deploy_out out;
	unsigned pass, idle;

	memset(&in, 0, sizeof(in));
	in.n = n;
	in.target = target;
	in.old = in.old_run = n;
	limits_of(us, n, &in.lim);
	for (pass = 0; pass < 4 * n + 4; pass++) {
		deploy_counts(&in, &out);
		if (out.launch == 0 && out.kill_old == 0 && out.kill_cur == 0)
			break;
		assert_true(out.kill_old <= in.old);
		assert_true(out.kill_cur <= in.cur);
		idle = in.old - in.old_run;
		in.old -= out.kill_old;
		if (out.kill_old > idle)
			in.old_run -= out.kill_old - idle;
		idle = in.cur - in.cur_run;
		in.cur -= out.kill_cur;
		if (out.kill_cur > idle)
			in.cur_run -= out.kill_cur - idle;
		in.cur += out.launch;
		if (in.cur + in.old > n + in.lim.surge ||
		    in.cur_run + in.old_run < n - in.lim.unavailable ||
		    in.old < n - target)
			fail_msg("%s n=%u target=%u pass %u: cur %u (%u "
			    "serving) old %u (%u serving)", us, n, target,
			    pass, in.cur, in.cur_run, in.old, in.old_run);
		in.cur_run = in.cur;
	}
	if (in.cur != target || in.old != n - target)
		fail_msg("%s n=%u target=%u: stuck at cur %u old %u after %u "
		    "passes", us, n, target, in.cur, in.old, pass);
	return pass;
}

static void
test_rollout(void **state)
{
	static const struct {
		const char *us;
		unsigned n, passes;
	} t[] = {
		/* Launch all, then kill all. */
		{ M_1_1, 4, 2 }, { M_1_1, 10, 2 },
		/* One launched, one killed once it serves, n times. */
		{ M_1_0, 4, 8 }, { M_1_0, 10, 20 },
		{ M_05_1, 4, 2 }, { M_05_1, 10, 2 },
		/* Kill 2, launch 2, kill 2, launch 2. */
		{ M_05_0, 4, 4 }, { M_05_0, 10, 4 },
		/* Kill all, launch all. */
		{ M_0_0, 4, 2 }, { M_0_0, 10, 2 },
		/* Launch all and kill all at once. */
		{ M_0_1, 4, 1 }, { M_0_1, 10, 1 },
		{ M_06_02, 4, 0 }, { M_06_02, 10, 0 },
		{ M_075_01, 4, 0 }, { M_075_01, 10, 0 },
		{ S_2_1, 4, 0 }, { S_2_1, 10, 0 },
		{ S_25, 4, 0 }, { S_25, 10, 0 },
		{ S_33, 4, 0 }, { S_33, 10, 0 },
		{ S_0_10, 4, 0 }, { S_0_10, 10, 0 },
		{ S_100, 4, 0 }, { S_100, 10, 0 },
		{ S_1_0, 4, 8 }, { S_0_1, 4, 8 },
		{ S_25, 1, 2 }, { M_1_0, 1, 2 }, { M_0_0, 1, 2 },
	};
	unsigned passes;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		passes = rollout(t[i].us, t[i].n, t[i].n);
		/* 0: bounded by rollout() alone. */
		if (t[i].passes && passes != t[i].passes)
			fail_msg("%s n=%u: %u passes, want %u", t[i].us,
			    t[i].n, passes, t[i].passes);
	}
}

static void
test_canary_rollout(void **state)
{
	static const char *const us[] = { S_25, S_0_10, M_1_0, M_0_0, M_1_1 };
	static const unsigned weights[] = { 1, 10, 20, 50, 99 };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(us) / sizeof(us[0]); i++)
		for (j = 0; j < sizeof(weights) / sizeof(weights[0]); j++)
			rollout(us[i], 10, deploy_canary_target(10,
			    weights[j]));
}

static void
test_rollback(void **state)
{
	static const struct {
		const char *what;
		struct deploy_in in;
		struct deploy_out out;
	} t[] = {
		/* The restored config back to n at once, surge or not. */
		{ "start", { 4, 1, 0, 4, 0, 2, { 0, 0 } }, { 4, 2, 0 } },
		{ "not yet", { 4, 4, 4, 2, 3, 2, { 1, 0 } }, { 0, 0, 0 } },
		{ "all serve", { 4, 4, 4, 2, 4, 2, { 1, 0 } }, { 0, 2, 0 } },
		{ "above n", { 4, 4, 5, 1, 5, 1, { 1, 0 } }, { 0, 1, 1 } },
		{ "no old", { 4, 4, 2, 0, 2, 0, { 1, 0 } }, { 2, 0, 0 } },
	};
	struct deploy_out out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		deploy_rollback_counts(&t[i].in, &out);
		expect_out(t[i].what, &out, &t[i].out);
	}
}

static void
test_canary_target(void **state)
{
	static const unsigned t[][3] = {
		{ 3, 10, 1 }, { 10, 20, 2 }, { 10, 25, 3 }, { 4, 33, 2 },
		{ 1, 1, 1 }, { 1, 50, 1 }, { 1, 100, 1 }, { 10, 100, 10 },
		{ 3, 99, 3 }, { 10, 0, 0 }, { 0, 50, 0 }, { 1000, 1, 10 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (deploy_canary_target(t[i][0], t[i][1]) != t[i][2])
			fail_msg("n=%u w=%u: %u, want %u", t[i][0], t[i][1],
			    deploy_canary_target(t[i][0], t[i][1]), t[i][2]);
}

static void
test_canary_weights(void **state)
{
	/* weight, new, old instances; the weights wanted. */
	static const unsigned t[][5] = {
		/* n=3 w=10: 1 new, 2 old, 1000 / (1000 + 2 * 4500). */
		{ 10, 1, 2, 1000, 4500 },
		/* n=10 w=20: 2 new, 8 old, each as likely. */
		{ 20, 2, 8, 1000, 1000 },
		/* n=1: the one instance is new; no old side. */
		{ 50, 1, 0, 5000, 1 },
		{ 20, 3, 7, 667, 1143 }, { 10, 3, 7, 333, 1286 },
		{ 30, 0, 3, 1, 2333 },
		/* Rounded to 0: clamped to 1. */
		{ 1, 1000, 1, 1, 9900 },
		/* No canary. */
		{ 0, 0, 4, 1, 1 }, { 0, 2, 2, 1, 1 }, { 100, 4, 0, 1, 1 },
	};
	unsigned w_new, w_old;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		deploy_canary_weights(t[i][0], t[i][1], t[i][2], &w_new,
		    &w_old);
		if (w_new != t[i][3] || w_old != t[i][4])
			fail_msg("w=%u new=%u old=%u: %u %u, want %u %u",
			    t[i][0], t[i][1], t[i][2], w_new, w_old, t[i][3],
			    t[i][4]);
	}
}

static void
test_batch(void **state)
{
	static const struct {
		const char *us;
		unsigned n, batch;
	} t[] = {
		{ "{\"batchSize\":\"10%\"}", 10, 1 },
		{ "{\"batchSize\":\"10%\"}", 25, 3 },
		{ "{\"batchSize\":\"10%\"}", 5, 1 },
		{ "{\"batchSize\":\"50%\"}", 3, 2 },
		{ "{\"batchSize\":\"1%\"}", 1000, 10 },
		{ "{\"batchSize\":\"20%\"}", 0, 1 },
		{ S_25, 10, 0 },
	};
	json_t *us;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		us = load(t[i].us);
		if (deploy_batch(us, t[i].n) != t[i].batch)
			fail_msg("%s n=%u: %u, want %u", t[i].us, t[i].n,
			    deploy_batch(us, t[i].n), t[i].batch);
		json_decref(us);
	}
	assert_int_equal(deploy_batch(NULL, 10), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_rollout),
		cmocka_unit_test(test_canary_rollout),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_canary_target),
		cmocka_unit_test(test_canary_weights),
		cmocka_unit_test(test_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
