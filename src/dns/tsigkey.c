/*
 * tsigkey.c -- TSIG algorithms, keys, the keyring and BIND key files.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/tsig.h"
#include "util/error.h"

static const struct dns_tsig_algdef tsig_algs[DNS_TSIG_ALG_COUNT] = {
	[DNS_TSIG_HMAC_SHA1] = { "hmac-sha1",
	    (const uint8_t *)"\011hmac-sha1", "SHA1", 20 },
	[DNS_TSIG_HMAC_SHA224] = { "hmac-sha224",
	    (const uint8_t *)"\013hmac-sha224", "SHA224", 28 },
	[DNS_TSIG_HMAC_SHA256] = { "hmac-sha256",
	    (const uint8_t *)"\013hmac-sha256", "SHA256", 32 },
	[DNS_TSIG_HMAC_SHA384] = { "hmac-sha384",
	    (const uint8_t *)"\013hmac-sha384", "SHA384", 48 },
	[DNS_TSIG_HMAC_SHA512] = { "hmac-sha512",
	    (const uint8_t *)"\013hmac-sha512", "SHA512", 64 },
};

#define KF_TOKEN_MAX 1024	/* a base64 secret of DNS_TSIG_SECRET_MAX fits */
#define KF_SIZE_MAX (1 << 20)

const struct dns_tsig_algdef *
dns_tsig_alg(enum dns_tsig_alg alg)
{
	return &tsig_algs[alg];
}

int
dns_tsig_alg_from_wire(const uint8_t *name, enum dns_tsig_alg *alg)
{
	for (int i = 0; i < DNS_TSIG_ALG_COUNT; i++) {
		if (dns_name_equal(name, tsig_algs[i].wire)) {
			*alg = (enum dns_tsig_alg)i;
			return ST_OK;
		}
	}
	return ST_ENOTFOUND;
}

/*
 * "hmac-sha256", or BIND's "hmac-sha256-128": the MAC truncated to 128
 * bits, which RFC 8945 5.2.2.1 allows down to half the hash and 80 bits.
 */
static int
tsigkey_alg_parse(const char *text, enum dns_tsig_alg *alg, size_t *maclen)
{
	for (int i = 0; i < DNS_TSIG_ALG_COUNT; i++) {
		const struct dns_tsig_algdef *a = &tsig_algs[i];
		size_t n = strlen(a->text);
		unsigned long bits;
		char *end;

		if (strncasecmp(text, a->text, n) != 0)
			continue;
		*alg = (enum dns_tsig_alg)i;
		*maclen = a->size;
		if (text[n] == '\0')
			return ST_OK;
		if (text[n] != '-' || !isdigit((unsigned char)text[n + 1]))
			continue;
		errno = 0;
		bits = strtoul(text + n + 1, &end, 10);
		if (errno != 0 || *end != '\0' || bits % 8 != 0 ||
		    bits > a->size * 8 || bits < 80 || bits < a->size * 4)
			return ST_EINVAL;
		*maclen = bits / 8;
		return ST_OK;
	}
	return ST_EINVAL;
}

static int
tsigkey_b64_value(int c)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(tab, c)) == NULL)
		return -1;
	return (int)(p - tab);
}

/* Strict base64 (padding required), blanks allowed between groups. */
static int
tsigkey_b64_decode(const char *s, uint8_t *out, size_t cap, size_t *outlen)
{
	uint32_t acc = 0;
	size_t n = 0, chars = 0, pad = 0;
	int bits = 0;

	for (; *s != '\0'; s++) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = tsigkey_b64_value(*s)) < 0)
			return ST_EFORMAT;
		chars++;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return ST_ESPACE;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if ((chars + pad) % 4 != 0 || pad != (4 - chars % 4) % 4 ||
	    chars % 4 == 1)
		return ST_EFORMAT;
	*outlen = n;
	return ST_OK;
}

/* The key's name, lowercase: TSIG compares names in canonical form. */
static int
tsigkey_name(struct dns_tsig_key *key, const char *text, const char **why)
{
	if (dns_name_from_text(text, key->name, &key->namelen) != ST_OK ||
	    key->namelen <= 1) {
		*why = "bad key name";
		return ST_EINVAL;
	}
	for (size_t i = 0; i < key->namelen; i++)
		key->name[i] = (uint8_t)tolower(key->name[i]);
	return ST_OK;
}

static int
tsigkey_secret(struct dns_tsig_key *key, const char *text, const char **why)
{
	switch (tsigkey_b64_decode(text, key->secret, sizeof(key->secret),
	    &key->secretlen)) {
	case ST_OK:
		break;
	case ST_ESPACE:
		*why = "secret too long";
		return ST_EINVAL;
	default:
		*why = "secret is not valid base64";
		return ST_EINVAL;
	}
	if (key->secretlen == 0) {
		*why = "secret is empty";
		return ST_EINVAL;
	}
	return ST_OK;
}

#define TSIGKEY_ALGS "(hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, " \
	"hmac-sha512, optionally -BITS)"

int
dns_tsig_key_init(struct dns_tsig_key *key, const char *name,
    const char *alg, const char *secret, const char **why)
{
	memset(key, 0, sizeof(*key));
	if (tsigkey_name(key, name, why) != ST_OK)
		goto fail;
	if (tsigkey_alg_parse(alg != NULL ? alg : "hmac-sha256", &key->alg,
	    &key->maclen) != ST_OK) {
		*why = "unsupported algorithm " TSIGKEY_ALGS;
		goto fail;
	}
	if (tsigkey_secret(key, secret, why) != ST_OK)
		goto fail;
	return ST_OK;
fail:
	dns_tsig_key_deinit(key);
	return ST_EINVAL;
}

void
dns_tsig_key_deinit(struct dns_tsig_key *key)
{
	explicit_bzero(key, sizeof(*key));
}

void
dns_tsig_keyring_init(struct dns_tsig_keyring *kr)
{
	memset(kr, 0, sizeof(*kr));
}

/* Drop the keys from index keep on. */
static void
tsigkey_keyring_truncate(struct dns_tsig_keyring *kr, size_t keep)
{
	while (kr->nkeys > keep)
		dns_tsig_key_deinit(&kr->keys[--kr->nkeys]);
}

void
dns_tsig_keyring_deinit(struct dns_tsig_keyring *kr)
{
	tsigkey_keyring_truncate(kr, 0);
	free(kr->keys);
	memset(kr, 0, sizeof(*kr));
}

int
dns_tsig_keyring_add(struct dns_tsig_keyring *kr,
    const struct dns_tsig_key *key)
{
	if (dns_tsig_keyring_find(kr, key->name) != NULL)
		return ST_EEXIST;
	if (kr->nkeys == kr->cap) {
		size_t cap = kr->cap ? kr->cap * 2 : 4;
		struct dns_tsig_key *keys;

		/* Not realloc: the old copy of the secrets is wiped first. */
		if ((keys = calloc(cap, sizeof(*keys))) == NULL)
			return ST_ENOMEM;
		if (kr->nkeys > 0)
			memcpy(keys, kr->keys, kr->nkeys * sizeof(*keys));
		if (kr->keys != NULL)
			explicit_bzero(kr->keys, kr->cap * sizeof(*keys));
		free(kr->keys);
		kr->keys = keys;
		kr->cap = cap;
	}
	kr->keys[kr->nkeys++] = *key;
	return ST_OK;
}

const struct dns_tsig_key *
dns_tsig_keyring_find(const struct dns_tsig_keyring *kr, const uint8_t *name)
{
	for (size_t i = 0; i < kr->nkeys; i++)
		if (dns_name_equal(kr->keys[i].name, name))
			return &kr->keys[i];
	return NULL;
}

/* The key file reader: tokens of BIND's named.conf syntax. */
struct kf_parse {
	const char *p, *end;
	const char *fname;
	int line;
	char tok[KF_TOKEN_MAX];	/* the last token, NUL-terminated */
	int quoted;		/* it was a "string" */
	char *err;
	size_t errlen;
};

static int
kf_error(struct kf_parse *kf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
kf_error(struct kf_parse *kf, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(kf->err, kf->errlen, "%s:%d: ", kf->fname, kf->line);
	if (n >= 0 && (size_t)n < kf->errlen) {
		va_start(ap, fmt);
		vsnprintf(kf->err + n, kf->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ST_ECONFIG;
}

/* Skip blanks and comments; ST_ECONFIG on an unterminated comment. */
static int
kf_skip(struct kf_parse *kf)
{
	while (kf->p < kf->end) {
		char c = *kf->p;

		if (c == '\n') {
			kf->line++;
			kf->p++;
		} else if (isspace((unsigned char)c)) {
			kf->p++;
		} else if (c == '#' || (c == '/' && kf->p + 1 < kf->end &&
		    kf->p[1] == '/')) {
			while (kf->p < kf->end && *kf->p != '\n')
				kf->p++;
		} else if (c == '/' && kf->p + 1 < kf->end && kf->p[1] == '*') {
			int start = kf->line;

			for (kf->p += 2;; kf->p++) {
				if (kf->p + 1 >= kf->end) {
					kf->line = start;
					return kf_error(kf,
					    "unterminated comment");
				}
				if (*kf->p == '\n')
					kf->line++;
				if (kf->p[0] == '*' && kf->p[1] == '/')
					break;
			}
			kf->p += 2;
		} else {
			break;
		}
	}
	return ST_OK;
}

/* The next token into kf->tok; "" at the end of the text. */
static int
kf_next(struct kf_parse *kf)
{
	size_t n = 0;
	int rc;

	kf->tok[0] = '\0';
	kf->quoted = 0;
	if ((rc = kf_skip(kf)) != ST_OK || kf->p == kf->end)
		return rc;
	if (strchr("{};", *kf->p) != NULL) {
		kf->tok[0] = *kf->p++;
		kf->tok[1] = '\0';
		return ST_OK;
	}
	if (*kf->p == '"') {
		int start = kf->line;

		kf->quoted = 1;
		for (kf->p++; kf->p < kf->end && *kf->p != '"'; kf->p++) {
			if (*kf->p == '\\' && kf->p + 1 < kf->end)
				kf->p++;
			if (*kf->p == '\n')
				kf->line++;
			if (n + 1 >= sizeof(kf->tok))
				return kf_error(kf, "string too long");
			kf->tok[n++] = *kf->p;
		}
		if (kf->p == kf->end) {
			kf->line = start;
			return kf_error(kf, "unterminated string");
		}
		kf->p++;
	} else {
		while (kf->p < kf->end && !isspace((unsigned char)*kf->p) &&
		    strchr("{};\"", *kf->p) == NULL) {
			if (n + 1 >= sizeof(kf->tok))
				return kf_error(kf, "word too long");
			kf->tok[n++] = *kf->p++;
		}
	}
	kf->tok[n] = '\0';
	return ST_OK;
}

/* Next token, which must be the punctuation c. */
static int
kf_expect(struct kf_parse *kf, char c, const char *after)
{
	int rc;

	if ((rc = kf_next(kf)) != ST_OK)
		return rc;
	if (kf->quoted || kf->tok[0] != c || kf->tok[1] != '\0')
		return kf_error(kf, "expected '%c' after %s, got %s%s%s", c,
		    after, kf->tok[0] ? "'" : "end of file",
		    kf->tok, kf->tok[0] ? "'" : "");
	return ST_OK;
}

/* Next token, which must be a word or string (a value). */
static int
kf_value(struct kf_parse *kf, const char *what)
{
	int rc;

	if ((rc = kf_next(kf)) != ST_OK)
		return rc;
	if (kf->tok[0] == '\0' && !kf->quoted)
		return kf_error(kf, "expected %s, got end of file", what);
	if (!kf->quoted && strchr("{};", kf->tok[0]) != NULL)
		return kf_error(kf, "expected %s, got '%s'", what, kf->tok);
	return ST_OK;
}

/* The statements of `key NAME { ... };` after the brace, into key. */
static int
kf_key_body(struct kf_parse *kf, struct dns_tsig_key *key, const char *name)
{
	int has_alg = 0, has_secret = 0, rc;
	const char *why;

	for (;;) {
		if ((rc = kf_next(kf)) != ST_OK)
			return rc;
		if (!kf->quoted && strcmp(kf->tok, "}") == 0)
			break;
		if (!kf->quoted && strcmp(kf->tok, "algorithm") == 0) {
			if (has_alg++)
				return kf_error(kf, "algorithm given twice");
			if ((rc = kf_value(kf, "an algorithm")) != ST_OK)
				return rc;
			if (tsigkey_alg_parse(kf->tok, &key->alg,
			    &key->maclen) != ST_OK)
				return kf_error(kf, "unsupported algorithm "
				    "'%s' " TSIGKEY_ALGS, kf->tok);
		} else if (!kf->quoted && strcmp(kf->tok, "secret") == 0) {
			if (has_secret++)
				return kf_error(kf, "secret given twice");
			if ((rc = kf_value(kf, "a secret")) != ST_OK)
				return rc;
			if (tsigkey_secret(key, kf->tok, &why) != ST_OK)
				return kf_error(kf, "key \"%s\": %s", name,
				    why);
		} else if (kf->tok[0] == '\0' && !kf->quoted) {
			return kf_error(kf, "key \"%s\" not closed", name);
		} else {
			return kf_error(kf, "unknown statement '%s' in key "
			    "(algorithm, secret)", kf->tok);
		}
		if ((rc = kf_expect(kf, ';', "the value")) != ST_OK)
			return rc;
	}
	if ((rc = kf_expect(kf, ';', "'}'")) != ST_OK)
		return rc;
	if (!has_secret)
		return kf_error(kf, "key \"%s\" has no secret", name);
	return ST_OK;
}

/* One `key NAME { ... };` after the word key, added to kr. */
static int
kf_key(struct kf_parse *kf, struct dns_tsig_keyring *kr)
{
	struct dns_tsig_key key;
	char name[KF_TOKEN_MAX];
	const char *why;
	int rc, keyline = kf->line;

	memset(&key, 0, sizeof(key));
	if ((rc = kf_value(kf, "a key name")) != ST_OK)
		return rc;
	strcpy(name, kf->tok);
	if (tsigkey_name(&key, name, &why) != ST_OK)
		return kf_error(kf, "key \"%s\": %s", name, why);
	/* tsig-keygen's default; BIND requires the statement. */
	key.alg = DNS_TSIG_HMAC_SHA256;
	key.maclen = tsig_algs[key.alg].size;
	if ((rc = kf_expect(kf, '{', "the key name")) != ST_OK ||
	    (rc = kf_key_body(kf, &key, name)) != ST_OK)
		goto out;
	if ((rc = dns_tsig_keyring_add(kr, &key)) == ST_EEXIST) {
		kf->line = keyline;
		rc = kf_error(kf, "key \"%s\" defined twice", name);
	}
out:
	dns_tsig_key_deinit(&key);
	return rc;
}

static int
kf_parse_all(struct kf_parse *kf, struct dns_tsig_keyring *kr)
{
	int rc;

	for (;;) {
		if ((rc = kf_next(kf)) != ST_OK)
			return rc;
		if (kf->tok[0] == '\0' && !kf->quoted)
			return ST_OK;
		if (kf->quoted || strcmp(kf->tok, "key") != 0)
			return kf_error(kf, "expected 'key', got '%s'",
			    kf->tok);
		if ((rc = kf_key(kf, kr)) != ST_OK)
			return rc;
	}
}

int
dns_tsig_keyfile_parse(struct dns_tsig_keyring *kr, const char *text,
    size_t len, const char *fname, char *err, size_t errlen)
{
	struct kf_parse kf;
	size_t before = kr->nkeys;
	const char *nul;
	int rc;

	memset(&kf, 0, sizeof(kf));
	kf.p = text;
	kf.end = text + len;
	kf.fname = fname;
	kf.line = 1;
	kf.err = err;
	kf.errlen = errlen;
	if ((nul = memchr(text, '\0', len)) != NULL) {
		for (const char *c = text; c < nul; c++)
			kf.line += *c == '\n';
		rc = kf_error(&kf, "NUL octet in the file");
	} else {
		rc = kf_parse_all(&kf, kr);
	}
	if (rc == ST_ENOMEM)
		snprintf(err, errlen, "%s: out of memory", fname);
	if (rc != ST_OK)
		tsigkey_keyring_truncate(kr, before);
	explicit_bzero(kf.tok, sizeof(kf.tok));
	return rc;
}

int
dns_tsig_keyfile_load(struct dns_tsig_keyring *kr, const char *path,
    char *err, size_t errlen)
{
	FILE *f;
	char *text;
	size_t n;
	int rc;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ST_EIO;
	}
	if ((text = malloc(KF_SIZE_MAX)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return ST_ENOMEM;
	}
	n = fread(text, 1, KF_SIZE_MAX, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = ST_EIO;
	} else if (n == KF_SIZE_MAX) {
		snprintf(err, errlen, "%s: larger than %d octets", path,
		    KF_SIZE_MAX);
		rc = ST_ECONFIG;
	} else {
		rc = dns_tsig_keyfile_parse(kr, text, n, path, err, errlen);
	}
	explicit_bzero(text, n);
	free(text);
	fclose(f);
	return rc;
}
