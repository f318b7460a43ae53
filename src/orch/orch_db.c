/*
 * orch_db.c -- the orchestrator's LMDB records: apps (the current
 * definition), every version of each, tasks and deployments, as compact
 * JSON. Keys of versions and tasks begin with the app id and a 0 octet,
 * so an app's records are one key range.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "orch/orch_int.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

/* id "\0" sub into key (ORCH_KEY_MAX); sub NULL: the prefix. */
static size_t
od_key(const char *id, const char *sub, char *key)
{
	size_t n = strlen(id) + 1;

	memcpy(key, id, n);
	snprintf(key + n, ORCH_KEY_MAX - n, "%s", sub ? sub : "");
	return n + strlen(key + n);
}

int
orch_db_put_app(struct store_txn *txn, const json_t *def)
{
	const char *id = json_string_value(json_object_get(def, "id"));
	const char *v = json_string_value(json_object_get(def, "version"));
	char key[ORCH_KEY_MAX];
	size_t klen;
	int err;

	if (id == NULL || v == NULL) {
		store_txn_fail(txn, ST_EINVAL);
		return ST_EINVAL;
	}
	klen = od_key(id, v, key);
	if ((err = store_put_json(txn, STORE_DB_APPS, id, strlen(id), def)) != ST_OK)
		return err;
	return store_put_json(txn, STORE_DB_VERSIONS, key, klen, def);
}

int
orch_db_del_app(struct store_txn *txn, const char *id)
{
	char prefix[ORCH_KEY_MAX], key[ORCH_KEY_MAX];
	size_t plen = od_key(id, NULL, prefix), klen;
	int err;

	if ((err = store_del(txn, STORE_DB_APPS, id, strlen(id))) != ST_OK)
		return err;
	while ((err = store_first_key(txn, STORE_DB_VERSIONS, prefix, plen, key,
	    sizeof(key), &klen)) == ST_OK)
		if ((err = store_del(txn, STORE_DB_VERSIONS, key, klen)) != ST_OK)
			return err;
	return err == ST_ENOTFOUND ? ST_OK : err;
}

int
orch_db_put_task(struct store_txn *txn, const struct orch_task *t)
{
	char key[ORCH_KEY_MAX];
	size_t klen = od_key(t->app->id, t->id, key);
	json_t *rec = orch_task_record(t);
	int err;

	if (rec == NULL) {
		store_txn_fail(txn, ST_ENOMEM);
		return ST_ENOMEM;
	}
	err = store_put_json(txn, STORE_DB_TASKS, key, klen, rec);
	json_decref(rec);
	return err;
}

int
orch_db_del_task(struct store_txn *txn, const struct orch_task *t)
{
	char key[ORCH_KEY_MAX];
	size_t klen = od_key(t->app->id, t->id, key);

	return store_del(txn, STORE_DB_TASKS, key, klen);
}

int
orch_db_put_deployment(struct store_txn *txn, const json_t *d)
{
	const char *id = json_string_value(json_object_get(d, "id"));

	if (id == NULL) {
		store_txn_fail(txn, ST_EINVAL);
		return ST_EINVAL;
	}
	return store_put_json(txn, STORE_DB_DEPLOYMENTS, id, strlen(id), d);
}

int
orch_db_del_deployment(struct store_txn *txn, const char *id)
{
	return store_del(txn, STORE_DB_DEPLOYMENTS, id, strlen(id));
}

static int
od_load_app(const void *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct orch *o = arg;
	struct orch_app *a;
	char id[APP_ID_MAX];
	json_t *def;
	int err;

	if (klen >= sizeof(id))
		return ST_EFORMAT;
	memcpy(id, key, klen);
	id[klen] = '\0';
	if ((err = store_parse_json(val, vlen, &def)) != ST_OK)
		return err;
	if ((a = orch_app_add(o, id)) == NULL) {
		json_decref(def);
		return ST_ENOMEM;
	}
	a->def = def;
	return 0;
}

static int
od_load_task(const void *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct orch *o = arg;
	const char *app_id = key;
	struct orch_app *a;
	json_t *rec;
	int err;

	if (memchr(key, 0, klen) == NULL)
		return ST_EFORMAT;
	if ((err = store_parse_json(val, vlen, &rec)) != ST_OK)
		return err;
	/* A task of a deleted app: kept until it is stopped. */
	if ((a = orch_app_find(o, app_id)) == NULL &&
	    (a = orch_app_add(o, app_id)) == NULL)
		err = ST_ENOMEM;
	else
		err = orch_task_restore(a, rec);
	json_decref(rec);
	return err;
}

static int
od_load_deployment(const void *key, size_t klen, const void *val,
    size_t vlen, void *arg)
{
	struct orch *o = arg;
	const char *id;
	json_t *d;
	int err;

	(void)key, (void)klen;
	if ((err = store_parse_json(val, vlen, &d)) != ST_OK)
		return err;
	if ((id = json_string_value(json_object_get(d, "id"))) == NULL) {
		json_decref(d);
		return ST_EFORMAT;
	}
	return json_object_set_new(o->deployments, id, d) ? ST_ENOMEM : 0;
}

int
orch_db_load(struct orch *o)
{
	int err;

	if ((err = store_reader_begin(o->reader)) != ST_OK)
		return err;
	if ((err = store_foreach(o->reader, STORE_DB_APPS, NULL, 0,
	    od_load_app, o)) == ST_OK &&
	    (err = store_foreach(o->reader, STORE_DB_TASKS, NULL, 0,
	    od_load_task, o)) == ST_OK)
		err = store_foreach(o->reader, STORE_DB_DEPLOYMENTS, NULL, 0,
		    od_load_deployment, o);
	store_reader_end(o->reader);
	return err;
}

static int
od_version(const void *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	const char *k = key;
	size_t n = strlen(k) + 1;
	json_t *s;

	(void)val, (void)vlen;
	if (n > klen || (s = json_stringn(k + n, klen - n)) == NULL)
		return ST_ENOMEM;
	/* Keys come oldest first: newest first means inserting in front. */
	return json_array_insert_new(arg, 0, s) ? ST_ENOMEM : 0;
}

int
orch_db_versions(struct orch *o, const char *id, json_t **out)
{
	char prefix[ORCH_KEY_MAX];
	size_t plen = od_key(id, NULL, prefix);
	json_t *arr = json_array();
	int err;

	if (arr == NULL)
		return ST_ENOMEM;
	if ((err = store_reader_begin(o->reader)) != ST_OK) {
		json_decref(arr);
		return err;
	}
	err = store_foreach(o->reader, STORE_DB_VERSIONS, prefix, plen,
	    od_version, arr);
	store_reader_end(o->reader);
	if (err) {
		json_decref(arr);
		return err;
	}
	*out = arr;
	return ST_OK;
}

int
orch_db_version(struct orch *o, const char *id, const char *version,
    json_t **out)
{
	char key[ORCH_KEY_MAX];
	size_t klen;
	const void *val;
	size_t vlen;
	int err;

	if (strlen(id) + strlen(version) + 2 > ORCH_KEY_MAX)
		return ST_ENOTFOUND;
	klen = od_key(id, version, key);
	if ((err = store_reader_begin(o->reader)) != ST_OK)
		return err;
	if ((err = store_get(o->reader, STORE_DB_VERSIONS, key, klen, &val,
	    &vlen)) == ST_OK)
		err = store_parse_json(val, vlen, out);
	store_reader_end(o->reader);
	return err;
}
