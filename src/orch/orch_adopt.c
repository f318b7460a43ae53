/*
 * orch_adopt.c -- tasks found again: loaded from their LMDB records at
 * start, and compared with what a driver's list says (orch.c's sync).
 * A running instance of a task that was not recorded running yet is
 * adopted (recorded and published); one whose checks are off gets them
 * again; an instance that ended or vanished is noted, for the task's
 * next step to deal with.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "orch/orch_int.h"
#include "orch/ports.h"
#include "util/error.h"
#include "util/log.h"

void
orch_task_synced(struct orch_task *t, const struct ctr_info *info)
{
	struct orch_task next;
	int was_lost = t->lost;

	t->lost = 0;
	if (t->op != OP_NONE)
		return;
	if (info == NULL || info->state == CTR_S_EXITED ||
	    info->state == CTR_S_GONE) {
		/* A task never created is created by its next step. */
		if (info == NULL && t->state == OT_NEW)
			return;
		t->exited = 1;
		t->exit_code = info ? info->exit_code : -1;
		t->oom = info ? info->oom : 0;
		t->vanished = info == NULL || info->state == CTR_S_GONE;
		return;
	}
	next = *t;
	snprintf(next.handle, sizeof(next.handle), "%s", info->handle);
	if (info->state == CTR_S_RUNNING && t->state < OT_RUNNING) {
		next.state = OT_RUNNING;
		next.started_wall = info->started_at > 0 ?
		    (double)info->started_at : clock_wall();
		clock_iso(next.started_wall, next.started_at,
		    sizeof(next.started_at));
		next.started_mono = (time_t)clock_mono();
		if (orch_task_write(t, &next, W_PUT | W_PUBLISH) == ST_OK)
			log_info("orch: adopted running task %s of %s", t->id,
			    t->app->id);
		else
			t->kill = 1;
	} else if (info->state == CTR_S_CREATED && t->state == OT_NEW) {
		next.state = OT_CREATED;
		if (orch_task_write(t, &next, W_PUT) != ST_OK)
			t->kill = 1;
	} else if (info->state == CTR_S_CREATED && t->state == OT_RUNNING) {
		t->exited = 1;
		t->exit_code = -1;
	} else if (info->state == CTR_S_RUNNING && t->state == OT_RUNNING &&
	    t->hw == NULL && !t->kill) {
		/* Adopted after a restart, or back from an unreachable engine. */
		if (was_lost)
			orch_event_status(t, "engine reachable again");
		t->started_wall = info->started_at > 0 ?
		    (double)info->started_at : clock_wall();
		orch_health_start(t);
	}
	if (t->handle[0] == '\0')
		memcpy(t->handle, next.handle, sizeof(t->handle));
}

static int
ot_parse_state(const char *s, enum orch_tstate *out)
{
	static const struct { const char *name; enum orch_tstate st; } m[] = {
		{ "new", OT_NEW }, { "created", OT_CREATED },
		{ "running", OT_RUNNING }, { "stopping", OT_STOPPING },
	};

	for (size_t i = 0; s && i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(s, m[i].name) == 0) {
			*out = m[i].st;
			return ST_OK;
		}
	return ST_EFORMAT;
}

/* Copy string member key of rec into out, "" when absent. */
static int
ot_str(const json_t *rec, const char *key, char *out, size_t size)
{
	const char *s = json_string_value(json_object_get(rec, key));

	return snprintf(out, size, "%s", s ? s : "") >= (int)size ?
	    ST_EFORMAT : ST_OK;
}

int
orch_task_restore(struct orch_app *a, const json_t *rec)
{
	struct orch_task *t;
	const json_t *ports = json_object_get(rec, "ports"), *p;
	const char *drv = json_string_value(json_object_get(rec, "driver"));
	size_t i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ST_ENOMEM;
	t->o = a->o;
	t->app = a;
	if (ot_str(rec, "id", t->id, sizeof(t->id)) || t->id[0] == '\0' ||
	    ot_str(rec, "handle", t->handle, sizeof(t->handle)) ||
	    ot_str(rec, "version", t->version, sizeof(t->version)) ||
	    ot_str(rec, "configVersion", t->config_version,
	    sizeof(t->config_version)) ||
	    ot_str(rec, "stagedAt", t->staged_at, sizeof(t->staged_at)) ||
	    ot_str(rec, "startedAt", t->started_at, sizeof(t->started_at)) ||
	    ot_parse_state(json_string_value(json_object_get(rec, "state")),
	    &t->state) || json_array_size(ports) > ORCH_PORTS_MAX) {
		log_errx("orch: a task record of %s is corrupt; ignored", a->id);
		free(t);
		return ST_OK;
	}
	t->drv = drv && strcmp(drv, "docker") == 0 ? ORCH_DRV_DOCKER :
	    ORCH_DRV_PROCESS;
	t->kill = json_is_true(json_object_get(rec, "kill")) ||
	    a->def == NULL;
	if (orch_health_parse(json_string_value(json_object_get(rec,
	    "health")), &t->health) != ST_OK)
		t->health = a->def && json_array_size(json_object_get(a->def,
		    "healthChecks")) ? OH_STARTING : OH_NONE;
	/* Records without one predate the field: the app's, else 5 s. */
	t->grace = json_is_integer(json_object_get(rec, "grace")) ?
	    (int)json_integer_value(json_object_get(rec, "grace")) :
	    a->def ? (int)json_integer_value(json_object_get(a->def,
	    "taskKillGracePeriodSeconds")) : 5;
	t->standby = json_is_true(json_object_get(rec, "standby"));
	t->weight = (unsigned)json_integer_value(json_object_get(rec,
	    "weight"));
	t->drain_until = json_number_value(json_object_get(rec, "drainUntil"));
	if (t->started_at[0])
		t->started_mono = (time_t)clock_mono();
	json_array_foreach(ports, i, p) {
		t->ports[t->n_ports] = (uint16_t)json_integer_value(p);
		if (ports_take(a->o->ports, t->ports[t->n_ports]) != ST_OK)
			log_warnx("orch: task %s: port %u is taken twice",
			    t->id, t->ports[t->n_ports]);
		t->n_ports++;
	}
	TAILQ_INSERT_TAIL(&a->tasks, t, entry);
	return ST_OK;
}
