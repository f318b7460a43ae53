/*
 * test_shuffle.c -- the weighted ordering respects weights over many draws.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/shuffle.h"
#include "util/rand.h"

#define DRAWS 100000

static void
first_place_counts(const uint16_t *w, size_t n, unsigned *first)
{
	struct rand_state r;
	double keys[64];
	uint16_t order[64];

	rand_seed_fixed(&r, 42);
	memset(first, 0, n * sizeof(*first));
	for (int i = 0; i < DRAWS; i++) {
		dns_shuffle_weighted(&r, w, n, keys, order);
		first[order[0]]++;
	}
}

static void
test_weights_respected(void **state)
{
	const uint16_t w[] = { 1, 2, 7 };
	unsigned first[3];

	first_place_counts(w, 3, first);
	/* Expected shares 10%, 20%, 70%; allow 1.5 points. */
	assert_in_range(first[0], DRAWS / 10 - 1500, DRAWS / 10 + 1500);
	assert_in_range(first[1], DRAWS / 5 - 1500, DRAWS / 5 + 1500);
	assert_in_range(first[2], DRAWS * 7 / 10 - 1500, DRAWS * 7 / 10 + 1500);
}

static void
test_equal_weights_uniform(void **state)
{
	uint16_t w[40];
	unsigned first[40];

	for (int i = 0; i < 40; i++)
		w[i] = 5;
	first_place_counts(w, 40, first);
	for (int i = 0; i < 40; i++)
		assert_in_range(first[i], DRAWS / 40 - 500, DRAWS / 40 + 500);
}

static void
test_zero_weight_last_and_permutation(void **state)
{
	const uint16_t w[] = { 0, 3, 0, 1 };
	struct rand_state r;
	double keys[4];
	uint16_t order[4];
	unsigned seen_zero_first[4] = { 0 };

	rand_seed_fixed(&r, 7);
	for (int i = 0; i < 1000; i++) {
		unsigned mask = 0;

		dns_shuffle_weighted(&r, w, 4, keys, order);
		for (int j = 0; j < 4; j++)
			mask |= 1u << order[j];
		assert_int_equal(mask, 0xf);
		assert_int_not_equal(w[order[0]], 0);
		assert_int_not_equal(w[order[1]], 0);
		seen_zero_first[order[2]]++;
	}
	/* The two weight-0 items still take turns. */
	assert_true(seen_zero_first[0] > 300 && seen_zero_first[2] > 300);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights_respected),
		cmocka_unit_test(test_equal_weights_uniform),
		cmocka_unit_test(test_zero_weight_last_and_permutation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
