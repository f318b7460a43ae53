/*
 * update.h -- dynamic update (RFC 2136) signed with TSIG (RFC 8945).
 *
 * DNS worker threads hand an UPDATE to the main loop (update_queue.c and
 * server.c), where dns_update_answer checks its signature, the zone, the
 * prerequisites and the policy, then applies the changes with the SOA
 * serial bump in one LMDB write transaction, all or nothing, and builds the
 * signed answer. Records written by updates carry DNS_ORIGIN_UPDATE: the
 * registry and zone file reloads leave them alone, and an update changes
 * no one else's records (deleting those is a no-op, as a reload or the
 * registry would bring them back).
 */
#ifndef STADION_DNS_UPDATE_H
#define STADION_DNS_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

struct conf;
struct store;
struct dns_tsig_keyring;
struct dns_policy;

#define DNS_OPCODE_UPDATE 5
#define DNS_CLASS_NONE 254	/* RFC 2136 2.4 */

/* The RFC 2136 rcodes beyond RFC 1035's. */
enum {
	DNS_RCODE_YXDOMAIN = 6,
	DNS_RCODE_YXRRSET = 7,
	DNS_RCODE_NXRRSET = 8,
	DNS_RCODE_NOTZONE = 10,
};

struct dns_update_conf {
	struct store *store;
	const struct dns_tsig_keyring *keys;
	const struct dns_policy *policy;
	/* The orchestrator's zone (wire), whose app labels it owns. */
	uint8_t regzone[DNS_NAME_MAX];
};

/* 1 if the message msg (len octets) is an UPDATE request. */
int dns_update_is_update(const uint8_t *msg, size_t len);

/*
 * Process the UPDATE request msg at time now (seconds since the epoch) and
 * write its answer into out (cap octets; 1024 always suffice). Returns the
 * answer's length, 0 when nothing must be sent (a response, or shorter than
 * a header). On the writer thread only.
 */
size_t dns_update_answer(const struct dns_update_conf *c, const uint8_t *msg,
    size_t len, uint64_t now, uint8_t *out, size_t cap);

/*
 * Add to kr the keys the configuration names: the BIND key files of
 * tsig_keyfile, then the objects of tsig_keys ({"name", "algorithm"
 * (default hmac-sha256), "secret"}). ST_ECONFIG (or ST_EIO, ST_ENOMEM)
 * with "FILE:LINE: why" or "tsig_keys[I]: why" in err.
 */
int dns_update_conf_keys(struct dns_tsig_keyring *kr, const struct conf *c,
    char *err, size_t errlen);

#endif
