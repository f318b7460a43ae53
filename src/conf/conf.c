/*
 * conf.c -- everything the option table (conf_table.c) drives: the
 * defaults, the JSON file and the flags.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conf/conf.h"
#include "conf/conf_int.h"
#include "util/error.h"

/* getopt_long value of a table row: its short flag or one above any char. */
#define CONF_VAL_BASE 256

int
conf_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ST_ECONFIG;
}

static void *
conf_slot(struct conf *c, const struct conf_option *o)
{
	return (char *)c + o->offset;
}

static size_t *
conf_list_count(struct conf *c, const struct conf_option *o)
{
	return (size_t *)((char *)c + o->offset + sizeof(char **));
}

static void
conf_list_clear(struct conf *c, const struct conf_option *o)
{
	char ***v = conf_slot(c, o);
	size_t *n = conf_list_count(c, o);

	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

static int
conf_list_add(struct conf *c, const struct conf_option *o, const char *s)
{
	char ***v = conf_slot(c, o);
	size_t *n = conf_list_count(c, o);
	char **nv, *dup;

	if ((dup = strdup(s)) == NULL)
		return ST_ENOMEM;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(dup);
		return ST_ENOMEM;
	}
	nv[(*n)++] = dup;
	*v = nv;
	return ST_OK;
}

static int
conf_set_string(char **slot, const char *s)
{
	char *dup;

	if ((dup = strdup(s)) == NULL)
		return ST_ENOMEM;
	free(*slot);
	*slot = dup;
	return ST_OK;
}

/* Decimal digits only: no sign, no spaces, no base prefixes. */
int
conf_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (*s == '\0')
		return ST_EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return ST_EINVAL;
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > max)	/* also stops an overflow */
			return ST_EINVAL;
	}
	if (n < min)
		return ST_EINVAL;
	*v = n;
	return ST_OK;
}

/* What a value of o must look like, for the error messages. */
static const char *
conf_expected(const struct conf_option *o, char *buf, size_t len)
{
	switch (o->type) {
	case CONF_STRING:
		return "expected a string";
	case CONF_STRING_LIST:
		return "expected an array of strings";
	case CONF_UINT:
		snprintf(buf, len, "expected an integer from %llu to %llu",
		    (unsigned long long)o->min, (unsigned long long)o->max);
		return buf;
	case CONF_BOOL:
		return "expected true or false";
	case CONF_LOG_LEVEL:
		return "expected one of error, warning, notice, info, debug";
	case CONF_JSON:
		return "expected JSON";
	}
	return "invalid value";
}

static int conf_set_json(struct conf *, const struct conf_option *, json_t *,
    const char *);

/*
 * Set o from text (a flag's argument or the table's default). A list gains
 * one item. ST_EINVAL if the text is no value of o's type.
 */
static int
conf_set_text(struct conf *c, const struct conf_option *o, const char *s)
{
	uint64_t v;

	switch (o->type) {
	case CONF_STRING:
		return conf_set_string(conf_slot(c, o), s);
	case CONF_STRING_LIST:
		return conf_list_add(c, o, s);
	case CONF_UINT:
		if (conf_parse_uint(s, o->min, o->max, &v) != ST_OK)
			return ST_EINVAL;
		*(uint32_t *)conf_slot(c, o) = (uint32_t)v;
		return ST_OK;
	case CONF_BOOL:
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return ST_EINVAL;
		*(int *)conf_slot(c, o) = strcmp(s, "true") == 0;
		return ST_OK;
	case CONF_LOG_LEVEL:
		return log_level_parse(s, conf_slot(c, o));
	case CONF_JSON:
		return conf_set_json(c, o, NULL, s);
	}
	return ST_EINVAL;
}

/*
 * Set o from a JSON value (or, for CONF_JSON, from text); ST_EINVAL if its
 * type or range is wrong.
 */
static int
conf_set_json(struct conf *c, const struct conf_option *o, json_t *val,
    const char *text)
{
	json_t **slot;
	json_int_t i;
	json_t *item;
	size_t idx;
	int rc;

	switch (o->type) {
	case CONF_JSON:
		slot = conf_slot(c, o);
		if (text != NULL &&
		    (val = json_loads(text, JSON_DECODE_ANY, NULL)) == NULL)
			return ST_EINVAL;
		if (text == NULL)
			json_incref(val);
		json_decref(*slot);
		*slot = val;
		return ST_OK;
	case CONF_STRING:
	case CONF_LOG_LEVEL:
		if (!json_is_string(val))
			return ST_EINVAL;
		return conf_set_text(c, o, json_string_value(val));
	case CONF_STRING_LIST:
		if (!json_is_array(val))
			return ST_EINVAL;
		json_array_foreach(val, idx, item) {
			if (!json_is_string(item))
				return ST_EINVAL;
		}
		conf_list_clear(c, o);
		json_array_foreach(val, idx, item) {
			if ((rc = conf_list_add(c, o, json_string_value(item))))
				return rc;
		}
		return ST_OK;
	case CONF_UINT:
		if (!json_is_integer(val))
			return ST_EINVAL;
		i = json_integer_value(val);
		if (i < 0 || (uint64_t)i < o->min || (uint64_t)i > o->max)
			return ST_EINVAL;
		*(uint32_t *)conf_slot(c, o) = (uint32_t)i;
		return ST_OK;
	case CONF_BOOL:
		if (!json_is_boolean(val))
			return ST_EINVAL;
		*(int *)conf_slot(c, o) = json_is_true(val);
		return ST_OK;
	}
	return ST_EINVAL;
}

/* A list's default: its items, separated by spaces. */
static int
conf_list_default(struct conf *c, const struct conf_option *o)
{
	char item[64];
	size_t len;
	int rc;

	for (const char *s = o->def; *s != '\0'; s += len) {
		s += strspn(s, " ");
		if ((len = strcspn(s, " ")) == 0)
			break;
		if (len >= sizeof(item))
			return ST_EINVAL;
		memcpy(item, s, len);
		item[len] = '\0';
		if ((rc = conf_list_add(c, o, item)) != ST_OK)
			return rc;
	}
	return ST_OK;
}

int
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < conf_nopts; i++) {
		const struct conf_option *o = &conf_table[i];
		int rc;

		if (o->def == NULL)
			continue;
		rc = o->type == CONF_STRING_LIST ? conf_list_default(c, o) :
		    conf_set_text(c, o, o->def);
		if (rc != ST_OK) {
			conf_deinit(c);
			return rc;
		}
	}
	return ST_OK;
}

void
conf_deinit(struct conf *c)
{
	for (size_t i = 0; i < conf_nopts; i++) {
		const struct conf_option *o = &conf_table[i];

		if (o->type == CONF_STRING)
			free(*(char **)conf_slot(c, o));
		else if (o->type == CONF_JSON)
			json_decref(*(json_t **)conf_slot(c, o));
		else if (o->type == CONF_STRING_LIST)
			conf_list_clear(c, o);
	}
	free(c->config_file);
	memset(c, 0, sizeof(*c));
}

static const struct conf_option *
conf_find_key(const char *key)
{
	for (size_t i = 0; i < conf_nopts; i++) {
		if (strcmp(conf_table[i].key, key) == 0)
			return &conf_table[i];
	}
	return NULL;
}

struct conf_pos {
	int line, col;
};

/*
 * jansson keeps no positions, so find them in the text, which has already
 * parsed: the start of the top-level value and of each top-level key, in
 * file order (the order json_object_foreach keeps since jansson 2.8).
 * Columns count characters, not octets, as jansson's do.
 */
static void
conf_scan_keys(const char *text, size_t len, struct conf_pos *top,
    struct conf_pos *keys, size_t nkeys)
{
	int line = 1, col = 0, depth = 0, in_str = 0, esc = 0, want_key = 0;
	size_t k = 0;

	*top = (struct conf_pos){ 1, 1 };
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '\n') {
			line++;
			col = 0;
			continue;
		}
		if ((ch & 0xc0) != 0x80)
			col++;
		if (in_str) {
			if (esc)
				esc = 0;
			else if (ch == '\\')
				esc = 1;
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		switch (ch) {
		case '"':
			in_str = 1;
			if (want_key && k < nkeys)
				keys[k++] = (struct conf_pos){ line, col };
			want_key = 0;
			break;
		case '{':
		case '[':
			if (depth++ == 0) {
				*top = (struct conf_pos){ line, col };
				want_key = ch == '{';
			}
			break;
		case '}':
		case ']':
			depth--;
			break;
		case ',':
			want_key = depth == 1;
			break;
		}
	}
}

/* The whole of path into *text, owned by the caller. */
static int
conf_read_file(const char *path, char **text, size_t *len, char *err,
    size_t errlen)
{
	FILE *f;
	char *buf = NULL, *nbuf;
	size_t n = 0, cap = 0, got;
	int rc = ST_OK;

	if ((f = fopen(path, "r")) == NULL)
		return conf_err(err, errlen, "%s: cannot read (%s)", path,
		    strerror(errno));
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				rc = ST_ENOMEM;
				break;
			}
			buf = nbuf;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (rc == ST_OK && ferror(f))
		rc = conf_err(err, errlen, "%s: cannot read (%s)", path,
		    strerror(errno));
	fclose(f);
	if (rc != ST_OK) {
		free(buf);
		return rc;
	}
	*text = buf;
	*len = n;
	return ST_OK;
}

static int
conf_apply_object(struct conf *c, const char *path, json_t *root,
    const struct conf_pos *pos, char *err, size_t errlen)
{
	const char *key;
	json_t *val;
	size_t i = 0;
	char buf[64];
	int rc;

	json_object_foreach(root, key, val) {
		const struct conf_option *o = conf_find_key(key);
		struct conf_pos p = pos[i++];

		if (o == NULL)
			return conf_err(err, errlen, "%s:%d:%d: unknown key '%s'",
			    path, p.line, p.col, key);
		if ((rc = conf_set_json(c, o, val, NULL)) == ST_ENOMEM)
			return rc;
		if (rc != ST_OK)
			return conf_err(err, errlen, "%s:%d:%d: key '%s': %s",
			    path, p.line, p.col, key,
			    conf_expected(o, buf, sizeof(buf)));
	}
	return ST_OK;
}

static int
conf_load_file(struct conf *c, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	json_t *root = NULL;
	json_error_t jerr;
	struct conf_pos top, *pos = NULL;
	int rc;

	if ((rc = conf_read_file(path, &text, &len, err, errlen)) != ST_OK)
		return rc;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		rc = conf_err(err, errlen, "%s:%d:%d: %s", path, jerr.line,
		    jerr.column, jerr.text);
		goto out;
	}
	/* One more slot than keys, so an empty object needs no special case. */
	if ((pos = calloc(json_object_size(root) + 1, sizeof(*pos))) == NULL) {
		rc = ST_ENOMEM;
		goto out;
	}
	conf_scan_keys(text, len, &top, pos, json_object_size(root));
	if (!json_is_object(root))
		rc = conf_err(err, errlen,
		    "%s:%d:%d: top level must be a JSON object", path,
		    top.line, top.col);
	else
		rc = conf_apply_object(c, path, root, pos, err, errlen);
out:
	free(pos);
	json_decref(root);
	free(text);
	return rc;
}

static const struct conf_option *
conf_by_val(int val)
{
	if (val >= CONF_VAL_BASE && (size_t)(val - CONF_VAL_BASE) < conf_nopts)
		return &conf_table[val - CONF_VAL_BASE];
	for (size_t i = 0; i < conf_nopts; i++) {
		if (conf_table[i].short_flag != 0 &&
		    conf_table[i].short_flag == val)
			return &conf_table[i];
	}
	return NULL;
}

/* The long name of the option or command flag that getopt calls val. */
static const char *
conf_flag_name(int val)
{
	const struct conf_option *o = conf_by_val(val);

	if (o != NULL)
		return o->flag;
	for (size_t i = 0; i < conf_ncmds; i++) {
		if (conf_cmds[i].short_flag == val)
			return conf_cmds[i].flag;
	}
	return NULL;
}

/* Why getopt_long returned '?' or ':' (it prints nothing: opterr is 0). */
static int
conf_flag_error(int ch, char **argv, char *err, size_t errlen)
{
	const char *name = conf_flag_name(optopt);

	if (ch == ':')
		return name != NULL ?
		    conf_err(err, errlen, "option --%s: requires an argument",
			name) :
		    conf_err(err, errlen, "option -%c: requires an argument",
			optopt);
	/* optopt names a known option only when it was given an argument. */
	if (name != NULL && optopt != 0)
		return conf_err(err, errlen, "option --%s: takes no argument",
		    name);
	if (optopt != 0)
		return conf_err(err, errlen, "unknown option '-%c'", optopt);
	return conf_err(err, errlen, "unknown option '%s'", argv[optind - 1]);
}

struct conf_getopt {
	struct option longopts[CONF_NOPTS_MAX + CONF_NCMDS_MAX + 1];
	char shortopts[2 * (CONF_NOPTS_MAX + CONF_NCMDS_MAX) + 3];
};

static void
conf_getopt_init(struct conf_getopt *g)
{
	size_t nl = 0, ns = 0;

	/* '+': stop at the first operand rather than reorder argv; ':': tell
	 * a missing argument from an unknown flag. */
	g->shortopts[ns++] = '+';
	g->shortopts[ns++] = ':';
	for (size_t i = 0; i < conf_ncmds; i++) {
		const struct conf_cmd *cmd = &conf_cmds[i];
		int has_arg = cmd->arg ? required_argument : no_argument;

		g->shortopts[ns++] = cmd->short_flag;
		if (has_arg)
			g->shortopts[ns++] = ':';
		if (cmd->flag != NULL)
			g->longopts[nl++] = (struct option){ cmd->flag, has_arg,
			    NULL, cmd->short_flag };
	}
	for (size_t i = 0; i < conf_nopts; i++) {
		const struct conf_option *o = &conf_table[i];
		int has_arg = o->type == CONF_BOOL ? no_argument :
		    required_argument;

		if (o->short_flag != 0) {
			g->shortopts[ns++] = o->short_flag;
			if (has_arg)
				g->shortopts[ns++] = ':';
		}
		if (o->flag != NULL)
			g->longopts[nl++] = (struct option){ o->flag, has_arg,
			    NULL, o->short_flag ? o->short_flag :
			    CONF_VAL_BASE + (int)i };
	}
	g->shortopts[ns] = '\0';
	g->longopts[nl] = (struct option){ NULL, 0, NULL, 0 };
}

/*
 * Walk the flags twice: without c, to take the command flags and report
 * bad ones; then with c, after the file, so the options set win over it.
 */
static int
conf_walk_argv(const struct conf_getopt *g, struct conf *c,
    struct conf_cli *cli, const char **config, int argc, char **argv,
    char *err, size_t errlen)
{
	unsigned char listed[CONF_NOPTS_MAX] = { 0 };
	const struct conf_option *o;
	char buf[64];
	int ch, rc;

	/* 0, not 1: glibc then also forgets where it was inside a cluster
	 * of short flags from an earlier, abandoned scan. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, g->shortopts, g->longopts,
	    NULL)) != -1) {
		if (ch == ':' || ch == '?')
			return conf_flag_error(ch, argv, err, errlen);
		if ((o = conf_by_val(ch)) == NULL) {
			cli->check_only |= ch == 'n';
			cli->help |= ch == 'h';
			cli->version |= ch == 'V';
			if (ch == 'c')
				*config = optarg;
			continue;
		}
		if (c == NULL)
			continue;
		/* A list on the command line replaces the file's. */
		if (o->type == CONF_STRING_LIST && !listed[o - conf_table]) {
			listed[o - conf_table] = 1;
			conf_list_clear(c, o);
		}
		rc = conf_set_text(c, o, optarg ? optarg : "true");
		if (rc == ST_EINVAL)
			return conf_err(err, errlen, "option --%s: %s", o->flag,
			    conf_expected(o, buf, sizeof(buf)));
		if (rc != ST_OK)
			return rc;
	}
	if (optind < argc)
		return conf_err(err, errlen, "unexpected argument '%s'",
		    argv[optind]);
	return ST_OK;
}

int
conf_load(struct conf *c, struct conf_cli *cli, int argc, char **argv,
    char *err, size_t errlen)
{
	struct conf_getopt g;
	const char *config = NULL;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	memset(cli, 0, sizeof(*cli));
	if ((rc = conf_init(c)) != ST_OK)
		return rc;
	conf_getopt_init(&g);
	rc = conf_walk_argv(&g, NULL, cli, &config, argc, argv, err, errlen);
	/* Help and version must work whatever state the file is in. */
	if (rc != ST_OK || cli->help || cli->version)
		goto out;
	if (config != NULL) {
		if ((rc = conf_set_string(&c->config_file, config)) != ST_OK)
			goto out;
		if ((rc = conf_load_file(c, config, err, errlen)) != ST_OK)
			goto out;
	}
	rc = conf_walk_argv(&g, c, cli, &config, argc, argv, err, errlen);
out:
	if (rc == ST_ENOMEM)
		conf_err(err, errlen, "%s", st_strerror(rc));
	if (rc != ST_OK)
		conf_deinit(c);
	return rc;
}
