/*
 * stadionctl.c -- the command line client of stadiond's HTTP API: global
 * options, the command tables, usage texts and exit codes.
 *
 * Exit codes: 0 done, 1 the request failed (refused, unreachable server),
 * 2 usage error.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ctl/ctl.h"
#include "util/error.h"

#define CTL_EXIT_FAIL 1
#define CTL_EXIT_USAGE 2

static const struct {
	const char *name;
	const char *alias;
	const struct ctl_cmd *cmds;
} ctl_groups[] = {
	{ "apps", "app", ctl_apps_cmds },
	{ "tasks", "task", ctl_tasks_cmds },
	{ "deployments", "deployment", ctl_deployments_cmds },
	{ "services", "service", ctl_services_cmds },
};

#define CTL_NGROUPS (sizeof(ctl_groups) / sizeof(ctl_groups[0]))

/* One line per form of cmd: its usage may list several, '\n' apart. */
static void
ctl_cmd_usage(FILE *f, const char *lead, const struct ctl_cmd *cmd)
{
	const char *u = cmd->usage;

	do {
		size_t n = strcspn(u, "\n");

		fprintf(f, "%s%s %s%s%.*s\n", lead, cmd->group, cmd->name,
		    n ? " " : "", (int)n, u);
		u += n;
	} while (*u++ == '\n');
}

void
ctl_usage(FILE *f)
{
	fprintf(f,
	    "usage: stadionctl [--server URL] [--json] [--timeout S] COMMAND "
	    "[ARGS]\n"
	    "       stadionctl --help | --version\n"
	    "\n"
	    "commands:\n");
	for (size_t g = 0; g < CTL_NGROUPS; g++)
		for (const struct ctl_cmd *cmd = ctl_groups[g].cmds; cmd->name;
		    cmd++)
			if (cmd->usage)
				ctl_cmd_usage(f, "  ", cmd);
	fprintf(f,
	    "\n"
	    "options:\n"
	    "  -s, --server URL   stadiond's HTTP API (default $STADION_SERVER "
	    "or " CTL_SERVER_DEFAULT ")\n"
	    "  -j, --json         print the server's JSON answers\n"
	    "  -t, --timeout S    give up on a request after S seconds "
	    "(default %g)\n"
	    "  -h, --help         print this text\n"
	    "  -V, --version      print the version\n"
	    "\n"
	    "exit status: 0 done, 1 the request failed, 2 usage error\n",
	    CTL_TIMEOUT_DEFAULT);
}

int
ctl_opts_parse(struct ctl *c, int argc, char **argv, const char *allowed,
    struct ctl_opts *o)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "app", required_argument, NULL, 'a' },
		{ "host", required_argument, NULL, 'H' },
		{ "force", no_argument, NULL, 'F' },
		{ "scale", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	/* 0, not 1: glibc and musl then start over with a new vector. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "f:j", longopts, NULL)) != -1) {
		if (ch != '?' && ch != ':' && ch != 'j' &&
		    strchr(allowed, ch) == NULL)
			ch = '?';
		switch (ch) {
		case 'f':
			o->file = optarg;
			break;
		case 'a':
			o->app = optarg;
			break;
		case 'H':
			o->host = optarg;
			break;
		case 'F':
			o->force = 1;
			break;
		case 's':
			o->scale = 1;
			break;
		case 'j':
			c->json = 1;
			break;
		default:
			ctl_err("%s: bad option or missing argument: %s",
			    argv[0], argv[optind - 1]);
			return ST_EINVAL;
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	return ST_OK;
}

int
ctl_opts_args(struct ctl *c, int argc, char **argv, const char *allowed,
    int min, int max, struct ctl_opts *o)
{
	int err;

	if ((err = ctl_opts_parse(c, argc, argv, allowed, o)) != ST_OK)
		return err;
	return o->argc < min || o->argc > max ? ST_EINVAL : ST_OK;
}

static const struct ctl_cmd *
ctl_find(const char *group, const char *name, const struct ctl_cmd **first)
{
	*first = NULL;
	for (size_t g = 0; g < CTL_NGROUPS; g++) {
		if (strcmp(group, ctl_groups[g].name) != 0 &&
		    strcmp(group, ctl_groups[g].alias) != 0)
			continue;
		*first = ctl_groups[g].cmds;
		for (const struct ctl_cmd *cmd = *first; name && cmd->name;
		    cmd++)
			if (strcmp(name, cmd->name) == 0)
				return cmd;
	}
	return NULL;
}

/* The documented entry of an alias: the first with the same handler. */
static const struct ctl_cmd *
ctl_documented(const struct ctl_cmd *first, const struct ctl_cmd *cmd)
{
	for (const struct ctl_cmd *d = first; d->name; d++)
		if (d->fn == cmd->fn && d->usage)
			return d;
	return cmd;
}

static int
ctl_asked_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

/* Run the command of argv (group, name, arguments); the exit code. */
static int
ctl_run(struct ctl *c, int argc, char **argv)
{
	const struct ctl_cmd *cmd, *first;
	int err;

	cmd = ctl_find(argv[0], argc > 1 ? argv[1] : NULL, &first);
	if (first == NULL || cmd == NULL) {
		if (first == NULL)
			ctl_err("unknown command '%s'", argv[0]);
		else if (argc > 1)
			ctl_err("unknown command '%s %s'", argv[0], argv[1]);
		else
			ctl_err("'%s' needs a subcommand", argv[0]);
		for (cmd = first; cmd && cmd->name; cmd++)
			if (cmd->usage)
				ctl_cmd_usage(stderr, "usage: stadionctl ",
				    cmd);
		if (first == NULL)
			ctl_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	cmd = ctl_documented(first, cmd);
	if (ctl_asked_help(argc - 1, argv + 1)) {
		ctl_cmd_usage(stdout, "usage: stadionctl ", cmd);
		return 0;
	}
	err = cmd->fn(c, argc - 1, argv + 1);
	if (err == ST_EINVAL) {
		ctl_cmd_usage(stderr, "usage: stadionctl ", cmd);
		return CTL_EXIT_USAGE;
	}
	return err == ST_OK ? 0 : CTL_EXIT_FAIL;
}

/* The server URL without trailing '/', http:// when it names no scheme. */
static char *
ctl_server_url(const char *arg)
{
	char *url;
	size_t len;

	if (asprintf(&url, "%s%s", strstr(arg, "://") ? "" : "http://",
	    arg) < 0)
		return NULL;
	len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	return url;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = { NULL, CTL_TIMEOUT_DEFAULT, 0 };
	const char *server = getenv("STADION_SERVER");
	char *url, *end;
	int ch, rc;

	if (server == NULL || *server == '\0')
		server = CTL_SERVER_DEFAULT;
	opterr = 0;
	/* '+': options after the command belong to the command. */
	while ((ch = getopt_long(argc, argv, "+s:jt:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			server = optarg;
			break;
		case 'j':
			c.json = 1;
			break;
		case 't':
			c.timeout = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(c.timeout > 0) ||
			    c.timeout > 86400) {
				ctl_err("--timeout: '%s' is not a number of "
				    "seconds", optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		case 'V':
			printf("stadionctl %s\n", PACKAGE_VERSION);
			return 0;
		default:
			ctl_err("bad option or missing argument: %s",
			    argv[optind - 1]);
			ctl_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		ctl_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[0], "help") == 0) {
		ctl_usage(stdout);
		return 0;
	}
	if (strcmp(argv[0], "version") == 0) {
		printf("stadionctl %s\n", PACKAGE_VERSION);
		return 0;
	}
	if ((url = ctl_server_url(server)) == NULL) {
		ctl_err("%s", st_strerror(ST_ENOMEM));
		return CTL_EXIT_FAIL;
	}
	c.server = url;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ctl_err("cannot initialize libcurl");
		free(url);
		return CTL_EXIT_FAIL;
	}
	rc = ctl_run(&c, argc, argv);
	curl_global_cleanup();
	free(url);
	if (fflush(stdout) != 0 && rc == 0) {
		ctl_err("cannot write the output");
		rc = CTL_EXIT_FAIL;
	}
	return rc;
}
