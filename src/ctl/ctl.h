/*
 * ctl.h -- stadionctl's modules: requests to the server, tables, commands.
 *
 * Every command handler returns ST_OK, ST_EINVAL for a usage error (main
 * prints the usage and exits 2) or another ST_E* code once the failure has
 * been reported on stderr (exit 1). Output goes to stdout, errors to
 * stderr as "stadionctl: message".
 */
#ifndef STADION_CTL_CTL_H
#define STADION_CTL_CTL_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define CTL_SERVER_DEFAULT "http://127.0.0.1:8053"
#define CTL_TIMEOUT_DEFAULT 30.0

struct ctl {
	const char *server;	/* base URL without a trailing '/' */
	double timeout;		/* seconds for a whole request */
	int json;		/* print the server's JSON instead of tables */
};

/* A command's argument vector: argv[0] is the subcommand's name. */
typedef int (*ctl_cmd_fn)(struct ctl *c, int argc, char **argv);

struct ctl_cmd {
	const char *group;	/* "apps" */
	const char *name;	/* "list" */
	const char *usage;	/* its arguments; NULL for an alias */
	ctl_cmd_fn fn;
};

extern const struct ctl_cmd ctl_apps_cmds[];
extern const struct ctl_cmd ctl_tasks_cmds[];
extern const struct ctl_cmd ctl_deployments_cmds[];
extern const struct ctl_cmd ctl_services_cmds[];

/* ---- ctl_http.c: requests */

/*
 * Send method path (path starts with '/', already escaped) with body (may
 * be NULL) as JSON. On a 2xx answer ST_OK with *status and *out (caller
 * owns; NULL when the body is empty). A 4xx/5xx answer is reported as the
 * server's message and details and gives ST_EIO; so does a failed
 * connection, reported with the server's URL; ST_EFORMAT when a 2xx body
 * is not JSON; ST_ENOMEM.
 */
int ctl_http(struct ctl *c, const char *method, const char *path,
    const json_t *body, long *status, json_t **out);

/*
 * GET path for a view. ST_OK with *out (caller owns) to be shown as a
 * table; with --json the body is printed here and *out is NULL. Errors as
 * ctl_http.
 */
int ctl_get_view(struct ctl *c, const char *path, json_t **out);

/*
 * Append s to the path buffer escaped for one URL path segment; with
 * keep_slash, '/' is kept (app ids live under /v2/apps/ with their
 * slashes, without the leading one). ST_ESPACE when it does not fit.
 */
int ctl_path_add(char *buf, size_t size, const char *s, int keep_slash);

/* Append a printf format to the path in buf; ST_ESPACE when it does not fit. */
int ctl_path_fmt(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append "?name=value" (or "&name=value") to the path in buf; ST_ESPACE. */
int ctl_path_query(char *buf, size_t size, const char *name,
    const char *value);

/*
 * The path of app id under /v2/apps, then suffix (may be NULL). Reports a
 * path too long and gives ST_ESPACE.
 */
int ctl_path_app(char *buf, size_t size, const char *id, const char *suffix);

/* ---- stadionctl.c: arguments */

/* The options a subcommand may take (the letters of ctl_opts_parse). */
struct ctl_opts {
	const char *file;	/* f: -f, --file FILE */
	const char *app;	/* a: --app APP */
	const char *host;	/* H: --host HOST */
	int force;		/* F: --force */
	int scale;		/* s: --scale */
	int argc;		/* the operands left */
	char **argv;
};

/*
 * Parse the options of subcommand argv[0] (allowed: the letters above);
 * --json and --help are always allowed. ST_EINVAL (reported) for an
 * option it does not take.
 */
int ctl_opts_parse(struct ctl *c, int argc, char **argv, const char *allowed,
    struct ctl_opts *o);

/* ctl_opts_parse, then ST_EINVAL unless min to max operands are left. */
int ctl_opts_args(struct ctl *c, int argc, char **argv, const char *allowed,
    int min, int max, struct ctl_opts *o);

/* Print the usage text to f. */
void ctl_usage(FILE *f);

/* ---- ctl_out.c: output */

/* Report "stadionctl: message" on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print v as indented JSON on stdout (nothing for NULL). */
void ctl_print_json(const json_t *v);

/*
 * Print the result of a change: Marathon's {"deploymentId", "version"} or
 * an AppInfo (its "deployments" and "version"), as one line
 * "<what>: deployment <id> started (version <v>)", or "<what> (version
 * <v>)" when nothing was deployed. With --json the body itself.
 */
void ctl_print_result(const struct ctl *c, const char *what,
    const json_t *res);

/*
 * The elements of array arr joined with sep into out (cut where it is
 * full): strings and integers as they are; objects by their member key,
 * and " " and member key2 when key2 is not NULL ("?" for a missing one).
 */
void ctl_join(const json_t *arr, const char *sep, const char *key,
    const char *key2, char *out, size_t size);

/* String member of o, or dflt when absent or not a string. */
const char *ctl_str(const json_t *o, const char *key, const char *dflt);

/* ---- ctl_tasks.c */

/* Print Marathon tasks as a table; with_app adds the APP column. */
int ctl_tasks_table(const json_t *tasks, int with_app);

/* ---- ctl_table.c: aligned tables */

struct ctl_table;

/* A table with the given column headers (ncols of them); NULL on ENOMEM. */
struct ctl_table *ctl_table_new(size_t ncols, const char *const *headers);
void ctl_table_free(struct ctl_table *t);

/*
 * Set cell col of the row being filled (a copy is kept; NULL prints "-").
 * ctl_table_cellf formats it. ctl_table_row_end starts the next row.
 * ST_ENOMEM.
 */
int ctl_table_cell(struct ctl_table *t, size_t col, const char *s);
int ctl_table_cellf(struct ctl_table *t, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ctl_table_row_end(struct ctl_table *t);

/* Print the header and the rows, columns padded to their widest cell. */
void ctl_table_print(const struct ctl_table *t);

/*
 * Finish a table: err is ST_ENOMEM when ctl_table_new failed (t NULL), or
 * the results of filling it OR'ed together. Prints t when err is ST_OK,
 * else reports ENOMEM; frees t. ST_OK or ST_ENOMEM.
 */
int ctl_table_done(struct ctl_table *t, int err);

/* Cut s to at most max characters, ending in "..." when cut. */
void ctl_cut(char *s, size_t max);

#endif
