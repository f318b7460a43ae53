/*
 * test_webhook.c -- events POSTed to receivers on the loopback: the chosen
 * types only, retries after a failing answer, a dead receiver given up,
 * the bound of the queue, URLs refused.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "api/webhook.h"
#include "util/bus.h"
#include "util/error.h"
#include "testlib.h"

#define MAX_HITS 32

struct hit {
	char path[32];
	int method;
	char content_type[64];
	json_t *body;
};

struct fx {
	struct event_base *base;
	struct evhttp *http;
	char url[64];		/* http://127.0.0.1:port */
	struct bus *bus;
	struct hit hits[MAX_HITS];
	size_t n_hits;
	int flaky;		/* answers of /flaky so far */
};

static void
receive(struct evhttp_request *req, void *arg)
{
	struct fx *fx = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Content-Type");
	struct hit *h;
	size_t len = evbuffer_get_length(in);
	char *text;

	assert_true(fx->n_hits < MAX_HITS);
	h = &fx->hits[fx->n_hits++];
	snprintf(h->path, sizeof(h->path), "%s", evhttp_request_get_uri(req));
	h->method = evhttp_request_get_command(req);
	snprintf(h->content_type, sizeof(h->content_type), "%s",
	    ct ? ct : "");
	assert_non_null(text = malloc(len + 1));
	evbuffer_remove(in, text, len);
	text[len] = '\0';
	h->body = json_loads(text, 0, NULL);
	free(text);
	if (strcmp(h->path, "/flaky") == 0 && fx->flaky++ < 2)
		evhttp_send_reply(req, 500, "Internal Server Error", NULL);
	else
		evhttp_send_reply(req, 200, "OK", NULL);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_non_null(fx);
	assert_non_null(fx->base = event_base_new());
	assert_non_null(fx->http = evhttp_new(fx->base));
	evhttp_set_gencb(fx->http, receive, fx);
	assert_non_null(bs = evhttp_bind_socket_with_handle(fx->http,
	    "127.0.0.1", 0));
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%u",
	    ntohs(sin.sin_port));
	assert_int_equal(bus_new(&fx->bus), ST_OK);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < fx->n_hits; i++)
		json_decref(fx->hits[i].body);
	evhttp_free(fx->http);
	bus_free(fx->bus);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

static void
expire(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

struct want {
	struct webhook *w;
	unsigned long sent, dropped;
};

static int
counted(const struct want *want)
{
	unsigned long sent, dropped;

	webhook_counts(want->w, &sent, &dropped);
	return sent >= want->sent && dropped >= want->dropped;
}

/* Run the loop until w counts as much as want, or for ms milliseconds. */
static void
run_until(struct fx *fx, const struct want *want, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	int expired = 0;
	struct event *t = evtimer_new(fx->base, expire, &expired);

	evtimer_add(t, &tv);
	while (!(want != NULL && counted(want)) && !expired)
		event_base_loop(fx->base, EVLOOP_ONCE);
	event_free(t);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct hit *
find_hit(const struct fx *fx, const char *path, const char *type)
{
	for (size_t i = 0; i < fx->n_hits; i++)
		if (strcmp(fx->hits[i].path, path) == 0 &&
		    strcmp(json_string_value(json_object_get(fx->hits[i].body,
		    "eventType")), type) == 0)
			return &fx->hits[i];
	return NULL;
}

static void
test_types(void **state)
{
	struct fx *fx = *state;
	struct webhook *w, *all;
	const char *types[] = { "status_update_event", "deployment_success" };
	char a[96], b[96];
	const char *urls[] = { a, b };
	struct want want = { NULL, 4, 0 }, want_all = { NULL, 3, 0 };
	unsigned long sent, dropped;
	const struct hit *h;

	snprintf(a, sizeof(a), "%s/a", fx->url);
	snprintf(b, sizeof(b), "%s/b", fx->url);
	assert_int_equal(webhook_new(fx->base, fx->bus, urls, 2, types, 2, &w),
	    ST_OK);
	/* No types: every event, here to /all. */
	snprintf(a, sizeof(a), "%s/all", fx->url);
	assert_int_equal(webhook_new(fx->base, fx->bus, urls, 1, NULL, 0, &all),
	    ST_OK);
	want.w = w;
	want_all.w = all;

	bus_publish(fx->bus, "status_update_event", json_pack("{s:s,s:f}",
	    "taskId", "t1", "cpus", 0.5));
	bus_publish(fx->bus, "api_post_event", json_object());
	bus_publish(fx->bus, "deployment_success", json_pack("{s:s}", "id",
	    "d1"));
	run_until(fx, &want, 5000);
	run_until(fx, &want_all, 5000);
	/* Nothing else comes. */
	run_until(fx, NULL, 200);

	assert_int_equal(fx->n_hits, 7);
	webhook_counts(w, &sent, &dropped);
	assert_int_equal(sent, 4);
	assert_int_equal(dropped, 0);
	webhook_counts(all, &sent, &dropped);
	assert_int_equal(sent, 3);
	assert_int_equal(dropped, 0);
	for (size_t i = 0; i < fx->n_hits; i++) {
		assert_int_equal(fx->hits[i].method, EVHTTP_REQ_POST);
		assert_string_equal(fx->hits[i].content_type,
		    "application/json");
		assert_non_null(fx->hits[i].body);
	}
	assert_non_null(h = find_hit(fx, "/a", "status_update_event"));
	assert_string_equal(json_string_value(json_object_get(h->body,
	    "taskId")), "t1");
	assert_non_null(json_object_get(h->body, "timestamp"));
	assert_non_null(find_hit(fx, "/b", "status_update_event"));
	assert_non_null(h = find_hit(fx, "/a", "deployment_success"));
	assert_string_equal(json_string_value(json_object_get(h->body, "id")),
	    "d1");
	assert_non_null(find_hit(fx, "/b", "deployment_success"));
	assert_null(find_hit(fx, "/a", "api_post_event"));
	assert_null(find_hit(fx, "/b", "api_post_event"));
	assert_non_null(find_hit(fx, "/all", "status_update_event"));
	assert_non_null(find_hit(fx, "/all", "api_post_event"));
	assert_non_null(find_hit(fx, "/all", "deployment_success"));
	webhook_free(w);
	webhook_free(all);

	/* Unsubscribed: nothing goes out any more. */
	bus_publish(fx->bus, "status_update_event", json_object());
	run_until(fx, NULL, 200);
	assert_int_equal(fx->n_hits, 7);
}

static void
test_retry(void **state)
{
	struct fx *fx = *state;
	struct webhook *w;
	char url[96];
	const char *urls[] = { url };
	struct want want = { NULL, 1, 0 };
	unsigned long sent, dropped;
	double t0 = now();

	snprintf(url, sizeof(url), "%s/flaky", fx->url);
	assert_int_equal(webhook_new(fx->base, fx->bus, urls, 1, NULL, 0, &w),
	    ST_OK);
	want.w = w;
	bus_publish(fx->bus, "status_update_event", json_pack("{s:s}",
	    "taskId", "t1"));
	run_until(fx, &want, 10000);
	webhook_counts(w, &sent, &dropped);
	assert_int_equal(sent, 1);
	assert_int_equal(dropped, 0);
	/* 500, 500 (after 1 s), 200 (after 2 s more). */
	assert_int_equal(fx->n_hits, 3);
	assert_true(now() - t0 >= 2.9);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(json_string_value(json_object_get(
		    fx->hits[i].body, "taskId")), "t1");
	webhook_free(w);
}

static void
test_dead(void **state)
{
	struct fx *fx = *state;
	struct webhook *w;
	char url[96];
	const char *urls[] = { url };
	const char *types[] = { "deployment_failed" };
	struct want want = { NULL, 0, 1 };
	unsigned long sent, dropped;
	double t0 = now();

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", testlib_free_port());
	assert_int_equal(webhook_new(fx->base, fx->bus, urls, 1, types, 1, &w),
	    ST_OK);
	want.w = w;
	bus_publish(fx->bus, "deployment_failed", json_object());
	run_until(fx, &want, 15000);
	webhook_counts(w, &sent, &dropped);
	assert_int_equal(sent, 0);
	assert_int_equal(dropped, 1);
	/* Tried again after 1, 2 and 4 s. */
	assert_true(now() - t0 >= 6.9);
	webhook_free(w);
}

static void
test_bound(void **state)
{
	struct fx *fx = *state;
	struct webhook *w;
	char url[96];
	const char *urls[] = { url };
	unsigned long sent, dropped;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", testlib_free_port());
	assert_int_equal(webhook_new(fx->base, fx->bus, urls, 1, NULL, 0, &w),
	    ST_OK);
	/* Without the loop running, nothing ends: the oldest make room. */
	for (int i = 0; i < 1005; i++)
		bus_publish(fx->bus, "status_update_event", json_pack("{s:i}",
		    "seq", i));
	webhook_counts(w, &sent, &dropped);
	assert_int_equal(sent, 0);
	assert_int_equal(dropped, 5);
	/* Freed with 1000 waiting, some in flight. */
	webhook_free(w);
}

static void
test_invalid(void **state)
{
	struct fx *fx = *state;
	struct webhook *w = (struct webhook *)fx;
	char ok[96];
	const char *urls[] = { ok, "ftp://127.0.0.1/" };

	snprintf(ok, sizeof(ok), "%s/a", fx->url);
	assert_int_equal(webhook_new(fx->base, fx->bus, urls, 2, NULL, 0, &w),
	    ST_EINVAL);
	assert_null(w);
	urls[1] = "HTTPS://127.0.0.1/";
	assert_int_equal(webhook_new(fx->base, fx->bus, urls, 2, NULL, 0, &w),
	    ST_OK);
	webhook_free(w);
	webhook_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
