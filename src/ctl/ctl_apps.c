/*
 * ctl_apps.c -- stadionctl apps: list, show, create, update, scale,
 * restart, remove, versions and rollback of Marathon apps (/v2/apps).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl/ctl.h"
#include "util/error.h"

#define CTL_PATH_MAX 2048
#define CTL_WHAT_MAX 40		/* IMAGE/CMD column */

/* What an app runs: its docker image, else its command line. */
static void
ctl_apps_what(const json_t *app, char *out, size_t size)
{
	const char *image = ctl_str(json_object_get(json_object_get(app,
	    "container"), "docker"), "image", NULL);
	json_t *args = json_object_get(app, "args"), *a;
	size_t i, len = 0;

	*out = '\0';
	if (image) {
		snprintf(out, size, "%s", image);
	} else if (ctl_str(app, "cmd", NULL)) {
		snprintf(out, size, "%s", ctl_str(app, "cmd", ""));
	} else {
		json_array_foreach(args, i, a) {
			if (!json_is_string(a) || len >= size)
				continue;
			len += (size_t)snprintf(out + len, size - len, "%s%s",
			    len ? " " : "", json_string_value(a));
		}
	}
}

static long long
ctl_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static int
ctl_apps_has_health_checks(const json_t *app)
{
	return json_array_size(json_object_get(app, "healthChecks")) > 0;
}

static int
ctl_apps_row(struct ctl_table *t, const json_t *app)
{
	char what[512], deps[512];
	int err = ST_OK;

	ctl_apps_what(app, what, sizeof(what));
	ctl_cut(what, CTL_WHAT_MAX);
	ctl_join(json_object_get(app, "deployments"), ",", "id", NULL, deps,
	    sizeof(deps));
	err |= ctl_table_cell(t, 0, ctl_str(app, "id", NULL));
	err |= ctl_table_cellf(t, 1, "%lld/%lld", ctl_int(app, "tasksRunning"),
	    ctl_int(app, "instances"));
	if (ctl_apps_has_health_checks(app))
		err |= ctl_table_cellf(t, 2, "%lld",
		    ctl_int(app, "tasksHealthy"));
	err |= ctl_table_cellf(t, 3, "%g",
	    json_number_value(json_object_get(app, "cpus")));
	err |= ctl_table_cellf(t, 4, "%g",
	    json_number_value(json_object_get(app, "mem")));
	err |= ctl_table_cell(t, 5, what);
	err |= ctl_table_cell(t, 6, deps);
	err |= ctl_table_row_end(t);
	return err ? ST_ENOMEM : ST_OK;
}

static int
ctl_apps_list(struct ctl *c, int argc, char **argv)
{
	static const char *const headers[] = { "ID", "INSTANCES", "HEALTHY",
	    "CPUS", "MEM", "IMAGE/CMD", "DEPLOYMENTS" };
	struct ctl_table *t = NULL;
	struct ctl_opts o;
	json_t *res, *app;
	size_t i;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "", 0, 0, &o)) != ST_OK)
		return err;
	if ((err = ctl_get_view(c, "/v2/apps", &res)) != ST_OK || res == NULL)
		return err;
	if ((t = ctl_table_new(7, headers)) == NULL)
		err = ST_ENOMEM;
	json_array_foreach(json_object_get(res, "apps"), i, app) {
		if (err == ST_OK)
			err = ctl_apps_row(t, app);
	}
	err = ctl_table_done(t, err);
	json_decref(res);
	return err;
}

static void
ctl_apps_print(const json_t *app)
{
	char what[4096], deps[512];

	ctl_apps_what(app, what, sizeof(what));
	ctl_join(json_object_get(app, "deployments"), ",", "id", NULL, deps,
	    sizeof(deps));
	printf("ID           %s\n", ctl_str(app, "id", "-"));
	printf("%-12s %s\n", ctl_str(json_object_get(json_object_get(app,
	    "container"), "docker"), "image", NULL) ? "IMAGE" : "CMD",
	    *what ? what : "-");
	printf("INSTANCES    %lld (%lld running, %lld staged", ctl_int(app,
	    "instances"), ctl_int(app, "tasksRunning"),
	    ctl_int(app, "tasksStaged"));
	if (ctl_apps_has_health_checks(app))
		printf(", %lld healthy, %lld unhealthy",
		    ctl_int(app, "tasksHealthy"),
		    ctl_int(app, "tasksUnhealthy"));
	printf(")\n");
	printf("CPUS         %g\n", json_number_value(json_object_get(app,
	    "cpus")));
	printf("MEM          %g\n", json_number_value(json_object_get(app,
	    "mem")));
	printf("VERSION      %s\n", ctl_str(app, "version", "-"));
	printf("DEPLOYMENTS  %s\n", *deps ? deps : "-");
}

static int
ctl_apps_show(struct ctl *c, int argc, char **argv)
{
	char path[CTL_PATH_MAX];
	struct ctl_opts o;
	json_t *res, *app, *tasks;
	long status;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "", 1, 1, &o)) != ST_OK)
		return err;
	if ((err = ctl_path_app(path, sizeof(path), o.argv[0],
	    NULL)) != ST_OK ||
	    (err = ctl_http(c, "GET", path, NULL, &status, &res)) != ST_OK)
		return err;
	if (c->json) {
		ctl_print_json(res);
		json_decref(res);
		return ST_OK;
	}
	app = json_object_get(res, "app");
	ctl_apps_print(app);
	tasks = json_object_get(app, "tasks");
	if (json_array_size(tasks) > 0) {
		fputc('\n', stdout);
		err = ctl_tasks_table(tasks, 0);
	}
	json_decref(res);
	return err;
}

/* The app definition in file ("-": stdin). */
static int
ctl_apps_read(const char *file, json_t **out)
{
	json_error_t jerr;

	if (strcmp(file, "-") == 0)
		*out = json_loadf(stdin, 0, &jerr);
	else
		*out = json_load_file(file, 0, &jerr);
	if (*out == NULL) {
		if (jerr.line < 0)
			ctl_err("%s: %s", strcmp(file, "-") ? file : "stdin",
			    jerr.text);
		else
			ctl_err("%s:%d:%d: %s", strcmp(file, "-") ? file :
			    "stdin", jerr.line, jerr.column, jerr.text);
		return ST_EFORMAT;
	}
	return ST_OK;
}

/*
 * Send a change of one app: method on path (an app's path, force added
 * when asked) with body, then print "<verb> app <id>" with its deployment.
 */
static int
ctl_apps_change(struct ctl *c, const char *method, const char *id,
    const char *suffix, const json_t *body, int force, const char *verb)
{
	char path[CTL_PATH_MAX], what[512];
	json_t *res;
	long status;
	int err;

	if ((err = ctl_path_app(path, sizeof(path), id, suffix)) != ST_OK)
		return err;
	if (force && (err = ctl_path_query(path, sizeof(path), "force",
	    "true")) != ST_OK) {
		ctl_err("app id too long");
		return err;
	}
	if ((err = ctl_http(c, method, path, body, &status, &res)) != ST_OK)
		return err;
	snprintf(what, sizeof(what), "app %s%s %s", *id == '/' ? "" : "/", id,
	    verb);
	ctl_print_result(c, what, res);
	json_decref(res);
	return ST_OK;
}

static int
ctl_apps_create(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o;
	json_t *def, *res;
	char what[512];
	long status;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "f", 0, 0, &o)) != ST_OK)
		return err;
	if (o.file == NULL)
		return ST_EINVAL;
	if ((err = ctl_apps_read(o.file, &def)) != ST_OK)
		return err;
	err = ctl_http(c, "POST", "/v2/apps", def, &status, &res);
	if (err == ST_OK) {
		snprintf(what, sizeof(what), "app %s created", ctl_str(res,
		    "id", ctl_str(def, "id", "?")));
		ctl_print_result(c, what, res);
	}
	json_decref(res);
	json_decref(def);
	return err;
}

static int
ctl_apps_update(struct ctl *c, int argc, char **argv)
{
	struct ctl_opts o;
	json_t *def;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "fF", 1, 1, &o)) != ST_OK)
		return err;
	if (o.file == NULL)
		return ST_EINVAL;
	if ((err = ctl_apps_read(o.file, &def)) != ST_OK)
		return err;
	err = ctl_apps_change(c, "PUT", o.argv[0], NULL, def, o.force,
	    "updated");
	json_decref(def);
	return err;
}

static int
ctl_apps_scale(struct ctl *c, int argc, char **argv)
{
	char verb[64], *end;
	struct ctl_opts o;
	json_t *body;
	long long n;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "F", 2, 2, &o)) != ST_OK)
		return err;
	errno = 0;
	n = strtoll(o.argv[1], &end, 10);
	if (errno != 0 || end == o.argv[1] || *end != '\0') {
		ctl_err("apps scale: '%s' is not a number of instances",
		    o.argv[1]);
		return ST_EINVAL;
	}
	if ((body = json_pack("{sI}", "instances", (json_int_t)n)) == NULL)
		return ST_ENOMEM;
	snprintf(verb, sizeof(verb), "scaled to %lld", n);
	err = ctl_apps_change(c, "PATCH", o.argv[0], NULL, body, o.force, verb);
	json_decref(body);
	return err;
}

/* A change of one app by id, with --force: restart, remove. */
static int
ctl_apps_one(struct ctl *c, int argc, char **argv, const char *method,
    const char *suffix, const char *verb)
{
	struct ctl_opts o;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "F", 1, 1, &o)) != ST_OK)
		return err;
	return ctl_apps_change(c, method, o.argv[0], suffix, NULL, o.force,
	    verb);
}

static int
ctl_apps_restart(struct ctl *c, int argc, char **argv)
{
	return ctl_apps_one(c, argc, argv, "POST", "/restart", "restarting");
}

static int
ctl_apps_remove(struct ctl *c, int argc, char **argv)
{
	return ctl_apps_one(c, argc, argv, "DELETE", NULL, "removed");
}

static int
ctl_apps_versions(struct ctl *c, int argc, char **argv)
{
	char path[CTL_PATH_MAX];
	struct ctl_opts o;
	json_t *res, *v;
	long status;
	size_t i;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "", 1, 1, &o)) != ST_OK)
		return err;
	if ((err = ctl_path_app(path, sizeof(path), o.argv[0],
	    "/versions")) != ST_OK ||
	    (err = ctl_http(c, "GET", path, NULL, &status, &res)) != ST_OK)
		return err;
	if (c->json)
		ctl_print_json(res);
	else
		json_array_foreach(json_object_get(res, "versions"), i, v)
			if (json_is_string(v))
				printf("%s\n", json_string_value(v));
	json_decref(res);
	return ST_OK;
}

/*
 * The version before the app's current config: the newest stored version
 * older than versionInfo.lastConfigChangeAt. Not simply the one before
 * the current version: a scaling stores a version of the same config,
 * and going back to it would change nothing.
 */
static int
ctl_apps_previous(struct ctl *c, const char *id, char *out, size_t size)
{
	char path[CTL_PATH_MAX];
	json_t *app_res, *res, *v;
	const char *app, *config, *best = NULL;
	long status;
	size_t i;
	int err;

	if ((err = ctl_path_app(path, sizeof(path), id, NULL)) != ST_OK ||
	    (err = ctl_http(c, "GET", path, NULL, &status, &app_res)) != ST_OK)
		return err;
	app = ctl_str(json_object_get(app_res, "app"), "id", id);
	config = ctl_str(json_object_get(json_object_get(app_res, "app"),
	    "versionInfo"), "lastConfigChangeAt", NULL);
	if (config == NULL) {
		ctl_err("app %s: the server names no versionInfo."
		    "lastConfigChangeAt; give the VERSION", app);
		json_decref(app_res);
		return ST_EFORMAT;
	}
	if ((err = ctl_path_app(path, sizeof(path), id, "/versions")) != ST_OK ||
	    (err = ctl_http(c, "GET", path, NULL, &status, &res)) != ST_OK) {
		json_decref(app_res);
		return err;
	}
	/* Versions are ISO 8601 times of one format: they sort as strings. */
	json_array_foreach(json_object_get(res, "versions"), i, v) {
		const char *s = json_string_value(v);

		if (s && strcmp(s, config) < 0 &&
		    (best == NULL || strcmp(s, best) > 0))
			best = s;
	}
	if (best == NULL) {
		ctl_err("app %s has no earlier config to roll back to", app);
		err = ST_ENOTFOUND;
	} else if ((size_t)snprintf(out, size, "%s", best) >= size) {
		ctl_err("app %s: version too long: %.64s...", app, best);
		err = ST_ESPACE;
	}
	json_decref(res);
	json_decref(app_res);
	return err;
}

/* Marathon's rollback: PUT of {"version": V} instead of a definition. */
static int
ctl_apps_rollback(struct ctl *c, int argc, char **argv)
{
	char prev[256], verb[512];
	const char *version = prev;
	struct ctl_opts o;
	json_t *body;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "F", 1, 2, &o)) != ST_OK)
		return err;
	if (o.argc == 2)
		version = o.argv[1];
	else if ((err = ctl_apps_previous(c, o.argv[0], prev,
	    sizeof(prev))) != ST_OK)
		return err;
	if ((body = json_pack("{ss}", "version", version)) == NULL)
		return ST_ENOMEM;
	snprintf(verb, sizeof(verb), "rolling back to %s", version);
	err = ctl_apps_change(c, "PUT", o.argv[0], NULL, body, o.force, verb);
	json_decref(body);
	return err;
}

const struct ctl_cmd ctl_apps_cmds[] = {
	{ "apps", "list", "", ctl_apps_list },
	{ "apps", "ls", NULL, ctl_apps_list },
	{ "apps", "show", "ID", ctl_apps_show },
	{ "apps", "create", "-f FILE|-", ctl_apps_create },
	{ "apps", "update", "ID -f FILE|- [--force]", ctl_apps_update },
	{ "apps", "scale", "ID N [--force]", ctl_apps_scale },
	{ "apps", "restart", "ID [--force]", ctl_apps_restart },
	{ "apps", "remove", "ID [--force]", ctl_apps_remove },
	{ "apps", "rm", NULL, ctl_apps_remove },
	{ "apps", "versions", "ID", ctl_apps_versions },
	{ "apps", "rollback", "ID [VERSION] [--force]", ctl_apps_rollback },
	{ NULL, NULL, NULL, NULL },
};
