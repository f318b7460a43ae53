/*
 * marathon_int.h -- what the pieces of the /v2 API share: the parsed
 * request, the answer helpers and the route handlers.
 */
#ifndef STADION_API_MARATHON_INT_H
#define STADION_API_MARATHON_INT_H

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

struct events_sse;
struct orch;
struct orch_error;

enum marathon_route {
	MARATHON_PING,
	MARATHON_APPS,
	MARATHON_APP,
	MARATHON_APP_RESTART,
	MARATHON_APP_TASKS,
	MARATHON_APP_TASK,
	MARATHON_APP_VERSIONS,
	MARATHON_APP_VERSION,
	MARATHON_TASKS,
	MARATHON_TASKS_DELETE,
	MARATHON_DEPLOYMENTS,
	MARATHON_DEPLOYMENT,
	MARATHON_DEPLOYMENT_PAUSE,
	MARATHON_DEPLOYMENT_RESUME,
	MARATHON_INFO,
	MARATHON_QUEUE,
	MARATHON_QUEUE_DELAY,
	MARATHON_EVENTS,
};

/* One request: its route, decoded path parameters and query. */
struct marathon_req {
	struct orch *o;
	struct events_sse *events;
	struct evhttp_request *req;
	enum evhttp_cmd_type method;
	enum marathon_route route;
	char *id;		/* app id, "/prod/web" */
	char *sub;		/* task id, version or deployment id */
	struct evkeyvalq query;
};

/* Send body (its reference is taken; NULL means out of memory) as JSON. */
void marathon_reply(struct evhttp_request *req, int code, json_t *body);
/* Send {"message": message}. */
void marathon_message(struct evhttp_request *req, int code,
    const char *message);
/* Answer an orch error as Marathon does; e may be NULL; clears e. */
void marathon_fail(struct marathon_req *r, int err, struct orch_error *e);
/* A read's outcome: 200 with out (taken), or the error err. */
void marathon_answer(struct marathon_req *r, int err, json_t *out);
/* The body as JSON, or NULL after answering 400 "Invalid JSON". */
json_t *marathon_body(struct marathon_req *r);
/* Boolean query parameter name into *val (0 when absent); -1 after 400. */
int marathon_flag(struct marathon_req *r, const char *name, int *val);
/* Query parameter name, or NULL. */
const char *marathon_param(struct marathon_req *r, const char *name);

/* The handlers: marathon_apps.c. */
void marathon_apps_get(struct marathon_req *r);
void marathon_apps_post(struct marathon_req *r);
void marathon_app_get(struct marathon_req *r);
void marathon_app_put(struct marathon_req *r);
void marathon_app_delete(struct marathon_req *r);
void marathon_app_restart(struct marathon_req *r);
void marathon_app_versions(struct marathon_req *r);
void marathon_app_version(struct marathon_req *r);

/* marathon_tasks.c. */
void marathon_app_tasks_get(struct marathon_req *r);
void marathon_app_tasks_delete(struct marathon_req *r);
void marathon_app_task_delete(struct marathon_req *r);
void marathon_tasks_get(struct marathon_req *r);
void marathon_tasks_delete(struct marathon_req *r);
void marathon_deployments_get(struct marathon_req *r);
void marathon_deployment_get(struct marathon_req *r);
void marathon_deployment_delete(struct marathon_req *r);
/* POST /v2/deployments/{id}/pause and /resume (stadion extensions). */
void marathon_deployment_pause(struct marathon_req *r);
void marathon_deployment_resume(struct marathon_req *r);
void marathon_info(struct marathon_req *r);
void marathon_queue_get(struct marathon_req *r);
void marathon_queue_delay_delete(struct marathon_req *r);
/* Tell the bus of a change of app id made through the API. */
void marathon_post_event(struct marathon_req *r, const char *id);

#endif
