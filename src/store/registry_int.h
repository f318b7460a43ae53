/*
 * registry_int.h -- what registry.c, registry_check.c and registry_dns.c
 * share; not for use outside src/store/registry*.c.
 *
 * registry.c       the write transactions of a change, read views, the API
 * registry_check.c validation of instance bodies (registry_check_*)
 * registry_dns.c   the DNS names of a service (registry_dns_*)
 */
#ifndef STADION_STORE_REGISTRY_INT_H
#define STADION_STORE_REGISTRY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dns/name.h"
#include "store/registry.h"
#include "store/store.h"

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
	uint64_t txn_index;	/* of a change made in a caller's txn */
	registry_change_fn change_fn;
	void *change_arg;
};

/* registry.c */

/* Fill e with field and the formatted message; returns err. */
int registry_fail(struct registry_error *e, int err, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * The STORE_DB_INSTANCES key name "\0" id into key (REG_KEY_MAX octets,
 * NUL-terminated, the NUL not counted); with id NULL the prefix of all the
 * service's keys. Returns the key length.
 */
size_t registry_instance_key(const char *name, const char *id, char *key);

/* registry_check.c */

/*
 * "web", "/web" and "//web" all name the service "/web": its name into name
 * (REG_NAME_MAX octets) and its DNS label into label (DNS_LABEL_MAX + 1).
 * ST_EINVAL with e filled when there is none.
 */
int registry_check_service_name(const char *in, char *name, char *label,
    struct registry_error *e);
/* 1 when id is a valid instance id, else 0. */
int registry_check_id(const char *id);
/*
 * The stored form of a valid body of an instance of the service with DNS
 * label label, without timestamps, into *out (caller owns). url_id (may be
 * NULL) is the id named by the URL. ST_EINVAL with e filled; ST_ENOMEM.
 */
int registry_check_instance(const struct registry *r, const char *label,
    const char *url_id, json_t *body, json_t **out, struct registry_error *e);

/* registry_dns.c */

/* L-S, the first label of an instance's own name (DNS_LABEL_MAX + 1 octets). */
void registry_dns_instance_label(const char *label, const char *id,
    char *out);
/*
 * Recompute every name of service `name` from its stored instances, clear
 * the names it published before and no longer does, and record the new
 * list in the service record. On error the transaction is failed.
 */
int registry_dns_publish(struct store_txn *txn, const struct registry *r,
    const char *name);
/*
 * Claim a first label for owner (a service name, or name "\0" id).
 * ST_ECONFLICT with e filled (for field) when another owner holds it.
 */
int registry_dns_claim(struct store_txn *txn, const struct registry *r,
    const char *label, const char *owner, size_t olen, const char *field,
    struct registry_error *e);
/* Drop the claim of label if owner holds it. */
int registry_dns_release(struct store_txn *txn, const char *label,
    const char *owner, size_t olen);

#endif
