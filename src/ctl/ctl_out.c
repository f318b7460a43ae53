/*
 * ctl_out.c -- stadionctl's output helpers: error lines, JSON, results.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctl/ctl.h"

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("stadionctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ctl_print_json(const json_t *v)
{
	if (v == NULL)
		return;
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

const char *
ctl_str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

void
ctl_print_result(const struct ctl *c, const char *what, const json_t *res)
{
	const char *version = ctl_str(res, "version", NULL);
	const char *dep = ctl_str(res, "deploymentId", NULL);
	json_t *deps = json_object_get(res, "deployments"), *d;
	const char *sep = "";
	size_t i;

	if (c->json) {
		ctl_print_json(res);
		return;
	}
	fputs(what, stdout);
	if (dep) {
		printf(": deployment %s started", dep);
	} else if (json_array_size(deps) > 0) {
		fputs(": deployment ", stdout);
		json_array_foreach(deps, i, d) {
			printf("%s%s", sep, ctl_str(d, "id", "?"));
			sep = ", ";
		}
		fputs(" started", stdout);
	}
	if (version)
		printf(" (version %s)", version);
	fputc('\n', stdout);
}

void
ctl_join(const json_t *arr, const char *sep, const char *key,
    const char *key2, char *out, size_t size)
{
	const json_t *v;
	size_t i, len = 0;
	int n;

	*out = '\0';
	json_array_foreach(arr, i, v) {
		if (len >= size)
			break;
		if (json_is_integer(v))
			n = snprintf(out + len, size - len, "%s%lld",
			    len ? sep : "", (long long)json_integer_value(v));
		else if (json_is_string(v))
			n = snprintf(out + len, size - len, "%s%s",
			    len ? sep : "", json_string_value(v));
		else if (json_is_object(v) && key)
			n = snprintf(out + len, size - len, "%s%s%s%s",
			    len ? sep : "", ctl_str(v, key, "?"),
			    key2 ? " " : "", key2 ? ctl_str(v, key2, "?") : "");
		else
			continue;
		len += n > 0 ? (size_t)n : 0;
	}
}
