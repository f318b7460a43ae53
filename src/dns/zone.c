/*
 * zone.c -- zone records, built-in SOA/NS and serial arithmetic.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/journal.h"
#include "dns/name.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "util/wire.h"

int
dns_serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000U;
}

int
dns_zone_find(struct store_txn *txn, const uint8_t *qkey, size_t qkeylen,
    size_t *zkeylen, uint8_t *flags)
{
	size_t len = qkeylen;
	const void *val;
	size_t vlen;
	int err;

	/* Try the name itself, then each ancestor, down to the root. */
	for (;;) {
		err = store_get(txn, STORE_DB_ZONES, qkey, len, &val, &vlen);
		if (err == ST_OK) {
			*zkeylen = len;
			*flags = vlen ? *(const uint8_t *)val : 0;
			return ST_OK;
		}
		if (err != ST_ENOTFOUND)
			return err;
		if (len == 0)
			return ST_ENOTFOUND;
		len--;	/* step over the label's terminating 0 */
		while (len > 0 && qkey[len - 1] != 0)
			len--;
	}
}

static int
zone_key(const uint8_t *apex, size_t len, uint8_t *key, size_t *klen)
{
	return dns_name_to_key(apex, len, key, klen);
}

/*
 * A zone that comes or goes changes what the zones around it hold: tell
 * the journal when the zone at key exists as `was` says before the change.
 */
static int
zone_journal_exists(struct store_txn *txn, const uint8_t *key, size_t klen,
    int was)
{
	const void *val;
	size_t vlen;
	int err;

	err = store_get(txn, STORE_DB_ZONES, key, klen, &val, &vlen);
	if (err != ST_OK && err != ST_ENOTFOUND) {
		store_txn_fail(txn, err);
		return err;
	}
	if ((err == ST_OK) != was)
		return ST_OK;
	return dns_journal_zone(txn, key, klen);
}

int
dns_zone_add(struct store_txn *txn, const uint8_t *apex, size_t len,
    uint8_t flags)
{
	uint8_t key[DNS_KEY_MAX];
	size_t klen;
	int err;

	if ((err = zone_key(apex, len, key, &klen)) != ST_OK) {
		store_txn_fail(txn, err);
		return err;
	}
	if ((err = zone_journal_exists(txn, key, klen, 0)) != ST_OK)
		return err;
	return store_put(txn, STORE_DB_ZONES, key, klen, &flags, 1);
}

int
dns_zone_remove(struct store_txn *txn, const uint8_t *apex, size_t len)
{
	uint8_t key[DNS_KEY_MAX];
	size_t klen;
	int err;

	if ((err = zone_key(apex, len, key, &klen)) != ST_OK) {
		store_txn_fail(txn, err);
		return err;
	}
	if ((err = zone_journal_exists(txn, key, klen, 1)) != ST_OK)
		return err;
	return store_del(txn, STORE_DB_ZONES, key, klen);
}

/*
 * Find the SOA serial inside the apex node blob: its offset in the blob, so
 * it can be read or patched in a copy.
 */
static int
zone_soa_serial_at(const uint8_t *blob, size_t len, size_t *off)
{
	struct dns_node_iter it;
	struct dns_rrset set;
	struct dns_rr_iter ri;
	struct dns_rr rr;
	size_t p = 0, n1, n2;
	int rc;

	if (dns_node_iter_init(&it, blob, len) != ST_OK)
		return ST_EFORMAT;
	while ((rc = dns_node_iter_next(&it, &set)) == 1) {
		if (set.type != DNS_TYPE_SOA)
			continue;
		dns_rr_iter_init(&ri, &set);
		if (dns_rr_iter_next(&ri, &rr) != 1)
			return ST_EFORMAT;
		if (dns_name_wire_len(rr.rdata, rr.rdlen, &n1) != ST_OK ||
		    dns_name_wire_len(rr.rdata + n1, rr.rdlen - n1, &n2) != ST_OK)
			return ST_EFORMAT;
		p = n1 + n2;
		if (p + 20 > rr.rdlen)
			return ST_EFORMAT;
		*off = (size_t)(rr.rdata + p - blob);
		return ST_OK;
	}
	return rc < 0 ? ST_EFORMAT : ST_ENOTFOUND;
}

int
dns_zone_serial(struct store_txn *txn, const uint8_t *apex, size_t len,
    uint32_t *serial)
{
	uint8_t key[DNS_KEY_MAX];
	size_t klen, vlen, off;
	const void *val;
	int err;

	if ((err = zone_key(apex, len, key, &klen)) != ST_OK)
		return err;
	if ((err = store_get(txn, STORE_DB_NODES, key, klen, &val, &vlen)))
		return err;
	if ((err = zone_soa_serial_at(val, vlen, &off)) != ST_OK)
		return err;
	*serial = wire_rd32((const uint8_t *)val + off);
	return ST_OK;
}

int
dns_zone_bump_serial(struct store_txn *txn, const uint8_t *apex, size_t len,
    uint32_t *serial)
{
	uint8_t key[DNS_KEY_MAX];
	size_t klen, vlen, off;
	const void *val;
	uint8_t *copy;
	uint32_t s;
	int err;

	if ((err = zone_key(apex, len, key, &klen)) != ST_OK)
		goto fail;
	if ((err = store_get(txn, STORE_DB_NODES, key, klen, &val, &vlen)))
		goto fail;
	if ((err = zone_soa_serial_at(val, vlen, &off)) != ST_OK)
		goto fail;
	if ((copy = malloc(vlen)) == NULL) {
		err = ST_ENOMEM;
		goto fail;
	}
	memcpy(copy, val, vlen);
	/* RFC 1982: adding one always moves forward, 0 included. */
	s = wire_rd32(copy + off) + 1;
	wire_wr32(copy + off, s);
	err = dns_journal_node(txn, key, klen, val, vlen, copy, vlen);
	if (err == ST_OK)
		err = store_put(txn, STORE_DB_NODES, key, klen, copy, vlen);
	free(copy);
	if (err == ST_OK && serial)
		*serial = s;
	return err;
fail:
	store_txn_fail(txn, err);
	return err;
}

int
dns_zone_write_soa(struct store_txn *txn, const uint8_t *apex, size_t len,
    const struct dns_soa_params *p, uint32_t serial)
{
	uint8_t key[DNS_KEY_MAX], rdata[2 * DNS_NAME_MAX + 20];
	struct dns_node_edit e;
	uint32_t stored;
	size_t klen, o;
	int err;

	if ((err = zone_key(apex, len, key, &klen)) != ST_OK) {
		store_txn_fail(txn, err);
		return err;
	}
	if (dns_zone_serial(txn, apex, len, &stored) == ST_OK &&
	    dns_serial_gt(stored, serial))
		serial = stored;
	memcpy(rdata, p->mname, p->mname_len);
	o = p->mname_len;
	memcpy(rdata + o, p->rname, p->rname_len);
	o += p->rname_len;
	wire_wr32(rdata + o, serial);
	wire_wr32(rdata + o + 4, p->refresh);
	wire_wr32(rdata + o + 8, p->retry);
	wire_wr32(rdata + o + 12, p->expire);
	wire_wr32(rdata + o + 16, p->minimum);
	o += 20;

	dns_node_edit_init(&e, DNS_ORIGIN_APEX);
	dns_node_edit_rrset(&e, DNS_TYPE_SOA, p->ttl);
	dns_node_edit_rr(&e, 1, rdata, (uint16_t)o);
	dns_node_edit_rrset(&e, DNS_TYPE_NS, p->ttl);
	dns_node_edit_rr(&e, 1, p->mname, (uint16_t)p->mname_len);
	err = dns_node_edit_commit(&e, txn, key, klen);
	dns_node_edit_deinit(&e);
	return err;
}
