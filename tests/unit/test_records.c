/*
 * test_records.c -- the records dynamic updates wrote: dns_records_updated
 * on a store, and GET /v1/records over real HTTP on loopback.
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
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "api/http.h"
#include "dns/name.h"
#include "dns/node.h"
#include "dns/records.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/error.h"
#include "testlib.h"

struct fixture {
	char dir[4096];
	struct event_base *base;
	struct store *st;
	struct registry *reg;
	struct api_http *api;
	uint16_t port;
};

/* One RRset of one origin at a name. */
struct seed {
	const char *name;
	enum dns_origin origin;
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
};

static const uint8_t a1[] = { 192, 0, 2, 1 }, a2[] = { 192, 0, 2, 2 };
static const uint8_t txt[] = "\013hello world";
static const uint8_t mx[] = { 0, 10, 2, 'm', 'x', 5, 'm', 'e', 's', 'o',
    's', 0 };
static const uint8_t aaaa[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1 };
static const uint8_t opaque[] = { 0xab, 0xcd };

static const struct seed seeds[] = {
	{ "db.mesos", DNS_ORIGIN_UPDATE, 1, 300, a1, sizeof(a1) },
	{ "db.mesos", DNS_ORIGIN_UPDATE, 16, 60, txt, sizeof(txt) - 1 },
	{ "mail.mesos", DNS_ORIGIN_UPDATE, 15, 3600, mx, sizeof(mx) },
	{ "reg.mesos", DNS_ORIGIN_REGISTRY, 1, 60, a2, sizeof(a2) },
	{ "x.mesos", DNS_ORIGIN_UPDATE, 65280, 10, opaque, sizeof(opaque) },
	{ "u.marathon.mesos", DNS_ORIGIN_UPDATE, 28, 30, aaaa, sizeof(aaaa) },
};

static int
seed_txn(struct store_txn *txn, void *arg)
{
	uint8_t name[DNS_NAME_MAX], key[DNS_KEY_MAX];
	struct dns_node_edit e;
	size_t len, klen;

	(void)arg;
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		const struct seed *s = &seeds[i];

		if (dns_name_from_text(s->name, name, &len) != ST_OK ||
		    dns_name_to_key(name, len, key, &klen) != ST_OK)
			return ST_EINVAL;
		/* Both RRsets of db.mesos in one edit: commit replaces. */
		if (i > 0 && strcmp(seeds[i - 1].name, s->name) == 0)
			continue;
		dns_node_edit_init(&e, s->origin);
		for (size_t j = i; j < sizeof(seeds) / sizeof(seeds[0]) &&
		    strcmp(seeds[j].name, s->name) == 0; j++) {
			dns_node_edit_rrset(&e, seeds[j].type, seeds[j].ttl);
			dns_node_edit_rr(&e, 0, seeds[j].rdata, seeds[j].rdlen);
		}
		dns_node_edit_commit(&e, txn, key, klen);
		dns_node_edit_deinit(&e);
	}
	return store_txn_error(txn);
}

static int
setup(void **state)
{
	struct registry_params p = { "mesos", "marathon", 60 };
	struct fixture *f = calloc(1, sizeof(*f));
	char listen[64];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_non_null(f->base = event_base_new());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(testlib_zones(f->st), ST_OK);
	assert_int_equal(store_write(f->st, seed_txn, NULL), ST_OK);
	assert_int_equal(registry_new(f->st, &p, &f->reg), ST_OK);
	f->port = testlib_free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", f->port);
	assert_int_equal(api_http_new(f->base, listen, f->reg, 30, &f->api),
	    ST_OK);
	api_http_set_store(f->api, f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	api_http_free(f->api);
	registry_free(f->reg);
	store_close(f->st);
	event_base_free(f->base);
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

static void
request(struct fixture *f, enum evhttp_cmd_type method, const char *uri,
    struct testlib_resp *r)
{
	testlib_http(f->base, f->port, method, uri, NULL, r);
}

/* Record i of list is name type ttl data. */
static void
assert_record(const json_t *list, size_t i, const char *name,
    const char *type, json_int_t ttl, const char *data)
{
	const json_t *r = json_array_get(list, i);

	assert_non_null(r);
	assert_int_equal(json_object_size(r), 4);
	assert_string_equal(json_string_value(json_object_get(r, "name")), name);
	assert_string_equal(json_string_value(json_object_get(r, "type")), type);
	assert_int_equal(json_integer_value(json_object_get(r, "ttl")), ttl);
	assert_string_equal(json_string_value(json_object_get(r, "data")), data);
}

/* The zone's own update records, in key order, rdata as text. */
static void
test_zone(void **state)
{
	struct fixture *f = *state;
	json_t *out;

	assert_int_equal(dns_records_updated(f->st, "mesos.", &out), ST_OK);
	assert_int_equal(json_array_size(out), 4);
	assert_record(out, 0, "db.mesos.", "A", 300, "192.0.2.1");
	assert_record(out, 1, "db.mesos.", "TXT", 60, "\"hello world\"");
	assert_record(out, 2, "mail.mesos.", "MX", 3600, "10 mx.mesos.");
	assert_record(out, 3, "x.mesos.", "TYPE65280", 10, "\\# 2 abcd");
	json_decref(out);
	assert_int_equal(dns_records_updated(f->st, "Marathon.Mesos", &out),
	    ST_OK);
	assert_int_equal(json_array_size(out), 1);
	assert_record(out, 0, "u.marathon.mesos.", "AAAA", 30, "::1");
	json_decref(out);
}

static void
test_all_zones(void **state)
{
	struct fixture *f = *state;
	json_t *out;

	assert_int_equal(dns_records_updated(f->st, NULL, &out), ST_OK);
	assert_int_equal(json_array_size(out), 5);
	assert_record(out, 2, "mail.mesos.", "MX", 3600, "10 mx.mesos.");
	assert_record(out, 3, "u.marathon.mesos.", "AAAA", 30, "::1");
	json_decref(out);
}

static void
test_errors(void **state)
{
	struct fixture *f = *state;
	json_t *out = NULL;

	assert_int_equal(dns_records_updated(f->st, "example.org", &out),
	    ST_ENOTFOUND);
	/* A name inside a zone is no zone. */
	assert_int_equal(dns_records_updated(f->st, "db.mesos", &out),
	    ST_ENOTFOUND);
	assert_int_equal(dns_records_updated(f->st, "a..b", &out), ST_EINVAL);
	assert_null(out);
}

static void
test_http(void **state)
{
	struct fixture *f = *state;
	struct testlib_resp r;

	request(f, EVHTTP_REQ_GET, "/v1/records?zone=mesos", &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(json_array_size(r.json), 4);
	assert_record(r.json, 2, "mail.mesos.", "MX", 3600, "10 mx.mesos.");
	testlib_resp_clear(&r);
	request(f, EVHTTP_REQ_GET, "/v1/records/", &r);
	assert_int_equal(r.code, 200);
	assert_int_equal(json_array_size(r.json), 5);
	testlib_resp_clear(&r);
	request(f, EVHTTP_REQ_GET, "/v1/records?zone=example.org", &r);
	assert_int_equal(r.code, 404);
	assert_string_equal(json_string_value(json_object_get(r.json,
	    "message")), "zone 'example.org' not found");
	testlib_resp_clear(&r);
	request(f, EVHTTP_REQ_GET, "/v1/records?zone=a..b", &r);
	assert_int_equal(r.code, 400);
	testlib_resp_clear(&r);
	request(f, EVHTTP_REQ_DELETE, "/v1/records?zone=mesos", &r);
	assert_int_equal(r.code, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	testlib_resp_clear(&r);
	request(f, EVHTTP_REQ_GET, "/v1/records/db.mesos", &r);
	assert_int_equal(r.code, 404);
	testlib_resp_clear(&r);
	api_http_set_store(f->api, NULL);
	request(f, EVHTTP_REQ_GET, "/v1/records", &r);
	assert_int_equal(r.code, 503);
	testlib_resp_clear(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_zones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
