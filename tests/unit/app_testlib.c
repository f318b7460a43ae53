/*
 * app_testlib.c -- app_check as the app definition tests drive it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "orch/app.h"
#include "util/error.h"
#include "app_testlib.h"

int
at_check(const char *text, const char *url_id, json_t **out, json_t **details)
{
	json_error_t jerr;
	json_t *body = json_loads(text, 0, &jerr);
	int err;

	if (body == NULL)
		fail_msg("bad test JSON: %s: %s", jerr.text, text);
	err = app_check(body, url_id, out, details);
	json_decref(body);
	if (err == ST_OK) {
		assert_non_null(*out);
		assert_null(*details);
	} else if (err == ST_EINVAL) {
		assert_null(*out);
		assert_true(json_is_array(*details));
		assert_true(json_array_size(*details) > 0);
	}
	return err;
}

json_t *
at_valid(const char *text)
{
	json_t *out = NULL, *details = NULL;
	int err = at_check(text, NULL, &out, &details);

	if (err != ST_OK) {
		char *d = details ? json_dumps(details, 0) : NULL;

		print_error("refused: %s\n", d ? d : "?");
		free(d);
		json_decref(details);
		fail_msg("app_check failed with %d", err);
	}
	return out;
}

json_t *
at_errors_at(json_t *details, const char *path)
{
	json_t *e;
	size_t i;

	json_array_foreach(details, i, e)
		if (strcmp(json_string_value(json_object_get(e, "path")),
		    path) == 0)
			return json_object_get(e, "errors");
	return NULL;
}

void
at_refused(const char *text, const char *path, const char *message)
{
	json_t *out = NULL, *details = NULL, *errs, *m;
	size_t i;
	int found = message == NULL;

	assert_int_equal(at_check(text, NULL, &out, &details), ST_EINVAL);
	if ((errs = at_errors_at(details, path)) == NULL) {
		char *d = json_dumps(details, 0);

		print_error("details: %s\n", d);
		free(d);
		fail_msg("no error at %s", path);
	}
	json_array_foreach(errs, i, m)
		if (message && strstr(json_string_value(m), message))
			found = 1;
	if (!found)
		fail_msg("no error '%s' at %s", message, path);
	json_decref(details);
}

void
at_fixed_point(json_t *a)
{
	json_t *again = NULL, *details = NULL;

	assert_int_equal(app_check(a, NULL, &again, &details), ST_OK);
	if (!json_equal(a, again)) {
		char *x = json_dumps(a, JSON_SORT_KEYS);
		char *y = json_dumps(again, JSON_SORT_KEYS);

		print_error("first:  %s\nsecond: %s\n", x, y);
		free(x);
		free(y);
		fail_msg("normalizing twice differs");
	}
	json_decref(again);
}

const char *
at_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

json_int_t
at_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}
