/*
 * test_update.c -- dynamic updates against a real LMDB store: TSIG
 * verdicts, the zone section, every prerequisite and its rcode, the four
 * kinds of update, ownership, and all-or-nothing application.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns/name.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "dns/policy.h"
#include "dns/tsig.h"
#include "dns/update.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "util/wire.h"
#include "testlib.h"

#define NOW 1700000000u
#define SECRET "c2VjcmV0IG9mIHRoZSB1cGRhdGUga2V5IGZvciB0ZXN0cyE="
#define OTHER "b3RoZXIgc2VjcmV0IG9mIHRoZSB1cGRhdGUga2V5IGZvciE="

struct fx {
	const char *dir;
	struct store *st;
	struct dns_tsig_keyring kr;
	struct dns_policy pol;
	struct dns_update_conf c;
	struct dns_tsig_key key, wrong, unknown;
	uint16_t tsig_error;	/* of the last answer */
};

static struct fx *F;

static int
owned_txn(struct store_txn *txn, void *arg)
{
	uint8_t name[DNS_NAME_MAX], key[DNS_KEY_MAX], a[4] = { 10, 0, 0, 1 };
	size_t len, klen;
	struct dns_node_edit e;

	(void)arg;
	store_put(txn, STORE_DB_LABELS, "web", 3, "web", 3);
	dns_name_from_text("web.marathon.mesos", name, &len);
	dns_name_to_key(name, len, key, &klen);
	dns_node_edit_init(&e, DNS_ORIGIN_REGISTRY);
	dns_node_edit_rrset(&e, DNS_TYPE_A, 60);
	dns_node_edit_rr(&e, 1, a, 4);
	dns_node_edit_commit(&e, txn, key, klen);
	dns_node_edit_deinit(&e);
	return store_txn_error(txn);
}

static int
setup(void **state)
{
	const char *why;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = strdup(testlib_tmpdir());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(testlib_zones(f->st), ST_OK);
	assert_int_equal(store_write(f->st, owned_txn, NULL), ST_OK);
	dns_tsig_keyring_init(&f->kr);
	assert_int_equal(dns_tsig_key_init(&f->key, "upd", NULL, SECRET, &why),
	    ST_OK);
	assert_int_equal(dns_tsig_key_init(&f->wrong, "upd", NULL, OTHER,
	    &why), ST_OK);
	assert_int_equal(dns_tsig_key_init(&f->unknown, "nobody", NULL,
	    SECRET, &why), ST_OK);
	assert_int_equal(dns_tsig_keyring_add(&f->kr, &f->key), ST_OK);
	f->c.store = f->st;
	f->c.keys = &f->kr;
	f->c.policy = &f->pol;
	dns_name_from_text("marathon.mesos", f->c.regzone, &(size_t){ 0 });
	F = f;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	testlib_rmtree(f->dir);
	free((void *)f->dir);
	dns_tsig_keyring_deinit(&f->kr);
	dns_policy_deinit(&f->pol);
	free(f);
	return 0;
}

/* An RR from text; class NONE/ANY set after, as ldns reads IN. */
static ldns_rr *
rr(const char *text, ldns_rr_class cls)
{
	ldns_rr *r = NULL;

	assert_int_equal(ldns_rr_new_frm_str(&r, text, 0, NULL, NULL),
	    LDNS_STATUS_OK);
	if (cls)
		ldns_rr_set_class(r, cls);
	return r;
}

/* An RR without rdata and TTL 0: prerequisites, deletions. */
static ldns_rr *
rr_empty(const char *name, ldns_rr_type type, ldns_rr_class cls)
{
	ldns_rr *r = ldns_rr_new();
	ldns_rdf *owner = ldns_dname_new_frm_str(name);

	ldns_rr_set_owner(r, owner);
	ldns_rr_set_type(r, type);
	ldns_rr_set_class(r, cls);
	ldns_rr_set_ttl(r, 0);
	ldns_rr_set_question(r, false);
	return r;
}

/*
 * Send an UPDATE of zone with the prerequisites and updates (NULL-ended
 * lists, taken), signed with key (NULL: unsigned) at time now; the rcode.
 */
static int
send_upd(const char *zone, const struct dns_tsig_key *key, uint64_t now,
    ldns_rr **pr, ldns_rr **up)
{
	ldns_rr_list *prl = ldns_rr_list_new(), *upl = ldns_rr_list_new();
	ldns_rdf *z = ldns_dname_new_frm_str(zone);
	ldns_pkt *p;
	uint8_t *wire, msg[4096], ans[1024];
	size_t len, alen;
	struct dns_tsig_ctx ctx;

	for (; pr && *pr; pr++)
		ldns_rr_list_push_rr(prl, *pr);
	for (; up && *up; up++)
		ldns_rr_list_push_rr(upl, *up);
	p = ldns_update_pkt_new(z, LDNS_RR_CLASS_IN, prl, upl, NULL);
	assert_non_null(p);
	/* ldns copied the RRs into its own lists. */
	ldns_rr_list_deep_free(prl);
	ldns_rr_list_deep_free(upl);
	ldns_pkt_set_id(p, 4242);
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	memcpy(msg, wire, len);
	free(wire);
	ldns_pkt_free(p);
	memset(&ctx, 0, sizeof(ctx));
	if (key)
		assert_int_equal(dns_tsig_sign_request(&ctx, key, msg, &len,
		    sizeof(msg), now), ST_OK);
	alen = dns_update_answer(&F->c, msg, len, NOW, ans, sizeof(ans));
	assert_true(alen >= DNS_HDR_LEN);
	assert_int_equal(wire_rd16(ans), 4242);
	assert_int_equal(ans[2], 0x80 | DNS_OPCODE_UPDATE << 3);
	F->tsig_error = 0;
	if (key) {
		assert_int_equal(dns_tsig_verify_response(&ctx, ans, alen,
		    now), ST_OK);
		F->tsig_error = ctx.error;
	} else {
		assert_int_equal(wire_rd16(ans + 10), 0);
	}
	dns_tsig_ctx_deinit(&ctx);
	return ans[3] & 0x0f;
}

#define PR(...) ((ldns_rr *[]){ __VA_ARGS__, NULL })
#define UP(...) ((ldns_rr *[]){ __VA_ARGS__, NULL })

static int
upd(ldns_rr **pr, ldns_rr **up)
{
	return send_upd("marathon.mesos.", &F->key, NOW, pr, up);
}

/* RRs of type at name, of every origin. */
static int
count(const char *name, uint16_t type)
{
	uint8_t wname[DNS_NAME_MAX], key[DNS_KEY_MAX];
	size_t len, klen, vlen;
	const void *val;
	struct store_txn *txn;
	struct dns_node_iter it;
	struct dns_rrset set;
	int n = 0;

	dns_name_from_text(name, wname, &len);
	dns_name_to_key(wname, len, key, &klen);
	assert_int_equal(store_reader_new(F->st, &txn), ST_OK);
	assert_int_equal(store_reader_begin(txn), ST_OK);
	if (store_get(txn, STORE_DB_NODES, key, klen, &val, &vlen) == ST_OK) {
		assert_int_equal(dns_node_iter_init(&it, val, vlen), ST_OK);
		while (dns_node_iter_next(&it, &set) == 1)
			if (set.type == type)
				n += set.count;
	}
	store_reader_end(txn);
	store_reader_free(txn);
	return n;
}

static void
test_tsig_verdicts(void **state)
{
	ldns_rr *add = rr("x.marathon.mesos. 60 IN A 10.1.1.1", 0);

	(void)state;
	assert_int_equal(send_upd("marathon.mesos.", NULL, NOW, NULL, UP(add)),
	    DNS_RCODE_REFUSED);
	add = rr("x.marathon.mesos. 60 IN A 10.1.1.1", 0);
	assert_int_equal(send_upd("marathon.mesos.", &F->wrong, NOW, NULL,
	    UP(add)), DNS_RCODE_NOTAUTH);
	assert_int_equal(F->tsig_error, DNS_TSIG_BADSIG);
	add = rr("x.marathon.mesos. 60 IN A 10.1.1.1", 0);
	assert_int_equal(send_upd("marathon.mesos.", &F->unknown, NOW, NULL,
	    UP(add)), DNS_RCODE_NOTAUTH);
	assert_int_equal(F->tsig_error, DNS_TSIG_BADKEY);
	add = rr("x.marathon.mesos. 60 IN A 10.1.1.1", 0);
	assert_int_equal(send_upd("marathon.mesos.", &F->key, NOW - 1000, NULL,
	    UP(add)), DNS_RCODE_NOTAUTH);
	assert_int_equal(F->tsig_error, DNS_TSIG_BADTIME);
	assert_int_equal(count("x.marathon.mesos", DNS_TYPE_A), 0);
	assert_int_equal(testlib_serial(F->st, "marathon.mesos"), 1);
}

static void
test_zone_section(void **state)
{
	(void)state;
	assert_int_equal(send_upd("example.org.", &F->key, NOW, NULL,
	    UP(rr("x.example.org. 60 IN A 10.1.1.1", 0))), DNS_RCODE_NOTAUTH);
	assert_int_equal(send_upd("sub.marathon.mesos.", &F->key, NOW, NULL,
	    UP(rr("x.sub.marathon.mesos. 60 IN A 10.1.1.1", 0))),
	    DNS_RCODE_NOTAUTH);
	assert_int_equal(F->tsig_error, DNS_TSIG_NOERROR);
}

static void
test_add_and_delete(void **state)
{
	(void)state;
	assert_int_equal(upd(NULL, UP(
	    rr("db.marathon.mesos. 30 IN A 10.1.1.1", 0),
	    rr("db.marathon.mesos. 30 IN A 10.1.1.2", 0),
	    rr("_db._tcp.marathon.mesos. 30 IN SRV 0 1 5432 db.marathon.mesos.",
	    0),
	    rr("db.marathon.mesos. 30 IN TXT \"hello\"", 0))),
	    DNS_RCODE_NOERROR);
	assert_int_equal(F->tsig_error, DNS_TSIG_NOERROR);
	assert_int_equal(count("db.marathon.mesos", DNS_TYPE_A), 2);
	assert_int_equal(count("_db._tcp.marathon.mesos", DNS_TYPE_SRV), 1);
	assert_int_equal(count("db.marathon.mesos", DNS_TYPE_TXT), 1);
	assert_int_equal(testlib_serial(F->st, "marathon.mesos"), 2);
	/* A duplicate changes nothing, the serial stays. */
	assert_int_equal(upd(NULL, UP(rr("db.marathon.mesos. 30 IN A 10.1.1.1",
	    0))), DNS_RCODE_NOERROR);
	assert_int_equal(testlib_serial(F->st, "marathon.mesos"), 2);
	/* Delete one RR, then the TXT RRset, then the whole name. */
	assert_int_equal(upd(NULL, UP(rr("db.marathon.mesos. 0 IN A 10.1.1.1",
	    LDNS_RR_CLASS_NONE))), DNS_RCODE_NOERROR);
	assert_int_equal(count("db.marathon.mesos", DNS_TYPE_A), 1);
	assert_int_equal(upd(NULL, UP(rr_empty("db.marathon.mesos.",
	    LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_ANY))), DNS_RCODE_NOERROR);
	assert_int_equal(count("db.marathon.mesos", DNS_TYPE_TXT), 0);
	assert_int_equal(count("db.marathon.mesos", DNS_TYPE_A), 1);
	assert_int_equal(upd(NULL, UP(rr_empty("db.marathon.mesos.",
	    LDNS_RR_TYPE_ANY, LDNS_RR_CLASS_ANY))), DNS_RCODE_NOERROR);
	assert_int_equal(count("db.marathon.mesos", DNS_TYPE_A), 0);
	assert_int_equal(testlib_serial(F->st, "marathon.mesos"), 5);
	/* The apex's SOA and NS stay whatever is asked. */
	assert_int_equal(upd(NULL, UP(rr_empty("marathon.mesos.",
	    LDNS_RR_TYPE_ANY, LDNS_RR_CLASS_ANY), rr_empty("marathon.mesos.",
	    LDNS_RR_TYPE_NS, LDNS_RR_CLASS_ANY), rr_empty("marathon.mesos.",
	    LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_ANY))), DNS_RCODE_NOERROR);
	assert_int_equal(count("marathon.mesos", DNS_TYPE_SOA), 1);
	assert_int_equal(count("marathon.mesos", DNS_TYPE_NS), 1);
	/* CNAME and other data do not mix. */
	assert_int_equal(upd(NULL, UP(rr("c.marathon.mesos. 30 IN A 10.0.0.9",
	    0), rr("c.marathon.mesos. 30 IN CNAME db.marathon.mesos.", 0))),
	    DNS_RCODE_NOERROR);
	assert_int_equal(count("c.marathon.mesos", DNS_TYPE_CNAME), 0);
}

static void
test_prerequisites(void **state)
{
	(void)state;
	assert_int_equal(upd(NULL, UP(rr("p.marathon.mesos. 30 IN A 10.2.0.1",
	    0), rr("p.marathon.mesos. 30 IN A 10.2.0.2", 0))),
	    DNS_RCODE_NOERROR);
	/* Name in use / not in use. */
	assert_int_equal(upd(PR(rr_empty("q.marathon.mesos.", LDNS_RR_TYPE_ANY,
	    LDNS_RR_CLASS_ANY)), NULL), DNS_RCODE_NXDOMAIN);
	assert_int_equal(upd(PR(rr_empty("p.marathon.mesos.", LDNS_RR_TYPE_ANY,
	    LDNS_RR_CLASS_NONE)), NULL), DNS_RCODE_YXDOMAIN);
	/* RRset exists / does not exist. */
	assert_int_equal(upd(PR(rr_empty("p.marathon.mesos.", LDNS_RR_TYPE_TXT,
	    LDNS_RR_CLASS_ANY)), NULL), DNS_RCODE_NXRRSET);
	assert_int_equal(upd(PR(rr_empty("p.marathon.mesos.", LDNS_RR_TYPE_A,
	    LDNS_RR_CLASS_NONE)), NULL), DNS_RCODE_YXRRSET);
	/* Exists with values: the whole RRset, not a part of it. */
	assert_int_equal(upd(PR(rr("p.marathon.mesos. 0 IN A 10.2.0.1", 0)),
	    NULL), DNS_RCODE_NXRRSET);
	assert_int_equal(upd(PR(rr("p.marathon.mesos. 0 IN A 10.2.0.1", 0),
	    rr("p.marathon.mesos. 0 IN A 10.2.0.2", 0)),
	    UP(rr("p.marathon.mesos. 30 IN TXT \"ok\"", 0))),
	    DNS_RCODE_NOERROR);
	assert_int_equal(count("p.marathon.mesos", DNS_TYPE_TXT), 1);
	/* Outside the zone, and malformed (a TTL). */
	assert_int_equal(upd(PR(rr_empty("x.example.org.", LDNS_RR_TYPE_ANY,
	    LDNS_RR_CLASS_ANY)), NULL), DNS_RCODE_NOTZONE);
	assert_int_equal(upd(PR(rr("p.marathon.mesos. 60 IN A 10.2.0.1", 0)),
	    NULL), DNS_RCODE_FORMERR);
	/* The registry's names are in use too. */
	assert_int_equal(upd(PR(rr_empty("web.marathon.mesos.",
	    LDNS_RR_TYPE_A, LDNS_RR_CLASS_ANY)), NULL), DNS_RCODE_NOERROR);
}

static void
test_all_or_nothing(void **state)
{
	uint32_t s = testlib_serial(F->st, "marathon.mesos");

	(void)state;
	assert_int_equal(upd(NULL, UP(rr("n.marathon.mesos. 30 IN A 10.3.0.1",
	    0), rr("n.example.org. 30 IN A 10.3.0.1", 0))), DNS_RCODE_NOTZONE);
	assert_int_equal(upd(NULL, UP(rr("n.marathon.mesos. 30 IN A 10.3.0.1",
	    0), rr("n.marathon.mesos. 30 CH A 10.3.0.1", 0))),
	    DNS_RCODE_FORMERR);
	assert_int_equal(count("n.marathon.mesos", DNS_TYPE_A), 0);
	assert_int_equal(testlib_serial(F->st, "marathon.mesos"), s);
}

static void
test_owned(void **state)
{
	char err[256];
	json_t *rules;

	(void)state;
	/* The app's name, an instance-like name under it, its SRV names. */
	assert_int_equal(upd(NULL, UP(rr("web.marathon.mesos. 30 IN TXT \"x\"",
	    0))), DNS_RCODE_REFUSED);
	assert_int_equal(upd(NULL, UP(rr("_web._tcp.marathon.mesos. 30 IN SRV "
	    "0 1 80 web.marathon.mesos.", 0))), DNS_RCODE_REFUSED);
	assert_int_equal(upd(NULL, UP(rr_empty("web.marathon.mesos.",
	    LDNS_RR_TYPE_ANY, LDNS_RR_CLASS_ANY))), DNS_RCODE_REFUSED);
	assert_int_equal(count("web.marathon.mesos", DNS_TYPE_A), 1);
	/* A rule with "registry": true lets it through, beside the app's. */
	rules = json_loads("[{\"zone\": \"marathon.mesos\", \"key\": \"upd\", "
	    "\"types\": [\"TXT\"], \"registry\": true}]", 0, NULL);
	assert_int_equal(dns_policy_parse(&F->pol, rules, err, sizeof(err)),
	    ST_OK);
	json_decref(rules);
	assert_int_equal(upd(NULL, UP(rr("web.marathon.mesos. 30 IN TXT \"x\"",
	    0))), DNS_RCODE_NOERROR);
	assert_int_equal(count("web.marathon.mesos", DNS_TYPE_TXT), 1);
	assert_int_equal(count("web.marathon.mesos", DNS_TYPE_A), 1);
	/* Types the rule does not name are refused. */
	assert_int_equal(upd(NULL, UP(rr("free.marathon.mesos. 30 IN A "
	    "10.0.0.1", 0))), DNS_RCODE_REFUSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tsig_verdicts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_section, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_add_and_delete, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prerequisites, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_all_or_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_owned, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
