/*
 * orch_health.c -- the health checks of running tasks (health/health.h)
 * and what their results change: a task with checks is published in DNS
 * as "starting" (not served) until its checks pass, served while they
 * do, out of the answers at its first failure, and killed (and replaced,
 * through the back-off) once a check has failed maxConsecutiveFailures
 * times in a row. Each change of health is one write of the task record
 * and its DNS names, then the events Marathon sends for it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <jansson.h>

#include "health/health.h"
#include "orch/orch_int.h"
#include "util/error.h"
#include "util/log.h"

static const char *const oh_names[] = {
	[OH_NONE] = "none", [OH_STARTING] = "starting",
	[OH_HEALTHY] = "healthy", [OH_UNHEALTHY] = "unhealthy",
};

const char *
orch_health_name(enum orch_health h)
{
	return oh_names[h];
}

int
orch_health_parse(const char *s, enum orch_health *out)
{
	for (size_t i = 0; s && i < sizeof(oh_names) / sizeof(oh_names[0]);
	    i++)
		if (strcmp(s, oh_names[i]) == 0) {
			*out = (enum orch_health)i;
			return ST_OK;
		}
	return ST_EFORMAT;
}

int
orch_task_healthy(const struct orch_task *t)
{
	return t->state == OT_RUNNING && orch_task_alive(t) &&
	    (t->health == OH_NONE || t->health == OH_HEALTHY);
}

int
orch_task_serving(const struct orch_task *t)
{
	return orch_task_healthy(t) && !t->standby;
}

/* The healthChecks t was launched with. */
static const json_t *
oh_checks(const struct orch_task *t)
{
	return t->app->def ? json_object_get(t->app->def, "healthChecks") :
	    NULL;
}

static void
oh_events(struct orch_task *t, int alive)
{
	orch_event(t->o, "health_status_changed_event", json_pack(
	    "{s:s,s:s,s:s,s:s,s:b}", "appId", t->app->id, "taskId", t->id,
	    "instanceId", t->id, "version", t->version, "alive", alive));
	orch_event(t->o, "instance_health_changed_event", json_pack(
	    "{s:s,s:s,s:s,s:b}", "instanceId", t->id, "runSpecId", t->app->id,
	    "runSpecVersion", t->version, "healthy", alive));
}

/* 1 when a failure of check counted (it is not in its grace period). */
static int
oh_counted(const struct health_watch *w, size_t check)
{
	json_t *res = health_watch_json(w);
	json_int_t n = json_integer_value(json_object_get(json_array_get(res,
	    check), "consecutiveFailures"));

	json_decref(res);
	return n > 0;
}

static void
oh_result(struct health_watch *w, size_t check, int ok, const char *cause,
    int changed, void *arg)
{
	struct orch_task *t = arg;
	enum health_status st = health_watch_status(w);
	char text[384];

	/* The watch stops when the engine goes; this one was in flight. */
	if (t->lost)
		return;
	if (!ok && oh_counted(w, check))
		orch_event(t->o, "failed_health_check_event", json_pack(
		    "{s:s,s:s,s:s,s:s,s:O}", "appId", t->app->id, "taskId",
		    t->id, "instanceId", t->id, "cause", cause ? cause : "",
		    "healthCheck", health_watch_check(w, check)));
	if (!changed)
		return;
	if (st == HEALTH_DEAD) {
		const json_t *hc = health_watch_check(w, check);

		snprintf(text, sizeof(text), "its %s health check failed %lld "
		    "times in a row (%s)", json_string_value(json_object_get(hc,
		    "protocol")), (long long)json_integer_value(json_object_get(
		    hc, "maxConsecutiveFailures")), cause ? cause : "");
		log_warnx("orch: killing task %s of %s: %s", t->id, t->app->id,
		    text);
		snprintf(t->message, sizeof(t->message), "%s", text);
		orch_event(t->o, "unhealthy_task_kill_event", json_pack(
		    "{s:s,s:s,s:s,s:s,s:s,s:s}", "appId", t->app->id, "taskId",
		    t->id, "instanceId", t->id, "version", t->version,
		    "reason", text, "host", t->o->host));
		orch_health_stop(t);
		orch_failure(t->app, clock_mono() - (double)t->started_mono,
		    text);
		if (orch_task_current(t))
			orch_deploy_failure(t->app);
		orch_task_kill(t);
		return;
	}
	if (orch_task_set_health(t, st == HEALTH_HEALTHY ? OH_HEALTHY :
	    st == HEALTH_UNHEALTHY ? OH_UNHEALTHY : OH_STARTING) == ST_OK) {
		log_info("orch: task %s of %s is %s", t->id, t->app->id,
		    health_status_name(st));
		oh_events(t, st == HEALTH_HEALTHY);
		orch_kick(t->o);
	}
}

void
orch_health_start(struct orch_task *t)
{
	const json_t *checks = oh_checks(t);
	struct health_target ht;
	int err;

	if (t->hw || json_array_size(checks) == 0)
		return;
	memset(&ht, 0, sizeof(ht));
	ht.task_id = t->id;
	ht.host = t->o->host;
	ht.ports = t->ports;
	ht.n_ports = t->n_ports;
	ht.ctr = orch_driver(t->o, t->drv);
	ht.handle = t->handle;
	ht.started = t->started_wall;
	if ((err = health_watch(t->o->health, checks, &ht, oh_result, t,
	    &t->hw)) != ST_OK)
		log_errx("orch: task %s: cannot check its health (%s); it "
		    "stays out of DNS", t->id, st_strerror(err));
}

void
orch_health_stop(struct orch_task *t)
{
	health_unwatch(t->hw);
	t->hw = NULL;
}
