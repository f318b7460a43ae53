/*
 * ctl_services.c -- stadionctl services: the discovery registry
 * (/v1/services), its services and their instances.
 */
#include "config.h"

#include <stdio.h>

#include <jansson.h>

#include "ctl/ctl.h"
#include "util/error.h"

#define CTL_PATH_MAX 2048

static int
ctl_services_list(struct ctl *c, int argc, char **argv)
{
	static const char *const headers[] = { "NAME", "LABEL", "DNS",
	    "INSTANCES" };
	struct ctl_table *t = NULL;
	struct ctl_opts o;
	json_t *res, *svc;
	size_t i;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "", 0, 0, &o)) != ST_OK)
		return err;
	if ((err = ctl_get_view(c, "/v1/services", &res)) != ST_OK ||
	    res == NULL)
		return err;
	if ((t = ctl_table_new(4, headers)) == NULL)
		err = ST_ENOMEM;
	json_array_foreach(res, i, svc) {
		if (err != ST_OK)
			break;
		err |= ctl_table_cell(t, 0, ctl_str(svc, "name", NULL));
		err |= ctl_table_cell(t, 1, ctl_str(svc, "label", NULL));
		err |= ctl_table_cell(t, 2, ctl_str(svc, "dns", NULL));
		err |= ctl_table_cellf(t, 3, "%lld", (long long)
		    json_integer_value(json_object_get(svc, "instances")));
		err |= ctl_table_row_end(t);
	}
	err = ctl_table_done(t, err);
	json_decref(res);
	return err;
}

/* "31001/tcp(http),31002/udp" */
static void
ctl_services_ports(const json_t *inst, char *out, size_t size)
{
	json_t *p;
	size_t i, len = 0;

	*out = '\0';
	json_array_foreach(json_object_get(inst, "ports"), i, p) {
		const char *name = ctl_str(p, "name", "");

		if (len >= size)
			break;
		len += (size_t)snprintf(out + len, size - len,
		    "%s%lld/%s%s%s%s", len ? "," : "",
		    (long long)json_integer_value(json_object_get(p, "port")),
		    ctl_str(p, "protocol", "tcp"), *name ? "(" : "", name,
		    *name ? ")" : "");
	}
}

static int
ctl_services_instances(const json_t *instances)
{
	static const char *const headers[] = { "ID", "ADDRESS", "PORTS",
	    "WEIGHT", "HEALTH" };
	struct ctl_table *t;
	json_t *inst;
	char ports[512];
	size_t i;
	int err = ST_OK;

	if ((t = ctl_table_new(5, headers)) == NULL)
		err = ST_ENOMEM;
	json_array_foreach(instances, i, inst) {
		if (err != ST_OK)
			break;
		ctl_services_ports(inst, ports, sizeof(ports));
		err |= ctl_table_cell(t, 0, ctl_str(inst, "id", NULL));
		err |= ctl_table_cell(t, 1, ctl_str(inst, "address", NULL));
		err |= ctl_table_cell(t, 2, ports);
		err |= ctl_table_cellf(t, 3, "%lld", (long long)
		    json_integer_value(json_object_get(inst, "weight")));
		err |= ctl_table_cell(t, 4, ctl_str(inst, "health", NULL));
		err |= ctl_table_row_end(t);
	}
	return ctl_table_done(t, err);
}

static int
ctl_services_show(struct ctl *c, int argc, char **argv)
{
	char path[CTL_PATH_MAX] = "/v1/services/";
	struct ctl_opts o;
	json_t *res, *instances;
	int err;

	if ((err = ctl_opts_args(c, argc, argv, "", 1, 1, &o)) != ST_OK)
		return err;
	/* The registry's names are app ids: their slashes go escaped. */
	if (ctl_path_add(path, sizeof(path), o.argv[0], 0) != ST_OK) {
		ctl_err("service name too long");
		return ST_ESPACE;
	}
	if ((err = ctl_get_view(c, path, &res)) != ST_OK || res == NULL)
		return err;
	instances = json_object_get(res, "instances");
	printf("NAME       %s\n", ctl_str(res, "name", "-"));
	printf("LABEL      %s\n", ctl_str(res, "label", "-"));
	printf("DNS        %s\n", ctl_str(res, "dns", "-"));
	printf("INSTANCES  %zu\n", json_array_size(instances));
	if (json_array_size(instances) > 0) {
		fputc('\n', stdout);
		err = ctl_services_instances(instances);
	}
	json_decref(res);
	return err;
}

const struct ctl_cmd ctl_services_cmds[] = {
	{ "services", "list", "", ctl_services_list },
	{ "services", "ls", NULL, ctl_services_list },
	{ "services", "show", "NAME", ctl_services_show },
	{ NULL, NULL, NULL, NULL },
};
