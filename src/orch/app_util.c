/*
 * app_util.c -- the error list of app validation and the typed readers
 * that fill it.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "orch/app_int.h"

void
app_err(struct app_ctx *c, const char *path, const char *fmt, ...)
{
	char msg[256];
	json_t *entry, *errors;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_foreach(c->details, i, entry) {
		if (strcmp(json_string_value(json_object_get(entry, "path")),
		    path) == 0) {
			errors = json_object_get(entry, "errors");
			app_append(c, errors, json_string(msg));
			return;
		}
	}
	entry = json_pack("{s:s,s:[s]}", "path", path, "errors", msg);
	app_append(c, c->details, entry);
}

void
app_ptr(char *out, size_t size, const char *prefix, const char *key)
{
	size_t o = (size_t)snprintf(out, size, "%s/", prefix);

	for (; *key && o + 3 < size; key++) {
		if (*key == '~' || *key == '/')
			out[o++] = '~';
		out[o++] = *key == '~' ? '0' : *key == '/' ? '1' : *key;
	}
	out[o < size ? o : size - 1] = '\0';
}

void
app_ptr_idx(char *out, size_t size, const char *prefix, size_t i)
{
	char num[24];

	snprintf(num, sizeof(num), "%zu", i);
	app_ptr(out, size, prefix, num);
}

void
app_set(struct app_ctx *c, json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, key, v) != 0)
		c->nomem = 1;
}

void
app_append(struct app_ctx *c, json_t *arr, json_t *v)
{
	if (v == NULL || json_array_append_new(arr, v) != 0)
		c->nomem = 1;
}

int
app_in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

void
app_keys(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *const *known)
{
	char path[APP_PTR_MAX];
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		if (!app_in(key, known)) {
			app_ptr(path, sizeof(path), pfx, key);
			app_err(c, path, "unknown field");
		}
	}
}

int
app_get_int(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, json_int_t min, json_int_t max, json_int_t def,
    json_int_t *out)
{
	json_t *v = json_object_get(obj, key);
	char path[APP_PTR_MAX];
	json_int_t n;

	*out = def;
	if (v == NULL)
		return 1;
	app_ptr(path, sizeof(path), pfx, key);
	if (!json_is_integer(v)) {
		app_err(c, path, "must be an integer");
		return 0;
	}
	n = json_integer_value(v);
	if (n < min) {
		app_err(c, path, "must be greater than or equal to %lld",
		    (long long)min);
		return 0;
	}
	if (n > max) {
		app_err(c, path, "must be less than or equal to %lld",
		    (long long)max);
		return 0;
	}
	*out = n;
	return 1;
}

int
app_get_num(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, double min, double max, double def, double *out)
{
	json_t *v = json_object_get(obj, key);
	char path[APP_PTR_MAX];
	double n;

	*out = def;
	if (v == NULL)
		return 1;
	app_ptr(path, sizeof(path), pfx, key);
	if (!json_is_number(v)) {
		app_err(c, path, "must be a number");
		return 0;
	}
	n = json_number_value(v);
	if (!isfinite(n) || n < min) {
		app_err(c, path, "must be greater than or equal to %g", min);
		return 0;
	}
	if (n > max) {
		app_err(c, path, "must be less than or equal to %g", max);
		return 0;
	}
	*out = n;
	return 1;
}

int
app_get_bool(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, int def, int *out)
{
	json_t *v = json_object_get(obj, key);
	char path[APP_PTR_MAX];

	*out = def;
	if (v == NULL)
		return 1;
	if (!json_is_boolean(v)) {
		app_ptr(path, sizeof(path), pfx, key);
		app_err(c, path, "must be a boolean");
		return 0;
	}
	*out = json_is_true(v);
	return 1;
}

int
app_get_str(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, const char *def, const char **out)
{
	json_t *v = json_object_get(obj, key);
	char path[APP_PTR_MAX];

	*out = def;
	if (v == NULL)
		return 1;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		app_ptr(path, sizeof(path), pfx, key);
		app_err(c, path, "must be a non-empty string");
		return 0;
	}
	*out = json_string_value(v);
	return 1;
}

int
app_get_enum(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key, const char *const *vals, const char *def,
    const char **out)
{
	char path[APP_PTR_MAX], list[256];
	const char *s;
	size_t o = 0;

	if (!app_get_str(c, obj, pfx, key, def, &s)) {
		*out = def;
		return 0;
	}
	if (s == NULL || app_in(s, vals)) {
		*out = s;
		return 1;
	}
	*out = def;
	list[0] = '\0';
	for (; *vals && o < sizeof(list); vals++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
		    o ? ", " : "", *vals);
	app_ptr(path, sizeof(path), pfx, key);
	app_err(c, path, "must be one of %s", list);
	return 0;
}

json_t *
app_get_strmap(struct app_ctx *c, const json_t *obj, const char *pfx,
    const char *key)
{
	json_t *v = json_object_get(obj, key), *x, *copy;
	char path[APP_PTR_MAX], sub[APP_PTR_MAX];
	const char *k;

	if ((copy = json_object()) == NULL) {
		c->nomem = 1;
		return NULL;
	}
	if (v == NULL)
		return copy;
	app_ptr(path, sizeof(path), pfx, key);
	if (!json_is_object(v)) {
		app_err(c, path, "must be an object of strings");
		return copy;
	}
	json_object_foreach(v, k, x) {
		if (json_is_string(x) &&
		    strlen(json_string_value(x)) == json_string_length(x)) {
			app_set(c, copy, k, json_incref(x));
			continue;
		}
		app_ptr(sub, sizeof(sub), path, k);
		app_err(c, sub, "must be a string");
	}
	return copy;
}

int
app_dns_label(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}
