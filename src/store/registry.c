/*
 * registry.c -- services and instances in LMDB, published as DNS nodes in
 * the same write transaction: the write transactions of a change, the read
 * views and the public API. Validation is in registry_check.c, the DNS names
 * in registry_dns.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/name.h"
#include "dns/zone.h"
#include "store/registry_int.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"

int
registry_fail(struct registry_error *e, int err, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return err;
}

size_t
registry_instance_key(const char *name, const char *id, char *key)
{
	size_t n = strlen(name) + 1;

	memcpy(key, name, n);
	strcpy(key + n, id ? id : "");
	return n + strlen(key + n);
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
	size_t klen = registry_instance_key(c->name, c->id, key);
	json_t *old, *svc;
	int err;

	c->unchanged = 0;
	json_decref(c->stored);
	c->stored = NULL;
	if ((err = registry_dns_claim(txn, c->r, c->label, c->name,
	    strlen(c->name), "", c->e)) != ST_OK)
		return err;
	err = store_get_json(txn, STORE_DB_SERVICES, c->name,
	    strlen(c->name), &svc);
	if (err == ST_ENOTFOUND) {
		if ((svc = json_pack("{s:s,s:s,s:[]}", "name", c->name, "label",
		    c->label, "names")) == NULL)
			return ST_ENOMEM;
		err = store_put_json(txn, STORE_DB_SERVICES, c->name,
		    strlen(c->name), svc);
	}
	json_decref(svc);
	if (err)
		return err;

	err = store_get_json(txn, STORE_DB_INSTANCES, key, klen, &old);
	if (err != ST_OK && err != ST_ENOTFOUND)
		return err;
	if (old && c->mode == REGISTRY_CREATE) {
		json_decref(old);
		return registry_fail(c->e, ST_EEXIST, "/id", "instance '%s' of "
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
	registry_dns_instance_label(c->label, c->id, ilabel);
	if (c->unchanged ||
	    (err = registry_dns_claim(txn, c->r, ilabel, key, klen, "/id",
	    c->e))) {
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
	if (err || (err = store_put_json(txn, STORE_DB_INSTANCES, key, klen,
	    c->stored)) || (err = registry_dns_publish(txn, c->r, c->name)))
		return err;
	return reg_finish(txn, c->r, &c->index);
}

static int
reg_delete_txn(struct store_txn *txn, void *arg)
{
	struct reg_change *c = arg;
	char key[REG_KEY_MAX], ilabel[DNS_LABEL_MAX + 1];
	size_t plen = registry_instance_key(c->name, NULL, key), klen;
	const void *val;
	size_t vlen;
	int err;

	if (c->id) {
		klen = registry_instance_key(c->name, c->id, key);
		if ((err = store_get(txn, STORE_DB_INSTANCES, key, klen, &val,
		    &vlen)))
			return err;
	} else if ((err = store_get(txn, STORE_DB_SERVICES, c->name,
	    strlen(c->name), &val, &vlen))) {
		return err;
	}
	/* Each round takes the first key left. */
	do {
		if (c->id == NULL && (err = store_first_key(txn,
		    STORE_DB_INSTANCES, c->name, plen, key, sizeof(key),
		    &klen)) != ST_OK) {
			if (err == ST_ENOTFOUND)
				err = ST_OK;
			break;
		}
		registry_dns_instance_label(c->label, key + plen, ilabel);
		if ((err = store_del(txn, STORE_DB_INSTANCES, key, klen)) ||
		    (err = registry_dns_release(txn, ilabel, key, klen)))
			return err;
	} while (c->id == NULL);
	if (err || (err = registry_dns_publish(txn, c->r, c->name)))
		return err;
	if (c->id == NULL && ((err = store_del(txn, STORE_DB_SERVICES, c->name,
	    strlen(c->name))) || (err = registry_dns_release(txn, c->label, c->name,
	    strlen(c->name)))))
		return err;
	return reg_finish(txn, c->r, &c->index);
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
	if ((err = registry_check_service_name(service, c.name, c.label,
	    e)) != ST_OK)
		return err;
	/* jansson's iterators want a mutable pointer; nothing is changed. */
	if ((err = registry_check_instance(r, c.label, id, (json_t *)body,
	    &c.inst, e)))
		return err;
	clock_iso_now(now, sizeof(now));
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
	if (registry_check_service_name(service, c.name, c.label, &e) != ST_OK ||
	    (id && !registry_check_id(id)))
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

int
registry_txn_put(struct registry *r, struct store_txn *txn,
    const char *service, const json_t *body, struct registry_error *e)
{
	struct reg_change c;
	char now[40];
	int err;

	e->field[0] = e->message[0] = '\0';
	memset(&c, 0, sizeof(c));
	if ((err = registry_check_service_name(service, c.name, c.label,
	    e)) != ST_OK ||
	    (err = registry_check_instance(r, c.label, NULL, (json_t *)body,
	    &c.inst, e)) != ST_OK)
		return err;
	clock_iso_now(now, sizeof(now));
	c.r = r;
	c.id = json_string_value(json_object_get(c.inst, "id"));
	c.now = now;
	c.mode = REGISTRY_REPLACE;
	c.e = e;
	err = reg_put_txn(txn, &c);
	if (err == ST_OK && !c.unchanged)
		r->txn_index = c.index;
	json_decref(c.inst);
	json_decref(c.stored);
	return err;
}

int
registry_txn_delete(struct registry *r, struct store_txn *txn,
    const char *service, const char *id)
{
	struct registry_error e;
	struct reg_change c;
	int err;

	memset(&c, 0, sizeof(c));
	if (registry_check_service_name(service, c.name, c.label, &e) != ST_OK ||
	    (id && !registry_check_id(id)))
		return ST_OK;
	c.r = r;
	c.id = id;
	if ((err = reg_delete_txn(txn, &c)) == ST_ENOTFOUND)
		return ST_OK;
	if (err == ST_OK)
		r->txn_index = c.index;
	return err;
}

void
registry_txn_end(struct registry *r, int committed)
{
	uint64_t index = r->txn_index;

	r->txn_index = 0;
	if (!committed || index <= r->index)
		return;
	r->index = index;
	if (r->change_fn)
		r->change_fn(index, r->change_arg);
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
	size_t plen = registry_instance_key(name, NULL, prefix);
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

	if (service &&
	    registry_check_service_name(service, name, label, &e) != ST_OK)
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
	} else if ((err = store_get_json(r->reader, STORE_DB_SERVICES, name,
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
