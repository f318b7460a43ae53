/*
 * registry.h -- services and their instances, and the DNS names they give.
 *
 * A service is named by an app id ("/prod/web" or "web"); its DNS label is
 * dns_label_from_app_id() of the name and must be unique. Each instance is
 * stored as JSON in STORE_DB_INSTANCES; every change rewrites, in the same
 * write transaction, the DNS nodes of the service (origin DNS_ORIGIN_REGISTRY),
 * bumps the <framework>.<domain> SOA serial and the registry index. So a
 * change is visible in DNS exactly when it commits.
 *
 * Names published for service label L in zone Z = <framework>.<domain>:
 *   L.Z            A/AAAA of served instances (an address once, weights summed)
 *   L-S.Z          A/AAAA of one instance, S its short id
 *   _L._tcp.Z      SRV 0 <weight> <port> L-S.Z for every tcp port (_udp alike)
 *   _N._L._tcp.Z   SRV for ports named N
 * An instance is served when its health is "healthy" or "none".
 * The short id S is the sanitized instance id when it is at most 16 octets,
 * else 8 hex digits of its FNV-1a hash; L-S is cut to 63 octets.
 *
 * All functions run on the writer thread (the main event loop).
 */
#ifndef STADION_STORE_REGISTRY_H
#define STADION_STORE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;
struct store_txn;
struct registry;

struct registry_params {
	const char *domain;	/* "mesos" */
	const char *framework;	/* "marathon" */
	uint32_t ttl;		/* TTL of the published records */
};

/* Why a request was refused: the JSON field and a sentence. */
struct registry_error {
	char field[128];	/* e.g. "/ports/0/port", "" when not a field */
	char message[256];
};

enum registry_mode {
	REGISTRY_CREATE,	/* POST: ST_EEXIST if the id is registered */
	REGISTRY_REPLACE,	/* PUT: create or replace */
};

/* Callback after every committed change, with the new index. */
typedef void (*registry_change_fn)(uint64_t index, void *arg);

/* *out is owned by the caller (registry_free). ST_EINVAL for bad params. */
int registry_new(struct store *st, const struct registry_params *p,
    struct registry **out);
void registry_free(struct registry *r);
void registry_on_change(struct registry *r, registry_change_fn fn, void *arg);

/*
 * Register or update an instance of service from its JSON body:
 *   {"id": str, "address": IPv4|IPv6, "ports": [{"port": 1-65535,
 *    "name": str, "protocol": "tcp"|"udp"}], "weight": 0-65535 (default 1),
 *    "tags": [str], "metadata": {str: str}, "health": "none"|"healthy"|
 *    "unhealthy"|"starting"|"standby" (default "none")}
 * ("standby": healthy but held back, e.g. the new set of a blue-green
 * deployment before its switch).
 * id (may be NULL) is the id named by the URL; when given, a body id must
 * equal it. Returns ST_OK with *out (optional, caller owns) the stored
 * instance; ST_EINVAL with e filled for a bad body (nothing stored);
 * ST_EEXIST (CREATE of a registered id); ST_ECONFLICT when the service's label
 * or the instance's short id is taken (e says by whom); store errors.
 */
int registry_instance_put(struct registry *r, const char *service,
    const char *id, const json_t *body, enum registry_mode mode, json_t **out,
    struct registry_error *e);

/* ST_ENOTFOUND if absent. Removing the last instance keeps the service. */
int registry_instance_delete(struct registry *r, const char *service,
    const char *id);
/* Remove a service with all its instances and names. ST_ENOTFOUND if absent. */
int registry_service_delete(struct registry *r, const char *service);

/*
 * Read views (new JSON, owned by the caller) and the index they were read at.
 * services: [{"name","label","instances": count, "dns": name}]
 * service:  {"name","label","dns","instances":[instance...]}
 * instances: [instance...]
 * ST_ENOTFOUND for an unknown service.
 */
int registry_services_json(struct registry *r, json_t **out, uint64_t *index);
int registry_service_json(struct registry *r, const char *service,
    json_t **out, uint64_t *index);
int registry_instances_json(struct registry *r, const char *service,
    json_t **out, uint64_t *index);

/*
 * The same changes inside a write transaction of the caller's, so that
 * other records (the orchestrator's tasks) change in the same commit as
 * the names. registry_txn_put stores body (see registry_instance_put) in
 * REPLACE mode; registry_txn_delete removes instance id of service, or the
 * whole service when id is NULL; an absent one is not an error. Errors as
 * above; the transaction is then to be aborted. After the transaction
 * ended, registry_txn_end(r, committed) tells the watchers of a committed
 * change (and forgets the change of an aborted one).
 */
int registry_txn_put(struct registry *r, struct store_txn *txn,
    const char *service, const json_t *body, struct registry_error *e);
int registry_txn_delete(struct registry *r, struct store_txn *txn,
    const char *service, const char *id);
void registry_txn_end(struct registry *r, int committed);

/* The index of the last committed change (0 for a new store). */
uint64_t registry_index(const struct registry *r);

#endif
