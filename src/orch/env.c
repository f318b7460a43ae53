/*
 * env.c -- the environment Marathon gives a task, built from the app
 * definition, the task id, the host and the host ports of the instance.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orch/env.h"
#include "util/error.h"
#include "util/rand.h"

/* Marathon drops labels whose name or value reach these (UTF-16) lengths. */
#define ENV_LABEL_PREFIX "MARATHON_APP_LABEL_"
#define ENV_VALUE_MAX 512
#define ENV_LABEL_NAME_MAX (ENV_VALUE_MAX - (sizeof(ENV_LABEL_PREFIX) - 1))

/* Length of a name in "NAME=value". */
static size_t
env_name_len(const char *var)
{
	return strcspn(var, "=");
}

static int
env_find(const struct env *e, const char *name, size_t len, size_t *at)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (env_name_len(e->vars[i]) == len &&
		    memcmp(e->vars[i], name, len) == 0) {
			*at = i;
			return 1;
		}
	return 0;
}

/* Set name to value; a later setting replaces an earlier one. */
static int
env_set(struct env *e, const char *name, const char *value)
{
	size_t len = strlen(name), at;
	char *var, **grown;

	if ((var = malloc(len + strlen(value) + 2)) == NULL)
		return ST_ENOMEM;
	sprintf(var, "%s=%s", name, value);
	if (env_find(e, name, len, &at)) {
		free(e->vars[at]);
		e->vars[at] = var;
		return ST_OK;
	}
	if ((grown = realloc(e->vars, (e->n + 2) * sizeof(*grown))) == NULL) {
		free(var);
		return ST_ENOMEM;
	}
	e->vars = grown;
	e->vars[e->n++] = var;
	e->vars[e->n] = NULL;
	return ST_OK;
}

static int
env_setf(struct env *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
env_setf(struct env *e, const char *name, const char *fmt, ...)
{
	char value[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return env_set(e, name, value);
}

/* A JSON string member of obj, or NULL. */
static const char *
env_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/*
 * A double as Java's Double.toString writes it (Marathon is in Scala):
 * the shortest digits that read back the same, "64.0" and "0.5" between
 * 1e-3 and 1e7, "1.0E7" and "1.0E-4" outside.
 */
static void
env_java_double(double v, char *out, size_t size)
{
	char e[32], digits[20], *mant, *p;
	int prec, exp, nd, i;
	size_t o = 0;

	if (v == 0) {
		snprintf(out, size, "%s", signbit(v) ? "-0.0" : "0.0");
		return;
	}
	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, v);
		if (strtod(e, NULL) == v)
			break;
	}
	mant = e;
	if (*mant == '-') {
		out[o++] = '-';
		mant++;
	}
	for (nd = 0, p = mant; *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (v < 0)
		v = -v;
	if (v >= 1e-3 && v < 1e7) {
		if (exp < 0) {
			o += snprintf(out + o, size - o, "0.");
			for (i = -1; i > exp; i--)
				out[o++] = '0';
			for (i = 0; i < nd; i++)
				out[o++] = digits[i];
		} else {
			for (i = 0; i <= exp; i++)
				out[o++] = i < nd ? digits[i] : '0';
			out[o++] = '.';
			if (nd <= exp + 1)
				out[o++] = '0';
			for (i = exp + 1; i < nd; i++)
				out[o++] = digits[i];
		}
		out[o] = '\0';
		return;
	}
	out[o++] = digits[0];
	out[o++] = '.';
	if (nd == 1)
		out[o++] = '0';
	for (i = 1; i < nd; i++)
		out[o++] = digits[i];
	snprintf(out + o, size - o, "E%d", exp);
}

static int
env_set_double(struct env *e, const char *name, const json_t *num)
{
	char buf[40];

	env_java_double(json_number_value(num), buf, sizeof(buf));
	return env_set(e, name, buf);
}

/* Length as Java counts it: UTF-16 code units. */
static size_t
env_java_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xc0) != 0x80)
			n += c >= 0xf0 ? 2 : 1;
	}
	return n;
}

static int
env_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Marathon's label escape: each run of [^A-Za-z0-9_] becomes one '_'. */
static void
env_label_name(const char *key, char *out)
{
	size_t o = 0;

	while (*key != '\0') {
		if (env_is_alnum(*key) || *key == '_') {
			out[o++] = *key >= 'a' && *key <= 'z' ?
			    *key - 'a' + 'A' : *key;
			key++;
			continue;
		}
		out[o++] = '_';
		while (*key != '\0' && !env_is_alnum(*key) && *key != '_')
			key++;
	}
	out[o] = '\0';
}

static int
env_labels(struct env *e, json_t *labels)
{
	char name[sizeof(ENV_LABEL_PREFIX) + ENV_VALUE_MAX * 4];
	char *list = NULL, *grown;
	size_t plen = sizeof(ENV_LABEL_PREFIX) - 1, llen = 0, at, nlen;
	const char *key, *value;
	json_t *v;
	int err = ST_OK;

	memcpy(name, ENV_LABEL_PREFIX, plen);
	json_object_foreach(labels, key, v) {
		if ((value = json_string_value(v)) == NULL ||
		    env_java_len(key) >= ENV_LABEL_NAME_MAX ||
		    env_java_len(value) >= ENV_VALUE_MAX ||
		    strlen(key) >= sizeof(name) - plen)
			continue;
		env_label_name(key, name + plen);
		nlen = strlen(name);
		/* Two labels may escape to one name: list it once. */
		if (!env_find(e, name, nlen, &at)) {
			if ((grown = realloc(list, llen + nlen - plen + 2)) ==
			    NULL) {
				err = ST_ENOMEM;
				break;
			}
			list = grown;
			if (llen > 0)
				list[llen++] = ' ';
			memcpy(list + llen, name + plen, nlen - plen + 1);
			llen += nlen - plen;
		}
		if ((err = env_set(e, name, value)) != ST_OK)
			break;
	}
	/* Marathon lists the names first, so a label "s" replaces the list. */
	if (err == ST_OK && !env_find(e, "MARATHON_APP_LABELS",
	    strlen("MARATHON_APP_LABELS"), &at))
		err = env_set(e, "MARATHON_APP_LABELS", list ? list : "");
	free(list);
	return err;
}

/*
 * Marathon's port requests: the port mappings when the container has any
 * (requested port: containerPort), else the port definitions (port).
 */
static const json_t *
env_port_requests(const json_t *app, const char **port_key)
{
	const json_t *c = json_object_get(app, "container"), *pm;

	pm = json_object_get(c, "portMappings");
	if (json_array_size(pm) == 0)
		pm = json_object_get(json_object_get(c, "docker"),
		    "portMappings");
	if (json_array_size(pm) > 0) {
		*port_key = "containerPort";
		return pm;
	}
	*port_key = "port";
	return json_object_get(app, "portDefinitions");
}

/* One PORT<i>: its value, the port it was asked as, its name. */
struct env_port {
	unsigned value;
	unsigned asked;
	int has_request;	/* else PORT<i> only */
	const char *name;
	int assigned;		/* ENV_PORT_HOST, _GENERATED: in PORTS */
};

enum { ENV_PORT_CONTAINER, ENV_PORT_HOST, ENV_PORT_GENERATED };

/* Marathon's generated ports avoid every port the task asks or gets. */
static int
env_port_taken(unsigned p, const struct env_port *ep, size_t n,
    const uint16_t *ports, size_t n_ports, const json_t *req,
    const char *port_key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ep[i].value == p)
			return 1;
	for (i = 0; i < n_ports; i++)
		if (ports[i] == p)
			return 1;
	for (i = 0; i < json_array_size(req); i++)
		if (json_integer_value(json_object_get(json_array_get(req, i),
		    port_key)) == p)
			return 1;
	return 0;
}

static int
env_port_vars(struct env *e, const struct env_port *ep, size_t n)
{
	char name[128], *list;
	size_t i, o;
	int err = ST_OK, first = -1, kind;

	for (i = 0; i < n && err == ST_OK; i++) {
		snprintf(name, sizeof(name), "PORT%zu", i);
		err = env_setf(e, name, "%u", ep[i].value);
	}
	for (i = 0; i < n && err == ST_OK; i++) {
		if (!ep[i].has_request)
			continue;
		snprintf(name, sizeof(name), "PORT_%u",
		    ep[i].asked != 0 ? ep[i].asked : ep[i].value);
		err = env_setf(e, name, "%u", ep[i].value);
	}
	for (i = 0; i < n && err == ST_OK; i++) {
		const char *pn = ep[i].name;

		/* Marathon only uppercases; '=' cannot be in a name at all. */
		if (pn == NULL || *pn == '\0' || strchr(pn, '=') ||
		    strlen(pn) + sizeof("PORT_") > sizeof(name))
			continue;
		for (o = snprintf(name, sizeof(name), "PORT_"); *pn != '\0';
		    pn++)
			name[o++] = *pn >= 'a' && *pn <= 'z' ?
			    *pn - 'a' + 'A' : *pn;
		name[o] = '\0';
		err = env_setf(e, name, "%u", ep[i].value);
	}
	if (err != ST_OK)
		return err;
	if ((list = malloc(n * sizeof("65535,") + 1)) == NULL)
		return ST_ENOMEM;
	/* Marathon lists the host ports, then the generated ones. */
	for (kind = ENV_PORT_HOST, o = 0; kind <= ENV_PORT_GENERATED; kind++)
		for (i = 0; i < n; i++) {
			if (ep[i].assigned != kind)
				continue;
			o += sprintf(list + o, o ? ",%u" : "%u", ep[i].value);
			if (first < 0)
				first = (int)i;
		}
	list[o] = '\0';
	if (first >= 0)
		err = env_setf(e, "PORT", "%u", ep[first].value);
	if (err == ST_OK)
		err = env_set(e, "PORTS", list);
	free(list);
	return err;
}

/*
 * ports[] holds the host ports in request order, one per port definition
 * or per port mapping with a hostPort. A mapping without one (container
 * networks) gets its container port, or a generated one when that is 0.
 */
static int
env_ports(struct env *e, const json_t *app, const uint16_t *ports,
    size_t n_ports)
{
	const char *port_key;
	const json_t *req = env_port_requests(app, &port_key), *r;
	size_t n_req = json_array_size(req), i, k = 0, n = 0;
	struct env_port *ep;
	struct rand_state rs;
	int err, seeded = 0;

	if (n_req + n_ports == 0)
		return ST_OK;
	if ((ep = calloc(n_req + n_ports, sizeof(*ep))) == NULL)
		return ST_ENOMEM;
	for (i = 0; i < n_req; i++) {
		r = json_array_get(req, i);
		ep[n].asked = (unsigned)json_integer_value(json_object_get(r,
		    port_key));
		ep[n].name = env_str(r, "name");
		ep[n].has_request = 1;
		if (strcmp(port_key, "port") == 0 ||
		    json_object_get(r, "hostPort") != NULL) {
			if (k >= n_ports)
				continue;
			ep[n].value = ports[k++];
			ep[n].assigned = ENV_PORT_HOST;
		} else if (ep[n].asked != 0) {
			ep[n].value = ep[n].asked;
		} else {
			if (!seeded++)
				rand_seed(&rs);
			do
				ep[n].value = 1025 + (unsigned)(rand_next(&rs) %
				    (65535 - 1024));
			while (env_port_taken(ep[n].value, ep, n, ports,
			    n_ports, req, port_key));
			ep[n].assigned = ENV_PORT_GENERATED;
		}
		n++;
	}
	/* More host ports than requests: by index only. */
	for (; k < n_ports; k++, n++) {
		ep[n].value = ports[k];
		ep[n].assigned = ENV_PORT_HOST;
	}
	err = n > 0 ? env_port_vars(e, ep, n) : ST_OK;
	free(ep);
	return err;
}

/* MESOS_TASK_ID, the app's metadata and its labels. */
static int
env_task(struct env *e, const json_t *app, const char *task_id)
{
	const json_t *c = json_object_get(app, "container"), *num;
	const char *s, *type;
	int err;

	if ((err = env_set(e, "MESOS_TASK_ID", task_id)) != ST_OK)
		return err;
	if ((s = env_str(app, "id")) != NULL &&
	    (err = env_set(e, "MARATHON_APP_ID", s)) != ST_OK)
		return err;
	if ((s = env_str(app, "version")) != NULL &&
	    (err = env_set(e, "MARATHON_APP_VERSION", s)) != ST_OK)
		return err;
	/* Marathon's container type defaults to DOCKER. */
	type = env_str(c, "type");
	if ((type == NULL || strcmp(type, "DOCKER") == 0) &&
	    (s = env_str(json_object_get(c, "docker"), "image")) != NULL &&
	    (err = env_set(e, "MARATHON_APP_DOCKER_IMAGE", s)) != ST_OK)
		return err;
	if ((num = json_object_get(app, "cpus")) != NULL &&
	    json_is_number(num) &&
	    (err = env_set_double(e, "MARATHON_APP_RESOURCE_CPUS", num)))
		return err;
	if ((num = json_object_get(app, "mem")) != NULL &&
	    json_is_number(num) &&
	    (err = env_set_double(e, "MARATHON_APP_RESOURCE_MEM", num)))
		return err;
	if ((num = json_object_get(app, "disk")) != NULL &&
	    json_is_number(num) &&
	    (err = env_set_double(e, "MARATHON_APP_RESOURCE_DISK", num)))
		return err;
	/* gpus is an integer in Marathon, so "0", not "0.0". */
	if ((err = env_setf(e, "MARATHON_APP_RESOURCE_GPUS", "%lld",
	    (long long)json_integer_value(json_object_get(app, "gpus")))))
		return err;
	return env_labels(e, json_object_get(app, "labels"));
}

static int
env_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = env_name_len(x), ly = env_name_len(y);
	int c = memcmp(x, y, lx < ly ? lx : ly);

	return c != 0 ? c : (lx > ly) - (lx < ly);
}

int
env_build(struct env *e, const json_t *app, const char *task_id,
    const char *host, const uint16_t *ports, size_t n_ports)
{
	const char *key;
	json_t *v;
	int err;

	memset(e, 0, sizeof(*e));
	if ((e->vars = calloc(1, sizeof(*e->vars))) == NULL)
		return ST_ENOMEM;
	/* Marathon's order: a later setting of a name replaces an earlier. */
	if ((err = env_task(e, app, task_id)) != ST_OK ||
	    (err = env_ports(e, app, ports, n_ports)) != ST_OK ||
	    (host != NULL && (err = env_set(e, "HOST", host)) != ST_OK))
		goto fail;
	json_object_foreach(json_object_get(app, "env"), key, v) {
		/* Secrets and other non-strings are not supported. */
		if (!json_is_string(v) || *key == '\0' || strchr(key, '='))
			continue;
		if ((err = env_set(e, key, json_string_value(v))) != ST_OK)
			goto fail;
	}
	qsort(e->vars, e->n, sizeof(*e->vars), env_cmp);
	return ST_OK;
fail:
	env_deinit(e);
	return err;
}

void
env_deinit(struct env *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->vars[i]);
	free(e->vars);
	e->vars = NULL;
	e->n = 0;
}

const char *
env_get(const struct env *e, const char *name)
{
	size_t at;

	if (!env_find(e, name, strlen(name), &at))
		return NULL;
	return e->vars[at] + strlen(name) + 1;
}
