/*
 * app_sched.c -- how an app's instances are watched and placed: health
 * checks and constraints, checked and filled with Marathon's defaults;
 * the upgrade strategy has its own file (app_strategy.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orch/app_int.h"

static const char *const app_hc_protocols[] = {
	"HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_HTTPS",
	"MESOS_TCP", "SCRIPT", NULL
};
static const char *const app_hc_commands[] = { "COMMAND", "SCRIPT", NULL };
static const char *const app_hc_tcp[] = { "TCP", "MESOS_TCP", NULL };
static const char *const app_hc_http[] = {
	"HTTP", "HTTPS", "MESOS_HTTP", "MESOS_HTTPS", NULL
};
static const char *const app_operators[] = {
	"UNIQUE", "CLUSTER", "GROUP_BY", "LIKE", "UNLIKE", "MAX_PER", "IS", NULL
};

/* The port a health check probes: portIndex into the app's ports, or port. */
static void
app_hc_port(struct app_ctx *c, const json_t *hc, const char *pfx,
    const struct app_net *net, json_t *clean)
{
	json_t *pi = json_object_get(hc, "portIndex");
	char path[APP_PTR_MAX];
	json_int_t idx, port;

	if (pi && json_object_get(hc, "port")) {
		app_err(c, pfx, "give port or portIndex, not both");
		return;
	}
	if (json_object_get(hc, "port")) {
		if (app_get_int(c, hc, pfx, "port", 1, 65535, 0, &port))
			app_set(c, clean, "port", json_integer(port));
		return;
	}
	if (!app_get_int(c, hc, pfx, "portIndex", 0, 65535, 0, &idx))
		return;
	app_ptr(path, sizeof(path), pfx, "portIndex");
	if ((size_t)idx >= net->nports) {
		if (net->nports == 0)
			app_err(c, pi ? path : pfx, "the app has no port to "
			    "check");
		else
			app_err(c, path, "must address one of the app's %zu "
			    "ports (0 to %zu)", net->nports, net->nports - 1);
		return;
	}
	app_set(c, clean, "portIndex", json_integer(idx));
}

/*
 * stadion's own fields: httpStatuses and expectBody (HTTP), send and
 * expect (TCP); each refused on the other protocols.
 */
static void
app_hc_extensions(struct app_ctx *c, const json_t *hc, const char *pfx,
    json_t *clean, int http, int tcp)
{
	static const char *const text[][2] = {
		{ "expectBody", "h" }, { "send", "t" }, { "expect", "t" },
	};
	const json_t *st = json_object_get(hc, "httpStatuses"), *v;
	char sub[APP_PTR_MAX], el[APP_PTR_MAX];
	json_t *list;
	const char *s;
	size_t i;

	app_ptr(sub, sizeof(sub), pfx, "httpStatuses");
	if (st && !http) {
		app_err(c, sub, "only HTTP and HTTPS health checks have it");
	} else if (st && (!json_is_array(st) || json_array_size(st) == 0)) {
		app_err(c, sub, "must be a non-empty array of HTTP statuses");
	} else if (st) {
		list = json_array();
		json_array_foreach(st, i, v) {
			app_ptr_idx(el, sizeof(el), sub, i);
			if (!json_is_integer(v) || json_integer_value(v) < 100 ||
			    json_integer_value(v) > 599)
				app_err(c, el, "must be an HTTP status, 100 to "
				    "599");
			else
				app_append(c, list, json_integer(
				    json_integer_value(v)));
		}
		app_set(c, clean, "httpStatuses", list);
	}
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		if (json_object_get(hc, text[i][0]) == NULL)
			continue;
		app_ptr(sub, sizeof(sub), pfx, text[i][0]);
		if (text[i][1][0] == 'h' ? !http : !tcp)
			app_err(c, sub, "only %s health checks have it",
			    text[i][1][0] == 'h' ? "HTTP and HTTPS" : "TCP");
		else if (app_get_str(c, hc, pfx, text[i][0], NULL, &s) && s)
			app_set(c, clean, text[i][0], json_string(s));
	}
}

static json_t *
app_health_check(struct app_ctx *c, const json_t *hc, const char *pfx,
    const struct app_net *net)
{
	static const char *const keys[] = {
		"protocol", "path", "portIndex", "port", "command",
		"gracePeriodSeconds", "intervalSeconds", "timeoutSeconds",
		"maxConsecutiveFailures", "delaySeconds", "ignoreHttp1xx",
		"httpStatuses", "expectBody", "send", "expect", NULL
	};
	json_int_t grace, interval, timeout, failures, delay;
	const char *proto, *path, *value = NULL;
	char sub[APP_PTR_MAX];
	json_t *clean, *cmd;
	int http, tcp, ignore;

	if (!json_is_object(hc)) {
		app_err(c, pfx, "must be an object");
		return NULL;
	}
	app_keys(c, hc, pfx, keys);
	app_get_enum(c, hc, pfx, "protocol", app_hc_protocols, "HTTP", &proto);
	http = app_in(proto, app_hc_http);
	tcp = app_in(proto, app_hc_tcp);
	/*
	 * Not Marathon's 300/60/20/15: a hung instance is out of DNS within
	 * interval + timeout (15 s) and a new one is in as soon as it answers
	 * (health.h: checks every second until the first success).
	 */
	app_get_int(c, hc, pfx, "gracePeriodSeconds", 0, 86400 * 365, 30,
	    &grace);
	app_get_int(c, hc, pfx, "intervalSeconds", 1, 86400 * 365, 10,
	    &interval);
	app_get_int(c, hc, pfx, "timeoutSeconds", 1, 86400 * 365, 5, &timeout);
	app_get_int(c, hc, pfx, "maxConsecutiveFailures", 0, 1000000, 3,
	    &failures);
	app_get_int(c, hc, pfx, "delaySeconds", 0, 86400 * 365, 0, &delay);
	app_get_bool(c, hc, pfx, "ignoreHttp1xx", 0, &ignore);
	app_get_str(c, hc, pfx, "path", "/", &path);
	if ((clean = json_pack("{s:s}", "protocol", proto)) == NULL) {
		c->nomem = 1;
		return NULL;
	}
	if (!http && json_object_get(hc, "path")) {
		app_ptr(sub, sizeof(sub), pfx, "path");
		app_err(c, sub, "only HTTP and HTTPS health checks have a "
		    "path");
	} else if (http)
		app_set(c, clean, "path", json_string(path));
	app_hc_extensions(c, hc, pfx, clean, http, tcp);
	cmd = json_object_get(hc, "command");
	app_ptr(sub, sizeof(sub), pfx, "command");
	if (!app_in(proto, app_hc_commands)) {
		if (cmd)
			app_err(c, sub, "only COMMAND and SCRIPT health checks "
			    "have a command");
		app_hc_port(c, hc, pfx, net, clean);
	} else if (!json_is_object(cmd) || !app_get_str(c, cmd, sub, "value",
	    NULL, &value) || value == NULL) {
		if (!json_is_object(cmd) || !json_object_get(cmd, "value"))
			app_err(c, sub, "must be {\"value\": \"a shell "
			    "command\"}");
	} else
		app_set(c, clean, "command", json_pack("{s:s}", "value",
		    value));
	app_set(c, clean, "gracePeriodSeconds", json_integer(grace));
	app_set(c, clean, "intervalSeconds", json_integer(interval));
	app_set(c, clean, "timeoutSeconds", json_integer(timeout));
	app_set(c, clean, "maxConsecutiveFailures", json_integer(failures));
	app_set(c, clean, "delaySeconds", json_integer(delay));
	if (http)
		app_set(c, clean, "ignoreHttp1xx", json_boolean(ignore));
	return clean;
}

/* A MAX_PER count or a GROUP_BY group count: a positive integer. */
static int
app_count(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' && n > 0;
}

static void
app_constraint(struct app_ctx *c, const json_t *con, const char *pfx,
    json_t *out)
{
	const char *field, *op, *value = NULL;
	size_t n = json_array_size(con), i;
	char path[APP_PTR_MAX];
	json_t *x;

	if (!json_is_array(con) || n < 2 || n > 3) {
		app_err(c, pfx, "must be [field, operator] or [field, "
		    "operator, value]");
		return;
	}
	json_array_foreach(con, i, x) {
		if (!json_is_string(x) || json_string_length(x) == 0) {
			app_ptr_idx(path, sizeof(path), pfx, i);
			app_err(c, path, "must be a non-empty string");
			return;
		}
	}
	field = json_string_value(json_array_get(con, 0));
	op = json_string_value(json_array_get(con, 1));
	if (n == 3)
		value = json_string_value(json_array_get(con, 2));
	app_ptr_idx(path, sizeof(path), pfx, 1);
	if (!app_in(op, app_operators)) {
		app_err(c, path, "must be one of UNIQUE, CLUSTER, GROUP_BY, "
		    "LIKE, UNLIKE, MAX_PER, IS");
		return;
	}
	app_ptr_idx(path, sizeof(path), pfx, 2);
	if (strcmp(op, "UNIQUE") == 0 && value)
		app_err(c, path, "UNIQUE takes no value");
	else if (value == NULL && strcmp(op, "CLUSTER") != 0 &&
	    strcmp(op, "GROUP_BY") != 0 && strcmp(op, "UNIQUE") != 0)
		app_err(c, pfx, "%s needs a value", op);
	else if (value && (strcmp(op, "MAX_PER") == 0 ||
	    strcmp(op, "GROUP_BY") == 0) && !app_count(value))
		app_err(c, path, "must be a positive integer");
	else
		app_append(c, out, value ? json_pack("[s,s,s]", field, op,
		    value) : json_pack("[s,s]", field, op));
}

static json_t *
app_list(struct app_ctx *c, const json_t *body, const char *key,
    const struct app_net *net)
{
	json_t *in = json_object_get(body, key), *out, *x, *clean;
	char pfx[APP_PTR_MAX];
	size_t i;

	if ((out = json_array()) == NULL) {
		c->nomem = 1;
		return NULL;
	}
	if (in && !json_is_array(in)) {
		snprintf(pfx, sizeof(pfx), "/%s", key);
		app_err(c, pfx, "must be an array");
		return out;
	}
	json_array_foreach(in, i, x) {
		snprintf(pfx, sizeof(pfx), "/%s/%zu", key, i);
		if (strcmp(key, "constraints") == 0)
			app_constraint(c, x, pfx, out);
		else if ((clean = app_health_check(c, x, pfx, net)) != NULL)
			app_append(c, out, clean);
	}
	return out;
}

void
app_check_sched(struct app_ctx *c, const json_t *body, json_t *out,
    const struct app_net *net)
{
	app_set(c, out, "healthChecks", app_list(c, body, "healthChecks", net));
	app_set(c, out, "constraints", app_list(c, body, "constraints", net));
	app_check_strategy(c, body, out, net);
}
