/*
 * health.h -- health checks of running instances (an app's healthChecks).
 *
 * Two layers:
 *   health_state_*  one check's state machine, pure: every result comes
 *                   with the time it was taken, so tests drive it with a
 *                   clock of their own (health_state.c);
 *   health_*        the checker on the event loop: a watch per instance
 *                   runs each of its checks on a timer, one probe in
 *                   flight per check, and reports every result and every
 *                   change of the instance's status (health.c, probes in
 *                   health_http.c, health_tcp.c, health_cmd.c).
 * Probes never block: HTTP(S) through libcurl's multi interface
 * (util/curlev.h), TCP through a non-blocking connect on the loop,
 * COMMAND and SCRIPT through the instance's containerizer (ctr_exec: a
 * docker exec, or a process beside the instance).
 *
 * A check (the normalized healthChecks element, doc/app-definition.md):
 *   protocol   HTTP, HTTPS (certificates not verified, as Marathon),
 *              MESOS_HTTP, MESOS_HTTPS (the same), TCP, MESOS_TCP,
 *              COMMAND (exit code 0 passes), SCRIPT (stadion's: a
 *              command whose stdout is JSON {"status": "healthy" or
 *              "unhealthy", "message": "..."}; anything else fails)
 *   port       fixed port; else portIndex into the instance's host ports
 *   path       HTTP(S): the request path
 *   httpStatuses   HTTP(S), stadion's: the statuses that pass (default:
 *              200 to 399)
 *   expectBody HTTP(S), stadion's: the body must hold this text
 *   ignoreHttp1xx  a 1xx answer is no result: the state stays as it was
 *   send, expect   TCP, stadion's: bytes written once connected, and text
 *              the answer must hold (read until found, closed or timeout)
 *   command    {"value": "shell command"}: COMMAND and SCRIPT, run with
 *              /bin/sh -c
 *   gracePeriodSeconds, intervalSeconds, timeoutSeconds,
 *   maxConsecutiveFailures, delaySeconds   see health_state_apply
 */
#ifndef STADION_HEALTH_HEALTH_H
#define STADION_HEALTH_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ctr;
struct event_base;

enum health_status {
	HEALTH_STARTING = 0,	/* no success yet */
	HEALTH_HEALTHY,		/* passed last time */
	HEALTH_UNHEALTHY,	/* failed since its last success */
	HEALTH_DEAD,		/* maxConsecutiveFailures failures in a row */
};

/* "starting", "healthy", "unhealthy", "dead". */
const char *health_status_name(enum health_status s);

/* ---- health_state.c: one check's state machine */

struct health_params {
	double grace_s;		/* gracePeriodSeconds */
	double interval_s;	/* intervalSeconds */
	double timeout_s;	/* timeoutSeconds */
	double delay_s;		/* delaySeconds: before the first probe */
	unsigned max_failures;	/* maxConsecutiveFailures; 0: never dead */
};

/* The parameters of a normalized healthChecks element. */
void health_params_from(const json_t *check, struct health_params *p);

struct health_state {
	enum health_status status;
	int alive;		/* the last result passed */
	unsigned consecutive_failures;
	double first_success;	/* wall clock seconds; 0: never */
	double last_success;
	double last_failure;
	char last_failure_cause[256];
};

void health_state_init(struct health_state *s);

/*
 * Apply one result taken at now (wall clock seconds) to a check of a task
 * that started running at started: ok passes, else cause says why.
 * Marathon's rules: until the first success, failures inside the grace
 * period (now < started + grace_s) are ignored entirely; any other
 * failure counts: the status becomes UNHEALTHY (STARTING after the grace
 * period without a success), and DEAD once consecutive_failures reaches
 * max_failures (when not 0). A success makes it HEALTHY and clears the
 * count. DEAD stays DEAD (later results are still recorded). Returns 1
 * when the status changed, else 0.
 */
int health_state_apply(struct health_state *s, const struct health_params *p,
    double started, double now, int ok, const char *cause);

/*
 * Marathon's healthCheckResults element of task_id: {"alive",
 * "consecutiveFailures", "firstSuccess", "lastSuccess", "lastFailure"
 * (ISO 8601 or null), "lastFailureCause" (or null), "taskId",
 * "instanceId"}. NULL when out of memory.
 */
json_t *health_state_json(const struct health_state *s, const char *task_id);

/*
 * The status of a task from its checks': DEAD if one is, else UNHEALTHY if
 * one is, else STARTING if one is, else HEALTHY. n 0: HEALTHY.
 */
enum health_status health_status_combine(const struct health_state *s,
    size_t n);

/*
 * How long to wait before the next probe of a check in state s: its
 * interval; but until its first success at most 0.25 s while no failure
 * has counted (the grace period), and at most 1 s after, so that a new
 * task is published as soon as it answers.
 */
double health_next_delay(const struct health_state *s,
    const struct health_params *p);

/* ---- health.c: the checker */

struct health;
struct health_watch;

/* What a watch probes. Strings are copied. */
struct health_target {
	const char *task_id;
	const char *host;		/* IPv4 or IPv6 literal probed by
					 * HTTP(S) and TCP: "127.0.0.1" */
	const uint16_t *ports;		/* the task's host ports */
	size_t n_ports;
	struct ctr *ctr;		/* COMMAND and SCRIPT run in it */
	const char *handle;		/* the instance there */
	double started;			/* wall clock seconds it started */
};

/*
 * A probe of check index check has ended: ok, or cause says why not
 * (NULL when ok; lent for the call). The result is already applied
 * (health_state_apply, at the wall clock time it came), and changed is 1
 * when the watch's status (health_watch_status) changed with it. A probe
 * that takes longer than timeoutSeconds fails with "timed out after N s";
 * an ignored 1xx answer is no result and calls nothing. Runs on the loop;
 * may unwatch w (and must not free the checker).
 */
typedef void (*health_fn)(struct health_watch *w, size_t check, int ok,
    const char *cause, int changed, void *arg);

/* ST_ENOMEM, ST_EIO. *out: health_free. */
int health_new(struct event_base *base, struct health **out);
/*
 * Stop every watch (no callbacks after); accepts NULL. An exec cannot be
 * taken back: the answers of COMMAND and SCRIPT probes still out are
 * waited for while the checker lives, and forgotten here. So free the
 * containerizers of the targets first, or do not run the loop again
 * before they are freed: a late answer would find freed memory.
 */
void health_free(struct health *h);

/*
 * Start probing t with checks (a normalized healthChecks array; a
 * reference is taken). The first probe of each check comes delaySeconds
 * after now; the next ones health_next_delay after each result, one probe
 * in flight per check. ST_EINVAL for a check it cannot run: an unknown
 * protocol; HTTP(S) or TCP without such a port, or without a host that
 * is an IPv4 or IPv6 literal (names are not resolved); COMMAND or SCRIPT
 * without a command, a containerizer or a handle. ST_ENOMEM.
 */
int health_watch(struct health *h, const json_t *checks,
    const struct health_target *t, health_fn fn, void *arg,
    struct health_watch **out);
/* Stop probing; a probe in flight is forgotten. Accepts NULL. */
void health_unwatch(struct health_watch *w);

/* The task's status from its checks (health_status_combine). */
enum health_status health_watch_status(const struct health_watch *w);
/* healthCheckResults of the watch: a new array, NULL on ENOMEM. */
json_t *health_watch_json(const struct health_watch *w);
/* The check's definition, for failed_health_check_event (borrowed). */
const json_t *health_watch_check(const struct health_watch *w, size_t check);

#endif
