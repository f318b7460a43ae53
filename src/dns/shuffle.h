/*
 * shuffle.h -- per-query weighted random ordering of an RRset's records.
 *
 * Efraimidis-Spirakis sampling: each item draws -ln(U)/w and items are sorted
 * by that key, so the first position goes to item i with probability
 * w_i / sum(w), and so on down the list. Weight 0 items come last.
 */
#ifndef STADION_DNS_SHUFFLE_H
#define STADION_DNS_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/rand.h"

/*
 * Write a weighted random permutation of 0..n-1 into order. keys is
 * scratch space of n doubles. n at most 65535.
 */
void dns_shuffle_weighted(struct rand_state *r, const uint16_t *weights,
    size_t n, double *keys, uint16_t *order);

#endif
