/*
 * registry_dns.c -- the DNS names of a service: built from its stored
 * instances and published as DNS nodes in the caller's write transaction.
 *
 * STORE_DB_LABELS holds every first label the registry publishes under Z:
 * a service label maps to the service name, an instance label (L-S) to
 * service name "\0" instance id. Two owners of one name would silently
 * replace each other's DNS_ORIGIN_REGISTRY RRsets, so both kinds are claimed
 * there before anything is written.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "store/registry_int.h"
#include "util/error.h"
#include "util/log.h"

/* One record to publish; sorted so that names and RRsets become runs. */
struct reg_rr {
	char *name;
	uint16_t type;
	uint32_t weight;	/* summed for equal records, clamped on write */
	uint16_t rdlen;
	uint8_t rdata[6 + DNS_NAME_MAX];
};

struct reg_rrs {
	struct reg_rr *v;
	size_t n, cap;
	const struct registry *r;
	const char *label;
};

void
registry_dns_instance_label(const char *label, const char *id, char *out)
{
	char s[DNS_LABEL_MAX + 1];
	uint32_t h = 2166136261U;	/* FNV-1a */
	size_t n;

	if (dns_label_sanitize(id, DNS_LABEL_MAX, s, sizeof(s)) != ST_OK ||
	    strlen(s) > REG_SHORT_MAX) {
		for (const char *p = id; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619U;
		snprintf(s, sizeof(s), "%08x", h);
	}
	n = strlen(label);
	memcpy(out, label, n);
	out[n++] = '-';
	for (const char *p = s; *p && n < DNS_LABEL_MAX; p++)
		out[n++] = *p;
	while (out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

static int
reg_rr_add(struct reg_rrs *rs, const char *name, uint16_t type,
    uint32_t weight, const uint8_t *rdata, size_t rdlen)
{
	struct reg_rr *rr;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct reg_rr *v = realloc(rs->v, cap * sizeof(*v));

		if (v == NULL)
			return ST_ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	rr = &rs->v[rs->n];
	if ((rr->name = strdup(name)) == NULL)
		return ST_ENOMEM;
	rr->type = type;
	rr->weight = weight;
	rr->rdlen = (uint16_t)rdlen;
	memcpy(rr->rdata, rdata, rdlen);
	rs->n++;
	return ST_OK;
}

static int
reg_rr_cmp(const void *a, const void *b)
{
	const struct reg_rr *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->rdlen != y->rdlen)
		return x->rdlen < y->rdlen ? -1 : 1;
	return memcmp(x->rdata, y->rdata, x->rdlen);
}

static int
reg_rr_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct reg_rr *)a)->name,
	    ((const struct reg_rr *)b)->name);
}

/* store_foreach callback: add the records of a stored, served instance. */
static int
reg_collect(const void *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct reg_rrs *rs = arg;
	const char *zone = rs->r->zone, *health, *addrs, *id;
	char own[2 * DNS_NAME_MAX], name[2 * DNS_NAME_MAX];
	char nl[DNS_LABEL_MAX + 1];
	uint8_t addr[16], rd[6 + DNS_NAME_MAX];
	size_t tlen, i;
	json_t *inst, *p;
	uint16_t type;
	uint32_t w;
	int err = ST_EFORMAT;

	(void)key, (void)klen;
	if ((inst = json_loadb(val, vlen, 0, NULL)) == NULL)
		return ST_EFORMAT;
	health = json_string_value(json_object_get(inst, "health"));
	addrs = json_string_value(json_object_get(inst, "address"));
	id = json_string_value(json_object_get(inst, "id"));
	if (health == NULL || addrs == NULL || id == NULL)
		goto out;
	if (strcmp(health, "none") && strcmp(health, "healthy")) {
		err = ST_OK;
		goto out;
	}
	type = strchr(addrs, ':') ? DNS_TYPE_AAAA : DNS_TYPE_A;
	if (inet_pton(type == DNS_TYPE_A ? AF_INET : AF_INET6, addrs, addr) != 1)
		goto out;
	w = (uint32_t)json_integer_value(json_object_get(inst, "weight"));
	registry_dns_instance_label(rs->label, id, nl);
	snprintf(own, sizeof(own), "%s.%s", nl, zone);
	if (dns_name_from_text(own, rd + 6, &tlen) != ST_OK)
		goto out;
	snprintf(name, sizeof(name), "%s.%s", rs->label, zone);
	if ((err = reg_rr_add(rs, name, type, w, addr, type == DNS_TYPE_A ?
	    4 : 16)) || (err = reg_rr_add(rs, own, type, w, addr,
	    type == DNS_TYPE_A ? 4 : 16)))
		goto out;
	json_array_foreach(json_object_get(inst, "ports"), i, p) {
		const char *proto = json_string_value(json_object_get(p,
		    "protocol"));
		const char *pname = json_string_value(json_object_get(p, "name"));
		json_int_t port = json_integer_value(json_object_get(p, "port"));

		if (proto == NULL)
			continue;
		rd[0] = rd[1] = 0;	/* priority */
		rd[2] = (uint8_t)(w >> 8);
		rd[3] = (uint8_t)w;
		rd[4] = (uint8_t)(port >> 8);
		rd[5] = (uint8_t)port;
		snprintf(name, sizeof(name), "_%s._%s.%s", rs->label, proto, zone);
		if ((err = reg_rr_add(rs, name, DNS_TYPE_SRV, w, rd, 6 + tlen)))
			goto out;
		if (pname == NULL || dns_label_sanitize(pname, DNS_LABEL_MAX, nl,
		    sizeof(nl)) != ST_OK)
			continue;
		snprintf(name, sizeof(name), "_%s._%s._%s.%s", nl, rs->label,
		    proto, zone);
		if ((err = reg_rr_add(rs, name, DNS_TYPE_SRV, w, rd, 6 + tlen)))
			goto out;
	}
	err = ST_OK;
out:
	json_decref(inst);
	return err;
}

/* Write the registry's RRsets at name: rrs[0..n), sorted; none clears. */
static int
reg_node_write(struct store_txn *txn, const struct registry *r,
    const char *name, const struct reg_rr *rrs, size_t n)
{
	uint8_t wire[DNS_NAME_MAX], key[DNS_KEY_MAX];
	struct dns_node_edit ed;
	size_t wlen, klen;
	int err;

	if ((err = dns_name_from_text(name, wire, &wlen)) != ST_OK ||
	    (err = dns_name_to_key(wire, wlen, key, &klen)) != ST_OK) {
		log_errx("registry: cannot write name %s", name);
		store_txn_fail(txn, err);
		return err;
	}
	dns_node_edit_init(&ed, DNS_ORIGIN_REGISTRY);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || rrs[i].type != rrs[i - 1].type)
			dns_node_edit_rrset(&ed, rrs[i].type, r->ttl);
		dns_node_edit_rr(&ed, rrs[i].weight > 65535 ? 65535 :
		    (uint16_t)rrs[i].weight, rrs[i].rdata, rrs[i].rdlen);
	}
	err = dns_node_edit_commit(&ed, txn, key, klen);
	dns_node_edit_deinit(&ed);
	return err;
}

int
registry_dns_publish(struct store_txn *txn, const struct registry *r,
    const char *name)
{
	struct reg_rrs rs = { NULL, 0, 0, r, NULL };
	json_t *svc, *list = NULL, *old;
	char key[REG_KEY_MAX];
	size_t i, j;
	int err;

	if ((err = store_get_json(txn, STORE_DB_SERVICES, name, strlen(name),
	    &svc)) != ST_OK)
		goto out;
	err = ST_EFORMAT;
	if ((rs.label = json_string_value(json_object_get(svc, "label"))) == NULL)
		goto out;
	if ((err = store_foreach(txn, STORE_DB_INSTANCES, key,
	    registry_instance_key(name, NULL, key), reg_collect, &rs)) != ST_OK)
		goto out;
	if (rs.n)
		qsort(rs.v, rs.n, sizeof(*rs.v), reg_rr_cmp);
	/* One address at L.Z, its weights summed. */
	for (i = j = 0; i < rs.n; i++) {
		if (j > 0 && reg_rr_cmp(&rs.v[j - 1], &rs.v[i]) == 0) {
			rs.v[j - 1].weight += rs.v[i].weight;
			free(rs.v[i].name);
		} else {
			rs.v[j++] = rs.v[i];
		}
	}
	rs.n = j;
	err = ST_ENOMEM;
	if ((list = json_array()) == NULL)
		goto out;
	for (i = 0; i < rs.n; i = j) {
		for (j = i + 1; j < rs.n && !strcmp(rs.v[j].name, rs.v[i].name);)
			j++;
		if ((err = reg_node_write(txn, r, rs.v[i].name, &rs.v[i], j - i)))
			goto out;
		if ((err = json_array_append_new(list, json_string(rs.v[i].name)) ?
		    ST_ENOMEM : ST_OK))
			goto out;
	}
	json_array_foreach(json_object_get(svc, "names"), i, old) {
		struct reg_rr probe;

		probe.name = (char *)json_string_value(old);
		if (probe.name && (rs.n == 0 || bsearch(&probe, rs.v, rs.n,
		    sizeof(*rs.v), reg_rr_name_cmp) == NULL) &&
		    (err = reg_node_write(txn, r, probe.name, NULL, 0)))
			goto out;
	}
	err = json_object_set(svc, "names", list) ? ST_ENOMEM :
	    store_put_json(txn, STORE_DB_SERVICES, name, strlen(name), svc);
out:
	if (err)
		store_txn_fail(txn, err);
	for (i = 0; i < rs.n; i++)
		free(rs.v[i].name);
	free(rs.v);
	json_decref(list);
	json_decref(svc);
	return err;
}


int
registry_dns_claim(struct store_txn *txn, const struct registry *r,
    const char *label, const char *owner, size_t olen, const char *field,
    struct registry_error *e)
{
	const char *v;
	const void *val;
	size_t vlen;
	int err;

	err = store_get(txn, STORE_DB_LABELS, label, strlen(label), &val, &vlen);
	if (err == ST_ENOTFOUND)
		return store_put(txn, STORE_DB_LABELS, label, strlen(label),
		    owner, olen);
	if (err || (vlen == olen && memcmp(val, owner, olen) == 0))
		return err;
	v = val;
	if (memchr(v, 0, vlen))
		return registry_fail(e, ST_ECONFLICT, field, "DNS name %s.%s is "
		    "already used by instance '%.*s' of service '%s'", label,
		    r->zone, (int)(vlen - strlen(v) - 1), v + strlen(v) + 1, v);
	return registry_fail(e, ST_ECONFLICT, field, "DNS name %s.%s is already "
	    "used by service '%.*s'", label, r->zone, (int)vlen, v);
}

int
registry_dns_release(struct store_txn *txn, const char *label,
    const char *owner, size_t olen)
{
	const void *val;
	size_t vlen;
	int err;

	err = store_get(txn, STORE_DB_LABELS, label, strlen(label), &val, &vlen);
	if (err)
		return err == ST_ENOTFOUND ? ST_OK : err;
	if (vlen != olen || memcmp(val, owner, olen) != 0)
		return ST_OK;
	return store_del(txn, STORE_DB_LABELS, label, strlen(label));
}

