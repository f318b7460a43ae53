/*
 * cache.h -- the forwarder's cache of whole upstream responses, each kept
 * for its TTL (negative answers per RFC 2308: the SOA's TTL capped by its
 * MINIMUM), within a bound on memory, least recently used out first.
 *
 * One cache serves every DNS worker thread: a container's stub resolver
 * sends each query from a new port, which SO_REUSEPORT spreads over all
 * the workers, so caches of their own would each miss once per name and
 * hold one copy per thread. The cache is split in slabs by hash, each
 * behind its own mutex, held for a lookup and one copy and never across
 * I/O, so workers rarely wait on each other.
 */
#ifndef STADION_DNS_CACHE_H
#define STADION_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/pkt.h"

#define DNS_CACHE_KEY_MAX (DNS_NAME_MAX + 5)
#define DNS_CACHE_MAX_TTL 86400		/* as Unbound's cache-max-ttl */
#define DNS_CACHE_MAX_NEG_TTL 3600	/* Unbound's cache-max-negative-ttl */

struct dns_cache;

/* A cache holding at most max_bytes of answers (and their bookkeeping). */
int dns_cache_new(size_t max_bytes, struct dns_cache **out);
/* Accepts NULL. */
void dns_cache_free(struct dns_cache *c);

/*
 * Key of a query into key (DNS_CACHE_KEY_MAX octets): the name in lower
 * case, type, class, and the DO and CD bits (they change the answer).
 * Returns its length.
 */
size_t dns_cache_key(const struct dns_query *q, uint8_t *key);

/*
 * How long the response msg may be kept: the least TTL of its RRs, where
 * an SOA counts as the lesser of its TTL and MINIMUM (RFC 2308 5), capped
 * by DNS_CACHE_MAX_TTL (DNS_CACHE_MAX_NEG_TTL for a negative answer).
 * ST_ENOTFOUND when it must not be kept: truncated, an rcode other than
 * NOERROR and NXDOMAIN, a negative answer without an SOA, or a TTL of 0.
 * ST_EFORMAT if the message does not parse.
 */
int dns_cache_ttl(const uint8_t *msg, size_t len, uint32_t *ttl);

/*
 * Keep msg (a response without OPT RR) under key for dns_cache_ttl's time
 * from now (seconds on any steady clock). A message that may not be kept
 * is passed over (ST_ENOTFOUND); one already there is replaced.
 */
int dns_cache_put(struct dns_cache *c, const uint8_t *key, size_t klen,
    const uint8_t *msg, size_t len, double now);

/*
 * Copy the message kept under key into out (cap octets), each TTL lowered
 * by the seconds it has been kept, and set *len. ST_ENOTFOUND if there is
 * none or it expired; ST_ESPACE if it does not fit.
 */
int dns_cache_get(struct dns_cache *c, const uint8_t *key, size_t klen,
    double now, uint8_t *out, size_t cap, size_t *len);

/* Entries and octets held now (octets include the bookkeeping). */
void dns_cache_stats(struct dns_cache *c, size_t *entries, size_t *bytes);

#endif
