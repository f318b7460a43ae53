/*
 * bus.h -- events inside stadiond: the orchestrator and the API publish
 * Marathon's events (status_update_event, health_status_changed_event,
 * deployment_success, api_post_event, ...), and the event stream and the
 * alert webhooks subscribe to them.
 *
 * Delivery is synchronous, on the publisher's thread (the main loop):
 * subscribers only queue what they heard and must not publish or call
 * back into the publisher. Subscribers may unsubscribe any time, also
 * from inside a delivery.
 */
#ifndef STADION_UTIL_BUS_H
#define STADION_UTIL_BUS_H

#include <jansson.h>

struct bus;

/* An event: its type ("status_update_event") and body (borrowed). */
typedef void (*bus_fn)(const char *type, const json_t *event, void *arg);

/* ST_ENOMEM. *out: bus_free. */
int bus_new(struct bus **out);
/* Accepts NULL. */
void bus_free(struct bus *b);

/* Hear every event; *id (never 0) is for bus_unsubscribe. ST_ENOMEM. */
int bus_subscribe(struct bus *b, bus_fn fn, void *arg, unsigned *id);
/* Unknown ids and a NULL b are ignored. */
void bus_unsubscribe(struct bus *b, unsigned id);

/*
 * Publish event (an object; its reference is taken, NULL is ignored) of
 * type to the subscribers, in the order they subscribed: "eventType" is
 * set to type and "timestamp" to now (ISO 8601 UTC with milliseconds,
 * "2026-11-30T08:40:15.231Z"), each unless the event has one. b NULL or
 * an event that is no object: the event is dropped.
 */
void bus_publish(struct bus *b, const char *type, json_t *event);

#endif
