/*
 * env.h -- Marathon's environment for an instance.
 *
 * The app's "env" (string values only; secrets are not supported) then
 * Marathon's variables, which win over the app's: PORT0..n, PORT, PORTS,
 * PORT_<NAME> (port names uppercased, non-alphanumerics as '_'), HOST,
 * MARATHON_APP_ID, MARATHON_APP_VERSION, MARATHON_APP_DOCKER_IMAGE (docker
 * apps), MARATHON_APP_RESOURCE_CPUS, MARATHON_APP_RESOURCE_MEM,
 * MARATHON_APP_RESOURCE_DISK, MARATHON_APP_LABELS (names, space
 * separated), MARATHON_APP_LABEL_<NAME>, MESOS_TASK_ID, MARATHON_APP_TASK_ID
 * is not Marathon's and is not set.
 */
#ifndef STADION_ORCH_ENV_H
#define STADION_ORCH_ENV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct env {
	char **vars;		/* "NAME=value", NULL-terminated */
	size_t n;
};

/*
 * Build the environment of task task_id of the normalized app with host
 * ports ports[0..n_ports) on host. ST_ENOMEM. env_deinit frees it.
 */
int env_build(struct env *e, const json_t *app, const char *task_id,
    const char *host, const uint16_t *ports, size_t n_ports);
void env_deinit(struct env *e);
/* The value of name in e, or NULL. */
const char *env_get(const struct env *e, const char *name);

#endif
