/*
 * env.h -- Marathon's environment for an instance.
 *
 * As Marathon's TaskBuilder builds it, each later setting of a name
 * replacing an earlier one:
 *  1. MESOS_TASK_ID, MARATHON_APP_ID, MARATHON_APP_VERSION ("version"),
 *     MARATHON_APP_DOCKER_IMAGE (DOCKER containers with docker.image),
 *     MARATHON_APP_RESOURCE_CPUS/_MEM/_DISK as Java prints a double
 *     ("0.5", "64.0", "0.0", "1.0E7"), MARATHON_APP_RESOURCE_GPUS (an
 *     integer); MARATHON_APP_LABELS (escaped label names, space separated,
 *     in the labels' order; set, empty, when there are none) and
 *     MARATHON_APP_LABEL_<NAME>: each run of characters outside
 *     [A-Za-z0-9_] becomes one '_', then uppercased; a label whose name is
 *     493 or more or whose value is 512 or more UTF-16 units is left out.
 *  2. Port i of the app's requests: its port mappings when the container
 *     has any (requested port: containerPort), else its port definitions
 *     (port). ports[] holds the host ports in that order, one per port
 *     definition or per mapping with a hostPort; a mapping without one
 *     (container networks) counts as its containerPort, or, when that is
 *     0, as a port Marathon draws at random above 1024. Then PORT<i>;
 *     PORT_<requested port, or the port itself when 0>; PORT_<NAME> for
 *     named ones, the name only uppercased as Marathon does ("web-api" ->
 *     PORT_WEB-API; names with '=' are skipped); PORT = the first host (else
 *     drawn) port; PORTS = the host ports then the drawn ones, ",".
 *     Nothing of this when there is no port at all. HOST.
 *  3. The app's "env", string values only (secrets are not supported):
 *     as in Marathon, the app's env wins over all the variables above.
 * MARATHON_APP_TASK_ID is not Marathon's and is not set. vars is sorted by
 * name (byte order).
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
 * Build the environment of task task_id (required) of the normalized app
 * with host ports ports[0..n_ports) on host (NULL: no HOST). ST_ENOMEM,
 * with e left empty. env_deinit frees it.
 */
int env_build(struct env *e, const json_t *app, const char *task_id,
    const char *host, const uint16_t *ports, size_t n_ports);
void env_deinit(struct env *e);
/* The value of name in e, or NULL. */
const char *env_get(const struct env *e, const char *name);

#endif
