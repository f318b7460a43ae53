/*
 * app.c -- Marathon app definitions: ids, the top-level fields, and the
 * normalized form every other piece of the orchestrator reads.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "orch/app.h"
#include "orch/app_int.h"
#include "util/error.h"

/* Fields stadion honours, in the order the normalized form lists them. */
static const char *const app_fields[] = {
	"id", "cmd", "args", "user", "instances", "cpus", "mem", "disk", "env",
	"labels", "container", "networks", "portDefinitions", "requirePorts",
	"healthChecks", "constraints", "dependencies", "upgradeStrategy",
	"backoffSeconds", "backoffFactor", "maxLaunchDelaySeconds",
	"maxLaunchAttempts", "backoffResetSeconds", "alertFailures",
	"alertWindowSeconds", "killSelection", "taskKillGracePeriodSeconds",
	NULL
};
/* Accepted on input but not stored: the legacy spelling of a field above. */
static const char *const app_legacy[] = { "ports", NULL };
/*
 * Written by Marathon (status, versions) or about Mesos' offers and roles,
 * which stadion has none of: clients echo a GET body back, so these are
 * accepted whatever their value, and dropped.
 */
static const char *const app_readonly[] = {
	"version", "versionInfo", "tasksRunning", "tasksStaged",
	"tasksHealthy", "tasksUnhealthy", "deployments", "tasks",
	"lastTaskFailure", "readinessCheckResults", "taskStats",
	"acceptedResourceRoles", "unreachableStrategy", "readinessChecks",
	"ipAddress", "role", "storeUrls", NULL
};
/*
 * Features stadion does not have: accepted only when empty (as GET shows
 * them), refused otherwise, since dropping them would change what runs.
 */
static const char *const app_unsupported[] = {
	"executor", "fetch", "uris", "gpus", "secrets", "residency",
	"resourceLimits", NULL
};
static const char *const app_kill_selections[] = {
	"YOUNGEST_FIRST", "OLDEST_FIRST", NULL
};

/* One segment of an id: dot-separated labels of a-z 0-9 '-'. */
static int
app_id_segment(const char *s, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-",
			    s[i]) == NULL || s[i] == '\0')
				return 0;
			continue;
		}
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return 0;
		start = i + 1;
	}
	return 1;
}

/* in resolved against the group base ("/" or "/prod"), into out. */
static int
app_id_resolve(const char *base, const char *in, char *out, size_t size)
{
	char buf[APP_ID_MAX];
	size_t len = 0, n;
	const char *p;

	if (*in != '/' && strcmp(base, "/") != 0 &&
	    (len = (size_t)snprintf(buf, sizeof(buf), "%s", base)) >=
	    sizeof(buf))
		return ST_EINVAL;
	for (p = in; *p; p += n) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.'))
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (len == 0)
				return ST_EINVAL;
			while (buf[--len] != '/')
				;
			continue;
		}
		if (!app_id_segment(p, n) || len + 1 + n >= sizeof(buf))
			return ST_EINVAL;
		buf[len++] = '/';
		memcpy(buf + len, p, n);
		len += n;
	}
	if (len == 0)
		return ST_EINVAL;
	if (len >= size)
		return ST_ESPACE;
	memcpy(out, buf, len);
	out[len] = '\0';
	return ST_OK;
}

int
app_id_normalize(const char *in, char *out, size_t size)
{
	return app_id_resolve("/", in, out, size);
}

void
app_task_prefix(const char *app_id, char *out, size_t size)
{
	size_t i;

	if (size == 0)
		return;
	while (*app_id == '/')
		app_id++;
	for (i = 0; app_id[i] && i + 1 < size; i++)
		out[i] = app_id[i] == '/' ? '_' : app_id[i];
	out[i] = '\0';
}

/* The docker network of a normalized app; "HOST" for every other app. */
static const char *
app_network(const json_t *app)
{
	const char *net = json_string_value(json_object_get(json_object_get(
	    json_object_get(app, "container"), "docker"), "network"));

	return net ? net : "HOST";
}

/* The i-th portMapping that takes a host port, or NULL. */
static const json_t *
app_mapping(const json_t *app, size_t i, size_t *count)
{
	json_t *pm = json_object_get(json_object_get(app, "container"),
	    "portMappings"), *m;
	size_t j;

	*count = 0;
	json_array_foreach(pm, j, m) {
		if (json_object_get(m, "hostPort") == NULL)
			continue;
		if ((*count)++ == i)
			return m;
	}
	return NULL;
}

size_t
app_port_count(const json_t *app)
{
	size_t n;

	if (strcmp(app_network(app), "HOST") == 0)
		return json_array_size(json_object_get(app, "portDefinitions"));
	app_mapping(app, (size_t)-1, &n);
	return n;
}

int
app_port_declared(const json_t *app, size_t i)
{
	const json_t *p;
	size_t n;

	if (strcmp(app_network(app), "HOST") == 0) {
		p = json_array_get(json_object_get(app, "portDefinitions"), i);
		return (int)json_integer_value(json_object_get(p, "port"));
	}
	p = app_mapping(app, i, &n);
	return (int)json_integer_value(json_object_get(p, "hostPort"));
}

/* Marathon reads a null member as an absent one; so do we, at any depth. */
static void
app_strip_nulls(json_t *v)
{
	const char *key;
	void *tmp;
	json_t *x;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			app_strip_nulls(x);
		return;
	}
	json_object_foreach_safe(v, tmp, key, x) {
		if (json_is_null(x))
			json_object_del(v, key);
		else
			app_strip_nulls(x);
	}
}

/* An empty value is what GET shows for a feature that is not in use. */
static int
app_empty(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return json_object_size(v) == 0;
	case JSON_ARRAY:
		return json_array_size(v) == 0;
	case JSON_STRING:
		return json_string_length(v) == 0 ||
		    strcmp(json_string_value(v), "//cmd") == 0;
	case JSON_INTEGER:
	case JSON_REAL:
		return json_number_value(v) == 0;
	default:
		return json_is_false(v);
	}
}

static void
app_check_fields(struct app_ctx *c, const json_t *body)
{
	char path[APP_PTR_MAX];
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)body, key, v) {
		app_ptr(path, sizeof(path), "", key);
		if (app_in(key, app_unsupported) && !app_empty(v))
			app_err(c, path, "is not supported by stadion");
		else if (!app_in(key, app_fields) && !app_in(key, app_legacy) &&
		    !app_in(key, app_readonly) && !app_in(key, app_unsupported))
			app_err(c, path, "unknown field");
	}
}

static void
app_check_id(struct app_ctx *c, const json_t *body, const char *url_id,
    json_t *out)
{
	char id[APP_ID_MAX], uid[APP_ID_MAX];
	const char *s;

	if (url_id && app_id_normalize(url_id, uid, sizeof(uid)) != ST_OK) {
		app_err(c, "/id", "the id in the URL is not a valid app id");
		return;
	}
	if (!app_get_str(c, body, "", "id", NULL, &s))
		return;
	if (s == NULL && url_id == NULL) {
		app_err(c, "/id", "is required");
		return;
	}
	if (s == NULL) {
		app_set(c, out, "id", json_string(uid));
		return;
	}
	if (app_id_normalize(s, id, sizeof(id)) != ST_OK)
		app_err(c, "/id", "must be a path of segments made of a-z, "
		    "0-9, '-' and '.' (not starting or ending with '-' or "
		    "'.'), at most %d characters", APP_ID_MAX - 1);
	else if (url_id && strcmp(id, uid) != 0)
		app_err(c, "/id", "does not match the id in the URL (%s)", uid);
	else
		app_set(c, out, "id", json_string(id));
}

/* cmd and args; which of them an app needs depends on its container. */
static void
app_check_command(struct app_ctx *c, const json_t *body, json_t *out)
{
	json_t *args = json_object_get(body, "args"), *x;
	const char *cmd;
	char path[APP_PTR_MAX];
	size_t i;

	app_get_str(c, body, "", "cmd", NULL, &cmd);
	app_set(c, out, "cmd", cmd ? json_string(cmd) : json_null());
	if (args && !json_is_array(args)) {
		app_err(c, "/args", "must be an array of strings");
		args = NULL;
	}
	json_array_foreach(args, i, x) {
		if (!json_is_string(x) ||
		    strlen(json_string_value(x)) != json_string_length(x)) {
			snprintf(path, sizeof(path), "/args/%zu", i);
			app_err(c, path, "must be a string");
		}
	}
	app_set(c, out, "args", args ? json_deep_copy(args) : json_null());
	if (json_object_get(body, "cmd") && json_object_get(body, "args"))
		app_err(c, "/", "give cmd or args, not both");
}

/* env: strings only, under names an exec'd environment can carry. */
static void
app_check_env(struct app_ctx *c, const json_t *body, json_t *out)
{
	json_t *env = app_get_strmap(c, body, "", "env");
	char path[APP_PTR_MAX];
	const char *key;
	json_t *v;

	json_object_foreach(env, key, v) {
		if (*key == '\0' || strchr(key, '=') != NULL) {
			app_ptr(path, sizeof(path), "/env", key);
			app_err(c, path, "names must be non-empty, without "
			    "'='");
		}
	}
	app_set(c, out, "env", env);
}

/* Relative dependencies name apps of the same group, as in Marathon. */
static void
app_check_deps(struct app_ctx *c, const json_t *body, json_t *out)
{
	json_t *in = json_object_get(body, "dependencies"), *deps, *x;
	const char *self = json_string_value(json_object_get(out, "id"));
	char group[APP_ID_MAX], dep[APP_ID_MAX], path[APP_PTR_MAX];
	size_t i;

	if ((deps = json_array()) == NULL) {
		c->nomem = 1;
		return;
	}
	snprintf(group, sizeof(group), "%s", self ? self : "/");
	*strrchr(group, '/') = '\0';
	if (in && !json_is_array(in))
		app_err(c, "/dependencies", "must be an array of app ids");
	json_array_foreach(json_is_array(in) ? in : NULL, i, x) {
		snprintf(path, sizeof(path), "/dependencies/%zu", i);
		if (!json_is_string(x) || app_id_resolve(group,
		    json_string_value(x), dep, sizeof(dep)) != ST_OK) {
			app_err(c, path, "must be an app id");
			continue;
		}
		if (self && strcmp(dep, self) == 0) {
			app_err(c, path, "an app cannot depend on itself");
			continue;
		}
		for (size_t j = 0; j < json_array_size(deps); j++)
			if (strcmp(json_string_value(json_array_get(deps, j)),
			    dep) == 0)
				dep[0] = '\0';
		if (dep[0] != '\0')
			app_append(c, deps, json_string(dep));
	}
	app_set(c, out, "dependencies", deps);
}

static void
app_check_scalars(struct app_ctx *c, const json_t *body, json_t *out)
{
	json_int_t instances, backoff, maxdelay, grace, attempts, reset, alerts;
	json_int_t window;
	double cpus, mem, disk, factor;
	const char *user, *kill;

	app_get_str(c, body, "", "user", NULL, &user);
	app_set(c, out, "user", user ? json_string(user) : json_null());
	app_get_int(c, body, "", "instances", 0, 1000000, 1, &instances);
	app_get_num(c, body, "", "cpus", 0, 1e6, 1, &cpus);
	app_get_num(c, body, "", "mem", 0, 1e12, 128, &mem);
	app_get_num(c, body, "", "disk", 0, 1e12, 0, &disk);
	app_get_int(c, body, "", "backoffSeconds", 0, 86400 * 365, 1, &backoff);
	/*
	 * 1, 2, 4, 8, 16 s, then no more: the design brief's back-off, where
	 * Marathon has a factor of 1.15 and no end.
	 */
	app_get_num(c, body, "", "backoffFactor", 1, 1e6, 2, &factor);
	app_get_int(c, body, "", "maxLaunchDelaySeconds", 0, 86400 * 365, 3600,
	    &maxdelay);
	app_get_int(c, body, "", "maxLaunchAttempts", 0, 1000000, 5, &attempts);
	app_get_int(c, body, "", "backoffResetSeconds", 0, 86400 * 365, 600,
	    &reset);
	app_get_int(c, body, "", "alertFailures", 0, 1000000, 3, &alerts);
	app_get_int(c, body, "", "alertWindowSeconds", 1, 86400 * 365, 300,
	    &window);
	app_get_enum(c, body, "", "killSelection", app_kill_selections,
	    "YOUNGEST_FIRST", &kill);
	app_get_int(c, body, "", "taskKillGracePeriodSeconds", 0, 86400, 5,
	    &grace);
	app_set(c, out, "instances", json_integer(instances));
	app_set(c, out, "cpus", json_real(cpus));
	app_set(c, out, "mem", json_real(mem));
	app_set(c, out, "disk", json_real(disk));
	app_set(c, out, "backoffSeconds", json_integer(backoff));
	app_set(c, out, "backoffFactor", json_real(factor));
	app_set(c, out, "maxLaunchDelaySeconds", json_integer(maxdelay));
	app_set(c, out, "maxLaunchAttempts", json_integer(attempts));
	app_set(c, out, "backoffResetSeconds", json_integer(reset));
	app_set(c, out, "alertFailures", json_integer(alerts));
	app_set(c, out, "alertWindowSeconds", json_integer(window));
	app_set(c, out, "killSelection", json_string(kill));
	app_set(c, out, "taskKillGracePeriodSeconds", json_integer(grace));
}

/* The checked fields of work in app_fields' order: one stable shape. */
static json_t *
app_ordered(struct app_ctx *c, json_t *work)
{
	const char *const *f;
	json_t *out;

	if ((out = json_object()) == NULL) {
		c->nomem = 1;
		return NULL;
	}
	for (f = app_fields; *f; f++) {
		json_t *v = json_object_get(work, *f);

		app_set(c, out, *f, json_incref(v ? v : json_null()));
	}
	return out;
}

int
app_check(const json_t *body, const char *url_id, json_t **out,
    json_t **details)
{
	struct app_ctx c = { NULL, 0 };
	json_t *in = NULL, *work = NULL;
	struct app_net net;
	int err = ST_OK;

	*out = NULL;
	*details = NULL;
	if ((c.details = json_array()) == NULL)
		return ST_ENOMEM;
	if (!json_is_object(body)) {
		app_err(&c, "/", "the body must be a JSON object");
		goto done;
	}
	if ((in = json_deep_copy(body)) == NULL ||
	    (work = json_object()) == NULL) {
		c.nomem = 1;
		goto done;
	}
	app_strip_nulls(in);
	app_check_fields(&c, in);
	app_check_id(&c, in, url_id, work);
	app_check_command(&c, in, work);
	app_check_scalars(&c, in, work);
	app_check_env(&c, in, work);
	app_set(&c, work, "labels", app_get_strmap(&c, in, "", "labels"));
	app_check_net(&c, in, work, &net);
	/* A DOCKER container without an image is reported on its own. */
	if (!json_object_get(in, "cmd") && !json_object_get(in, "args") &&
	    !net.docker)
		app_err(&c, "/", "an app needs cmd, args or a DOCKER container "
		    "with an image");
	app_check_sched(&c, in, work, &net);
	app_check_deps(&c, in, work);
done:
	if (c.nomem)
		err = ST_ENOMEM;
	else if (json_array_size(c.details) > 0)
		err = ST_EINVAL;
	else if ((*out = app_ordered(&c, work)) == NULL || c.nomem)
		err = ST_ENOMEM;
	if (err == ST_EINVAL) {
		*details = c.details;
		c.details = NULL;
	} else if (err != ST_OK) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(c.details);
	json_decref(work);
	json_decref(in);
	return err;
}
