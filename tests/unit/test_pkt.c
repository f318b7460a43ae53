/*
 * test_pkt.c -- query parsing (hostile input included) and response building.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/pkt.h"
#include "util/error.h"
#include "testlib.h"

static void
test_parse_plain_and_edns(void **state)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t len;

	len = testlib_query(buf, sizeof(buf), 0x1234, "Web.Marathon.mesos", DNS_TYPE_SRV, DNS_CLASS_IN, 0);
	assert_int_equal(dns_pkt_parse_query(buf, len, &q), ST_OK);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.qtype, DNS_TYPE_SRV);
	assert_false(q.edns);
	assert_int_equal(q.udp_size, 512);
	/* The question keeps its case. */
	assert_memory_equal(q.qname, "\3Web\10Marathon\5mesos", 20);

	len = testlib_query(buf, sizeof(buf), 1, "a.mesos", DNS_TYPE_A, DNS_CLASS_IN, 4096);
	assert_int_equal(dns_pkt_parse_query(buf, len, &q), ST_OK);
	assert_true(q.edns);
	assert_int_equal(q.udp_size, 4096);
	/* A payload size below 512 counts as 512 (RFC 6891 6.2.5). */
	len = testlib_query(buf, sizeof(buf), 1, "a.mesos", DNS_TYPE_A, DNS_CLASS_IN, 100);
	assert_int_equal(dns_pkt_parse_query(buf, len, &q), ST_OK);
	assert_int_equal(q.udp_size, 512);
}

static void
test_parse_hostile(void **state)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t len;

	len = testlib_query(buf, sizeof(buf), 1, "a.mesos", DNS_TYPE_A, DNS_CLASS_IN, 0);
	/* Too short for a header: nothing to answer. */
	assert_int_equal(dns_pkt_parse_query(buf, 11, &q), ST_EINVAL);
	/* A response is never answered. */
	buf[2] |= 0x80;
	assert_int_equal(dns_pkt_parse_query(buf, len, &q), ST_EINVAL);
	buf[2] &= 0x7f;
	/* The question cut short. */
	assert_int_equal(dns_pkt_parse_query(buf, len - 1, &q), ST_EFORMAT);
	assert_int_equal(dns_pkt_parse_query(buf, 14, &q), ST_EFORMAT);
	/* Counts larger than the packet. */
	buf[11] = 5;
	assert_int_equal(dns_pkt_parse_query(buf, len, &q), ST_EFORMAT);
	buf[11] = 0;
	buf[5] = 2;
	assert_int_equal(dns_pkt_parse_query(buf, len, &q), ST_EFORMAT);
	buf[5] = 0;
	assert_int_equal(dns_pkt_parse_query(buf, len, &q), ST_EFORMAT);
	buf[5] = 1;
	buf[7] = 1;	/* an answer record in a query */
	assert_int_equal(dns_pkt_parse_query(buf, len, &q), ST_EFORMAT);
	buf[7] = 0;
	/* A compression loop in the question. */
	buf[12] = 0xc0;
	buf[13] = 12;
	assert_int_equal(dns_pkt_parse_query(buf, len, &q), ST_EFORMAT);
}

static void
test_parse_bad_opt(void **state)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t len, opt;

	len = testlib_query(buf, sizeof(buf), 1, "a.mesos", DNS_TYPE_A, DNS_CLASS_IN, 1232);
	opt = len - 11;
	/* Two OPT records. */
	memcpy(buf + len, buf + opt, 11);
	buf[11] = 2;
	assert_int_equal(dns_pkt_parse_query(buf, len + 11, &q), ST_EFORMAT);
	/* An option longer than the rdata. */
	buf[11] = 1;
	buf[opt + 10] = 4;
	memcpy(buf + len, "\0\x0a\0\x08", 4);
	assert_int_equal(dns_pkt_parse_query(buf, len + 4, &q), ST_EFORMAT);
	/* Rdata length past the end. */
	buf[opt + 10] = 40;
	assert_int_equal(dns_pkt_parse_query(buf, len + 4, &q), ST_EFORMAT);
}

static void
test_build_compression_and_limit(void **state)
{
	uint8_t qbuf[512], out[512];
	uint8_t target[64];
	struct dns_query q;
	struct dns_pkt p;
	size_t qlen, tlen, before;

	qlen = testlib_query(qbuf, sizeof(qbuf), 7, "web.marathon.mesos", DNS_TYPE_NS, DNS_CLASS_IN, 0);
	assert_int_equal(dns_pkt_parse_query(qbuf, qlen, &q), ST_OK);
	dns_pkt_init(&p, out, sizeof(out), 100, &q, DNS_FLAG_AA, 0);
	assert_int_equal(dns_pkt_put_question(&p, &q), ST_OK);
	assert_int_equal(p.len, qlen);
	dns_name_from_text("ns1.mesos", target, &tlen);
	before = p.len;
	assert_int_equal(dns_pkt_put_rr(&p, DNS_SEC_AN, q.qname, DNS_TYPE_NS, DNS_CLASS_IN, 60, target, (uint16_t)tlen), ST_OK);
	/* Owner is a pointer to the question; rdata "ns1" + pointer to "mesos". */
	assert_int_equal(p.len - before, 2 + 10 + 4 + 2);
	assert_int_equal(out[before], 0xc0);
	assert_int_equal(out[before + 1], 12);
	/* Over the limit: refused, and the packet is as it was. */
	before = p.len;
	for (int i = 0; i < 10; i++)
		if (dns_pkt_put_rr(&p, DNS_SEC_AN, q.qname, DNS_TYPE_NS, DNS_CLASS_IN, 60, target, (uint16_t)tlen) != ST_OK)
			break;
	assert_true(p.len <= 100);
	assert_int_equal(dns_pkt_put_rr(&p, DNS_SEC_AN, q.qname, DNS_TYPE_NS,
	    DNS_CLASS_IN, 60, target, (uint16_t)tlen), ST_ESPACE);
	/* Malformed rdata for a type with a name is refused. */
	assert_int_equal(dns_pkt_put_rr(&p, DNS_SEC_AN, q.qname, DNS_TYPE_CNAME,
	    DNS_CLASS_IN, 60, (const uint8_t *)"\5ab", 3), ST_EFORMAT);
	assert_int_equal(dns_pkt_finish(&p), p.len);
	assert_int_equal(out[2] & 0x84, 0x84);	/* QR, AA */
	assert_int_equal(out[7], p.counts[DNS_SEC_AN]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain_and_edns),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_parse_bad_opt),
		cmocka_unit_test(test_build_compression_and_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
