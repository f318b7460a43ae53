/*
 * test_journal.c -- the journal of zone changes, written through the
 * registry, zone files and node edits as stadiond writes, and read back as
 * condensed IXFR differences: bounds, gaps, drops, aborts, delegations.
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

#include "dns/journal.h"
#include "dns/name.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "util/wire.h"
#include "testlib.h"
#include "xfr_fixture.h"

#define FW "marathon.mesos"

/* A read snapshot and the difference read in it. */
struct rd {
	struct store_txn *txn;
	struct dns_journal_diff d;
};

static int
diff(struct xf *f, const char *zone, uint32_t from, uint32_t to,
    struct rd *r)
{
	uint8_t apex[DNS_NAME_MAX], key[DNS_KEY_MAX];
	size_t len, klen;
	int err;

	assert_int_equal(dns_name_from_text(zone, apex, &len), ST_OK);
	assert_int_equal(dns_name_to_key(apex, len, key, &klen), ST_OK);
	assert_int_equal(store_reader_new(f->st, &r->txn), ST_OK);
	assert_int_equal(store_reader_begin(r->txn), ST_OK);
	err = dns_journal_diff(r->txn, key, klen, from, to, &r->d);
	if (err != ST_OK)
		store_reader_free(r->txn);
	return err;
}

static void
rd_done(struct rd *r)
{
	dns_journal_diff_deinit(&r->d);
	store_reader_free(r->txn);
}

/* RRs of v (n) owned by name (text) of type; type 0: any type. */
static int
count(const struct dns_journal_rr *v, size_t n, const char *name,
    uint16_t type)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t len;
	int c = 0;

	assert_int_equal(dns_name_from_text(name, wire, &len), ST_OK);
	for (size_t i = 0; i < n; i++)
		c += dns_name_equal(v[i].owner, wire) &&
		    (type == 0 || v[i].type == type);
	return c;
}

static uint32_t
soa_serial(const struct dns_journal_rr *soa)
{
	assert_int_equal(soa->type, DNS_TYPE_SOA);
	return wire_rd32(soa->rdata + soa->rdlen - 20);
}

static void
test_registry_changes(void **state)
{
	struct xf *f = *state;
	uint32_t s0 = testlib_serial(f->st, FW), first, last;
	size_t entries;
	struct rd r;

	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 1);
	assert_int_equal(testlib_serial(f->st, FW), s0 + 1);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 1);
	assert_int_equal(first, s0);
	assert_int_equal(last, s0 + 1);
	assert_int_equal(f->nchanged, 1);
	assert_string_equal(f->changed[0], "marathon.mesos.");
	assert_int_equal(f->changed_serial[0], s0 + 1);

	assert_int_equal(diff(f, FW, s0, s0 + 1, &r), ST_OK);
	assert_int_equal(r.d.entries, 1);
	assert_int_equal(soa_serial(&r.d.old_soa), s0);
	assert_int_equal(soa_serial(&r.d.new_soa), s0 + 1);
	assert_int_equal(r.d.ndel, 0);
	assert_int_equal(r.d.nadd, 4);
	assert_int_equal(count(r.d.add, r.d.nadd, "web." FW, DNS_TYPE_A), 1);
	assert_int_equal(count(r.d.add, r.d.nadd, "web-a1." FW, DNS_TYPE_A), 1);
	assert_int_equal(count(r.d.add, r.d.nadd, "_web._tcp." FW,
	    DNS_TYPE_SRV), 1);
	assert_int_equal(count(r.d.add, r.d.nadd, "_http._web._tcp." FW,
	    DNS_TYPE_SRV), 1);
	rd_done(&r);

	/* Unhealthy: out of the served view, so out of the zone. */
	xf_put(f, "web", "a1", "10.0.0.1", 8080, "unhealthy", 1);
	assert_int_equal(diff(f, FW, s0 + 1, s0 + 2, &r), ST_OK);
	assert_int_equal(r.d.ndel, 4);
	assert_int_equal(r.d.nadd, 0);
	rd_done(&r);
	/* Added then deleted: nothing left of it from s0 on. */
	assert_int_equal(diff(f, FW, s0, s0 + 2, &r), ST_OK);
	assert_int_equal(r.d.entries, 2);
	assert_int_equal(r.d.ndel + r.d.nadd, 0);
	assert_int_equal(soa_serial(&r.d.old_soa), s0);
	rd_done(&r);
	/* The other zone was not touched. */
	xf_span(f, "mesos", &entries, &first, &last);
	assert_int_equal(entries, 0);
	assert_int_equal(f->nchanged, 2);
}

static void
test_condense_flaps(void **state)
{
	struct xf *f = *state;
	uint32_t s0 = testlib_serial(f->st, FW);
	struct rd r;

	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 1);
	xf_put(f, "web", "a1", "10.0.0.1", 8080, "unhealthy", 1);
	xf_put(f, "web", "a1", "10.0.0.1", 8080, "healthy", 1);
	xf_put(f, "web", "a2", "10.0.0.2", 8080, NULL, 1);
	assert_int_equal(diff(f, FW, s0, s0 + 4, &r), ST_OK);
	assert_int_equal(r.d.entries, 4);
	assert_int_equal(r.d.ndel, 0);
	/* Two A at web, one at web-a1 and web-a2, two SRV at each name. */
	assert_int_equal(r.d.nadd, 8);
	assert_int_equal(count(r.d.add, r.d.nadd, "web." FW, DNS_TYPE_A), 2);
	rd_done(&r);
	/* From s0 + 1 (a1 there), a1 went and came back: only a2 is new. */
	assert_int_equal(diff(f, FW, s0 + 1, s0 + 4, &r), ST_OK);
	assert_int_equal(r.d.ndel, 0);
	assert_int_equal(count(r.d.add, r.d.nadd, "web-a1." FW, 0), 0);
	assert_int_equal(count(r.d.add, r.d.nadd, "web-a2." FW, DNS_TYPE_A), 1);
	rd_done(&r);
	/* A serial the journal never had. */
	assert_int_equal(diff(f, FW, s0 + 100, s0 + 4, &r), ST_ENOTFOUND);
	assert_int_equal(diff(f, FW, s0, s0 + 3, &r), ST_ENOTFOUND);
}

/* A weight is no part of an A RR, but of an SRV's rdata. */
static void
test_weight_change(void **state)
{
	struct xf *f = *state;
	uint32_t s0;
	struct rd r;

	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 1);
	s0 = testlib_serial(f->st, FW);
	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 5);
	assert_int_equal(diff(f, FW, s0, s0 + 1, &r), ST_OK);
	assert_int_equal(r.d.ndel, 2);
	assert_int_equal(r.d.nadd, 2);
	assert_int_equal(count(r.d.del, r.d.ndel, "_web._tcp." FW,
	    DNS_TYPE_SRV), 1);
	assert_int_equal(count(r.d.add, r.d.nadd, "_web._tcp." FW,
	    DNS_TYPE_SRV), 1);
	assert_int_equal(count(r.d.add, r.d.nadd, "web." FW, 0), 0);
	rd_done(&r);
}

struct raw_edit {
	const char *name;
	uint8_t origin;
	const uint8_t *addr;	/* NULL: clear the origin's RRsets */
	uint32_t ttl;
	const char *bump;	/* zone whose serial to bump, or NULL */
	int fail;		/* abort at the end */
};

static int
raw_edit_txn(struct store_txn *txn, void *arg)
{
	const struct raw_edit *a = arg;
	uint8_t wire[DNS_NAME_MAX], key[DNS_KEY_MAX];
	struct dns_node_edit e;
	size_t len, klen;
	int err;

	assert_int_equal(dns_name_from_text(a->name, wire, &len), ST_OK);
	assert_int_equal(dns_name_to_key(wire, len, key, &klen), ST_OK);
	dns_node_edit_init(&e, a->origin);
	if (a->addr) {
		dns_node_edit_rrset(&e, DNS_TYPE_A, a->ttl);
		dns_node_edit_rr(&e, 1, a->addr, 4);
	}
	err = dns_node_edit_commit(&e, txn, key, klen);
	dns_node_edit_deinit(&e);
	if (err == ST_OK && a->bump) {
		assert_int_equal(dns_name_from_text(a->bump, wire, &len),
		    ST_OK);
		err = dns_zone_bump_serial(txn, wire, len, NULL);
	}
	return err ? err : a->fail ? ST_EINVAL : ST_OK;
}

static int
raw_edit(struct xf *f, const struct raw_edit *a)
{
	return store_write(f->st, raw_edit_txn, (void *)a);
}

static void
test_change_without_serial(void **state)
{
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	struct raw_edit a = { "x." FW, DNS_ORIGIN_ZONEFILE, ip, 60, NULL, 0 };
	struct xf *f = *state;
	uint32_t s0, first, last;
	size_t entries;
	struct rd r;

	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 1);
	s0 = testlib_serial(f->st, FW);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 1);
	assert_int_equal(raw_edit(f, &a), ST_OK);
	/* The journal cannot say it: it goes, and IXFR falls back. */
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 0);
	assert_int_equal(f->nchanged, 1);
	xf_put(f, "web", "a2", "10.0.0.2", 8080, NULL, 1);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 1);
	assert_int_equal(first, s0);
	assert_int_equal(last, s0 + 1);
	assert_int_equal(diff(f, FW, s0 - 1, s0 + 1, &r), ST_ENOTFOUND);
}

static void
test_abort(void **state)
{
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	struct raw_edit a = { "x." FW, DNS_ORIGIN_ZONEFILE, ip, 60, FW, 1 };
	struct xf *f = *state;
	uint32_t s0 = testlib_serial(f->st, FW), first, last;
	size_t entries;

	assert_int_equal(raw_edit(f, &a), ST_EINVAL);
	assert_int_equal(testlib_serial(f->st, FW), s0);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 0);
	assert_int_equal(f->nchanged, 0);
	a.fail = 0;
	assert_int_equal(raw_edit(f, &a), ST_OK);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 1);
	assert_int_equal(f->nchanged, 1);
	assert_int_equal(f->changed_serial[0], s0 + 1);
}

/* A changed TTL is the RR deleted and added again. */
static void
test_ttl_change(void **state)
{
	static const uint8_t ip[4] = { 192, 0, 2, 1 };
	struct raw_edit a = { "x." FW, DNS_ORIGIN_ZONEFILE, ip, 60, FW, 0 };
	struct xf *f = *state;
	uint32_t s0;
	struct rd r;

	assert_int_equal(raw_edit(f, &a), ST_OK);
	s0 = testlib_serial(f->st, FW);
	a.ttl = 30;
	assert_int_equal(raw_edit(f, &a), ST_OK);
	assert_int_equal(diff(f, FW, s0, s0 + 1, &r), ST_OK);
	assert_int_equal(r.d.ndel, 1);
	assert_int_equal(r.d.nadd, 1);
	assert_int_equal(r.d.del[0].ttl, 60);
	assert_int_equal(r.d.add[0].ttl, 30);
	rd_done(&r);
}

/* The same RR from two origins is one RR: it stays while one keeps it. */
static void
test_two_origins(void **state)
{
	static const uint8_t ip[4] = { 10, 0, 0, 1 };
	struct raw_edit a = { "web." FW, DNS_ORIGIN_ZONEFILE, ip, 60, FW, 0 };
	struct xf *f = *state;
	uint32_t s0;
	struct rd r;

	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 1);
	s0 = testlib_serial(f->st, FW);
	assert_int_equal(raw_edit(f, &a), ST_OK);
	assert_int_equal(diff(f, FW, s0, s0 + 1, &r), ST_OK);
	assert_int_equal(r.d.ndel + r.d.nadd, 0);
	rd_done(&r);
	xf_del(f, "web", "a1");
	assert_int_equal(diff(f, FW, s0 + 1, s0 + 2, &r), ST_OK);
	assert_int_equal(count(r.d.del, r.d.ndel, "web." FW, 0), 0);
	assert_int_equal(count(r.d.del, r.d.ndel, "web-a1." FW, DNS_TYPE_A), 1);
	assert_int_equal(r.d.nadd, 0);
	rd_done(&r);
}

static int
setup_small(void **state)
{
	struct dns_journal_params p = { 3, DNS_JOURNAL_MAX_BYTES };

	return xf_setup_with(state, &p);
}

static void
test_max_entries(void **state)
{
	struct xf *f = *state;
	uint32_t s0 = testlib_serial(f->st, FW), first, last;
	char id[16];
	size_t entries;
	struct rd r;

	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "a%d", i);
		xf_put(f, "web", id, "10.0.0.1", 8080 + i, NULL, 1);
	}
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 3);
	assert_int_equal(first, s0 + 2);
	assert_int_equal(last, s0 + 5);
	assert_int_equal(diff(f, FW, s0 + 1, s0 + 5, &r), ST_ENOTFOUND);
	assert_int_equal(diff(f, FW, s0 + 2, s0 + 5, &r), ST_OK);
	assert_int_equal(r.d.entries, 3);
	rd_done(&r);
}

static int
setup_bytes(void **state)
{
	/* An entry of this test is some 400 octets. */
	struct dns_journal_params p = { 100, 1000 };

	return xf_setup_with(state, &p);
}

static void
test_max_bytes(void **state)
{
	struct xf *f = *state;
	char id[16], big[4096], *p = big;
	uint32_t first, last;
	size_t entries;

	p += sprintf(p, "$ORIGIN marathon.mesos.\n$TTL 60\n");
	for (int i = 0; i < 8; i++)
		p += sprintf(p, "t%d TXT \"%0200d\"\n", i, i);
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "a%d", i);
		xf_put(f, "web", id, "10.0.0.1", 8080, NULL, 1);
	}
	xf_span(f, FW, &entries, &first, &last);
	assert_true(entries >= 1 && entries < 4);
	assert_int_equal(last, testlib_serial(f->st, FW));
	/* An entry bigger than the bound is not kept at all. */
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "b%d", i);
		xf_put(f, "db", id, "10.0.1.1", 5432, "unhealthy", 1);
	}
	xf_zonefile(f, "big.zone", big);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 0);
}

static int
setup_none(void **state)
{
	struct dns_journal_params p = { 0, DNS_JOURNAL_MAX_BYTES };

	return xf_setup_with(state, &p);
}

static void
test_keep_none(void **state)
{
	struct xf *f = *state;
	uint32_t first, last;
	size_t entries;

	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 1);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 0);
	/* NOTIFY still hears of it. */
	assert_int_equal(f->nchanged, 1);
}

/* Changes made while no journal was installed leave a gap: it goes. */
static void
test_gap(void **state)
{
	struct dns_journal_params p = { 100, DNS_JOURNAL_MAX_BYTES };
	struct xf *f = *state;
	uint32_t s0, first, last;
	size_t entries;

	xf_put(f, "web", "a1", "10.0.0.1", 8080, NULL, 1);
	xf_put(f, "web", "a2", "10.0.0.2", 8080, NULL, 1);
	dns_journal_free(f->j);
	xf_put(f, "web", "a3", "10.0.0.3", 8080, NULL, 1);
	assert_int_equal(dns_journal_new(f->st, &p, &f->j), ST_OK);
	s0 = testlib_serial(f->st, FW);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 2);
	assert_int_equal(last, s0 - 1);
	xf_put(f, "web", "a4", "10.0.0.4", 8080, NULL, 1);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 1);
	assert_int_equal(first, s0);
	assert_int_equal(last, s0 + 1);
}

/*
 * The zone file's records in a built-in zone are journaled with its serial;
 * a new zone inside one drops the outer zone's journal.
 */
static void
test_zone_inside(void **state)
{
	struct xf *f = *state;
	uint32_t s0 = testlib_serial(f->st, "mesos"), first, last;
	size_t entries;
	struct rd r;
	int i;

	xf_zonefile(f, "mesos.zone", "$ORIGIN mesos.\n$TTL 60\n"
	    "www A 192.0.2.80\n");
	assert_int_equal(testlib_serial(f->st, "mesos"), s0 + 1);
	assert_int_equal(diff(f, "mesos", s0, s0 + 1, &r), ST_OK);
	assert_int_equal(r.d.nadd, 1);
	assert_int_equal(count(r.d.add, r.d.nadd, "www.mesos", DNS_TYPE_A), 1);
	rd_done(&r);
	f->nchanged = 0;
	xf_zonefile(f, "sub.zone", "$ORIGIN sub.mesos.\n$TTL 60\n"
	    "@ SOA ns1.mesos. root.mesos. 7 60 30 600 60\n"
	    "@ NS ns1.mesos.\n"
	    "www A 192.0.2.81\n");
	xf_span(f, "mesos", &entries, &first, &last);
	assert_int_equal(entries, 0);
	xf_span(f, "sub.mesos", &entries, &first, &last);
	assert_int_equal(entries, 0);
	/* The new zone is notified; its first serial is the file's. */
	assert_int_equal(f->nchanged, 2);
	i = strcmp(f->changed[0], "mesos.") == 0 ? 1 : 0;
	assert_string_equal(f->changed[1 - i], "mesos.");
	assert_string_equal(f->changed[i], "sub.mesos.");
	assert_int_equal(f->changed_serial[i], 7);
	/* The file changed, with a newer serial: journaled. */
	xf_zonefile(f, "sub.zone", "$ORIGIN sub.mesos.\n$TTL 60\n"
	    "@ SOA ns1.mesos. root.mesos. 8 60 30 600 60\n"
	    "@ NS ns1.mesos.\n"
	    "www A 192.0.2.82\n");
	assert_int_equal(diff(f, "sub.mesos", 7, 8, &r), ST_OK);
	assert_int_equal(count(r.d.del, r.d.ndel, "www.sub.mesos", DNS_TYPE_A),
	    1);
	assert_int_equal(count(r.d.add, r.d.nadd, "www.sub.mesos", DNS_TYPE_A),
	    1);
	rd_done(&r);
	/* ... and changed without a new serial: dropped. */
	xf_zonefile(f, "sub.zone", "$ORIGIN sub.mesos.\n$TTL 60\n"
	    "@ SOA ns1.mesos. root.mesos. 8 60 30 600 60\n"
	    "@ NS ns1.mesos.\n"
	    "www A 192.0.2.83\n");
	xf_span(f, "sub.mesos", &entries, &first, &last);
	assert_int_equal(entries, 0);
}

struct soa_arg {
	const char *mname;
	uint32_t serial;
};

static int
soa_txn(struct store_txn *txn, void *arg)
{
	const struct soa_arg *a = arg;
	struct dns_soa_params p;
	uint8_t apex[DNS_NAME_MAX];
	size_t len;

	memset(&p, 0, sizeof(p));
	assert_int_equal(dns_name_from_text(a->mname, p.mname, &p.mname_len),
	    ST_OK);
	assert_int_equal(dns_name_from_text("root.ns1.mesos", p.rname,
	    &p.rname_len), ST_OK);
	p.refresh = 60;
	p.retry = 30;
	p.expire = 86400;
	p.minimum = 60;
	p.ttl = 60;
	assert_int_equal(dns_name_from_text(FW, apex, &len), ST_OK);
	dns_zone_write_soa(txn, apex, len, &p, a->serial);
	assert_int_equal(dns_name_from_text("mesos", apex, &len), ST_OK);
	dns_zone_bump_serial(txn, apex, len, NULL);
	return store_txn_error(txn);
}

/* The NS RRset at an inner zone's apex is the outer zone's delegation. */
static void
test_delegation(void **state)
{
	struct soa_arg a = { "ns2.mesos", 1000 };
	struct xf *f = *state;
	uint32_t s0 = testlib_serial(f->st, "mesos"), first, last;
	size_t entries;
	struct rd r;

	assert_int_equal(store_write(f->st, soa_txn, &a), ST_OK);
	assert_int_equal(diff(f, "mesos", s0, s0 + 1, &r), ST_OK);
	assert_int_equal(r.d.ndel, 1);
	assert_int_equal(r.d.nadd, 1);
	assert_int_equal(count(r.d.del, r.d.ndel, FW, DNS_TYPE_NS), 1);
	assert_int_equal(count(r.d.add, r.d.nadd, FW, DNS_TYPE_NS), 1);
	rd_done(&r);
	assert_int_equal(diff(f, FW, 1, 1000, &r), ST_OK);
	assert_int_equal(count(r.d.add, r.d.nadd, FW, DNS_TYPE_NS), 1);
	assert_int_equal(soa_serial(&r.d.new_soa), 1000);
	rd_done(&r);
	/* A new SOA without a newer serial: the inner journal goes. */
	a.mname = "ns3.mesos";
	a.serial = 5;
	assert_int_equal(store_write(f->st, soa_txn, &a), ST_OK);
	xf_span(f, FW, &entries, &first, &last);
	assert_int_equal(entries, 0);
	xf_span(f, "mesos", &entries, &first, &last);
	assert_int_equal(entries, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registry_changes,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_condense_flaps,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_weight_change,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_change_without_serial,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_abort,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_ttl_change,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_two_origins,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_max_entries,
		    setup_small, xf_teardown),
		cmocka_unit_test_setup_teardown(test_max_bytes,
		    setup_bytes, xf_teardown),
		cmocka_unit_test_setup_teardown(test_keep_none,
		    setup_none, xf_teardown),
		cmocka_unit_test_setup_teardown(test_gap,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_zone_inside,
		    xf_setup, xf_teardown),
		cmocka_unit_test_setup_teardown(test_delegation,
		    xf_setup, xf_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
