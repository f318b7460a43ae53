/*
 * orch.h -- the orchestrator: Marathon apps, their tasks and deployments.
 *
 * Apps are declared through this interface (the /v2 API calls it), stored
 * in LMDB with every version kept, and one reconciler keeps, for each app,
 * the number of running tasks equal to its "instances" through a
 * containerizer (orch/containerizer.h). A task is published in DNS (through
 * the registry, service = app id) in the same write transaction that
 * records it running, and unpublished in the transaction that records it
 * killing, before its stop is sent.
 *
 * All functions run on the main event loop. JSON returned through *out is
 * new and owned by the caller; JSON passed in is only read.
 */
#ifndef STADION_ORCH_ORCH_H
#define STADION_ORCH_ORCH_H

#include <stdint.h>

#include <jansson.h>

struct event_base;
struct registry;
struct store;
struct bus;
struct ctr;
struct orch;

struct orch_params {
	const char *state_dir;	/* logs and pid files of the process driver */
	const char *docker_endpoint;	/* "unix:///var/run/docker.sock", "tcp://..." */
	const char *docker_tls_ca, *docker_tls_cert, *docker_tls_key;
	const char *host;	/* address tasks are reached at: "127.0.0.1" */
	uint16_t port_min, port_max;	/* host port range, inclusive */
	const char *dns_server;	/* set as containers' resolver, or NULL */
	const char *dns_search;	/* their search domain, or NULL */
	const char *framework_id;	/* for /v2/info */
	const char *leader;	/* "host:port" of the HTTP API, for /v2/info */
	/*
	 * Drivers to use instead of the ones orch_new would make (tests);
	 * NULL: made on first use. The orchestrator frees them.
	 */
	struct ctr *process_ctr, *docker_ctr;
	/* Where Marathon's events go (util/bus.h), or NULL. */
	struct bus *bus;
	/* TTL of the DNS records: how long a retired task drains. */
	uint32_t ttl;
};

/*
 * Why a request was refused. ST_EINVAL: 422, details is Marathon's
 * [{"path","errors":[...]}]; ST_ENOTFOUND: 404; ST_EEXIST: 409;
 * ST_ECONFLICT: 409 because deployments (their [{"id"}]) lock the app.
 * message is Marathon's sentence. orch_error_clear frees the JSON.
 */
struct orch_error {
	char message[256];
	json_t *details;
	json_t *deployments;
};
void orch_error_clear(struct orch_error *e);

/* *out owned by the caller. ST_EINVAL for bad params. */
int orch_new(struct event_base *base, struct store *st, struct registry *reg,
    const struct orch_params *p, struct orch **out);
/*
 * Adopt the instances the drivers already run (by their labels), then
 * reconcile: launch or stop only the difference. Asynchronous.
 */
int orch_start(struct orch *o);
/* Stop reconciling and free; running tasks are left running. NULL ok. */
void orch_free(struct orch *o);

/*
 * POST /v2/apps: *out is the AppInfo of the new app (with "deployments").
 * ST_EINVAL (e->details), ST_EEXIST, store errors.
 */
int orch_app_create(struct orch *o, const json_t *body, json_t **out,
    struct orch_error *e);
/*
 * PUT (partial 0) or PATCH (partial 1) /v2/apps/{id}: create or change the
 * app. *created says which; *out is {"version","deploymentId"} for a change,
 * the AppInfo for a creation. force overrides a deployment lock.
 */
int orch_app_update(struct orch *o, const char *id, const json_t *body,
    int partial, int force, int *created, json_t **out, struct orch_error *e);
/* DELETE /v2/apps/{id}: {"version","deploymentId"}. */
int orch_app_delete(struct orch *o, const char *id, int force, json_t **out,
    struct orch_error *e);
/* POST /v2/apps/{id}/restart: replace every task; {"version","deploymentId"}. */
int orch_app_restart(struct orch *o, const char *id, int force, json_t **out,
    struct orch_error *e);

/* Filters of GET /v2/apps: NULL or "" means no filter. */
struct orch_app_filter {
	const char *id;		/* substring of the id */
	const char *cmd;	/* substring of cmd */
	const char *label;	/* "key" or "key==value" or "key!=value" */
	int embed_tasks;	/* embed=apps.tasks */
};
/* GET /v2/apps: {"apps":[AppInfo...]}. */
int orch_apps_json(struct orch *o, const struct orch_app_filter *f,
    json_t **out);
/* GET /v2/apps/{id}: {"app": AppInfo with tasks}. ST_ENOTFOUND. */
int orch_app_json(struct orch *o, const char *id, json_t **out);
/* GET /v2/apps/{id}/versions: {"versions":[newest first]}. */
int orch_app_versions_json(struct orch *o, const char *id, json_t **out);
/* GET /v2/apps/{id}/versions/{version}: the definition. ST_ENOTFOUND. */
int orch_app_version_json(struct orch *o, const char *id, const char *version,
    json_t **out);

/* GET /v2/apps/{id}/tasks (id) or /v2/tasks (id NULL): {"tasks":[...]}.
 * status: NULL, or "running", "staging", ... to filter (GET /v2/tasks). */
int orch_tasks_json(struct orch *o, const char *id, const char *status,
    json_t **out);
/*
 * Kill tasks: of app id (task_ids NULL: all of them, else those listed) or,
 * with id NULL, the listed task ids of any app (POST /v2/tasks/delete).
 * scale: lower "instances" by the number killed (a new version and
 * deployment, *out {"version","deploymentId"}); else the tasks are
 * replaced and *out is {"tasks":[killed...]} ({"task":...} is the API's
 * business). ST_ENOTFOUND for an unknown app or task.
 */
int orch_tasks_kill(struct orch *o, const char *id,
    const char *const *task_ids, size_t n, int scale, int force,
    json_t **out, struct orch_error *e);

/* GET /v2/deployments: [Deployment...] as Marathon shows them. */
int orch_deployments_json(struct orch *o, json_t **out);
/* GET /v2/deployments/{id} (stadion's): one Deployment. ST_ENOTFOUND. */
int orch_deployment_json(struct orch *o, const char *id, json_t **out);
/*
 * DELETE /v2/deployments/{id}: force 0 rolls back (a new deployment to the
 * previous version, *out {"version","deploymentId"}); force 1 just cancels
 * (*out NULL, the API answers 202). ST_ENOTFOUND.
 */
int orch_deployment_cancel(struct orch *o, const char *id, int force,
    json_t **out, struct orch_error *e);
/*
 * POST /v2/deployments/{id}/pause (pause 1) and /resume (0), stadion's:
 * a paused deployment starts and stops nothing until resumed (a canary's
 * indefinite pause is resumed this way). *out is its view. ST_ENOTFOUND;
 * ST_ECONFLICT for a deployment that replaces no instances.
 */
int orch_deployment_pause(struct orch *o, const char *id, int pause,
    json_t **out, struct orch_error *e);

/* GET /v2/info: name, version, frameworkId, leader, marathon_config... */
int orch_info_json(struct orch *o, json_t **out);

/*
 * GET /v2/queue: {"queue": [{"count", "delay": {"timeLeftSeconds",
 * "overdue"}, "since", "launchesStopped", "failures", "app"}]}, the apps
 * that want launches now, delayed by the back-off or not.
 */
int orch_queue_json(struct orch *o, json_t **out);
/*
 * DELETE /v2/queue/{id}/delay: forget the app's failures, its delay and a
 * stop after maxLaunchAttempts. ST_ENOTFOUND (e->message) when the app is
 * not in the queue.
 */
int orch_queue_reset(struct orch *o, const char *id, struct orch_error *e);

/* The bus the orchestrator publishes on (the API adds api_post_event). */
struct bus *orch_bus(struct orch *o);

#endif
