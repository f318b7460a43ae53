/*
 * test_node.c -- node blobs: encoding, walking, merging by origin, corruption.
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

#include "dns/node.h"
#include "dns/pkt.h"
#include "store/store.h"
#include "util/error.h"
#include "testlib.h"

static const uint8_t KEY[] = "mesos\0web\0";
#define KLEN 10

struct edit_arg {
	enum dns_origin origin;
	int nrr;
};

static int
write_edit(struct store_txn *txn, void *arg)
{
	const struct edit_arg *a = arg;
	struct dns_node_edit e;
	uint8_t ip[4] = { 127, 0, 0, 1 };
	int err;

	dns_node_edit_init(&e, a->origin);
	if (a->nrr) {
		dns_node_edit_rrset(&e, DNS_TYPE_A, 60);
		for (int i = 0; i < a->nrr; i++) {
			ip[3] = (uint8_t)(i + 1);
			dns_node_edit_rr(&e, (uint16_t)(i + 1), ip, 4);
		}
	}
	err = dns_node_edit_commit(&e, txn, KEY, KLEN);
	dns_node_edit_deinit(&e);
	return err;
}

/* Count RRsets and RRs of the node, per origin. */
static int
read_node(struct store *st, int *sets, int *rrs_by_origin)
{
	struct store_txn *r;
	const void *blob;
	size_t len;
	struct dns_node_iter it;
	struct dns_rrset set;
	struct dns_rr_iter ri;
	struct dns_rr rr;
	int err;

	*sets = 0;
	assert_int_equal(store_reader_new(st, &r), ST_OK);
	assert_int_equal(store_reader_begin(r), ST_OK);
	err = store_get(r, STORE_DB_NODES, KEY, KLEN, &blob, &len);
	if (err == ST_OK) {
		assert_int_equal(dns_node_iter_init(&it, blob, len), ST_OK);
		while (dns_node_iter_next(&it, &set) == 1) {
			(*sets)++;
			assert_int_equal(set.type, DNS_TYPE_A);
			assert_int_equal(set.ttl, 60);
			dns_rr_iter_init(&ri, &set);
			while (dns_rr_iter_next(&ri, &rr) == 1) {
				assert_int_equal(rr.rdlen, 4);
				assert_int_equal(rr.rdata[3], rr.weight);
				rrs_by_origin[set.origin]++;
			}
		}
	}
	store_reader_end(r);
	store_reader_free(r);
	return err;
}

static void
test_merge_by_origin(void **state)
{
	const char *dir = testlib_tmpdir();
	struct store *st;
	struct edit_arg zf = { DNS_ORIGIN_ZONEFILE, 2 };
	struct edit_arg reg = { DNS_ORIGIN_REGISTRY, 3 };
	struct edit_arg reg_empty = { DNS_ORIGIN_REGISTRY, 0 };
	struct edit_arg zf_empty = { DNS_ORIGIN_ZONEFILE, 0 };
	int sets, rrs[3] = { 0 };

	assert_int_equal(store_open(dir, &st), ST_OK);
	assert_int_equal(store_write(st, write_edit, &zf), ST_OK);
	assert_int_equal(store_write(st, write_edit, &reg), ST_OK);
	assert_int_equal(read_node(st, &sets, rrs), ST_OK);
	assert_int_equal(sets, 2);
	assert_int_equal(rrs[DNS_ORIGIN_ZONEFILE], 2);
	assert_int_equal(rrs[DNS_ORIGIN_REGISTRY], 3);

	/* Rewriting the registry's RRsets keeps the zone file's. */
	reg.nrr = 1;
	memset(rrs, 0, sizeof(rrs));
	assert_int_equal(store_write(st, write_edit, &reg), ST_OK);
	assert_int_equal(read_node(st, &sets, rrs), ST_OK);
	assert_int_equal(rrs[DNS_ORIGIN_ZONEFILE], 2);
	assert_int_equal(rrs[DNS_ORIGIN_REGISTRY], 1);

	/* Emptying both origins deletes the node. */
	assert_int_equal(store_write(st, write_edit, &reg_empty), ST_OK);
	assert_int_equal(store_write(st, write_edit, &zf_empty), ST_OK);
	assert_int_equal(read_node(st, &sets, rrs), ST_ENOTFOUND);
	store_close(st);
	testlib_rmtree(dir);
}

static void
test_rr_without_rrset(void **state)
{
	struct dns_node_edit e;

	dns_node_edit_init(&e, DNS_ORIGIN_REGISTRY);
	dns_node_edit_rr(&e, 1, (const uint8_t *)"abcd", 4);
	assert_int_equal(e.err, ST_EINVAL);
	dns_node_edit_deinit(&e);
}

static void
test_corrupt_blobs(void **state)
{
	/* One rrset claiming 2 RRs, the second cut short. */
	static const uint8_t blob[] = {
		0, 1, 0, 1, 1, 0, 0, 0, 0, 60, 0, 2,
		0, 1, 0, 4, 127, 0, 0, 1,
		0, 1, 0, 4, 127
	};
	struct dns_node_iter it;
	struct dns_rrset set;

	assert_int_equal(dns_node_iter_init(&it, blob, 1), ST_EFORMAT);
	assert_int_equal(dns_node_iter_init(&it, blob, sizeof(blob)), ST_OK);
	assert_int_equal(dns_node_iter_next(&it, &set), ST_EFORMAT);
	/* A header that promises more RRsets than the blob holds. */
	assert_int_equal(dns_node_iter_init(&it, blob, 2 + 12 + 8), ST_OK);
	assert_int_equal(dns_node_iter_next(&it, &set), ST_EFORMAT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_by_origin),
		cmocka_unit_test(test_rr_without_rrset),
		cmocka_unit_test(test_corrupt_blobs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
