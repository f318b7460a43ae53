/*
 * store_json.c -- records kept as compact JSON text: what the registry
 * and the orchestrator store.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

int
store_get_json(struct store_txn *txn, enum store_db db, const void *key,
    size_t klen, json_t **out)
{
	const void *val;
	size_t vlen;
	int err;

	*out = NULL;
	if ((err = store_get(txn, db, key, klen, &val, &vlen)) != ST_OK)
		return err;
	return store_parse_json(val, vlen, out);
}

int
store_parse_json(const void *val, size_t vlen, json_t **out)
{
	if ((*out = json_loadb(val, vlen, 0, NULL)) == NULL) {
		log_errx("store: corrupt record in the store");
		return ST_EFORMAT;
	}
	return ST_OK;
}

int
store_put_json(struct store_txn *txn, enum store_db db, const void *key,
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
