/*
 * registry.c -- services and instances in LMDB, published as DNS nodes in
 * the same write transaction.
 *
 * STORE_DB_LABELS holds every first label the registry publishes under Z:
 * a service label maps to the service name, an instance label (L-S) to
 * service name "\0" instance id. Two owners of one name would silently
 * replace each other's DNS_ORIGIN_REGISTRY RRsets, so both kinds are claimed
 * there before anything is written.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/name.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "dns/zone.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

#define REG_NAME_MAX 256	/* service name; keeps instance keys < 511 */
#define REG_ID_MAX 128
#define REG_SHORT_MAX 16
#define REG_PORTS_MAX 64
#define REG_KEY_MAX (REG_NAME_MAX + REG_ID_MAX + 2)

struct registry {
	struct store *st;
	struct store_txn *reader;
	uint32_t ttl;
	char zone[DNS_NAME_MAX + 1];	/* Z, presentation, no trailing dot */
	uint8_t zwire[DNS_NAME_MAX];
	size_t zwire_len;
	uint64_t index;
	registry_change_fn change_fn;
	void *change_arg;
};

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

static const char *const reg_fields[] = {
	"id", "address", "ports", "weight", "tags", "metadata", "health", NULL
};
/* Written by us: accepted so that a GET body can be PUT back, then ignored. */
static const char *const reg_readonly[] = { "registeredAt", "updatedAt", NULL };
static const char *const reg_healths[] = {
	"none", "healthy", "unhealthy", "starting", NULL
};

static int reg_fail(struct registry_error *e, int err, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
reg_fail(struct registry_error *e, int err, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return err;
}

static int
reg_in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* The string of v, or NULL when v is not a string free of NUL octets. */
static const char *
reg_str(const json_t *v)
{
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* prefix "/" key as a JSON pointer (RFC 6901 escapes). */
static void
reg_ptr(char *out, size_t size, const char *prefix, const char *key)
{
	size_t o = (size_t)snprintf(out, size, "%s/", prefix);

	for (; *key && o + 3 < size; key++) {
		if (*key == '~' || *key == '/')
			out[o++] = '~';
		out[o++] = *key == '~' ? '0' : *key == '/' ? '1' : *key;
	}
	out[o < size ? o : size - 1] = '\0';
}

/* "web", "/web" and "//web" all name the service "/web". */
static int
reg_service_name(const char *in, char *name, char *label,
    struct registry_error *e)
{
	while (*in == '/')
		in++;
	if (*in == '\0' || strlen(in) > REG_NAME_MAX - 2)
		return reg_fail(e, ST_EINVAL, "", "service name must have 1 to "
		    "%d characters", REG_NAME_MAX - 2);
	for (const char *p = in; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return reg_fail(e, ST_EINVAL, "", "service name holds a "
			    "control character");
	snprintf(name, REG_NAME_MAX, "/%s", in);
	if (dns_label_from_app_id(name, label, DNS_LABEL_MAX + 1) != ST_OK)
		return reg_fail(e, ST_EINVAL, "", "service name '%s' gives no "
		    "DNS label", name);
	return ST_OK;
}

/* L-S, the first label of an instance's own name. */
static void
reg_instance_label(const char *label, const char *id, char *out)
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
reg_name_fits(const char *text)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t len;

	return dns_name_from_text(text, wire, &len) == ST_OK;
}

static int
reg_check_id(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= REG_ID_MAX && strspn(id,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
	    == n;
}

/* One element of "ports" at pointer f, in its stored form into *out. */
static int
reg_check_port(const struct registry *r, const char *label, json_t *p,
    const char *f, json_t **out, struct registry_error *e)
{
	char sub[160], nl[DNS_LABEL_MAX + 1], text[2 * DNS_NAME_MAX];
	const char *key, *proto, *pname = NULL;
	json_int_t port;
	json_t *v;

	if (!json_is_object(p))
		return reg_fail(e, ST_EINVAL, f, "must be an object");
	json_object_foreach(p, key, v) {
		if (strcmp(key, "port") && strcmp(key, "name") &&
		    strcmp(key, "protocol")) {
			reg_ptr(sub, sizeof(sub), f, key);
			return reg_fail(e, ST_EINVAL, sub, "unknown field");
		}
	}
	v = json_object_get(p, "port");
	port = json_is_integer(v) ? json_integer_value(v) : 0;
	snprintf(sub, sizeof(sub), "%s/port", f);
	if (port < 1 || port > 65535)
		return reg_fail(e, ST_EINVAL, sub, "must be an integer from 1 "
		    "to 65535");
	v = json_object_get(p, "protocol");
	proto = v ? reg_str(v) : "tcp";
	snprintf(sub, sizeof(sub), "%s/protocol", f);
	if (proto == NULL || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
		return reg_fail(e, ST_EINVAL, sub, "must be \"tcp\" or \"udp\"");
	if ((v = json_object_get(p, "name")) != NULL) {
		snprintf(sub, sizeof(sub), "%s/name", f);
		if ((pname = reg_str(v)) == NULL || dns_label_sanitize(pname,
		    DNS_LABEL_MAX, nl, sizeof(nl)) != ST_OK)
			return reg_fail(e, ST_EINVAL, sub, "must be a string "
			    "with a letter or digit");
		snprintf(text, sizeof(text), "_%s._%s._%s.%s", nl, label, proto,
		    r->zone);
		if (!reg_name_fits(text))
			return reg_fail(e, ST_EINVAL, sub, "DNS name %s is too "
			    "long", text);
	}
	*out = pname ? json_pack("{s:I,s:s,s:s}", "port", port, "name", pname,
	    "protocol", proto) : json_pack("{s:I,s:s}", "port", port,
	    "protocol", proto);
	return *out ? ST_OK : ST_ENOMEM;
}

/* "tags" (an array) or "metadata" (an object): members must be strings. */
static int
reg_check_strings(json_t *body, const char *key, json_t *clean,
    struct registry_error *e)
{
	json_t *v = json_object_get(body, key), *x;
	int obj = strcmp(key, "metadata") == 0;
	const char *k;
	char f[160];
	size_t i;

	snprintf(f, sizeof(f), "/%s", key);
	if (v && (obj ? !json_is_object(v) : !json_is_array(v)))
		return reg_fail(e, ST_EINVAL, f, "must be an %s of strings",
		    obj ? "object" : "array");
	if (v && obj) {
		json_object_foreach(v, k, x) {
			reg_ptr(f, sizeof(f), "/metadata", k);
			if (!json_is_string(x))
				return reg_fail(e, ST_EINVAL, f, "must be a string");
		}
	} else if (v) {
		json_array_foreach(v, i, x) {
			snprintf(f, sizeof(f), "/tags/%zu", i);
			if (!json_is_string(x))
				return reg_fail(e, ST_EINVAL, f, "must be a string");
		}
	}
	x = v ? json_deep_copy(v) : obj ? json_object() : json_array();
	return json_object_set_new(clean, key, x) ? ST_ENOMEM : ST_OK;
}

/* The stored form of a valid body, without timestamps, into *out. */
static int
reg_validate(const struct registry *r, const char *label, const char *url_id,
    json_t *body, json_t **out, struct registry_error *e)
{
	char f[160], text[2 * DNS_NAME_MAX], abuf[INET6_ADDRSTRLEN];
	const char *key, *id, *s, *health;
	json_int_t weight = 1;
	json_t *v, *clean, *port;
	uint8_t addr[16];
	size_t i;
	int err, af;

	if (!json_is_object(body))
		return reg_fail(e, ST_EINVAL, "", "the body must be a JSON object");
	json_object_foreach(body, key, v) {
		if (!reg_in(key, reg_fields) && !reg_in(key, reg_readonly)) {
			reg_ptr(f, sizeof(f), "", key);
			return reg_fail(e, ST_EINVAL, f, "unknown field");
		}
	}
	v = json_object_get(body, "id");
	if (v == NULL && url_id == NULL)
		return reg_fail(e, ST_EINVAL, "/id", "id is required");
	id = v ? reg_str(v) : url_id;
	if (id == NULL || !reg_check_id(id))
		return reg_fail(e, ST_EINVAL, "/id", "must be 1 to %d characters "
		    "of A-Z a-z 0-9 . _ -", REG_ID_MAX);
	if (url_id && strcmp(id, url_id) != 0)
		return reg_fail(e, ST_EINVAL, "/id", "does not match the id in "
		    "the URL ('%s')", url_id);
	reg_instance_label(label, id, f);
	snprintf(text, sizeof(text), "%s.%s", f, r->zone);
	if (!reg_name_fits(text))
		return reg_fail(e, ST_EINVAL, "/id", "DNS name %s is too long",
		    text);

	s = reg_str(json_object_get(body, "address"));
	af = s && strchr(s, ':') ? AF_INET6 : AF_INET;
	if (s == NULL || inet_pton(af, s, addr) != 1)
		return reg_fail(e, ST_EINVAL, "/address", "must be an IPv4 or "
		    "IPv6 address");
	inet_ntop(af, addr, abuf, sizeof(abuf));
	if ((v = json_object_get(body, "weight")) != NULL) {
		weight = json_is_integer(v) ? json_integer_value(v) : -1;
		if (weight < 0 || weight > 65535)
			return reg_fail(e, ST_EINVAL, "/weight", "must be an "
			    "integer from 0 to 65535");
	}
	v = json_object_get(body, "health");
	health = v ? reg_str(v) : "none";
	if (health == NULL || !reg_in(health, reg_healths))
		return reg_fail(e, ST_EINVAL, "/health", "must be one of none, "
		    "healthy, unhealthy, starting");
	v = json_object_get(body, "ports");
	if (v && (!json_is_array(v) || json_array_size(v) > REG_PORTS_MAX))
		return reg_fail(e, ST_EINVAL, "/ports", "must be an array of at "
		    "most %d ports", REG_PORTS_MAX);

	clean = json_pack("{s:s,s:s,s:[],s:I,s:s}", "id", id, "address", abuf,
	    "ports", "weight", weight, "health", health);
	if (clean == NULL)
		return ST_ENOMEM;
	json_array_foreach(v, i, port) {
		char pf[32];
		json_t *cp = NULL;

		snprintf(pf, sizeof(pf), "/ports/%zu", i);
		if ((err = reg_check_port(r, label, port, pf, &cp, e)) != ST_OK)
			goto fail;
		if ((err = json_array_append_new(json_object_get(clean, "ports"),
		    cp) ? ST_ENOMEM : ST_OK) != ST_OK)
			goto fail;
	}
	if ((err = reg_check_strings(body, "tags", clean, e)) != ST_OK ||
	    (err = reg_check_strings(body, "metadata", clean, e)) != ST_OK)
		goto fail;
	*out = clean;
	return ST_OK;
fail:
	json_decref(clean);
	return err;
}

/*
 * name "\0" id (NUL-terminated, the NUL not counted), or with id NULL the
 * prefix of all the service's keys.
 */
static size_t
reg_instance_key(const char *name, const char *id, char *key)
{
	size_t n = strlen(name) + 1;

	memcpy(key, name, n);
	strcpy(key + n, id ? id : "");
	return n + strlen(key + n);
}

/* Parse a stored JSON value; ST_ENOTFOUND when absent. */
static int
reg_get_json(struct store_txn *txn, enum store_db db, const void *key,
    size_t klen, json_t **out)
{
	const void *val;
	size_t vlen;
	int err;

	*out = NULL;
	if ((err = store_get(txn, db, key, klen, &val, &vlen)) != ST_OK)
		return err;
	if ((*out = json_loadb(val, vlen, 0, NULL)) == NULL) {
		log_errx("registry: corrupt record in the store");
		return ST_EFORMAT;
	}
	return ST_OK;
}

static int
reg_put_json(struct store_txn *txn, enum store_db db, const void *key,
    size_t klen, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);
	int err;

	if (s == NULL) {
		store_txn_fail(txn, ST_ENOMEM);
		return ST_ENOMEM;
	}
	err = store_put(txn, db, key, klen, s, strlen(s));
	free(s);
	return err;
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
	reg_instance_label(rs->label, id, nl);
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

/*
 * Recompute every name of service `name` from its stored instances, clear
 * the names it published before and no longer does, and record the new
 * list in the service record.
 */
static int
reg_publish(struct store_txn *txn, const struct registry *r, const char *name)
{
	struct reg_rrs rs = { NULL, 0, 0, r, NULL };
	json_t *svc, *list = NULL, *old;
	char key[REG_KEY_MAX];
	size_t i, j;
	int err;

	if ((err = reg_get_json(txn, STORE_DB_SERVICES, name, strlen(name),
	    &svc)) != ST_OK)
		goto out;
	err = ST_EFORMAT;
	if ((rs.label = json_string_value(json_object_get(svc, "label"))) == NULL)
		goto out;
	if ((err = store_foreach(txn, STORE_DB_INSTANCES, key,
	    reg_instance_key(name, NULL, key), reg_collect, &rs)) != ST_OK)
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
	    reg_put_json(txn, STORE_DB_SERVICES, name, strlen(name), svc);
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

/* Close a change: next zone serial and registry index. */
static int
reg_finish(struct store_txn *txn, const struct registry *r, uint64_t *index)
{
	int err = dns_zone_bump_serial(txn, r->zwire, r->zwire_len, NULL);

	if (err == ST_ENOTFOUND) {
		log_errx("registry: zone %s has no SOA", r->zone);
		err = ST_ECONFIG;
		store_txn_fail(txn, err);
	}
	return err ? err : store_index_bump(txn, index);
}

/*
 * Claim a first label for owner (a service name, or name "\0" id).
 * ST_ECONFLICT with e filled when another owner holds it.
 */
static int
reg_claim(struct store_txn *txn, const struct registry *r, const char *label,
    const char *owner, size_t olen, const char *field,
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
		return reg_fail(e, ST_ECONFLICT, field, "DNS name %s.%s is "
		    "already used by instance '%.*s' of service '%s'", label,
		    r->zone, (int)(vlen - strlen(v) - 1), v + strlen(v) + 1, v);
	return reg_fail(e, ST_ECONFLICT, field, "DNS name %s.%s is already "
	    "used by service '%.*s'", label, r->zone, (int)vlen, v);
}

/* Drop the claim of label if owner holds it. */
static int
reg_release(struct store_txn *txn, const char *label, const char *owner,
    size_t olen)
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

/* What one change needs, inside and after its write transaction. */
struct reg_change {
	struct registry *r;
	char name[REG_NAME_MAX];
	char label[DNS_LABEL_MAX + 1];
	const char *id;		/* NULL: the whole service (delete) */
	const char *now;
	json_t *inst;
	enum registry_mode mode;
	struct registry_error *e;
	json_t *stored;
	uint64_t index;
	int unchanged;
};

static int
reg_put_txn(struct store_txn *txn, void *arg)
{
	struct reg_change *c = arg;
	char key[REG_KEY_MAX], ilabel[DNS_LABEL_MAX + 1];
	size_t klen = reg_instance_key(c->name, c->id, key);
	json_t *old, *svc;
	int err;

	c->unchanged = 0;
	json_decref(c->stored);
	c->stored = NULL;
	if ((err = reg_claim(txn, c->r, c->label, c->name, strlen(c->name), "",
	    c->e)) != ST_OK)
		return err;
	err = reg_get_json(txn, STORE_DB_SERVICES, c->name, strlen(c->name),
	    &svc);
	if (err == ST_ENOTFOUND) {
		if ((svc = json_pack("{s:s,s:s,s:[]}", "name", c->name, "label",
		    c->label, "names")) == NULL)
			return ST_ENOMEM;
		err = reg_put_json(txn, STORE_DB_SERVICES, c->name,
		    strlen(c->name), svc);
	}
	json_decref(svc);
	if (err)
		return err;

	err = reg_get_json(txn, STORE_DB_INSTANCES, key, klen, &old);
	if (err != ST_OK && err != ST_ENOTFOUND)
		return err;
	if (old && c->mode == REGISTRY_CREATE) {
		json_decref(old);
		return reg_fail(c->e, ST_EEXIST, "/id", "instance '%s' of "
		    "service '%s' already exists", c->id, c->name);
	}
	if (old) {
		json_t *cmp = json_deep_copy(old);

		json_object_del(cmp, "registeredAt");
		json_object_del(cmp, "updatedAt");
		/* Same content: no write, so no new serial and no woken watch. */
		if ((c->unchanged = json_equal(cmp, c->inst)) != 0)
			c->stored = json_incref(old);
		json_decref(cmp);
	}
	reg_instance_label(c->label, c->id, ilabel);
	if (c->unchanged ||
	    (err = reg_claim(txn, c->r, ilabel, key, klen, "/id", c->e))) {
		json_decref(old);
		return err;
	}
	c->stored = json_deep_copy(c->inst);
	err = c->stored == NULL || json_object_set_new(c->stored,
	    "registeredAt", old ? json_incref(json_object_get(old,
	    "registeredAt")) : json_string(c->now)) ||
	    json_object_set_new(c->stored, "updatedAt", json_string(c->now)) ?
	    ST_ENOMEM : ST_OK;
	json_decref(old);
	if (err || (err = reg_put_json(txn, STORE_DB_INSTANCES, key, klen,
	    c->stored)) || (err = reg_publish(txn, c->r, c->name)))
		return err;
	return reg_finish(txn, c->r, &c->index);
}

/* store_foreach callback: copy the first key found and stop. */
static int
reg_first_key(const void *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	char *out = arg;

	(void)val, (void)vlen;
	if (klen >= REG_KEY_MAX)
		return ST_EFORMAT;
	memcpy(out, key, klen);
	out[klen] = '\0';
	return 1;
}

static int
reg_delete_txn(struct store_txn *txn, void *arg)
{
	struct reg_change *c = arg;
	char key[REG_KEY_MAX], ilabel[DNS_LABEL_MAX + 1];
	size_t plen = reg_instance_key(c->name, NULL, key), klen;
	const void *val;
	size_t vlen;
	int err;

	if (c->id) {
		klen = reg_instance_key(c->name, c->id, key);
		if ((err = store_get(txn, STORE_DB_INSTANCES, key, klen, &val,
		    &vlen)))
			return err;
	} else if ((err = store_get(txn, STORE_DB_SERVICES, c->name,
	    strlen(c->name), &val, &vlen))) {
		return err;
	}
	/* Each round takes the first key left: a cursor would see deletes. */
	do {
		if (c->id == NULL) {
			key[plen] = '\0';
			if ((err = store_foreach(txn, STORE_DB_INSTANCES, c->name,
			    plen, reg_first_key, key)) || key[plen] == '\0')
				break;
		}
		klen = plen + strlen(key + plen);
		reg_instance_label(c->label, key + plen, ilabel);
		if ((err = store_del(txn, STORE_DB_INSTANCES, key, klen)) ||
		    (err = reg_release(txn, ilabel, key, klen)))
			return err;
	} while (c->id == NULL);
	if (err || (err = reg_publish(txn, c->r, c->name)))
		return err;
	if (c->id == NULL && ((err = store_del(txn, STORE_DB_SERVICES, c->name,
	    strlen(c->name))) || (err = reg_release(txn, c->label, c->name,
	    strlen(c->name)))))
		return err;
	return reg_finish(txn, c->r, &c->index);
}

static void
reg_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03dZ", (int)(ts.tv_nsec / 1000000 % 1000));
}

/* Run one change; after its commit, tell the index to the listener. */
static int
reg_change(struct reg_change *c, store_write_fn fn)
{
	int err = store_write(c->r->st, fn, c);

	if (err || c->unchanged)
		return err;
	log_info("registry: %s %s%s%s (index %llu)", fn == reg_put_txn ?
	    "stored" : "removed", c->id ? c->id : "", c->id ? " of " : "",
	    c->name, (unsigned long long)c->index);
	c->r->index = c->index;
	if (c->r->change_fn)
		c->r->change_fn(c->index, c->r->change_arg);
	return ST_OK;
}

int
registry_instance_put(struct registry *r, const char *service, const char *id,
    const json_t *body, enum registry_mode mode, json_t **out,
    struct registry_error *e)
{
	struct registry_error dummy;
	struct reg_change c;
	char now[40];
	int err;

	if (e == NULL)
		e = &dummy;
	e->field[0] = e->message[0] = '\0';
	memset(&c, 0, sizeof(c));
	if ((err = reg_service_name(service, c.name, c.label, e)) != ST_OK)
		return err;
	/* jansson's iterators want a mutable pointer; nothing is changed. */
	if ((err = reg_validate(r, c.label, id, (json_t *)body, &c.inst, e)))
		return err;
	reg_now(now, sizeof(now));
	c.r = r;
	c.id = json_string_value(json_object_get(c.inst, "id"));
	c.now = now;
	c.mode = mode;
	c.e = e;
	err = reg_change(&c, reg_put_txn);
	json_decref(c.inst);
	if (err == ST_OK && out)
		*out = c.stored;
	else
		json_decref(c.stored);
	return err;
}

static int
reg_delete(struct registry *r, const char *service, const char *id)
{
	struct registry_error e;
	struct reg_change c;

	memset(&c, 0, sizeof(c));
	/* A name that could not have been registered is simply not there. */
	if (reg_service_name(service, c.name, c.label, &e) != ST_OK ||
	    (id && !reg_check_id(id)))
		return ST_ENOTFOUND;
	c.r = r;
	c.id = id;
	return reg_change(&c, reg_delete_txn);
}

int
registry_instance_delete(struct registry *r, const char *service,
    const char *id)
{
	return id ? reg_delete(r, service, id) : ST_ENOTFOUND;
}

int
registry_service_delete(struct registry *r, const char *service)
{
	return reg_delete(r, service, NULL);
}

struct reg_view {
	const struct registry *r;
	json_t *arr;		/* instances, or NULL to count them */
	size_t count;
};

static int
reg_view_instance(const void *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct reg_view *v = arg;
	json_t *inst;

	(void)key, (void)klen;
	v->count++;
	if (v->arr == NULL)
		return 0;
	if ((inst = json_loadb(val, vlen, 0, NULL)) == NULL)
		return ST_EFORMAT;
	return json_array_append_new(v->arr, inst) ? ST_ENOMEM : 0;
}

/* A service record's view, with its instances listed or counted. */
static int
reg_view_service(const struct registry *r, const char *name, json_t *svc,
    int list, json_t **out)
{
	char prefix[REG_KEY_MAX], dns[2 * DNS_NAME_MAX];
	size_t plen = reg_instance_key(name, NULL, prefix);
	const char *label = json_string_value(json_object_get(svc, "label"));
	struct reg_view v = { r, NULL, 0 };
	int err;

	if (label == NULL)
		return ST_EFORMAT;
	snprintf(dns, sizeof(dns), "%s.%s", label, r->zone);
	if (list && (v.arr = json_array()) == NULL)
		return ST_ENOMEM;
	if ((err = store_foreach(r->reader, STORE_DB_INSTANCES, prefix, plen,
	    reg_view_instance, &v))) {
		json_decref(v.arr);
		return err;
	}
	*out = list ? json_pack("{s:s,s:s,s:s,s:o}", "name", name, "label",
	    label, "dns", dns, "instances", v.arr) :
	    json_pack("{s:s,s:s,s:I,s:s}", "name", name, "label", label,
	    "instances", (json_int_t)v.count, "dns", dns);
	return *out ? ST_OK : ST_ENOMEM;
}

static int
reg_view_services(const void *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct reg_view *v = arg;
	char name[REG_NAME_MAX];
	json_t *svc, *s;
	int err;

	if (klen >= sizeof(name) ||
	    (svc = json_loadb(val, vlen, 0, NULL)) == NULL)
		return ST_EFORMAT;
	memcpy(name, key, klen);
	name[klen] = '\0';
	err = reg_view_service(v->r, name, svc, 0, &s);
	json_decref(svc);
	if (err == ST_OK && json_array_append_new(v->arr, s))
		err = ST_ENOMEM;
	return err;
}

/*
 * One read in a fresh snapshot: all services when service is NULL, else
 * one service, or (list) only its instances.
 */
static int
reg_read(struct registry *r, const char *service, int list, json_t **out,
    uint64_t *index)
{
	struct reg_view v = { r, NULL, 0 };
	char name[REG_NAME_MAX], label[DNS_LABEL_MAX + 1];
	struct registry_error e;
	json_t *svc = NULL, *res = NULL;
	uint64_t idx;
	int err;

	if (service && reg_service_name(service, name, label, &e) != ST_OK)
		return ST_ENOTFOUND;
	if ((err = store_reader_begin(r->reader)) != ST_OK)
		return err;
	if ((err = store_index_get(r->reader, &idx)) != ST_OK)
		goto out;
	if (service == NULL) {
		if ((res = v.arr = json_array()) == NULL)
			err = ST_ENOMEM;
		else
			err = store_foreach(r->reader, STORE_DB_SERVICES, "", 0,
			    reg_view_services, &v);
	} else if ((err = reg_get_json(r->reader, STORE_DB_SERVICES, name,
	    strlen(name), &svc)) == ST_OK &&
	    (err = reg_view_service(r, name, svc, 1, &res)) == ST_OK && list) {
		json_t *inst = json_incref(json_object_get(res, "instances"));

		json_decref(res);
		res = inst;
	}
out:
	store_reader_end(r->reader);
	json_decref(svc);
	if (err) {
		json_decref(res);
		return err;
	}
	*out = res;
	if (index)
		*index = idx;
	return ST_OK;
}

int
registry_services_json(struct registry *r, json_t **out, uint64_t *index)
{
	return reg_read(r, NULL, 0, out, index);
}

int
registry_service_json(struct registry *r, const char *service, json_t **out,
    uint64_t *index)
{
	return reg_read(r, service, 0, out, index);
}

int
registry_instances_json(struct registry *r, const char *service,
    json_t **out, uint64_t *index)
{
	return reg_read(r, service, 1, out, index);
}

uint64_t
registry_index(const struct registry *r)
{
	return r->index;
}

void
registry_on_change(struct registry *r, registry_change_fn fn, void *arg)
{
	r->change_fn = fn;
	r->change_arg = arg;
}

int
registry_new(struct store *st, const struct registry_params *p,
    struct registry **out)
{
	struct registry *r;
	size_t n;
	int err;

	if (st == NULL || p == NULL || p->domain == NULL ||
	    p->framework == NULL || *p->domain == '\0' || *p->framework == '\0')
		return ST_EINVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return ST_ENOMEM;
	r->st = st;
	r->ttl = p->ttl;
	snprintf(r->zone, sizeof(r->zone), "%s.%s", p->framework, p->domain);
	if ((n = strlen(r->zone)) > 0 && r->zone[n - 1] == '.')
		r->zone[n - 1] = '\0';
	if (dns_name_from_text(r->zone, r->zwire, &r->zwire_len) != ST_OK) {
		log_errx("registry: zone name %s is not valid", r->zone);
		free(r);
		return ST_EINVAL;
	}
	if ((err = store_reader_new(st, &r->reader)) != ST_OK ||
	    (err = store_reader_begin(r->reader)) != ST_OK)
		goto fail;
	err = store_index_get(r->reader, &r->index);
	store_reader_end(r->reader);
	if (err)
		goto fail;
	*out = r;
	return ST_OK;
fail:
	registry_free(r);
	return err;
}

void
registry_free(struct registry *r)
{
	if (r == NULL)
		return;
	store_reader_free(r->reader);
	free(r);
}
