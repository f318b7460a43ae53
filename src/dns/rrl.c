/*
 * rrl.c -- token buckets per client network in a set-associative table.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/pkt.h"
#include "dns/rrl.h"
#include "util/error.h"
#include "util/log.h"
#include "util/wire.h"

#define RRL_SETS 4096		/* 16384 networks tracked, 512 KiB */
#define RRL_WAYS 4
#define RRL_LOCKS 64

struct rrl_bucket {
	uint64_t key;		/* 0: free */
	double tokens;
	double last;		/* when tokens were last counted */
	uint32_t over;		/* responses over the rate, for the slip */
	int limited;		/* logged as limited, until a quiet second */
};

struct dns_rrl {
	double rate;
	uint32_t slip;
	pthread_mutex_t lock[RRL_LOCKS];
	struct rrl_bucket set[RRL_SETS][RRL_WAYS];
};

int
dns_rrl_new(uint32_t rate, uint32_t slip, struct dns_rrl **out)
{
	struct dns_rrl *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return ST_ENOMEM;
	r->rate = rate;
	r->slip = slip;
	for (size_t i = 0; i < RRL_LOCKS; i++)
		pthread_mutex_init(&r->lock[i], NULL);
	*out = r;
	return ST_OK;
}

void
dns_rrl_free(struct dns_rrl *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < RRL_LOCKS; i++)
		pthread_mutex_destroy(&r->lock[i]);
	free(r);
}

/* The client's network as a key that is never 0: the family on top. */
static uint64_t
rrl_key(const struct sockaddr *sa)
{
	const uint8_t *a;
	uint64_t k = 0;

	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		for (int i = 0; i < DNS_RRL_V4_BITS / 8; i++)
			k = k << 8 | a[i];
		return 1ULL << 62 | k;
	}
	a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	for (int i = 0; i < DNS_RRL_V6_BITS / 8; i++)
		k = k << 8 | a[i];
	return 2ULL << 62 | k;
}

static void
rrl_log_limited(uint64_t key)
{
	uint8_t a[16] = { 0 };
	char host[INET6_ADDRSTRLEN];
	int v4 = key >> 62 == 1;
	int n = (v4 ? DNS_RRL_V4_BITS : DNS_RRL_V6_BITS) / 8;

	for (int i = n - 1; i >= 0; i--, key >>= 8)
		a[i] = (uint8_t)key;
	if (inet_ntop(v4 ? AF_INET : AF_INET6, a, host, sizeof(host)) == NULL)
		return;
	log_info("dns: rate limiting responses to %s/%d", host,
	    v4 ? DNS_RRL_V4_BITS : DNS_RRL_V6_BITS);
}

enum dns_rrl_verdict
dns_rrl_check(struct dns_rrl *r, const struct sockaddr *sa, double now)
{
	uint64_t key = rrl_key(sa);
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;
	size_t si = (size_t)(h >> 40) % RRL_SETS;
	struct rrl_bucket *set = r->set[si], *b = NULL;
	pthread_mutex_t *lock = &r->lock[si % RRL_LOCKS];
	enum dns_rrl_verdict v = DNS_RRL_SEND;
	int started = 0;

	pthread_mutex_lock(lock);
	for (int i = 0; i < RRL_WAYS && b == NULL; i++)
		if (set[i].key == key)
			b = &set[i];
	if (b == NULL) {
		/* A new network takes the way seen least recently. */
		b = &set[0];
		for (int i = 1; i < RRL_WAYS; i++)
			if (set[i].last < b->last)
				b = &set[i];
		b->key = key;
		b->tokens = r->rate;
		b->last = now;
		b->over = 0;
		b->limited = 0;
	}
	if (now > b->last) {
		b->tokens += (now - b->last) * r->rate;
		if (b->tokens > r->rate)
			b->tokens = r->rate;
	}
	b->last = now;
	if (b->tokens >= r->rate)
		b->limited = 0;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
	} else {
		started = !b->limited;
		b->limited = 1;
		b->over++;
		v = r->slip != 0 && b->over % r->slip == 0 ? DNS_RRL_SLIP :
		    DNS_RRL_DROP;
	}
	pthread_mutex_unlock(lock);
	if (started)
		rrl_log_limited(key);
	return v;
}

size_t
dns_rrl_truncate(uint8_t *resp, size_t len)
{
	size_t end = DNS_HDR_LEN, nlen;

	if (len < DNS_HDR_LEN)
		return 0;
	if (wire_rd16(resp + 4) > 0) {
		if (dns_name_wire_len(resp + end, len - end, &nlen) != ST_OK ||
		    end + nlen + 4 > len)
			return 0;
		end += nlen + 4;
	}
	wire_wr16(resp + 2, wire_rd16(resp + 2) | DNS_FLAG_TC);
	wire_wr16(resp + 4, end > DNS_HDR_LEN ? 1 : 0);
	memset(resp + 6, 0, 6);
	return end;
}
