/*
 * test_zonefile.c -- zone files into LMDB: records, reload, parse errors,
 * built-in zones, zone removal, coexistence with other origins.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns/name.h"
#include "dns/node.h"
#include "dns/zone.h"
#include "dns/zonefile.h"
#include "store/store.h"
#include "util/error.h"
#include "testlib.h"

#define T_SOA "@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n"

struct fixture {
	char zones[4096];
	char state[4096];
	struct store *st;
	char err[512];
	size_t n;
};

/* One RRset as read back from LMDB. */
struct rrset {
	uint32_t ttl;
	uint16_t count;
	uint8_t rdata[8][256];
	uint16_t rdlen[8];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->zones, sizeof(f->zones), "%s", testlib_tmpdir());
	snprintf(f->state, sizeof(f->state), "%s", testlib_tmpdir());
	assert_int_equal(store_open(f->state, &f->st), ST_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	testlib_rmtree(f->zones);
	testlib_rmtree(f->state);
	free(f);
	return 0;
}

static void
write_zone(struct fixture *f, const char *name, const char *text)
{
	char path[4400];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->zones, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static void
remove_zone(struct fixture *f, const char *name)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", f->zones, name);
	assert_int_equal(unlink(path), 0);
}

static int
load(struct fixture *f)
{
	f->n = 0;
	return dns_zonefile_load_dir(f->st, f->zones, &f->n, f->err,
	    sizeof(f->err));
}

static void
key_of(const char *name, uint8_t *key, size_t *klen)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t wlen;

	assert_int_equal(dns_name_from_text(name, wire, &wlen), ST_OK);
	assert_int_equal(dns_name_to_key(wire, wlen, key, klen), ST_OK);
}

/* Read the RRset (name, type, origin) into *out; 1 if found, 0 if not. */
static int
get_rrset(struct fixture *f, const char *name, uint16_t type,
    enum dns_origin origin, struct rrset *out)
{
	uint8_t key[DNS_KEY_MAX];
	struct store_txn *txn;
	struct dns_node_iter it;
	struct dns_rrset set;
	struct dns_rr_iter ri;
	struct dns_rr rr;
	const void *val;
	size_t klen, vlen;
	int found = 0;

	key_of(name, key, &klen);
	memset(out, 0, sizeof(*out));
	assert_int_equal(store_reader_new(f->st, &txn), ST_OK);
	assert_int_equal(store_reader_begin(txn), ST_OK);
	if (store_get(txn, STORE_DB_NODES, key, klen, &val, &vlen) == ST_OK) {
		assert_int_equal(dns_node_iter_init(&it, val, vlen), ST_OK);
		while (dns_node_iter_next(&it, &set) == 1) {
			if (set.type != type || set.origin != origin)
				continue;
			/* One RRset per type and origin. */
			assert_false(found);
			found = 1;
			out->ttl = set.ttl;
			out->count = set.count;
			assert_true(set.count <= 8);
			dns_rr_iter_init(&ri, &set);
			for (int i = 0; dns_rr_iter_next(&ri, &rr) == 1; i++) {
				assert_int_equal(rr.weight, 1);
				assert_true(rr.rdlen <= 256);
				memcpy(out->rdata[i], rr.rdata, rr.rdlen);
				out->rdlen[i] = rr.rdlen;
			}
		}
	}
	store_reader_end(txn);
	store_reader_free(txn);
	return found;
}

static int
has_node(struct fixture *f, const char *name)
{
	uint8_t key[DNS_KEY_MAX];
	struct store_txn *txn;
	const void *val;
	size_t klen, vlen;
	int rc;

	key_of(name, key, &klen);
	assert_int_equal(store_reader_new(f->st, &txn), ST_OK);
	assert_int_equal(store_reader_begin(txn), ST_OK);
	rc = store_get(txn, STORE_DB_NODES, key, klen, &val, &vlen);
	store_reader_end(txn);
	store_reader_free(txn);
	return rc == ST_OK;
}

/* Flags of the zone whose apex is name exactly, or -1. */
static int
zone_flags(struct fixture *f, const char *name)
{
	uint8_t key[DNS_KEY_MAX], flags;
	struct store_txn *txn;
	size_t klen, zkl;
	int rc;

	key_of(name, key, &klen);
	assert_int_equal(store_reader_new(f->st, &txn), ST_OK);
	assert_int_equal(store_reader_begin(txn), ST_OK);
	rc = dns_zone_find(txn, key, klen, &zkl, &flags);
	store_reader_end(txn);
	store_reader_free(txn);
	return rc == ST_OK && zkl == klen ? flags : -1;
}

static void
assert_rdata(const struct rrset *s, int i, const void *want, size_t len)
{
	assert_int_equal(s->rdlen[i], len);
	assert_memory_equal(s->rdata[i], want, len);
}

static const char zone_v1[] =
    "$TTL 600\n"
    T_SOA
    "@ NS ns1\n"
    "@ MX 10 Mail.Example.Stadion.\n"
    "ns1 A 192.0.2.53\n"
    "Www 300 A 192.0.2.10\n"
    "www 300 A 192.0.2.11\n"
    "www A 192.0.2.10\n"			/* duplicate: dropped */
    "WWW 60 AAAA 2001:db8::10\n"
    "txt TXT \"Hello World\" \"x\"\n"
    "docs CNAME WwW.ExAmple.Stadion.\n";

static void
test_load(void **state)
{
	struct fixture *f = *state;
	struct rrset s;
	static const uint8_t cname[] = "\3WwW\7ExAmple\7Stadion";
	static const uint8_t mx[] = "\0\12\4Mail\7Example\7Stadion";
	static const uint8_t txt[] = "\13Hello World\1x";
	static const uint8_t a10[] = { 192, 0, 2, 10 };
	static const uint8_t a11[] = { 192, 0, 2, 11 };
	static const uint8_t aaaa[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0x10 };

	write_zone(f, "example.stadion.zone", zone_v1);
	assert_int_equal(load(f), ST_OK);
	assert_int_equal(f->n, 1);
	assert_int_equal(zone_flags(f, "example.stadion"), DNS_ZONE_FILE);

	assert_true(get_rrset(f, "example.stadion", 6,
	    DNS_ORIGIN_ZONEFILE, &s));
	assert_int_equal(s.count, 1);
	assert_int_equal(testlib_serial(f->st, "example.stadion"), 1);
	assert_true(get_rrset(f, "example.stadion", 2,
	    DNS_ORIGIN_ZONEFILE, &s));
	assert_int_equal(s.ttl, 600);
	assert_true(get_rrset(f, "example.stadion", 15,
	    DNS_ORIGIN_ZONEFILE, &s));
	assert_rdata(&s, 0, mx, sizeof(mx));

	/* Owner names match case-insensitively; RRset TTL is its first RR's. */
	assert_true(get_rrset(f, "WWW.example.stadion", 1, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_int_equal(s.ttl, 300);
	assert_int_equal(s.count, 2);
	assert_rdata(&s, 0, a10, 4);
	assert_rdata(&s, 1, a11, 4);
	assert_true(get_rrset(f, "www.example.stadion", 28,
	    DNS_ORIGIN_ZONEFILE, &s));
	assert_int_equal(s.ttl, 60);
	assert_rdata(&s, 0, aaaa, 16);
	assert_true(get_rrset(f, "txt.example.stadion", 16,
	    DNS_ORIGIN_ZONEFILE, &s));
	assert_rdata(&s, 0, txt, sizeof(txt) - 1);
	/* Names in rdata keep their case. */
	assert_true(get_rrset(f, "docs.example.stadion", 5,
	    DNS_ORIGIN_ZONEFILE, &s));
	assert_rdata(&s, 0, cname, sizeof(cname));
	assert_false(get_rrset(f, "docs.example.stadion", 1,
	    DNS_ORIGIN_ZONEFILE, &s));
}

static void
test_reload_replaces(void **state)
{
	struct fixture *f = *state;
	struct rrset s;
	static const uint8_t a[] = { 198, 51, 100, 1 };

	write_zone(f, "example.stadion.zone", zone_v1);
	assert_int_equal(load(f), ST_OK);
	write_zone(f, "example.stadion.zone",
	    "$TTL 120\n" T_SOA "@ NS ns1\nns1 A 192.0.2.53\n"
	    "www A 198.51.100.1\nnew TXT new\n");
	assert_int_equal(load(f), ST_OK);

	assert_true(get_rrset(f, "www.example.stadion", 1, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_int_equal(s.count, 1);
	assert_int_equal(s.ttl, 120);
	assert_rdata(&s, 0, a, 4);
	assert_false(get_rrset(f, "www.example.stadion", 28,
	    DNS_ORIGIN_ZONEFILE, &s));
	assert_false(get_rrset(f, "example.stadion", 15, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_false(has_node(f, "docs.example.stadion"));
	assert_false(has_node(f, "txt.example.stadion"));
	assert_true(has_node(f, "new.example.stadion"));
}

static void
test_syntax_error_keeps_old(void **state)
{
	struct fixture *f = *state;
	struct rrset s;

	write_zone(f, "example.stadion.zone", zone_v1);
	assert_int_equal(load(f), ST_OK);
	/* A good new file and a broken one: neither may reach LMDB. */
	write_zone(f, "a.test.zone", T_SOA "www A 192.0.2.1\n");
	write_zone(f, "example.stadion.zone",
	    T_SOA "ok A 192.0.2.1\n\nbad A 192.0.2\n");
	assert_int_equal(load(f), ST_EFORMAT);
	assert_non_null(strstr(f->err, "example.stadion.zone:4: "));

	assert_true(get_rrset(f, "www.example.stadion", 1, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_int_equal(s.count, 2);
	assert_true(has_node(f, "docs.example.stadion"));
	assert_false(has_node(f, "ok.example.stadion"));
	assert_int_equal(zone_flags(f, "a.test"), -1);
	assert_false(has_node(f, "www.a.test"));
}

static void
expect_error(struct fixture *f, const char *text, const char *why)
{
	write_zone(f, "example.stadion.zone", text);
	assert_int_equal(load(f), ST_EFORMAT);
	if (strstr(f->err, why) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", f->err, why);
}

static void
test_rejected(void **state)
{
	struct fixture *f = *state;

	expect_error(f, T_SOA "www.example.org. A 192.0.2.1\n",
	    "example.stadion.zone:2: www.example.org. A: owner is outside "
	    "the zone");
	expect_error(f, T_SOA "www CH TXT chaos\n", "class is not IN");
	expect_error(f, T_SOA "@ SOA a b 2 1 1 1 1\n", "second SOA record");
	expect_error(f, "www A 192.0.2.1\n", "no SOA record");
	expect_error(f, T_SOA "www A 192.0.2.1\nwww CNAME a\n",
	    "example.stadion.zone:3: www.example.stadion. CNAME: CNAME and "
	    "other data");
	expect_error(f, T_SOA "www CNAME a\nwww CNAME b\n",
	    "more than one CNAME");
	expect_error(f, "sub IN SOA ns1 hostmaster 1 2 3 4 5\n",
	    "SOA record is not at the zone apex");
	expect_error(f, T_SOA "$INCLUDE other.zone\n",
	    "example.stadion.zone:2: ");
	/* Two files for one zone. */
	write_zone(f, "other.zone", "$ORIGIN example.stadion.\n" T_SOA);
	expect_error(f, T_SOA, "is also defined by");
	remove_zone(f, "other.zone");
	assert_int_equal(zone_flags(f, "example.stadion"), -1);
}

static void
test_origin(void **state)
{
	struct fixture *f = *state;
	struct rrset s;

	/* $ORIGIN before the first record sets the apex; later ones do not. */
	write_zone(f, "whatever.zone",
	    "; comment\n$TTL 60\n$ORIGIN Other.Test.\n" T_SOA
	    "$ORIGIN sub.Other.Test.\nwww A 192.0.2.1\n");
	assert_int_equal(load(f), ST_OK);
	assert_int_equal(zone_flags(f, "other.test"), DNS_ZONE_FILE);
	assert_int_equal(zone_flags(f, "whatever"), -1);
	assert_true(get_rrset(f, "www.sub.other.test", 1, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_int_equal(s.ttl, 60);
}

static void
test_ttl_defaults(void **state)
{
	struct fixture *f = *state;
	struct rrset s;

	/* Last stated TTL until a $TTL, then $TTL; no final newline. */
	write_zone(f, "example.stadion.zone",
	    "@ 120 SOA ns1 hostmaster 1 2 3 4 5\n"
	    "a A 192.0.2.1\n"
	    "b 30 A 192.0.2.2\n"
	    "c A 192.0.2.3\n"
	    "$TTL 900\n"
	    "d 40 A 192.0.2.4\n"
	    "e A 192.0.2.5");
	assert_int_equal(load(f), ST_OK);
	assert_true(get_rrset(f, "a.example.stadion", 1, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_int_equal(s.ttl, 120);
	assert_true(get_rrset(f, "c.example.stadion", 1, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_int_equal(s.ttl, 30);
	assert_true(get_rrset(f, "d.example.stadion", 1, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_int_equal(s.ttl, 40);
	assert_true(get_rrset(f, "e.example.stadion", 1, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_int_equal(s.ttl, 900);

	/* No TTL anywhere: the default of one hour. */
	write_zone(f, "example.stadion.zone", T_SOA);
	assert_int_equal(load(f), ST_OK);
	assert_true(get_rrset(f, "example.stadion", 6, DNS_ORIGIN_ZONEFILE,
	    &s));
	assert_int_equal(s.ttl, 3600);
}

static int
make_builtin(struct store_txn *txn, void *arg)
{
	struct dns_soa_params p = { .refresh = 60, .retry = 30,
	    .expire = 86400, .minimum = 60, .ttl = 60 };
	uint8_t apex[DNS_NAME_MAX];
	size_t len;

	(void)arg;
	dns_name_from_text("ns1.mesos.", p.mname, &p.mname_len);
	dns_name_from_text("root.ns1.mesos.", p.rname, &p.rname_len);
	dns_name_from_text("mesos.", apex, &len);
	dns_zone_add(txn, apex, len, DNS_ZONE_BUILTIN);
	dns_zone_write_soa(txn, apex, len, &p, 5);
	return store_txn_error(txn);
}

static void
test_builtin_zone(void **state)
{
	struct fixture *f = *state;
	struct rrset s;
	static const uint8_t mname[] = "\3ns1\5mesos";

	assert_int_equal(store_write(f->st, make_builtin, NULL), ST_OK);
	assert_int_equal(testlib_serial(f->st, "mesos"), 5);

	write_zone(f, "mesos.zone", "@ SOA other. other. 99 1 1 1 1\n"
	    "@ NS other.\n@ TXT \"hello\"\nextra A 192.0.2.7\n");
	assert_int_equal(load(f), ST_OK);
	assert_int_equal(f->n, 1);
	assert_int_equal(zone_flags(f, "mesos"), DNS_ZONE_BUILTIN);
	assert_int_equal(testlib_serial(f->st, "mesos"), 6);
	/* The built-in SOA and NS stay the only ones. */
	assert_false(get_rrset(f, "mesos", 6, DNS_ORIGIN_ZONEFILE, &s));
	assert_false(get_rrset(f, "mesos", 2, DNS_ORIGIN_ZONEFILE, &s));
	assert_true(get_rrset(f, "mesos", 2, DNS_ORIGIN_APEX, &s));
	assert_rdata(&s, 0, mname, sizeof(mname));
	assert_true(get_rrset(f, "mesos", 16, DNS_ORIGIN_ZONEFILE, &s));
	assert_true(get_rrset(f, "extra.mesos", 1, DNS_ORIGIN_ZONEFILE, &s));

	/* Its records leave with the file, the zone stays, the serial moves. */
	remove_zone(f, "mesos.zone");
	assert_int_equal(load(f), ST_OK);
	assert_int_equal(f->n, 0);
	assert_int_equal(zone_flags(f, "mesos"), DNS_ZONE_BUILTIN);
	assert_int_equal(testlib_serial(f->st, "mesos"), 7);
	assert_false(has_node(f, "extra.mesos"));
	assert_false(get_rrset(f, "mesos", 16, DNS_ORIGIN_ZONEFILE, &s));
	assert_true(get_rrset(f, "mesos", 6, DNS_ORIGIN_APEX, &s));

	/* An empty file is a valid (empty) addition to a built-in zone. */
	write_zone(f, "mesos.zone", "; nothing yet\n");
	assert_int_equal(load(f), ST_OK);
	assert_int_equal(f->n, 1);
	assert_int_equal(zone_flags(f, "mesos"), DNS_ZONE_BUILTIN);
}

static void
test_remove_file(void **state)
{
	struct fixture *f = *state;

	write_zone(f, "example.stadion.zone", zone_v1);
	write_zone(f, "b.test.zone", T_SOA "www A 192.0.2.2\n");
	write_zone(f, "ignored.txt", "not a zone file\n");
	assert_int_equal(load(f), ST_OK);
	assert_int_equal(f->n, 2);
	assert_int_equal(zone_flags(f, "b.test"), DNS_ZONE_FILE);

	remove_zone(f, "b.test.zone");
	assert_int_equal(load(f), ST_OK);
	assert_int_equal(f->n, 1);
	assert_int_equal(zone_flags(f, "b.test"), -1);
	assert_false(has_node(f, "b.test"));
	assert_false(has_node(f, "www.b.test"));
	assert_int_equal(zone_flags(f, "example.stadion"), DNS_ZONE_FILE);
	assert_true(has_node(f, "www.example.stadion"));

	/* A missing directory holds no zones. */
	testlib_rmtree(f->zones);
	assert_int_equal(load(f), ST_OK);
	assert_int_equal(f->n, 0);
	assert_int_equal(zone_flags(f, "example.stadion"), -1);
	assert_false(has_node(f, "example.stadion"));
	assert_false(has_node(f, "www.example.stadion"));
}

static int
put_registry(struct store_txn *txn, void *arg)
{
	static const uint8_t a[] = { 10, 0, 0, 1 };
	struct dns_node_edit e;
	uint8_t key[DNS_KEY_MAX];
	size_t klen;

	(void)arg;
	key_of("www.example.stadion", key, &klen);
	dns_node_edit_init(&e, DNS_ORIGIN_REGISTRY);
	dns_node_edit_rrset(&e, 1, 5);
	dns_node_edit_rr(&e, 1, a, 4);
	dns_node_edit_commit(&e, txn, key, klen);
	dns_node_edit_deinit(&e);
	return store_txn_error(txn);
}

static void
test_other_origins_kept(void **state)
{
	struct fixture *f = *state;
	struct rrset s;

	assert_int_equal(store_write(f->st, put_registry, NULL), ST_OK);
	write_zone(f, "example.stadion.zone", zone_v1);
	assert_int_equal(load(f), ST_OK);
	assert_true(get_rrset(f, "www.example.stadion", 1, DNS_ORIGIN_REGISTRY,
	    &s));
	assert_true(get_rrset(f, "www.example.stadion", 1, DNS_ORIGIN_ZONEFILE,
	    &s));

	remove_zone(f, "example.stadion.zone");
	assert_int_equal(load(f), ST_OK);
	assert_true(get_rrset(f, "www.example.stadion", 1, DNS_ORIGIN_REGISTRY,
	    &s));
	assert_int_equal(s.ttl, 5);
	assert_false(get_rrset(f, "www.example.stadion", 1,
	    DNS_ORIGIN_ZONEFILE, &s));
}

/* The example zone shipped for the quickstart loads. */
static void
test_example_zone(void **state)
{
	struct fixture *f = *state;
	struct rrset s;

	assert_int_equal(dns_zonefile_load_dir(f->st, TOP_SRCDIR "/zones",
	    &f->n, f->err, sizeof(f->err)), ST_OK);
	assert_true(f->n >= 1);
	assert_int_equal(zone_flags(f, "example.stadion"), DNS_ZONE_FILE);
	assert_true(get_rrset(f, "example.stadion", 6,
	    DNS_ORIGIN_ZONEFILE, &s));
	assert_true(get_rrset(f, "www.example.stadion", 1, DNS_ORIGIN_ZONEFILE,
	    &s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_replaces, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error_keeps_old,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl_defaults, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_builtin_zone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_remove_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_origins_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_example_zone, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
