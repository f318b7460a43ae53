/*
 * answer.h -- build the response to one DNS message out of LMDB.
 *
 * A context belongs to one thread: it owns a read transaction handle and a
 * random generator for the weighted shuffle. Callers bracket a batch of
 * queries with dns_answer_begin/_end so each batch reads one fresh snapshot.
 */
#ifndef STADION_DNS_ANSWER_H
#define STADION_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dns/pkt.h"

struct store;
struct dns_answer_ctx;

struct dns_answer_conf {
	const char *chaos_version;	/* "" or NULL: version.bind refused */
	const char *chaos_id;		/* "" or NULL: id.server refused */
	uint16_t edns_udp_size;		/* largest UDP payload we send (512-4096) */
};

/* *out owned by the caller (dns_answer_ctx_free); strings are copied. */
int dns_answer_ctx_new(struct store *st, const struct dns_answer_conf *c,
    struct dns_answer_ctx **out);
void dns_answer_ctx_free(struct dns_answer_ctx *ctx);

/* Take / drop the snapshot of a batch. */
int dns_answer_begin(struct dns_answer_ctx *ctx);
void dns_answer_end(struct dns_answer_ctx *ctx);

/*
 * Answer the message q of qlen octets into resp (respcap octets, at least
 * 512; 65535 for TCP). tcp is 1 for a stream transport (no UDP size limit).
 * Returns the response length, 0 when the message must be dropped (a
 * response, or too short to carry an id), or a negative error.
 */
ssize_t dns_answer(struct dns_answer_ctx *ctx, const uint8_t *q, size_t qlen,
    uint8_t *resp, size_t respcap, int tcp);

/* What dns_answer_query tells besides the response. */
struct dns_answer_info {
	int outside;		/* no zone holds the name: REFUSED, and a
				   resolver may forward it */
	struct dns_query q;	/* the query, when outside */
};

/* dns_answer, and info filled. */
ssize_t dns_answer_query(struct dns_answer_ctx *ctx, const uint8_t *q,
    size_t qlen, uint8_t *resp, size_t respcap, int tcp,
    struct dns_answer_info *info);

#endif
