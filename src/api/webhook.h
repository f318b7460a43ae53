/*
 * webhook.h -- events POSTed to configured URLs (stadion's alerts): each
 * event of the chosen types goes, as its JSON, to every URL, through
 * libcurl's multi interface on the loop. A failed POST (no connection,
 * a status that is not 2xx, 10 s without an answer) is tried again after
 * 1 s, 2 s and 4 s, then dropped with a warning; at most 1000 POSTs wait
 * at a time (the oldest are dropped beyond), so a dead receiver never
 * holds memory or the loop.
 */
#ifndef STADION_API_WEBHOOK_H
#define STADION_API_WEBHOOK_H

#include <stddef.h>

struct bus;
struct event_base;
struct webhook;

/*
 * Subscribe to b (which must outlive the result) and send the events whose
 * type is in types (n_types; 0: every type) to urls (http:// or https://;
 * both lists are copied). ST_EINVAL for a URL of another scheme, ST_EIO
 * when curl cannot be set up, ST_ENOMEM. *out: webhook_free.
 */
int webhook_new(struct event_base *base, struct bus *b,
    const char *const *urls, size_t n_urls, const char *const *types,
    size_t n_types, struct webhook **out);
/* Drop what waits and unsubscribe; accepts NULL. */
void webhook_free(struct webhook *w);

/* POSTs that got a 2xx answer, and those given up or pushed out. */
void webhook_counts(const struct webhook *w, unsigned long *sent,
    unsigned long *dropped);

#endif
