/*
 * store.h -- the LMDB environment: stadion's single source of truth.
 *
 * One environment under the state dir holds named databases. All writes go
 * through store_write() from one thread (the main event loop); it runs a
 * callback inside a write transaction, commits only when the callback and
 * every operation in it succeeded, and grows the map and retries when LMDB
 * reports MDB_MAP_FULL. Readers (DNS threads) own a read transaction handle
 * each and bracket every batch of queries with store_reader_begin/_end, so
 * no snapshot is held across the event loop.
 */
#ifndef STADION_STORE_STORE_H
#define STADION_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Bumped when the layout below changes incompatibly; a newer one is refused. */
#define STORE_SCHEMA_VERSION 1

enum store_db {
	STORE_DB_META = 0,	/* "schema" u32, "index" u64 (big endian),
				   "owner" the orchestrator's UUID */
	STORE_DB_ZONES,		/* zone name key -> struct of zone flags */
	STORE_DB_NODES,		/* owner name key -> node blob (dns/node.h) */
	STORE_DB_SERVICES,	/* service name -> JSON service record */
	STORE_DB_INSTANCES,	/* service name "\0" instance id -> JSON */
	STORE_DB_LABELS,	/* DNS label -> service name (uniqueness) */
	STORE_DB_APPS,		/* app id -> JSON app definition (orch) */
	STORE_DB_VERSIONS,	/* app id "\0" version -> JSON definition */
	STORE_DB_TASKS,		/* app id "\0" task id -> JSON task record */
	STORE_DB_DEPLOYMENTS,	/* deployment id -> JSON deployment */
	STORE_DB_JOURNAL,	/* changes of the zones, for IXFR
				   (dns/journal.h) */
	STORE_DB__COUNT
};

struct store;
struct store_txn;

/*
 * Open (creating when needed) the environment in directory dir, check the
 * schema version. ST_ESCHEMA when the state was written by a newer schema,
 * ST_ESTORE/ST_EIO otherwise. *out is owned by the caller (store_close).
 */
int store_open(const char *dir, struct store **out);
void store_close(struct store *st);

/* Map size in bytes now in force (grows on MDB_MAP_FULL). */
size_t store_map_size(const struct store *st);

/*
 * Run fn in a write transaction. fn returns 0 to commit or a negative code
 * to abort; any failed operation inside also aborts (the txn remembers its
 * first error). On MDB_MAP_FULL the map is doubled and fn runs again, so fn
 * must not have effects outside the transaction before it returns.
 * Returns fn's error, the first store error, or 0 once committed.
 */
typedef int (*store_write_fn)(struct store_txn *txn, void *arg);
int store_write(struct store *st, store_write_fn fn, void *arg);

/* Read handles: one per thread, reused across batches. */
int store_reader_new(struct store *st, struct store_txn **out);
void store_reader_free(struct store_txn *txn);
/* Take a fresh snapshot; ST_ESTORE on failure. */
int store_reader_begin(struct store_txn *txn);
/* Drop the snapshot; pointers obtained from it become invalid. */
void store_reader_end(struct store_txn *txn);

/*
 * Operations valid in read and write transactions. Returned pointers point
 * into the map and live until the transaction ends.
 * get: ST_ENOTFOUND when the key is absent (not recorded as a txn error).
 */
int store_get(struct store_txn *txn, enum store_db db, const void *key,
    size_t klen, const void **val, size_t *vlen);

/*
 * Visit every key that starts with prefix (all keys when plen is 0; prefix
 * may then be NULL), in key order. LMDB has no empty keys: the empty key
 * (the root name's) is stored, and visited, as a single 0 octet. fn returns 0 to go on, 1 to stop early, < 0 to stop with an error.
 */
typedef int (*store_iter_fn)(const void *key, size_t klen, const void *val,
    size_t vlen, void *arg);
int store_foreach(struct store_txn *txn, enum store_db db, const void *prefix,
    size_t plen, store_iter_fn fn, void *arg);

/*
 * The first key that starts with prefix, into out (size octets) with its
 * length in *klen; a 0 octet follows it. For taking keys out one at a
 * time, as a cursor would not survive the deletes. ST_ENOTFOUND when there
 * is none, ST_ESPACE when it does not fit.
 */
int store_first_key(struct store_txn *txn, enum store_db db,
    const void *prefix, size_t plen, void *out, size_t size, size_t *klen);

/* 1 if some key longer than prefix starts with it, 0 if none, < 0 on error. */
int store_has_descendant(struct store_txn *txn, enum store_db db,
    const void *prefix, size_t plen);

/* Write-only operations; on failure they mark the txn failed. */
int store_put(struct store_txn *txn, enum store_db db, const void *key,
    size_t klen, const void *val, size_t vlen);
/* Deleting an absent key is not an error. */
int store_del(struct store_txn *txn, enum store_db db, const void *key,
    size_t klen);
/* Record an error found by the caller: the txn will abort. */
void store_txn_fail(struct store_txn *txn, int err);
/* First error recorded in the txn, 0 if none. */
int store_txn_error(const struct store_txn *txn);

/*
 * Records kept as compact JSON (store_json.c). get: *out (caller owns),
 * ST_ENOTFOUND when absent, ST_EFORMAT (logged) when it does not parse.
 * parse: the same for a value already read. put: ST_ENOMEM fails the
 * transaction too.
 */
int store_get_json(struct store_txn *txn, enum store_db db, const void *key,
    size_t klen, json_t **out);
int store_parse_json(const void *val, size_t vlen, json_t **out);
int store_put_json(struct store_txn *txn, enum store_db db, const void *key,
    size_t klen, const json_t *v);

/*
 * A hook on every write transaction, for state kept beside the data that
 * must change in the same commit (the DNS journal of zone changes).
 * precommit runs once the write function and all its operations succeeded,
 * still inside the transaction: it may read and write, and an error from it
 * aborts the transaction (ST_EFULL grows the map and runs it all again).
 * end runs after every transaction ended, committed (1) or not (0), before
 * a retry too: it frees the per-transaction state and acts on a commit.
 */
struct store_hook {
	int (*precommit)(struct store_txn *txn, void *arg, void *state);
	void (*end)(void *arg, void *state, int committed);
};

/*
 * Install h with arg as the hook of st (one per store; h NULL removes it).
 * On the writer thread, outside a transaction.
 */
void store_set_hook(struct store *st, const struct store_hook *h, void *arg);

/*
 * In a write transaction of a store whose hook is h: the hook's arg, and in
 * *state the slot of its per-transaction state (NULL at the start of each
 * transaction; the hook's end frees what is put there). NULL when h is not
 * the store's hook or txn is a reader.
 */
void *store_txn_hook(struct store_txn *txn, const struct store_hook *h,
    void ***state);

/* Registry change index: read it, or bump it by one in a write txn. */
int store_index_get(struct store_txn *txn, uint64_t *index);
int store_index_bump(struct store_txn *txn, uint64_t *index);

#endif
