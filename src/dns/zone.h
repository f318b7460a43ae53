/*
 * zone.h -- the zones stadion is authoritative for, as stored in LMDB.
 *
 * STORE_DB_ZONES maps a zone's key (dns/name.h) to a zone record; the apex
 * node holds the SOA (and NS) RRsets. The built-in zones (<domain> and
 * <framework>.<domain>) have their SOA and NS written from the configuration
 * with origin DNS_ORIGIN_APEX; zone files bring their own.
 */
#ifndef STADION_DNS_ZONE_H
#define STADION_DNS_ZONE_H

#include <stddef.h>
#include <stdint.h>

struct store_txn;

enum dns_zone_flags {
	DNS_ZONE_BUILTIN = 0x01,	/* SOA/NS written from the configuration */
	DNS_ZONE_FILE = 0x02,		/* defined by a zone file */
};

/* SOA fields of the built-in zones (names in wire form). */
struct dns_soa_params {
	uint8_t mname[255];
	size_t mname_len;
	uint8_t rname[255];
	size_t rname_len;
	uint32_t refresh, retry, expire, minimum;
	uint32_t ttl;
};

/*
 * Find the zone that encloses the name whose key is qkey: the longest zone
 * key that prefixes it. *zkeylen receives the length of the zone's key (the
 * apex key is qkey[0..*zkeylen)), *flags its DNS_ZONE_* flags. ST_ENOTFOUND
 * when the name is in none of our zones.
 */
int dns_zone_find(struct store_txn *txn, const uint8_t *qkey, size_t qkeylen,
    size_t *zkeylen, uint8_t *flags);

/* Register a zone (or update its flags). */
int dns_zone_add(struct store_txn *txn, const uint8_t *apex, size_t len,
    uint8_t flags);
/* Forget a zone record (its nodes are left to the caller). */
int dns_zone_remove(struct store_txn *txn, const uint8_t *apex, size_t len);

/*
 * Write a built-in zone's SOA (keeping a stored serial if it is newer than
 * `serial`) and its NS RRset, which names the SOA's mname.
 */
int dns_zone_write_soa(struct store_txn *txn, const uint8_t *apex, size_t len,
    const struct dns_soa_params *p, uint32_t serial);

/*
 * Increase the SOA serial of the zone at apex by one (RFC 1982 arithmetic);
 * call in every write transaction that changes the zone. *serial (optional)
 * receives the new value. ST_ENOTFOUND if the zone has no SOA.
 */
int dns_zone_bump_serial(struct store_txn *txn, const uint8_t *apex,
    size_t len, uint32_t *serial);

/* Current serial of the zone at apex. */
int dns_zone_serial(struct store_txn *txn, const uint8_t *apex, size_t len,
    uint32_t *serial);

/* RFC 1982: 1 if serial a is greater than b. */
int dns_serial_gt(uint32_t a, uint32_t b);

#endif
