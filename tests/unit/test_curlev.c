/*
 * test_curlev.c -- libcurl on the event loop, against an evhttp server on
 * the loopback: raw transfers, requests with a body, streams, cancel.
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

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "util/curlev.h"
#include "util/error.h"

struct srv {
	struct event_base *base;
	struct evhttp *http;
	char url[64];
	int done;
	long status;
	CURLcode rc;
	char body[256];
	int chunks, heads;
	char streamed[256];
	struct curlev *cm;	/* for requests made inside a chunk */
	struct curlev_req *victim;	/* a stream cancelled from its chunk */
};

static void
srv_handle(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evbuffer *b = evbuffer_new();
	const char *uri = evhttp_request_get_uri(req);

	if (strcmp(uri, "/echo") == 0) {
		evbuffer_add_printf(b, "%s:", evhttp_find_header(
		    evhttp_request_get_input_headers(req), "Content-Type"));
		evbuffer_add_buffer(b, in);
		evhttp_send_reply(req, 200, "OK", b);
	} else if (strcmp(uri, "/stream") == 0) {
		evhttp_send_reply_start(req, 200, "OK");
		evbuffer_add_printf(b, "one;");
		evhttp_send_reply_chunk(req, b);
		evbuffer_add_printf(b, "two;");
		evhttp_send_reply_chunk(req, b);
		evhttp_send_reply_end(req);
	} else {
		evbuffer_add_printf(b, "nothing at %s", uri);
		evhttp_send_reply(req, 404, "Not Found", b);
	}
	evbuffer_free(b);
}

static int
setup(void **state)
{
	struct srv *s = calloc(1, sizeof(*s));
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_non_null(s);
	assert_non_null(s->base = event_base_new());
	assert_non_null(s->http = evhttp_new(s->base));
	evhttp_set_gencb(s->http, srv_handle, s);
	assert_non_null(bs = evhttp_bind_socket_with_handle(s->http,
	    "127.0.0.1", 0));
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u",
	    ntohs(sin.sin_port));
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct srv *s = *state;

	evhttp_free(s->http);
	event_base_free(s->base);
	free(s);
	return 0;
}

static void
expire(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

static void
run_until(struct srv *s, int want)
{
	struct timeval tv = { 5, 0 };
	int expired = 0;
	struct event *t = evtimer_new(s->base, expire, &expired);

	evtimer_add(t, &tv);
	while (s->done < want && !expired)
		event_base_loop(s->base, EVLOOP_ONCE);
	event_free(t);
	assert_int_equal(s->done, want);
}

static size_t
raw_write(char *data, size_t size, size_t n, void *arg)
{
	struct srv *s = arg;
	size_t have = strlen(s->body);

	snprintf(s->body + have, sizeof(s->body) - have, "%.*s",
	    (int)(size * n), data);
	return size * n;
}

static void
raw_done(CURL *easy, CURLcode rc, long status, void *arg)
{
	struct srv *s = arg;

	s->rc = rc;
	s->status = status;
	s->done++;
}

static void
test_raw(void **state)
{
	struct srv *s = *state;
	struct curlev *cm;
	CURL *e = curl_easy_init(), *e2 = curl_easy_init();
	char url[128];

	assert_int_equal(curlev_new(s->base, &cm), ST_OK);
	snprintf(url, sizeof(url), "%s/none", s->url);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, raw_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	assert_int_equal(curlev_add(cm, e, raw_done, s), ST_OK);
	/* A cancelled one never calls back. */
	curl_easy_setopt(e2, CURLOPT_URL, url);
	assert_int_equal(curlev_add(cm, e2, raw_done, s), ST_OK);
	curlev_cancel(cm, e2);
	run_until(s, 1);
	assert_int_equal(s->rc, CURLE_OK);
	assert_int_equal(s->status, 404);
	assert_string_equal(s->body, "nothing at /none");
	curlev_free(cm);
	curl_easy_cleanup(e);
	curl_easy_cleanup(e2);
}

static void
req_done(struct curlev_req *r, CURLcode rc, long status, const char *body,
    size_t len, void *arg)
{
	struct srv *s = arg;

	s->rc = rc;
	s->status = status;
	snprintf(s->body, sizeof(s->body), "%.*s", (int)len, body);
	s->done++;
}

static int
req_chunk(struct curlev_req *r, long status, const char *data, size_t len,
    void *arg)
{
	struct srv *s = arg;
	size_t have = strlen(s->streamed);

	if (data == NULL) {
		s->heads++;
		return 0;
	}
	s->chunks++;
	snprintf(s->streamed + have, sizeof(s->streamed) - have, "%.*s",
	    (int)len, data);
	return 0;
}

static void
test_requests(void **state)
{
	struct srv *s = *state;
	struct curlev *cm;
	struct curlev_req *r;
	char url[128];

	assert_int_equal(curlev_new(s->base, &cm), ST_OK);
	snprintf(url, sizeof(url), "%s/echo", s->url);
	assert_int_equal(curlev_req_new(cm, "POST", url, &r), ST_OK);
	assert_int_equal(curlev_req_body(r, "application/json", "{\"a\":1}",
	    7), ST_OK);
	assert_int_equal(curlev_req_send(r, req_done, s), ST_OK);
	run_until(s, 1);
	assert_int_equal(s->status, 200);
	assert_string_equal(s->body, "application/json:{\"a\":1}");

	snprintf(url, sizeof(url), "%s/stream", s->url);
	assert_int_equal(curlev_req_new(cm, "GET", url, &r), ST_OK);
	curlev_req_stream(r, req_chunk);
	assert_int_equal(curlev_req_send(r, req_done, s), ST_OK);
	run_until(s, 2);
	assert_int_equal(s->rc, CURLE_OK);
	assert_int_equal(s->heads, 1);
	assert_true(s->chunks >= 1);
	assert_string_equal(s->streamed, "one;two;");
	assert_string_equal(s->body, "");

	/* A stream's error answer is collected, not streamed. */
	snprintf(url, sizeof(url), "%s/missing", s->url);
	assert_int_equal(curlev_req_new(cm, "GET", url, &r), ST_OK);
	curlev_req_stream(r, req_chunk);
	assert_int_equal(curlev_req_send(r, req_done, s), ST_OK);
	run_until(s, 3);
	assert_int_equal(s->status, 404);
	assert_string_equal(s->body, "nothing at /missing");

	/* Pending requests are freed with the curlev, never called. */
	assert_int_equal(curlev_req_new(cm, "GET", url, &r), ST_OK);
	assert_int_equal(curlev_req_send(r, req_done, s), ST_OK);
	assert_int_equal(curlev_req_new(cm, "GET", url, &r), ST_OK);
	curlev_req_cancel(r);
	curlev_free(cm);
	assert_int_equal(s->done, 3);
}

/*
 * curl refuses its multi calls inside its callbacks: a request started
 * from a stream's chunk must still go out (the docker driver reacts to an
 * event by asking the engine).
 */
static int
nested_chunk(struct curlev_req *r, long status, const char *data, size_t len,
    void *arg)
{
	struct srv *s = arg;
	struct curlev_req *n;
	char url[128];

	if (data == NULL || s->chunks++ > 0)
		return 0;
	snprintf(url, sizeof(url), "%s/echo", s->url);
	assert_int_equal(curlev_req_new(s->cm, "POST", url, &n), ST_OK);
	assert_int_equal(curlev_req_body(n, "text/plain", "inner", 5), ST_OK);
	assert_int_equal(curlev_req_send(n, req_done, s), ST_OK);
	return 0;
}

/* A stream that cancels itself from inside its own chunk. */
static int
self_cancel_chunk(struct curlev_req *r, long status, const char *data,
    size_t len, void *arg)
{
	struct srv *s = arg;

	if (data != NULL && s->victim == r) {
		s->victim = NULL;
		curlev_req_cancel(r);
		s->heads++;
	}
	return 0;
}

static void
outer_done(struct curlev_req *r, CURLcode rc, long status, const char *body,
    size_t len, void *arg)
{
	((struct srv *)arg)->done += 10;
}

static void
test_inside_chunk(void **state)
{
	struct srv *s = *state;
	struct curlev_req *r;
	char url[128];

	assert_int_equal(curlev_new(s->base, &s->cm), ST_OK);
	snprintf(url, sizeof(url), "%s/stream", s->url);
	assert_int_equal(curlev_req_new(s->cm, "GET", url, &r), ST_OK);
	curlev_req_stream(r, nested_chunk);
	assert_int_equal(curlev_req_send(r, outer_done, s), ST_OK);
	run_until(s, 11);
	assert_int_equal(s->status, 200);
	assert_string_equal(s->body, "text/plain:inner");

	assert_int_equal(curlev_req_new(s->cm, "GET", url, &r), ST_OK);
	curlev_req_stream(r, self_cancel_chunk);
	s->victim = r;
	assert_int_equal(curlev_req_send(r, outer_done, s), ST_OK);
	snprintf(url, sizeof(url), "%s/none", s->url);
	assert_int_equal(curlev_req_new(s->cm, "GET", url, &r), ST_OK);
	assert_int_equal(curlev_req_send(r, req_done, s), ST_OK);
	/* The cancelled stream never calls back; the other one does. */
	run_until(s, 12);
	assert_int_equal(s->heads, 1);
	assert_int_equal(s->status, 404);
	curlev_free(s->cm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inside_chunk, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
