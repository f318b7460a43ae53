/*
 * orch_api.c -- the requests that change apps: create, update, scale,
 * restart, delete, task kills and deployment cancels. Each validates
 * everything first, then stores the new app version and its deployment in
 * one write transaction; memory follows the commit and a reconcile pass
 * does the work. A refused or failed request changes nothing.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dns/name.h"
#include "orch/app.h"
#include "orch/orch_int.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

/* Fields the server writes: not part of what a client defines. */
static json_t *
oa_strip(const json_t *def)
{
	json_t *v = json_deep_copy(def);

	if (v) {
		json_object_del(v, "version");
		json_object_del(v, "versionInfo");
	}
	return v;
}

/*
 * A stored definition as today's rules normalize it (a version kept from
 * before a field existed gets its default): *out owned. ST_EINVAL etc.
 */
static int
oa_renorm(const json_t *stored, const char *id, json_t **out,
    struct orch_error *e)
{
	json_t *def = oa_strip(stored);
	int err;

	if (def == NULL)
		return ST_ENOMEM;
	err = app_check(def, id, out, &e->details);
	json_decref(def);
	return err;
}

static int
oa_invalid(struct orch_error *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
oa_invalid(struct orch_error *e, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(e->details);
	e->details = json_pack("[{s:s,s:[s]}]", "path", path, "errors", msg);
	return e->details ? ST_EINVAL : ST_ENOMEM;
}

/* ST_ECONFLICT when a deployment locks app id (and force is not given). */
static int
oa_locked(struct orch *o, const char *id, int force, struct orch_error *e)
{
	json_t *d = orch_app_deployment(o, id);
	const char *did;

	if (d == NULL || force)
		return ST_OK;
	did = json_string_value(json_object_get(d, "id"));
	snprintf(e->message, sizeof(e->message), "App is locked by one or more "
	    "deployments. Override with the option '?force=true'. View details "
	    "at '/v2/deployments/%s'.", did);
	json_decref(e->deployments);
	e->deployments = json_pack("[{s:s}]", "id", did);
	return ST_ECONFLICT;
}

/*
 * A new app's id must leave room for task ids and give a DNS label that
 * no other app or registered service has. A service registered through
 * /v1/services under the app's own name is refused too: the app would
 * take its names over, and its deletion would take the service along.
 */
static int
oa_check_names(struct orch *o, const char *id, struct orch_error *e)
{
	char prefix[APP_ID_MAX], label[DNS_LABEL_MAX + 1];
	struct orch_app *b;
	const void *val;
	size_t vlen;
	int err;

	app_task_prefix(id, prefix, sizeof(prefix));
	if (strlen(prefix) + ORCH_UUID_MAX >= ORCH_TASK_ID_MAX)
		return oa_invalid(e, "/id", "is too long: task ids are the id "
		    "and a UUID, at most %d characters", ORCH_TASK_ID_MAX - 1);
	if (dns_label_from_app_id(id, label, sizeof(label)) != ST_OK)
		return oa_invalid(e, "/id", "gives no DNS label");
	TAILQ_FOREACH(b, &o->apps, entry)
		if (strcmp(b->id, id) != 0 && strcmp(b->label, label) == 0)
			return oa_invalid(e, "/id", "its DNS label '%s' is that "
			    "of app '%s'", label, b->id);
	if ((err = store_reader_begin(o->reader)) != ST_OK)
		return err;
	err = store_get(o->reader, STORE_DB_LABELS, label, strlen(label), &val,
	    &vlen);
	if (err == ST_OK && (vlen != strlen(id) || memcmp(val, id, vlen) != 0 ||
	    orch_app_find(o, id) == NULL))
		err = oa_invalid(e, "/id", "its DNS label '%s' is taken by the "
		    "registered service '%.*s'", label, (int)vlen,
		    (const char *)val);
	else if (err == ST_ENOTFOUND)
		err = ST_OK;
	store_reader_end(o->reader);
	return err;
}

/* A deployment of app id to version: one step per action. */
static json_t *
oa_deployment(const char *id, const char *version,
    const char *const *actions, size_t n, const json_t *original)
{
	char uuid[ORCH_UUID_MAX];
	json_t *steps = json_array(), *cur = NULL;

	orch_uuid(uuid);
	for (size_t i = 0; steps && i < n; i++) {
		json_decref(cur);
		cur = json_pack("[{s:s,s:s}]", "action", actions[i], "app", id);
		if (cur == NULL || json_array_append_new(steps, json_pack(
		    "{s:O}", "actions", cur))) {
			json_decref(steps);
			steps = NULL;
		}
	}
	if (steps == NULL || cur == NULL ||
	    json_object_set_new(json_array_get(cur, 0),
	    "readinessCheckResults", json_array())) {
		json_decref(steps);
		json_decref(cur);
		return NULL;
	}
	return json_pack("{s:s,s:s,s:[s],s:[],s:o,s:o,s:i,s:i,s:O}", "id", uuid,
	    "version", version, "affectedApps", id, "affectedPods", "steps",
	    steps, "currentActions", cur, "currentStep", (int)n, "totalSteps",
	    (int)n, "original", original ? original : json_null());
}

/* One change of the store: an app record, a deployment, their ends. */
struct oa_change {
	struct orch *o;
	const json_t *def;	/* the app's new record */
	const char *del_app;	/* app whose records go */
	const json_t *dep;	/* a new deployment */
	const char *drop_dep;	/* a deployment it replaces */
	const char *why;	/* why that one failed, when not the default */
};

static int
oa_txn(struct store_txn *txn, void *arg)
{
	struct oa_change *c = arg;
	int err = ST_OK;

	if (c->def)
		err = orch_db_put_app(txn, c->def);
	if (err == ST_OK && c->del_app)
		err = orch_db_del_app(txn, c->del_app);
	if (err == ST_OK && c->drop_dep)
		err = orch_db_del_deployment(txn, c->drop_dep);
	if (err == ST_OK && c->dep)
		err = orch_db_put_deployment(txn, c->dep);
	return err ? err : store_txn_error(txn);
}

static int
oa_commit(struct oa_change *c, struct orch_error *e)
{
	struct orch *o = c->o;
	const char *id;
	int err;

	if ((err = store_write(o->st, oa_txn, c)) != ST_OK) {
		log_errx("orch: cannot store the change (%s)", st_strerror(err));
		snprintf(e->message, sizeof(e->message), "cannot store the "
		    "change: %s", st_strerror(err));
		return err;
	}
	if (c->drop_dep) {
		/* Replaced or cancelled: it did not get where it was sent. */
		orch_deployment_event(o, json_object_get(o->deployments,
		    c->drop_dep), "deployment_failed", c->why ? c->why :
		    c->dep ? "replaced by a new deployment" : "cancelled");
		json_object_del(o->deployments, c->drop_dep);
	}
	if (c->dep && (id = json_string_value(json_object_get(c->dep,
	    "id")))) {
		json_object_set(o->deployments, id, (json_t *)c->dep);
		orch_deployment_event(o, c->dep, "deployment_info", NULL);
	}
	return ST_OK;
}

/* The id of the deployment on app id, to be replaced by a forced one. */
static const char *
oa_replaced(struct orch *o, const char *id)
{
	json_t *d = orch_app_deployment(o, id);

	return d ? json_string_value(json_object_get(d, "id")) : NULL;
}

/* Stamp def (owned) with version v and its versionInfo. */
static int
oa_stamp(json_t *def, const char *v, const char *config_v)
{
	return json_object_set_new(def, "version", json_string(v)) ||
	    json_object_set_new(def, "versionInfo", json_pack("{s:s,s:s}",
	    "lastScalingAt", v, "lastConfigChangeAt", config_v)) ?
	    ST_ENOMEM : ST_OK;
}

/* Create app from normalized def (taken). */
static int
oa_create(struct orch *o, json_t *def, json_t **out, struct orch_error *e)
{
	static const char *const acts[] = { "StartApplication",
	    "ScaleApplication" };
	const char *id = json_string_value(json_object_get(def, "id"));
	struct orch_app *a = orch_app_find(o, id);
	struct oa_change c = { o, def, NULL, NULL, NULL, NULL };
	char v[ORCH_VERSION_MAX];
	int err, added = 0;

	if (a && a->def) {
		snprintf(e->message, sizeof(e->message), "An app with id [%s] "
		    "already exists.", id);
		err = ST_EEXIST;
		goto out;
	}
	if ((a && (err = oa_locked(o, id, 0, e)) != ST_OK) ||
	    (err = oa_check_names(o, id, e)) != ST_OK)
		goto out;
	orch_new_version(o, v);
	if ((err = oa_stamp(def, v, v)) != ST_OK)
		goto out;
	if ((c.dep = oa_deployment(id, v, acts, 2, NULL)) == NULL ||
	    (a == NULL && (added = 1) && (a = orch_app_add(o, id)) == NULL)) {
		err = ST_ENOMEM;
		goto out;
	}
	if ((err = oa_commit(&c, e)) != ST_OK) {
		if (added)
			orch_app_forget(a);
		goto out;
	}
	a->def = json_incref(def);
	orch_failure_reset(a);
	log_notice("orch: app %s created (version %s)", id, v);
	if ((*out = orch_json_app(a, 1)) == NULL)
		err = ST_ENOMEM;
	orch_kick(o);
out:
	json_decref((json_t *)c.dep);
	json_decref(def);
	return err;
}

int
orch_app_create(struct orch *o, const json_t *body, json_t **out,
    struct orch_error *e)
{
	json_t *def;
	int err;

	if ((err = app_check(body, NULL, &def, &e->details)) != ST_OK)
		return err;
	return oa_create(o, def, out, e);
}

/*
 * Move live app a to def (normalized, taken). A change of instances alone
 * is a scaling: tasks stay; anything else (or restart) is a new config
 * that replaces every task. config_v: the config version to take back
 * (a rollback) or NULL.
 */
static int
oa_change(struct orch_app *a, json_t *def, int restart, const char *config_v,
    const char *rollback_why, json_t **out, struct orch_error *e)
{
	struct orch *o = a->o;
	struct oa_change c = { o, def, NULL, NULL, NULL, rollback_why };
	const char *act;
	char v[ORCH_VERSION_MAX], did[ORCH_UUID_MAX];
	json_t *cur = oa_strip(a->def), *x = NULL, *y = NULL;
	const char *old_cfg = json_string_value(json_object_get(json_object_get(
	    a->def, "versionInfo"), "lastConfigChangeAt"));
	int scale_only, err = ST_ENOMEM;

	if (cur == NULL || (x = json_deep_copy(def)) == NULL ||
	    (y = json_deep_copy(cur)) == NULL)
		goto out;
	if (!restart && config_v == NULL && json_equal(def, cur)) {
		/* Nothing changes: an empty deployment, done at once. */
		orch_uuid(did);
		*out = orch_json_result(json_string_value(json_object_get(
		    a->def, "version")), did);
		err = *out ? ST_OK : ST_ENOMEM;
		goto out;
	}
	json_object_del(x, "instances");
	json_object_del(y, "instances");
	scale_only = !restart && json_equal(x, y) && (config_v == NULL ||
	    strcmp(config_v, old_cfg ? old_cfg : "") == 0);
	orch_new_version(o, v);
	if ((err = oa_stamp(def, v, config_v ? config_v : scale_only &&
	    old_cfg ? old_cfg : v)) != ST_OK)
		goto out;
	act = scale_only ? "ScaleApplication" : "RestartApplication";
	c.drop_dep = oa_replaced(o, a->id);
	if ((c.dep = oa_deployment(a->id, v, &act, 1, a->def)) == NULL ||
	    (!scale_only && orch_deploy_init((json_t *)c.dep, a->id, def,
	    rollback_why ? "Rollback" : json_string_value(json_object_get(
	    json_object_get(def, "upgradeStrategy"), "type"))) != ST_OK)) {
		err = ST_ENOMEM;
		goto out;
	}
	if ((err = oa_commit(&c, e)) != ST_OK)
		goto out;
	json_decref(a->def);
	a->def = json_incref(def);
	if (!scale_only)
		orch_failure_reset(a);
	log_notice("orch: app %s: %s to version %s", a->id, scale_only ?
	    "scaling" : rollback_why ? "rolling back" : "new config", v);
	*out = orch_json_result(v, json_string_value(json_object_get(c.dep,
	    "id")));
	err = *out ? ST_OK : ST_ENOMEM;
	orch_kick(o);
out:
	json_decref((json_t *)c.dep);
	json_decref(x);
	json_decref(y);
	json_decref(cur);
	json_decref(def);
	return err;
}

/* PATCH: the body's members over the current definition's. */
static json_t *
oa_merge(const json_t *cur, const json_t *body)
{
	json_t *m = oa_strip(cur);

	if (m == NULL || json_object_update(m, (json_t *)body)) {
		json_decref(m);
		return NULL;
	}
	/* Fields that exclude each other: the body's choice wins. */
	if (json_object_get(body, "ports"))
		json_object_del(m, "portDefinitions");
	if (json_object_get(body, "cmd") && !json_object_get(body, "args"))
		json_object_del(m, "args");
	if (json_object_get(body, "args") && !json_object_get(body, "cmd"))
		json_object_del(m, "cmd");
	return m;
}

/* The live app that URL id names; ST_ENOTFOUND. */
static int
oa_live(struct orch *o, const char *id, struct orch_app **out)
{
	return (*out = orch_app_live(o, id)) ? ST_OK : ST_ENOTFOUND;
}

/* Marathon's rollback body: {"version": V}, an "id" beside it at most. */
static int
oa_version_only(const json_t *body)
{
	size_t n = json_object_size(body);

	return json_is_string(json_object_get(body, "version")) &&
	    (n == 1 || (n == 2 && json_object_get(body, "id")));
}

/* Back to the config of a's kept version v, as a new deployment. */
static int
oa_to_version(struct orch_app *a, const char *v, json_t **out,
    struct orch_error *e)
{
	json_t *old = NULL, *def;
	int err;

	if ((err = orch_db_version(a->o, a->id, v, &old)) != ST_OK) {
		if (err == ST_ENOTFOUND)
			snprintf(e->message, sizeof(e->message), "App %.128s "
			    "does not have version %.64s", a->id, v);
		return err;
	}
	if ((err = oa_renorm(old, a->id, &def, e)) == ST_OK)
		err = oa_change(a, def, 0, json_string_value(json_object_get(
		    json_object_get(old, "versionInfo"), "lastConfigChangeAt")),
		    NULL, out, e);
	json_decref(old);
	return err;
}

int
orch_app_update(struct orch *o, const char *id, const json_t *body,
    int partial, int force, int *created, json_t **out, struct orch_error *e)
{
	char norm[APP_ID_MAX];
	struct orch_app *a;
	json_t *merged, *def;
	int err;

	*created = 0;
	if (id == NULL || app_id_normalize(id, norm, sizeof(norm)) != ST_OK)
		return oa_invalid(e, "/id", "is not a valid app id");
	if ((a = orch_app_find(o, norm)) == NULL || a->def == NULL) {
		if (a && (err = oa_locked(o, norm, force, e)) != ST_OK)
			return err;
		if ((err = app_check(body, norm, &def, &e->details)) != ST_OK)
			return err;
		if (a && force) {
			/* Forced over a deletion: that deployment ends here. */
			const char *drop = oa_replaced(o, norm);
			struct oa_change c = { o, NULL, NULL, NULL, drop, NULL };

			if (drop && (err = oa_commit(&c, e)) != ST_OK) {
				json_decref(def);
				return err;
			}
		}
		*created = 1;
		return oa_create(o, def, out, e);
	}
	if ((err = oa_locked(o, a->id, force, e)) != ST_OK)
		return err;
	if (oa_version_only(body))
		return oa_to_version(a, json_string_value(json_object_get(body,
		    "version")), out, e);
	merged = partial ? oa_merge(a->def, body) : json_incref((json_t *)body);
	if (merged == NULL)
		return ST_ENOMEM;
	err = app_check(merged, a->id, &def, &e->details);
	json_decref(merged);
	if (err != ST_OK)
		return err;
	return oa_change(a, def, 0, NULL, NULL, out, e);
}

/* Delete live app a: its record goes now, its tasks are stopped. */
static int
oa_delete(struct orch_app *a, const char *drop, json_t **out,
    struct orch_error *e)
{
	static const char *const act = "StopApplication";
	struct orch *o = a->o;
	struct oa_change c = { o, NULL, a->id, NULL, drop, NULL };
	char v[ORCH_VERSION_MAX];
	int err;

	orch_new_version(o, v);
	if ((c.dep = oa_deployment(a->id, v, &act, 1, a->def)) == NULL)
		return ST_ENOMEM;
	if ((err = oa_commit(&c, e)) == ST_OK) {
		json_decref(a->def);
		a->def = NULL;
		log_notice("orch: app %s deleted; stopping its tasks", a->id);
		*out = orch_json_result(v, json_string_value(json_object_get(
		    c.dep, "id")));
		err = *out ? ST_OK : ST_ENOMEM;
		orch_kick(o);
	}
	json_decref((json_t *)c.dep);
	return err;
}

int
orch_app_delete(struct orch *o, const char *id, int force, json_t **out,
    struct orch_error *e)
{
	struct orch_app *a;
	int err;

	if ((err = oa_live(o, id, &a)) != ST_OK ||
	    (err = oa_locked(o, a->id, force, e)) != ST_OK)
		return err;
	return oa_delete(a, oa_replaced(o, a->id), out, e);
}

int
orch_app_restart(struct orch *o, const char *id, int force, json_t **out,
    struct orch_error *e)
{
	struct orch_app *a;
	json_t *def;
	int err;

	if ((err = oa_live(o, id, &a)) != ST_OK ||
	    (err = oa_locked(o, a->id, force, e)) != ST_OK)
		return err;
	if ((def = oa_strip(a->def)) == NULL)
		return ST_ENOMEM;
	return oa_change(a, def, 1, NULL, NULL, out, e);
}

/* The tasks a kill names, each once; ST_ENOTFOUND names the first unknown. */
static int
oa_kill_list(struct orch *o, struct orch_app *a, const char *const *ids,
    size_t n, struct orch_task **list, size_t *count, struct orch_error *e)
{
	struct orch_task *t;

	*count = 0;
	if (ids == NULL) {
		TAILQ_FOREACH(t, &a->tasks, entry)
			if (orch_task_alive(t))
				list[(*count)++] = t;
		return ST_OK;
	}
	for (size_t i = 0; i < n; i++) {
		if (ids[i] == NULL || (t = orch_task_find(o, ids[i])) == NULL ||
		    (a && t->app != a)) {
			snprintf(e->message, sizeof(e->message), "Task '%s' does "
			    "not exist", ids[i] ? ids[i] : "");
			return ST_ENOTFOUND;
		}
		for (size_t j = 0; j < *count; j++)
			if (list[j] == t)
				t = NULL;
		if (t)
			list[(*count)++] = t;
	}
	return ST_OK;
}

/* Lower the instances of every app in list by its tasks there. */
static int
oa_scale_down(struct orch *o, struct orch_task **list, size_t n, int force,
    json_t **out, struct orch_error *e)
{
	struct orch_app *a;
	json_t *def, *res;
	json_int_t k, inst;
	int err;

	for (size_t i = 0; i < n; i++)
		if (list[i]->app->def == NULL ||
		    (err = oa_locked(o, list[i]->app->id, force, e)) != ST_OK)
			return list[i]->app->def ? err : ST_ENOTFOUND;
	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		a = list[i]->app;
		k = 0;
		for (size_t j = 0; j < n; j++) {
			if (list[j]->app == a && j < i)
				goto next;
			k += list[j]->app == a && orch_task_alive(list[j]);
		}
		inst = json_integer_value(json_object_get(a->def, "instances"));
		if ((def = oa_strip(a->def)) == NULL ||
		    json_object_set_new(def, "instances",
		    json_integer(inst > k ? inst - k : 0))) {
			json_decref(def);
			return ST_ENOMEM;
		}
		res = NULL;
		if ((err = oa_change(a, def, 0, NULL, NULL, &res, e)) != ST_OK)
			return err;
		if (*out == NULL)
			*out = res;
		else
			json_decref(res);
next:
		;
	}
	return ST_OK;
}

int
orch_tasks_kill(struct orch *o, const char *id,
    const char *const *task_ids, size_t n, int scale, int force,
    json_t **out, struct orch_error *e)
{
	struct orch_app *a = NULL, *b;
	struct orch_task **list, *t;
	json_t *killed = NULL;
	size_t max = n, count = 0;
	int err;

	if (id && (err = oa_live(o, id, &a)) != ST_OK)
		return err;
	if (task_ids == NULL) {
		if (a == NULL)
			return ST_EINVAL;
		max = 0;
		TAILQ_FOREACH(t, &a->tasks, entry)
			max++;
	}
	if ((list = calloc(max + 1, sizeof(*list))) == NULL)
		return ST_ENOMEM;
	if ((err = oa_kill_list(o, a, task_ids, n, list, &count, e)) != ST_OK)
		goto out;
	if (scale) {
		if ((err = oa_scale_down(o, list, count, force, out, e)) ==
		    ST_OK && *out == NULL) {
			/* Nothing to scale: Marathon still answers a plan. */
			char did[ORCH_UUID_MAX], v[ORCH_VERSION_MAX];

			orch_uuid(did);
			orch_new_version(o, v);
			*out = orch_json_result(v, did);
		}
		if (err != ST_OK)
			goto out;
	} else if ((killed = json_array()) == NULL) {
		err = ST_ENOMEM;
		goto out;
	}
	/* Views first: a task that never ran is gone as soon as killed. */
	for (size_t i = 0; killed && i < count; i++)
		json_array_append_new(killed, orch_json_task(list[i]));
	for (size_t i = 0; i < count; i++) {
		b = list[i]->app;
		log_info("orch: %s: killing task %s%s", b->id, list[i]->id,
		    scale ? " (scaling down)" : "");
		orch_task_kill(list[i]);
	}
	if (killed && (*out = json_pack("{s:o}", "tasks", killed)) == NULL)
		err = ST_ENOMEM;
	killed = NULL;
	orch_kick(o);
out:
	json_decref(killed);
	free(list);
	return err;
}

int
orch_deployment_cancel(struct orch *o, const char *id, int force,
    json_t **out, struct orch_error *e)
{
	static const char *const start[] = { "StartApplication",
	    "ScaleApplication" };
	json_t *d = id ? json_object_get(o->deployments, id) : NULL;
	const json_t *orig;
	struct orch_app *a;
	struct oa_change c = { o, NULL, NULL, NULL, id, NULL };
	char v[ORCH_VERSION_MAX];
	const char *app_id;
	json_t *def;
	int err;

	*out = NULL;
	if (d == NULL) {
		snprintf(e->message, sizeof(e->message), "DeploymentPlan %s "
		    "does not exist", id ? id : "");
		return ST_ENOTFOUND;
	}
	app_id = json_string_value(json_array_get(json_object_get(d,
	    "affectedApps"), 0));
	if (app_id == NULL || (a = orch_app_find(o, app_id)) == NULL)
		return ST_EFORMAT;
	if (force) {
		log_notice("orch: deployment %s of %s cancelled", id, a->id);
		/* A pass decides what becomes of its tasks. */
		orch_kick(o);
		return oa_commit(&c, e);
	}
	orig = json_object_get(d, "original");
	if (!json_is_object(orig)) {
		/* The deployment created the app: rolling back deletes it. */
		if (a->def == NULL)
			return oa_commit(&c, e);
		return oa_delete(a, id, out, e);
	}
	if ((err = oa_renorm(orig, a->id, &def, e)) != ST_OK)
		return err;
	if (a->def) {
		/* Back to the original config: its tasks are current again. */
		return oa_change(a, def, 0, json_string_value(json_object_get(
		    json_object_get(orig, "versionInfo"),
		    "lastConfigChangeAt")), "cancelled and rolled back", out, e);
	}
	/* The deployment deleted the app: it comes back as it was. */
	orch_new_version(o, v);
	c.def = def;
	if ((err = oa_stamp(def, v, v)) != ST_OK ||
	    (c.dep = oa_deployment(a->id, v, start, 2, NULL)) == NULL) {
		json_decref(def);
		return err ? err : ST_ENOMEM;
	}
	if ((err = oa_commit(&c, e)) == ST_OK) {
		a->def = json_incref(def);
		*out = orch_json_result(v, json_string_value(json_object_get(
		    c.dep, "id")));
		err = *out ? ST_OK : ST_ENOMEM;
		orch_kick(o);
	}
	json_decref((json_t *)c.dep);
	json_decref(def);
	return err;
}

int
orch_rollback(struct orch_app *a, json_t *d, const char *reason)
{
	const json_t *orig = json_object_get(d, "original");
	struct orch_error e;
	json_t *def, *out = NULL;
	char why[256], cfg[ORCH_VERSION_MAX], was[ORCH_VERSION_MAX];
	int err;

	memset(&e, 0, sizeof(e));
	if (a->def == NULL || !json_is_object(orig) ||
	    oa_renorm(orig, a->id, &def, &e) != ST_OK) {
		orch_error_clear(&e);
		return ST_EINVAL;
	}
	/* Copies: the change drops d, and orig with it. */
	snprintf(cfg, sizeof(cfg), "%s", json_string_value(json_object_get(
	    json_object_get(orig, "versionInfo"), "lastConfigChangeAt")) ?: "");
	snprintf(was, sizeof(was), "%s", json_string_value(json_object_get(
	    orig, "version")) ?: "");
	snprintf(why, sizeof(why), "%s; rolled back", reason);
	err = oa_change(a, def, 0, cfg, why, &out, &e);
	if (err == ST_OK) {
		log_notice("orch: %s: rolling back to version %s (deployment "
		    "%s)", a->id, was, json_string_value(json_object_get(out,
		    "deploymentId")));
		orch_event(a->o, "stadion_rollback_event", json_pack(
		    "{s:s,s:s,s:O,s:s,s:O}", "appId", a->id, "reason", reason,
		    "version", json_object_get(out, "version"),
		    "restoredVersion", was, "deploymentId",
		    json_object_get(out, "deploymentId")));
	}
	json_decref(out);
	orch_error_clear(&e);
	return err;
}

void
orch_deployment_end(struct orch *o, json_t *d, const char *reason)
{
	const char *id = json_string_value(json_object_get(d, "id"));
	struct oa_change c = { o, NULL, NULL, NULL, id, reason };
	struct orch_error e;

	memset(&e, 0, sizeof(e));
	if (oa_commit(&c, &e) == ST_OK)
		orch_kick(o);
	orch_error_clear(&e);
}
