/*
 * acl.c -- client address lists.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/acl.h"
#include "util/error.h"

/* Parse "ADDR" or "ADDR/BITS" into net. */
static int
acl_parse_net(const char *text, struct acl_net *net)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max, bits = 0;

	if (hlen == 0 || hlen >= sizeof(host))
		return ST_EINVAL;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, host, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, net->addr) == 1) {
		net->family = AF_INET6;
		max = 128;
	} else {
		return ST_EINVAL;
	}
	if (slash == NULL) {
		net->bits = max;
		return ST_OK;
	}
	if (slash[1] == '\0')
		return ST_EINVAL;
	for (const char *p = slash + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || (bits = bits * 10 +
		    (unsigned)(*p - '0')) > max)
			return ST_EINVAL;
	}
	net->bits = bits;
	/* Host bits below the prefix are a typo more often than not. */
	for (unsigned i = bits; i < max; i++)
		if (net->addr[i / 8] & (0x80 >> (i % 8)))
			return ST_EINVAL;
	return ST_OK;
}

static int
acl_push(struct acl *a, const struct acl_net *net)
{
	struct acl_net *nn;

	if ((nn = realloc(a->nets, (a->n + 1) * sizeof(*nn))) == NULL)
		return ST_ENOMEM;
	nn[a->n++] = *net;
	a->nets = nn;
	return ST_OK;
}

int
acl_init(struct acl *a, char *const *items, size_t n, size_t *bad)
{
	static const struct acl_net any4 = { AF_INET, { 0 }, 0 };
	static const struct acl_net any6 = { AF_INET6, { 0 }, 0 };
	struct acl_net net;
	int err = ST_OK;

	a->nets = NULL;
	a->n = 0;
	for (size_t i = 0; i < n && err == ST_OK; i++) {
		*bad = i;
		if (strcmp(items[i], "none") == 0)
			continue;
		if (strcmp(items[i], "any") == 0) {
			if ((err = acl_push(a, &any4)) == ST_OK)
				err = acl_push(a, &any6);
		} else if ((err = acl_parse_net(items[i], &net)) == ST_OK) {
			err = acl_push(a, &net);
		}
	}
	if (err != ST_OK)
		acl_deinit(a);
	return err;
}

void
acl_deinit(struct acl *a)
{
	free(a->nets);
	a->nets = NULL;
	a->n = 0;
}

static int
acl_in_net(const struct acl_net *net, const uint8_t *addr)
{
	unsigned whole = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->addr, addr, whole) != 0)
		return 0;
	return rest == 0 ||
	    ((net->addr[whole] ^ addr[whole]) & (0xff00 >> rest)) == 0;
}

int
acl_match(const struct acl *a, const struct sockaddr *sa)
{
	const uint8_t *addr;

	if (sa->sa_family == AF_INET)
		addr = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		addr = ((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr.s6_addr;
	else
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->nets[i].family == sa->sa_family &&
		    acl_in_net(&a->nets[i], addr))
			return 1;
	return 0;
}

void
acl_net_text(const struct acl_net *net, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (inet_ntop(net->family, net->addr, host, sizeof(host)) == NULL)
		host[0] = '\0';
	snprintf(out, size, "%s/%u", host, net->bits);
}
