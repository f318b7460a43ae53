/*
 * orch_event.c -- what the orchestrator tells the event bus (Marathon's
 * status_update_event and friends, stadion's back-off and alert events),
 * the bookkeeping of failures behind the launch back-off and the alerts,
 * and the launch queue of GET /v2/queue.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "orch/app.h"
#include "orch/orch_int.h"
#include "util/bus.h"
#include "util/error.h"
#include "util/log.h"

void
orch_event(struct orch *o, const char *type, json_t *event)
{
	if (event == NULL)
		log_warnx("orch: no memory for a %s", type);
	bus_publish(o->bus, type, event);
}

void
orch_event_status(struct orch_task *t, const char *message)
{
	json_t *ports = json_array();

	for (size_t i = 0; ports && i < t->n_ports; i++)
		json_array_append_new(ports, json_integer(t->ports[i]));
	orch_event(t->o, "status_update_event", json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:o*,s:s}",
	    "slaveId", t->o->framework_id, "taskId", t->id,
	    "taskStatus", orch_task_state_name(t), "message", message ?
	    message : t->message, "appId", t->app->id, "host", t->o->host,
	    "ipAddresses", "ipAddress", t->o->host, "protocol",
	    strchr(t->o->host, ':') ? "IPv6" : "IPv4", "ports", ports,
	    "version", t->version));
}

/* The step (1-based) of plan, or its last. */
static json_t *
oe_step(json_t *plan, long long step)
{
	const json_t *steps = json_object_get(plan, "steps");

	if (step < 1 || (size_t)step > json_array_size(steps))
		step = (long long)json_array_size(steps);
	return json_array_get(steps, (size_t)step - 1);
}

void
orch_deployment_step_event(struct orch *o, const json_t *d, long long step,
    const char *type)
{
	json_t *plan;

	if (d == NULL || (plan = orch_json_deployment(d)) == NULL)
		return;
	orch_event(o, type, json_pack("{s:O,s:O}", "plan", plan,
	    "currentStep", oe_step(plan, step)));
	json_decref(plan);
}

void
orch_deployment_event(struct orch *o, const json_t *d, const char *type,
    const char *reason)
{
	json_t *plan, *step;

	if (d == NULL || (plan = orch_json_deployment(d)) == NULL)
		return;
	step = oe_step(plan, json_integer_value(json_object_get(plan,
	    "currentStep")));
	if (strcmp(type, "deployment_info") == 0) {
		orch_event(o, type, json_pack("{s:O,s:O}", "plan", plan,
		    "currentStep", step));
	} else {
		orch_event(o, strcmp(type, "deployment_success") == 0 ?
		    "deployment_step_success" : "deployment_step_failure",
		    json_pack("{s:O,s:O}", "plan", plan, "currentStep", step));
		orch_event(o, type, json_pack("{s:O,s:O,s:s*}", "id",
		    json_object_get(plan, "id"), "plan", plan, "reason",
		    reason));
	}
	json_decref(plan);
}

static json_int_t
oe_int(const struct orch_app *a, const char *key)
{
	return json_integer_value(json_object_get(a->def, key));
}

unsigned
orch_alert_count(struct orch_app *a, double now)
{
	json_int_t want = oe_int(a, "alertFailures");
	double window = (double)oe_int(a, "alertWindowSeconds");
	unsigned n = 0;

	a->fail_times[a->n_fail_times++ % ORCH_ALERT_MAX] = now;
	for (unsigned i = 0; i < ORCH_ALERT_MAX && i < a->n_fail_times; i++)
		n += now - a->fail_times[i] <= window;
	if (want <= 0 || n < (unsigned)want ||
	    (a->alerted > 0 && now - a->alerted < window))
		return 0;
	a->alerted = now;
	return n;
}

double
orch_backoff_delay(const json_t *def, unsigned n)
{
	json_int_t attempts = json_integer_value(json_object_get(def,
	    "maxLaunchAttempts"));
	double delay, max = (double)json_integer_value(json_object_get(def,
	    "maxLaunchDelaySeconds"));

	if (attempts > 0 && n > (unsigned)attempts)
		return -1;
	delay = (double)json_integer_value(json_object_get(def,
	    "backoffSeconds")) * pow(json_number_value(json_object_get(def,
	    "backoffFactor")), n - 1);
	return delay > max ? max : delay;
}

/* An alert when alertFailures failures fell within alertWindowSeconds. */
static void
oe_alert(struct orch_app *a, double now, const char *cause)
{
	double window = (double)oe_int(a, "alertWindowSeconds");
	unsigned n;

	if ((n = orch_alert_count(a, now)) == 0)
		return;
	log_warnx("orch: ALERT: %s: %u failures in %.0f s (last: %s)", a->id,
	    n, window, cause);
	orch_event(a->o, "stadion_alert_event", json_pack(
	    "{s:s,s:s,s:i,s:i,s:s}", "appId", a->id, "alert",
	    "failures", "failures", (int)n, "windowSeconds", (int)window,
	    "lastFailure", cause));
}

void
orch_failure(struct orch_app *a, double ran_s, const char *cause)
{
	double now = clock_mono(), delay;

	if (a->def == NULL)
		return;
	if (ran_s >= (double)oe_int(a, "backoffResetSeconds"))
		a->failures = 0;
	a->failures++;
	oe_alert(a, now, cause);
	if ((delay = orch_backoff_delay(a->def, a->failures)) < 0) {
		if (!a->stopped)
			log_errx("orch: %s: %u failures in a row, no more "
			    "launches until a new version or DELETE "
			    "/v2/queue/%s/delay", a->id, a->failures,
			    a->id + 1);
		a->stopped = 1;
		orch_event(a->o, "stadion_backoff_event", json_pack(
		    "{s:s,s:i,s:b,s:s}", "appId", a->id, "failures",
		    (int)a->failures, "launchesStopped", 1, "lastFailure",
		    cause));
		return;
	}
	a->delay_until = now + delay;
	log_notice("orch: %s: next launch in %.1f s (failure %u)", a->id, delay,
	    a->failures);
	orch_event(a->o, "stadion_backoff_event", json_pack(
	    "{s:s,s:i,s:f,s:b,s:s}", "appId", a->id, "failures",
	    (int)a->failures, "delaySeconds", delay, "launchesStopped", 0,
	    "lastFailure", cause));
	orch_kick(a->o);
}

void
orch_failure_reset(struct orch_app *a)
{
	a->failures = 0;
	a->delay_until = 0;
	a->stopped = 0;
	orch_kick(a->o);
}

int
orch_queue_json(struct orch *o, json_t **out)
{
	struct orch_app *a;
	json_t *list = json_array(), *item;
	double now = clock_mono(), left;
	char since[ORCH_VERSION_MAX];
	unsigned wanted;

	if (list == NULL)
		return ST_ENOMEM;
	TAILQ_FOREACH(a, &o->apps, entry) {
		if (a->def == NULL || (wanted = orch_plan_wanted(a)) == 0)
			continue;
		left = a->delay_until > now ? ceil(a->delay_until - now) : 0;
		clock_iso(a->queued_since, since, sizeof(since));
		item = json_pack("{s:i,s:{s:i,s:b},s:s,s:b,s:i,s:O}", "count",
		    (int)wanted, "delay", "timeLeftSeconds", (int)left,
		    "overdue", !a->stopped && left == 0, "since", since,
		    "launchesStopped", a->stopped, "failures",
		    (int)a->failures, "app", a->def);
		if (item == NULL || json_array_append_new(list, item)) {
			json_decref(list);
			return ST_ENOMEM;
		}
	}
	*out = json_pack("{s:o}", "queue", list);
	return *out ? ST_OK : ST_ENOMEM;
}

int
orch_queue_reset(struct orch *o, const char *id, struct orch_error *e)
{
	struct orch_app *a = orch_app_live(o, id);

	if (a == NULL || orch_plan_wanted(a) == 0) {
		snprintf(e->message, sizeof(e->message), "Application %.200s "
		    "not found in tasks queue.", a ? a->id : id ? id : "");
		return ST_ENOTFOUND;
	}
	log_notice("orch: %s: launch delay reset through the API", a->id);
	orch_failure_reset(a);
	return ST_OK;
}
