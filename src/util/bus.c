/*
 * bus.c -- the in-process event bus.
 *
 * Subscribers live in an array in subscription order. A subscriber that
 * leaves during a delivery only has its slot cleared, so the delivery
 * loop's indices stay valid; the slots are compacted once the outermost
 * delivery is over.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/bus.h"
#include "util/clock.h"
#include "util/error.h"

struct bus_sub {
	unsigned id;
	bus_fn fn;		/* NULL: unsubscribed during a delivery */
	void *arg;
};

struct bus {
	struct bus_sub *subs;
	size_t n, cap;
	unsigned next_id;
	int depth;		/* deliveries in progress */
	int holes;		/* cleared slots wait for compaction */
};

int
bus_new(struct bus **out)
{
	struct bus *b;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ST_ENOMEM;
	b->next_id = 1;
	*out = b;
	return ST_OK;
}

void
bus_free(struct bus *b)
{
	if (b == NULL)
		return;
	free(b->subs);
	free(b);
}

int
bus_subscribe(struct bus *b, bus_fn fn, void *arg, unsigned *id)
{
	struct bus_sub *p;
	size_t cap;

	if (b->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 8;
		if ((p = realloc(b->subs, cap * sizeof(*p))) == NULL)
			return ST_ENOMEM;
		b->subs = p;
		b->cap = cap;
	}
	p = &b->subs[b->n++];
	p->id = b->next_id++;
	/* 0 is never handed out, so a zeroed id means "not subscribed". */
	if (b->next_id == 0)
		b->next_id = 1;
	p->fn = fn;
	p->arg = arg;
	*id = p->id;
	return ST_OK;
}

static void
bus_compact(struct bus *b)
{
	size_t i, j;

	for (i = j = 0; i < b->n; i++)
		if (b->subs[i].fn != NULL)
			b->subs[j++] = b->subs[i];
	b->n = j;
	b->holes = 0;
}

void
bus_unsubscribe(struct bus *b, unsigned id)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++) {
		if (b->subs[i].id != id || b->subs[i].fn == NULL)
			continue;
		b->subs[i].fn = NULL;
		if (b->depth > 0)
			b->holes = 1;
		else
			bus_compact(b);
		return;
	}
}

void
bus_publish(struct bus *b, const char *type, json_t *event)
{
	char ts[48];
	size_t n;

	if (event == NULL)
		return;
	if (b == NULL || !json_is_object(event)) {
		json_decref(event);
		return;
	}
	if (json_object_get(event, "eventType") == NULL)
		json_object_set_new(event, "eventType", json_string(type));
	if (json_object_get(event, "timestamp") == NULL) {
		clock_iso_now(ts, sizeof(ts));
		json_object_set_new(event, "timestamp", json_string(ts));
	}
	/* Those who subscribe while it is delivered hear the next one. */
	n = b->n;
	b->depth++;
	for (size_t i = 0; i < n; i++)
		if (b->subs[i].fn != NULL)
			b->subs[i].fn(type, event, b->subs[i].arg);
	if (--b->depth == 0 && b->holes)
		bus_compact(b);
	json_decref(event);
}
