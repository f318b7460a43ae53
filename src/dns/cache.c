/*
 * cache.c -- slabs of hash chains and LRU lists of upstream responses.
 */
#include "config.h"

#include <sys/random.h>
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dns/cache.h"
#include "dns/msg.h"
#include "util/error.h"
#include "util/wire.h"

#define CACHE_SLABS 16
/* A guess at the average entry, to size the hash tables. */
#define CACHE_ENTRY_GUESS 256
#define CACHE_TTL_SANE 0x7fffffffu	/* RFC 2181 8: larger TTLs mean 0 */

struct cache_entry {
	struct cache_entry *chain;		/* hash bucket */
	struct cache_entry *older, *newer;	/* LRU list */
	uint64_t hash;
	double stored, expires;
	size_t klen, len;
	uint8_t data[];				/* key, then message */
};

struct cache_slab {
	pthread_mutex_t lock;
	struct cache_entry **table;
	size_t mask;				/* buckets - 1 */
	struct cache_entry *newest, *oldest;
	size_t entries, bytes, max_bytes;
};

struct dns_cache {
	uint64_t seed;
	struct cache_slab slab[CACHE_SLABS];
};

int
dns_cache_new(size_t max_bytes, struct dns_cache **out)
{
	struct dns_cache *c;
	size_t buckets = 16;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ST_ENOMEM;
	/* A keyed hash: names chosen to collide cannot be guessed. */
	if (getrandom(&c->seed, sizeof(c->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(c->seed))
		c->seed = (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15ULL;
	while (buckets < max_bytes / CACHE_SLABS / CACHE_ENTRY_GUESS)
		buckets *= 2;
	for (size_t i = 0; i < CACHE_SLABS; i++) {
		struct cache_slab *s = &c->slab[i];

		pthread_mutex_init(&s->lock, NULL);
		s->max_bytes = max_bytes / CACHE_SLABS;
		s->mask = buckets - 1;
		if ((s->table = calloc(buckets, sizeof(*s->table))) == NULL) {
			dns_cache_free(c);
			return ST_ENOMEM;
		}
	}
	*out = c;
	return ST_OK;
}

void
dns_cache_free(struct dns_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < CACHE_SLABS; i++) {
		struct cache_slab *s = &c->slab[i];
		struct cache_entry *e, *next;

		for (e = s->newest; e != NULL; e = next) {
			next = e->older;
			free(e);
		}
		free(s->table);
		pthread_mutex_destroy(&s->lock);
	}
	free(c);
}

size_t
dns_cache_key(const struct dns_query *q, uint8_t *key)
{
	size_t n = q->qname_len;

	for (size_t i = 0; i < n; i++)
		key[i] = (uint8_t)tolower(q->qname[i]);
	wire_wr16(key + n, q->qtype);
	wire_wr16(key + n + 2, q->qclass);
	key[n + 4] = (uint8_t)((q->edns_do ? 1 : 0) |
	    ((q->flags & DNS_FLAG_CD) ? 2 : 0));
	return n + 5;
}

/* Octets the (maybe compressed) name at off takes in msg. */
static int
cache_name_span(const uint8_t *msg, size_t len, size_t off, size_t *span)
{
	uint8_t name[DNS_NAME_MAX];
	size_t pos = off, nlen;

	if (dns_name_unpack(msg, len, &pos, name, &nlen) != ST_OK)
		return ST_EFORMAT;
	*span = pos - off;
	return ST_OK;
}

int
dns_cache_ttl(const uint8_t *msg, size_t len, uint32_t *ttl)
{
	struct dns_msg_iter it;
	struct dns_msg_rr rr;
	uint16_t flags;
	uint32_t least = DNS_CACHE_MAX_TTL, cap = DNS_CACHE_MAX_TTL;
	int rc, negative, soa = 0;
	size_t n1, n2;

	if (dns_msg_iter_init(&it, msg, len) != ST_OK)
		return ST_EFORMAT;
	flags = wire_rd16(msg + 2);
	if ((flags & DNS_FLAG_TC) || ((flags & 0x0f) != DNS_RCODE_NOERROR &&
	    (flags & 0x0f) != DNS_RCODE_NXDOMAIN))
		return ST_ENOTFOUND;
	negative = (flags & 0x0f) == DNS_RCODE_NXDOMAIN ||
	    it.left[DNS_SEC_AN] == 0;
	if (negative)
		cap = DNS_CACHE_MAX_NEG_TTL;
	while ((rc = dns_msg_iter_next(&it, &rr)) == 1) {
		uint32_t t = rr.ttl > CACHE_TTL_SANE ? 0 : rr.ttl;

		if (rr.type == DNS_TYPE_OPT)
			continue;
		if (rr.type == DNS_TYPE_SOA && rr.sec == DNS_SEC_NS) {
			/* The MINIMUM is the rdata's last 32 bits. */
			if (cache_name_span(msg, len, rr.rdata, &n1) != ST_OK ||
			    cache_name_span(msg, len, rr.rdata + n1, &n2) != ST_OK ||
			    n1 + n2 + 20 != rr.rdlen)
				return ST_EFORMAT;
			if (wire_rd32(msg + rr.end - 4) < t)
				t = wire_rd32(msg + rr.end - 4);
			soa = 1;
		}
		if (t < least)
			least = t;
	}
	if (rc < 0)
		return ST_EFORMAT;
	if ((negative && !soa) || least == 0)
		return ST_ENOTFOUND;
	*ttl = least < cap ? least : cap;
	return ST_OK;
}

static uint64_t
cache_hash(const struct dns_cache *c, const uint8_t *key, size_t klen)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ c->seed;

	for (size_t i = 0; i < klen; i++) {
		h ^= key[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static struct cache_slab *
cache_slab_of(struct dns_cache *c, uint64_t hash)
{
	return &c->slab[(hash >> 56) % CACHE_SLABS];
}

static size_t
cache_entry_size(const struct cache_entry *e)
{
	return sizeof(*e) + e->klen + e->len;
}

/* The entry under key in s, or NULL; the slab is locked. */
static struct cache_entry **
cache_find(struct cache_slab *s, uint64_t hash, const uint8_t *key,
    size_t klen)
{
	struct cache_entry **pp = &s->table[hash & s->mask];

	for (; *pp != NULL; pp = &(*pp)->chain)
		if ((*pp)->hash == hash && (*pp)->klen == klen &&
		    memcmp((*pp)->data, key, klen) == 0)
			return pp;
	return pp;
}

static void
cache_lru_unlink(struct cache_slab *s, struct cache_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		s->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		s->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void
cache_lru_push(struct cache_slab *s, struct cache_entry *e)
{
	e->newer = NULL;
	e->older = s->newest;
	if (s->newest)
		s->newest->newer = e;
	s->newest = e;
	if (s->oldest == NULL)
		s->oldest = e;
}

/* Unlink and free the entry *pp points to. */
static void
cache_remove(struct cache_slab *s, struct cache_entry **pp)
{
	struct cache_entry *e = *pp;

	*pp = e->chain;
	cache_lru_unlink(s, e);
	s->entries--;
	s->bytes -= cache_entry_size(e);
	free(e);
}

static void
cache_evict_oldest(struct cache_slab *s)
{
	struct cache_entry *e = s->oldest;

	cache_remove(s, cache_find(s, e->hash, e->data, e->klen));
}

int
dns_cache_put(struct dns_cache *c, const uint8_t *key, size_t klen,
    const uint8_t *msg, size_t len, double now)
{
	struct cache_entry *e, **pp;
	struct cache_slab *s;
	uint32_t ttl;
	int err;

	if ((err = dns_cache_ttl(msg, len, &ttl)) != ST_OK)
		return err;
	if ((e = malloc(sizeof(*e) + klen + len)) == NULL)
		return ST_ENOMEM;
	e->hash = cache_hash(c, key, klen);
	e->stored = now;
	e->expires = now + ttl;
	e->klen = klen;
	e->len = len;
	memcpy(e->data, key, klen);
	memcpy(e->data + klen, msg, len);
	s = cache_slab_of(c, e->hash);
	if (cache_entry_size(e) > s->max_bytes) {
		free(e);
		return ST_ENOTFOUND;
	}
	pthread_mutex_lock(&s->lock);
	if (*(pp = cache_find(s, e->hash, key, klen)) != NULL)
		cache_remove(s, pp);
	while (s->bytes + cache_entry_size(e) > s->max_bytes)
		cache_evict_oldest(s);
	pp = &s->table[e->hash & s->mask];
	e->chain = *pp;
	*pp = e;
	cache_lru_push(s, e);
	s->entries++;
	s->bytes += cache_entry_size(e);
	pthread_mutex_unlock(&s->lock);
	return ST_OK;
}

/* Lower every TTL of msg by age seconds. */
static void
cache_age(uint8_t *msg, size_t len, uint32_t age)
{
	struct dns_msg_iter it;
	struct dns_msg_rr rr;

	if (age == 0 || dns_msg_iter_init(&it, msg, len) != ST_OK)
		return;
	while (dns_msg_iter_next(&it, &rr) == 1) {
		uint32_t t = rr.ttl > CACHE_TTL_SANE ? 0 : rr.ttl;

		wire_wr32(msg + rr.ttl_off, t > age ? t - age : 0);
	}
}

int
dns_cache_get(struct dns_cache *c, const uint8_t *key, size_t klen,
    double now, uint8_t *out, size_t cap, size_t *len)
{
	uint64_t hash = cache_hash(c, key, klen);
	struct cache_slab *s = cache_slab_of(c, hash);
	struct cache_entry *e, **pp;
	uint32_t age = 0;
	int err = ST_OK;

	pthread_mutex_lock(&s->lock);
	pp = cache_find(s, hash, key, klen);
	if ((e = *pp) == NULL) {
		err = ST_ENOTFOUND;
	} else if (now >= e->expires) {
		cache_remove(s, pp);
		err = ST_ENOTFOUND;
	} else if (e->len > cap) {
		err = ST_ESPACE;
	} else {
		memcpy(out, e->data + e->klen, e->len);
		*len = e->len;
		age = now > e->stored ? (uint32_t)(now - e->stored) : 0;
		cache_lru_unlink(s, e);
		cache_lru_push(s, e);
	}
	pthread_mutex_unlock(&s->lock);
	if (err == ST_OK)
		cache_age(out, *len, age);
	return err;
}

void
dns_cache_stats(struct dns_cache *c, size_t *entries, size_t *bytes)
{
	*entries = 0;
	*bytes = 0;
	for (size_t i = 0; i < CACHE_SLABS; i++) {
		pthread_mutex_lock(&c->slab[i].lock);
		*entries += c->slab[i].entries;
		*bytes += c->slab[i].bytes;
		pthread_mutex_unlock(&c->slab[i].lock);
	}
}
