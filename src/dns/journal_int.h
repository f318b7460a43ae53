/*
 * journal_int.h -- what the journal's files share: the journal, the changes
 * of one write transaction, the record keys and the condensing of changes.
 */
#ifndef STADION_DNS_JOURNAL_INT_H
#define STADION_DNS_JOURNAL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dns/journal.h"
#include "dns/name.h"

struct dns_journal {
	struct store *st;
	struct dns_journal_params p;
	dns_journal_change_fn on_change;
	void *on_change_arg;
};

/* A zone whose serial changed in the transaction, told after the commit. */
struct jn_serial {
	uint8_t apex[DNS_NAME_MAX];
	size_t len;
	uint32_t serial;
};

/*
 * The changes of one write transaction, in order: events of one op octet
 * then, for JN_DEL and JN_ADD, an RR in wire form, for JN_ZONE a u8 length
 * and a zone key.
 */
enum { JN_DEL = 0, JN_ADD = 1, JN_ZONE = 2 };

struct jn_txn {
	uint8_t *buf;
	size_t len, cap;
	struct jn_serial *serials;	/* filled by the precommit */
	size_t nserials;
};

/* One change of an RR, the seq'th of a sequence. */
struct jn_op {
	struct dns_journal_rr rr;
	uint32_t seq;
	uint8_t add;
};

/*
 * What the ops (in sequence order) amount to: the RRs that were there
 * before and are not after (del), and the other way round (add). ops is
 * sorted in place; *del and *add are the caller's (NULL when empty).
 */
int jn_condense(struct jn_op *ops, size_t n, struct dns_journal_rr **del,
    size_t *ndel, struct dns_journal_rr **add, size_t *nadd);

/* The store hook's precommit (journal_commit.c). */
int jn_precommit(struct store_txn *txn, struct dns_journal *j,
    struct jn_txn *t);

/* Key of the zone record of zkey (u8 length, key) into out; its length. */
#define JN_KEY_MAX (1 + DNS_KEY_MAX + 8)
size_t jn_zone_key(const uint8_t *zkey, size_t zklen, uint8_t *out);

/* The zone record: entries first .. next-1, bytes of them, last serial. */
struct jn_head {
	uint64_t first, next, bytes;
	uint32_t serial;
};
#define JN_HEAD_LEN 28
#define JN_ENTRY_HDR 16

/* Read the zone record: ST_ENOTFOUND when there is none. */
int jn_head_get(struct store_txn *txn, const uint8_t *key, size_t klen,
    struct jn_head *h);

#endif
