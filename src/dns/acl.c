/*
 * acl.c -- transfer access: networks from util/acl, and key names.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dns/acl.h"
#include "util/error.h"

/*
 * An item with a colon or a slash, or of digits and dots only, is meant as
 * an address: "10.0.0.0/33" is an error, not the name of a key.
 */
static int
dns_acl_is_address(const char *item)
{
	if (strcmp(item, "any") == 0 || strcmp(item, "none") == 0 ||
	    strpbrk(item, ":/") != NULL)
		return 1;
	return *item != '\0' && strspn(item, "0123456789.") == strlen(item);
}

static int
dns_acl_add_key(struct dns_acl *a, const char *item)
{
	uint8_t (*k)[DNS_NAME_MAX];
	uint8_t name[DNS_NAME_MAX];
	size_t len;

	if (*item == '\0' || dns_name_from_text(item, name, &len) != ST_OK)
		return ST_EINVAL;
	for (size_t i = 0; i < len; i++)
		name[i] = (uint8_t)tolower(name[i]);
	if ((k = realloc(a->keys, (a->nkeys + 1) * sizeof(*k))) == NULL)
		return ST_ENOMEM;
	a->keys = k;
	memcpy(a->keys[a->nkeys++], name, len);
	return ST_OK;
}

int
dns_acl_init(struct dns_acl *a, char *const *items, size_t n, size_t *bad)
{
	char **addrs;
	size_t naddrs = 0, *where, abad;
	int err = ST_OK;

	memset(a, 0, sizeof(*a));
	addrs = calloc(n ? n : 1, sizeof(*addrs));
	where = calloc(n ? n : 1, sizeof(*where));
	if (addrs == NULL || where == NULL) {
		err = ST_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && err == ST_OK; i++) {
		*bad = i;
		if (dns_acl_is_address(items[i])) {
			where[naddrs] = i;
			addrs[naddrs++] = items[i];
		} else {
			err = dns_acl_add_key(a, items[i]);
		}
	}
	if (err == ST_OK &&
	    (err = acl_init(&a->nets, addrs, naddrs, &abad)) == ST_EINVAL)
		*bad = where[abad];
out:
	free(addrs);
	free(where);
	if (err != ST_OK)
		dns_acl_deinit(a);
	return err;
}

void
dns_acl_deinit(struct dns_acl *a)
{
	acl_deinit(&a->nets);
	free(a->keys);
	a->keys = NULL;
	a->nkeys = 0;
}

int
dns_acl_allows(const struct dns_acl *a, const struct sockaddr *peer,
    const uint8_t *key)
{
	if (peer != NULL && acl_match(&a->nets, peer))
		return 1;
	for (size_t i = 0; key != NULL && i < a->nkeys; i++)
		if (dns_name_equal(a->keys[i], key))
			return 1;
	return 0;
}
