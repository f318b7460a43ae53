/*
 * update_int.h -- what the parts of the update processor share: the
 * request's records, the state of one update, and the set of names it edits
 * (update_apply.c).
 */
#ifndef STADION_DNS_UPDATE_INT_H
#define STADION_DNS_UPDATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/update.h"

struct store_txn;

/* Largest rdata once the names in it are expanded. */
#define UPD_RDATA_MAX 65535

/* One RR of the prerequisite or update section. */
struct upd_rr {
	uint8_t name[DNS_NAME_MAX];
	uint8_t key[DNS_KEY_MAX];
	size_t klen;
	uint16_t type, class;
	uint32_t ttl;
	size_t rdata;		/* offset in the message */
	uint16_t rdlen;
};

/* One RR an update writes (DNS_ORIGIN_UPDATE), names in rdata expanded. */
struct upd_wrr {
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata;
};

/* A name the update edits: its DNS_ORIGIN_UPDATE RRs as they become. */
struct upd_node {
	uint8_t key[DNS_KEY_MAX];
	size_t klen;
	struct upd_wrr *rrs;
	size_t n, cap;
	int dirty;
};

struct upd {
	const struct dns_update_conf *c;
	const uint8_t *msg;
	size_t len;
	uint8_t zone[DNS_NAME_MAX];
	size_t zonelen;
	uint8_t zkey[DNS_KEY_MAX];
	size_t zkeylen;
	const uint8_t *keyname;	/* wire, of the verified key */
	size_t keynamelen;
	int sign;		/* the TSIG parsed: the answer carries one */
	struct upd_rr *pr, *up;
	size_t npr, nup;
	int rcode;		/* the verdict; DNS_RCODE_NOERROR when applied */
	const char *why;	/* for the log, with a refusal */
	struct upd_node *nodes;
	size_t nnodes, capnodes;
	unsigned changes;
	uint32_t serial;
	uint8_t a[UPD_RDATA_MAX], b[UPD_RDATA_MAX], cmp[UPD_RDATA_MAX];
				/* scratch rdata */
};

/*
 * Expand rdata (rdlen octets at off in pkt, pktlen octets) of type into
 * out (UPD_RDATA_MAX octets): compressed names written out, lowercased if
 * lower (to compare RRs). ST_EFORMAT if it is malformed for its type.
 */
int upd_rdata(const uint8_t *pkt, size_t pktlen, size_t off, uint16_t rdlen,
    uint16_t type, int lower, uint8_t *out, size_t *outlen);

/*
 * 1 if the stored RR of type at key of an origin other than
 * DNS_ORIGIN_UPDATE has the rdata canon (lowercase names); with canon NULL,
 * 1 if any RR of type (DNS_TYPE_ANY: any type but CNAME) is there.
 * < 0 on a store error.
 */
int upd_other_has(struct upd *u, struct store_txn *txn, const uint8_t *key,
    size_t klen, uint16_t type, const uint8_t *canon, size_t clen);

/* Apply the update section (already checked) to the set of names. */
int upd_apply(struct upd *u, struct store_txn *txn);
/* Write the edited names into txn. */
int upd_commit(struct upd *u, struct store_txn *txn);
/* Forget the set of names (before a retry, and at the end). */
void upd_nodes_clear(struct upd *u);

#endif
