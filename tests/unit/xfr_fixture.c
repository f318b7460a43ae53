/*
 * xfr_fixture.c -- a journaled store changed the way stadiond changes it,
 * and the transfers out of it read back with ldns.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/socket.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <ldns/ldns.h>

#include "dns/name.h"
#include "dns/pkt.h"
#include "dns/xfr.h"
#include "dns/zone.h"
#include "dns/zonefile.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/error.h"
#include "util/wire.h"
#include "testlib.h"
#include "xfr_fixture.h"

static void
xf_on_change(const uint8_t *apex, size_t len, uint32_t serial, void *arg)
{
	struct xf *f = arg;

	/* Past XF_CHANGES_MAX they are only counted. */
	if (f->nchanged < XF_CHANGES_MAX) {
		assert_int_equal(dns_name_to_text(apex, len,
		    f->changed[f->nchanged], sizeof(f->changed[0])), ST_OK);
		f->changed_serial[f->nchanged] = serial;
	}
	f->nchanged++;
}

int
xf_setup_with(void **state, const struct dns_journal_params *p)
{
	static const struct dns_journal_params def = {
		DNS_JOURNAL_MAX_ENTRIES, DNS_JOURNAL_MAX_BYTES };
	struct registry_params rp = { "mesos", "marathon", 60 };
	char *items[] = { "127.0.0.0/8", "xfr.key" };
	struct xf *f = calloc(1, sizeof(*f));
	size_t bad;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(dns_journal_new(f->st, p ? p : &def, &f->j), ST_OK);
	dns_journal_on_change(f->j, xf_on_change, f);
	assert_int_equal(testlib_zones(f->st), ST_OK);
	assert_int_equal(registry_new(f->st, &rp, &f->reg), ST_OK);
	assert_int_equal(dns_xfr_new(f->st, &f->x), ST_OK);
	assert_int_equal(dns_acl_init(&f->acl, items, 2, &bad), ST_OK);
	f->nchanged = 0;
	*state = f;
	return 0;
}

int
xf_setup(void **state)
{
	return xf_setup_with(state, NULL);
}

int
xf_teardown(void **state)
{
	struct xf *f = *state;

	dns_acl_deinit(&f->acl);
	dns_xfr_free(f->x);
	registry_free(f->reg);
	dns_journal_free(f->j);
	store_close(f->st);
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

void
xf_put(struct xf *f, const char *svc, const char *id, const char *addr,
    int port, const char *health, int weight)
{
	struct registry_error e;
	json_t *body;
	int err;

	body = json_pack("{s:s, s:s, s:[{s:i, s:s, s:s}], s:s, s:i}", "id", id,
	    "address", addr, "ports", "port", port, "protocol", "tcp", "name",
	    "http", "health", health ? health : "none", "weight",
	    weight >= 0 ? weight : 1);
	assert_non_null(body);
	err = registry_instance_put(f->reg, svc, id, body, REGISTRY_REPLACE,
	    NULL, &e);
	json_decref(body);
	if (err != ST_OK)
		fail_msg("put %s/%s: %s (%s)", svc, id, st_strerror(err),
		    e.message);
}

void
xf_del(struct xf *f, const char *svc, const char *id)
{
	assert_int_equal(registry_instance_delete(f->reg, svc, id), ST_OK);
}

void
xf_zonefile(struct xf *f, const char *name, const char *text)
{
	char dir[4200], path[4300], err[256];
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/zones", f->dir);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (text == NULL) {
		remove(path);
	} else {
		assert_non_null(fp = fopen(path, "w"));
		fputs(text, fp);
		fclose(fp);
	}
	if (dns_zonefile_load_dir(f->st, dir, NULL, err, sizeof(err)) != ST_OK)
		fail_msg("zone files: %s", err);
}

void
xf_span(struct xf *f, const char *zone, size_t *entries, uint32_t *first,
    uint32_t *last)
{
	uint8_t apex[DNS_NAME_MAX], key[DNS_KEY_MAX];
	struct store_txn *txn;
	size_t len, klen;

	assert_int_equal(dns_name_from_text(zone, apex, &len), ST_OK);
	assert_int_equal(dns_name_to_key(apex, len, key, &klen), ST_OK);
	assert_int_equal(store_reader_new(f->st, &txn), ST_OK);
	assert_int_equal(store_reader_begin(txn), ST_OK);
	assert_int_equal(dns_journal_span(txn, key, klen, entries, first, last),
	    ST_OK);
	store_reader_free(txn);
}

void
xf_msgs_free(struct xf_msgs *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		free(ms->m[i]);
	ms->n = 0;
}

struct xf_send {
	struct xf_msgs *ms;
	size_t reserve;
};

static int
xf_send(uint8_t *msg, size_t len, size_t cap, void *arg)
{
	struct xf_send *s = arg;
	struct xf_msgs *ms = s->ms;

	assert_int_equal(cap, 65535);
	assert_true(len + s->reserve <= cap);
	if (ms->fail_at && ms->n + 1 == (size_t)ms->fail_at)
		return ST_EIO;
	assert_true(ms->n < XF_MSGS_MAX);
	assert_non_null(ms->m[ms->n] = malloc(len));
	memcpy(ms->m[ms->n], msg, len);
	ms->len[ms->n++] = len;
	return 0;
}

int
xf_transfer(struct xf *f, const char *zone, uint16_t qtype, uint32_t serial,
    const struct xf_req *r, struct xf_msgs *out)
{
	static const struct xf_req none;
	struct sockaddr_storage ss;
	struct dns_xfr_req req;
	struct xf_send s = { out, 0 };
	uint8_t q[1024], keyname[DNS_NAME_MAX];
	size_t len, nlen;

	if (r == NULL)
		r = &none;
	ss = testlib_addr(r->peer ? r->peer : "127.0.0.1");
	len = testlib_query(q, sizeof(q), 0x1234, zone, qtype, DNS_CLASS_IN, 0);
	q[2] = 0;	/* no RD */
	if (qtype == DNS_TYPE_IXFR) {
		wire_wr16(q + 8, 1);
		assert_int_equal(dns_name_from_text(zone, q + len, &nlen),
		    ST_OK);
		len += nlen;
		wire_wr16(q + len, DNS_TYPE_SOA);
		wire_wr16(q + len + 2, DNS_CLASS_IN);
		wire_wr32(q + len + 4, 0);
		wire_wr16(q + len + 8, 22);
		q[len + 10] = 0;
		q[len + 11] = 0;
		wire_wr32(q + len + 12, serial);
		memset(q + len + 16, 0, 16);
		len += 32;
	}
	if (r->edns) {
		wire_wr16(q + 10, 1);
		memcpy(q + len, "\0\0\51\20\0\0\0\0\0\0\0", 11);
		len += 11;
	}
	memset(&req, 0, sizeof(req));
	req.peer = (struct sockaddr *)&ss;
	if (r->key) {
		assert_int_equal(dns_name_from_text(r->key, keyname, &nlen),
		    ST_OK);
		req.key = keyname;
	}
	req.acl = r->no_acl ? NULL : &f->acl;
	req.tcp = !r->udp;
	req.reserve = r->reserve;
	s.reserve = r->reserve;
	return dns_xfr_answer(f->x, &req, q, len, xf_send, &s);
}

char **
xf_lines(const struct xf_msgs *ms, size_t *n, uint8_t *rcode)
{
	char **lines = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < ms->n; i++) {
		ldns_pkt *pkt = NULL;
		ldns_rr_list *an;

		if (ldns_wire2pkt(&pkt, ms->m[i], ms->len[i]) != LDNS_STATUS_OK)
			fail_msg("message %zu of %zu does not parse", i, ms->n);
		assert_true(ldns_pkt_qr(pkt));
		assert_true(ldns_pkt_aa(pkt));
		assert_int_equal(ldns_pkt_id(pkt), 0x1234);
		/* RFC 5936 2.2.1: the question in the first message only. */
		assert_int_equal(ldns_pkt_qdcount(pkt), i == 0 ? 1 : 0);
		if (i == 0)
			*rcode = (uint8_t)ldns_pkt_get_rcode(pkt);
		else
			assert_int_equal(ldns_pkt_get_rcode(pkt), *rcode);
		an = ldns_pkt_answer(pkt);
		for (size_t k = 0; k < ldns_rr_list_rr_count(an); k++) {
			char *t = ldns_rr2str(ldns_rr_list_rr(an, k));
			size_t l = strlen(t);

			while (l > 0 && t[l - 1] == '\n')
				t[--l] = '\0';
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				assert_non_null(lines = realloc(lines,
				    cap * sizeof(*lines)));
			}
			lines[(*n)++] = t;
		}
		ldns_pkt_free(pkt);
	}
	return lines;
}

void
xf_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static int
xf_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
xf_is_soa(const char *line)
{
	return strstr(line, "\tIN\tSOA\t") != NULL;
}

char **
xf_axfr_set(struct xf *f, const char *zone, size_t *n)
{
	struct xf_msgs ms = { .n = 0 };
	char **lines;
	uint8_t rcode;

	assert_int_equal(xf_transfer(f, zone, DNS_TYPE_AXFR, 0, NULL, &ms),
	    ST_OK);
	lines = xf_lines(&ms, n, &rcode);
	xf_msgs_free(&ms);
	assert_int_equal(rcode, DNS_RCODE_NOERROR);
	assert_true(*n >= 2);
	assert_true(xf_is_soa(lines[0]));
	assert_string_equal(lines[0], lines[*n - 1]);
	free(lines[--*n]);
	for (size_t i = 1; i < *n; i++)
		assert_false(xf_is_soa(lines[i]));
	qsort(lines, *n, sizeof(*lines), xf_cmp);
	for (size_t i = 1; i < *n; i++)
		if (strcmp(lines[i - 1], lines[i]) == 0)
			fail_msg("AXFR sends %s twice", lines[i]);
	return lines;
}

static ssize_t
xf_find(char **v, size_t n, const char *line)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], line) == 0)
			return (ssize_t)i;
	return -1;
}

char **
xf_apply_ixfr(char **old, size_t nold, char **ixfr, size_t nixfr, size_t *n,
    int *incremental)
{
	char **v;
	size_t i;
	ssize_t at;

	assert_true(nixfr >= 1);
	assert_true(xf_is_soa(ixfr[0]));
	assert_non_null(v = calloc(nold + nixfr + 1, sizeof(*v)));
	*n = 0;
	*incremental = nixfr > 1 && xf_is_soa(ixfr[1]);
	if (!*incremental) {
		/* AXFR style: the zone between two copies of the new SOA. */
		assert_true(nixfr >= 2);
		assert_string_equal(ixfr[0], ixfr[nixfr - 1]);
		for (i = 0; i + 1 < nixfr; i++)
			v[(*n)++] = strdup(ixfr[i]);
		qsort(v, *n, sizeof(*v), xf_cmp);
		return v;
	}
	for (i = 0; i < nold; i++)
		v[(*n)++] = strdup(old[i]);
	for (i = 1; i + 1 < nixfr; ) {
		/* old SOA, deleted RRs, new SOA, added RRs */
		assert_true(xf_is_soa(ixfr[i]));
		if ((at = xf_find(v, *n, ixfr[i])) < 0)
			fail_msg("IXFR starts from %s, not ours", ixfr[i]);
		free(v[at]);
		v[at] = v[--*n];
		for (i++; i + 1 < nixfr && !xf_is_soa(ixfr[i]); i++) {
			if ((at = xf_find(v, *n, ixfr[i])) < 0)
				fail_msg("IXFR deletes %s, not there", ixfr[i]);
			free(v[at]);
			v[at] = v[--*n];
		}
		assert_true(i + 1 < nixfr);
		v[(*n)++] = strdup(ixfr[i]);
		for (i++; i + 1 < nixfr && !xf_is_soa(ixfr[i]); i++) {
			if (xf_find(v, *n, ixfr[i]) >= 0)
				fail_msg("IXFR adds %s, already there",
				    ixfr[i]);
			v[(*n)++] = strdup(ixfr[i]);
		}
	}
	assert_string_equal(ixfr[nixfr - 1], ixfr[0]);
	qsort(v, *n, sizeof(*v), xf_cmp);
	return v;
}

int
xf_line_has(char **lines, size_t n, const char *prefix)
{
	int count = 0;

	for (size_t i = 0; i < n; i++)
		count += strncmp(lines[i], prefix, strlen(prefix)) == 0;
	return count;
}
