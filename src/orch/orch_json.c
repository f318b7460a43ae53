/*
 * orch_json.c -- what the /v2 API shows, in Marathon's shapes: tasks,
 * AppInfo (the definition with its status), deployments, /v2/info, and
 * the read calls of orch.h that only look.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "health/health.h"
#include "orch/orch_int.h"
#include "util/error.h"

json_t *
orch_json_task(const struct orch_task *t)
{
	json_t *ports = json_array(), *v, *hc;

	if (ports == NULL)
		return NULL;
	for (size_t i = 0; i < t->n_ports; i++)
		json_array_append_new(ports, json_integer(t->ports[i]));
	hc = t->hw ? health_watch_json(t->hw) : json_array();
	v = json_pack("{s:s,s:s,s:s,s:s,s:o,s:[],s:[{s:s,s:s}],s:s,s:s,"
	    "s:o,s:s,s:o,s:[]}",
	    "id", t->id, "appId", t->app->id, "host", t->o->host,
	    "slaveId", t->o->framework_id, "ports", ports, "servicePorts",
	    "ipAddresses", "ipAddress", t->o->host, "protocol",
	    strchr(t->o->host, ':') ? "IPv6" : "IPv4",
	    "state", orch_task_state_name(t), "stagedAt", t->staged_at,
	    "startedAt", t->started_at[0] ? json_string(t->started_at) :
	    json_null(), "version", t->version, "healthCheckResults", hc,
	    "localVolumes");
	return v;
}

json_t *
orch_json_app(const struct orch_app *a, int with_tasks)
{
	const struct orch_task *t;
	json_t *app, *tasks = NULL, *deps, *d;
	json_int_t staged = 0, running = 0, healthy = 0, unhealthy = 0;
	int bad;

	if ((app = json_deep_copy(a->def)) == NULL)
		return NULL;
	bad = json_object_set_new(app, "deployments", deps = json_array());
	if (!bad && (d = orch_app_deployment(a->o, a->id)) != NULL)
		bad = json_array_append_new(deps, json_pack("{s:O}", "id",
		    json_object_get(d, "id")));
	if (!bad && with_tasks)
		bad = json_object_set_new(app, "tasks", tasks = json_array());
	TAILQ_FOREACH(t, &a->tasks, entry) {
		if (bad || t->state == OT_REMOVING)
			continue;
		staged += t->state < OT_RUNNING;
		running += t->state == OT_RUNNING && !t->kill;
		healthy += t->health == OH_HEALTHY && orch_task_healthy(t);
		unhealthy += t->health == OH_UNHEALTHY &&
		    t->state == OT_RUNNING && !t->kill;
		if (tasks)
			bad = json_array_append_new(tasks, orch_json_task(t));
	}
	/* As Marathon: no task is healthy in an app without health checks. */
	if (bad ||
	    json_object_set_new(app, "tasksStaged", json_integer(staged)) ||
	    json_object_set_new(app, "tasksRunning", json_integer(running)) ||
	    json_object_set_new(app, "tasksHealthy", json_integer(healthy)) ||
	    json_object_set_new(app, "tasksUnhealthy",
	    json_integer(unhealthy)) ||
	    (a->last_failure && json_object_set(app, "lastTaskFailure",
	    a->last_failure))) {
		json_decref(app);
		return NULL;
	}
	return app;
}

json_t *
orch_json_deployment(const json_t *d)
{
	json_t *v = json_deep_copy(d);

	if (v)
		json_object_del(v, "original");
	return v;
}

json_t *
orch_json_result(const char *version, const char *deployment_id)
{
	return json_pack("{s:s,s:s}", "version", version, "deploymentId",
	    deployment_id);
}

/* 1 when the labels of def pass filter "k", "k==v" or "k!=v". */
static int
oj_label_match(const json_t *def, const char *filter)
{
	const json_t *labels = json_object_get(def, "labels");
	const char *eq = strstr(filter, "=="), *ne = strstr(filter, "!=");
	const char *op = eq ? eq : ne, *val;
	char key[256];

	if (op == NULL)
		return json_object_get(labels, filter) != NULL;
	snprintf(key, sizeof(key), "%.*s", (int)(op - filter), filter);
	val = json_string_value(json_object_get(labels, key));
	if (eq)
		return val && strcmp(val, op + 2) == 0;
	return val == NULL || strcmp(val, op + 2) != 0;
}

int
orch_apps_json(struct orch *o, const struct orch_app_filter *f,
    json_t **out)
{
	struct orch_app *a;
	json_t *apps = json_array(), *v;
	const char *cmd;

	if (apps == NULL)
		return ST_ENOMEM;
	TAILQ_FOREACH(a, &o->apps, entry) {
		if (a->def == NULL)
			continue;
		if (f && f->id && *f->id && strstr(a->id, f->id) == NULL)
			continue;
		cmd = json_string_value(json_object_get(a->def, "cmd"));
		if (f && f->cmd && *f->cmd && (cmd == NULL ||
		    strstr(cmd, f->cmd) == NULL))
			continue;
		if (f && f->label && *f->label &&
		    !oj_label_match(a->def, f->label))
			continue;
		if ((v = orch_json_app(a, f && f->embed_tasks)) == NULL ||
		    json_array_append_new(apps, v)) {
			json_decref(apps);
			return ST_ENOMEM;
		}
	}
	*out = json_pack("{s:o}", "apps", apps);
	return *out ? ST_OK : ST_ENOMEM;
}

int
orch_app_json(struct orch *o, const char *id, json_t **out)
{
	struct orch_app *a = orch_app_live(o, id);
	json_t *v;

	if (a == NULL)
		return ST_ENOTFOUND;
	if ((v = orch_json_app(a, 1)) == NULL)
		return ST_ENOMEM;
	*out = json_pack("{s:o}", "app", v);
	return *out ? ST_OK : ST_ENOMEM;
}

int
orch_app_versions_json(struct orch *o, const char *id, json_t **out)
{
	struct orch_app *a = orch_app_live(o, id);
	json_t *list;
	int err;

	if (a == NULL)
		return ST_ENOTFOUND;
	if ((err = orch_db_versions(o, a->id, &list)) != ST_OK)
		return err;
	*out = json_pack("{s:o}", "versions", list);
	return *out ? ST_OK : ST_ENOMEM;
}

int
orch_app_version_json(struct orch *o, const char *id, const char *version,
    json_t **out)
{
	struct orch_app *a = orch_app_live(o, id);

	if (a == NULL || version == NULL)
		return ST_ENOTFOUND;
	return orch_db_version(o, a->id, version, out);
}

/* 1 when t's state passes ?status= ("running" is TASK_RUNNING, ...). */
static int
oj_status_match(const struct orch_task *t, const char *status)
{
	const char *name = orch_task_state_name(t) + 5;
	size_t i;

	for (i = 0; status[i] && name[i]; i++)
		if ((status[i] & ~0x20) != name[i])
			return 0;
	return status[i] == '\0' && name[i] == '\0';
}

int
orch_tasks_json(struct orch *o, const char *id, const char *status,
    json_t **out)
{
	struct orch_app *a, *only = NULL;
	struct orch_task *t;
	json_t *tasks;

	if (id && (only = orch_app_live(o, id)) == NULL)
		return ST_ENOTFOUND;
	if ((tasks = json_array()) == NULL)
		return ST_ENOMEM;
	TAILQ_FOREACH(a, &o->apps, entry) {
		if (only && a != only)
			continue;
		TAILQ_FOREACH(t, &a->tasks, entry) {
			if (t->state == OT_REMOVING ||
			    (status && *status && !oj_status_match(t, status)))
				continue;
			if (json_array_append_new(tasks, orch_json_task(t))) {
				json_decref(tasks);
				return ST_ENOMEM;
			}
		}
	}
	*out = json_pack("{s:o}", "tasks", tasks);
	return *out ? ST_OK : ST_ENOMEM;
}

int
orch_deployments_json(struct orch *o, json_t **out)
{
	const char *key;
	json_t *list = json_array(), *d;

	if (list == NULL)
		return ST_ENOMEM;
	json_object_foreach(o->deployments, key, d) {
		if (json_array_append_new(list, orch_json_deployment(d))) {
			json_decref(list);
			return ST_ENOMEM;
		}
	}
	*out = list;
	return ST_OK;
}

int
orch_deployment_json(struct orch *o, const char *id, json_t **out)
{
	json_t *d = id ? json_object_get(o->deployments, id) : NULL;

	if (d == NULL)
		return ST_ENOTFOUND;
	return (*out = orch_json_deployment(d)) ? ST_OK : ST_ENOMEM;
}

int
orch_info_json(struct orch *o, json_t **out)
{
	*out = json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:{s:s,s:s,s:b,s:i,s:i},"
	    "s:{s:s},s:n}",
	    "name", "stadion", "version", PACKAGE_VERSION, "buildref",
	    PACKAGE_STRING, "elected", 1, "leader", o->leader, "frameworkId",
	    o->framework_id, "marathon_config", "master", "local",
	    "hostname", o->host, "checkpoint", 1, "local_port_min",
	    (int)o->port_min, "local_port_max",
	    (int)o->port_max, "http_config", "http_port",
	    strrchr(o->leader, ':') ? strrchr(o->leader, ':') + 1 : "",
	    "event_subscriber");
	return *out ? ST_OK : ST_ENOMEM;
}
