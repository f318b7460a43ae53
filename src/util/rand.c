/*
 * rand.c -- xorshift128+ seeded by splitmix64.
 */
#include "config.h"

#include <sys/random.h>
#include <stdint.h>
#include <time.h>

#include "util/rand.h"

static uint64_t
rand_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
rand_seed_fixed(struct rand_state *r, uint64_t seed)
{
	r->s[0] = rand_splitmix(&seed);
	r->s[1] = rand_splitmix(&seed);
	if (r->s[0] == 0 && r->s[1] == 0)
		r->s[1] = 1;
}

void
rand_seed(struct rand_state *r)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)r;
	}
	rand_seed_fixed(r, seed);
}

uint64_t
rand_next(struct rand_state *r)
{
	uint64_t s1 = r->s[0];
	const uint64_t s0 = r->s[1];

	r->s[0] = s0;
	s1 ^= s1 << 23;
	r->s[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
	return r->s[1] + s0;
}

double
rand_unit(struct rand_state *r)
{
	return ((double)(rand_next(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}
