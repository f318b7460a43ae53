/*
 * update_conf.c -- the TSIG keys of the configuration, for `stadiond -n`
 * and for the daemon alike.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "conf/conf.h"
#include "dns/tsig.h"
#include "dns/update.h"
#include "util/error.h"

static int
upd_conf_inline(struct dns_tsig_keyring *kr, const json_t *keys, char *err,
    size_t errlen)
{
	const json_t *k;
	size_t i;

	if (keys == NULL)
		return ST_OK;
	if (!json_is_array(keys)) {
		snprintf(err, errlen, "tsig_keys: expected an array");
		return ST_ECONFIG;
	}
	json_array_foreach(keys, i, k) {
		struct dns_tsig_key key;
		const char *why = "expected an object with name and secret";
		const char *name = json_string_value(json_object_get(k, "name"));
		const char *alg = json_string_value(json_object_get(k,
		    "algorithm"));
		const char *secret = json_string_value(json_object_get(k,
		    "secret"));
		int rc;

		if (name == NULL || secret == NULL ||
		    dns_tsig_key_init(&key, name, alg, secret, &why) != ST_OK) {
			snprintf(err, errlen, "tsig_keys[%zu]: %s", i, why);
			return ST_ECONFIG;
		}
		rc = dns_tsig_keyring_add(kr, &key);
		dns_tsig_key_deinit(&key);
		if (rc == ST_EEXIST) {
			snprintf(err, errlen, "tsig_keys[%zu]: key '%s' is "
			    "defined twice", i, name);
			return ST_ECONFIG;
		}
		if (rc != ST_OK)
			return rc;
	}
	return ST_OK;
}

int
dns_update_conf_keys(struct dns_tsig_keyring *kr, const struct conf *c,
    char *err, size_t errlen)
{
	int rc;

	for (size_t i = 0; i < c->n_tsig_keyfile; i++)
		if ((rc = dns_tsig_keyfile_load(kr, c->tsig_keyfile[i], err,
		    errlen)) != ST_OK)
			return rc;
	return upd_conf_inline(kr, c->tsig_keys, err, errlen);
}
