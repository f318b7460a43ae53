/*
 * rand.h -- a fast per-thread pseudo random generator for answer shuffling.
 *
 * Not for secrets: query ids and TSIG use getrandom() directly.
 */
#ifndef STADION_UTIL_RAND_H
#define STADION_UTIL_RAND_H

#include <stdint.h>

struct rand_state {
	uint64_t s[2];
};

/* Seed from the kernel's entropy; falls back to time and address. */
void rand_seed(struct rand_state *r);
/* Seed deterministically (tests). */
void rand_seed_fixed(struct rand_state *r, uint64_t seed);
uint64_t rand_next(struct rand_state *r);
/* A double uniformly distributed in (0, 1]. */
double rand_unit(struct rand_state *r);

#endif
