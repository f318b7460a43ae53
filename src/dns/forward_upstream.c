/*
 * forward_upstream.c -- the upstream resolvers: from the configuration or
 * from resolv.conf, never stadiond itself.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "dns/forward.h"
#include "util/addr.h"
#include "util/error.h"

#define DNS_PORT 53

static void
upstream_set(struct dns_fwd_upstream *up, int af, const void *a,
    uint16_t port)
{
	memset(up, 0, sizeof(*up));
	if (af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&up->addr;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a, 4);
		up->len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&up->addr;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a, 16);
		up->len = sizeof(*s6);
	}
}

int
dns_fwd_upstream_parse(const char *text, struct dns_fwd_upstream *up)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		upstream_set(up, AF_INET, a, DNS_PORT);
	else if (inet_pton(AF_INET6, text, a) == 1)
		upstream_set(up, AF_INET6, a, DNS_PORT);
	else {
		memset(up, 0, sizeof(*up));
		return addr_parse(text, &up->addr, &up->len);
	}
	return ST_OK;
}

static uint16_t
upstream_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ?
	    ((const struct sockaddr_in *)ss)->sin_port :
	    ((const struct sockaddr_in6 *)ss)->sin6_port);
}

static const void *
upstream_inaddr(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET) {
		*len = 4;
		return &((const struct sockaddr_in *)ss)->sin_addr;
	}
	*len = 16;
	return &((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static int
upstream_same_host(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	size_t la, lb;
	const void *pa = upstream_inaddr(a, &la), *pb = upstream_inaddr(b, &lb);

	return a->ss_family == b->ss_family && memcmp(pa, pb, la) == 0;
}

/* Is the address of ss one of this host's (loopback included)? */
static int
upstream_is_local(const struct sockaddr_storage *ss)
{
	struct ifaddrs *ifs, *i;
	struct sockaddr_storage a;
	int found = 0;

	if (ss->ss_family == AF_INET &&
	    (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127)
		return 1;
	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr))
		return 1;
	if (getifaddrs(&ifs) == -1)
		return 0;
	for (i = ifs; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != ss->ss_family)
			continue;
		memset(&a, 0, sizeof(a));
		memcpy(&a, i->ifa_addr, ss->ss_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		found = upstream_same_host(&a, ss);
	}
	freeifaddrs(ifs);
	return found;
}

int
dns_fwd_upstream_is_own(const struct dns_fwd_upstream *up,
    const struct sockaddr_storage *own, size_t nown)
{
	for (size_t i = 0; i < nown; i++) {
		if (own[i].ss_family != up->addr.ss_family ||
		    upstream_port(&own[i]) != upstream_port(&up->addr))
			continue;
		if (upstream_same_host(&own[i], &up->addr))
			return 1;
		if (addr_is_wildcard(&own[i]) && upstream_is_local(&up->addr))
			return 1;
	}
	return 0;
}

int
dns_fwd_resolv_conf(const char *path, struct dns_fwd_upstream *up,
    size_t max, size_t *n)
{
	char line[512], word[64], addr[INET6_ADDRSTRLEN + 16], *pct;
	uint8_t a[16];
	unsigned scope;
	FILE *f;

	*n = 0;
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? ST_OK : ST_EIO;
	while (fgets(line, sizeof(line), f) != NULL && *n < max) {
		if (sscanf(line, " %63s %61s", word, addr) != 2 ||
		    strcmp(word, "nameserver") != 0)
			continue;
		scope = 0;
		/* A link-local address names its interface ("fe80::1%eth0"). */
		if ((pct = strchr(addr, '%')) != NULL) {
			*pct = '\0';
			if ((scope = if_nametoindex(pct + 1)) == 0)
				continue;
		}
		if (inet_pton(AF_INET, addr, a) == 1) {
			upstream_set(&up[*n], AF_INET, a, DNS_PORT);
		} else if (inet_pton(AF_INET6, addr, a) == 1) {
			upstream_set(&up[*n], AF_INET6, a, DNS_PORT);
			((struct sockaddr_in6 *)&up[*n].addr)->sin6_scope_id =
			    scope;
		} else {
			continue;
		}
		(*n)++;
	}
	if (ferror(f)) {
		fclose(f);
		return ST_EIO;
	}
	fclose(f);
	return ST_OK;
}

void
dns_fwd_upstream_text(const struct dns_fwd_upstream *up, char *out,
    size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (addr_host(&up->addr, host, sizeof(host)) != ST_OK)
		host[0] = '\0';
	snprintf(out, size, up->addr.ss_family == AF_INET6 ? "[%s]:%u" :
	    "%s:%u", host, upstream_port(&up->addr));
}
