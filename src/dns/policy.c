/*
 * policy.c -- the update policy: parsing the rules and matching a change.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "dns/pkt.h"
#include "dns/policy.h"
#include "util/error.h"

static const struct {
	const char *text;
	enum dns_policy_match match;
} policy_matches[] = {
	{ "subdomain", DNS_POLICY_SUBDOMAIN },
	{ "name", DNS_POLICY_NAME },
	{ "wildcard", DNS_POLICY_WILDCARD },
	{ "self", DNS_POLICY_SELF },
	{ "zone", DNS_POLICY_ZONE },
};

/* 1 if name is parent or below it. */
static int
policy_under(const uint8_t *name, const uint8_t *parent)
{
	int nl = dns_name_labels(name), pl = dns_name_labels(parent);

	return nl >= pl && dns_name_equal(dns_name_parent(name, nl - pl),
	    parent);
}

static int
policy_err(char *err, size_t errlen, size_t i, const char *why)
{
	snprintf(err, errlen, "update_policy[%zu]: %s", i, why);
	return ST_ECONFIG;
}

/* A name member of a rule (dflt when absent). */
static int
policy_name(const json_t *rule, const char *member, const char *dflt,
    uint8_t *out)
{
	const json_t *v = json_object_get(rule, member);
	const char *text = dflt;
	size_t len;

	if (v != NULL && !json_is_string(v))
		return ST_EINVAL;
	if (v != NULL)
		text = json_string_value(v);
	if (text == NULL)
		return ST_EINVAL;
	return dns_name_from_text(text, out, &len);
}

static int
policy_types(struct dns_policy_rule *r, const json_t *types)
{
	const json_t *t;
	size_t i;

	if (types == NULL)
		return ST_OK;
	if (!json_is_array(types) || json_array_size(types) == 0 ||
	    json_array_size(types) > DNS_POLICY_TYPES_MAX)
		return ST_EINVAL;
	json_array_foreach(types, i, t) {
		ldns_rr_type type;

		if (!json_is_string(t))
			return ST_EINVAL;
		type = ldns_get_rr_type_by_name(json_string_value(t));
		if (type == 0)
			return ST_EINVAL;
		r->types[r->ntypes++] = (uint16_t)type;
	}
	return ST_OK;
}

static int
policy_rule(struct dns_policy_rule *r, const json_t *rule, size_t i,
    char *err, size_t errlen)
{
	const json_t *m = json_object_get(rule, "match");
	const json_t *reg = json_object_get(rule, "registry");
	const char *zone, *mtext = "subdomain";
	size_t k;

	if (!json_is_object(rule))
		return policy_err(err, errlen, i, "expected an object");
	zone = json_string_value(json_object_get(rule, "zone"));
	if (zone == NULL || policy_name(rule, "zone", NULL, r->zone) != ST_OK)
		return policy_err(err, errlen, i, "'zone' must name a zone");
	if (policy_name(rule, "key", ".", r->key) != ST_OK)
		return policy_err(err, errlen, i, "bad 'key' name");
	if (m != NULL && (mtext = json_string_value(m)) == NULL)
		return policy_err(err, errlen, i, "'match' must be a string");
	for (k = 0; k < sizeof(policy_matches) / sizeof(policy_matches[0]);
	    k++)
		if (strcmp(mtext, policy_matches[k].text) == 0)
			break;
	if (k == sizeof(policy_matches) / sizeof(policy_matches[0]))
		return policy_err(err, errlen, i, "'match' must be subdomain, "
		    "name, wildcard, self or zone");
	r->match = policy_matches[k].match;
	if (policy_name(rule, "name", zone, r->name) != ST_OK)
		return policy_err(err, errlen, i, "bad 'name'");
	if (r->match == DNS_POLICY_WILDCARD) {
		if (r->name[0] != 1 || r->name[1] != '*')
			return policy_err(err, errlen, i, "a wildcard 'name' "
			    "starts with '*.'");
		memmove(r->name, r->name + 2, DNS_NAME_MAX - 2);
	}
	if (r->match != DNS_POLICY_SELF && r->match != DNS_POLICY_ZONE &&
	    !policy_under(r->name, r->zone))
		return policy_err(err, errlen, i, "'name' is outside 'zone'");
	if (policy_types(r, json_object_get(rule, "types")) != ST_OK)
		return policy_err(err, errlen, i, "'types' must be an array "
		    "of 1 to 16 record type names");
	if (reg != NULL && !json_is_boolean(reg))
		return policy_err(err, errlen, i, "'registry' must be true or "
		    "false");
	r->registry = json_is_true(reg);
	return ST_OK;
}

int
dns_policy_parse(struct dns_policy *p, const json_t *rules, char *err,
    size_t errlen)
{
	const json_t *rule;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	if (rules == NULL)
		return ST_OK;
	if (!json_is_array(rules)) {
		snprintf(err, errlen, "update_policy: expected an array");
		return ST_ECONFIG;
	}
	if (json_array_size(rules) == 0)
		return ST_OK;
	if ((p->rules = calloc(json_array_size(rules),
	    sizeof(*p->rules))) == NULL)
		return ST_ENOMEM;
	json_array_foreach(rules, i, rule) {
		const char *key;
		json_t *v;

		json_object_foreach((json_t *)rule, key, v) {
			if (strcmp(key, "zone") && strcmp(key, "key") &&
			    strcmp(key, "match") && strcmp(key, "name") &&
			    strcmp(key, "types") && strcmp(key, "registry")) {
				snprintf(err, errlen, "update_policy[%zu]: "
				    "unknown key '%s'", i, key);
				return ST_ECONFIG;
			}
		}
		if ((rc = policy_rule(&p->rules[i], rule, i, err,
		    errlen)) != ST_OK)
			return rc;
		p->n++;
	}
	return ST_OK;
}

void
dns_policy_deinit(struct dns_policy *p)
{
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

int
dns_policy_has_zone(const struct dns_policy *p, const uint8_t *zone)
{
	for (size_t i = 0; i < p->n; i++)
		if (dns_name_equal(p->rules[i].zone, zone))
			return 1;
	return 0;
}

static int
policy_rule_allows(const struct dns_policy_rule *r, const uint8_t *zone,
    const uint8_t *key, const uint8_t *name, uint16_t type, int owned)
{
	int ok = 0;

	if (!dns_name_equal(r->zone, zone) ||
	    (r->key[0] != 0 && !dns_name_equal(r->key, key)) ||
	    (owned && !r->registry))
		return 0;
	switch (r->match) {
	case DNS_POLICY_SUBDOMAIN:
		ok = policy_under(name, r->name);
		break;
	case DNS_POLICY_NAME:
		ok = dns_name_equal(name, r->name);
		break;
	case DNS_POLICY_WILDCARD:
		ok = policy_under(name, r->name) &&
		    !dns_name_equal(name, r->name);
		break;
	case DNS_POLICY_SELF:
		ok = dns_name_equal(name, key);
		break;
	case DNS_POLICY_ZONE:
		ok = 1;
		break;
	}
	if (!ok)
		return 0;
	if (r->ntypes == 0)
		return 1;
	for (size_t i = 0; i < r->ntypes; i++)
		if (r->types[i] == type)
			return 1;
	return 0;
}

int
dns_policy_allows(const struct dns_policy *p, const uint8_t *zone,
    const uint8_t *key, const uint8_t *name, uint16_t type, int owned)
{
	if (!dns_policy_has_zone(p, zone))
		return !owned;
	for (size_t i = 0; i < p->n; i++)
		if (policy_rule_allows(&p->rules[i], zone, key, name, type,
		    owned))
			return 1;
	return 0;
}
