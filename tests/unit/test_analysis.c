/*
 * test_analysis.c -- the canary's metrics: the text format and the verdict
 * from tables, and rounds against evhttp servers on the loopback that
 * answer, fail or never answer.
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

#include "orch/analysis.h"
#include "util/curlev.h"
#include "util/error.h"

static void
test_sum(void **state)
{
	static const struct {
		const char *text;
		const char *name;
		int rv;
		double sum;
	} t[] = {
		{ "req_total 3\n", "req_total", ST_OK, 3 },
		{ "req_total 3", "req_total", ST_OK, 3 },
		{ "  req_total\t3 \r\n", "req_total", ST_OK, 3 },
		{ "# HELP req_total All requests.\n"
		  "# TYPE req_total counter\n"
		  "req_total{code=\"200\",path=\"/\"} 10\n"
		  "req_total{code=\"500\",path=\"/a\"} 2.5\n", "req_total",
		  ST_OK, 12.5 },
		{ "req_total{ a = \"x\" , b=\"y\", } 1\n", "req_total", ST_OK,
		  1 },
		{ "req_total{} 4\nreq_total{a=\"\"}5\n", "req_total", ST_OK, 9 },
		/* Quotes, braces and newlines escaped in label values. */
		{ "req_total{a=\"}\\\" 9\",b=\"\\\\\",c=\"x\\ny\"} 7\n",
		  "req_total", ST_OK, 7 },
		/* A prefix, or a longer name, is another metric. */
		{ "req_total 1\nreq 2\nreq_total_x 4\n", "req", ST_OK, 2 },
		{ "req_total 1\nreq_total_created 5\n", "req_total", ST_OK, 1 },
		{ "req_total 1\n", "req", ST_ENOTFOUND, 0 },
		{ "areq 1\n", "req", ST_ENOTFOUND, 0 },
		{ "req_total 1.5e3\nreq_total 2E-1\nreq_total -0.5\n",
		  "req_total", ST_OK, 1499.7 },
		/* Timestamps, and OpenMetrics exemplars. */
		{ "req_total 3 1712345678901\nreq_total{a=\"b\"} 1 -5\n",
		  "req_total", ST_OK, 4 },
		{ "req_total 3 # {trace_id=\"x\"} 1\n", "req_total", ST_OK, 3 },
		{ "req_total 3 17 # {trace_id=\"x\"} 1\n# EOF\n", "req_total",
		  ST_OK, 3 },
		/* Other metrics are not read, malformed or not. */
		{ "other{a=\"b 1\nreq_total 2\nother NaN\n", "req_total", ST_OK,
		  2 },
		{ "", "req_total", ST_ENOTFOUND, 0 },
		{ "# TYPE req_total counter\n", "req_total", ST_ENOTFOUND, 0 },
		{ "<html><body>Not metrics</body></html>\n", "req_total",
		  ST_ENOTFOUND, 0 },
		{ "req_total NaN\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total +Inf\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total -Inf\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total abc\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total 1e\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total 1 2 3\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total 1 x\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total{a=\"b\" 1\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total{a=\"b} 1\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total{a=b} 1\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total{=\"b\"} 1\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total{a=\"b\"\n} 1\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total-x 1\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total 1\nreq_total 0x\n", "req_total", ST_EFORMAT, 0 },
		{ "req_total 1e308\nreq_total 1e308\n", "req_total",
		  ST_EFORMAT, 0 },
		/* Longer than any number Prometheus writes. */
		{ "req_total 0000000000000000000000000000000000000000"
		  "0000000000000000000000000000001\n", "req_total", ST_EFORMAT,
		  0 },
		{ "req_total 1\n", "", ST_EINVAL, 0 },
		{ "req_total 1\n", "req total", ST_EINVAL, 0 },
		{ "req_total 1\n", "1req", ST_EINVAL, 0 },
	};
	size_t i;
	double v;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = -1;
		if (analysis_sum(t[i].text, strlen(t[i].text), t[i].name, &v) !=
		    t[i].rv || v < t[i].sum - 1e-9 || v > t[i].sum + 1e-9)
			fail_msg("case %zu: \"%s\" in \"%s\" gave %g", i,
			    t[i].name, t[i].text, v);
	}
	/* The text ends at len, wherever its terminator is. */
	assert_int_equal(analysis_sum("req_total 12", 11, "req_total", &v),
	    ST_OK);
	assert_true(v == 1);
	assert_int_equal(analysis_sum("req_total 1\n\0\nreq_total 2", 25,
	    "req_total", &v), ST_OK);
	assert_true(v == 3);
}

static void
test_judge(void **state)
{
	static const struct {
		double req0, err0, req1, err1, min, max;
		int fail;
		double rate;
	} t[] = {
		{ 100, 1, 200, 2, 50, 0.05, 0, 0.01 },
		{ 100, 1, 200, 11, 50, 0.05, 1, 0.1 },
		/* Exactly the highest rate allowed passes. */
		{ 0, 0, 100, 5, 50, 0.05, 0, 0.05 },
		/* Too few requests to judge; exactly enough to. */
		{ 100, 0, 120, 20, 50, 0.05, 0, 1 },
		{ 100, 0, 150, 20, 50, 0.05, 1, 0.4 },
		/* No requests at all: no rate. */
		{ 100, 3, 100, 3, 0, 0.05, 0, 0 },
		{ 100, 3, 100, 9, 0, 0.05, 0, 0 },
		/* Resets: the after value is the growth. */
		{ 1000, 10, 80, 8, 50, 0.05, 1, 0.1 },
		{ 1000, 10, 80, 2, 50, 0.05, 0, 0.025 },
		{ 1000, 100, 1100, 5, 50, 0.01, 1, 0.05 },
	};
	size_t i;
	double rate;
	int fail;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rate = -1;
		fail = analysis_judge(t[i].req0, t[i].err0, t[i].req1,
		    t[i].err1, t[i].min, t[i].max, &rate);
		if (fail != t[i].fail || rate < t[i].rate - 1e-9 ||
		    rate > t[i].rate + 1e-9)
			fail_msg("case %zu: fail %d rate %g", i, fail, rate);
	}
}

/* A metrics server: status 0 never answers. */
struct srv {
	struct evhttp *http;
	int status;
	const char *body;
	size_t len;		/* 0: strlen(body) */
	int asked;
	char url[64];
	struct analysis **victim;	/* cancelled when asked */
};

struct t {
	struct event_base *base;
	struct curlev *cv;
	struct srv srv[4];
	size_t nsrv;
	struct analysis *an;
	int calls, err;
	double req, errs;
	char why[512];
};

static void
srv_handle(struct evhttp_request *req, void *arg)
{
	struct srv *s = arg;
	struct evbuffer *b;

	s->asked++;
	if (s->victim != NULL) {
		analysis_cancel(*s->victim);
		*s->victim = NULL;
	}
	if (s->status == 0)
		return;
	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, s->body, s->len ? s->len : strlen(s->body));
	evhttp_send_reply(req, s->status, "X", b);
	evbuffer_free(b);
}

static const char *
srv_add(struct t *t, int status, const char *body)
{
	struct srv *s = &t->srv[t->nsrv++];
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	s->status = status;
	s->body = body;
	assert_non_null(s->http = evhttp_new(t->base));
	evhttp_set_gencb(s->http, srv_handle, s);
	assert_non_null(bs = evhttp_bind_socket_with_handle(s->http,
	    "127.0.0.1", 0));
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len), 0);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u/metrics",
	    ntohs(sin.sin_port));
	return s->url;
}

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_non_null(t->base = event_base_new());
	assert_int_equal(curlev_new(t->base, &t->cv), ST_OK);
	t->err = 1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;
	size_t i;

	analysis_cancel(t->an);
	curlev_free(t->cv);
	for (i = 0; i < t->nsrv; i++)
		evhttp_free(t->srv[i].http);
	event_base_free(t->base);
	free(t);
	return 0;
}

static void
done(int err, double req, double errs, const char *why, void *arg)
{
	struct t *t = arg;

	t->an = NULL;
	t->calls++;
	t->err = err;
	t->req = req;
	t->errs = errs;
	snprintf(t->why, sizeof(t->why), "%s", why);
	event_base_loopexit(t->base, NULL);
}

static void
expire(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

/* Run the loop until a round ends, or for at most ms. */
static void
run(struct t *t, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *guard = evtimer_new(t->base, expire, t->base);

	assert_non_null(guard);
	evtimer_add(guard, &tv);
	event_base_dispatch(t->base);
	event_free(guard);
}

static const char metrics_a[] =
    "# HELP http_requests_total Requests.\n"
    "# TYPE http_requests_total counter\n"
    "http_requests_total{code=\"200\"} 90\n"
    "http_requests_total{code=\"500\"} 10\n"
    "http_errors_total 10 1712345678901\n";
static const char metrics_b[] =
    "http_requests_total 1.5e2\n"
    "http_errors_total{kind=\"timeout\"} 1\n"
    "http_errors_total{kind=\"reset\"} 2\n";

static void
test_round(void **state)
{
	struct t *t = *state;
	const char *urls[2];

	urls[0] = srv_add(t, 200, metrics_a);
	urls[1] = srv_add(t, 200, metrics_b);
	assert_int_equal(analysis_start(t->cv, urls, 2, "http_requests_total",
	    "http_errors_total", 1, done, t, &t->an), ST_OK);
	assert_int_equal(t->calls, 0);
	run(t, 5000);
	assert_int_equal(t->calls, 1);
	assert_int_equal(t->err, ST_OK);
	assert_true(t->req == 250);
	assert_true(t->errs == 13);
	assert_string_equal(t->why, "");
	assert_int_equal(t->srv[0].asked, 1);
	assert_int_equal(t->srv[1].asked, 1);
}

static void
test_status(void **state)
{
	struct t *t = *state;
	const char *urls[2];
	char want[128];

	urls[0] = srv_add(t, 200, metrics_a);
	urls[1] = srv_add(t, 500, metrics_b);
	assert_int_equal(analysis_start(t->cv, urls, 2, "http_requests_total",
	    "http_errors_total", 1, done, t, &t->an), ST_OK);
	run(t, 5000);
	assert_int_equal(t->calls, 1);
	assert_int_equal(t->err, ST_EIO);
	assert_true(t->req == 0 && t->errs == 0);
	snprintf(want, sizeof(want), "%s: HTTP status 500", urls[1]);
	assert_string_equal(t->why, want);
}

static void
test_timeout(void **state)
{
	struct t *t = *state;
	const char *urls[2];
	char want[128];

	urls[0] = srv_add(t, 200, metrics_a);
	urls[1] = srv_add(t, 0, NULL);
	assert_int_equal(analysis_start(t->cv, urls, 2, "http_requests_total",
	    "http_errors_total", 0.3, done, t, &t->an), ST_OK);
	run(t, 5000);
	assert_int_equal(t->calls, 1);
	assert_int_equal(t->err, ST_EIO);
	assert_int_equal(t->srv[1].asked, 1);
	snprintf(want, sizeof(want), "%s: timed out after 0.3 s", urls[1]);
	assert_string_equal(t->why, want);
}

static void
test_bad_answers(void **state)
{
	struct t *t = *state;
	const char *url;
	char *big;

	url = srv_add(t, 200, "http_requests_total 5\n");
	assert_int_equal(analysis_start(t->cv, &url, 1, "http_requests_total",
	    "http_errors_total", 1, done, t, &t->an), ST_OK);
	run(t, 5000);
	assert_int_equal(t->calls, 1);
	assert_int_equal(t->err, ST_ENOTFOUND);
	assert_non_null(strstr(t->why, "no sample of http_errors_total"));

	url = srv_add(t, 200, "http_requests_total 5\nhttp_errors_total x\n");
	assert_int_equal(analysis_start(t->cv, &url, 1, "http_requests_total",
	    "http_errors_total", 1, done, t, &t->an), ST_OK);
	run(t, 5000);
	assert_int_equal(t->calls, 2);
	assert_int_equal(t->err, ST_EFORMAT);

	/* An answer too long to hold is refused while it comes. */
	assert_non_null(big = malloc(ANALYSIS_BODY_MAX + 1));
	memset(big, '#', ANALYSIS_BODY_MAX + 1);
	url = srv_add(t, 200, big);
	t->srv[t->nsrv - 1].len = ANALYSIS_BODY_MAX + 1;
	assert_int_equal(analysis_start(t->cv, &url, 1, "http_requests_total",
	    "http_errors_total", 5, done, t, &t->an), ST_OK);
	run(t, 10000);
	free(big);
	assert_int_equal(t->calls, 3);
	assert_int_equal(t->err, ST_EFORMAT);
	assert_non_null(strstr(t->why, "longer than"));
}

static void
test_cancel(void **state)
{
	struct t *t = *state;
	const char *urls[2];

	urls[0] = srv_add(t, 200, metrics_a);
	urls[1] = srv_add(t, 0, NULL);
	/* At once, before anything went out. */
	assert_int_equal(analysis_start(t->cv, urls, 2, "http_requests_total",
	    "http_errors_total", 0.2, done, t, &t->an), ST_OK);
	analysis_cancel(t->an);
	t->an = NULL;
	analysis_cancel(NULL);
	run(t, 500);
	assert_int_equal(t->calls, 0);

	/* Once a server is asked, the other perhaps answered already. */
	t->srv[1].victim = &t->an;
	assert_int_equal(analysis_start(t->cv, urls, 2, "http_requests_total",
	    "http_errors_total", 0.2, done, t, &t->an), ST_OK);
	run(t, 500);
	assert_int_equal(t->srv[1].asked, 1);
	assert_null(t->an);
	assert_int_equal(t->calls, 0);
}

/* The docker driver's event stream may stop a deployment. */
static int
cancel_chunk(struct curlev_req *r, long status, const char *data,
    size_t len, void *arg)
{
	struct t *t = arg;

	analysis_cancel(t->an);
	t->an = NULL;
	return 0;
}

static void
stream_done(struct curlev_req *r, CURLcode rc, long status,
    const char *body, size_t len, void *arg)
{
	struct t *t = arg;

	t->err = rc == CURLE_OK && status == 200 ? ST_OK : ST_EIO;
	event_base_loopexit(t->base, NULL);
}

static void
test_cancel_inside_curl(void **state)
{
	struct t *t = *state;
	struct curlev_req *r;
	const char *url;

	url = srv_add(t, 0, NULL);
	assert_int_equal(analysis_start(t->cv, &url, 1, "http_requests_total",
	    "http_errors_total", 0.2, done, t, &t->an), ST_OK);
	url = srv_add(t, 200, metrics_a);
	assert_int_equal(curlev_req_new(t->cv, "GET", url, &r), ST_OK);
	curlev_req_stream(r, cancel_chunk);
	assert_int_equal(curlev_req_send(r, stream_done, t), ST_OK);
	run(t, 5000);
	assert_int_equal(t->err, ST_OK);
	assert_null(t->an);
	run(t, 500);
	assert_int_equal(t->calls, 0);
}

static void
test_invalid(void **state)
{
	struct t *t = *state;
	const char *url = "http://127.0.0.1:1/metrics";
	struct analysis *an;

	assert_int_equal(analysis_start(t->cv, &url, 0, "a", "b", 1, done, t,
	    &an), ST_EINVAL);
	assert_null(an);
	assert_int_equal(analysis_start(t->cv, &url, 1, "a b", "b", 1, done,
	    t, &an), ST_EINVAL);
	assert_int_equal(analysis_start(t->cv, &url, 1, "a", "", 1, done, t,
	    &an), ST_EINVAL);
	assert_int_equal(analysis_start(t->cv, &url, 1, "a", "b", 0, done, t,
	    &an), ST_EINVAL);
	assert_int_equal(analysis_start(t->cv, &url, 1, "a", "b",
	    ANALYSIS_TIMEOUT_MAX + 1, done, t, &an), ST_EINVAL);
	assert_int_equal(t->calls, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum),
		cmocka_unit_test(test_judge),
		cmocka_unit_test_setup_teardown(test_round, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_inside_curl, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
