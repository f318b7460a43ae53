/*
 * acl.h -- client address lists: "10.0.0.0/8", "fc00::/7", "::1" (a host),
 * "any" and "none" (BIND's names for everything and nothing).
 */
#ifndef STADION_UTIL_ACL_H
#define STADION_UTIL_ACL_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct acl_net {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order, host bits zero */
	unsigned bits;		/* prefix length */
};

struct acl {
	struct acl_net *nets;
	size_t n;
};

/*
 * Build a from the items. ST_EINVAL names the first bad item through *bad
 * (an address that does not parse, a prefix too long, or host bits set
 * below the prefix, as in "10.1.0.0/8"); ST_ENOMEM. a is empty on error.
 */
int acl_init(struct acl *a, char *const *items, size_t n, size_t *bad);
void acl_deinit(struct acl *a);

/* 1 if the address of sa (AF_INET or AF_INET6) lies in a network of a. */
int acl_match(const struct acl *a, const struct sockaddr *sa);

/* net as "10.0.0.0/8" into out, for logs. */
void acl_net_text(const struct acl_net *net, char *out, size_t size);

#endif
