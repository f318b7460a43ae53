/*
 * ctl_tasks.c -- stadionctl tasks and deployments: list and kill tasks
 * (/v2/tasks, /v2/apps/{id}/tasks); list, show, cancel, pause and resume
 * deployments (/v2/deployments).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctl/ctl.h"
#include "util/error.h"

#define CTL_PATH_MAX 2048

/* "healthy" when every health check passes, "unhealthy" when one fails. */
static const char *
ctl_tasks_health(const json_t *task)
{
	json_t *results = json_object_get(task, "healthCheckResults"), *r;
	size_t i;

	if (json_array_size(results) == 0)
		return NULL;
	json_array_foreach(results, i, r)
		if (!json_is_true(json_object_get(r, "alive")))
			return "unhealthy";
	return "healthy";
}

int
ctl_tasks_table(const json_t *tasks, int with_app)
{
	static const char *const headers[] = { "ID", "APP", "HOST", "PORTS",
	    "STATE", "HEALTH", "STARTED" };
	static const char *const headers_no_app[] = { "ID", "HOST", "PORTS",
	    "STATE", "HEALTH", "STARTED" };
	struct ctl_table *t;
	json_t *task;
	char ports[256];
	size_t i, k;
	int err = ST_OK;

	t = ctl_table_new(with_app ? 7 : 6, with_app ? headers :
	    headers_no_app);
	if (t == NULL)
		err = ST_ENOMEM;
	json_array_foreach(tasks, i, task) {
		if (err != ST_OK)
			break;
		k = 0;
		ctl_join(json_object_get(task, "ports"), ",", NULL, NULL, ports,
		    sizeof(ports));
		err |= ctl_table_cell(t, k++, ctl_str(task, "id", NULL));
		if (with_app)
			err |= ctl_table_cell(t, k++, ctl_str(task, "appId",
			    NULL));
		err |= ctl_table_cell(t, k++, ctl_str(task, "host", NULL));
		err |= ctl_table_cell(t, k++, ports);
		err |= ctl_table_cell(t, k++, ctl_str(task, "state", NULL));
		err |= ctl_table_cell(t, k++, ctl_tasks_health(task));
		err |= ctl_table_cell(t, k++, ctl_str(task, "startedAt", NULL));
		err |= ctl_table_row_end(t);
	}
	return ctl_table_done(t, err);
}

static int
ctl_tasks_list(struct ctl *c, int argc, char **argv)
{
	char path[CTL_PATH_MAX] = "/v2/tasks";
	struct ctl_opts o;
	json_t *res;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "", 0, 1, &o)) != ST_OK)
		return err;
	if (o.argc == 1 && (err = ctl_path_app(path, sizeof(path), o.argv[0],
	    "/tasks")) != ST_OK)
		return err;
	if ((err = ctl_get_view(c, path, &res)) != ST_OK || res == NULL)
		return err;
	err = ctl_tasks_table(json_object_get(res, "tasks"), 1);
	json_decref(res);
	return err;
}

/*
 * What a kill answers: a deployment when the app was scaled down, else
 * the killed tasks ({"tasks": [...]} or {"task": {...}}).
 */
static void
ctl_tasks_killed(const struct ctl *c, const json_t *res, size_t asked)
{
	json_t *tasks = json_object_get(res, "tasks"), *task;
	size_t i;

	if (c->json) {
		ctl_print_json(res);
	} else if (json_object_get(res, "deploymentId")) {
		ctl_print_result(c, "killed and scaled down", res);
	} else if (json_is_object(json_object_get(res, "task"))) {
		printf("task %s killed\n", ctl_str(json_object_get(res, "task"),
		    "id", "?"));
	} else if (json_is_array(tasks)) {
		json_array_foreach(tasks, i, task)
			printf("task %s killed\n", ctl_str(task, "id", "?"));
		if (json_array_size(tasks) == 0)
			printf("no task killed\n");
	} else {
		printf("%zu task%s killed\n", asked, asked == 1 ? "" : "s");
	}
}

/* tasks kill --app APP [TASKID]: DELETE on the app's tasks. */
static int
ctl_tasks_kill_app(struct ctl *c, const struct ctl_opts *o)
{
	char path[CTL_PATH_MAX];
	json_t *res;
	long status;
	int err;

	if (o->argc > 1)
		return ST_EINVAL;
	if ((err = ctl_path_app(path, sizeof(path), o->app, "/tasks")) != ST_OK)
		return err;
	if ((o->argc == 1 && (ctl_path_fmt(path, sizeof(path), "/") != ST_OK ||
	    ctl_path_add(path, sizeof(path), o->argv[0], 0) != ST_OK)) ||
	    (o->host && ctl_path_query(path, sizeof(path), "host",
	    o->host) != ST_OK) ||
	    (o->scale && ctl_path_query(path, sizeof(path), "scale",
	    "true") != ST_OK) ||
	    (o->force && ctl_path_query(path, sizeof(path), "force",
	    "true") != ST_OK)) {
		ctl_err("task id or host too long");
		return ST_ESPACE;
	}
	if ((err = ctl_http(c, "DELETE", path, NULL, &status, &res)) != ST_OK)
		return err;
	ctl_tasks_killed(c, res, (size_t)o->argc);
	json_decref(res);
	return ST_OK;
}

static int
ctl_tasks_kill(struct ctl *c, int argc, char **argv)
{
	char path[64] = "/v2/tasks/delete";
	struct ctl_opts o;
	json_t *body, *ids, *res;
	long status;
	int err;

	if ((err = ctl_opts_parse(c, argc, argv, "asHF", &o)) != ST_OK)
		return err;
	if (o.app)
		return ctl_tasks_kill_app(c, &o);
	if (o.argc == 0 || o.host)
		return ST_EINVAL;
	if ((ids = json_array()) == NULL)
		return ST_ENOMEM;
	for (int i = 0; i < o.argc; i++)
		if (json_array_append_new(ids, json_string(o.argv[i])) != 0) {
			json_decref(ids);
			return ST_ENOMEM;
		}
	if ((body = json_pack("{so}", "ids", ids)) == NULL)
		return ST_ENOMEM;
	if (o.scale)
		ctl_path_query(path, sizeof(path), "scale", "true");
	if (o.force)
		ctl_path_query(path, sizeof(path), "force", "true");
	err = ctl_http(c, "POST", path, body, &status, &res);
	if (err == ST_OK)
		ctl_tasks_killed(c, res, (size_t)o.argc);
	json_decref(res);
	json_decref(body);
	return err;
}

/* "yes"/"no" for a deployment's "paused"; NULL when the server has none. */
static const char *
ctl_deployments_paused(const json_t *dep)
{
	const json_t *v = json_object_get(dep, "paused");

	return json_is_boolean(v) ? (json_is_true(v) ? "yes" : "no") : NULL;
}

static int
ctl_deployments_list(struct ctl *c, int argc, char **argv)
{
	static const char *const headers[] = { "ID", "APPS", "STEP",
	    "STRATEGY", "PAUSED", "ACTIONS", "VERSION" };
	char apps[512], actions[512];
	struct ctl_table *t = NULL;
	struct ctl_opts o;
	json_t *res, *dep;
	size_t i;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "", 0, 0, &o)) != ST_OK)
		return err;
	if ((err = ctl_get_view(c, "/v2/deployments", &res)) != ST_OK ||
	    res == NULL)
		return err;
	if ((t = ctl_table_new(7, headers)) == NULL)
		err = ST_ENOMEM;
	json_array_foreach(res, i, dep) {
		if (err != ST_OK)
			break;
		ctl_join(json_object_get(dep, "affectedApps"), ",", NULL, NULL,
		    apps, sizeof(apps));
		/* "ScaleApplication /web, RestartApplication /db" */
		ctl_join(json_object_get(dep, "currentActions"), ", ", "action",
		    "app", actions, sizeof(actions));
		err |= ctl_table_cell(t, 0, ctl_str(dep, "id", NULL));
		err |= ctl_table_cell(t, 1, apps);
		err |= ctl_table_cellf(t, 2, "%lld/%lld",
		    (long long)json_integer_value(json_object_get(dep,
		    "currentStep")),
		    (long long)json_integer_value(json_object_get(dep,
		    "totalSteps")));
		err |= ctl_table_cell(t, 3, ctl_str(dep, "strategy", NULL));
		err |= ctl_table_cell(t, 4, ctl_deployments_paused(dep));
		err |= ctl_table_cell(t, 5, actions);
		err |= ctl_table_cell(t, 6, ctl_str(dep, "version", NULL));
		err |= ctl_table_row_end(t);
	}
	err = ctl_table_done(t, err);
	json_decref(res);
	return err;
}

/* The path of deployment id, then suffix (may be NULL); ST_ESPACE. */
static int
ctl_deployments_path(char *buf, size_t size, const char *id,
    const char *suffix)
{
	*buf = '\0';
	if (ctl_path_fmt(buf, size, "/v2/deployments/") != ST_OK ||
	    ctl_path_add(buf, size, id, 0) != ST_OK ||
	    (suffix && ctl_path_fmt(buf, size, "%s", suffix) != ST_OK)) {
		ctl_err("deployment id too long: %.64s...", id);
		return ST_ESPACE;
	}
	return ST_OK;
}

/*
 * The plan, one row per action of each step: a step of a deployment that
 * changes several apps has one action per app.
 */
static int
ctl_deployments_steps(const json_t *dep)
{
	static const char *const headers[] = { "STEP", "ACTION", "APP",
	    "DESCRIPTION" };
	json_int_t cur = json_integer_value(json_object_get(dep,
	    "currentStep"));
	struct ctl_table *t;
	json_t *step, *act;
	size_t i, j;
	int err = ST_OK;

	if ((t = ctl_table_new(4, headers)) == NULL)
		err = ST_ENOMEM;
	json_array_foreach(json_object_get(dep, "steps"), i, step) {
		json_array_foreach(json_object_get(step, "actions"), j, act) {
			if (err != ST_OK)
				break;
			err |= ctl_table_cellf(t, 0, "%zu%s", i + 1,
			    (json_int_t)i + 1 == cur ? " (current)" : "");
			err |= ctl_table_cell(t, 1, ctl_str(act, "action",
			    NULL));
			err |= ctl_table_cell(t, 2, ctl_str(act, "app", NULL));
			err |= ctl_table_cell(t, 3, ctl_str(act, "description",
			    NULL));
			err |= ctl_table_row_end(t);
		}
	}
	return ctl_table_done(t, err);
}

/* GET /v2/deployments/{id}, a stadion extension. */
static int
ctl_deployments_show(struct ctl *c, int argc, char **argv)
{
	char path[CTL_PATH_MAX], apps[512];
	const char *paused;
	const json_t *failures;
	struct ctl_opts o;
	json_t *dep;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "", 1, 1, &o)) != ST_OK)
		return err;
	if ((err = ctl_deployments_path(path, sizeof(path), o.argv[0],
	    NULL)) != ST_OK ||
	    (err = ctl_get_view(c, path, &dep)) != ST_OK || dep == NULL)
		return err;
	ctl_join(json_object_get(dep, "affectedApps"), ",", NULL, NULL, apps,
	    sizeof(apps));
	paused = ctl_deployments_paused(dep);
	failures = json_object_get(dep, "failures");
	printf("ID         %s\n", ctl_str(dep, "id", "-"));
	printf("APPS       %s\n", *apps ? apps : "-");
	printf("VERSION    %s\n", ctl_str(dep, "version", "-"));
	printf("STRATEGY   %s\n", ctl_str(dep, "strategy", "-"));
	printf("PAUSED     %s\n", paused ? paused : "-");
	printf("STEP       %lld/%lld\n",
	    (long long)json_integer_value(json_object_get(dep, "currentStep")),
	    (long long)json_integer_value(json_object_get(dep, "totalSteps")));
	if (json_is_integer(failures))
		printf("FAILURES   %lld\n",
		    (long long)json_integer_value(failures));
	else
		printf("FAILURES   -\n");
	if (json_array_size(json_object_get(dep, "steps")) > 0) {
		fputc('\n', stdout);
		err = ctl_deployments_steps(dep);
	}
	json_decref(dep);
	return err;
}

/*
 * Without --force Marathon rolls the deployment back, which is itself a
 * deployment (200 and its id); with --force it just stops it (202).
 */
static int
ctl_deployments_cancel(struct ctl *c, int argc, char **argv)
{
	char path[CTL_PATH_MAX], what[512];
	struct ctl_opts o;
	json_t *res;
	long status;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "F", 1, 1, &o)) != ST_OK)
		return err;
	if ((err = ctl_deployments_path(path, sizeof(path), o.argv[0],
	    NULL)) != ST_OK)
		return err;
	if (o.force && ctl_path_query(path, sizeof(path), "force",
	    "true") != ST_OK) {
		ctl_err("deployment id too long: %.64s...", o.argv[0]);
		return ST_ESPACE;
	}
	if ((err = ctl_http(c, "DELETE", path, NULL, &status, &res)) != ST_OK)
		return err;
	if (res && json_object_get(res, "deploymentId")) {
		snprintf(what, sizeof(what), "deployment %s canceled, "
		    "rolling back", o.argv[0]);
		ctl_print_result(c, what, res);
	} else if (c->json) {
		ctl_print_json(res);
	} else {
		printf("deployment %s canceled\n", o.argv[0]);
	}
	json_decref(res);
	return ST_OK;
}

/* POST /v2/deployments/{id}/pause or /resume, stadion extensions. */
static int
ctl_deployments_control(struct ctl *c, int argc, char **argv,
    const char *suffix, const char *done)
{
	char path[CTL_PATH_MAX];
	struct ctl_opts o;
	json_t *res;
	long status;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "", 1, 1, &o)) != ST_OK)
		return err;
	if ((err = ctl_deployments_path(path, sizeof(path), o.argv[0],
	    suffix)) != ST_OK ||
	    (err = ctl_http(c, "POST", path, NULL, &status, &res)) != ST_OK)
		return err;
	if (c->json)
		ctl_print_json(res);
	else
		printf("deployment %s %s\n", o.argv[0], done);
	json_decref(res);
	return ST_OK;
}

static int
ctl_deployments_pause(struct ctl *c, int argc, char **argv)
{
	return ctl_deployments_control(c, argc, argv, "/pause", "paused");
}

static int
ctl_deployments_resume(struct ctl *c, int argc, char **argv)
{
	return ctl_deployments_control(c, argc, argv, "/resume", "resumed");
}

const struct ctl_cmd ctl_tasks_cmds[] = {
	{ "tasks", "list", "[APP]", ctl_tasks_list },
	{ "tasks", "ls", NULL, ctl_tasks_list },
	{ "tasks", "kill", "TASKID... [--scale] [--force]\n"
	    "--app APP [TASKID] [--host HOST] [--scale] [--force]",
	    ctl_tasks_kill },
	{ NULL, NULL, NULL, NULL },
};

const struct ctl_cmd ctl_deployments_cmds[] = {
	{ "deployments", "list", "", ctl_deployments_list },
	{ "deployments", "ls", NULL, ctl_deployments_list },
	{ "deployments", "show", "ID", ctl_deployments_show },
	{ "deployments", "cancel", "ID [--force]", ctl_deployments_cancel },
	{ "deployments", "pause", "ID", ctl_deployments_pause },
	{ "deployments", "resume", "ID", ctl_deployments_resume },
	{ NULL, NULL, NULL, NULL },
};
