/*
 * acl.h -- who may transfer a zone: client networks and TSIG key names.
 *
 * An item is an address or network as util/acl.h reads it ("192.0.2.1",
 * "10.0.0.0/8", "fc00::/7", "any", "none") or the name of a TSIG key
 * ("xfr.example"). A request is allowed when its source address lies in a
 * listed network, or when it was signed with a listed key and the signature
 * verified (the caller checks that before asking). An empty list allows
 * nobody.
 */
#ifndef STADION_DNS_ACL_H
#define STADION_DNS_ACL_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "util/acl.h"

struct dns_acl {
	struct acl nets;
	uint8_t (*keys)[DNS_NAME_MAX];	/* wire names, lowercase */
	size_t nkeys;
};

/*
 * Build a from the items. An item with a colon or a slash, or of digits and
 * dots only, must be an address. ST_EINVAL names the first bad item through
 * *bad: such an item that is no address ("10.0.0.0/33", "10.1.0.0/8",
 * "1.2.3"), or another that is no domain name; ST_ENOMEM. a is empty on
 * error.
 */
int dns_acl_init(struct dns_acl *a, char *const *items, size_t n,
    size_t *bad);
void dns_acl_deinit(struct dns_acl *a);

/*
 * 1 if a request from peer (AF_INET or AF_INET6), signed with the key named
 * key (a wire name, any case; NULL: unsigned) is allowed; 0 if not.
 */
int dns_acl_allows(const struct dns_acl *a, const struct sockaddr *peer,
    const uint8_t *key);

#endif
