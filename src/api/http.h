/*
 * http.h -- the HTTP API (libevent evhttp, JSON with jansson) on the main
 * event loop: /health and the /v1/services registration and discovery API,
 * with Consul-style blocking queries (?index=N&wait=30s, X-Stadion-Index),
 * and /v1/records (api/records.h);
 * /v2 and /ping go to the Marathon API (api/marathon.h).
 */
#ifndef STADION_API_HTTP_H
#define STADION_API_HTTP_H

#include <stdint.h>

struct event_base;
struct events_sse;
struct orch;
struct registry;
struct store;
struct api_http;

/*
 * Listen on "ADDR:PORT" ("[V6]:PORT") in base and serve reg. watch_max_wait
 * caps ?wait= in seconds. ST_EIO when the address cannot be bound,
 * ST_EINVAL when it does not parse. *out owned by the caller.
 */
int api_http_new(struct event_base *base, const char *listen,
    struct registry *reg, uint32_t watch_max_wait, struct api_http **out);
/*
 * Serve the /v2 API with o (NULL: /v2 answers 503). o must stay valid
 * until api is freed or another orch is set.
 */
void api_http_set_orch(struct api_http *api, struct orch *o);
/* Serve /v2/events with ev (NULL: 503); ev must outlive its use here. */
void api_http_set_events(struct api_http *api, struct events_sse *ev);
/* Serve /v1/records from st (NULL: 503); st must outlive its use here. */
void api_http_set_store(struct api_http *api, struct store *st);
/* Answer pending watches, close the listener, free. Accepts NULL. */
void api_http_free(struct api_http *api);

#endif
