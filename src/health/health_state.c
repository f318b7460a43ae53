/*
 * health_state.c -- one check's state machine, free of clocks and I/O:
 * every result comes with the time it was taken.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "health/health.h"
#include "util/clock.h"

const char *
health_status_name(enum health_status s)
{
	switch (s) {
	case HEALTH_STARTING: return "starting";
	case HEALTH_HEALTHY: return "healthy";
	case HEALTH_UNHEALTHY: return "unhealthy";
	case HEALTH_DEAD: return "dead";
	}
	return "unknown";
}

/* A non-negative number field of the check, else def. */
static double
health_num(const json_t *check, const char *key, double def)
{
	const json_t *v = json_object_get(check, key);

	if (!json_is_number(v) || json_number_value(v) < 0)
		return def;
	return json_number_value(v);
}

void
health_params_from(const json_t *check, struct health_params *p)
{
	/* stadion's defaults, as the app validation fills them in. */
	p->grace_s = health_num(check, "gracePeriodSeconds", 30);
	p->interval_s = health_num(check, "intervalSeconds", 10);
	p->timeout_s = health_num(check, "timeoutSeconds", 5);
	p->delay_s = health_num(check, "delaySeconds", 0);
	p->max_failures = (unsigned)health_num(check, "maxConsecutiveFailures",
	    3);
}

void
health_state_init(struct health_state *s)
{
	memset(s, 0, sizeof(*s));
	s->status = HEALTH_STARTING;
}

int
health_state_apply(struct health_state *s, const struct health_params *p,
    double started, double now, int ok, const char *cause)
{
	enum health_status was = s->status, next;

	if (ok) {
		s->alive = 1;
		s->consecutive_failures = 0;
		if (s->first_success == 0)
			s->first_success = now;
		s->last_success = now;
		next = HEALTH_HEALTHY;
	} else {
		/* A task may take its grace period to come up. */
		if (s->first_success == 0 && now < started + p->grace_s)
			return 0;
		s->alive = 0;
		s->consecutive_failures++;
		s->last_failure = now;
		snprintf(s->last_failure_cause, sizeof(s->last_failure_cause),
		    "%s", cause != NULL ? cause : "");
		next = s->first_success != 0 ? HEALTH_UNHEALTHY :
		    HEALTH_STARTING;
		if (p->max_failures != 0 &&
		    s->consecutive_failures >= p->max_failures)
			next = HEALTH_DEAD;
	}
	/* A dead task is killed: no later result brings it back. */
	if (was != HEALTH_DEAD)
		s->status = next;
	return s->status != was;
}

/* "2026-11-30T08:40:15.231Z", or JSON null for never (0). */
static json_t *
health_time_json(double t)
{
	char buf[CLOCK_ISO_MAX];

	clock_iso(t, buf, sizeof(buf));
	return buf[0] ? json_string(buf) : json_null();
}

json_t *
health_state_json(const struct health_state *s, const char *task_id)
{
	/* A check that never failed has no cause to show. */
	return json_pack("{s:b,s:I,s:o,s:o,s:o,s:o,s:s,s:s}",
	    "alive", s->alive,
	    "consecutiveFailures", (json_int_t)s->consecutive_failures,
	    "firstSuccess", health_time_json(s->first_success),
	    "lastSuccess", health_time_json(s->last_success),
	    "lastFailure", health_time_json(s->last_failure),
	    "lastFailureCause", s->last_failure != 0 ?
	    json_string(s->last_failure_cause) : json_null(),
	    "taskId", task_id,
	    /* stadion's instance is its task: the same id. */
	    "instanceId", task_id);
}

enum health_status
health_status_combine(const struct health_state *s, size_t n)
{
	static const enum health_status order[] = {
		HEALTH_DEAD, HEALTH_UNHEALTHY, HEALTH_STARTING
	};

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (size_t i = 0; i < n; i++)
			if (s[i].status == order[k])
				return order[k];
	return HEALTH_HEALTHY;
}

double
health_next_delay(const struct health_state *s, const struct health_params *p)
{
	double cap = s->consecutive_failures == 0 ? 0.25 : 1;

	/*
	 * Before the first success a new task waits to be published: while
	 * its failures do not count yet (the grace period), ask often; once
	 * they do, every second, so that they do not pile up too fast.
	 */
	if (s->first_success == 0 && p->interval_s > cap)
		return cap;
	return p->interval_s;
}
