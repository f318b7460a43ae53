/*
 * test_registry.c -- registration, validation and the DNS names it writes.
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
#include <jansson.h>

#include "dns/name.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "dns/zone.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/error.h"
#include "testlib.h"

#define ZONE "marathon.mesos"

struct fixture {
	char dir[4096];
	struct store *st;
	struct registry *reg;
	uint64_t last_change;
	int changes;
};

struct rr_copy {
	uint16_t weight;
	uint16_t rdlen;
	uint8_t rdata[300];
};

static void
on_change(uint64_t index, void *arg)
{
	struct fixture *f = arg;

	f->last_change = index;
	f->changes++;
}

static int
setup(void **state)
{
	struct registry_params p = { "mesos", "marathon", 60 };
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(testlib_zones(f->st), ST_OK);
	assert_int_equal(registry_new(f->st, &p, &f->reg), ST_OK);
	registry_on_change(f->reg, on_change, f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	registry_free(f->reg);
	store_close(f->st);
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

/* The registry's RRs of type at name; -1 when the node is absent. */
static int
node_rrs(struct fixture *f, const char *name, uint16_t type,
    struct rr_copy *out, int max)
{
	uint8_t wire[DNS_NAME_MAX], key[DNS_KEY_MAX];
	struct store_txn *txn;
	struct dns_node_iter it;
	struct dns_rrset set;
	struct dns_rr_iter ri;
	struct dns_rr rr;
	size_t wlen, klen, vlen;
	const void *val;
	int n = 0, err;

	assert_int_equal(dns_name_from_text(name, wire, &wlen), ST_OK);
	assert_int_equal(dns_name_to_key(wire, wlen, key, &klen), ST_OK);
	assert_int_equal(store_reader_new(f->st, &txn), ST_OK);
	assert_int_equal(store_reader_begin(txn), ST_OK);
	err = store_get(txn, STORE_DB_NODES, key, klen, &val, &vlen);
	if (err == ST_ENOTFOUND) {
		store_reader_free(txn);
		return -1;
	}
	assert_int_equal(err, ST_OK);
	assert_int_equal(dns_node_iter_init(&it, val, vlen), ST_OK);
	while (dns_node_iter_next(&it, &set) == 1) {
		if (set.type != type || set.origin != DNS_ORIGIN_REGISTRY)
			continue;
		assert_int_equal(set.ttl, 60);
		dns_rr_iter_init(&ri, &set);
		while (dns_rr_iter_next(&ri, &rr) == 1) {
			assert_true(n < max);
			out[n].weight = rr.weight;
			out[n].rdlen = rr.rdlen;
			memcpy(out[n].rdata, rr.rdata, rr.rdlen);
			n++;
		}
	}
	store_reader_free(txn);
	return n;
}

static int
put(struct fixture *f, const char *svc, const char *id, const char *body,
    enum registry_mode mode, struct registry_error *e, json_t **out)
{
	json_error_t jerr;
	json_t *j = json_loads(body, 0, &jerr);
	int err;

	if (j == NULL)
		fail_msg("bad test JSON %s: %s", body, jerr.text);
	err = registry_instance_put(f->reg, svc, id, j, mode, out, e);
	json_decref(j);
	return err;
}

static void
put_ok(struct fixture *f, const char *svc, const char *body)
{
	struct registry_error e;
	int err = put(f, svc, NULL, body, REGISTRY_REPLACE, &e, NULL);

	if (err != ST_OK)
		fail_msg("%s %s: %s at '%s': %s", svc, body, st_strerror(err),
		    e.field, e.message);
}

static void
check_srv(const struct rr_copy *rr, uint16_t weight, uint16_t port,
    const char *target)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t len;

	assert_int_equal(dns_name_from_text(target, wire, &len), ST_OK);
	assert_int_equal(rr->rdlen, 6 + len);
	assert_int_equal(rr->rdata[0] << 8 | rr->rdata[1], 0);
	assert_int_equal(rr->rdata[2] << 8 | rr->rdata[3], weight);
	assert_int_equal(rr->rdata[4] << 8 | rr->rdata[5], port);
	assert_memory_equal(rr->rdata + 6, wire, len);
	assert_int_equal(rr->weight, weight);
}

static void
test_register_publishes(void **state)
{
	struct fixture *f = *state;
	static const uint8_t a1[4] = { 10, 0, 0, 1 }, a2[4] = { 10, 0, 0, 2 };
	struct rr_copy rrs[8];
	struct registry_error e;
	uint32_t serial = testlib_serial(f->st, ZONE);
	json_t *out = NULL;

	assert_int_equal(registry_index(f->reg), 0);
	assert_int_equal(put(f, "/prod/web", NULL, "{\"id\": \"a1\", "
	    "\"address\": \"10.0.0.1\", \"ports\": [{\"port\": 8080}], "
	    "\"weight\": 3}", REGISTRY_CREATE, &e, &out), ST_OK);
	assert_int_equal(registry_index(f->reg), 1);
	assert_int_equal(f->last_change, 1);
	assert_int_equal(testlib_serial(f->st, ZONE), serial + 1);
	assert_string_equal(json_string_value(json_object_get(out, "health")),
	    "none");
	assert_non_null(json_object_get(out, "registeredAt"));
	assert_non_null(json_object_get(out, "updatedAt"));
	json_decref(out);

	assert_int_equal(node_rrs(f, "web-prod." ZONE, DNS_TYPE_A, rrs, 8), 1);
	assert_memory_equal(rrs[0].rdata, a1, 4);
	assert_int_equal(rrs[0].weight, 3);
	assert_int_equal(node_rrs(f, "web-prod-a1." ZONE, DNS_TYPE_A, rrs, 8),
	    1);
	assert_int_equal(node_rrs(f, "_web-prod._tcp." ZONE, DNS_TYPE_SRV,
	    rrs, 8), 1);
	check_srv(&rrs[0], 3, 8080, "web-prod-a1." ZONE);
	assert_int_equal(node_rrs(f, "_web-prod._udp." ZONE, DNS_TYPE_SRV,
	    rrs, 8), -1);

	/* A second instance on the same address: one A, weights summed. */
	put_ok(f, "prod/web", "{\"id\": \"a2\", \"address\": \"10.0.0.1\", "
	    "\"ports\": [{\"port\": 8081}]}");
	put_ok(f, "/prod/web", "{\"id\": \"a3\", \"address\": \"10.0.0.2\"}");
	assert_int_equal(registry_index(f->reg), 3);
	assert_int_equal(testlib_serial(f->st, ZONE), serial + 3);
	assert_int_equal(node_rrs(f, "web-prod." ZONE, DNS_TYPE_A, rrs, 8), 2);
	assert_memory_equal(rrs[0].rdata, a1, 4);
	assert_int_equal(rrs[0].weight, 4);
	assert_memory_equal(rrs[1].rdata, a2, 4);
	assert_int_equal(node_rrs(f, "_web-prod._tcp." ZONE, DNS_TYPE_SRV,
	    rrs, 8), 2);

	assert_int_equal(registry_services_json(f->reg, &out, NULL), ST_OK);
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(out, 0), "dns")), "web-prod." ZONE);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(out, 0), "instances")), 3);
	json_decref(out);
}

static const struct {
	const char *id;		/* in the URL */
	const char *body;
	const char *field;
} invalid[] = {
	{ NULL, "[]", "" },
	{ NULL, "{\"address\": \"10.0.0.1\"}", "/id" },
	{ NULL, "{\"id\": \"bad id\", \"address\": \"10.0.0.1\"}", "/id" },
	{ NULL, "{\"id\": 7, \"address\": \"10.0.0.1\"}", "/id" },
	{ "b", "{\"id\": \"a\", \"address\": \"10.0.0.1\"}", "/id" },
	{ "b/c", "{\"address\": \"10.0.0.1\"}", "/id" },
	{ NULL, "{\"id\": \"a\"}", "/address" },
	{ NULL, "{\"id\": \"a\", \"address\": \"300.1.1.1\"}", "/address" },
	{ NULL, "{\"id\": \"a\", \"address\": \"web.example\"}", "/address" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"ports\": "
	    "[{\"port\": 0}]}", "/ports/0/port" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"ports\": "
	    "[{\"port\": 80}, {\"port\": 70000}]}", "/ports/1/port" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"ports\": "
	    "[{\"name\": \"http\"}]}", "/ports/0/port" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"ports\": "
	    "[{\"port\": 80, \"protocol\": \"sctp\"}]}", "/ports/0/protocol" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"ports\": "
	    "[{\"port\": 80, \"name\": \"--\"}]}", "/ports/0/name" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"ports\": "
	    "[{\"port\": 80, \"x\": 1}]}", "/ports/0/x" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"ports\": 80}",
	    "/ports" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"weight\": 70000}",
	    "/weight" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"weight\": \"1\"}",
	    "/weight" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"health\": "
	    "\"sick\"}", "/health" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"tags\": "
	    "[\"x\", 1]}", "/tags/1" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"metadata\": "
	    "{\"k\": 1}}", "/metadata/k" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"metadata\": "
	    "{\"a/b\": true}}", "/metadata/a~1b" },
	{ NULL, "{\"id\": \"a\", \"address\": \"10.0.0.1\", \"foo\": 1}",
	    "/foo" },
};

static void
test_validation(void **state)
{
	struct fixture *f = *state;
	struct registry_error e;
	char longid[130];
	json_t *out;

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		int err = put(f, "/prod/web", invalid[i].id, invalid[i].body,
		    REGISTRY_REPLACE, &e, NULL);

		if (err != ST_EINVAL || strcmp(e.field, invalid[i].field) != 0)
			fail_msg("%s: got %s at '%s' (%s), want '%s'",
			    invalid[i].body, st_strerror(err), e.field,
			    e.message, invalid[i].field);
		assert_true(e.message[0] != '\0');
	}
	memset(longid, 'x', 129);
	longid[129] = '\0';
	assert_int_equal(put(f, "web", longid, "{\"address\": \"10.0.0.1\"}",
	    REGISTRY_REPLACE, &e, NULL), ST_EINVAL);
	assert_string_equal(e.field, "/id");
	assert_int_equal(put(f, "/", NULL, "{\"id\": \"a\", \"address\": "
	    "\"10.0.0.1\"}", REGISTRY_REPLACE, &e, NULL), ST_EINVAL);
	assert_int_equal(put(f, "/--/_", NULL, "{\"id\": \"a\", \"address\": "
	    "\"10.0.0.1\"}", REGISTRY_REPLACE, &e, NULL), ST_EINVAL);

	/* Nothing was stored, nothing changed. */
	assert_int_equal(registry_index(f->reg), 0);
	assert_int_equal(f->changes, 0);
	assert_int_equal(registry_services_json(f->reg, &out, NULL), ST_OK);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	assert_int_equal(registry_service_json(f->reg, "/prod/web", &out, NULL),
	    ST_ENOTFOUND);
}

static void
test_conflicts(void **state)
{
	struct fixture *f = *state;
	struct registry_error e;
	const char *a = "{\"id\": \"A_1\", \"address\": \"10.0.0.1\"}";

	put_ok(f, "/prod/web", a);
	assert_int_equal(put(f, "/prod/web", NULL, a, REGISTRY_CREATE, &e,
	    NULL), ST_EEXIST);
	/* "web-prod" and "/prod/web" both want the label web-prod. */
	assert_int_equal(put(f, "web-prod", NULL, a, REGISTRY_REPLACE, &e,
	    NULL), ST_ECONFLICT);
	assert_non_null(strstr(e.message, "/prod/web"));
	/* "a.1" and "A_1" both have the short id a-1. */
	assert_int_equal(put(f, "/prod/web", NULL, "{\"id\": \"a.1\", "
	    "\"address\": \"10.0.0.2\"}", REGISTRY_REPLACE, &e, NULL),
	    ST_ECONFLICT);
	assert_string_equal(e.field, "/id");
	assert_non_null(strstr(e.message, "A_1"));
	/* Label web-prod-a-1 is the name of instance A_1. */
	assert_int_equal(put(f, "1/a/prod/web", NULL, a, REGISTRY_REPLACE, &e,
	    NULL), ST_ECONFLICT);
	assert_non_null(strstr(e.message, "instance 'A_1'"));
	assert_int_equal(registry_index(f->reg), 1);
}

static void
test_health(void **state)
{
	struct fixture *f = *state;
	struct rr_copy rrs[4];
	json_t *out;

	put_ok(f, "web", "{\"id\": \"x\", \"address\": \"10.0.0.1\", "
	    "\"health\": \"unhealthy\", \"ports\": [{\"port\": 80}]}");
	assert_int_equal(registry_index(f->reg), 1);
	assert_int_equal(node_rrs(f, "web." ZONE, DNS_TYPE_A, rrs, 4), -1);
	assert_int_equal(node_rrs(f, "_web._tcp." ZONE, DNS_TYPE_SRV, rrs, 4),
	    -1);
	assert_int_equal(registry_instances_json(f->reg, "/web", &out, NULL),
	    ST_OK);
	assert_int_equal(json_array_size(out), 1);
	json_decref(out);

	put_ok(f, "web", "{\"id\": \"x\", \"address\": \"10.0.0.1\", "
	    "\"health\": \"healthy\", \"ports\": [{\"port\": 80}]}");
	assert_int_equal(node_rrs(f, "web." ZONE, DNS_TYPE_A, rrs, 4), 1);
	assert_int_equal(node_rrs(f, "_web._tcp." ZONE, DNS_TYPE_SRV, rrs, 4),
	    1);
	put_ok(f, "web", "{\"id\": \"x\", \"address\": \"10.0.0.1\", "
	    "\"health\": \"starting\", \"ports\": [{\"port\": 80}]}");
	assert_int_equal(node_rrs(f, "web." ZONE, DNS_TYPE_A, rrs, 4), -1);
	assert_int_equal(node_rrs(f, "web-x." ZONE, DNS_TYPE_A, rrs, 4), -1);
}

static void
test_delete(void **state)
{
	struct fixture *f = *state;
	struct rr_copy rrs[4];
	uint32_t serial;
	json_t *out;

	put_ok(f, "/prod/web", "{\"id\": \"a\", \"address\": \"10.0.0.1\", "
	    "\"ports\": [{\"port\": 80, \"name\": \"http\"}]}");
	put_ok(f, "/prod/web", "{\"id\": \"b\", \"address\": \"10.0.0.2\"}");
	serial = testlib_serial(f->st, ZONE);
	assert_int_equal(registry_instance_delete(f->reg, "/prod/web", "a"),
	    ST_OK);
	assert_int_equal(registry_index(f->reg), 3);
	assert_int_equal(testlib_serial(f->st, ZONE), serial + 1);
	assert_int_equal(node_rrs(f, "web-prod-a." ZONE, DNS_TYPE_A, rrs, 4),
	    -1);
	assert_int_equal(node_rrs(f, "_web-prod._tcp." ZONE, DNS_TYPE_SRV,
	    rrs, 4), -1);
	assert_int_equal(node_rrs(f, "_http._web-prod._tcp." ZONE,
	    DNS_TYPE_SRV, rrs, 4), -1);
	assert_int_equal(node_rrs(f, "web-prod." ZONE, DNS_TYPE_A, rrs, 4), 1);
	assert_int_equal(registry_instance_delete(f->reg, "/prod/web", "a"),
	    ST_ENOTFOUND);
	assert_int_equal(registry_instance_delete(f->reg, "/nope", "a"),
	    ST_ENOTFOUND);

	/* The last instance goes; the service stays. */
	assert_int_equal(registry_instance_delete(f->reg, "prod/web", "b"),
	    ST_OK);
	assert_int_equal(node_rrs(f, "web-prod." ZONE, DNS_TYPE_A, rrs, 4), -1);
	assert_int_equal(registry_service_json(f->reg, "/prod/web", &out, NULL),
	    ST_OK);
	assert_int_equal(json_array_size(json_object_get(out, "instances")), 0);
	json_decref(out);

	/* Removing the service frees its label. */
	put_ok(f, "/prod/web", "{\"id\": \"c\", \"address\": \"10.0.0.3\"}");
	assert_int_equal(registry_service_delete(f->reg, "/prod/web"), ST_OK);
	assert_int_equal(node_rrs(f, "web-prod." ZONE, DNS_TYPE_A, rrs, 4), -1);
	assert_int_equal(node_rrs(f, "web-prod-c." ZONE, DNS_TYPE_A, rrs, 4),
	    -1);
	assert_int_equal(registry_service_delete(f->reg, "/prod/web"),
	    ST_ENOTFOUND);
	assert_int_equal(registry_instances_json(f->reg, "/prod/web", &out,
	    NULL), ST_ENOTFOUND);
	put_ok(f, "web-prod", "{\"id\": \"c\", \"address\": \"10.0.0.3\"}");
	assert_int_equal(node_rrs(f, "web-prod-c." ZONE, DNS_TYPE_A, rrs, 4),
	    1);
}

static void
test_ipv6_and_ports(void **state)
{
	struct fixture *f = *state;
	struct rr_copy rrs[4];

	put_ok(f, "/api", "{\"id\": \"v6\", \"address\": \"2001:db8::1\", "
	    "\"ports\": [{\"port\": 80, \"name\": \"HTTP\"}, {\"port\": 53, "
	    "\"protocol\": \"udp\", \"name\": \"dns\"}], \"weight\": 2}");
	assert_int_equal(node_rrs(f, "api." ZONE, DNS_TYPE_AAAA, rrs, 4), 1);
	assert_int_equal(rrs[0].rdlen, 16);
	assert_int_equal(rrs[0].rdata[0], 0x20);
	assert_int_equal(rrs[0].rdata[15], 1);
	assert_int_equal(node_rrs(f, "api." ZONE, DNS_TYPE_A, rrs, 4), 0);
	assert_int_equal(node_rrs(f, "_http._api._tcp." ZONE, DNS_TYPE_SRV,
	    rrs, 4), 1);
	check_srv(&rrs[0], 2, 80, "api-v6." ZONE);
	assert_int_equal(node_rrs(f, "_dns._api._udp." ZONE, DNS_TYPE_SRV,
	    rrs, 4), 1);
	check_srv(&rrs[0], 2, 53, "api-v6." ZONE);
	assert_int_equal(node_rrs(f, "_api._udp." ZONE, DNS_TYPE_SRV, rrs, 4),
	    1);

	/* A changed port replaces the SRV; the old named port goes away. */
	put_ok(f, "/api", "{\"id\": \"v6\", \"address\": \"2001:db8::1\", "
	    "\"ports\": [{\"port\": 8080, \"name\": \"web\"}], \"weight\": 2}");
	assert_int_equal(node_rrs(f, "_api._tcp." ZONE, DNS_TYPE_SRV, rrs, 4),
	    1);
	check_srv(&rrs[0], 2, 8080, "api-v6." ZONE);
	assert_int_equal(node_rrs(f, "_web._api._tcp." ZONE, DNS_TYPE_SRV,
	    rrs, 4), 1);
	assert_int_equal(node_rrs(f, "_http._api._tcp." ZONE, DNS_TYPE_SRV,
	    rrs, 4), -1);
	assert_int_equal(node_rrs(f, "_api._udp." ZONE, DNS_TYPE_SRV, rrs, 4),
	    -1);
}

static void
test_replace(void **state)
{
	struct fixture *f = *state;
	const char *body = "{\"id\": \"r\", \"address\": \"10.0.0.1\", "
	    "\"tags\": [\"t\"], \"metadata\": {\"k\": \"v\"}}";
	struct registry_error e;
	json_t *first, *again;

	assert_int_equal(put(f, "svc", NULL, body, REGISTRY_REPLACE, &e,
	    &first), ST_OK);
	/* The stored form goes back in unchanged: no new index. */
	assert_int_equal(registry_instance_put(f->reg, "svc", "r", first,
	    REGISTRY_REPLACE, &again, &e), ST_OK);
	assert_int_equal(registry_index(f->reg), 1);
	assert_int_equal(f->changes, 1);
	assert_true(json_equal(first, again));
	json_decref(again);
	put_ok(f, "svc", "{\"id\": \"r\", \"address\": \"10.0.0.9\"}");
	assert_int_equal(registry_index(f->reg), 2);
	assert_int_equal(registry_instances_json(f->reg, "svc", &again, NULL),
	    ST_OK);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    again, 0), "registeredAt")), json_string_value(json_object_get(
	    first, "registeredAt")));
	assert_int_equal(json_array_size(json_object_get(json_array_get(again,
	    0), "tags")), 0);
	json_decref(again);
	json_decref(first);
}

static void
test_long_id_and_reopen(void **state)
{
	struct fixture *f = *state;
	struct registry_params p = { "mesos", "marathon", 60 };
	const char *id = "web.c0ffee12-3456-7890-abcd-ef0123456789";
	struct rr_copy rrs[2];
	uint32_t h = 2166136261U;
	char text[128];
	json_t *out;

	snprintf(text, sizeof(text), "{\"id\": \"%s\", \"address\": "
	    "\"10.0.0.1\"}", id);
	put_ok(f, "web", text);
	/* The id is too long for a short id: 8 hex digits of its FNV-1a. */
	for (const char *c = id; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619U;
	snprintf(text, sizeof(text), "web-%08x." ZONE, h);
	assert_int_equal(node_rrs(f, text, DNS_TYPE_A, rrs, 2), 1);

	registry_free(f->reg);
	assert_int_equal(registry_new(f->st, &p, &f->reg), ST_OK);
	assert_int_equal(registry_index(f->reg), 1);
	assert_int_equal(registry_services_json(f->reg, &out, NULL), ST_OK);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    out, 0), "name")), "/web");
	json_decref(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_publishes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_ports, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_id_and_reopen, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
