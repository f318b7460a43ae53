/*
 * shuffle.c -- weighted random permutation (Efraimidis-Spirakis).
 */
#include "config.h"

#include <math.h>

#include "dns/shuffle.h"

/* Sort order[] by keys[] ascending: insertion sort for the usual few. */
static void
shuffle_sort(const double *keys, uint16_t *order, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint16_t v = order[i];
		size_t j = i;

		while (j > 0 && keys[order[j - 1]] > keys[v]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
}

static void
shuffle_heap_sort(const double *keys, uint16_t *order, size_t n)
{
	/* qsort has no context argument; a heapsort keeps threads apart. */
	size_t start = n / 2, end = n;

	for (;;) {
		size_t root, child;
		uint16_t t;

		if (start > 0) {
			start--;
		} else {
			if (--end == 0)
				return;
			t = order[end];
			order[end] = order[0];
			order[0] = t;
		}
		root = start;
		while ((child = 2 * root + 1) < end) {
			if (child + 1 < end && keys[order[child + 1]] > keys[order[child]])
				child++;
			if (keys[order[root]] >= keys[order[child]])
				break;
			t = order[root];
			order[root] = order[child];
			order[child] = t;
			root = child;
		}
	}
}

void
dns_shuffle_weighted(struct rand_state *r, const uint16_t *weights, size_t n,
    double *keys, uint16_t *order)
{
	for (size_t i = 0; i < n; i++) {
		double e = -log(rand_unit(r));

		/* Weight 0: behind every weighted item, in random order. */
		keys[i] = weights[i] ? e / weights[i] : 1e200 * (1.0 + e);
		order[i] = (uint16_t)i;
	}
	if (n <= 32)
		shuffle_sort(keys, order, n);
	else
		shuffle_heap_sort(keys, order, n);
}
