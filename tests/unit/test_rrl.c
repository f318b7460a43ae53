/*
 * test_rrl.c -- response rate limiting: the token bucket per /24 and /56,
 * its refill, the slip, truncated responses and a table under a flood of
 * networks.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/pkt.h"
#include "dns/rrl.h"
#include "util/error.h"
#include "util/wire.h"
#include "testlib.h"

static enum dns_rrl_verdict
check(struct dns_rrl *r, const char *addr, double now)
{
	struct sockaddr_storage ss = testlib_addr(addr);

	return dns_rrl_check(r, (struct sockaddr *)&ss, now);
}

static void
test_bucket(void **state)
{
	struct dns_rrl *r;

	(void)state;
	assert_int_equal(dns_rrl_new(10, 0, &r), ST_OK);
	/* A burst of one second's worth, then nothing. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(check(r, "192.0.2.1", 100.0), DNS_RRL_SEND);
	for (int i = 0; i < 20; i++)
		assert_int_equal(check(r, "192.0.2.1", 100.0), DNS_RRL_DROP);
	/* Refilled at the rate: half a second, five. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(check(r, "192.0.2.1", 100.5), DNS_RRL_SEND);
	assert_int_equal(check(r, "192.0.2.1", 100.5), DNS_RRL_DROP);
	/* A steady 8/s passes. */
	for (int i = 1; i <= 50; i++)
		assert_int_equal(check(r, "192.0.2.1", 100.5 + i * 0.125),
		    DNS_RRL_SEND);
	/* The bucket holds no more than one second, however long the pause. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(check(r, "192.0.2.1", 1000.0), DNS_RRL_SEND);
	assert_int_equal(check(r, "192.0.2.1", 1000.0), DNS_RRL_DROP);
	dns_rrl_free(r);
	dns_rrl_free(NULL);
}

static void
test_prefixes(void **state)
{
	struct dns_rrl *r;

	(void)state;
	assert_int_equal(dns_rrl_new(2, 0, &r), ST_OK);
	assert_int_equal(check(r, "192.0.2.1", 1), DNS_RRL_SEND);
	assert_int_equal(check(r, "192.0.2.200", 1), DNS_RRL_SEND);
	/* One /24, one bucket. */
	assert_int_equal(check(r, "192.0.2.77", 1), DNS_RRL_DROP);
	/* Another /24 has its own. */
	assert_int_equal(check(r, "192.0.3.1", 1), DNS_RRL_SEND);
	assert_int_equal(check(r, "198.51.100.1", 1), DNS_RRL_SEND);

	/* IPv6 by /56. */
	assert_int_equal(check(r, "2001:db8:0:1::1", 1), DNS_RRL_SEND);
	assert_int_equal(check(r, "2001:db8:0:ff:1:2:3:4", 1), DNS_RRL_SEND);
	assert_int_equal(check(r, "2001:db8:0:42::9", 1), DNS_RRL_DROP);
	assert_int_equal(check(r, "2001:db8:0:100::1", 1), DNS_RRL_SEND);
	/* The v4 and v6 key spaces do not meet: ::c000:200 is not 192.0.2. */
	assert_int_equal(check(r, "::c000:201", 1), DNS_RRL_SEND);
	dns_rrl_free(r);
}

static void
test_slip(void **state)
{
	struct dns_rrl *r;
	int slipped = 0, dropped = 0;

	(void)state;
	assert_int_equal(dns_rrl_new(5, 2, &r), ST_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(check(r, "203.0.113.9", 7), DNS_RRL_SEND);
	/* Over the rate: every second one truncated, the others dropped. */
	for (int i = 0; i < 100; i++) {
		enum dns_rrl_verdict v = check(r, "203.0.113.9", 7);

		assert_int_equal(v, i % 2 ? DNS_RRL_SLIP : DNS_RRL_DROP);
		slipped += v == DNS_RRL_SLIP;
		dropped += v == DNS_RRL_DROP;
	}
	assert_int_equal(slipped, 50);
	assert_int_equal(dropped, 50);
	dns_rrl_free(r);

	/* slip 1: all truncated. */
	assert_int_equal(dns_rrl_new(1, 1, &r), ST_OK);
	assert_int_equal(check(r, "203.0.113.9", 7), DNS_RRL_SEND);
	for (int i = 0; i < 10; i++)
		assert_int_equal(check(r, "203.0.113.9", 7), DNS_RRL_SLIP);
	dns_rrl_free(r);
}

static void
test_truncate(void **state)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	struct dns_query q;
	struct dns_pkt p;
	uint8_t buf[1024], copy[1024];
	size_t len, qlen;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.id = 0x1234;
	q.edns = 1;
	assert_int_equal(dns_name_from_text("web.marathon.mesos", q.qname,
	    &q.qname_len), ST_OK);
	q.qtype = DNS_TYPE_A;
	q.qclass = DNS_CLASS_IN;
	dns_pkt_init(&p, buf, sizeof(buf), sizeof(buf), &q, DNS_FLAG_AA, 0);
	assert_int_equal(dns_pkt_put_question(&p, &q), ST_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(dns_pkt_put_rr(&p, DNS_SEC_AN, q.qname,
		    DNS_TYPE_A, DNS_CLASS_IN, 60, a, 4), ST_OK);
	len = dns_pkt_finish_opt(&p, 1232, 0, 0);
	memcpy(copy, buf, len);
	qlen = dns_rrl_truncate(buf, len);
	assert_int_equal(qlen, DNS_HDR_LEN + q.qname_len + 4);
	assert_int_equal(wire_rd16(buf), 0x1234);
	assert_true(wire_rd16(buf + 2) & DNS_FLAG_TC);
	assert_true(wire_rd16(buf + 2) & DNS_FLAG_AA);
	assert_int_equal(wire_rd16(buf + 4), 1);
	assert_int_equal(wire_rd16(buf + 6), 0);
	assert_int_equal(wire_rd16(buf + 8), 0);
	assert_int_equal(wire_rd16(buf + 10), 0);
	assert_memory_equal(buf + DNS_HDR_LEN, copy + DNS_HDR_LEN,
	    qlen - DNS_HDR_LEN);

	/* No question (a FORMERR): the header alone. */
	wire_wr16(copy + 4, 0);
	assert_int_equal(dns_rrl_truncate(copy, len), DNS_HDR_LEN);
	/* Nothing readable: drop. */
	assert_int_equal(dns_rrl_truncate(copy, 5), 0);
	wire_wr16(copy + 4, 1);
	copy[DNS_HDR_LEN] = 0xc0;
	assert_int_equal(dns_rrl_truncate(copy, len), 0);
}

static void
test_many_networks(void **state)
{
	struct dns_rrl *r;
	struct sockaddr_in sin;

	(void)state;
	assert_int_equal(dns_rrl_new(1, 0, &r), ST_OK);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	/* More networks than the table holds: each new one starts full. */
	for (uint32_t i = 0; i < 100000; i++) {
		sin.sin_addr.s_addr = htonl(0x0a000000u + (i << 8));
		assert_int_equal(dns_rrl_check(r, (struct sockaddr *)&sin, 5.0),
		    DNS_RRL_SEND);
	}
	/* The last ones are still counted. */
	assert_int_equal(dns_rrl_check(r, (struct sockaddr *)&sin, 5.0),
	    DNS_RRL_DROP);
	dns_rrl_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_slip),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_many_networks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
