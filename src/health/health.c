/*
 * health.c -- the checker: watches, one timer per check that starts its
 * probe and then bounds it, results applied and reported.
 *
 * A check's timer means "probe now" while the check is idle and "give up"
 * while a probe is in flight, so each check has one probe at most and
 * one pending event. A result is reported before the next probe is
 * scheduled, and the watch may be unwatched in the report: it is then
 * only marked, and freed once the report has returned.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "health/health_int.h"
#include "util/curlev.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"

static const struct {
	const char *name;
	enum health_kind kind;
	const struct health_probe_ops *ops;
} health_kinds[] = {
	{ "HTTP", HEALTH_K_HTTP, &health_http_ops },
	{ "MESOS_HTTP", HEALTH_K_HTTP, &health_http_ops },
	{ "HTTPS", HEALTH_K_HTTPS, &health_http_ops },
	{ "MESOS_HTTPS", HEALTH_K_HTTPS, &health_http_ops },
	{ "TCP", HEALTH_K_TCP, &health_tcp_ops },
	{ "MESOS_TCP", HEALTH_K_TCP, &health_tcp_ops },
	{ "COMMAND", HEALTH_K_COMMAND, &health_cmd_ops },
	{ "SCRIPT", HEALTH_K_SCRIPT, &health_cmd_ops },
};

/* Results carry the wall clock: grace periods and Marathon's timestamps. */
/* The loop's clock: the same for every callback of one turn. */
static double
health_loop_now(struct health *h)
{
	struct timeval now;

	if (event_base_gettimeofday_cached(h->base, &now) != 0)
		return clock_wall();
	return (double)now.tv_sec + (double)now.tv_usec / 1e6;
}

/* Fire c's timer secs from now. */
static void
health_arm(struct health_check *c, double secs)
{
	struct timeval tv;

	if (secs < 0)
		secs = 0;
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	evtimer_add(c->timer, &tv);
}

/*
 * The next probe of c, after is seconds more than the last one was due.
 * Probes are due on a grid of HEALTH_TICK_S, so that the checks of many
 * instances share the loop's wake-ups: the first one at the first point
 * of the grid after its delay (or at once for no delay), the next ones a
 * period after the one before, whatever a probe took, as long as that
 * is not in the past already.
 */
static void
health_schedule(struct health_check *c, double after)
{
	double now = health_loop_now(c->w->h);

	if (c->due == 0) {
		c->due = ceil((now + after) / HEALTH_TICK_S) * HEALTH_TICK_S;
		health_arm(c, after == 0 ? 0 : c->due - now);
		return;
	}
	c->due += after;
	if (c->due <= now)
		c->due = ceil(now / HEALTH_TICK_S) * HEALTH_TICK_S;
	health_arm(c, c->due - now);
}

/* 1 when this loop turn has started HEALTH_TURN_MAX probes already. */
static int
health_turn_full(struct health *h)
{
	struct timeval now;

	if (event_base_gettimeofday_cached(h->base, &now) != 0)
		return 0;
	if (now.tv_sec != h->turn.tv_sec || now.tv_usec != h->turn.tv_usec) {
		h->turn = now;
		h->turn_probes = 0;
	}
	return h->turn_probes++ >= HEALTH_TURN_MAX;
}

static void
health_fire(evutil_socket_t fd, short what, void *arg)
{
	struct health_check *c = arg;
	char cause[HEALTH_CAUSE_MAX];

	if (c->probe != NULL) {
		c->ops->stop(c);
		snprintf(cause, sizeof(cause), "timed out after %g s",
		    c->p.timeout_s);
		health_check_end(c, HEALTH_R_FAIL, cause);
		return;
	}
	if (health_turn_full(c->w->h)) {
		/* Again right after the loop has polled its sockets. */
		health_arm(c, 0);
		return;
	}
	cause[0] = '\0';
	if (c->ops->start(c, cause, sizeof(cause)) != ST_OK) {
		health_check_end(c, HEALTH_R_FAIL, cause);
		return;
	}
	health_arm(c, c->p.timeout_s);
}

static void
health_watch_stop(struct health_watch *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->c[i].probe != NULL)
			w->c[i].ops->stop(&w->c[i]);
		if (w->c[i].timer != NULL)
			evtimer_del(w->c[i].timer);
	}
}

/* Accepts a half-built watch. */
static void
health_watch_free(struct health_watch *w)
{
	health_watch_stop(w);
	for (size_t i = 0; i < w->n; i++) {
		if (w->c[i].timer != NULL)
			event_free(w->c[i].timer);
		health_http_release(&w->c[i]);
	}
	json_decref(w->checks);
	free(w->st);
	free(w->task_id);
	free(w->host);
	free(w->handle);
	free(w);
}

void
health_check_end(struct health_check *c, enum health_result r,
    const char *cause)
{
	struct health_watch *w = c->w;
	enum health_status was;
	int changed;

	evtimer_del(c->timer);
	if (r != HEALTH_R_NONE) {
		was = health_watch_status(w);
		health_state_apply(c->st, &c->p, w->started, clock_wall(),
		    r == HEALTH_R_PASS, cause);
		changed = health_watch_status(w) != was;
		if (r == HEALTH_R_FAIL)
			log_debug("health: %s check %zu failed (%s)", w->task_id,
			    c->index, cause);
		if (changed)
			log_info("health: %s is %s", w->task_id,
			    health_status_name(health_watch_status(w)));
		w->calling++;
		w->fn(w, c->index, r == HEALTH_R_PASS,
		    r == HEALTH_R_PASS ? NULL : cause, changed, w->arg);
		w->calling--;
		if (w->gone) {
			if (w->calling == 0)
				health_watch_free(w);
			return;
		}
	}
	health_schedule(c, health_next_delay(c->st, &c->p));
}

int
health_new(struct event_base *base, struct health **out)
{
	struct health *h;
	int rv;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return ST_ENOMEM;
	h->base = base;
	LIST_INIT(&h->watches);
	LIST_INIT(&h->abandoned);
	if ((rv = curlev_new(base, &h->cm)) != ST_OK) {
		free(h);
		return rv;
	}
	*out = h;
	return ST_OK;
}

void
health_free(struct health *h)
{
	struct health_watch *w;

	if (h == NULL)
		return;
	while ((w = LIST_FIRST(&h->watches)) != NULL)
		health_unwatch(w);
	health_cmd_free_abandoned(h);
	curlev_free(h->cm);
	free(h);
}

/* An integer field of def in [lo, hi]; absent: def_v. -1 when invalid. */
static long long
health_int_field(const json_t *def, const char *key, long long lo,
    long long hi, long long def_v)
{
	const json_t *v = json_object_get(def, key);

	if (v == NULL)
		return def_v;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return -1;
	return json_integer_value(v);
}

/* Probes never resolve names: a lookup could block the loop. */
static int
health_is_literal(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return host != NULL && (inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1);
}

static int
health_check_init(struct health_watch *w, size_t i, const uint16_t *ports,
    size_t n_ports)
{
	struct health_check *c = &w->c[i];
	const char *proto, *cmd;
	long long port, idx;
	size_t k;

	c->w = w;
	c->index = i;
	c->def = json_array_get(w->checks, i);
	c->st = &w->st[i];
	health_state_init(c->st);
	health_params_from(c->def, &c->p);
	if (!json_is_object(c->def))
		return ST_EINVAL;
	proto = json_string_value(json_object_get(c->def, "protocol"));
	if (proto == NULL)
		proto = "HTTP";
	for (k = 0; k < sizeof(health_kinds) / sizeof(health_kinds[0]); k++)
		if (strcmp(proto, health_kinds[k].name) == 0)
			break;
	if (k == sizeof(health_kinds) / sizeof(health_kinds[0]))
		return ST_EINVAL;
	c->kind = health_kinds[k].kind;
	c->ops = health_kinds[k].ops;
	if (c->kind == HEALTH_K_COMMAND || c->kind == HEALTH_K_SCRIPT) {
		cmd = json_string_value(json_object_get(json_object_get(c->def,
		    "command"), "value"));
		if (cmd == NULL || w->ctr == NULL || w->handle == NULL)
			return ST_EINVAL;
	} else if (!health_is_literal(w->host)) {
		return ST_EINVAL;
	} else if (json_object_get(c->def, "port") != NULL) {
		if ((port = health_int_field(c->def, "port", 1, 65535, 0)) < 0)
			return ST_EINVAL;
		c->port = (uint16_t)port;
	} else {
		idx = health_int_field(c->def, "portIndex", 0, 65535, 0);
		if (idx < 0 || (size_t)idx >= n_ports || ports[idx] == 0)
			return ST_EINVAL;
		c->port = ports[idx];
	}
	if ((c->timer = evtimer_new(w->h->base, health_fire, c)) == NULL)
		return ST_ENOMEM;
	return ST_OK;
}

static char *
health_strdup(const char *s, int *nomem)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*nomem = 1;
	return d;
}

int
health_watch(struct health *h, const json_t *checks,
    const struct health_target *t, health_fn fn, void *arg,
    struct health_watch **out)
{
	struct health_watch *w;
	size_t n = json_array_size(checks);
	int nomem = 0, rv;

	*out = NULL;
	if (!json_is_array(checks) || t->task_id == NULL)
		return ST_EINVAL;
	if ((w = calloc(1, sizeof(*w) + n * sizeof(w->c[0]))) == NULL)
		return ST_ENOMEM;
	w->h = h;
	w->checks = json_incref((json_t *)checks);
	w->task_id = health_strdup(t->task_id, &nomem);
	w->host = health_strdup(t->host, &nomem);
	w->handle = health_strdup(t->handle, &nomem);
	if (n > 0 && (w->st = calloc(n, sizeof(w->st[0]))) == NULL)
		nomem = 1;
	w->ctr = t->ctr;
	w->started = t->started;
	w->fn = fn;
	w->arg = arg;
	if (nomem) {
		health_watch_free(w);
		return ST_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		w->n = i + 1;
		if ((rv = health_check_init(w, i, t->ports, t->n_ports)) !=
		    ST_OK) {
			if (rv == ST_EINVAL)
				log_warnx("health: %s: check %zu cannot be run "
				    "(protocol, port or command)", t->task_id,
				    i);
			health_watch_free(w);
			return rv;
		}
	}
	for (size_t i = 0; i < n; i++)
		health_schedule(&w->c[i], w->c[i].p.delay_s);
	LIST_INSERT_HEAD(&h->watches, w, entry);
	*out = w;
	return ST_OK;
}

void
health_unwatch(struct health_watch *w)
{
	if (w == NULL || w->gone)
		return;
	LIST_REMOVE(w, entry);
	if (w->calling) {
		health_watch_stop(w);
		w->gone = 1;
		return;
	}
	health_watch_free(w);
}

enum health_status
health_watch_status(const struct health_watch *w)
{
	return health_status_combine(w->st, w->n);
}

json_t *
health_watch_json(const struct health_watch *w)
{
	json_t *a, *one;

	if ((a = json_array()) == NULL)
		return NULL;
	for (size_t i = 0; i < w->n; i++)
		if ((one = health_state_json(&w->st[i], w->task_id)) == NULL ||
		    json_array_append_new(a, one) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

const json_t *
health_watch_check(const struct health_watch *w, size_t check)
{
	return check < w->n ? w->c[check].def : NULL;
}
