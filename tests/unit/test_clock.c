/*
 * test_clock.c -- the timestamps of stadion's JSON and logs.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/clock.h"

static void
test_iso(void **state)
{
	char buf[CLOCK_ISO_MAX];

	(void)state;
	clock_iso_ms(1796030415231LL, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-30T09:20:15.231Z");
	clock_iso_ms(1796030415005LL, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-30T09:20:15.005Z");
	/* Seconds round to the millisecond, up into the next second too. */
	clock_iso(1796030415.9996, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-30T09:20:16.000Z");
	/* Never (0) is nothing. */
	clock_iso(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	clock_iso_ms(-5, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void
test_now(void **state)
{
	char buf[CLOCK_ISO_MAX];
	double a = clock_mono(), b;
	int64_t ms = clock_wall_ms();

	(void)state;
	clock_iso_now(buf, sizeof(buf));
	assert_int_equal(strlen(buf), 24);
	assert_true(buf[23] == 'Z' && buf[10] == 'T');
	assert_true(clock_wall() * 1000 - (double)ms < 1000);
	b = clock_mono();
	assert_true(b >= a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
