/*
 * marathon.h -- the Marathon-compatible /v2 REST API (apps, tasks,
 * deployments, info) and /ping, answered on the main loop through the
 * orchestrator (orch/orch.h). api/http.c hands these paths over.
 */
#ifndef STADION_API_MARATHON_H
#define STADION_API_MARATHON_H

struct events_sse;
struct evhttp_request;
struct orch;

/* 1 when the raw request path (e.g. "/v2/apps/web") is this API's. */
int marathon_owns(const char *path);
/*
 * Answer req, whose path marathon_owns; /v2/events goes to ev (the event
 * stream, api/events.h). o NULL (no orchestrator): the rest of /v2
 * answers 503 with a JSON message, and so does /v2/events without ev;
 * /ping still answers "pong".
 */
void marathon_handle(struct orch *o, struct events_sse *ev,
    struct evhttp_request *req);

#endif
