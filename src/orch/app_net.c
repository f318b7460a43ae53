/*
 * app_net.c -- the networking half of an app definition: container,
 * networks, portMappings, portDefinitions (and the legacy ports), each
 * checked and put in the shape stadion stores.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "orch/app_int.h"

static const char *const app_protocols[] = { "tcp", "udp", "udp,tcp", NULL };
static const char *const app_legacy_nets[] = {
	"HOST", "BRIDGE", "USER", "NONE", NULL
};
static const char *const app_net_modes[] = {
	"host", "container/bridge", "container", NULL
};

/* Port names must be unique within one list: they become SRV names. */
static void
app_port_name(struct app_ctx *c, const json_t *p, const char *pfx,
    json_t *names, json_t *clean)
{
	char path[APP_PTR_MAX];
	const char *name;

	if (!app_get_str(c, p, pfx, "name", NULL, &name) || name == NULL)
		return;
	app_ptr(path, sizeof(path), pfx, "name");
	if (!app_dns_label(name))
		app_err(c, path, "must be a DNS label: a-z, 0-9 and '-', 1 to "
		    "63 characters, not starting or ending with '-'");
	else if (json_object_get(names, name))
		app_err(c, path, "port names must be unique");
	else {
		app_set(c, names, name, json_true());
		app_set(c, clean, "name", json_string(name));
	}
}

/* One portDefinitions element (or a legacy ports integer) at pfx. */
static json_t *
app_port_def(struct app_ctx *c, const json_t *p, const char *pfx,
    json_t *names)
{
	static const char *const keys[] = {
		"port", "protocol", "name", "labels", NULL
	};
	const char *proto;
	json_int_t port;
	json_t *clean;

	if (!json_is_object(p)) {
		app_err(c, pfx, "must be an object");
		return NULL;
	}
	app_keys(c, p, pfx, keys);
	app_get_int(c, p, pfx, "port", 0, 65535, 0, &port);
	app_get_enum(c, p, pfx, "protocol", app_protocols, "tcp", &proto);
	clean = json_pack("{s:I,s:s}", "port", port, "protocol", proto);
	if (clean == NULL) {
		c->nomem = 1;
		return NULL;
	}
	app_port_name(c, p, pfx, names, clean);
	app_set(c, clean, "labels", app_get_strmap(c, p, pfx, "labels"));
	return clean;
}

/*
 * portDefinitions from "portDefinitions" or the legacy "ports" (never
 * both); Marathon's one port when neither is given.
 */
static json_t *
app_port_defs(struct app_ctx *c, const json_t *body, int host,
    int require)
{
	json_t *defs = json_object_get(body, "portDefinitions");
	json_t *ports = json_object_get(body, "ports");
	json_t *out, *names, *p, *clean, *seen;
	const char *key = defs ? "portDefinitions" : "ports";
	json_t *in = defs ? defs : ports;
	char pfx[APP_PTR_MAX], sub[APP_PTR_MAX], field[APP_PTR_MAX], num[8];
	size_t i;

	out = json_array();
	names = json_object();
	seen = json_object();
	if (out == NULL || names == NULL || seen == NULL) {
		c->nomem = 1;
		goto done;
	}
	if (defs && ports) {
		app_err(c, "/ports", "give portDefinitions or ports, not both");
		goto done;
	}
	snprintf(pfx, sizeof(pfx), "/%s", key);
	if (in == NULL) {
		if (host && require)
			app_err(c, "/requirePorts", "needs portDefinitions "
			    "with non-zero ports");
		if (host)
			app_append(c, out, json_pack("{s:i,s:s,s:{}}", "port",
			    0, "protocol", "tcp", "labels"));
		goto done;
	}
	if (!json_is_array(in)) {
		app_err(c, pfx, "must be an array");
		goto done;
	}
	if (!host && json_array_size(in) > 0) {
		app_err(c, pfx, "only apps on the host network have port "
		    "definitions; use container.portMappings");
		goto done;
	}
	json_array_foreach(in, i, p) {
		json_int_t port;

		app_ptr_idx(sub, sizeof(sub), pfx, i);
		if (defs)
			clean = app_port_def(c, p, sub, names);
		else if (!json_is_integer(p) || json_integer_value(p) < 0 ||
		    json_integer_value(p) > 65535) {
			app_err(c, sub, "must be an integer from 0 to 65535");
			clean = NULL;
		} else
			clean = json_pack("{s:O,s:s,s:{}}", "port", p,
			    "protocol", "tcp", "labels");
		if (clean == NULL)
			continue;
		port = json_integer_value(json_object_get(clean, "port"));
		if (defs)
			app_ptr(field, sizeof(field), sub, "port");
		else
			memcpy(field, sub, sizeof(field));
		snprintf(num, sizeof(num), "%d", (int)port);
		if (port == 0 && require)
			app_err(c, field, "must not be 0 when requirePorts is "
			    "true");
		else if (port != 0 && json_object_get(seen, num))
			app_err(c, field, "ports must be unique");
		else if (port != 0)
			app_set(c, seen, num, json_true());
		app_append(c, out, clean);
	}
done:
	json_decref(names);
	json_decref(seen);
	return out;
}

/* One portMappings element; hostPort stays absent for container networks. */
static json_t *
app_port_mapping(struct app_ctx *c, const json_t *p, const char *pfx,
    int bridge, json_t *names)
{
	static const char *const keys[] = {
		"containerPort", "hostPort", "servicePort", "protocol", "name",
		"labels", "networkNames", NULL
	};
	json_int_t cport, hport, sport;
	json_t *clean, *nn;
	const char *proto;

	if (!json_is_object(p)) {
		app_err(c, pfx, "must be an object");
		return NULL;
	}
	app_keys(c, p, pfx, keys);
	app_get_int(c, p, pfx, "containerPort", 0, 65535, 0, &cport);
	app_get_int(c, p, pfx, "hostPort", 0, 65535, 0, &hport);
	app_get_int(c, p, pfx, "servicePort", 0, 65535, 0, &sport);
	app_get_enum(c, p, pfx, "protocol", app_protocols, "tcp", &proto);
	clean = json_pack("{s:I}", "containerPort", cport);
	if (clean == NULL) {
		c->nomem = 1;
		return NULL;
	}
	if (bridge || json_object_get(p, "hostPort"))
		app_set(c, clean, "hostPort", json_integer(hport));
	app_set(c, clean, "servicePort", json_integer(sport));
	app_set(c, clean, "protocol", json_string(proto));
	app_port_name(c, p, pfx, names, clean);
	app_set(c, clean, "labels", app_get_strmap(c, p, pfx, "labels"));
	if ((nn = json_object_get(p, "networkNames")) != NULL) {
		char sub[APP_PTR_MAX];
		json_t *x;
		size_t i;

		app_ptr(sub, sizeof(sub), pfx, "networkNames");
		if (!json_is_array(nn))
			app_err(c, sub, "must be an array of strings");
		json_array_foreach(nn, i, x)
			if (!json_is_string(x))
				app_err(c, sub, "must be an array of strings");
		if (json_is_array(nn))
			app_set(c, clean, "networkNames", json_deep_copy(nn));
	}
	return clean;
}

static json_t *
app_port_mappings(struct app_ctx *c, const json_t *in, const char *pfx,
    int bridge)
{
	char sub[APP_PTR_MAX];
	json_t *out, *names, *p;
	size_t i;

	out = json_array();
	names = json_object();
	if (out == NULL || names == NULL)
		c->nomem = 1;
	else if (in && !json_is_array(in))
		app_err(c, pfx, "must be an array");
	else if (in) {
		json_array_foreach(in, i, p) {
			app_ptr_idx(sub, sizeof(sub), pfx, i);
			if ((p = app_port_mapping(c, p, sub, bridge, names)))
				app_append(c, out, p);
		}
	}
	json_decref(names);
	return out;
}

static json_t *
app_volumes(struct app_ctx *c, const json_t *container)
{
	static const char *const keys[] = {
		"containerPath", "hostPath", "mode", NULL
	};
	static const char *const modes[] = { "RO", "RW", NULL };
	json_t *in = json_object_get(container, "volumes"), *out, *v, *clean;
	const char *cpath, *hpath, *mode;
	char pfx[APP_PTR_MAX], field[APP_PTR_MAX];
	size_t i;

	if ((out = json_array()) == NULL) {
		c->nomem = 1;
		return NULL;
	}
	if (in && !json_is_array(in)) {
		app_err(c, "/container/volumes", "must be an array");
		return out;
	}
	json_array_foreach(in, i, v) {
		snprintf(pfx, sizeof(pfx), "/container/volumes/%zu", i);
		if (!json_is_object(v)) {
			app_err(c, pfx, "must be an object");
			continue;
		}
		app_keys(c, v, pfx, keys);
		app_get_str(c, v, pfx, "containerPath", NULL, &cpath);
		app_get_str(c, v, pfx, "hostPath", NULL, &hpath);
		app_get_enum(c, v, pfx, "mode", modes, "RW", &mode);
		if (cpath == NULL) {
			app_ptr(field, sizeof(field), pfx, "containerPath");
			if (!json_object_get(v, "containerPath"))
				app_err(c, field, "is required");
			continue;
		}
		clean = json_pack("{s:s}", "containerPath", cpath);
		if (clean && hpath)
			app_set(c, clean, "hostPath", json_string(hpath));
		if (clean)
			app_set(c, clean, "mode", json_string(mode));
		app_append(c, out, clean);
	}
	return out;
}

static json_t *
app_docker_params(struct app_ctx *c, const json_t *docker)
{
	json_t *in = json_object_get(docker, "parameters"), *out, *p, *k, *v;
	static const char *const keys[] = { "key", "value", NULL };
	char pfx[APP_PTR_MAX];
	size_t i;

	if ((out = json_array()) == NULL) {
		c->nomem = 1;
		return NULL;
	}
	if (in && !json_is_array(in)) {
		app_err(c, "/container/docker/parameters", "must be an array");
		return out;
	}
	json_array_foreach(in, i, p) {
		app_ptr_idx(pfx, sizeof(pfx), "/container/docker/parameters",
		    i);
		k = json_object_get(p, "key");
		v = json_object_get(p, "value");
		if (!json_is_object(p) || !json_is_string(k) ||
		    json_string_length(k) == 0 || !json_is_string(v)) {
			app_err(c, pfx, "must be {\"key\": string, \"value\": "
			    "string}");
			continue;
		}
		app_keys(c, p, pfx, keys);
		app_append(c, out, json_pack("{s:O,s:O}", "key", k, "value",
		    v));
	}
	return out;
}

/*
 * The network mode from "networks" and the legacy container.docker.network,
 * which must agree when both are given. *name: a container network's name.
 */
static const char *
app_net_mode(struct app_ctx *c, const json_t *body, const char *legacy,
    const char **name)
{
	static const char *const keys[] = { "mode", "name", "labels", NULL };
	json_t *nets = json_object_get(body, "networks"), *n;
	const char *mode, *got = NULL;
	char pfx[APP_PTR_MAX], field[APP_PTR_MAX];
	size_t i;

	*name = NULL;
	if (nets && !json_is_array(nets)) {
		app_err(c, "/networks", "must be an array");
		return legacy;
	}
	if (json_array_size(nets) > 1)
		app_err(c, "/networks", "stadion joins an instance to one "
		    "network only");
	json_array_foreach(nets, i, n) {
		snprintf(pfx, sizeof(pfx), "/networks/%zu", i);
		if (!json_is_object(n)) {
			app_err(c, pfx, "must be an object");
			continue;
		}
		app_keys(c, n, pfx, keys);
		if (!app_get_enum(c, n, pfx, "mode", app_net_modes, "container",
		    &mode) || !app_get_str(c, n, pfx, "name", NULL, name))
			continue;
		app_ptr(field, sizeof(field), pfx, "name");
		if (strcmp(mode, "container") == 0 && *name == NULL)
			app_err(c, field, "is required for container networks");
		else if (strcmp(mode, "container") != 0 && *name != NULL)
			app_err(c, field, "only container networks have a "
			    "name");
		got = strcmp(mode, "host") == 0 ? "HOST" :
		    strcmp(mode, "container") == 0 ? "USER" : "BRIDGE";
	}
	if (got && legacy && strcmp(got, legacy) != 0)
		app_err(c, "/container/docker/network", "does not match "
		    "networks (%s)", got);
	if (legacy && strcmp(legacy, "USER") == 0 && got == NULL)
		app_err(c, "/container/docker/network", "USER needs networks "
		    "[{\"mode\": \"container\", \"name\": ...}]");
	return got ? got : legacy ? legacy : "HOST";
}

static json_t *
app_networks(const char *mode, const char *name)
{
	if (strcmp(mode, "HOST") == 0)
		return json_pack("[{s:s}]", "mode", "host");
	if (strcmp(mode, "BRIDGE") == 0)
		return json_pack("[{s:s}]", "mode", "container/bridge");
	if (strcmp(mode, "USER") == 0)
		return json_pack("[{s:s,s:s}]", "mode", "container", "name",
		    name ? name : "");
	return json_array();
}

void
app_check_net(struct app_ctx *c, const json_t *body, json_t *out,
    struct app_net *net)
{
	static const char *const ckeys[] = {
		"type", "docker", "volumes", "portMappings", NULL
	};
	static const char *const dkeys[] = {
		"image", "network", "forcePullImage", "privileged",
		"parameters", "portMappings", NULL
	};
	static const char *const types[] = { "DOCKER", "MESOS", NULL };
	json_t *container = json_object_get(body, "container"), *docker = NULL;
	json_t *pm = NULL, *cout = NULL, *dout;
	const char *type = NULL, *legacy = NULL, *image, *mode, *name, *pm_path;
	int pull, priv, require, bridge;

	memset(net, 0, sizeof(*net));
	if (container && !json_is_object(container)) {
		app_err(c, "/container", "must be an object");
		container = NULL;
	}
	if (json_is_object(container)) {
		app_keys(c, container, "/container", ckeys);
		app_get_enum(c, container, "/container", "type", types,
		    "DOCKER", &type);
		docker = json_object_get(container, "docker");
		if (docker && !json_is_object(docker)) {
			app_err(c, "/container/docker", "must be an object");
			docker = NULL;
		}
		net->docker = strcmp(type, "DOCKER") == 0;
	}
	if (docker) {
		app_keys(c, docker, "/container/docker", dkeys);
		app_get_enum(c, docker, "/container/docker", "network",
		    app_legacy_nets, NULL, &legacy);
	}
	mode = app_net_mode(c, body, legacy, &name);
	if (!net->docker && strcmp(mode, "HOST") != 0) {
		app_err(c, json_object_get(body, "networks") ? "/networks" :
		    "/container/docker/network", "only DOCKER containers may "
		    "use a network other than the host's");
		mode = "HOST";
	}
	net->host = strcmp(mode, "HOST") == 0;
	bridge = strcmp(mode, "BRIDGE") == 0;
	app_set(c, out, "networks", app_networks(mode, name));

	if (json_is_object(container)) {
		cout = json_pack("{s:s}", "type", type);
		if (cout == NULL) {
			c->nomem = 1;
			return;
		}
	}
	if (net->docker) {
		if (!app_get_str(c, docker, "/container/docker", "image", NULL,
		    &image) || image == NULL) {
			if (!json_object_get(docker, "image"))
				app_err(c, docker ? "/container/docker/image" :
				    "/container/docker", "is required for "
				    "DOCKER containers");
			image = "";
		}
		app_get_bool(c, docker, "/container/docker", "forcePullImage",
		    0, &pull);
		app_get_bool(c, docker, "/container/docker", "privileged", 0,
		    &priv);
		dout = json_pack("{s:s,s:s,s:b,s:b}", "image", image, "network",
		    mode, "forcePullImage", pull, "privileged", priv);
		if (dout)
			app_set(c, dout, "parameters",
			    app_docker_params(c, docker));
		app_set(c, cout, "docker", dout);
	} else if (docker && json_object_get(docker, "image"))
		app_err(c, "/container/docker/image", "stadion runs images in "
		    "DOCKER containers only");
	if (cout)
		app_set(c, cout, "volumes", app_volumes(c, container));

	pm = json_object_get(container, "portMappings");
	if (pm && json_object_get(docker, "portMappings"))
		app_err(c, "/container/docker/portMappings", "give "
		    "portMappings in container only");
	else if (pm == NULL)
		pm = json_object_get(docker, "portMappings");
	pm_path = json_object_get(container, "portMappings") ?
	    "/container/portMappings" : "/container/docker/portMappings";
	if (net->host && json_array_size(pm) > 0) {
		app_err(c, pm_path, "only BRIDGE and container networks map "
		    "ports; use portDefinitions");
		pm = NULL;
	}
	if (cout) {
		pm = app_port_mappings(c, net->host ? NULL : pm, pm_path,
		    bridge);
		net->nports = json_array_size(pm);
		app_set(c, cout, "portMappings", pm);
	}
	app_set(c, out, "container", cout ? cout : json_null());

	app_get_bool(c, body, "", "requirePorts", 0, &require);
	app_set(c, out, "portDefinitions", app_port_defs(c, body, net->host,
	    require));
	app_set(c, out, "requirePorts", json_boolean(require));
	if (net->host)
		net->nports = json_array_size(json_object_get(out,
		    "portDefinitions"));
}
