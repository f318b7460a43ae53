/*
 * journal.h -- the changes of each zone, kept in LMDB for IXFR (RFC 1995),
 * and the serial changes that NOTIFY (RFC 1996) announces.
 *
 * Every change of zone data passes through dns_node_edit_commit or
 * dns_zone_bump_serial; with a journal installed on the store, each reports
 * how a node changed (dns_journal_node). Just before the write transaction
 * commits, the journal condenses the transaction's changes into one entry
 * per zone whose SOA serial went forward ("serial A -> B: these RRs deleted,
 * those added") and appends it to that zone's journal, dropping the oldest
 * entries beyond the bounds. A zone whose records change without a newer
 * serial, that appears or goes, or in which a zone appears or goes, loses
 * its journal, so that IXFR falls back to AXFR instead of sending a wrong
 * difference. After the commit the journal tells a callback (NOTIFY) of
 * every zone with a new serial.
 *
 * The RRs of a zone, as transferred (xfr.h): every RR stored at or under its
 * apex, except at and under the apex of a zone inside it, where only the NS
 * RRset at that apex (the delegation) belongs to the outer zone. A change is
 * journaled for the zones whose transfer it changes.
 *
 * STORE_DB_JOURNAL, with Z = u8 length and key of the zone's apex:
 *   Z              -> u64 first seq, u64 next seq, u64 bytes, u32 serial
 *                     (the last entry's new serial)
 *   Z, u64 seq     -> u32 from, u32 to, u32 ndel, u32 nadd,
 *                     old SOA, ndel RRs, new SOA, nadd RRs
 * (big endian). RRs are in uncompressed wire form, owner names lowercase,
 * class IN: an entry is the difference sequence of RFC 1995 as sent. The
 * entries of a zone always form one chain of serials.
 */
#ifndef STADION_DNS_JOURNAL_H
#define STADION_DNS_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_txn;
struct dns_journal;

#define DNS_JOURNAL_MAX_ENTRIES 1000
#define DNS_JOURNAL_MAX_BYTES (16UL << 20)

struct dns_journal_params {
	uint32_t max_entries;	/* per zone (ixfr_journal_max); 0 keeps none */
	size_t max_bytes;	/* per zone; a bigger entry is not kept */
};

/*
 * Install a journal on st (its store hook, see store.h): from now on every
 * write transaction is journaled. *out owned by the caller; ST_ENOMEM.
 */
int dns_journal_new(struct store *st, const struct dns_journal_params *p,
    struct dns_journal **out);
/* Remove the hook and free. Accepts NULL. */
void dns_journal_free(struct dns_journal *j);

/*
 * Called after each commit, on the writer thread, for every zone whose SOA
 * serial changed in it (apex in wire form; a new zone included).
 */
typedef void (*dns_journal_change_fn)(const uint8_t *apex, size_t len,
    uint32_t serial, void *arg);
void dns_journal_on_change(struct dns_journal *j, dns_journal_change_fn fn,
    void *arg);

/*
 * Writers: the node at key (klen octets) changes from old (oldlen octets;
 * NULL: absent) to new (NULL: deleted), in write transaction txn. A no-op
 * without a journal. ST_ENOMEM and ST_EFORMAT (a corrupt blob) are also
 * recorded in txn.
 */
int dns_journal_node(struct store_txn *txn, const uint8_t *key, size_t klen,
    const uint8_t *old, size_t oldlen, const uint8_t *new, size_t newlen);
/* Writers: the zone at key is being created or removed. */
int dns_journal_zone(struct store_txn *txn, const uint8_t *key, size_t klen);

/* One RR in wire form (inside a journal entry or a transaction's changes). */
struct dns_journal_rr {
	const uint8_t *wire;	/* owner, type, class, ttl, rdlen, rdata */
	size_t len;
	const uint8_t *owner;	/* uncompressed wire name */
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
};

/* Parse the RR at p (avail octets). ST_EFORMAT if malformed. */
int dns_journal_rr_parse(const uint8_t *p, size_t avail,
    struct dns_journal_rr *rr);

/*
 * The change of the zone at zkey from serial from to serial to, condensed
 * to what differs between the two versions: the old version's SOA, the RRs
 * deleted and the RRs added (SOAs not among them), as one IXFR difference
 * sequence. The RRs point into the transaction's snapshot; del and add are
 * the caller's (dns_journal_diff_deinit).
 */
struct dns_journal_diff {
	struct dns_journal_rr old_soa, new_soa;
	struct dns_journal_rr *del, *add;
	size_t ndel, nadd;
	size_t entries;		/* journal entries condensed */
};

/*
 * ST_OK; ST_ENOTFOUND when the journal does not lead from from to to (too
 * short, dropped, or never kept); ST_EFORMAT for a corrupt journal;
 * ST_ENOMEM; store errors.
 */
int dns_journal_diff(struct store_txn *txn, const uint8_t *zkey,
    size_t zklen, uint32_t from, uint32_t to, struct dns_journal_diff *d);
void dns_journal_diff_deinit(struct dns_journal_diff *d);

/* Number of entries kept for the zone at zkey, and the serials they span. */
int dns_journal_span(struct store_txn *txn, const uint8_t *zkey,
    size_t zklen, size_t *entries, uint32_t *first, uint32_t *last);

#endif
