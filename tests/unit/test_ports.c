/*
 * test_ports.c -- host port allocation: next-fit, wrap-around, declared
 * ports and the all-or-nothing rule.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "orch/ports.h"
#include "util/error.h"

static void
test_bad_range(void **state)
{
	struct ports *p = (struct ports *)1;

	(void)state;
	assert_int_equal(ports_new(0, 10, &p), ST_EINVAL);
	assert_null(p);
	assert_int_equal(ports_new(200, 100, &p), ST_EINVAL);
	assert_null(p);
	assert_int_equal(ports_new(100, 100, &p), ST_OK);
	assert_non_null(p);
	ports_free(p);
}

static void
test_next_fit(void **state)
{
	struct ports *p;
	uint16_t out[3], again;

	(void)state;
	assert_int_equal(ports_new(31000, 32000, &p), ST_OK);
	assert_int_equal(ports_alloc(p, 3, NULL, out), ST_OK);
	assert_int_equal(out[0], 31000);
	assert_int_equal(out[1], 31001);
	assert_int_equal(out[2], 31002);
	assert_true(ports_used(p, 31001));
	assert_false(ports_used(p, 31003));
	/* A port just freed is not handed out again at once. */
	ports_release(p, &out[1], 1);
	assert_false(ports_used(p, 31001));
	assert_int_equal(ports_alloc(p, 1, NULL, &again), ST_OK);
	assert_int_equal(again, 31003);
	ports_free(p);
}

static void
test_wrap(void **state)
{
	struct ports *p;
	uint16_t out[5], freed[2] = { 100, 102 };

	(void)state;
	assert_int_equal(ports_new(100, 104, &p), ST_OK);
	assert_int_equal(ports_alloc(p, 5, NULL, out), ST_OK);
	assert_int_equal(out[4], 104);
	ports_release(p, freed, 2);
	/* After 104 the search wraps to 100 and skips the used 101. */
	assert_int_equal(ports_alloc(p, 2, NULL, out), ST_OK);
	assert_int_equal(out[0], 100);
	assert_int_equal(out[1], 102);
	ports_free(p);
}

static void
test_full(void **state)
{
	struct ports *p;
	uint16_t out[3], declared[3] = { 0, 5000, 0 };

	(void)state;
	assert_int_equal(ports_new(100, 102, &p), ST_OK);
	assert_int_equal(ports_take(p, 101), ST_OK);
	/* Two free in the range, three asked: nothing taken. */
	assert_int_equal(ports_alloc(p, 3, NULL, out), ST_EFULL);
	assert_false(ports_used(p, 100));
	assert_false(ports_used(p, 102));
	/* The declared port is given back too. */
	assert_int_equal(ports_take(p, 100), ST_OK);
	assert_int_equal(ports_alloc(p, 3, declared, out), ST_EFULL);
	assert_false(ports_used(p, 5000));
	assert_false(ports_used(p, 102));
	assert_true(ports_used(p, 100));
	assert_true(ports_used(p, 101));
	/* What fits still works after a failure. */
	assert_int_equal(ports_alloc(p, 2, declared, out), ST_OK);
	assert_int_equal(out[0], 102);
	assert_int_equal(out[1], 5000);
	assert_int_equal(ports_alloc(p, 1, NULL, out), ST_EFULL);
	ports_free(p);
}

static void
test_declared(void **state)
{
	struct ports *p;
	uint16_t out[3], declared[3] = { 0, 80, 0 }, inrange[1] = { 31001 };
	uint16_t dup[2] = { 9000, 9000 };

	(void)state;
	assert_int_equal(ports_new(31000, 32000, &p), ST_OK);
	/* Outside the range is fine, and exact. */
	assert_int_equal(ports_alloc(p, 3, declared, out), ST_OK);
	assert_int_equal(out[0], 31000);
	assert_int_equal(out[1], 80);
	assert_int_equal(out[2], 31001);
	assert_true(ports_used(p, 80));
	/* Taken: conflict, and the dynamic ports of the call stay free. */
	assert_int_equal(ports_alloc(p, 3, declared, out), ST_ECONFLICT);
	assert_false(ports_used(p, 31002));
	assert_int_equal(ports_alloc(p, 1, inrange, out), ST_ECONFLICT);
	assert_int_equal(ports_alloc(p, 2, dup, out), ST_ECONFLICT);
	assert_false(ports_used(p, 9000));
	/* A declared port inside the range is skipped by next-fit. */
	inrange[0] = 31003;
	assert_int_equal(ports_alloc(p, 1, inrange, out), ST_OK);
	assert_int_equal(out[0], 31003);
	assert_int_equal(ports_alloc(p, 2, NULL, out), ST_OK);
	assert_int_equal(out[0], 31002);
	assert_int_equal(out[1], 31004);
	ports_free(p);
}

static void
test_take_release(void **state)
{
	struct ports *p;
	uint16_t out[1], some[2] = { 31000, 40000 };

	(void)state;
	assert_int_equal(ports_new(31000, 31001, &p), ST_OK);
	assert_int_equal(ports_take(p, 31000), ST_OK);
	assert_int_equal(ports_take(p, 31000), ST_ECONFLICT);
	assert_int_equal(ports_take(p, 65535), ST_OK);
	assert_true(ports_used(p, 65535));
	assert_int_equal(ports_alloc(p, 1, NULL, out), ST_OK);
	assert_int_equal(out[0], 31001);
	/* Freeing a free port (40000) does nothing. */
	ports_release(p, some, 2);
	assert_false(ports_used(p, 31000));
	assert_false(ports_used(p, 40000));
	assert_true(ports_used(p, 31001));
	ports_free(p);
}

static void
test_zero(void **state)
{
	struct ports *p;
	uint16_t out[1] = { 7 };

	(void)state;
	assert_int_equal(ports_new(31000, 31000, &p), ST_OK);
	assert_int_equal(ports_alloc(p, 0, NULL, out), ST_OK);
	assert_int_equal(out[0], 7);
	assert_int_equal(ports_alloc(p, 1, NULL, out), ST_OK);
	assert_int_equal(out[0], 31000);
	assert_int_equal(ports_alloc(p, 0, NULL, out), ST_OK);
	ports_free(p);
}

/* Host ports 102 and 104 are busy. */
static int
busy_probe(uint16_t port, void *arg)
{
	int *calls = arg;

	(*calls)++;
	return port != 102 && port != 104;
}

static void
test_probe(void **state)
{
	struct ports *p;
	uint16_t out[3], declared[1] = { 104 };
	int calls = 0;

	(void)state;
	assert_int_equal(ports_new(100, 105, &p), ST_OK);
	ports_set_probe(p, busy_probe, &calls);
	assert_int_equal(ports_alloc(p, 3, NULL, out), ST_OK);
	assert_int_equal(out[0], 100);
	assert_int_equal(out[1], 101);
	assert_int_equal(out[2], 103);
	assert_false(ports_used(p, 102));
	/* A port that was busy is tried again next time round. */
	assert_int_equal(ports_alloc(p, 1, NULL, out), ST_OK);
	assert_int_equal(out[0], 105);
	assert_int_equal(ports_alloc(p, 1, NULL, out), ST_EFULL);
	/* Declared ports are what the app asked for: not probed. */
	calls = 0;
	assert_int_equal(ports_alloc(p, 1, declared, out), ST_OK);
	assert_int_equal(out[0], 104);
	assert_int_equal(calls, 0);
	ports_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_range),
		cmocka_unit_test(test_next_fit),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_declared),
		cmocka_unit_test(test_take_release),
		cmocka_unit_test(test_zero),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
