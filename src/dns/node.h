/*
 * node.h -- the pre-encoded records of one owner name, as stored in LMDB.
 *
 * A node blob holds RRsets; each RRset records which origin wrote it (zone
 * file, registry, dynamic update, or the zone apex built from the
 * configuration) so that a
 * writer can replace its own records at a name without touching the others'.
 * Every RR carries a weight used for answer ordering (SRV weight, A shuffle).
 *
 * Layout (network byte order):
 *   node  := u16 nsets, rrset*
 *   rrset := u16 type, u8 origin, u8 reserved, u32 ttl, u16 count, rr*
 *   rr    := u16 weight, u16 rdlen, rdata[rdlen]
 * rdata is uncompressed wire format with names in their original case.
 */
#ifndef STADION_DNS_NODE_H
#define STADION_DNS_NODE_H

#include <stddef.h>
#include <stdint.h>

struct store_txn;

enum dns_origin {
	DNS_ORIGIN_ZONEFILE = 0,
	DNS_ORIGIN_REGISTRY = 1,
	DNS_ORIGIN_APEX = 2,
	DNS_ORIGIN_UPDATE = 3,	/* written by a dynamic update (RFC 2136) */
};

/* A view of one RRset inside a blob. */
struct dns_rrset {
	uint16_t type;
	uint8_t origin;
	uint32_t ttl;
	uint16_t count;
	const uint8_t *rrs;	/* first rr */
	size_t rrs_len;		/* octets of all rrs */
};

/* A view of one RR inside an RRset. */
struct dns_rr {
	uint16_t weight;
	uint16_t rdlen;
	const uint8_t *rdata;
};

struct dns_node_iter {
	const uint8_t *p;
	const uint8_t *end;
	uint16_t left;
};

/* Start iterating the RRsets of a blob; ST_EFORMAT if the blob is corrupt. */
int dns_node_iter_init(struct dns_node_iter *it, const uint8_t *blob,
    size_t len);
/* Next RRset: 1 with *set filled, 0 at the end, ST_EFORMAT if corrupt. */
int dns_node_iter_next(struct dns_node_iter *it, struct dns_rrset *set);

/* Iterate the RRs of an RRset the same way. */
struct dns_rr_iter {
	const uint8_t *p;
	const uint8_t *end;
	uint16_t left;
};
void dns_rr_iter_init(struct dns_rr_iter *it, const struct dns_rrset *set);
int dns_rr_iter_next(struct dns_rr_iter *it, struct dns_rr *rr);

/*
 * Edit of one origin's RRsets at one name: collect the new RRsets, then
 * commit merges them with what other origins stored there (the origin's old
 * RRsets are dropped; an empty result deletes the node).
 */
struct dns_node_edit {
	uint8_t origin;
	uint8_t *buf;
	size_t len, cap;
	uint16_t nsets;
	size_t cur;		/* offset of the open rrset header, or SIZE_MAX */
	int err;		/* first error; add calls become no-ops */
};

void dns_node_edit_init(struct dns_node_edit *e, enum dns_origin origin);
void dns_node_edit_deinit(struct dns_node_edit *e);
/* Open a new RRset; the RRs added next belong to it. */
void dns_node_edit_rrset(struct dns_node_edit *e, uint16_t type, uint32_t ttl);
void dns_node_edit_rr(struct dns_node_edit *e, uint16_t weight,
    const uint8_t *rdata, uint16_t rdlen);
/*
 * Write the merged node under key in txn. Returns the first error of the
 * edit (ST_ENOMEM, ST_EINVAL for an RR without an open RRset) or of the
 * store; an error marks txn failed.
 */
int dns_node_edit_commit(struct dns_node_edit *e, struct store_txn *txn,
    const uint8_t *key, size_t klen);

#endif
