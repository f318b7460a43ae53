/*
 * xfr_fixture.h -- a store with the built-in zones, a journal and the
 * registry, changed through the daemon's own write paths; transfers out of
 * it parsed back with ldns (an independent parser) into RR text lines.
 */
#ifndef STADION_TESTS_XFR_FIXTURE_H
#define STADION_TESTS_XFR_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/acl.h"
#include "dns/journal.h"

#define XF_MSGS_MAX 256
#define XF_CHANGES_MAX 64

struct xf {
	char dir[4096];
	struct store *st;
	struct dns_journal *j;
	struct registry *reg;
	struct dns_xfr *x;
	struct dns_acl acl;
	/* What the journal's change callback was told (the first ones). */
	char changed[XF_CHANGES_MAX][256];
	uint32_t changed_serial[XF_CHANGES_MAX];
	size_t nchanged;
};

/* cmocka setup/teardown: journal bounds p (NULL: the defaults). */
int xf_setup_with(void **state, const struct dns_journal_params *p);
int xf_setup(void **state);
int xf_teardown(void **state);

/* Register instance id of svc (health "none", weight 1 unless given). */
void xf_put(struct xf *f, const char *svc, const char *id, const char *addr,
    int port, const char *health, int weight);
void xf_del(struct xf *f, const char *svc, const char *id);
/* Write dir/name with text, then load the zone files of dir. */
void xf_zonefile(struct xf *f, const char *name, const char *text);

void xf_span(struct xf *f, const char *zone, size_t *entries,
    uint32_t *first, uint32_t *last);

/* The messages of one answer. */
struct xf_msgs {
	uint8_t *m[XF_MSGS_MAX];
	size_t len[XF_MSGS_MAX];
	size_t n;
	int fail_at;		/* send fails at this message (0: never) */
};

void xf_msgs_free(struct xf_msgs *ms);

/* How a request is made. */
struct xf_req {
	const char *peer;	/* "127.0.0.1" (default) or an IPv6 address */
	const char *key;	/* TSIG key name the request "verified" with */
	int udp;
	int edns;
	size_t reserve;
	int no_acl;
};

/*
 * Ask for zone (AXFR, or IXFR when qtype says so, from serial), collect the
 * messages; returns dns_xfr_answer's code.
 */
int xf_transfer(struct xf *f, const char *zone, uint16_t qtype,
    uint32_t serial, const struct xf_req *r, struct xf_msgs *out);

/*
 * The answer RRs of the messages as presentation lines ("name.\tTTL\tIN\t
 * TYPE\trdata"), parsed by ldns; every message must parse, be a response
 * with AA and the rcode *rcode (set from the first). The caller frees them
 * (xf_lines_free).
 */
char **xf_lines(const struct xf_msgs *ms, size_t *n, uint8_t *rcode);
void xf_lines_free(char **lines, size_t n);

/* The zone's RRs as an AXFR gives them: sorted lines, the SOA once. */
char **xf_axfr_set(struct xf *f, const char *zone, size_t *n);

/*
 * Apply an IXFR answer (lines as from xf_lines) to the sorted set old
 * (nold lines), as a secondary would, checking the RFC 1995 shape; returns
 * the new sorted set. *incremental tells whether it was a difference.
 */
char **xf_apply_ixfr(char **old, size_t nold, char **ixfr, size_t nixfr,
    size_t *n, int *incremental);

int xf_line_has(char **lines, size_t n, const char *prefix);

#endif
