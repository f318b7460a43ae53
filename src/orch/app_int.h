/*
 * app_int.h -- what the pieces of app validation share: the error list
 * being collected and typed readers that report into it.
 */
#ifndef STADION_ORCH_APP_INT_H
#define STADION_ORCH_APP_INT_H

#include <stddef.h>

#include <jansson.h>

#define APP_PTR_MAX 512		/* a JSON pointer into a body */

/* One validation run: Marathon's details array, and whether memory ran out. */
struct app_ctx {
	json_t *details;
	int nomem;
};

/* What the networking part decided, for the checks that index ports. */
struct app_net {
	int docker;		/* container.type DOCKER */
	int host;		/* host networking: ports are portDefinitions */
	size_t nports;		/* what a health check's portIndex addresses */
};

/* Add message to path's entry of the details (one entry per path). */
void app_err(struct app_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* prefix "/" key into out, key escaped as RFC 6901 asks. */
void app_ptr(char *out, size_t size, const char *prefix, const char *key);
/* prefix "/" i: an array element's pointer. */
void app_ptr_idx(char *out, size_t size, const char *prefix, size_t i);
/* Set key of obj to v (taking it); a NULL v or a failed set marks nomem. */
void app_set(struct app_ctx *c, json_t *obj, const char *key, json_t *v);
/* Append v (taking it) to arr, marking nomem on failure. */
void app_append(struct app_ctx *c, json_t *arr, json_t *v);
/* Report every member of obj (at pointer pfx) whose name is not in known. */
void app_keys(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *const *known);
/* 1 if s is in the NULL-terminated list. */
int app_in(const char *s, const char *const *list);

/*
 * Typed readers of obj[key] (obj at pointer pfx). Absent: *out = def and 1.
 * Present and valid: *out and 1. Otherwise the error is reported and 0
 * is returned, *out = def so that later checks still run.
 */
int app_get_int(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, json_int_t min, json_int_t max, json_int_t def,
    json_int_t *out);
int app_get_num(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, double min, double max, double def, double *out);
int app_get_bool(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, int def, int *out);
/* Strings are non-empty and free of NUL octets; def may be NULL. */
int app_get_str(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, const char *def, const char **out);
/* A string among vals. */
int app_get_enum(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, const char *const *vals, const char *def,
    const char **out);
/* An object of strings (labels, env): a copy, {} when absent. */
json_t *app_get_strmap(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key);
/* 1 if s is a port name Marathon accepts: a lowercase RFC 1123 label. */
int app_dns_label(const char *s);

/* container, networks, ports, portDefinitions into out (app_net.c). */
void app_check_net(struct app_ctx *c, const json_t *body, json_t *out,
    struct app_net *net);
/* healthChecks, constraints, upgradeStrategy into out (app_sched.c). */
void app_check_sched(struct app_ctx *c, const json_t *body, json_t *out,
    const struct app_net *net);
/* upgradeStrategy, normalized as deploy.h reads it (app_strategy.c). */
void app_check_strategy(struct app_ctx *c, const json_t *body, json_t *out,
    const struct app_net *net);

#endif
