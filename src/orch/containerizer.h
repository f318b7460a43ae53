/*
 * containerizer.h -- one interface, two drivers: how stadion runs instances.
 *
 * A containerizer (struct ctr) runs instances for the orchestrator. Every
 * operation is asynchronous on the event loop it was created with: it
 * returns at once (an error only when the request could not even be sent)
 * and later calls its callback exactly once, on that loop, unless the
 * containerizer is freed first (then never). Callbacks may start new
 * operations. Drivers:
 *   process  fork/exec of the app's cmd via /bin/sh -c (ctr_process.c)
 *   docker   the Docker Engine API over libcurl (ctr_docker.c)
 * Each driver fills in a const struct ctr_ops; callers use the ctr_*()
 * wrappers below, which answer ST_EINVAL (through the return value) for an
 * operation the driver does not have.
 *
 * Instances carry four labels, so a restarted stadiond can adopt them:
 * CTR_LABEL_APP (the app id), CTR_LABEL_INSTANCE (the task id),
 * CTR_LABEL_VERSION (the app version) and CTR_LABEL_OWNER (which stadiond
 * made it: several may share one Docker engine, and each adopts or
 * removes only its own).
 */
#ifndef STADION_ORCH_CONTAINERIZER_H
#define STADION_ORCH_CONTAINERIZER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define CTR_LABEL_APP "stadion.app"
#define CTR_LABEL_INSTANCE "stadion.instance"
#define CTR_LABEL_VERSION "stadion.version"
#define CTR_LABEL_OWNER "stadion.owner"

#define CTR_HANDLE_MAX 130	/* a docker container id (64 hex) or a task id */
#define CTR_ID_MAX 256		/* app ids, task ids, versions */

struct ctr;

/* What to launch: built by the orchestrator from an app definition. */
struct ctr_spec {
	const char *app_id;	/* "/prod/web" */
	const char *instance_id;	/* the task id: "prod_web.<uuid>" */
	const char *version;	/* the app version (ISO 8601 timestamp) */
	const char *owner;	/* CTR_LABEL_OWNER's value, or NULL for none */
	/*
	 * The validated app definition (doc/app-definition.md): the driver
	 * reads cmd, args, cpus, mem, disk, labels, container.docker.*,
	 * container.volumes, portMappings, user from it.
	 */
	const json_t *app;
	/* The instance's environment, "NAME=value" strings (orch/env.h). */
	const char *const *env;
	size_t n_env;
	/* Host ports given to this instance, in port-definition order. */
	const uint16_t *host_ports;
	size_t n_ports;
	/* Extra docker labels from the app's "labels" are added by the driver. */
};

enum ctr_state {
	CTR_S_CREATED = 0,	/* exists, not started */
	CTR_S_RUNNING,
	CTR_S_EXITED,		/* ended; exit_code/oom say how */
	CTR_S_GONE,		/* removed, or never existed */
};

/* What a driver knows of one instance. */
struct ctr_info {
	char handle[CTR_HANDLE_MAX];	/* the driver's id of the instance */
	char app_id[CTR_ID_MAX];	/* labels; "" when unlabelled */
	char instance_id[CTR_ID_MAX];
	char version[CTR_ID_MAX];
	enum ctr_state state;
	int exit_code;		/* valid in CTR_S_EXITED; -1 when unknown */
	int oom;		/* killed by the OOM killer */
	int64_t pid;		/* main process on the host, 0 when unknown */
	time_t started_at;	/* 0 when unknown */
};

enum ctr_event_type {
	CTR_EV_START = 0,
	CTR_EV_DIE,		/* exit_code, oom in info */
	CTR_EV_OOM,
	CTR_EV_DESTROY,		/* removed */
	CTR_EV_LOST,		/* the engine cannot be reached any more */
	CTR_EV_RECONNECTED,	/* the engine is back: the caller re-lists */
};

struct ctr_event {
	enum ctr_event_type type;
	struct ctr_info info;	/* handle and labels; for DIE the exit */
};

/*
 * Callbacks. err is ST_OK or an ST_E* code; msg (may be NULL) says why in
 * words, e.g. the engine's error message. Pointers passed to a callback
 * live only during the call.
 */
typedef void (*ctr_done_fn)(int err, const char *msg, void *arg);
typedef void (*ctr_create_fn)(int err, const char *msg, const char *handle,
    void *arg);
typedef void (*ctr_info_fn)(int err, const char *msg,
    const struct ctr_info *info, void *arg);
/* list: n entries (only labelled instances of stadion). */
typedef void (*ctr_list_fn)(int err, const char *msg,
    const struct ctr_info *infos, size_t n, void *arg);
/* logs, exec: output bytes (stdout and stderr interleaved as they came). */
typedef void (*ctr_output_fn)(int err, const char *msg, const char *data,
    size_t len, int exit_code, void *arg);
/* stats, image list: a JSON value lent for the call. */
typedef void (*ctr_json_fn)(int err, const char *msg, const json_t *v,
    void *arg);
typedef void (*ctr_event_fn)(const struct ctr_event *ev, void *arg);

/*
 * stats JSON, both drivers: {"cpu_seconds": real, "mem_bytes": int,
 * "mem_limit_bytes": int (0 = none), "pids": int}.
 */

/* The plug-in table. A NULL entry is an operation the driver lacks. */
struct ctr_ops {
	const char *name;
	int (*create)(struct ctr *c, const struct ctr_spec *spec,
	    ctr_create_fn cb, void *arg);
	int (*start)(struct ctr *c, const char *handle, ctr_done_fn cb,
	    void *arg);
	/* SIGTERM (or the image's stop signal), SIGKILL after grace_s. */
	int (*stop)(struct ctr *c, const char *handle, int grace_s,
	    ctr_done_fn cb, void *arg);
	int (*kill)(struct ctr *c, const char *handle, int sig,
	    ctr_done_fn cb, void *arg);
	int (*restart)(struct ctr *c, const char *handle, int grace_s,
	    ctr_done_fn cb, void *arg);
	/* Remove an ended instance (force: a running one is killed first). */
	int (*remove)(struct ctr *c, const char *handle, int force,
	    ctr_done_fn cb, void *arg);
	int (*inspect)(struct ctr *c, const char *handle, ctr_info_fn cb,
	    void *arg);
	/* The last tail_lines lines (0: all). */
	int (*logs)(struct ctr *c, const char *handle, int tail_lines,
	    ctr_output_fn cb, void *arg);
	int (*stats)(struct ctr *c, const char *handle, ctr_json_fn cb,
	    void *arg);
	/* Instances with label key=value (value NULL: any value). */
	int (*list)(struct ctr *c, const char *key, const char *value,
	    ctr_list_fn cb, void *arg);
	/* Called when the instance has ended, with its exit. */
	int (*wait)(struct ctr *c, const char *handle, ctr_info_fn cb,
	    void *arg);
	/* argv NULL-terminated; output and exit code to cb. */
	int (*exec)(struct ctr *c, const char *handle,
	    const char *const *argv, ctr_output_fn cb, void *arg);
	/*
	 * Images (docker only). auth: the registry credentials as the JSON
	 * {"username","password","serveraddress"} or NULL.
	 */
	int (*image_pull)(struct ctr *c, const char *image, const char *auth,
	    ctr_done_fn cb, void *arg);
	int (*image_tag)(struct ctr *c, const char *image, const char *repo,
	    const char *tag, ctr_done_fn cb, void *arg);
	int (*image_push)(struct ctr *c, const char *image, const char *auth,
	    ctr_done_fn cb, void *arg);
	int (*image_list)(struct ctr *c, ctr_json_fn cb, void *arg);
	int (*image_remove)(struct ctr *c, const char *image, int force,
	    ctr_done_fn cb, void *arg);
	/* Follow the driver's events (start, die, oom, destroy, lost, back). */
	int (*events)(struct ctr *c, ctr_event_fn cb, void *arg);
	void (*free)(struct ctr *c);
};

/*
 * Every driver's struct begins with this, so ctr_*() find the table.
 * Drivers allocate it; callers only hold the pointer.
 */
struct ctr {
	const struct ctr_ops *ops;
};

/* Wrappers: ST_EINVAL when the driver lacks the operation. */
int ctr_create(struct ctr *c, const struct ctr_spec *spec, ctr_create_fn cb,
    void *arg);
int ctr_start(struct ctr *c, const char *handle, ctr_done_fn cb, void *arg);
int ctr_stop(struct ctr *c, const char *handle, int grace_s, ctr_done_fn cb,
    void *arg);
int ctr_kill(struct ctr *c, const char *handle, int sig, ctr_done_fn cb,
    void *arg);
int ctr_restart(struct ctr *c, const char *handle, int grace_s,
    ctr_done_fn cb, void *arg);
int ctr_remove(struct ctr *c, const char *handle, int force, ctr_done_fn cb,
    void *arg);
int ctr_inspect(struct ctr *c, const char *handle, ctr_info_fn cb, void *arg);
int ctr_logs(struct ctr *c, const char *handle, int tail_lines,
    ctr_output_fn cb, void *arg);
int ctr_stats(struct ctr *c, const char *handle, ctr_json_fn cb, void *arg);
int ctr_list(struct ctr *c, const char *key, const char *value,
    ctr_list_fn cb, void *arg);
int ctr_wait(struct ctr *c, const char *handle, ctr_info_fn cb, void *arg);
int ctr_exec(struct ctr *c, const char *handle, const char *const *argv,
    ctr_output_fn cb, void *arg);
int ctr_image_pull(struct ctr *c, const char *image, const char *auth,
    ctr_done_fn cb, void *arg);
int ctr_image_tag(struct ctr *c, const char *image, const char *repo,
    const char *tag, ctr_done_fn cb, void *arg);
int ctr_image_push(struct ctr *c, const char *image, const char *auth,
    ctr_done_fn cb, void *arg);
int ctr_image_list(struct ctr *c, ctr_json_fn cb, void *arg);
int ctr_image_remove(struct ctr *c, const char *image, int force,
    ctr_done_fn cb, void *arg);
int ctr_events(struct ctr *c, ctr_event_fn cb, void *arg);
/* The driver's name ("process", "docker"). */
const char *ctr_name(const struct ctr *c);
/* Free the driver; pending callbacks are never called. Accepts NULL. */
void ctr_free(struct ctr *c);

#endif
