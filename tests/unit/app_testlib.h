/*
 * app_testlib.h -- app_check as the app definition tests drive it: a JSON
 * text in, the normalized definition or the error details out. Shared by
 * test_app.c, test_app_health.c and test_app_strategy.c.
 *
 * Helpers fail the running cmocka test on what must not happen.
 */
#ifndef STADION_TESTS_APP_TESTLIB_H
#define STADION_TESTS_APP_TESTLIB_H

#include <jansson.h>

/*
 * app_check on text (JSON; bad JSON fails the test). Returns app_check's
 * result; on ST_OK *out is set (the caller's), on ST_EINVAL *details is a
 * non-empty array (the caller's).
 */
int at_check(const char *text, const char *url_id, json_t **out,
    json_t **details);
/* The normalized form of text, which must be valid; the caller's. */
json_t *at_valid(const char *text);
/* The errors array at path in details (borrowed), or NULL. */
json_t *at_errors_at(json_t *details, const char *path);
/*
 * text must be refused with an error at path whose text contains message
 * (any error if message is NULL).
 */
void at_refused(const char *text, const char *path, const char *message);
/* The normalized form a is itself valid, and normalizing it changes nothing. */
void at_fixed_point(json_t *a);
/* The string, or the integer, at key in o (NULL, or 0, if none). */
const char *at_str(const json_t *o, const char *key);
json_int_t at_int(const json_t *o, const char *key);

#endif
