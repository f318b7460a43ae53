/*
 * test_xfr.c -- AXFR and IXFR answers out of a store written the way
 * stadiond writes it, parsed back by ldns: the zone's contents (nested
 * zones cut at their delegation, the served view only), message sizes,
 * IXFR applied on the old AXFR giving the new one, the fallbacks, UDP,
 * refusals and malformed requests.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns/pkt.h"
#include "dns/tsig.h"
#include "dns/xfr.h"
#include "util/error.h"
#include "util/wire.h"
#include "testlib.h"
#include "xfr_fixture.h"

#define FW "marathon.mesos"

static void
free_set(char **v, size_t n)
{
	xf_lines_free(v, n);
}

static void
assert_same_set(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	for (i = 0; i < na && i < nb; i++)
		if (strcmp(a[i], b[i]) != 0)
			fail_msg("sets differ at %zu: '%s' vs '%s'", i, a[i],
			    b[i]);
	if (na != nb)
		fail_msg("sets differ in size: %zu vs %zu ('%s')", na, nb,
		    na > nb ? a[i] : b[i]);
}

static void
test_axfr_registry(void **state)
{
	struct xf *f = *state;
	char **v;
	size_t n;

	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 3);
	xf_put(f, "web", "a2", "10.0.0.2", 8081, "healthy", 1);
	xf_put(f, "web", "a3", "10.0.0.3", 8082, "unhealthy", 1);
	xf_put(f, "web", "a4", "10.0.0.4", 8083, "standby", 1);
	v = xf_axfr_set(f, FW, &n);
	/* SOA, NS; A at web twice, web-a1, web-a2; SRV 2 + 2. */
	assert_int_equal(n, 2 + 2 + 2 + 4);
	assert_int_equal(xf_line_has(v, n, "marathon.mesos.\t60\tIN\tSOA\t"
	    "ns1.mesos. root.ns1.mesos. "), 1);
	assert_int_equal(xf_line_has(v, n,
	    "marathon.mesos.\t60\tIN\tNS\tns1.mesos."), 1);
	assert_int_equal(xf_line_has(v, n,
	    "web.marathon.mesos.\t60\tIN\tA\t10.0.0."), 2);
	assert_int_equal(xf_line_has(v, n,
	    "web-a1.marathon.mesos.\t60\tIN\tA\t10.0.0.1"), 1);
	assert_int_equal(xf_line_has(v, n, "web-a3"), 0);
	assert_int_equal(xf_line_has(v, n, "web-a4"), 0);
	/* The weights, in the SRV RRs. */
	assert_int_equal(xf_line_has(v, n, "_web._tcp.marathon.mesos.\t60\tIN"
	    "\tSRV\t0 3 8080 web-a1.marathon.mesos."), 1);
	assert_int_equal(xf_line_has(v, n, "_http._web._tcp.marathon.mesos.\t"
	    "60\tIN\tSRV\t0 1 8081 web-a2.marathon.mesos."), 1);
	free_set(v, n);
}

/* The outer zone ends at the inner one's apex, keeping the delegation. */
static void
test_axfr_nested(void **state)
{
	struct xf *f = *state;
	char **v;
	size_t n;

	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 1);
	xf_zonefile(f, "mesos.zone", "$ORIGIN mesos.\n$TTL 300\n"
	    "www A 192.0.2.80\nwww AAAA 2001:db8::80\n"
	    "mail MX 10 mx.example.\n");
	v = xf_axfr_set(f, "mesos", &n);
	assert_int_equal(n, 6);
	assert_int_equal(xf_line_has(v, n, "mesos.\t60\tIN\tSOA"), 1);
	assert_int_equal(xf_line_has(v, n,
	    "mesos.\t60\tIN\tNS\tns1.mesos."), 1);
	assert_int_equal(xf_line_has(v, n,
	    "marathon.mesos.\t60\tIN\tNS\tns1.mesos."), 1);
	assert_int_equal(xf_line_has(v, n, "www.mesos.\t300\tIN\tA\t"), 1);
	assert_int_equal(xf_line_has(v, n, "www.mesos.\t300\tIN\tAAAA\t"), 1);
	assert_int_equal(xf_line_has(v, n, "mail.mesos.\t300\tIN\tMX\t"), 1);
	assert_int_equal(xf_line_has(v, n, "web"), 0);
	free_set(v, n);
	/* The inner zone alone has the names under it. */
	v = xf_axfr_set(f, FW, &n);
	assert_int_equal(xf_line_has(v, n, "www"), 0);
	assert_int_equal(xf_line_has(v, n, "web.marathon.mesos."), 1);
	free_set(v, n);
}

/* Many RRs: many messages, none above the size, room kept for TSIG. */
static void
test_axfr_messages(void **state)
{
	struct xf_req r = { .reserve = 400, .edns = 1 };
	struct xf *f = *state;
	struct xf_msgs ms = { .n = 0 };
	char id[32], addr[32], **v;
	size_t n, total = 0;
	uint8_t rcode;

	for (int i = 0; i < 600; i++) {
		snprintf(id, sizeof(id), "task-%d", i);
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 250,
		    i % 250 + 1);
		xf_put(f, i % 2 ? "api" : "web", id, addr, 10000 + i, NULL, 1);
	}
	assert_int_equal(xf_transfer(f, FW, DNS_TYPE_AXFR, 0, &r, &ms), ST_OK);
	assert_true(ms.n > 3);
	for (size_t i = 0; i < ms.n; i++) {
		ldns_pkt *pkt;

		assert_true(ms.len[i] <= DNS_XFR_MSG_SIZE + DNS_OPT_LEN);
		total += ms.len[i];
		/* Each message is a response of its own, with the OPT RR. */
		assert_int_equal(ldns_wire2pkt(&pkt, ms.m[i], ms.len[i]),
		    LDNS_STATUS_OK);
		assert_non_null(ldns_pkt_edns(pkt) ? pkt : NULL);
		ldns_pkt_free(pkt);
	}
	v = xf_lines(&ms, &n, &rcode);
	assert_int_equal(rcode, DNS_RCODE_NOERROR);
	/* SOA NS, A at web and api, per task: A + 2 SRV, SOA. */
	assert_int_equal(n, 2 + 600 + 600 * 3 + 1);
	/* Compressed: far less than the names written out. */
	assert_true(total < n * 60);
	xf_lines_free(v, n);
	xf_msgs_free(&ms);

	/* A failing send ends the transfer with its error. */
	ms.fail_at = 2;
	assert_int_equal(xf_transfer(f, FW, DNS_TYPE_AXFR, 0, &r, &ms), ST_EIO);
	assert_int_equal(ms.n, 1);
	xf_msgs_free(&ms);
}

/* An RR too big for a message filled to the usual size gets its own. */
static void
test_axfr_big_rr(void **state)
{
	struct xf *f = *state;
	char text[65536], *p = text, **v;
	size_t n;

	p += sprintf(p, "$ORIGIN mesos.\n$TTL 60\nbig TXT");
	for (int i = 0; i < 100; i++)
		p += sprintf(p, " \"%0200d\"", i);
	sprintf(p, "\nsmall TXT \"x\"\n");
	xf_zonefile(f, "mesos.zone", text);
	v = xf_axfr_set(f, "mesos", &n);
	assert_int_equal(xf_line_has(v, n, "big.mesos.\t60\tIN\tTXT\t"), 1);
	assert_int_equal(xf_line_has(v, n, "small.mesos.\t60\tIN\tTXT\t"), 1);
	free_set(v, n);
}

/* Apply IXFR from each earlier serial on that version's AXFR. */
static void
test_ixfr_applies(void **state)
{
	struct xf *f = *state;
	char **sets[12], **ixfr, **got, id[16];
	size_t nsets[12], nixfr, ngot;
	uint32_t serials[12];
	struct xf_msgs ms = { .n = 0 };
	uint8_t rcode;
	int inc;

	for (int round = 0; round < 12; round++) {
		serials[round] = testlib_serial(f->st, FW);
		sets[round] = xf_axfr_set(f, FW, &nsets[round]);
		snprintf(id, sizeof(id), "a%d", round % 4);
		switch (round % 3) {
		case 0:
			xf_put(f, "web", id, "10.0.0.1", 8000 + round, NULL, 1);
			break;
		case 1:
			xf_put(f, round % 2 ? "db" : "web", id, "10.0.0.2",
			    8000, round % 4 ? "unhealthy" : "healthy", round);
			break;
		default:
			xf_del(f, "web", "a0");
			xf_put(f, "web", "a0", "10.9.0.1", 9000, NULL, 2);
		}
	}
	got = xf_axfr_set(f, FW, &ngot);
	free_set(got, ngot);
	for (int round = 0; round < 12; round++) {
		char **now = xf_axfr_set(f, FW, &ngot);
		size_t nnow = ngot;

		assert_int_equal(xf_transfer(f, FW, DNS_TYPE_IXFR,
		    serials[round], NULL, &ms), ST_OK);
		ixfr = xf_lines(&ms, &nixfr, &rcode);
		xf_msgs_free(&ms);
		assert_int_equal(rcode, DNS_RCODE_NOERROR);
		got = xf_apply_ixfr(sets[round], nsets[round], ixfr, nixfr,
		    &ngot, &inc);
		assert_true(inc);
		assert_same_set(got, ngot, now, nnow);
		free_set(got, ngot);
		free_set(ixfr, nixfr);
		free_set(now, nnow);
		free_set(sets[round], nsets[round]);
	}
}

static void
test_ixfr_fallbacks(void **state)
{
	struct xf *f = *state;
	struct xf_msgs ms = { .n = 0 };
	struct xf_req udp = { .udp = 1 };
	uint32_t s0 = testlib_serial(f->st, FW);
	char **v, **old, **now, **got;
	size_t n, nold, nnow, ngot;
	uint8_t rcode;
	int inc;

	old = xf_axfr_set(f, FW, &nold);
	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 1);
	now = xf_axfr_set(f, FW, &nnow);
	/* Up to date, or ahead: the SOA alone. */
	assert_int_equal(xf_transfer(f, FW, DNS_TYPE_IXFR, s0 + 1, NULL, &ms),
	    ST_OK);
	v = xf_lines(&ms, &n, &rcode);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0], "\tSOA\t"));
	xf_lines_free(v, n);
	xf_msgs_free(&ms);
	assert_int_equal(xf_transfer(f, FW, DNS_TYPE_IXFR, s0 + 7, NULL, &ms),
	    ST_OK);
	v = xf_lines(&ms, &n, &rcode);
	assert_int_equal(n, 1);
	xf_lines_free(v, n);
	xf_msgs_free(&ms);
	/* Over UDP: the SOA alone, whatever the serial (RFC 1995 2). */
	assert_int_equal(xf_transfer(f, FW, DNS_TYPE_IXFR, s0, &udp, &ms),
	    ST_OK);
	assert_int_equal(ms.n, 1);
	assert_true(ms.len[0] <= 512);
	v = xf_lines(&ms, &n, &rcode);
	assert_int_equal(n, 1);
	assert_int_equal(rcode, DNS_RCODE_NOERROR);
	xf_lines_free(v, n);
	xf_msgs_free(&ms);
	/* A serial the journal never knew: the whole zone, AXFR style. */
	assert_int_equal(xf_transfer(f, FW, DNS_TYPE_IXFR, s0 - 5, NULL, &ms),
	    ST_OK);
	v = xf_lines(&ms, &n, &rcode);
	xf_msgs_free(&ms);
	got = xf_apply_ixfr(old, nold, v, n, &ngot, &inc);
	assert_false(inc);
	assert_same_set(got, ngot, now, nnow);
	free_set(got, ngot);
	free_set(v, n);
	free_set(old, nold);
	free_set(now, nnow);
}

static uint8_t
single_rcode(struct xf *f, const char *zone, uint16_t qtype,
    const struct xf_req *r)
{
	struct xf_msgs ms = { .n = 0 };
	uint8_t rcode;
	char **v;
	size_t n;

	assert_int_equal(xf_transfer(f, zone, qtype, 1, r, &ms), ST_OK);
	assert_int_equal(ms.n, 1);
	v = xf_lines(&ms, &n, &rcode);
	xf_msgs_free(&ms);
	xf_lines_free(v, n);
	if (rcode != DNS_RCODE_NOERROR)
		assert_int_equal(n, 0);
	return rcode;
}

static void
test_refusals(void **state)
{
	struct xf *f = *state;
	struct xf_req other = { .peer = "192.0.2.1" };
	struct xf_req keyed = { .peer = "192.0.2.1", .key = "XFR.Key" };
	struct xf_req wrongkey = { .peer = "192.0.2.1", .key = "other.key" };
	struct xf_req v6 = { .peer = "::1" };
	struct xf_req noacl = { .no_acl = 1 };
	struct xf_req udp = { .udp = 1 };

	assert_int_equal(single_rcode(f, FW, DNS_TYPE_AXFR, &other),
	    DNS_RCODE_REFUSED);
	assert_int_equal(single_rcode(f, FW, DNS_TYPE_IXFR, &other),
	    DNS_RCODE_REFUSED);
	assert_int_equal(single_rcode(f, FW, DNS_TYPE_AXFR, &wrongkey),
	    DNS_RCODE_REFUSED);
	assert_int_equal(single_rcode(f, FW, DNS_TYPE_AXFR, &v6),
	    DNS_RCODE_REFUSED);
	assert_int_equal(single_rcode(f, FW, DNS_TYPE_AXFR, &noacl),
	    DNS_RCODE_REFUSED);
	assert_int_equal(single_rcode(f, FW, DNS_TYPE_AXFR, &udp),
	    DNS_RCODE_NOTIMP);
	/* Not an apex of ours. */
	assert_int_equal(single_rcode(f, "web." FW, DNS_TYPE_AXFR, NULL),
	    DNS_RCODE_NOTAUTH);
	assert_int_equal(single_rcode(f, "example.org", DNS_TYPE_AXFR, NULL),
	    DNS_RCODE_NOTAUTH);
	assert_int_equal(single_rcode(f, "example.org", DNS_TYPE_AXFR, &other),
	    DNS_RCODE_NOTAUTH);
	/* The key's name, any case, lets it in from anywhere. */
	assert_int_equal(single_rcode(f, FW, DNS_TYPE_IXFR, &keyed),
	    DNS_RCODE_NOERROR);
}

/* Keep the flags of the message sent (tests above read them back). */
static int
send_copy(uint8_t *msg, size_t l, size_t cap, void *arg)
{
	uint8_t *flags = arg;

	assert_true(l >= DNS_HDR_LEN && l <= cap);
	memcpy(flags, msg + 2, 2);
	return 0;
}

static void
test_malformed(void **state)
{
	struct xf *f = *state;
	struct dns_xfr_req req;
	struct sockaddr_in sin;
	uint8_t q[512], got[512];
	size_t len, glen = 0;
	int err;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	memset(&req, 0, sizeof(req));
	req.peer = (struct sockaddr *)&sin;
	req.acl = &f->acl;
	req.tcp = 1;

	len = testlib_query(q, sizeof(q), 7, FW, DNS_TYPE_AXFR, DNS_CLASS_IN,
	    0);
	assert_true(dns_xfr_is_request(q, len));
	/* IXFR without the client's SOA: FORMERR. */
	wire_wr16(q + len - 4, DNS_TYPE_IXFR);
	assert_true(dns_xfr_is_request(q, len));
	err = dns_xfr_answer(f->x, &req, q, len, send_copy, got);
	assert_int_equal(err, ST_OK);
	glen = wire_rd16(got);
	assert_int_equal(glen & 0x0f, DNS_RCODE_FORMERR);
	/* A question that is not a transfer, a response, a short message. */
	wire_wr16(q + len - 4, DNS_TYPE_A);
	assert_false(dns_xfr_is_request(q, len));
	assert_int_equal(dns_xfr_answer(f->x, &req, q, len, send_copy, got),
	    ST_EINVAL);
	wire_wr16(q + len - 4, DNS_TYPE_AXFR);
	q[2] |= 0x80;
	assert_false(dns_xfr_is_request(q, len));
	assert_int_equal(dns_xfr_answer(f->x, &req, q, len, send_copy, got),
	    ST_EINVAL);
	q[2] &= 0x7f;
	assert_false(dns_xfr_is_request(q, 11));
	assert_false(dns_xfr_is_request(q, len - 1));
	/* Opcode UPDATE asking AXFR: not ours. */
	q[2] = 5 << 3;
	assert_false(dns_xfr_is_request(q, len));
	/* Truncated after the question: FORMERR from the additional walk. */
	q[2] = 0;
	wire_wr16(q + 10, 1);
	assert_int_equal(dns_xfr_answer(f->x, &req, q, len, send_copy, got),
	    ST_OK);
	assert_int_equal(wire_rd16(got) & 0x0f, DNS_RCODE_FORMERR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_axfr_registry,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_axfr_nested,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_axfr_messages,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_axfr_big_rr,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_applies,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_fallbacks,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_refusals,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_malformed,
		    xf_setup, xf_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
