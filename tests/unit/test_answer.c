/*
 * test_answer.c -- answers out of a real LMDB store: positive, negative,
 * truncation, EDNS, CHAOS, ANY, CNAME, weights, and hostile input.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/answer.h"
#include "dns/name.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "util/rand.h"
#include "testlib.h"

struct fixture {
	char dir[4096];
	struct store *st;
	struct dns_answer_ctx *ctx;
	uint8_t resp[65535];
};

static void
put_node(struct store_txn *txn, const char *name, enum dns_origin origin,
    uint16_t type, const uint8_t *rdata, uint16_t rdlen, int count,
    const uint16_t *weights)
{
	uint8_t wire[DNS_NAME_MAX], key[DNS_KEY_MAX], rd[512];
	size_t len, klen;
	struct dns_node_edit e;

	assert_int_equal(dns_name_from_text(name, wire, &len), ST_OK);
	assert_int_equal(dns_name_to_key(wire, len, key, &klen), ST_OK);
	dns_node_edit_init(&e, origin);
	dns_node_edit_rrset(&e, type, 60);
	for (int i = 0; i < count; i++) {
		memcpy(rd, rdata, rdlen);
		if (type == DNS_TYPE_A)
			rd[3] = (uint8_t)(i + 1);
		dns_node_edit_rr(&e, weights ? weights[i] : 1, rd, rdlen);
	}
	assert_int_equal(dns_node_edit_commit(&e, txn, key, klen), ST_OK);
	dns_node_edit_deinit(&e);
}

static int
populate(struct store_txn *txn, void *arg)
{
	struct dns_soa_params soa = { .refresh = 60, .retry = 600,
	    .expire = 86400, .minimum = 30, .ttl = 60 };
	uint8_t apex[DNS_NAME_MAX], srv[DNS_NAME_MAX + 6], cname[DNS_NAME_MAX];
	size_t alen, tlen, clen;
	const uint8_t ip[4] = { 127, 0, 0, 1 };
	const uint16_t w[3] = { 1, 1, 8 };

	dns_name_from_text("ns1.mesos", soa.mname, &soa.mname_len);
	dns_name_from_text("root.ns1.mesos", soa.rname, &soa.rname_len);
	dns_name_from_text("marathon.mesos", apex, &alen);
	dns_zone_add(txn, apex, alen, DNS_ZONE_BUILTIN);
	dns_zone_write_soa(txn, apex, alen, &soa, 1000);

	put_node(txn, "web.marathon.mesos", DNS_ORIGIN_REGISTRY, DNS_TYPE_A, ip, 4, 3, w);
	put_node(txn, "web-i1.marathon.mesos", DNS_ORIGIN_REGISTRY, DNS_TYPE_A, ip, 4, 1, NULL);
	memcpy(srv, "\0\0\0\1\x79\x19", 6);	/* prio 0, weight 1, port 31001 */
	dns_name_from_text("web-i1.marathon.mesos", srv + 6, &tlen);
	put_node(txn, "_web._tcp.marathon.mesos", DNS_ORIGIN_REGISTRY, DNS_TYPE_SRV, srv, (uint16_t)(6 + tlen), 1, NULL);
	/* Two ports of one instance: two SRV records, one target. */
	put_node(txn, "_two._tcp.marathon.mesos", DNS_ORIGIN_REGISTRY, DNS_TYPE_SRV, srv, (uint16_t)(6 + tlen), 2, NULL);
	put_node(txn, "big.marathon.mesos", DNS_ORIGIN_REGISTRY, DNS_TYPE_A, ip, 4, 60, NULL);
	dns_name_from_text("web.marathon.mesos", cname, &clen);
	put_node(txn, "alias.marathon.mesos", DNS_ORIGIN_ZONEFILE, DNS_TYPE_CNAME, cname, (uint16_t)clen, 1, NULL);
	dns_name_from_text("loop2.marathon.mesos", cname, &clen);
	put_node(txn, "loop1.marathon.mesos", DNS_ORIGIN_ZONEFILE, DNS_TYPE_CNAME, cname, (uint16_t)clen, 1, NULL);
	dns_name_from_text("loop1.marathon.mesos", cname, &clen);
	put_node(txn, "loop2.marathon.mesos", DNS_ORIGIN_ZONEFILE, DNS_TYPE_CNAME, cname, (uint16_t)clen, 1, NULL);
	return store_txn_error(txn);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct dns_answer_conf c = { "stadion-test", "node-1", 1232 };

	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(store_write(f->st, populate, NULL), ST_OK);
	assert_int_equal(dns_answer_ctx_new(f->st, &c, &f->ctx), ST_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	dns_answer_ctx_free(f->ctx);
	store_close(f->st);
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

struct reply {
	ssize_t len;
	uint16_t flags;
	int rcode;
	uint16_t qd, an, ns, ar;
};

static struct reply
ask_raw(struct fixture *f, const uint8_t *q, size_t qlen, int tcp)
{
	struct reply r;

	assert_int_equal(dns_answer_begin(f->ctx), ST_OK);
	r.len = dns_answer(f->ctx, q, qlen, f->resp, tcp ? 65535 : 4096, tcp);
	dns_answer_end(f->ctx);
	if (r.len >= DNS_HDR_LEN) {
		r.flags = (uint16_t)(f->resp[2] << 8 | f->resp[3]);
		r.rcode = r.flags & 0x0f;
		r.qd = (uint16_t)(f->resp[4] << 8 | f->resp[5]);
		r.an = (uint16_t)(f->resp[6] << 8 | f->resp[7]);
		r.ns = (uint16_t)(f->resp[8] << 8 | f->resp[9]);
		r.ar = (uint16_t)(f->resp[10] << 8 | f->resp[11]);
	}
	return r;
}

static struct reply
ask(struct fixture *f, const char *name, uint16_t type, uint16_t edns, int tcp)
{
	uint8_t q[512];
	size_t qlen = testlib_query(q, sizeof(q), 99, name, type, DNS_CLASS_IN, edns);

	return ask_raw(f, q, qlen, tcp);
}

static void
test_positive(void **state)
{
	struct fixture *f = *state;
	struct reply r = ask(f, "WEB.marathon.mesos", DNS_TYPE_A, 0, 0);

	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_true(r.flags & DNS_FLAG_AA);
	assert_true(r.flags & DNS_FLAG_QR);
	assert_true(r.flags & DNS_FLAG_RD);
	assert_int_equal(r.an, 3);
	assert_int_equal(r.ns, 0);
	/* The question echoed with its case. */
	assert_memory_equal(f->resp + 12, "\3WEB", 4);
	assert_int_equal(f->resp[0], 0);
	assert_int_equal(f->resp[1], 99);
}

static void
test_srv_additional(void **state)
{
	struct fixture *f = *state;
	struct reply r = ask(f, "_web._tcp.marathon.mesos", DNS_TYPE_SRV, 0, 0);

	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 1);
	assert_int_equal(r.ar, 1);
	r = ask(f, "_two._tcp.marathon.mesos", DNS_TYPE_SRV, 0, 0);
	assert_int_equal(r.an, 2);
	assert_int_equal(r.ar, 1);
}

static void
test_negative(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	r = ask(f, "nope.marathon.mesos", DNS_TYPE_A, 0, 0);
	assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
	assert_true(r.flags & DNS_FLAG_AA);
	assert_int_equal(r.an, 0);
	assert_int_equal(r.ns, 1);
	/* NODATA: the name exists without that type. */
	r = ask(f, "web.marathon.mesos", DNS_TYPE_TXT, 0, 0);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 0);
	assert_int_equal(r.ns, 1);
	/* An empty non-terminal is NODATA, not NXDOMAIN. */
	r = ask(f, "_tcp.marathon.mesos", DNS_TYPE_A, 0, 0);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.ns, 1);
	/* Outside our zones. */
	r = ask(f, "example.com", DNS_TYPE_A, 0, 0);
	assert_int_equal(r.rcode, DNS_RCODE_REFUSED);
	assert_false(r.flags & DNS_FLAG_AA);
	assert_int_equal(r.an + r.ns + r.ar, 0);
}

static void
test_truncation(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	r = ask(f, "big.marathon.mesos", DNS_TYPE_A, 0, 0);
	assert_true(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an, 0);
	assert_int_equal(r.qd, 1);
	assert_true(r.len <= 512);
	r = ask(f, "big.marathon.mesos", DNS_TYPE_A, 4096, 0);
	assert_false(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an, 60);
	assert_true(r.len <= 1232);
	r = ask(f, "big.marathon.mesos", DNS_TYPE_A, 0, 1);
	assert_false(r.flags & DNS_FLAG_TC);
	assert_int_equal(r.an, 60);
}

static void
test_edns(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t qlen;
	struct reply r;

	r = ask(f, "web.marathon.mesos", DNS_TYPE_A, 1232, 0);
	assert_int_equal(r.ar, 1);
	assert_int_equal(f->resp[r.len - 11 + 2], DNS_TYPE_OPT);
	/* Version 1: BADVERS (16) = extended rcode 1, header rcode 0. */
	qlen = testlib_query(q, sizeof(q), 5, "web.marathon.mesos", DNS_TYPE_A, DNS_CLASS_IN, 1232);
	q[qlen - 5] = 1;
	r = ask_raw(f, q, qlen, 0);
	assert_int_equal(r.rcode, 0);
	assert_int_equal(r.an, 0);
	assert_int_equal(r.ar, 1);
	assert_int_equal(f->resp[r.len - 11 + 5], 1);
}

static void
test_opcodes_and_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t qlen;
	struct reply r;

	qlen = testlib_query(q, sizeof(q), 5, "web.marathon.mesos", DNS_TYPE_A, DNS_CLASS_IN, 0);
	q[2] = (uint8_t)(q[2] | (2 << 3));	/* opcode STATUS */
	r = ask_raw(f, q, qlen, 0);
	assert_int_equal(r.rcode, DNS_RCODE_NOTIMP);
	q[2] = 0x01;
	q[5] = 2;
	r = ask_raw(f, q, qlen, 0);
	assert_int_equal(r.rcode, DNS_RCODE_FORMERR);
	assert_int_equal(r.an, 0);
	/* A response is dropped. */
	q[5] = 1;
	q[2] = 0x81;
	r = ask_raw(f, q, qlen, 0);
	assert_int_equal(r.len, 0);
}

static void
test_chaos_any_cname(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t qlen;
	struct reply r;

	qlen = testlib_query(q, sizeof(q), 5, "version.bind", DNS_TYPE_TXT, DNS_CLASS_CH, 0);
	r = ask_raw(f, q, qlen, 0);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 1);
	assert_memory_equal(f->resp + r.len - 12, "stadion-test", 12);
	qlen = testlib_query(q, sizeof(q), 5, "other.bind", DNS_TYPE_TXT, DNS_CLASS_CH, 0);
	assert_int_equal(ask_raw(f, q, qlen, 0).rcode, DNS_RCODE_REFUSED);

	/* RFC 8482: ANY gets one RRset. */
	r = ask(f, "marathon.mesos", DNS_TYPE_ANY, 0, 0);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 1);

	r = ask(f, "alias.marathon.mesos", DNS_TYPE_A, 0, 0);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 4);	/* CNAME + 3 A */
	r = ask(f, "alias.marathon.mesos", DNS_TYPE_CNAME, 0, 0);
	assert_int_equal(r.an, 1);
	/* A loop gives each CNAME once. */
	r = ask(f, "loop1.marathon.mesos", DNS_TYPE_A, 0, 0);
	assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(r.an, 2);
}

static void
test_weighted_order(void **state)
{
	struct fixture *f = *state;
	int heavy_first = 0;

	/* Weights 1, 1, 8: the .3 address leads about 80% of answers. */
	for (int i = 0; i < 2000; i++) {
		struct reply r = ask(f, "web.marathon.mesos", DNS_TYPE_A, 0, 0);
		size_t first_rdata = DNS_HDR_LEN + 20 + 4 + 12;

		assert_int_equal(r.an, 3);
		heavy_first += f->resp[first_rdata + 3] == 3;
	}
	assert_in_range(heavy_first, 1450, 1750);
}

static void
test_hostile_random(void **state)
{
	struct fixture *f = *state;
	struct rand_state rs;
	uint8_t q[600], base[512];
	size_t blen = testlib_query(base, sizeof(base), 1, "web.marathon.mesos", DNS_TYPE_A, DNS_CLASS_IN, 1232);

	rand_seed_fixed(&rs, 1);
	for (int i = 0; i < 200000; i++) {
		size_t len = blen;
		ssize_t n;

		memcpy(q, base, blen);
		/* Flip a few bytes and maybe cut the message. */
		for (int k = 0; k < 1 + (int)(rand_next(&rs) % 4); k++)
			q[rand_next(&rs) % blen] = (uint8_t)rand_next(&rs);
		if (rand_next(&rs) % 4 == 0)
			len = rand_next(&rs) % (blen + 1);
		assert_int_equal(dns_answer_begin(f->ctx), ST_OK);
		n = dns_answer(f->ctx, q, len, f->resp, 4096, (int)(i & 1));
		dns_answer_end(f->ctx);
		assert_true(n >= 0);
		if (n > 0) {
			assert_true(n >= DNS_HDR_LEN);
			assert_true(f->resp[2] & 0x80);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_positive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_srv_additional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opcodes_and_formerr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chaos_any_cname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_weighted_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_random, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
