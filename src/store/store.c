/*
 * store.c -- LMDB environment, write transactions that remember their first
 * error, per-thread read handles, and map growth on MDB_MAP_FULL.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

#define STORE_INITIAL_MAP (64UL << 20)
#define STORE_MAX_MAP (1UL << 40)

struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE_DB__COUNT];
	size_t map_size;
	/*
	 * mdb_env_set_mapsize() needs every transaction of the process closed:
	 * readers hold this shared while their snapshot is open, the writer
	 * takes it exclusively only to grow the map.
	 */
	pthread_rwlock_t resize_lock;
	const struct store_hook *hook;
	void *hook_arg;
};

struct store_txn {
	struct store *st;
	MDB_txn *txn;
	int readonly;
	int active;
	int err;
	void *hook_state;
};

static const char *const store_db_names[STORE_DB__COUNT] = {
	[STORE_DB_META] = "meta",
	[STORE_DB_ZONES] = "zones",
	[STORE_DB_NODES] = "nodes",
	[STORE_DB_SERVICES] = "services",
	[STORE_DB_INSTANCES] = "instances",
	[STORE_DB_LABELS] = "labels",
	[STORE_DB_APPS] = "apps",
	[STORE_DB_VERSIONS] = "versions",
	[STORE_DB_TASKS] = "tasks",
	[STORE_DB_DEPLOYMENTS] = "deployments",
	[STORE_DB_JOURNAL] = "journal",
};

static int
store_mdb_error(const char *what, int rc)
{
	if (rc == MDB_MAP_FULL)
		return ST_EFULL;
	log_errx("store: %s failed (%s)", what, mdb_strerror(rc));
	return ST_ESTORE;
}

static int
store_check_schema(struct store *st, MDB_txn *txn)
{
	MDB_val key = { 6, (void *)"schema" }, val;
	uint8_t buf[4];
	uint32_t version;
	int rc;

	rc = mdb_get(txn, st->dbi[STORE_DB_META], &key, &val);
	if (rc == MDB_NOTFOUND) {
		version = STORE_SCHEMA_VERSION;
		buf[0] = version >> 24; buf[1] = version >> 16;
		buf[2] = version >> 8; buf[3] = version;
		val.mv_size = 4;
		val.mv_data = buf;
		rc = mdb_put(txn, st->dbi[STORE_DB_META], &key, &val, 0);
		return rc ? store_mdb_error("writing schema version", rc) : ST_OK;
	}
	if (rc)
		return store_mdb_error("reading schema version", rc);
	if (val.mv_size != 4) {
		log_errx("store: schema version record is corrupt");
		return ST_ESCHEMA;
	}
	memcpy(buf, val.mv_data, 4);
	version = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	    (uint32_t)buf[2] << 8 | buf[3];
	if (version > STORE_SCHEMA_VERSION) {
		log_errx("store: state has schema %u, this stadiond knows %u",
		    version, STORE_SCHEMA_VERSION);
		return ST_ESCHEMA;
	}
	return ST_OK;
}

int
store_open(const char *dir, struct store **out)
{
	struct store *st;
	MDB_txn *txn = NULL;
	MDB_envinfo info;
	int rc, err;

	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_err("store: cannot create %s", dir);
		return ST_EIO;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return ST_ENOMEM;
	if (pthread_rwlock_init(&st->resize_lock, NULL) != 0) {
		free(st);
		return ST_ENOMEM;
	}
	if ((rc = mdb_env_create(&st->env)) != 0) {
		err = store_mdb_error("mdb_env_create", rc);
		st->env = NULL;
		goto fail;
	}
	mdb_env_set_maxdbs(st->env, STORE_DB__COUNT + 8);
	mdb_env_set_maxreaders(st->env, 512);
	mdb_env_set_mapsize(st->env, STORE_INITIAL_MAP);
	/* Readers are bound to handles, not threads, and reused per batch. */
	rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0640);
	if (rc) {
		err = store_mdb_error(dir, rc);
		goto fail;
	}
	/* An existing environment may already be larger than the initial map. */
	mdb_env_info(st->env, &info);
	st->map_size = info.me_mapsize;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		err = store_mdb_error("mdb_txn_begin", rc);
		goto fail;
	}
	for (int i = 0; i < STORE_DB__COUNT; i++) {
		rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE, &st->dbi[i]);
		if (rc) {
			err = store_mdb_error(store_db_names[i], rc);
			goto fail;
		}
	}
	if ((err = store_check_schema(st, txn)) != ST_OK)
		goto fail;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc) {
		err = store_mdb_error("commit", rc);
		goto fail;
	}
	*out = st;
	return ST_OK;
fail:
	if (txn)
		mdb_txn_abort(txn);
	store_close(st);
	return err;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->env)
		mdb_env_close(st->env);
	pthread_rwlock_destroy(&st->resize_lock);
	free(st);
}

size_t
store_map_size(const struct store *st)
{
	return st->map_size;
}

static int
store_grow(struct store *st)
{
	size_t want = st->map_size * 2;
	int rc;

	if (want > STORE_MAX_MAP) {
		log_errx("store: map would exceed %lu bytes", STORE_MAX_MAP);
		return ST_EFULL;
	}
	pthread_rwlock_wrlock(&st->resize_lock);
	rc = mdb_env_set_mapsize(st->env, want);
	pthread_rwlock_unlock(&st->resize_lock);
	if (rc)
		return store_mdb_error("mdb_env_set_mapsize", rc);
	log_notice("store: map grown to %zu MiB", want >> 20);
	st->map_size = want;
	return ST_OK;
}

int
store_write(struct store *st, store_write_fn fn, void *arg)
{
	const struct store_hook *h = st->hook;
	struct store_txn t;
	int rc, err;

	for (;;) {
		memset(&t, 0, sizeof(t));
		t.st = st;
		rc = mdb_txn_begin(st->env, NULL, 0, &t.txn);
		if (rc)
			return store_mdb_error("mdb_txn_begin", rc);
		t.active = 1;
		err = fn(&t, arg);
		if (err == ST_OK)
			err = t.err;
		if (err == ST_OK && h != NULL) {
			err = h->precommit(&t, st->hook_arg, t.hook_state);
			if (err == ST_OK)
				err = t.err;
		}
		if (err == ST_OK) {
			rc = mdb_txn_commit(t.txn);
			if (rc == 0) {
				if (h != NULL)
					h->end(st->hook_arg, t.hook_state, 1);
				return ST_OK;
			}
			err = store_mdb_error("commit", rc);
		} else {
			mdb_txn_abort(t.txn);
		}
		if (h != NULL)
			h->end(st->hook_arg, t.hook_state, 0);
		if (err != ST_EFULL && t.err != ST_EFULL)
			return err;
		if ((err = store_grow(st)) != ST_OK)
			return err;
	}
}

void
store_set_hook(struct store *st, const struct store_hook *h, void *arg)
{
	st->hook = h;
	st->hook_arg = h ? arg : NULL;
}

void *
store_txn_hook(struct store_txn *t, const struct store_hook *h, void ***state)
{
	if (t->readonly || h == NULL || t->st->hook != h)
		return NULL;
	*state = &t->hook_state;
	return t->st->hook_arg;
}

int
store_reader_new(struct store *st, struct store_txn **out)
{
	struct store_txn *t;
	int rc;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return ST_ENOMEM;
	t->st = st;
	t->readonly = 1;
	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t->txn);
	if (rc) {
		free(t);
		return store_mdb_error("mdb_txn_begin (read)", rc);
	}
	mdb_txn_reset(t->txn);
	*out = t;
	return ST_OK;
}

void
store_reader_free(struct store_txn *t)
{
	if (t == NULL)
		return;
	if (t->active)
		store_reader_end(t);
	mdb_txn_abort(t->txn);
	free(t);
}

int
store_reader_begin(struct store_txn *t)
{
	int rc;

	pthread_rwlock_rdlock(&t->st->resize_lock);
	rc = mdb_txn_renew(t->txn);
	if (rc) {
		pthread_rwlock_unlock(&t->st->resize_lock);
		return store_mdb_error("mdb_txn_renew", rc);
	}
	t->active = 1;
	return ST_OK;
}

void
store_reader_end(struct store_txn *t)
{
	if (!t->active)
		return;
	mdb_txn_reset(t->txn);
	t->active = 0;
	pthread_rwlock_unlock(&t->st->resize_lock);
}

int
store_get(struct store_txn *t, enum store_db db, const void *key, size_t klen,
    const void **val, size_t *vlen)
{
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	if (klen == 0) {
		/* LMDB refuses empty keys; the root name maps to one octet. */
		k.mv_size = 1;
		k.mv_data = (void *)"";
	}
	rc = mdb_get(t->txn, t->st->dbi[db], &k, &v);
	if (rc == MDB_NOTFOUND)
		return ST_ENOTFOUND;
	if (rc)
		return store_mdb_error("mdb_get", rc);
	*val = v.mv_data;
	*vlen = v.mv_size;
	return ST_OK;
}

int
store_foreach(struct store_txn *t, enum store_db db, const void *prefix,
    size_t plen, store_iter_fn fn, void *arg)
{
	MDB_cursor *cur;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc, ret = ST_OK;

	rc = mdb_cursor_open(t->txn, t->st->dbi[db], &cur);
	if (rc)
		return store_mdb_error("mdb_cursor_open", rc);
	rc = plen ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) :
	    mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (plen && (k.mv_size < plen ||
		    memcmp(k.mv_data, prefix, plen) != 0))
			break;
		ret = fn(k.mv_data, k.mv_size, v.mv_data, v.mv_size, arg);
		if (ret != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_error("mdb_cursor_get", rc);
	return ret < 0 ? ret : ST_OK;
}

int
store_first_key(struct store_txn *t, enum store_db db, const void *prefix,
    size_t plen, void *out, size_t size, size_t *klen)
{
	MDB_cursor *cur;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc, err = ST_OK;

	rc = mdb_cursor_open(t->txn, t->st->dbi[db], &cur);
	if (rc)
		return store_mdb_error("mdb_cursor_open", rc);
	rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
	if (rc == MDB_NOTFOUND || (rc == 0 && plen && (k.mv_size < plen ||
	    memcmp(k.mv_data, prefix, plen) != 0)))
		err = ST_ENOTFOUND;
	else if (rc != 0)
		err = store_mdb_error("mdb_cursor_get", rc);
	else if (k.mv_size >= size)
		err = ST_ESPACE;
	else {
		memcpy(out, k.mv_data, k.mv_size);
		((char *)out)[k.mv_size] = '\0';
		*klen = k.mv_size;
	}
	mdb_cursor_close(cur);
	return err;
}

int
store_has_descendant(struct store_txn *t, enum store_db db, const void *prefix,
    size_t plen)
{
	MDB_cursor *cur;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc, found = 0;

	rc = mdb_cursor_open(t->txn, t->st->dbi[db], &cur);
	if (rc)
		return store_mdb_error("mdb_cursor_open", rc);
	if (plen == 0) {
		/* Under the root every key but the root's own ("\0") descends. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		if (rc == 0 && k.mv_size == 1 && *(char *)k.mv_data == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		found = rc == 0;
	} else {
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		/* The key equal to the prefix, if present, sorts first: skip it. */
		if (rc == 0 && k.mv_size == plen &&
		    memcmp(k.mv_data, prefix, plen) == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		if (rc == 0 && k.mv_size > plen &&
		    memcmp(k.mv_data, prefix, plen) == 0)
			found = 1;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_error("mdb_cursor_get", rc);
	return found;
}

/* 1 if t may write; else records why in t->err. */
static int
store_writable(struct store_txn *t)
{
	if (t->err == ST_OK && t->readonly)
		t->err = ST_EINVAL;
	return t->err == ST_OK;
}

int
store_put(struct store_txn *t, enum store_db db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int rc;

	if (!store_writable(t))
		return t->err;
	if (klen == 0) {
		k.mv_size = 1;
		k.mv_data = (void *)"";
	}
	rc = mdb_put(t->txn, t->st->dbi[db], &k, &v, 0);
	if (rc)
		t->err = store_mdb_error("mdb_put", rc);
	return t->err;
}

int
store_del(struct store_txn *t, enum store_db db, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)key };
	int rc;

	if (!store_writable(t))
		return t->err;
	if (klen == 0) {
		k.mv_size = 1;
		k.mv_data = (void *)"";
	}
	rc = mdb_del(t->txn, t->st->dbi[db], &k, NULL);
	if (rc && rc != MDB_NOTFOUND)
		t->err = store_mdb_error("mdb_del", rc);
	return t->err;
}

void
store_txn_fail(struct store_txn *t, int err)
{
	if (t->err == ST_OK)
		t->err = err;
}

int
store_txn_error(const struct store_txn *t)
{
	return t->err;
}

int
store_index_get(struct store_txn *t, uint64_t *index)
{
	const void *val;
	const uint8_t *p;
	size_t vlen;
	int err;

	err = store_get(t, STORE_DB_META, "index", 5, &val, &vlen);
	if (err == ST_ENOTFOUND) {
		*index = 0;
		return ST_OK;
	}
	if (err)
		return err;
	if (vlen != 8)
		return ST_EFORMAT;
	p = val;
	*index = 0;
	for (int i = 0; i < 8; i++)
		*index = *index << 8 | p[i];
	return ST_OK;
}

int
store_index_bump(struct store_txn *t, uint64_t *index)
{
	uint64_t v;
	uint8_t buf[8];
	int err;

	if ((err = store_index_get(t, &v)) != ST_OK) {
		store_txn_fail(t, err);
		return err;
	}
	v++;
	for (int i = 0; i < 8; i++)
		buf[i] = (uint8_t)(v >> (56 - 8 * i));
	if ((err = store_put(t, STORE_DB_META, "index", 5, buf, 8)) != ST_OK)
		return err;
	if (index)
		*index = v;
	return ST_OK;
}
