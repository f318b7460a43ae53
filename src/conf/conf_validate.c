/*
 * conf_validate.c -- the checks of values against each other, once the
 * defaults, the file and the flags are in (conf_validate).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conf/conf.h"
#include "conf/conf_int.h"
#include "dns/acl.h"
#include "dns/forward.h"
#include "dns/policy.h"
#include "dns/tsig.h"
#include "dns/update.h"
#include "util/acl.h"
#include "util/error.h"

/* Labels of 1-63 characters [A-Za-z0-9_-], at most 253 in all; a final
 * dot (absolute name) only where fqdn_ok. */
static int
conf_name_ok(const char *s, int fqdn_ok)
{
	size_t len = strlen(s), label = 0;

	if (fqdn_ok && len > 1 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_') || ++label > 63) {
			return 0;
		}
	}
	return label > 0;
}

static int
conf_ip_ok(const char *s)
{
	struct in6_addr a;

	return inet_pton(AF_INET, s, &a) == 1 ||
	    inet_pton(AF_INET6, s, &a) == 1;
}

/* "A.B.C.D:PORT" or "[V6]:PORT", port 1-65535. */
static int
conf_addr_port_ok(const char *s)
{
	char host[INET6_ADDRSTRLEN];
	struct in6_addr a;
	const char *h = s, *colon;
	size_t hlen;
	uint64_t port;
	int af = AF_INET;

	if (*s == '[') {
		h = s + 1;
		colon = strchr(h, ']');
		if (colon == NULL || *++colon != ':')
			return 0;
		hlen = (size_t)(colon - 1 - h);
		af = AF_INET6;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return 0;
		hlen = (size_t)(colon - h);
	}
	if (hlen >= sizeof(host))
		return 0;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return inet_pton(af, host, &a) == 1 &&
	    conf_parse_uint(colon + 1, 1, 65535, &port) == ST_OK;
}

/* The update keys load and the update policy parses. */
static int
conf_update_ok(const struct conf *c, char *err, size_t errlen)
{
	struct dns_tsig_keyring kr;
	struct dns_policy p;
	int rc;

	dns_tsig_keyring_init(&kr);
	rc = dns_update_conf_keys(&kr, c, err, errlen);
	dns_tsig_keyring_deinit(&kr);
	if (rc != ST_OK)
		return rc;
	rc = dns_policy_parse(&p, c->update_policy, err, errlen);
	dns_policy_deinit(&p);
	return rc;
}

/* allow_transfer's items and notify's targets. */
static int
conf_transfer_ok(const struct conf *c, char *err, size_t errlen)
{
	struct dns_acl a;
	size_t bad = 0;
	int rc;

	rc = dns_acl_init(&a, c->allow_transfer, c->n_allow_transfer, &bad);
	if (rc == ST_EINVAL)
		return conf_err(err, errlen, "key 'allow_transfer': '%s' is "
		    "neither ADDR[/PREFIX] nor a TSIG key name",
		    c->allow_transfer[bad]);
	if (rc != ST_OK)
		return rc;
	dns_acl_deinit(&a);
	for (size_t i = 0; i < c->n_notify; i++) {
		if (!conf_addr_port_ok(c->notify[i]))
			return conf_err(err, errlen, "key 'notify': '%s' is not "
			    "ADDR:PORT", c->notify[i]);
	}
	return ST_OK;
}

int
conf_validate(const struct conf *c, char *err, size_t errlen)
{
	int rc;
	const struct {
		const char *key, *val;
		int fqdn_ok;
	} names[] = {
		{ "domain", c->domain, 0 },
		{ "framework", c->framework, 0 },
		{ "soa_mname", c->soa_mname, 1 },	/* NULL: derived */
		{ "soa_rname", c->soa_rname, 1 },
	};
	const struct {
		const char *key;
		char *const *items;
		size_t n;
	} acls[] = {
		{ "recursion_allow", c->recursion_allow, c->n_recursion_allow },
		{ "rrl_exempt", c->rrl_exempt, c->n_rrl_exempt },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].val != NULL &&
		    !conf_name_ok(names[i].val, names[i].fqdn_ok))
			return conf_err(err, errlen,
			    "key '%s': '%s' is not a valid DNS name",
			    names[i].key, names[i].val);
	}
	if (c->state_dir[0] == '\0')
		return conf_err(err, errlen, "key 'state_dir': is empty");
	if (c->zones_dir[0] == '\0')
		return conf_err(err, errlen, "key 'zones_dir': is empty");
	if (c->n_dns_listen == 0)
		return conf_err(err, errlen,
		    "key 'dns_listen': needs at least one address");
	for (size_t i = 0; i < c->n_dns_listen; i++) {
		if (!conf_addr_port_ok(c->dns_listen[i]))
			return conf_err(err, errlen,
			    "key 'dns_listen': '%s' is not ADDR:PORT",
			    c->dns_listen[i]);
	}
	if (!conf_addr_port_ok(c->http_listen))
		return conf_err(err, errlen,
		    "key 'http_listen': '%s' is not ADDR:PORT", c->http_listen);
	for (size_t i = 0; i < c->n_alert_webhook; i++) {
		if (strncmp(c->alert_webhook[i], "http://", 7) != 0 &&
		    strncmp(c->alert_webhook[i], "https://", 8) != 0)
			return conf_err(err, errlen, "key 'alert_webhook': '%s' "
			    "is not an http:// or https:// URL",
			    c->alert_webhook[i]);
	}
	if (c->port_range_min > c->port_range_max)
		return conf_err(err, errlen, "key 'port_range_min': %u is above "
		    "port_range_max %u", c->port_range_min, c->port_range_max);
	if (strncmp(c->docker_endpoint, "unix://", 7) != 0 &&
	    strncmp(c->docker_endpoint, "tcp://", 6) != 0)
		return conf_err(err, errlen, "key 'docker_endpoint': '%s' is "
		    "not unix://PATH or tcp://HOST:PORT", c->docker_endpoint);
	if ((c->docker_tls_cert == NULL) != (c->docker_tls_key == NULL))
		return conf_err(err, errlen, "key 'docker_tls_cert': needs "
		    "docker_tls_key, and the other way round");
	if (c->n_forwarder > DNS_FWD_UPSTREAMS_MAX)
		return conf_err(err, errlen, "key 'forwarder': more than %d "
		    "upstreams", DNS_FWD_UPSTREAMS_MAX);
	for (size_t i = 0; i < c->n_forwarder; i++) {
		if (!conf_ip_ok(c->forwarder[i]) &&
		    !conf_addr_port_ok(c->forwarder[i]))
			return conf_err(err, errlen, "key 'forwarder': '%s' is "
			    "not ADDR or ADDR:PORT", c->forwarder[i]);
	}
	for (size_t i = 0; i < sizeof(acls) / sizeof(acls[0]); i++) {
		struct acl a;
		size_t bad = 0;

		rc = acl_init(&a, acls[i].items, acls[i].n, &bad);
		if (rc == ST_EINVAL)
			return conf_err(err, errlen, "key '%s': '%s' is not "
			    "NET/BITS, ADDR, any or none", acls[i].key,
			    acls[i].items[bad]);
		if (rc != ST_OK)
			return rc;
		acl_deinit(&a);
	}
	if ((rc = conf_transfer_ok(c, err, errlen)) != ST_OK)
		return rc;
	if (c->address != NULL && !conf_ip_ok(c->address))
		return conf_err(err, errlen,
		    "key 'address': '%s' is not an IPv4 or IPv6 address",
		    c->address);
	return conf_update_ok(c, err, errlen);
}
