/*
 * test_cache.c -- the forwarder's cache: TTLs counted down, negative
 * answers per RFC 2308, what is not kept, keys, and LRU eviction within
 * the memory bound.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/cache.h"
#include "dns/msg.h"
#include "dns/pkt.h"
#include "util/error.h"
#include "util/wire.h"

struct msg {
	uint8_t buf[4096];
	size_t len;
	struct dns_query q;
};

static void
query(struct dns_query *q, const char *name, uint16_t qtype)
{
	memset(q, 0, sizeof(*q));
	assert_int_equal(dns_name_from_text(name, q->qname, &q->qname_len),
	    ST_OK);
	q->qtype = qtype;
	q->qclass = DNS_CLASS_IN;
	q->flags = DNS_FLAG_RD;
	q->has_question = 1;
}

/* A response to name: an A record of ttl unless ttl is 0; an SOA. */
static void
response(struct msg *m, const char *name, uint8_t rcode, uint32_t ttl,
    int soa, uint32_t soa_ttl, uint32_t minimum)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	uint8_t rd[128], apex[DNS_NAME_MAX];
	size_t n1, n2, alen;
	struct dns_pkt p;

	query(&m->q, name, DNS_TYPE_A);
	dns_pkt_init(&p, m->buf, sizeof(m->buf), sizeof(m->buf), &m->q,
	    0x0080, rcode);
	assert_int_equal(dns_pkt_put_question(&p, &m->q), ST_OK);
	if (ttl)
		assert_int_equal(dns_pkt_put_rr(&p, DNS_SEC_AN, m->q.qname,
		    DNS_TYPE_A, DNS_CLASS_IN, ttl, a, 4), ST_OK);
	if (soa) {
		dns_name_from_text("ns1.example.org", rd, &n1);
		dns_name_from_text("host.example.org", rd + n1, &n2);
		memset(rd + n1 + n2, 0, 16);
		wire_wr32(rd + n1 + n2 + 16, minimum);
		dns_name_from_text("example.org", apex, &alen);
		assert_int_equal(dns_pkt_put_rr(&p, DNS_SEC_NS, apex,
		    DNS_TYPE_SOA, DNS_CLASS_IN, soa_ttl, rd,
		    (uint16_t)(n1 + n2 + 20)), ST_OK);
	}
	m->len = dns_pkt_finish(&p);
}

/* The TTLs of the RRs of a message, in order. */
static size_t
ttls(const uint8_t *msg, size_t len, uint32_t *out, size_t max)
{
	struct dns_msg_iter it;
	struct dns_msg_rr rr;
	size_t n = 0;

	assert_int_equal(dns_msg_iter_init(&it, msg, len), ST_OK);
	while (n < max && dns_msg_iter_next(&it, &rr) == 1)
		out[n++] = rr.ttl;
	return n;
}

static int
put(struct dns_cache *c, const struct msg *m, double now)
{
	uint8_t key[DNS_CACHE_KEY_MAX];

	return dns_cache_put(c, key, dns_cache_key(&m->q, key), m->buf,
	    m->len, now);
}

static int
get(struct dns_cache *c, const struct dns_query *q, double now,
    uint8_t *out, size_t *len)
{
	uint8_t key[DNS_CACHE_KEY_MAX];

	return dns_cache_get(c, key, dns_cache_key(q, key), now, out, 4096,
	    len);
}

static void
test_positive_ttl(void **state)
{
	struct dns_cache *c;
	struct msg m;
	uint8_t out[4096];
	uint32_t t[4];
	size_t len;

	(void)state;
	assert_int_equal(dns_cache_new(1 << 20, &c), ST_OK);
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 300, 0, 0, 0);
	assert_int_equal(put(c, &m, 1000.0), ST_OK);
	assert_int_equal(get(c, &m.q, 1000.0, out, &len), ST_OK);
	assert_int_equal(len, m.len);
	assert_int_equal(ttls(out, len, t, 4), 1);
	assert_int_equal(t[0], 300);
	/* Counted down by the seconds kept. */
	assert_int_equal(get(c, &m.q, 1100.5, out, &len), ST_OK);
	ttls(out, len, t, 4);
	assert_int_equal(t[0], 200);
	assert_memory_equal(out + DNS_HDR_LEN, m.buf + DNS_HDR_LEN, 10);
	assert_int_equal(get(c, &m.q, 1299.9, out, &len), ST_OK);
	ttls(out, len, t, 4);
	assert_int_equal(t[0], 1);
	/* Gone when the TTL is over, and removed. */
	assert_int_equal(get(c, &m.q, 1300.0, out, &len), ST_ENOTFOUND);
	dns_cache_stats(c, &len, &(size_t){ 0 });
	assert_int_equal(len, 0);
	dns_cache_free(c);
}

static void
test_negative_ttl(void **state)
{
	struct dns_cache *c;
	struct msg m;
	uint8_t out[4096];
	uint32_t ttl, t[4];
	size_t len;

	(void)state;
	/* NXDOMAIN: the lesser of the SOA's TTL and MINIMUM (RFC 2308 5). */
	response(&m, "nx.example.org", DNS_RCODE_NXDOMAIN, 0, 1, 3600, 60);
	assert_int_equal(dns_cache_ttl(m.buf, m.len, &ttl), ST_OK);
	assert_int_equal(ttl, 60);
	/* NODATA, the TTL the lesser. */
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 0, 1, 30, 600);
	assert_int_equal(dns_cache_ttl(m.buf, m.len, &ttl), ST_OK);
	assert_int_equal(ttl, 30);
	/* Capped at an hour. */
	response(&m, "nx.example.org", DNS_RCODE_NXDOMAIN, 0, 1, 999999, 999999);
	assert_int_equal(dns_cache_ttl(m.buf, m.len, &ttl), ST_OK);
	assert_int_equal(ttl, DNS_CACHE_MAX_NEG_TTL);
	/* A negative answer without an SOA is not kept (RFC 2308 5). */
	response(&m, "nx.example.org", DNS_RCODE_NXDOMAIN, 0, 0, 0, 0);
	assert_int_equal(dns_cache_ttl(m.buf, m.len, &ttl), ST_ENOTFOUND);
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 0, 0, 0, 0);
	assert_int_equal(dns_cache_ttl(m.buf, m.len, &ttl), ST_ENOTFOUND);

	assert_int_equal(dns_cache_new(1 << 20, &c), ST_OK);
	response(&m, "nx.example.org", DNS_RCODE_NXDOMAIN, 0, 1, 3600, 60);
	assert_int_equal(put(c, &m, 50.0), ST_OK);
	assert_int_equal(get(c, &m.q, 70.0, out, &len), ST_OK);
	assert_int_equal(out[3] & 0x0f, DNS_RCODE_NXDOMAIN);
	assert_int_equal(ttls(out, len, t, 4), 1);
	assert_int_equal(t[0], 3600 - 20);	/* the SOA's own TTL, aged */
	assert_int_equal(get(c, &m.q, 110.0, out, &len), ST_ENOTFOUND);
	dns_cache_free(c);
}

static void
test_not_kept(void **state)
{
	struct dns_cache *c;
	struct msg m;
	uint32_t ttl;

	(void)state;
	assert_int_equal(dns_cache_new(1 << 20, &c), ST_OK);
	response(&m, "www.example.org", DNS_RCODE_SERVFAIL, 300, 0, 0, 0);
	assert_int_equal(put(c, &m, 0), ST_ENOTFOUND);
	response(&m, "www.example.org", DNS_RCODE_REFUSED, 300, 0, 0, 0);
	assert_int_equal(put(c, &m, 0), ST_ENOTFOUND);
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 300, 0, 0, 0);
	m.buf[2] |= DNS_FLAG_TC >> 8;
	assert_int_equal(put(c, &m, 0), ST_ENOTFOUND);
	/* TTL 0: for this answer only. */
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 300, 1, 0, 0);
	assert_int_equal(put(c, &m, 0), ST_ENOTFOUND);
	/* The least TTL of all, and the cap. */
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 300, 1, 100, 50);
	assert_int_equal(dns_cache_ttl(m.buf, m.len, &ttl), ST_OK);
	assert_int_equal(ttl, 50);
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 3000000, 0, 0, 0);
	assert_int_equal(dns_cache_ttl(m.buf, m.len, &ttl), ST_OK);
	assert_int_equal(ttl, DNS_CACHE_MAX_TTL);
	/* Over 2^31-1 means 0 (RFC 2181 8). */
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 0x80000000u, 0, 0, 0);
	assert_int_equal(put(c, &m, 0), ST_ENOTFOUND);
	/* Garbage. */
	assert_int_equal(dns_cache_ttl(m.buf, 20, &ttl), ST_EFORMAT);
	dns_cache_free(c);
}

static void
test_keys(void **state)
{
	struct dns_cache *c;
	struct dns_query q;
	struct msg m;
	uint8_t out[4096];
	size_t len, n, bytes;

	(void)state;
	assert_int_equal(dns_cache_new(1 << 20, &c), ST_OK);
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 300, 0, 0, 0);
	assert_int_equal(put(c, &m, 0), ST_OK);
	/* Names are case-insensitive. */
	query(&q, "WWW.Example.ORG", DNS_TYPE_A);
	assert_int_equal(get(c, &q, 1, out, &len), ST_OK);
	/* Type, class, DO and CD make other keys. */
	query(&q, "www.example.org", DNS_TYPE_AAAA);
	assert_int_equal(get(c, &q, 1, out, &len), ST_ENOTFOUND);
	query(&q, "www.example.org", DNS_TYPE_A);
	q.qclass = DNS_CLASS_CH;
	assert_int_equal(get(c, &q, 1, out, &len), ST_ENOTFOUND);
	query(&q, "www.example.org", DNS_TYPE_A);
	q.edns_do = 1;
	assert_int_equal(get(c, &q, 1, out, &len), ST_ENOTFOUND);
	query(&q, "www.example.org", DNS_TYPE_A);
	q.flags |= DNS_FLAG_CD;
	assert_int_equal(get(c, &q, 1, out, &len), ST_ENOTFOUND);
	/* The same key again replaces. */
	response(&m, "www.example.org", DNS_RCODE_NOERROR, 600, 0, 0, 0);
	assert_int_equal(put(c, &m, 0), ST_OK);
	dns_cache_stats(c, &n, &bytes);
	assert_int_equal(n, 1);
	assert_int_equal(get(c, &m.q, 400, out, &len), ST_OK);
	/* Too small a buffer. */
	assert_int_equal(dns_cache_get(c, out, dns_cache_key(&m.q, out), 1,
	    out + 512, 10, &len), ST_ESPACE);
	dns_cache_free(c);
}

static void
test_eviction(void **state)
{
	struct dns_cache *c;
	struct msg m, first, kept;
	uint8_t out[4096];
	char name[64];
	size_t len, n, bytes;
	const size_t max = 32 * 1024;

	(void)state;
	assert_int_equal(dns_cache_new(max, &c), ST_OK);
	response(&kept, "kept.example.org", DNS_RCODE_NOERROR, 300, 0, 0, 0);
	response(&first, "first.example.org", DNS_RCODE_NOERROR, 300, 0, 0, 0);
	assert_int_equal(put(c, &kept, 0), ST_OK);
	assert_int_equal(put(c, &first, 0), ST_OK);
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "n%d.example.org", i);
		response(&m, name, DNS_RCODE_NOERROR, 300, 0, 0, 0);
		assert_int_equal(put(c, &m, 1), ST_OK);
		/* Used all the time: never the least recently used. */
		assert_int_equal(get(c, &kept.q, 1, out, &len), ST_OK);
		dns_cache_stats(c, &n, &bytes);
		assert_true(bytes <= max);
	}
	assert_true(n > 50);
	assert_true(n < 2000);
	assert_int_equal(get(c, &first.q, 1, out, &len), ST_ENOTFOUND);
	assert_int_equal(get(c, &kept.q, 1, out, &len), ST_OK);
	/* The latest are there. */
	assert_int_equal(get(c, &m.q, 1, out, &len), ST_OK);
	dns_cache_free(c);

	/* An answer larger than a slab's share is not kept. */
	assert_int_equal(dns_cache_new(1024, &c), ST_OK);
	assert_int_equal(put(c, &kept, 0), ST_ENOTFOUND);
	dns_cache_free(c);
	dns_cache_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positive_ttl),
		cmocka_unit_test(test_negative_ttl),
		cmocka_unit_test(test_not_kept),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
