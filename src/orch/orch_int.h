/*
 * orch_int.h -- what the pieces of the orchestrator share; not for use
 * outside src/orch/orch*.c.
 *
 * orch.c          life cycle, the drivers, their events, adoption (sync)
 * orch_db.c       the LMDB records: apps, versions, tasks, deployments
 * orch_task.c     one task's pipeline: create, start, publish, stop, remove
 * orch_adopt.c    tasks loaded from LMDB and matched with the drivers
 * orch_plan.c     the reconciler: what each app needs, deployments' ends
 * orch_api.c      the requests of orch.h that change apps and tasks
 * orch_json.c     the read views: AppInfo, Task, Deployment, info
 * orch_health.c   health checks of running tasks, and what they change
 * orch_event.c    the events published on the bus, back-off and alerts
 *                 bookkeeping, the launch queue
 * orch_deploy.c   deployments: the strategies' passes, drains, switches,
 *                 weights, failure and rollback
 * orch_canary.c   a step's error rate from the new instances' metrics
 *
 * Memory mirrors LMDB: every change is written first, and memory follows
 * only once the write committed, so a failed write changes nothing.
 */
#ifndef STADION_ORCH_ORCH_INT_H
#define STADION_ORCH_ORCH_INT_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "orch/app.h"
#include "orch/containerizer.h"
#include "orch/orch.h"
#include "util/clock.h"

#define ORCH_TASK_ID_MAX 129	/* the registry's instance ids: 128 */
#define ORCH_VERSION_MAX 32	/* "2026-11-30T08:33:46.421Z" */
#define ORCH_UUID_MAX 37
#define ORCH_PORTS_MAX 64
#define ORCH_KEY_MAX (APP_ID_MAX + ORCH_TASK_ID_MAX + 2)
#define ORCH_RESYNC_S 30	/* a full list of each driver this often */
#define ORCH_ALERT_MAX 64	/* failures remembered for the alert window */

enum orch_drv {
	ORCH_DRV_PROCESS = 0,
	ORCH_DRV_DOCKER,
	ORCH_DRV__COUNT
};

/*
 * Where a task is in its pipeline. Each step is one driver call; at most
 * one is in flight per task (op), and events that arrive meanwhile are
 * only noted (exited) and acted on when it returns.
 */
enum orch_tstate {
	OT_NEW = 0,	/* recorded with its ports; nothing created yet */
	OT_CREATED,	/* the driver has it (handle), not started */
	OT_RUNNING,	/* started and published in DNS */
	OT_STOPPING,	/* unpublished; stop sent or to be sent */
	OT_REMOVING,	/* ended; the driver's remains are being removed */
};

/* What DNS knows of a task's health (the registry instance's "health"). */
enum orch_health {
	OH_NONE = 0,	/* the app has no health checks: served when running */
	OH_STARTING,	/* checks have not passed yet: not served */
	OH_HEALTHY,
	OH_UNHEALTHY,
};

enum orch_op {
	OP_NONE = 0,
	OP_CREATE,
	OP_START,
	OP_STOP,
	OP_REMOVE,
};

struct orch_app;

struct orch_task {
	TAILQ_ENTRY(orch_task) entry;
	struct orch *o;
	struct orch_app *app;
	char id[ORCH_TASK_ID_MAX];
	char handle[CTR_HANDLE_MAX];
	char version[ORCH_VERSION_MAX];	/* the app's version at launch */
	char config_version[ORCH_VERSION_MAX];	/* its lastConfigChangeAt */
	char staged_at[ORCH_VERSION_MAX];
	char started_at[ORCH_VERSION_MAX];	/* "" until running */
	time_t started_mono;	/* monotonic seconds, 0 until running */
	enum orch_drv drv;
	enum orch_tstate state;
	enum orch_op op;
	uint16_t ports[ORCH_PORTS_MAX];
	size_t n_ports;
	int grace;		/* taskKillGracePeriodSeconds at launch */
	enum orch_health health;
	struct health_watch *hw;	/* its checks, while it runs */
	double started_wall;	/* wall clock seconds it started running */
	int kill;		/* asked to go: stop, do not replace */
	int exited;		/* the driver saw it end (or lose it) */
	int exit_code;
	int oom;
	int vanished;		/* removed behind our back, not just ended */
	int lost;		/* its engine is unreachable */
	int seen;		/* found by the sync in progress */
	double changed;		/* monotonic time of its last state change */
	int write_failed;	/* a state change could not be stored */
	int standby;		/* runs and is checked, but held out of DNS */
	unsigned weight;	/* its SRV weight (a canary's share), >= 1 */
	double drain_until;	/* wall clock: a draining stop waits till then */
	char message[384];	/* why it ended, for its status event */
};

TAILQ_HEAD(orch_task_list, orch_task);

/* Where a canary step's metrics analysis is. */
enum orch_an {
	OD_AN_NONE = 0,		/* nothing fetched yet */
	OD_AN_BASE,		/* the counters at the step's start are in */
	OD_AN_PASSED,		/* the error rate over the step is fine */
	OD_AN_FAILED,		/* too high, or unreadable: an_why */
};

struct orch_app {
	TAILQ_ENTRY(orch_app) entry;
	struct orch *o;
	char id[APP_ID_MAX];
	char label[64];		/* its DNS label, unique among apps */
	json_t *def;		/* with version, versionInfo; NULL: deleted */
	struct orch_task_list tasks;
	json_t *last_failure;	/* Marathon's lastTaskFailure, or NULL */
	unsigned failures;	/* in a row, for the launch back-off */
	double delay_until;	/* monotonic; no launch before */
	int stopped;		/* maxLaunchAttempts used up: no launch */
	double fail_times[ORCH_ALERT_MAX];	/* monotonic, a ring */
	unsigned n_fail_times;
	double alerted;		/* monotonic time of the last alert */
	double queued_since;	/* wall clock: since it waits for launches */
	int waiting_deps;	/* logged once while dependencies are not up */
	struct analysis *an;	/* a canary step's metrics fetch in flight */
	char an_dep[ORCH_UUID_MAX];	/* the deployment and step judged */
	long long an_step;
	enum orch_an an_state;
	double an_req, an_err;	/* the baseline of the counters */
	char an_why[192];	/* why the canaries failed */
};

TAILQ_HEAD(orch_app_list, orch_app);

struct orch_driver {
	struct orch *o;
	enum orch_drv idx;
	struct ctr *ctr;
	int failed;		/* could not be made: logged once */
	int synced;		/* listed since start or reconnection */
	int syncing;		/* a list is in flight */
	double list_sent;	/* when it was asked: later changes are newer */
	int lost;		/* the engine is unreachable */
};

struct orch {
	struct event_base *base;
	struct store *st;
	struct registry *reg;
	struct store_txn *reader;
	char *state_dir, *host, *framework_id;
	char *docker_endpoint, *docker_ca, *docker_cert, *docker_key;
	char *dns_server, *dns_search;
	struct orch_driver drv[ORCH_DRV__COUNT];
	struct curlev *cv;	/* the canaries' metrics fetches */
	uint32_t ttl;		/* of the DNS records: what a drain waits */
	struct ports *ports;
	uint16_t port_min, port_max;
	struct health *health;
	struct bus *bus;
	struct orch_app_list apps;
	json_t *deployments;	/* deployment id -> stored deployment */
	char *leader;
	char owner[ORCH_UUID_MAX];	/* CTR_LABEL_OWNER of our instances */
	int64_t last_version_ms;	/* versions are strictly increasing */
	struct event *kick_ev;	/* one reconcile pass, coalesced */
	struct event *delay_ev;	/* the earliest delayed launch */
	struct event *resync_ev;
	int started;
};

/* orch.c */

/* Schedule a reconcile pass on the next loop turn (coalesced). */
void orch_kick(struct orch *o);
/* The driver of app definition def (docker for DOCKER containers). */
enum orch_drv orch_app_drv(const json_t *def);
/* The driver's containerizer, made on first use; NULL if it cannot be. */
struct ctr *orch_driver(struct orch *o, enum orch_drv d);
struct orch_app *orch_app_find(struct orch *o, const char *id);
/* The app a URL's id names ("prod/web"), if it has a definition. */
struct orch_app *orch_app_live(struct orch *o, const char *id);
struct orch_task *orch_task_find(struct orch *o, const char *task_id);
/* A new app in memory (def not taken); NULL when out of memory. */
struct orch_app *orch_app_add(struct orch *o, const char *id);
/* Drop an app that has neither definition nor tasks any more. */
void orch_app_forget(struct orch_app *a);
/* The deployment locking app id, or NULL. */
json_t *orch_app_deployment(struct orch *o, const char *id);
/* "2026-11-30T08:33:46.421Z", later than any given before. */
void orch_new_version(struct orch *o, char *out);
/* A random RFC 4122 version 4 UUID. */
void orch_uuid(char *out);

/* orch_db.c */

/* Read every record into memory (at start). */
int orch_db_load(struct orch *o);
/* Inside a write transaction. The app record and its version record. */
int orch_db_put_app(struct store_txn *txn, const json_t *def);
/* Remove the app record and all its versions. */
int orch_db_del_app(struct store_txn *txn, const char *id);
int orch_db_put_task(struct store_txn *txn, const struct orch_task *t);
int orch_db_del_task(struct store_txn *txn, const struct orch_task *t);
int orch_db_put_deployment(struct store_txn *txn, const json_t *d);
int orch_db_del_deployment(struct store_txn *txn, const char *id);
/* Versions of app id, newest first (a new array), from LMDB. */
int orch_db_versions(struct orch *o, const char *id, json_t **out);
/* One version's definition (new), ST_ENOTFOUND. */
int orch_db_version(struct orch *o, const char *id, const char *version,
    json_t **out);

/* orch_task.c */

/* What orch_task_write changes besides memory. */
enum {
	W_PUT = 1,		/* store the record of the new state */
	W_DEL = 2,		/* remove the record */
	W_PUBLISH = 4,		/* into DNS */
	W_UNPUBLISH = 8,	/* out of DNS */
};
/*
 * Store t's move to next (a changed copy of t, or t itself) with what
 * (W_*), in one transaction; memory follows only when it committed (then
 * the status event, and the health checks start or stop). ST_OK, or the
 * error, logged.
 */
int orch_task_write(struct orch_task *t, struct orch_task *next, int what);
/* Several tasks' moves in one transaction (a blue-green switch). */
struct orch_write {
	struct orch_task *t;
	struct orch_task next;
	int what;
};
int orch_tasks_write(struct orch_write *w, size_t n);

/*
 * A new task of app a (at its current version), recorded: ST_EFULL etc.
 * A standby task is checked but kept out of DNS until it is switched in.
 */
int orch_task_launch(struct orch_app *a, int standby);
/* Ask task t to go (unpublish, stop, remove); a no-op if it is going. */
void orch_task_kill(struct orch_task *t);
/*
 * Retire a task that serves: out of DNS now, stopped drain_s seconds
 * later, when resolvers have forgotten it. A task switched out to
 * standby drains from its switch (drain_until); others are killed at
 * once.
 */
void orch_task_retire(struct orch_task *t, double drain_s);
/* Move t along its pipeline as far as it can go now. */
void orch_task_step(struct orch_task *t);
/*
 * Store t's health h (its record and DNS, one transaction); ST_OK or the
 * error, logged.
 */
int orch_task_set_health(struct orch_task *t, enum orch_health h);

/* orch_adopt.c */

/*
 * What a sync found of t: info NULL when its driver does not have it.
 * Adopts a running instance (RUNNING, published) or notes its end.
 */
void orch_task_synced(struct orch_task *t, const struct ctr_info *info);
/* Mark ports taken and add a task loaded from LMDB to its app. */
int orch_task_restore(struct orch_app *a, const json_t *rec);
/* The task's record / Marathon view. */
json_t *orch_task_record(const struct orch_task *t);
/* 1 while t counts towards its app's instances. */
int orch_task_alive(const struct orch_task *t);
/* 1 when t's config is the app's current one. */
int orch_task_current(const struct orch_task *t);
/* Marathon's state name of t: "TASK_RUNNING", ... */
const char *orch_task_state_name(const struct orch_task *t);
void orch_task_free(struct orch_task *t);

/* orch_health.c */

/* Start the checks of a task that runs (no-op without checks or if on). */
void orch_health_start(struct orch_task *t);
/* Stop them (no-op when off). */
void orch_health_stop(struct orch_task *t);
/* "none", "starting", "healthy", "unhealthy"; and back (ST_EFORMAT). */
const char *orch_health_name(enum orch_health h);
int orch_health_parse(const char *s, enum orch_health *out);
/* 1 when t runs and may be sent traffic (healthy, or without checks). */
int orch_task_healthy(const struct orch_task *t);
/* 1 when t is healthy and in DNS (not held back as standby). */
int orch_task_serving(const struct orch_task *t);

/* orch_event.c */

/* Publish a status_update_event of t with its state now. */
void orch_event_status(struct orch_task *t, const char *message);
/* Publish event of type (taken) on the bus. */
void orch_event(struct orch *o, const char *type, json_t *event);
/*
 * A deployment's event: deployment_info (its plan and current step),
 * deployment_success, deployment_failed (with reason), each after the
 * step event Marathon sends with it. d NULL: nothing.
 */
void orch_deployment_event(struct orch *o, const json_t *d,
    const char *type, const char *reason);
/* deployment_step_success or _failure of step (1-based) of d. */
void orch_deployment_step_event(struct orch *o, const json_t *d,
    long long step, const char *type);
/*
 * A task of a failed: count it for the back-off (reset when the task had
 * run backoffResetSeconds), the alert window (alertFailures within
 * alertWindowSeconds: an alert) and maxLaunchAttempts (used up: launches
 * stop). Schedules the next launch.
 */
void orch_failure(struct orch_app *a, double ran_s, const char *cause);
/* Forget a's failures, delay and stop (new config, or the queue reset). */
void orch_failure_reset(struct orch_app *a);
/*
 * Pure parts of orch_failure, for tests with a clock of their own: the
 * delay before the launch after failure n (1-based) of app definition
 * def, < 0 once maxLaunchAttempts are used up; and, counting one more
 * failure of a at now, the failures within the alert window when an
 * alert is due (at most one a window), else 0.
 */
double orch_backoff_delay(const json_t *def, unsigned n);
unsigned orch_alert_count(struct orch_app *a, double now);

/* orch_deploy.c */

/* The app's upgradeStrategy; members of JSON objects, 0 when absent. */
const json_t *orch_app_strategy(const struct orch_app *a);
json_int_t orch_jint(const json_t *obj, const char *key);
double orch_jnum(const json_t *obj, const char *key);

/* What one reconcile pass does for an app. */
struct orch_decision {
	unsigned launch, kill_old, kill_cur;
	int standby;		/* launches stay out of DNS until a switch */
	double drain;		/* seconds a serving task drains before its stop */
	int done;		/* the app is where its deployment sends it */
	int holding;		/* it waits on a timer of its own, not on tasks */
};
/*
 * Give a new deployment d of app to definition def the steps of strategy
 * type ("RollingUpdate", "BlueGreen", "Canary", "Rollback") and its
 * progress fields. ST_ENOMEM.
 */
int orch_deploy_init(json_t *d, const char *app, const json_t *def,
    const char *type);
/*
 * One pass for live app a: its deployment's progress (stored), switches
 * and weights, and what to launch and stop now; *wake (monotonic) gets
 * the earliest time a pass is due again.
 */
void orch_deploy_decide(struct orch_app *a, struct orch_decision *out,
    double *wake);
/* The seconds a serving task of a drains: drainSeconds, else TTL + 1. */
double orch_deploy_drain(const struct orch_app *a);
/* A task of a's current config failed: counted against its deployment. */
void orch_deploy_failure(struct orch_app *a);

/* orch_canary.c */

/*
 * The window of step (a canary's pause, a batch's interval) of deployment
 * dep_id of a, with an analysis: a baseline when it begins, a verdict
 * once over is set. Returns 1 when the step may end (no analysis: over),
 * 0 to wait, -1 when the new instances failed (a->an_why says why).
 */
int orch_step_judge(struct orch_app *a, const char *dep_id, long long step,
    int over);

/* orch_plan.c */

/* One reconcile pass over every app. */
void orch_plan_run(struct orch *o);
/* Launches app a still wants now (0 when none or not decided yet). */
unsigned orch_plan_wanted(const struct orch_app *a);

/*
 * orch_api.c: roll a's failed deployment d back to its original (a new
 * "Rollback" deployment; d ends as failed with reason). ST_OK or error.
 */
int orch_rollback(struct orch_app *a, json_t *d, const char *reason);
/* End deployment d as failed with reason (stored, event, forgotten). */
void orch_deployment_end(struct orch *o, json_t *d, const char *reason);

/* orch_json.c */

json_t *orch_json_task(const struct orch_task *t);
/* AppInfo of a, with tasks embedded when tasks is set. */
json_t *orch_json_app(const struct orch_app *a, int tasks);
/* Marathon's view of a stored deployment. */
json_t *orch_json_deployment(const json_t *d);
/* {"version", "deploymentId"}. */
json_t *orch_json_result(const char *version, const char *deployment_id);

#endif
