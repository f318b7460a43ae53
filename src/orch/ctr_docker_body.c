/*
 * ctr_docker_body.c -- the body of POST /containers/create for an instance.
 *
 * docker.parameters: the few "docker run" options people use with
 * Marathon are mapped; any other is ignored with a warning:
 *   label (k=v), env (K=V), user, workdir, hostname, cap-add, cap-drop,
 *   memory-swap (bytes, or with a k/m/g suffix; -1 unlimited), init (true).
 * Restarts are stadion's business, so RestartPolicy is "no"; Init is off
 * unless asked, so the app's own process is pid 1 and gets the signals.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "orch/ctr_docker.h"
#include "util/error.h"
#include "util/log.h"

#define DK_CPU_PERIOD 100000

static int
dk_body_set(json_t *obj, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(obj, key, v) == 0 ? ST_OK :
	    ST_ENOMEM;
}

static int
dk_body_append(json_t *obj, const char *key, json_t *v)
{
	json_t *a = json_object_get(obj, key);

	if (a == NULL) {
		if (dk_body_set(obj, key, json_array()) != ST_OK) {
			json_decref(v);
			return ST_ENOMEM;
		}
		a = json_object_get(obj, key);
	}
	return v != NULL && json_array_append_new(a, v) == 0 ? ST_OK :
	    ST_ENOMEM;
}

static long long
dk_body_bytes(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': return n * 1024;
	case 'm': case 'M': return n * 1048576;
	case 'g': case 'G': return n * 1073741824LL;
	}
	return n;
}

static int
dk_body_param(json_t *body, json_t *hc, const char *key, const char *value)
{
	const char *eq;
	char name[256];

	if (strcmp(key, "label") == 0 && (eq = strchr(value, '=')) != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)(eq - value), value);
		return dk_body_set(json_object_get(body, "Labels"), name,
		    json_string(eq + 1));
	}
	if (strcmp(key, "env") == 0)
		return dk_body_append(body, "Env", json_string(value));
	if (strcmp(key, "user") == 0)
		return dk_body_set(body, "User", json_string(value));
	if (strcmp(key, "workdir") == 0)
		return dk_body_set(body, "WorkingDir", json_string(value));
	if (strcmp(key, "hostname") == 0)
		return dk_body_set(body, "Hostname", json_string(value));
	if (strcmp(key, "cap-add") == 0)
		return dk_body_append(hc, "CapAdd", json_string(value));
	if (strcmp(key, "cap-drop") == 0)
		return dk_body_append(hc, "CapDrop", json_string(value));
	if (strcmp(key, "memory-swap") == 0)
		return dk_body_set(hc, "MemorySwap",
		    json_integer(dk_body_bytes(value)));
	if (strcmp(key, "init") == 0)
		return dk_body_set(hc, "Init",
		    json_boolean(strcmp(value, "true") == 0));
	log_warnx("docker: parameter %s not supported, ignored", key);
	return ST_OK;
}

static const char *
dk_body_network(const json_t *app, const json_t *docker)
{
	const char *n = json_string_value(json_object_get(docker, "network"));
	const char *mode = json_string_value(json_object_get(
	    json_array_get(json_object_get(app, "networks"), 0), "mode"));

	if (n == NULL && mode != NULL)
		n = strcmp(mode, "container/bridge") == 0 ? "BRIDGE" :
		    strcmp(mode, "host") == 0 ? "HOST" : NULL;
	if (n == NULL || strcmp(n, "HOST") == 0)
		return "host";
	if (strcmp(n, "BRIDGE") == 0)
		return "bridge";
	if (strcmp(n, "NONE") == 0)
		return "none";
	if (strcmp(n, "USER") == 0)
		return json_string_value(json_object_get(json_array_get(
		    json_object_get(app, "networks"), 0), "name"));
	return NULL;
}

/*
 * Port mappings of a bridge or container network: the k-th mapping with a
 * hostPort gets the k-th host port (app_port_count's order); one without
 * is only exposed. containerPort 0 means the host port, as in Marathon.
 */
static int
dk_body_ports(json_t *body, json_t *hc, const json_t *maps,
    const struct ctr_spec *spec)
{
	const json_t *m;
	size_t i, k = 0;
	char key[64], hp[8], protos[32], *save, *proto;

	json_array_foreach(maps, i, m) {
		json_int_t cport = json_integer_value(json_object_get(m,
		    "containerPort"));
		const char *pr = json_string_value(json_object_get(m,
		    "protocol"));
		uint16_t host = 0;

		if (json_object_get(m, "hostPort") != NULL) {
			host = k < spec->n_ports ? spec->host_ports[k] : 0;
			k++;
		}
		if (cport == 0)
			cport = host;
		snprintf(protos, sizeof(protos), "%s", pr ? pr : "tcp");
		snprintf(hp, sizeof(hp), "%u", host);
		for (proto = strtok_r(protos, ",", &save); proto != NULL;
		    proto = strtok_r(NULL, ",", &save)) {
			snprintf(key, sizeof(key), "%lld/%s", (long long)cport,
			    proto);
			if (dk_body_set(json_object_get(body, "ExposedPorts"),
			    key, json_object()) != ST_OK)
				return ST_ENOMEM;
			if (host != 0 && dk_body_set(json_object_get(hc,
			    "PortBindings"), key, json_pack("[{s:s,s:s}]",
			    "HostIp", "", "HostPort", hp)) != ST_OK)
				return ST_ENOMEM;
		}
	}
	return ST_OK;
}

static int
dk_body_volumes(json_t *hc, const json_t *vols)
{
	const json_t *v;
	size_t i;
	char bind[4096];

	json_array_foreach(vols, i, v) {
		const char *h = json_string_value(json_object_get(v, "hostPath"));
		const char *c = json_string_value(json_object_get(v,
		    "containerPath"));
		const char *mode = json_string_value(json_object_get(v, "mode"));

		if (h == NULL || c == NULL)
			continue;
		snprintf(bind, sizeof(bind), "%s:%s:%s", h, c,
		    mode && strcmp(mode, "RO") == 0 ? "ro" : "rw");
		if (dk_body_append(hc, "Binds", json_string(bind)) != ST_OK)
			return ST_ENOMEM;
	}
	return ST_OK;
}

static int
dk_body_fill(json_t *body, json_t *hc, const struct ctr_spec *spec,
    const struct ctr_docker_params *p, const json_t *container,
    const json_t *docker, const char *net)
{
	const json_t *app = spec->app, *v;
	const char *cmd = json_string_value(json_object_get(app, "cmd"));
	const char *key, *user;
	double cpus = json_number_value(json_object_get(app, "cpus"));
	double mem = json_number_value(json_object_get(app, "mem"));
	json_t *labels = json_object_get(body, "Labels");
	size_t i;

	if (cmd != NULL) {
		if (dk_body_set(body, "Cmd", json_pack("[sss]", "/bin/sh", "-c",
		    cmd)) != ST_OK)
			return ST_ENOMEM;
	} else if (json_array_size(json_object_get(app, "args")) > 0) {
		if (dk_body_set(body, "Cmd", json_deep_copy(json_object_get(app,
		    "args"))) != ST_OK)
			return ST_ENOMEM;
	}
	for (i = 0; i < spec->n_env; i++)
		if (dk_body_append(body, "Env", json_string(spec->env[i])) !=
		    ST_OK)
			return ST_ENOMEM;
	json_object_foreach((json_t *)json_object_get(app, "labels"), key, v)
		if (json_is_string(v) && dk_body_set(labels, key,
		    json_string(json_string_value(v))) != ST_OK)
			return ST_ENOMEM;
	if (dk_body_set(labels, CTR_LABEL_APP, json_string(spec->app_id)) ||
	    dk_body_set(labels, CTR_LABEL_INSTANCE,
	    json_string(spec->instance_id)) ||
	    dk_body_set(labels, CTR_LABEL_VERSION,
	    json_string(spec->version ? spec->version : "")) ||
	    (spec->owner && dk_body_set(labels, CTR_LABEL_OWNER,
	    json_string(spec->owner))))
		return ST_ENOMEM;
	if ((user = json_string_value(json_object_get(app, "user"))) != NULL &&
	    dk_body_set(body, "User", json_string(user)) != ST_OK)
		return ST_ENOMEM;
	if (cpus > 0 && (dk_body_set(hc, "CpuShares",
	    json_integer((json_int_t)(cpus * 1024 + 0.5))) ||
	    dk_body_set(hc, "CpuPeriod", json_integer(DK_CPU_PERIOD)) ||
	    dk_body_set(hc, "CpuQuota",
	    json_integer((json_int_t)(cpus * DK_CPU_PERIOD + 0.5)))))
		return ST_ENOMEM;
	if (mem > 0 && (dk_body_set(hc, "Memory",
	    json_integer((json_int_t)(mem * 1048576))) ||
	    dk_body_set(hc, "MemorySwap",
	    json_integer((json_int_t)(mem * 1048576)))))
		return ST_ENOMEM;
	if (dk_body_set(hc, "NetworkMode", json_string(net)) ||
	    dk_body_set(hc, "Init", json_false()) ||
	    dk_body_set(hc, "RestartPolicy", json_pack("{s:s}", "Name", "no")))
		return ST_ENOMEM;
	if (json_is_true(json_object_get(docker, "privileged")) &&
	    dk_body_set(hc, "Privileged", json_true()))
		return ST_ENOMEM;
	if (dk_body_volumes(hc, json_object_get(container, "volumes")) != ST_OK)
		return ST_ENOMEM;
	if (strcmp(net, "host") != 0 && strcmp(net, "none") != 0) {
		v = json_object_get(container, "portMappings");
		if (!json_is_array(v) || json_array_size(v) == 0)
			v = json_object_get(docker, "portMappings");
		if (dk_body_ports(body, hc, v, spec) != ST_OK)
			return ST_ENOMEM;
	}
	if (p != NULL && p->dns_server != NULL && dk_body_set(hc, "Dns",
	    json_pack("[s]", p->dns_server)))
		return ST_ENOMEM;
	if (p != NULL && p->dns_search != NULL && dk_body_set(hc, "DnsSearch",
	    json_pack("[s]", p->dns_search)))
		return ST_ENOMEM;
	json_array_foreach(json_object_get(docker, "parameters"), i, v) {
		const char *k = json_string_value(json_object_get(v, "key"));
		const char *val = json_string_value(json_object_get(v, "value"));

		if (k != NULL && val != NULL &&
		    dk_body_param(body, hc, k, val) != ST_OK)
			return ST_ENOMEM;
	}
	return ST_OK;
}

int
ctr_docker_create_body(const struct ctr_spec *spec,
    const struct ctr_docker_params *p, json_t **out)
{
	const json_t *container = json_object_get(spec->app, "container");
	const json_t *docker = json_object_get(container, "docker");
	const char *type = json_string_value(json_object_get(container, "type"));
	const char *image = json_string_value(json_object_get(docker, "image"));
	const char *net;
	json_t *body, *hc;
	int rv;

	*out = NULL;
	if (type == NULL || strcmp(type, "DOCKER") != 0 || image == NULL ||
	    (net = dk_body_network(spec->app, docker)) == NULL)
		return ST_EINVAL;
	body = json_pack("{s:s,s:{},s:{},s:{s:{}}}", "Image", image, "Labels",
	    "ExposedPorts", "HostConfig", "PortBindings");
	if (body == NULL)
		return ST_ENOMEM;
	hc = json_object_get(body, "HostConfig");
	if ((rv = dk_body_fill(body, hc, spec, p, container, docker, net)) !=
	    ST_OK) {
		json_decref(body);
		return rv;
	}
	*out = body;
	return ST_OK;
}
