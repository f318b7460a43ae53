/*
 * test_tsig_interop.c -- TSIG against independent implementations, from
 * messages captured off BIND's and Knot's tools (tests/unit/data/tsig, see
 * its README): requests from dig, kdig, nsupdate and knsupdate, which we
 * must verify; and Knot's answers, single and a multi-message AXFR, which we
 * must verify, and sign again to the same octets. The live counterpart is
 * tests/system/tsig-interop.sh.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/pkt.h"
#include "dns/tsig.h"
#include "util/error.h"
#include "util/wire.h"
#include "tsig_fixture.h"

/* Requests signed by BIND's and Knot's tools. */
static void
test_captured_requests(void **state)
{
	static const struct {
		const char *file, *key;
		uint8_t opcode;
		uint16_t maclen;
	} caps[] = {
		{ "dig-hmac-sha1.bin", "k1.example", 0, 20 },
		{ "dig-hmac-sha224.bin", "k224.example", 0, 28 },
		{ "dig-hmac-sha256.bin", "k256.example", 0, 32 },
		{ "dig-hmac-sha384.bin", "k384.example", 0, 48 },
		{ "dig-hmac-sha512.bin", "k512.example", 0, 64 },
		{ "dig-hmac-sha256-128.bin", "t256.example", 0, 16 },
		{ "kdig-hmac-sha1.bin", "k1.example", 0, 20 },
		{ "kdig-hmac-sha256.bin", "k256.example", 0, 32 },
		{ "kdig-hmac-sha512.bin", "k512.example", 0, 64 },
		{ "nsupdate-k.bin", "k256.example", 5, 32 },
		{ "knsupdate-hmac-sha512.bin", "k512.example", 5, 64 },
		{ "knot-query-request.bin", "k256.example", 0, 32 },
		{ "knot-axfr-request.bin", "k256.example", 0, 32 },
	};
	struct dns_tsig_ctx srv;
	struct dns_tsig_rr rr;
	uint16_t err;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		size_t len = tf_load(caps[i].file, tf_req);
		uint64_t ts;

		assert_int_equal(dns_tsig_rr_find(tf_req, len, &rr), ST_OK);
		assert_int_equal(rr.maclen, caps[i].maclen);
		assert_int_equal((tf_req[2] >> 3) & 0x0f, caps[i].opcode);
		ts = rr.time_signed;
		assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len,
		    ts), ST_OK);
		assert_int_equal(srv.error, DNS_TSIG_NOERROR);
		assert_ptr_equal(srv.key, tf_key(caps[i].key));
		dns_tsig_ctx_deinit(&srv);
		assert_int_equal(tf_verify(tf_req, len, ts + rr.fudge, &err), ST_OK);
		assert_int_equal(err, DNS_TSIG_NOERROR);
		assert_int_equal(tf_verify(tf_req, len, ts + rr.fudge + 1, &err),
		    ST_OK);
		assert_int_equal(err, DNS_TSIG_BADTIME);
		tf_req[DNS_HDR_LEN + 1] ^= 0x20;
		assert_int_equal(tf_verify(tf_req, len, ts, &err), ST_OK);
		assert_int_equal(err, DNS_TSIG_BADSIG);
	}
	/* dig puts its TSIG after an OPT RR (with a cookie). */
	tf_load("dig-hmac-sha256.bin", tf_req);
	assert_int_equal(wire_rd16(tf_req + 10), 2);
}

/* Knot's answers: we verify them, and sign them to the same octets. */
static void
test_knot_answers(void **state)
{
	static const char *axfr[] = { "knot-axfr-response-1.bin",
	    "knot-axfr-response-2.bin", "knot-axfr-response-3.bin" };
	struct dns_tsig_ctx srv, mine, start;
	struct dns_tsig_rr rr;
	size_t len, rlen;

	len = tf_load("knot-query-request.bin", tf_req);
	assert_int_equal(dns_tsig_rr_find(tf_req, len, &rr), ST_OK);
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len,
	    rr.time_signed), ST_OK);
	mine = srv;
	rlen = tf_load("knot-query-response.bin", tf_resp);
	assert_int_equal(dns_tsig_rr_find(tf_resp, rlen, &rr), ST_OK);
	assert_int_equal(dns_tsig_verify_response(&srv, tf_resp, rlen,
	    rr.time_signed), ST_OK);
	assert_int_equal(srv.error, DNS_TSIG_NOERROR);
	len = rr.off;
	memcpy(tf_req, tf_resp, len);
	wire_wr16(tf_req + 10, (uint16_t)(wire_rd16(tf_req + 10) - 1));
	assert_int_equal(dns_tsig_sign(&mine, tf_req, &len, TF_BUF, rr.time_signed),
	    ST_OK);
	assert_int_equal(len, rlen);
	assert_memory_equal(tf_req, tf_resp, rlen);
	dns_tsig_ctx_deinit(&srv);
	dns_tsig_ctx_deinit(&mine);

	/* The AXFR, message by message. */
	len = tf_load("knot-axfr-request.bin", tf_req);
	assert_int_equal(dns_tsig_rr_find(tf_req, len, &rr), ST_OK);
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len,
	    rr.time_signed), ST_OK);
	mine = start = srv;
	for (int m = 0; m < 3; m++) {
		rlen = tf_load(axfr[m], tf_resp);
		assert_int_equal(dns_tsig_rr_find(tf_resp, rlen, &rr), ST_OK);
		assert_int_equal(dns_tsig_verify_response(&srv, tf_resp, rlen,
		    rr.time_signed), ST_OK);
		assert_int_equal(srv.error, DNS_TSIG_NOERROR);
		len = rr.off;
		memcpy(tf_req, tf_resp, len);
		wire_wr16(tf_req + 10, (uint16_t)(wire_rd16(tf_req + 10) - 1));
		assert_int_equal(dns_tsig_sign(&mine, tf_req, &len, TF_BUF,
		    rr.time_signed), ST_OK);
		assert_int_equal(len, rlen);
		assert_memory_equal(tf_req, tf_resp, rlen);
	}
	dns_tsig_ctx_deinit(&srv);
	/* Without its second message, the third does not verify. */
	srv = start;
	rlen = tf_load(axfr[0], tf_resp);
	dns_tsig_verify_response(&srv, tf_resp, rlen, rr.time_signed);
	assert_int_equal(srv.error, DNS_TSIG_NOERROR);
	rlen = tf_load(axfr[2], tf_resp);
	dns_tsig_verify_response(&srv, tf_resp, rlen, rr.time_signed);
	assert_int_equal(srv.error, DNS_TSIG_BADSIG);
	dns_tsig_ctx_deinit(&srv);
	dns_tsig_ctx_deinit(&mine);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_requests),
		cmocka_unit_test(test_knot_answers),
	};

	return cmocka_run_group_tests(tests, tf_setup, tf_teardown);
}
