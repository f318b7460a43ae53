/*
 * health_int.h -- what the checker (health.c) and its probes share; not
 * for use outside src/health/.
 *
 * health.c        watches, each check's timer, results, the JSON views
 * health_state.c  the pure state machine of health.h
 * health_http.c   HTTP(S) probes: a raw curl handle on util/curlev
 * health_tcp.c    TCP probes: a non-blocking connect on the loop
 * health_cmd.c    COMMAND and SCRIPT probes: ctr_exec in the instance
 *
 * A probe is started by the check's timer and ends by calling
 * health_check_end exactly once, never from inside its start function;
 * or it is stopped first (its deadline passed, or the watch went), and
 * then it never calls. Each kind keeps its own object in check->probe.
 */
#ifndef STADION_HEALTH_HEALTH_INT_H
#define STADION_HEALTH_HEALTH_INT_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "health/health.h"

#define HEALTH_BODY_MAX (64 * 1024)	/* the most of an answer searched */
#define HEALTH_CAUSE_MAX 256		/* = sizeof(last_failure_cause) */
/*
 * Probes are due on a grid of this many seconds, so that the checks of
 * many instances share the loop's wake-ups; and at most HEALTH_TURN_MAX
 * probes start in one turn of the loop, so that a burst (a thousand
 * adopted tasks) does not hold it.
 */
#define HEALTH_TICK_S 0.25
#define HEALTH_TURN_MAX 64

struct event;
struct curlev;
struct health_cmd;
struct health_check;

enum health_result {
	HEALTH_R_PASS = 0,
	HEALTH_R_FAIL,
	HEALTH_R_NONE,		/* no result (an ignored 1xx): only reschedule */
};

/* A kind of probe: a const table per kind. */
struct health_probe_ops {
	/*
	 * Start c's probe and set c->probe. On error (ST_*), nothing is left
	 * running and cause says why the probe failed at once.
	 */
	int (*start)(struct health_check *c, char *cause, size_t size);
	/* Forget c's probe in flight; it will not end. c->probe is NULL. */
	void (*stop)(struct health_check *c);
};

extern const struct health_probe_ops health_http_ops;
extern const struct health_probe_ops health_tcp_ops;
extern const struct health_probe_ops health_cmd_ops;

LIST_HEAD(health_cmd_list, health_cmd);

struct health {
	struct event_base *base;
	struct curlev *cm;
	struct timeval turn;	/* the loop turn of the last probe started */
	unsigned turn_probes;	/* probes started in that turn */
	LIST_HEAD(, health_watch) watches;
	/* Execs given up on (timed out, unwatched) whose answer may come. */
	struct health_cmd_list abandoned;
};

enum health_kind {
	HEALTH_K_HTTP = 0,
	HEALTH_K_HTTPS,
	HEALTH_K_TCP,
	HEALTH_K_COMMAND,
	HEALTH_K_SCRIPT,
};

struct health_check {
	struct health_watch *w;
	size_t index;
	const json_t *def;	/* the check's definition, in w->checks */
	enum health_kind kind;
	const struct health_probe_ops *ops;
	struct health_params p;
	struct health_state *st;	/* in w->st, where combine finds them */
	uint16_t port;		/* 0 for COMMAND and SCRIPT */
	struct event *timer;	/* the next probe, or the deadline of one */
	void *probe;		/* in flight; NULL when idle */
	void *easy;		/* HTTP(S): a curl handle kept between probes */
	double due;		/* when the last probe was due (loop clock) */
};

struct health_watch {
	LIST_ENTRY(health_watch) entry;
	struct health *h;
	json_t *checks;
	char *task_id;
	char *host;
	char *handle;
	struct ctr *ctr;
	double started;
	health_fn fn;
	void *arg;
	int calling;		/* inside fn */
	int gone;		/* unwatched inside fn: freed when it returns */
	size_t n;
	struct health_state *st;	/* n: one per check */
	struct health_check c[];
};

/* c's probe ended with r (cause when it failed). c->probe must be NULL. */
void health_check_end(struct health_check *c, enum health_result r,
    const char *cause);

/* Free the abandoned execs: their answers cannot come any more. */
void health_cmd_free_abandoned(struct health *h);
/* Free c's kept curl handle (health_http.c); NULL-safe. */
void health_http_release(struct health_check *c);

#endif
