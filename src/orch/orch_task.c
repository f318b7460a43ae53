/*
 * orch_task.c -- one task's pipeline through its driver:
 *
 *   NEW --create--> CREATED --start--> RUNNING --kill--> STOPPING
 *    |                 |                  | exit            | stop
 *    +-----------------+------------------+-------> REMOVING --remove--> gone
 *
 * Each arrow that changes what a reader may see is one write transaction:
 * the task record and the DNS names change together, so a task is in DNS
 * exactly while its record says RUNNING, and it leaves DNS before its
 * stop is sent. At most one driver call is in flight per task; events
 * that come meanwhile are noted and acted on when the call returns.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "orch/app.h"
#include "orch/env.h"
#include "orch/orch_int.h"
#include "orch/ports.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

#define OT_RETRY_S 5		/* a failed driver call is tried again */

static const char *const ot_state_names[] = {
	[OT_NEW] = "new", [OT_CREATED] = "created", [OT_RUNNING] = "running",
	[OT_STOPPING] = "stopping", [OT_REMOVING] = "stopping",
};

static const char *const ot_drv_names[] = {
	[ORCH_DRV_PROCESS] = "process", [ORCH_DRV_DOCKER] = "docker",
};

int
orch_task_alive(const struct orch_task *t)
{
	return !t->kill && !t->exited && t->state <= OT_RUNNING;
}

int
orch_task_current(const struct orch_task *t)
{
	const json_t *vi;

	if (t->app->def == NULL)
		return 0;
	vi = json_object_get(t->app->def, "versionInfo");
	return strcmp(t->config_version, json_string_value(json_object_get(vi,
	    "lastConfigChangeAt")) ?: "") == 0;
}

const char *
orch_task_state_name(const struct orch_task *t)
{
	if (t->lost)
		return "TASK_UNREACHABLE";
	switch (t->state) {
	case OT_NEW:
		return "TASK_STAGING";
	case OT_CREATED:
		return "TASK_STARTING";
	case OT_RUNNING:
		return t->kill ? "TASK_KILLING" : "TASK_RUNNING";
	case OT_STOPPING:
		if (t->kill)
			return "TASK_KILLING";
		break;
	case OT_REMOVING:
		if (t->kill)
			return "TASK_KILLED";
		break;
	}
	return t->exit_code == 0 && !t->oom ? "TASK_FINISHED" : "TASK_FAILED";
}

static unsigned
ot_weight(const struct orch_task *t)
{
	return t->weight ? t->weight : 1;
}

json_t *
orch_task_record(const struct orch_task *t)
{
	json_t *ports = json_array(), *rec;

	if (ports == NULL)
		return NULL;
	for (size_t i = 0; i < t->n_ports; i++)
		if (json_array_append_new(ports, json_integer(t->ports[i]))) {
			json_decref(ports);
			return NULL;
		}
	rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:i,s:s,"
	    "s:b,s:i,s:f}",
	    "id", t->id, "appId", t->app->id, "version", t->version,
	    "configVersion", t->config_version, "stagedAt", t->staged_at,
	    "startedAt", t->started_at, "handle", t->handle,
	    "driver", ot_drv_names[t->drv], "state", ot_state_names[t->state],
	    "ports", ports, "kill", t->kill, "grace", t->grace, "health",
	    orch_health_name(t->health), "standby", t->standby, "weight",
	    (int)ot_weight(t), "drainUntil", t->drain_until);
	return rec;
}

/* What one write changes: tasks with their next states, and the bodies. */
struct ot_change {
	struct orch *o;
	const struct orch_write *w;
	size_t n;
	json_t **instances;	/* the registry bodies for W_PUBLISH */
	struct registry_error e;
};

static int
ot_txn(struct store_txn *txn, void *arg)
{
	struct ot_change *c = arg;
	const struct orch_task *t;
	int err = ST_OK, what;

	for (size_t i = 0; err == ST_OK && i < c->n; i++) {
		t = &c->w[i].next;
		what = c->w[i].what;
		if (what & W_PUT)
			err = orch_db_put_task(txn, t);
		if (err == ST_OK && (what & W_DEL))
			err = orch_db_del_task(txn, t);
		if (err == ST_OK && (what & W_PUBLISH))
			err = registry_txn_put(c->o->reg, txn, t->app->id,
			    c->instances[i], &c->e);
		if (err == ST_OK && (what & W_UNPUBLISH))
			err = registry_txn_delete(c->o->reg, txn, t->app->id,
			    t->id);
	}
	return err ? err : store_txn_error(txn);
}

/* The definition t was launched with (the app's, or an older version). */
static json_t *
ot_def(const struct orch_task *t)
{
	json_t *def = NULL;

	if (t->app->def && strcmp(json_string_value(json_object_get(
	    t->app->def, "version")) ?: "", t->version) == 0)
		return json_incref(t->app->def);
	if (orch_db_version(t->o, t->app->id, t->version, &def) != ST_OK &&
	    t->app->def)
		def = json_incref(t->app->def);
	return def;
}

static int
ot_host_net(const json_t *def)
{
	const char *mode = json_string_value(json_object_get(json_array_get(
	    json_object_get(def, "networks"), 0), "mode"));

	return mode && strcmp(mode, "host") == 0;
}

/* Append the registry ports of one port definition or mapping. */
static int
ot_add_port(json_t *arr, const json_t *pd, uint16_t port)
{
	const char *name = json_string_value(json_object_get(pd, "name"));
	const char *proto = json_string_value(json_object_get(pd, "protocol"));
	const char *p[2] = { "tcp", "udp" };
	json_t *v;

	for (int i = 0; i < 2; i++) {
		if (proto && strstr(proto, p[i]) == NULL)
			continue;
		v = json_pack("{s:i,s:s}", "port", (int)port, "protocol", p[i]);
		if (v == NULL || (name && json_object_set_new(v, "name",
		    json_string(name))) || json_array_append_new(arr, v))
			return ST_ENOMEM;
	}
	return ST_OK;
}

/* The /v1/services instance of a running t. */
static json_t *
ot_instance(const struct orch_task *t)
{
	json_t *def = ot_def(t), *ports = json_array(), *list, *pd, *inst;
	size_t i, k = 0;
	int host;

	if (def == NULL || ports == NULL)
		goto fail;
	host = ot_host_net(def);
	list = host ? json_object_get(def, "portDefinitions") :
	    json_object_get(json_object_get(def, "container"), "portMappings");
	json_array_foreach(list, i, pd) {
		if (k >= t->n_ports)
			break;
		if (!host && json_object_get(pd, "hostPort") == NULL)
			continue;
		if (ot_add_port(ports, pd, t->ports[k++]) != ST_OK)
			goto fail;
	}
	/* A standby task is ready but held back: not served, yet. */
	inst = json_pack("{s:s,s:s,s:o,s:i,s:[],s:{s:s,s:s},s:s}", "id", t->id,
	    "address", t->o->host, "ports", ports, "weight", (int)ot_weight(t),
	    "tags", "metadata", "appId", t->app->id, "version", t->version,
	    "health", t->standby && (t->health == OH_NONE ||
	    t->health == OH_HEALTHY) ? "standby" : orch_health_name(t->health));
	json_decref(def);
	return inst;
fail:
	json_decref(ports);
	json_decref(def);
	return NULL;
}

/* Memory follows a committed write of t's next state. */
static void
ot_follow(struct orch_task *t, const struct orch_task *next)
{
	enum orch_tstate was = t->state;

	t->changed = clock_mono();
	t->state = next->state;
	memcpy(t->handle, next->handle, sizeof(t->handle));
	memcpy(t->started_at, next->started_at, sizeof(t->started_at));
	t->started_mono = next->started_mono;
	t->started_wall = next->started_wall;
	t->kill = next->kill;
	t->health = next->health;
	t->standby = next->standby;
	t->weight = next->weight;
	t->drain_until = next->drain_until;
	if (t->state != was)
		orch_event_status(t, NULL);
	if (t->state == OT_RUNNING && !t->kill)
		orch_health_start(t);
	else
		orch_health_stop(t);
}

int
orch_tasks_write(struct orch_write *w, size_t n)
{
	struct ot_change c;
	int err = ST_ENOMEM;
	size_t i;

	if (n == 0)
		return ST_OK;
	memset(&c, 0, sizeof(c));
	c.o = w[0].t->o;
	c.w = w;
	c.n = n;
	if ((c.instances = calloc(n, sizeof(*c.instances))) == NULL)
		return ST_ENOMEM;
	for (i = 0; i < n; i++)
		if ((w[i].what & W_PUBLISH) &&
		    (c.instances[i] = ot_instance(&w[i].next)) == NULL)
			goto out;
	err = store_write(c.o->st, ot_txn, &c);
	registry_txn_end(c.o->reg, err == ST_OK);
	if (err != ST_OK) {
		log_errx("orch: task %s: cannot store its %s state (%s%s%s)",
		    w[0].t->id, ot_state_names[w[0].next.state],
		    st_strerror(err), c.e.message[0] ? ": " : "", c.e.message);
		goto out;
	}
	for (i = 0; i < n; i++)
		ot_follow(w[i].t, &w[i].next);
out:
	for (i = 0; i < n; i++)
		json_decref(c.instances[i]);
	free(c.instances);
	return err;
}

int
orch_task_write(struct orch_task *t, struct orch_task *next, int what)
{
	struct orch_write w;

	w.t = t;
	w.next = *next;
	w.what = what;
	return orch_tasks_write(&w, 1);
}

int
orch_task_set_health(struct orch_task *t, enum orch_health h)
{
	struct orch_task next = *t;

	if (t->health == h)
		return ST_OK;
	next.health = h;
	return orch_task_write(t, &next, W_PUT | W_PUBLISH);
}

/* The app's lastTaskFailure, from t's end. */
static void
ot_note_failure(struct orch_task *t, const char *message)
{
	char now[ORCH_VERSION_MAX];
	json_t *f;

	if (message != t->message)
		snprintf(t->message, sizeof(t->message), "%s", message);
	clock_iso_now(now, sizeof(now));
	f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "appId", t->app->id,
	    "host", t->o->host, "message", message, "state",
	    t->exit_code == 0 && !t->oom ? "TASK_FINISHED" : "TASK_FAILED",
	    "taskId", t->id, "timestamp", now, "version", t->version);
	if (f) {
		json_decref(t->app->last_failure);
		t->app->last_failure = f;
	}
	log_warnx("orch: task %s of %s ended: %s", t->id, t->app->id, message);
	orch_failure(t->app, t->started_mono ? clock_mono() -
	    (double)t->started_mono : 0, message);
	if (orch_task_current(t))
		orch_deploy_failure(t->app);
}

void
orch_task_free(struct orch_task *t)
{
	orch_health_stop(t);
	free(t);
}

/* Gone from the driver: drop the record and the names, free the ports. */
static void
ot_finish(struct orch_task *t)
{
	struct orch_task next = *t;
	struct orch_app *a = t->app;
	int what = W_DEL;

	if (t->state == OT_RUNNING)
		what |= W_UNPUBLISH;
	if (orch_task_write(t, &next, what) != ST_OK) {
		t->write_failed = 1;
		return;
	}
	ports_release(t->o->ports, t->ports, t->n_ports);
	log_info("orch: task %s of %s is gone", t->id, a->id);
	if (t->kill) {
		t->state = OT_REMOVING;
		orch_event_status(t, NULL);
	}
	TAILQ_REMOVE(&a->tasks, t, entry);
	orch_task_free(t);
	orch_kick(a->o);
}

static void ot_done(struct orch_task *t, int err, const char *msg,
    const char *what);

static void
ot_created(int err, const char *msg, const char *handle, void *arg)
{
	struct orch_task *t = arg, next = *t;

	t->op = OP_NONE;
	if (err != ST_OK) {
		ot_done(t, err, msg, "create");
		return;
	}
	snprintf(next.handle, sizeof(next.handle), "%s", handle);
	next.state = OT_CREATED;
	if (orch_task_write(t, &next, W_PUT) != ST_OK) {
		/* Unrecorded, it must not live on: remove it at once. */
		snprintf(t->handle, sizeof(t->handle), "%s", handle);
		t->state = OT_REMOVING;
		t->kill = 1;
	}
	orch_task_step(t);
}

static void
ot_started(int err, const char *msg, void *arg)
{
	struct orch_task *t = arg, next = *t;

	t->op = OP_NONE;
	if (err != ST_OK) {
		ot_done(t, err, msg, "start");
		return;
	}
	if (t->kill || t->exited) {
		orch_task_step(t);
		return;
	}
	clock_iso_now(next.started_at, sizeof(next.started_at));
	next.started_mono = (time_t)clock_mono();
	next.started_wall = clock_wall();
	next.state = OT_RUNNING;
	if (orch_task_write(t, &next, W_PUT | W_PUBLISH) != ST_OK) {
		t->kill = 1;
		ot_note_failure(t, "could not be published in DNS");
	} else {
		log_info("orch: task %s of %s is running%s", t->id,
		    t->app->id, t->standby ? "; in DNS once switched in" :
		    t->health == OH_NONE ? " and in DNS" :
		    "; in DNS once healthy");
		orch_kick(t->o);
	}
	orch_task_step(t);
}

static void
ot_stopped(int err, const char *msg, void *arg)
{
	struct orch_task *t = arg;

	t->op = OP_NONE;
	if (err != ST_OK && err != ST_ENOTFOUND)
		log_warnx("orch: task %s: stop failed (%s), removing it by force",
		    t->id, msg ? msg : st_strerror(err));
	t->state = OT_REMOVING;
	if (err == ST_ENOTFOUND)
		ot_finish(t);
	else
		orch_task_step(t);
}

static void
ot_removed(int err, const char *msg, void *arg)
{
	struct orch_task *t = arg;

	t->op = OP_NONE;
	if (err != ST_OK && err != ST_ENOTFOUND) {
		ot_done(t, err, msg, "remove");
		return;
	}
	ot_finish(t);
}

/*
 * A driver call failed. Create and start failures end the task (a
 * failure of the app, for the back-off); a failed remove is tried again
 * at the next resync.
 */
static void
ot_done(struct orch_task *t, int err, const char *msg, const char *what)
{
	char text[512];

	snprintf(text, sizeof(text), "%s failed: %s", what,
	    msg ? msg : st_strerror(err));
	if (strcmp(what, "remove") == 0) {
		log_warnx("orch: task %s: %s", t->id, text);
		return;
	}
	t->exit_code = -1;
	ot_note_failure(t, text);
	t->kill = 1;
	if (t->state == OT_NEW)
		ot_finish(t);
	else
		orch_task_step(t);
}

/* The spec of t and the call that creates it. */
static void
ot_create(struct orch_task *t)
{
	struct ctr *c = orch_driver(t->o, t->drv);
	struct ctr_spec spec;
	struct env env;
	int err;

	if (c == NULL || t->app->def == NULL) {
		ot_done(t, ST_EIO, c ? "the app was deleted" :
		    "no containerizer", "create");
		return;
	}
	if ((err = env_build(&env, t->app->def, t->id, t->o->host, t->ports,
	    t->n_ports)) != ST_OK) {
		ot_done(t, err, NULL, "create");
		return;
	}
	memset(&spec, 0, sizeof(spec));
	spec.app_id = t->app->id;
	spec.instance_id = t->id;
	spec.version = t->version;
	spec.owner = t->o->owner;
	spec.app = t->app->def;
	spec.env = (const char *const *)env.vars;
	spec.n_env = env.n;
	spec.host_ports = t->ports;
	spec.n_ports = t->n_ports;
	t->op = OP_CREATE;
	err = ctr_create(c, &spec, ot_created, t);
	env_deinit(&env);
	if (err != ST_OK) {
		t->op = OP_NONE;
		ot_done(t, err, NULL, "create");
	}
}

/* Unpublish, then stop: nobody is sent to a task being stopped. */
static void
ot_unpublish(struct orch_task *t)
{
	struct orch_task next = *t;

	next.state = OT_STOPPING;
	next.kill = 1;
	if (orch_task_write(t, &next, W_PUT | W_UNPUBLISH) != ST_OK)
		t->write_failed = 1;
}

/* An exit nobody asked for: out of DNS, a failure, then removed. */
static void
ot_exited(struct orch_task *t)
{
	struct orch_task next = *t;
	char *text = t->message;
	size_t size = sizeof(t->message);

	/* Said first, so that the status event of the write carries it. */
	if (t->oom)
		snprintf(text, size, "killed by the OOM killer");
	else if (t->exit_code >= 0)
		snprintf(text, size, "exited with code %d", t->exit_code);
	else if (t->vanished)
		snprintf(text, size, "gone: removed behind stadion's back, or "
		    "lost");
	else
		snprintf(text, size, "ended (exit code unknown)");
	next.state = OT_STOPPING;
	if (orch_task_write(t, &next, W_PUT | (t->state == OT_RUNNING ?
	    W_UNPUBLISH : 0)) != ST_OK) {
		t->write_failed = 1;
		return;
	}
	ot_note_failure(t, text);
	t->state = OT_REMOVING;
	orch_kick(t->o);
}

void
orch_task_step(struct orch_task *t)
{
	struct ctr *c;
	int err = ST_OK;

	if (t->op != OP_NONE || t->lost)
		return;
	t->write_failed = 0;
	switch (t->state) {
	case OT_NEW:
		if (t->kill || t->exited)
			ot_finish(t);
		else
			ot_create(t);
		return;
	case OT_CREATED:
		if (t->exited && !t->kill) {
			t->kill = 1;
			ot_note_failure(t, "ended before it was seen running");
		}
		if (!t->kill) {
			if ((c = orch_driver(t->o, t->drv)) == NULL)
				return;
			t->op = OP_START;
			if ((err = ctr_start(c, t->handle, ot_started, t)) !=
			    ST_OK) {
				t->op = OP_NONE;
				ot_done(t, err, NULL, "start");
			}
			return;
		}
		t->state = OT_REMOVING;
		break;
	case OT_RUNNING:
		/* Asked to stop and then ended: that is no failure. */
		if (t->kill)
			ot_unpublish(t);
		else if (t->exited)
			ot_exited(t);
		else
			return;
		if (t->write_failed)
			return;
		break;
	case OT_STOPPING:
	case OT_REMOVING:
		break;
	}
	if ((c = orch_driver(t->o, t->drv)) == NULL)
		return;
	if (t->state == OT_STOPPING && t->exited)
		t->state = OT_REMOVING;
	/* Draining: out of DNS, still serving whoever cached its records. */
	if (t->state == OT_STOPPING && t->drain_until > clock_wall())
		return;
	if (t->state == OT_STOPPING) {
		t->op = OP_STOP;
		err = ctr_stop(c, t->handle, t->grace, ot_stopped, t);
	} else {
		t->op = OP_REMOVE;
		err = ctr_remove(c, t->handle, 1, ot_removed, t);
	}
	if (err != ST_OK) {
		t->op = OP_NONE;
		log_warnx("orch: task %s: cannot ask the %s driver (%s)", t->id,
		    ctr_name(c), st_strerror(err));
	}
}

void
orch_task_kill(struct orch_task *t)
{
	if (t->kill)
		return;
	t->kill = 1;
	orch_task_step(t);
}

void
orch_task_retire(struct orch_task *t, double drain_s)
{
	struct orch_task next;

	if (t->kill)
		return;
	/* Held out of DNS: its drain began when it was switched out. */
	if (t->standby)
		drain_s = t->drain_until - clock_wall();
	if (drain_s <= 0 || t->op != OP_NONE || t->exited ||
	    !orch_task_healthy(t)) {
		orch_task_kill(t);
		return;
	}
	next = *t;
	next.state = OT_STOPPING;
	next.kill = 1;
	next.drain_until = clock_wall() + drain_s;
	if (orch_task_write(t, &next, W_PUT | W_UNPUBLISH) != ST_OK)
		return;
	log_info("orch: %s: task %s is out of DNS; stopped in %.0f s, when "
	    "resolvers forgot it", t->app->id, t->id, drain_s);
	orch_kick(t->o);
}

/* Whether the app's ports are host ports it declared (requirePorts etc). */
static void
ot_declared(const json_t *def, size_t n, uint16_t *declared)
{
	int fixed = !ot_host_net(def) ||
	    json_is_true(json_object_get(def, "requirePorts"));

	for (size_t i = 0; i < n; i++)
		declared[i] = fixed ? (uint16_t)app_port_declared(def, i) : 0;
}

int
orch_task_launch(struct orch_app *a, int standby)
{
	struct orch *o = a->o;
	struct orch_task *t;
	uint16_t declared[ORCH_PORTS_MAX];
	char prefix[APP_ID_MAX], uuid[ORCH_UUID_MAX];
	const json_t *vi = json_object_get(a->def, "versionInfo");
	size_t n = app_port_count(a->def);
	int err;

	app_task_prefix(a->id, prefix, sizeof(prefix));
	/* orch_api refuses app ids that leave no room for the UUID. */
	if (n > ORCH_PORTS_MAX ||
	    strlen(prefix) + ORCH_UUID_MAX >= ORCH_TASK_ID_MAX)
		return ST_EINVAL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ST_ENOMEM;
	t->o = o;
	t->app = a;
	t->drv = orch_app_drv(a->def);
	t->grace = (int)json_integer_value(json_object_get(a->def,
	    "taskKillGracePeriodSeconds"));
	t->health = json_array_size(json_object_get(a->def, "healthChecks")) ?
	    OH_STARTING : OH_NONE;
	t->n_ports = n;
	t->standby = standby;
	ot_declared(a->def, n, declared);
	if ((err = ports_alloc(o->ports, n, declared, t->ports)) != ST_OK) {
		free(t);
		return err;
	}
	orch_uuid(uuid);
	snprintf(t->id, sizeof(t->id), "%.*s.%s", (int)(ORCH_TASK_ID_MAX -
	    ORCH_UUID_MAX - 1), prefix, uuid);
	snprintf(t->version, sizeof(t->version), "%s", json_string_value(
	    json_object_get(a->def, "version")));
	snprintf(t->config_version, sizeof(t->config_version), "%s",
	    json_string_value(json_object_get(vi, "lastConfigChangeAt")));
	clock_iso_now(t->staged_at, sizeof(t->staged_at));
	t->state = OT_NEW;
	if ((err = orch_task_write(t, t, W_PUT)) != ST_OK) {
		ports_release(o->ports, t->ports, t->n_ports);
		free(t);
		return err;
	}
	TAILQ_INSERT_TAIL(&a->tasks, t, entry);
	log_info("orch: launching task %s of %s", t->id, a->id);
	orch_event_status(t, NULL);
	orch_task_step(t);
	return ST_OK;
}
