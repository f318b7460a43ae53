/*
 * test_bus.c -- the event bus: delivery in order, the fields it fills in,
 * leaving during a delivery, a NULL bus.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/bus.h"
#include "util/error.h"

struct heard {
	char log[512];		/* "name:type;" per delivery */
	const char *name;
	json_t *last;		/* the last event, a reference */
	struct bus *bus;
	unsigned *leave;	/* ids to unsubscribe when called */
	size_t n_leave;
};

static void
hear(const char *type, const json_t *event, void *arg)
{
	struct heard *h = arg;
	size_t have = strlen(h->log);

	snprintf(h->log + have, sizeof(h->log) - have, "%s:%s;", h->name,
	    type);
	json_decref(h->last);
	h->last = json_incref((json_t *)event);
	for (size_t i = 0; i < h->n_leave; i++)
		bus_unsubscribe(h->bus, h->leave[i]);
	h->n_leave = 0;
}

/* Every subscriber writes to one shared log, to see the order. */
static char shared[512];

static void
hear_shared(const char *type, const json_t *event, void *arg)
{
	struct heard *h = arg;
	size_t have = strlen(shared);

	snprintf(shared + have, sizeof(shared) - have, "%s:%s;", h->name,
	    type);
	for (size_t i = 0; i < h->n_leave; i++)
		bus_unsubscribe(h->bus, h->leave[i]);
	h->n_leave = 0;
}

static void
test_publish(void **state)
{
	struct bus *b;
	struct heard a = { .name = "a" }, c = { .name = "c" };
	unsigned ida, idc;
	json_t *ev;

	assert_int_equal(bus_new(&b), ST_OK);
	assert_int_equal(bus_subscribe(b, hear, &a, &ida), ST_OK);
	assert_int_equal(bus_subscribe(b, hear, &c, &idc), ST_OK);
	assert_int_not_equal(ida, idc);
	bus_publish(b, "status_update_event", json_pack("{s:s}", "taskId",
	    "t1"));
	assert_string_equal(a.log, "a:status_update_event;");
	assert_string_equal(c.log, "c:status_update_event;");
	assert_ptr_equal(a.last, c.last);
	assert_string_equal(json_string_value(json_object_get(a.last,
	    "taskId")), "t1");

	/* After unsubscribing, a hears nothing more. */
	bus_unsubscribe(b, ida);
	bus_publish(b, "deployment_success", json_object());
	assert_string_equal(a.log, "a:status_update_event;");
	assert_string_equal(c.log,
	    "c:status_update_event;c:deployment_success;");

	/* NULL is ignored; a non-object is dropped undelivered. */
	bus_publish(b, "x", NULL);
	bus_publish(b, "y", json_string("not an object"));
	assert_string_equal(c.log,
	    "c:status_update_event;c:deployment_success;");

	/* The bus took its reference: only ours is left. */
	ev = json_object();
	bus_publish(b, "api_post_event", json_incref(ev));
	assert_int_equal(ev->refcount, 2);	/* ours and c.last */
	json_decref(ev);

	json_decref(a.last);
	json_decref(c.last);
	bus_free(b);
}

static int
is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static void
test_fields(void **state)
{
	struct bus *b;
	struct heard a = { .name = "a" };
	unsigned id;
	const char *ts;

	assert_int_equal(bus_new(&b), ST_OK);
	assert_int_equal(bus_subscribe(b, hear, &a, &id), ST_OK);
	bus_publish(b, "deployment_info", json_pack("{s:i}", "n", 1));
	assert_string_equal(json_string_value(json_object_get(a.last,
	    "eventType")), "deployment_info");
	ts = json_string_value(json_object_get(a.last, "timestamp"));
	assert_non_null(ts);
	/* 2026-11-30T08:40:15.231Z */
	assert_int_equal(strlen(ts), 24);
	assert_true(is_digits(ts, 4) && ts[4] == '-' && is_digits(ts + 5, 2) &&
	    ts[7] == '-' && is_digits(ts + 8, 2) && ts[10] == 'T' &&
	    is_digits(ts + 11, 2) && ts[13] == ':' && is_digits(ts + 14, 2) &&
	    ts[16] == ':' && is_digits(ts + 17, 2) && ts[19] == '.' &&
	    is_digits(ts + 20, 3) && ts[23] == 'Z');

	/* What the publisher set stays. */
	bus_publish(b, "deployment_info", json_pack("{s:s,s:s}", "eventType",
	    "custom", "timestamp", "2020-01-01T00:00:00.000Z"));
	assert_string_equal(json_string_value(json_object_get(a.last,
	    "eventType")), "custom");
	assert_string_equal(json_string_value(json_object_get(a.last,
	    "timestamp")), "2020-01-01T00:00:00.000Z");

	json_decref(a.last);
	bus_free(b);
}

static void
test_unsubscribe_in_delivery(void **state)
{
	struct bus *b;
	struct heard h[4] = { { .name = "0" }, { .name = "1" }, { .name = "2" },
	    { .name = "3" } };
	unsigned id[4], leave0[2], leave2[1];

	assert_int_equal(bus_new(&b), ST_OK);
	for (int i = 0; i < 4; i++) {
		h[i].bus = b;
		assert_int_equal(bus_subscribe(b, hear_shared, &h[i], &id[i]),
		    ST_OK);
	}
	/* 0 removes the next one (1) and 3; 2 removes itself. */
	leave0[0] = id[1];
	leave0[1] = id[3];
	h[0].leave = leave0;
	h[0].n_leave = 2;
	leave2[0] = id[2];
	h[2].leave = leave2;
	h[2].n_leave = 1;
	shared[0] = '\0';
	bus_publish(b, "e1", json_object());
	assert_string_equal(shared, "0:e1;2:e1;");
	shared[0] = '\0';
	bus_publish(b, "e2", json_object());
	assert_string_equal(shared, "0:e2;");

	/* Unknown ids and NULL buses are ignored. */
	bus_unsubscribe(b, 12345);
	bus_unsubscribe(NULL, id[0]);
	shared[0] = '\0';
	bus_publish(b, "e3", json_object());
	assert_string_equal(shared, "0:e3;");

	/* Many subscribers: the array grows, order holds. */
	{
		struct heard more[20];
		unsigned mid[20];
		char want[512] = "0:e4;";

		for (int i = 0; i < 20; i++) {
			memset(&more[i], 0, sizeof(more[i]));
			more[i].name = "m";
			assert_int_equal(bus_subscribe(b, hear_shared, &more[i],
			    &mid[i]), ST_OK);
			strcat(want, "m:e4;");
		}
		shared[0] = '\0';
		bus_publish(b, "e4", json_object());
		assert_string_equal(shared, want);
	}
	bus_free(b);
}

static void
test_null_bus(void **state)
{
	json_t *ev = json_object();

	/* The event is dropped: our extra reference is the last. */
	bus_publish(NULL, "status_update_event", json_incref(ev));
	assert_int_equal(ev->refcount, 1);
	assert_null(json_object_get(ev, "timestamp"));
	json_decref(ev);
	bus_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_unsubscribe_in_delivery),
		cmocka_unit_test(test_null_bus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
