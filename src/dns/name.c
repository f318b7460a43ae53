/*
 * name.c -- wire names, lookup keys and Mesos-DNS style labels.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dns/name.h"
#include "util/error.h"

int
dns_name_unpack(const uint8_t *pkt, size_t pktlen, size_t *pos, uint8_t *out,
    size_t *outlen)
{
	size_t p = *pos, o = 0, end = 0;
	int jumped = 0;
	size_t lowest = *pos;	/* pointers must go strictly backwards */

	for (;;) {
		uint8_t len;

		if (p >= pktlen)
			return ST_EFORMAT;
		len = pkt[p];
		if ((len & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= pktlen)
				return ST_EFORMAT;
			target = (size_t)(len & 0x3f) << 8 | pkt[p + 1];
			if (target >= lowest)
				return ST_EFORMAT;
			if (!jumped)
				end = p + 2;
			jumped = 1;
			lowest = target;
			p = target;
			continue;
		}
		if (len & 0xc0)
			return ST_EFORMAT;
		if (p + 1 + len > pktlen || o + 1 + len > DNS_NAME_MAX)
			return ST_EFORMAT;
		memcpy(out + o, pkt + p, 1 + (size_t)len);
		o += 1 + (size_t)len;
		p += 1 + (size_t)len;
		if (len == 0)
			break;
	}
	*pos = jumped ? end : p;
	*outlen = o;
	return ST_OK;
}

int
dns_name_wire_len(const uint8_t *name, size_t maxlen, size_t *len)
{
	size_t p = 0;

	for (;;) {
		if (p >= maxlen || p >= DNS_NAME_MAX)
			return ST_EFORMAT;
		if (name[p] & 0xc0)
			return ST_EFORMAT;
		if (name[p] == 0)
			break;
		p += 1 + (size_t)name[p];
	}
	*len = p + 1;
	return ST_OK;
}

int
dns_name_to_key(const uint8_t *name, size_t len, uint8_t *key, size_t *keylen)
{
	size_t starts[128];
	int n = 0;
	size_t p = 0, k = 0;

	while (p < len && name[p] != 0) {
		if (n == 128 || p + 1 + name[p] > len)
			return ST_EFORMAT;
		starts[n++] = p;
		p += 1 + (size_t)name[p];
	}
	if (p >= len)
		return ST_EFORMAT;
	while (n-- > 0) {
		const uint8_t *l = name + starts[n];

		for (uint8_t i = 1; i <= l[0]; i++) {
			if (l[i] == 0)
				return ST_EFORMAT;
			key[k++] = (uint8_t)tolower(l[i]);
		}
		key[k++] = 0;
	}
	*keylen = k;
	return ST_OK;
}

int
dns_name_from_key(const uint8_t *key, size_t klen, uint8_t *name, size_t *len)
{
	size_t s, lablen, o;

	if (klen == 1 && key[0] == 0)
		klen = 0;
	if (klen + 1 > DNS_NAME_MAX)
		return ST_EFORMAT;
	for (s = 0; s < klen; s += lablen + 1) {
		lablen = strnlen((const char *)key + s, klen - s);
		if (s + lablen == klen || lablen == 0 || lablen > DNS_LABEL_MAX)
			return ST_EFORMAT;
		/* The last label of the key is the first of the name. */
		o = klen - s - lablen - 1;
		name[o] = (uint8_t)lablen;
		memcpy(name + o + 1, key + s, lablen);
	}
	name[klen] = 0;
	*len = klen + 1;
	return ST_OK;
}

int
dns_name_from_text(const char *text, uint8_t *out, size_t *outlen)
{
	size_t o = 0, lablen;
	const char *p = text, *dot;

	if (strcmp(text, ".") == 0 || *text == '\0') {
		out[0] = 0;
		*outlen = 1;
		return ST_OK;
	}
	while (*p) {
		dot = strchr(p, '.');
		lablen = dot ? (size_t)(dot - p) : strlen(p);
		if (lablen == 0 || lablen > DNS_LABEL_MAX ||
		    o + 1 + lablen + 1 > DNS_NAME_MAX)
			return ST_EINVAL;
		out[o++] = (uint8_t)lablen;
		memcpy(out + o, p, lablen);
		o += lablen;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	out[o++] = 0;
	*outlen = o;
	return ST_OK;
}

int
dns_name_to_text(const uint8_t *name, size_t len, char *out, size_t outsize)
{
	size_t p = 0, o = 0;

	if (outsize < 2)
		return ST_ESPACE;
	if (len == 0)
		return ST_EFORMAT;
	if (name[0] == 0) {
		strcpy(out, ".");
		return ST_OK;
	}
	while (p < len && name[p] != 0) {
		for (uint8_t i = 1; i <= name[p]; i++) {
			uint8_t c = name[p + i];
			char esc[5];
			size_t el;

			if (p + i >= len)
				return ST_EFORMAT;
			if (c == '.' || c == '\\') {
				esc[0] = '\\';
				esc[1] = (char)c;
				el = 2;
			} else if (c <= 0x20 || c >= 0x7f) {
				snprintf(esc, sizeof(esc), "\\%03u", c);
				el = 4;
			} else {
				esc[0] = (char)c;
				el = 1;
			}
			if (o + el + 2 > outsize)
				return ST_ESPACE;
			memcpy(out + o, esc, el);
			o += el;
		}
		out[o++] = '.';
		p += 1 + (size_t)name[p];
	}
	out[o] = '\0';
	return ST_OK;
}

int
dns_name_labels(const uint8_t *name)
{
	int n = 0;

	while (*name) {
		n++;
		name += 1 + *name;
	}
	return n;
}

int
dns_name_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (*a != *b)
			return 0;
		if (*a == 0)
			return 1;
		for (uint8_t i = 1; i <= *a; i++)
			if (tolower(a[i]) != tolower(b[i]))
				return 0;
		a += 1 + *a;
		b += 1 + *b;
	}
}

const uint8_t *
dns_name_parent(const uint8_t *name, int i)
{
	while (i-- > 0) {
		if (*name == 0)
			return NULL;
		name += 1 + *name;
	}
	return name;
}

int
dns_label_sanitize(const char *in, size_t maxlen, char *out, size_t outsize)
{
	size_t o = 0;

	if (maxlen > DNS_LABEL_MAX)
		maxlen = DNS_LABEL_MAX;
	if (outsize == 0)
		return ST_ESPACE;
	for (const char *p = in; *p && o < maxlen && o + 1 < outsize; p++) {
		char c = (char)tolower((unsigned char)*p);

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c == '-' && o == 0)
			continue;
		out[o++] = c;
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	return o ? ST_OK : ST_EINVAL;
}

int
dns_label_from_app_id(const char *id, char *out, size_t outsize)
{
	char joined[512];
	size_t j = 0;
	const char *end = id + strlen(id);

	/* Walk the path from its last segment back to its first. */
	while (end > id) {
		const char *start = end;

		while (start > id && start[-1] != '/')
			start--;
		if (end > start) {
			size_t n = (size_t)(end - start);

			if (j + n + 2 > sizeof(joined))
				break;
			if (j)
				joined[j++] = '-';
			memcpy(joined + j, start, n);
			j += n;
		}
		end = start > id ? start - 1 : id;
	}
	joined[j] = '\0';
	return dns_label_sanitize(joined, DNS_LABEL_MAX, out, outsize);
}
