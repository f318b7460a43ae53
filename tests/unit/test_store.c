/*
 * test_store.c -- LMDB wrapper: commit, abort, first error, growth, schema.
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
#include <lmdb.h>

#include "store/store.h"
#include "util/error.h"
#include "testlib.h"

struct fixture {
	char dir[4096];
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

static int
put_two(struct store_txn *txn, void *arg)
{
	store_put(txn, STORE_DB_SERVICES, "a", 1, "1", 1);
	store_put(txn, STORE_DB_SERVICES, "b", 1, "2", 1);
	return *(int *)arg;
}

static int
put_then_fail_op(struct store_txn *txn, void *arg)
{
	store_put(txn, STORE_DB_SERVICES, "c", 1, "3", 1);
	store_txn_fail(txn, ST_ECONFLICT);
	/* Operations after the first error are no-ops. */
	assert_int_equal(store_put(txn, STORE_DB_SERVICES, "d", 1, "4", 1),
	    ST_ECONFLICT);
	return ST_OK;
}

static int
count_keys(struct store *st, enum store_db db, const char *prefix)
{
	struct store_txn *r;
	int n = 0;
	const char *keys[] = { "a", "b", "c", "d" };

	assert_int_equal(store_reader_new(st, &r), ST_OK);
	assert_int_equal(store_reader_begin(r), ST_OK);
	for (size_t i = 0; i < 4; i++) {
		const void *v;
		size_t vl;

		if (prefix && keys[i][0] != prefix[0])
			continue;
		if (store_get(r, db, keys[i], 1, &v, &vl) == ST_OK)
			n++;
	}
	store_reader_end(r);
	store_reader_free(r);
	return n;
}

static void
test_commit_and_abort(void **state)
{
	struct fixture *f = *state;
	int fail = ST_EINVAL, ok = ST_OK;

	assert_int_equal(store_write(f->st, put_two, &fail), ST_EINVAL);
	assert_int_equal(count_keys(f->st, STORE_DB_SERVICES, NULL), 0);
	assert_int_equal(store_write(f->st, put_two, &ok), ST_OK);
	assert_int_equal(count_keys(f->st, STORE_DB_SERVICES, NULL), 2);
	/* A failed operation aborts even when the callback says 0. */
	assert_int_equal(store_write(f->st, put_then_fail_op, NULL), ST_ECONFLICT);
	assert_int_equal(count_keys(f->st, STORE_DB_SERVICES, NULL), 2);
}

static int
bump(struct store_txn *txn, void *arg)
{
	return store_index_bump(txn, arg);
}

static void
test_index_persists(void **state)
{
	struct fixture *f = *state;
	uint64_t idx = 0;

	assert_int_equal(store_write(f->st, bump, &idx), ST_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(store_write(f->st, bump, &idx), ST_OK);
	assert_int_equal(idx, 2);
	store_close(f->st);
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(store_write(f->st, bump, &idx), ST_OK);
	assert_int_equal(idx, 3);
}

struct bulk {
	int n;
	size_t size;
};

static int
put_bulk(struct store_txn *txn, void *arg)
{
	struct bulk *b = arg;
	char *val = calloc(1, b->size);
	char key[32];

	for (int i = 0; i < b->n; i++) {
		snprintf(key, sizeof(key), "k%08d", i);
		store_put(txn, STORE_DB_NODES, key, strlen(key), val, b->size);
	}
	free(val);
	return ST_OK;
}

static void
test_map_grows(void **state)
{
	struct fixture *f = *state;
	struct bulk b = { 200, 1 << 20 };	/* 200 MiB in 64 MiB map */
	size_t before = store_map_size(f->st);

	assert_int_equal(store_write(f->st, put_bulk, &b), ST_OK);
	assert_true(store_map_size(f->st) > before);
	assert_true(store_map_size(f->st) >= (size_t)200 << 20);
}

static int
visit(const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int
put_tree(struct store_txn *txn, void *arg)
{
	store_put(txn, STORE_DB_NODES, "mesos\0", 6, "x", 1);
	store_put(txn, STORE_DB_NODES, "mesos\0marathon\0web\0", 19, "x", 1);
	store_put(txn, STORE_DB_NODES, "mesosx\0", 7, "x", 1);
	return ST_OK;
}

static void
test_prefix_and_descendants(void **state)
{
	struct fixture *f = *state;
	struct store_txn *r;
	char key[64];
	size_t klen = 0;
	int n = 0;

	assert_int_equal(store_write(f->st, put_tree, NULL), ST_OK);
	assert_int_equal(store_reader_new(f->st, &r), ST_OK);
	assert_int_equal(store_reader_begin(r), ST_OK);
	assert_int_equal(store_foreach(r, STORE_DB_NODES, "mesos\0", 6, visit, &n), ST_OK);
	assert_int_equal(n, 2);
	/* marathon.mesos has no node but a descendant: an empty non-terminal. */
	assert_int_equal(store_has_descendant(r, STORE_DB_NODES, "mesos\0marathon\0", 15), 1);
	assert_int_equal(store_has_descendant(r, STORE_DB_NODES, "mesos\0marathon\0web\0", 19), 0);
	assert_int_equal(store_has_descendant(r, STORE_DB_NODES, "mesos\0other\0", 12), 0);
	assert_int_equal(store_has_descendant(r, STORE_DB_NODES, "", 0), 1);
	/* The first key under a prefix, with its embedded 0 octets. */
	assert_int_equal(store_first_key(r, STORE_DB_NODES, "mesos\0m", 7, key,
	    sizeof(key), &klen), ST_OK);
	assert_int_equal(klen, 19);
	assert_memory_equal(key, "mesos\0marathon\0web\0", 19);
	assert_int_equal(store_first_key(r, STORE_DB_NODES, NULL, 0, key,
	    sizeof(key), &klen), ST_OK);
	assert_int_equal(klen, 6);
	assert_int_equal(store_first_key(r, STORE_DB_NODES, "mesos\0n", 7, key,
	    sizeof(key), &klen), ST_ENOTFOUND);
	assert_int_equal(store_first_key(r, STORE_DB_NODES, "zzz", 3, key,
	    sizeof(key), &klen), ST_ENOTFOUND);
	assert_int_equal(store_first_key(r, STORE_DB_NODES, "mesos\0m", 7, key,
	    19, &klen), ST_ESPACE);
	store_reader_end(r);
	store_reader_free(r);
}

static void
test_reader_snapshot(void **state)
{
	struct fixture *f = *state;
	struct store_txn *r;
	const void *v;
	size_t vl;
	int ok = ST_OK;

	assert_int_equal(store_reader_new(f->st, &r), ST_OK);
	assert_int_equal(store_reader_begin(r), ST_OK);
	assert_int_equal(store_write(f->st, put_two, &ok), ST_OK);
	/* The open snapshot does not see the commit, the next one does. */
	assert_int_equal(store_get(r, STORE_DB_SERVICES, "a", 1, &v, &vl), ST_ENOTFOUND);
	store_reader_end(r);
	assert_int_equal(store_reader_begin(r), ST_OK);
	assert_int_equal(store_get(r, STORE_DB_SERVICES, "a", 1, &v, &vl), ST_OK);
	/* Writes through a read handle are refused. */
	assert_int_equal(store_put(r, STORE_DB_SERVICES, "z", 1, "z", 1), ST_EINVAL);
	store_reader_end(r);
	store_reader_free(r);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { 6, "schema" }, v = { 4, "\0\0\0\x63" };

	store_close(f->st);
	f->st = NULL;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(store_open(f->dir, &f->st), ST_ESCHEMA);
	assert_null(f->st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_and_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_persists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_and_descendants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
