/*
 * notify.h -- NOTIFY (RFC 1996) to the secondaries when a zone's serial
 * changes, from the main event loop.
 *
 * Serial changes (dns_notify_zone, e.g. as the journal's change callback)
 * are gathered for coalesce_ms, so that a burst of changes makes one
 * NOTIFY per zone and secondary. Each goes over UDP with the zone's SOA in
 * the answer section and is sent again after retry_ms, twice that, and so
 * on, retries times, until the secondary answers it (any rcode: one that is
 * not NOERROR is logged). A newer serial replaces a NOTIFY still waiting.
 */
#ifndef STADION_DNS_NOTIFY_H
#define STADION_DNS_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct store;
struct dns_notify;

#define DNS_NOTIFY_COALESCE_MS 100
#define DNS_NOTIFY_RETRY_MS 1000
#define DNS_NOTIFY_RETRIES 5

struct dns_notify_params {
	char *const *targets;	/* "ADDR:PORT" or "[V6ADDR]:PORT" */
	size_t ntargets;
	unsigned coalesce_ms;
	unsigned retry_ms;	/* the first wait for an answer */
	unsigned retries;	/* sends after the first */
};

/*
 * *out owned by the caller (dns_notify_free); it reads the zones' SOAs
 * from st. ST_EINVAL names the first bad target through *bad; ST_ENOMEM;
 * ST_EIO when no UDP socket can be made.
 */
int dns_notify_new(struct event_base *base, struct store *st,
    const struct dns_notify_params *p, size_t *bad, struct dns_notify **out);
/* Stop: what is still unanswered is forgotten. Accepts NULL. */
void dns_notify_free(struct dns_notify *n);

/*
 * The zone at apex (wire form) has serial now: notify the secondaries.
 * arg is the struct dns_notify (the shape of dns_journal_change_fn).
 */
void dns_notify_zone(const uint8_t *apex, size_t len, uint32_t serial,
    void *arg);

/* Notify every zone of the store (at start-up). Store errors, ST_ENOMEM. */
int dns_notify_all(struct dns_notify *n);

#endif
