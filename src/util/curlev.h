/*
 * curlev.h -- libcurl's multi interface driven by libevent.
 *
 * One struct curlev per event loop runs any number of transfers: curl
 * tells us which sockets to watch (one event each) and when to wake it (one
 * timer), so no thread ever blocks on the network. Two levels:
 *   curlev_add/cancel   a raw easy handle the caller owns and sets up;
 *   curlev_req_*        the common case: an HTTP request with an optional
 *                       body and headers, the response body collected (or
 *                       streamed chunk by chunk for long answers such as
 *                       Docker's /events or pull progress).
 * Callbacks run on the loop. Do not call curlev_free from inside one.
 */
#ifndef STADION_UTIL_CURLEV_H
#define STADION_UTIL_CURLEV_H

#include <stddef.h>

#include <curl/curl.h>

struct event_base;
struct curlev;
struct curlev_req;

/* A raw transfer ended: rc is curl's result, status the HTTP status (0). */
typedef void (*curlev_done_fn)(CURL *easy, CURLcode rc, long status,
    void *arg);

/* ST_ENOMEM, ST_EIO when curl cannot be set up. *out: curlev_free(). */
int curlev_new(struct event_base *base, struct curlev **out);
/*
 * Stop every transfer without calling its callback: raw easy handles stay
 * the caller's, requests (curlev_req_send) are freed. Accepts NULL.
 */
void curlev_free(struct curlev *cm);

/* Start a transfer of easy (still the caller's); done is called once. */
int curlev_add(struct curlev *cm, CURL *easy, curlev_done_fn done, void *arg);
/* Stop a transfer before its end; done will not be called. */
void curlev_cancel(struct curlev *cm, CURL *easy);

/*
 * A request ended. rc: curl's result (CURLE_OK when an HTTP answer came,
 * whatever its status); body/len the response body (what was not
 * streamed: a streamed 2xx answer has len 0 here). The request is freed
 * after this returns.
 */
typedef void (*curlev_req_fn)(struct curlev_req *r, CURLcode rc, long status,
    const char *body, size_t len, void *arg);
/*
 * A chunk of a streamed 2xx answer; data NULL and len 0 once, when the
 * headers are in. Return non-zero to abort the transfer (rc then says
 * CURLE_WRITE_ERROR).
 */
typedef int (*curlev_chunk_fn)(struct curlev_req *r, long status,
    const char *data, size_t len, void *arg);

/*
 * A new request: method ("GET", "POST", "DELETE", ...) on url. ST_ENOMEM.
 * Set it up with the calls below, then curlev_req_send it, or free it with
 * curlev_req_cancel.
 */
int curlev_req_new(struct curlev *cm, const char *method, const char *url,
    struct curlev_req **out);
/* Add a header line "Name: value". ST_ENOMEM. */
int curlev_req_header(struct curlev_req *r, const char *line);
/* The request body (copied) with its content type. ST_ENOMEM. */
int curlev_req_body(struct curlev_req *r, const char *content_type,
    const char *data, size_t len);
/* Stream a 2xx answer to chunk instead of collecting it. */
void curlev_req_stream(struct curlev_req *r, curlev_chunk_fn chunk);
/* The easy handle, for options of the transport (unix socket, TLS). */
CURL *curlev_req_easy(struct curlev_req *r);
/*
 * Send it; done is called exactly once unless the request is cancelled or
 * the curlev freed. On error (ST_EIO, ST_ENOMEM) r is freed, done not called.
 */
int curlev_req_send(struct curlev_req *r, curlev_req_fn done, void *arg);
/* Stop (or drop, if not sent) a request; done will not be called. */
void curlev_req_cancel(struct curlev_req *r);

#endif
