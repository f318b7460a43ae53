/*
 * registry_check.c -- validation of instance bodies and service names, and
 * the stored form of a valid body.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dns/name.h"
#include "store/registry_int.h"
#include "util/error.h"

static const char *const reg_fields[] = {
	"id", "address", "ports", "weight", "tags", "metadata", "health", NULL
};
/* Written by us: accepted so that a GET body can be PUT back, then ignored. */
static const char *const reg_readonly[] = { "registeredAt", "updatedAt", NULL };
static const char *const reg_healths[] = {
	"none", "healthy", "unhealthy", "starting", "standby", NULL
};

static int
reg_in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* The string of v, or NULL when v is not a string free of NUL octets. */
static const char *
reg_str(const json_t *v)
{
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* prefix "/" key as a JSON pointer (RFC 6901 escapes). */
static void
reg_ptr(char *out, size_t size, const char *prefix, const char *key)
{
	size_t o = (size_t)snprintf(out, size, "%s/", prefix);

	for (; *key && o + 3 < size; key++) {
		if (*key == '~' || *key == '/')
			out[o++] = '~';
		out[o++] = *key == '~' ? '0' : *key == '/' ? '1' : *key;
	}
	out[o < size ? o : size - 1] = '\0';
}

int
registry_check_service_name(const char *in, char *name, char *label,
    struct registry_error *e)
{
	while (*in == '/')
		in++;
	if (*in == '\0' || strlen(in) > REG_NAME_MAX - 2)
		return registry_fail(e, ST_EINVAL, "", "service name must have "
		    "1 to %d characters", REG_NAME_MAX - 2);
	for (const char *p = in; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return registry_fail(e, ST_EINVAL, "", "service name "
			    "holds a control character");
	snprintf(name, REG_NAME_MAX, "/%s", in);
	if (dns_label_from_app_id(name, label, DNS_LABEL_MAX + 1) != ST_OK)
		return registry_fail(e, ST_EINVAL, "", "service name '%s' gives "
		    "no DNS label", name);
	return ST_OK;
}

static int
reg_name_fits(const char *text)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t len;

	return dns_name_from_text(text, wire, &len) == ST_OK;
}

int
registry_check_id(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= REG_ID_MAX && strspn(id,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
	    == n;
}

/* One element of "ports" at pointer f, in its stored form into *out. */
static int
reg_check_port(const struct registry *r, const char *label, json_t *p,
    const char *f, json_t **out, struct registry_error *e)
{
	char sub[160], nl[DNS_LABEL_MAX + 1], text[2 * DNS_NAME_MAX];
	const char *key, *proto, *pname = NULL;
	json_int_t port;
	json_t *v;

	if (!json_is_object(p))
		return registry_fail(e, ST_EINVAL, f, "must be an object");
	json_object_foreach(p, key, v) {
		if (strcmp(key, "port") && strcmp(key, "name") &&
		    strcmp(key, "protocol")) {
			reg_ptr(sub, sizeof(sub), f, key);
			return registry_fail(e, ST_EINVAL, sub, "unknown field");
		}
	}
	v = json_object_get(p, "port");
	port = json_is_integer(v) ? json_integer_value(v) : 0;
	snprintf(sub, sizeof(sub), "%s/port", f);
	if (port < 1 || port > 65535)
		return registry_fail(e, ST_EINVAL, sub, "must be an integer from 1 "
		    "to 65535");
	v = json_object_get(p, "protocol");
	proto = v ? reg_str(v) : "tcp";
	snprintf(sub, sizeof(sub), "%s/protocol", f);
	if (proto == NULL || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
		return registry_fail(e, ST_EINVAL, sub, "must be \"tcp\" or \"udp\"");
	if ((v = json_object_get(p, "name")) != NULL) {
		snprintf(sub, sizeof(sub), "%s/name", f);
		if ((pname = reg_str(v)) == NULL || dns_label_sanitize(pname,
		    DNS_LABEL_MAX, nl, sizeof(nl)) != ST_OK)
			return registry_fail(e, ST_EINVAL, sub, "must be a string "
			    "with a letter or digit");
		snprintf(text, sizeof(text), "_%s._%s._%s.%s", nl, label, proto,
		    r->zone);
		if (!reg_name_fits(text))
			return registry_fail(e, ST_EINVAL, sub, "DNS name %s is too "
			    "long", text);
	}
	*out = pname ? json_pack("{s:I,s:s,s:s}", "port", port, "name", pname,
	    "protocol", proto) : json_pack("{s:I,s:s}", "port", port,
	    "protocol", proto);
	return *out ? ST_OK : ST_ENOMEM;
}

/* "tags" (an array) or "metadata" (an object): members must be strings. */
static int
reg_check_strings(json_t *body, const char *key, json_t *clean,
    struct registry_error *e)
{
	json_t *v = json_object_get(body, key), *x;
	int obj = strcmp(key, "metadata") == 0;
	const char *k;
	char f[160];
	size_t i;

	snprintf(f, sizeof(f), "/%s", key);
	if (v && (obj ? !json_is_object(v) : !json_is_array(v)))
		return registry_fail(e, ST_EINVAL, f, "must be an %s of strings",
		    obj ? "object" : "array");
	if (v && obj) {
		json_object_foreach(v, k, x) {
			reg_ptr(f, sizeof(f), "/metadata", k);
			if (!json_is_string(x))
				return registry_fail(e, ST_EINVAL, f, "must be a string");
		}
	} else if (v) {
		json_array_foreach(v, i, x) {
			snprintf(f, sizeof(f), "/tags/%zu", i);
			if (!json_is_string(x))
				return registry_fail(e, ST_EINVAL, f, "must be a string");
		}
	}
	x = v ? json_deep_copy(v) : obj ? json_object() : json_array();
	return json_object_set_new(clean, key, x) ? ST_ENOMEM : ST_OK;
}

int
registry_check_instance(const struct registry *r, const char *label,
    const char *url_id, json_t *body, json_t **out, struct registry_error *e)
{
	char f[160], text[2 * DNS_NAME_MAX], abuf[INET6_ADDRSTRLEN];
	const char *key, *id, *s, *health;
	json_int_t weight = 1;
	json_t *v, *clean, *port;
	uint8_t addr[16];
	size_t i;
	int err, af;

	if (!json_is_object(body))
		return registry_fail(e, ST_EINVAL, "", "the body must be a JSON "
		    "object");
	json_object_foreach(body, key, v) {
		if (!reg_in(key, reg_fields) && !reg_in(key, reg_readonly)) {
			reg_ptr(f, sizeof(f), "", key);
			return registry_fail(e, ST_EINVAL, f, "unknown field");
		}
	}
	v = json_object_get(body, "id");
	if (v == NULL && url_id == NULL)
		return registry_fail(e, ST_EINVAL, "/id", "id is required");
	id = v ? reg_str(v) : url_id;
	if (id == NULL || !registry_check_id(id))
		return registry_fail(e, ST_EINVAL, "/id", "must be 1 to %d characters "
		    "of A-Z a-z 0-9 . _ -", REG_ID_MAX);
	if (url_id && strcmp(id, url_id) != 0)
		return registry_fail(e, ST_EINVAL, "/id", "does not match the id in "
		    "the URL ('%s')", url_id);
	registry_dns_instance_label(label, id, f);
	snprintf(text, sizeof(text), "%s.%s", f, r->zone);
	if (!reg_name_fits(text))
		return registry_fail(e, ST_EINVAL, "/id", "DNS name %s is too long",
		    text);

	s = reg_str(json_object_get(body, "address"));
	af = s && strchr(s, ':') ? AF_INET6 : AF_INET;
	if (s == NULL || inet_pton(af, s, addr) != 1)
		return registry_fail(e, ST_EINVAL, "/address", "must be an IPv4 or "
		    "IPv6 address");
	inet_ntop(af, addr, abuf, sizeof(abuf));
	if ((v = json_object_get(body, "weight")) != NULL) {
		weight = json_is_integer(v) ? json_integer_value(v) : -1;
		if (weight < 0 || weight > 65535)
			return registry_fail(e, ST_EINVAL, "/weight", "must be an "
			    "integer from 0 to 65535");
	}
	v = json_object_get(body, "health");
	health = v ? reg_str(v) : "none";
	if (health == NULL || !reg_in(health, reg_healths))
		return registry_fail(e, ST_EINVAL, "/health", "must be one of none, "
		    "healthy, unhealthy, starting, standby");
	v = json_object_get(body, "ports");
	if (v && (!json_is_array(v) || json_array_size(v) > REG_PORTS_MAX))
		return registry_fail(e, ST_EINVAL, "/ports", "must be an array of at "
		    "most %d ports", REG_PORTS_MAX);

	clean = json_pack("{s:s,s:s,s:[],s:I,s:s}", "id", id, "address", abuf,
	    "ports", "weight", weight, "health", health);
	if (clean == NULL)
		return ST_ENOMEM;
	json_array_foreach(v, i, port) {
		char pf[32];
		json_t *cp = NULL;

		snprintf(pf, sizeof(pf), "/ports/%zu", i);
		if ((err = reg_check_port(r, label, port, pf, &cp, e)) != ST_OK)
			goto fail;
		if ((err = json_array_append_new(json_object_get(clean, "ports"),
		    cp) ? ST_ENOMEM : ST_OK) != ST_OK)
			goto fail;
	}
	if ((err = reg_check_strings(body, "tags", clean, e)) != ST_OK ||
	    (err = reg_check_strings(body, "metadata", clean, e)) != ST_OK)
		goto fail;
	*out = clean;
	return ST_OK;
fail:
	json_decref(clean);
	return err;
}
