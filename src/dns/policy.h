/*
 * policy.h -- which TSIG key may change which names and types of a zone by
 * dynamic update (BIND's update-policy, Knot's ACL), from the configuration
 * key "update_policy".
 *
 * A zone with rules grants what some rule grants and nothing else; a zone
 * without rules lets any loaded key change any name and type. Either way a
 * name the orchestrator owns is granted only by a rule with "registry": true.
 */
#ifndef STADION_DNS_POLICY_H
#define STADION_DNS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dns/name.h"

enum dns_policy_match {
	DNS_POLICY_SUBDOMAIN,	/* the name or any name below it */
	DNS_POLICY_NAME,	/* exactly the name */
	DNS_POLICY_WILDCARD,	/* "*.x": any name strictly below x */
	DNS_POLICY_SELF,	/* the name that is the key's own name */
	DNS_POLICY_ZONE,	/* any name of the zone */
};

#define DNS_POLICY_TYPES_MAX 16

struct dns_policy_rule {
	uint8_t zone[DNS_NAME_MAX];	/* wire names, as written */
	uint8_t key[DNS_NAME_MAX];	/* key[0] == 0 (root): any key */
	uint8_t name[DNS_NAME_MAX];	/* for WILDCARD: the part below "*." */
	enum dns_policy_match match;
	uint16_t types[DNS_POLICY_TYPES_MAX];
	size_t ntypes;			/* 0: every type */
	int registry;			/* may touch the orchestrator's names */
};

struct dns_policy {
	struct dns_policy_rule *rules;
	size_t n;
};

/*
 * Parse the JSON array of rules (NULL or an empty array: no rules) into p
 * (no init needed; deinit it after use, on error too). Each rule is an
 * object: "zone" (required), "key" (default any), "match" ("subdomain",
 * "name", "wildcard", "self", "zone"; default "subdomain"), "name" (default
 * the zone; for "wildcard" it starts with "*."), "types" (type mnemonics;
 * default all), "registry" (default false). ST_ECONFIG with
 * "update_policy[I]: why" in err, ST_ENOMEM.
 */
int dns_policy_parse(struct dns_policy *p, const json_t *rules, char *err,
    size_t errlen);
void dns_policy_deinit(struct dns_policy *p);

/* 1 if some rule speaks of the zone whose apex is the wire name zone. */
int dns_policy_has_zone(const struct dns_policy *p, const uint8_t *zone);

/*
 * 1 if the key named key (wire) may change RRs of type at name (wire) in
 * zone, 0 if not. owned says the orchestrator owns the name.
 */
int dns_policy_allows(const struct dns_policy *p, const uint8_t *zone,
    const uint8_t *key, const uint8_t *name, uint16_t type, int owned);

#endif
