/*
 * app.h -- Marathon app definitions: validation and normalized form.
 *
 * app_check() takes a definition as a client sent it and returns the form
 * stadion stores: every field of doc/app-definition.md present, defaults
 * filled in, the id absolute ("/prod/web"). Errors are collected for the
 * whole body, Marathon's way: a JSON array of {"path": "/instances",
 * "errors": ["..."]}, one entry per field, paths as JSON pointers.
 * Pure functions: no I/O, safe in any thread.
 */
#ifndef STADION_ORCH_APP_H
#define STADION_ORCH_APP_H

#include <stddef.h>

#include <jansson.h>

#define APP_ID_MAX 256

/*
 * Validate body. url_id (may be NULL) is the id the URL names (PUT/PATCH):
 * the body's id may be absent then, and must name the same app if given.
 * ST_OK with *out (caller owns) the normalized definition, without
 * "version"/"versionInfo" (the orchestrator adds them); ST_EINVAL with
 * *details (caller owns) the error list; ST_ENOMEM.
 */
int app_check(const json_t *body, const char *url_id, json_t **out,
    json_t **details);

/*
 * Make an app id absolute and check it as Marathon does: segments of
 * lowercase letters, digits, '-' and '.', not starting or ending in '-',
 * separated by '/'; "." and ".." are resolved; at most APP_ID_MAX octets.
 * "web" -> "/web". ST_EINVAL when it is not a valid id.
 */
int app_id_normalize(const char *in, char *out, size_t size);

/*
 * The task id prefix of an app, Marathon's: the id without its leading
 * '/' and with '/' replaced by '_' ("/prod/web" -> "prod_web").
 */
void app_task_prefix(const char *app_id, char *out, size_t size);

/* Number of host ports an instance of the normalized app needs. */
size_t app_port_count(const json_t *app);

/*
 * The declared port of index i (portDefinitions[i].port, or the
 * hostPort of portMappings[i] for BRIDGE docker apps); 0 = "any".
 */
int app_port_declared(const json_t *app, size_t i);

#endif
