/*
 * tsig.c -- verify and sign DNS messages with TSIG (RFC 8945), the HMACs
 * computed by OpenSSL's libcrypto.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "dns/pkt.h"
#include "dns/tsig.h"
#include "util/error.h"
#include "util/wire.h"

#define TSIG_FIXED_LEN 16	/* time, fudge, MAC size, id, error, other len */
#define TSIG_OTHER_TIME_LEN 6	/* a BADTIME answer's clock */
/* RFC 8945 5.3.1: a client takes at most 99 unsigned messages in a row. */
#define TSIG_UNSIGNED_MAX 99

/* How a MAC covers its message (RFC 8945 4.3, 5.3, 5.3.1). */
enum tsig_mode {
	TSIG_REQUEST,		/* message and all variables */
	TSIG_FIRST,		/* request MAC, message and all variables */
	TSIG_NEXT,		/* previous MAC, messages and the timers */
};

static uint64_t
tsig_rd48(const uint8_t *p)
{
	return (uint64_t)wire_rd16(p) << 32 | wire_rd32(p + 2);
}

static void
tsig_wr48(uint8_t *p, uint64_t v)
{
	wire_wr16(p, (uint16_t)(v >> 32));
	wire_wr32(p + 2, (uint32_t)v);
}

/* Names enter MACs in canonical form; length octets are below 'A'. */
static void
tsig_lower(uint8_t *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		name[i] = (uint8_t)tolower(name[i]);
}

/* The rdata of the TSIG RR at msg[p..end). */
static int
tsig_rdata_parse(const uint8_t *msg, size_t p, size_t end,
    struct dns_tsig_rr *rr)
{
	if (dns_name_unpack(msg, end, &p, rr->alg, &rr->alglen) != ST_OK)
		return ST_EFORMAT;
	tsig_lower(rr->alg, rr->alglen);
	if (p + 10 > end)
		return ST_EFORMAT;
	rr->time_signed = tsig_rd48(msg + p);
	rr->fudge = wire_rd16(msg + p + 6);
	rr->maclen = wire_rd16(msg + p + 8);
	p += 10;
	if (p + rr->maclen + 6 > end)
		return ST_EFORMAT;
	rr->mac = msg + p;
	p += rr->maclen;
	rr->orig_id = wire_rd16(msg + p);
	rr->error = wire_rd16(msg + p + 2);
	rr->otherlen = wire_rd16(msg + p + 4);
	p += 6;
	if (p + rr->otherlen != end)
		return ST_EFORMAT;
	rr->other = msg + p;
	return ST_OK;
}

int
dns_tsig_rr_find(const uint8_t *msg, size_t len, struct dns_tsig_rr *rr)
{
	uint8_t name[DNS_NAME_MAX];
	size_t pos = DNS_HDR_LEN, namelen;
	unsigned qd, nrr, ar;

	memset(rr, 0, sizeof(*rr));
	if (len < DNS_HDR_LEN)
		return ST_EFORMAT;
	qd = wire_rd16(msg + 4);
	ar = wire_rd16(msg + 10);
	nrr = wire_rd16(msg + 6) + wire_rd16(msg + 8) + ar;
	for (unsigned i = 0; i < qd; i++) {
		if (dns_name_unpack(msg, len, &pos, name, &namelen) != ST_OK ||
		    pos + 4 > len)
			return ST_EFORMAT;
		pos += 4;
	}
	for (unsigned i = 0; i < nrr; i++) {
		size_t start = pos;
		uint16_t type, rdlen;

		if (dns_name_unpack(msg, len, &pos, name, &namelen) != ST_OK ||
		    pos + 10 > len)
			return ST_EFORMAT;
		type = wire_rd16(msg + pos);
		rdlen = wire_rd16(msg + pos + 8);
		if (pos + 10 + rdlen > len)
			return ST_EFORMAT;
		if (type == DNS_TYPE_TSIG) {
			/* RFC 8945 5.2: last of the additional section. */
			if (i != nrr - 1 || ar == 0 || pos + 10 + rdlen != len)
				return ST_EFORMAT;
			rr->off = start;
			memcpy(rr->name, name, namelen);
			rr->namelen = namelen;
			tsig_lower(rr->name, rr->namelen);
			rr->class = wire_rd16(msg + pos + 2);
			rr->ttl = wire_rd32(msg + pos + 4);
			if (rr->class != DNS_CLASS_ANY)
				return ST_EFORMAT;
			return tsig_rdata_parse(msg, pos + 10, len, rr);
		}
		pos += 10 + (size_t)rdlen;
	}
	return ST_ENOTFOUND;
}

/*
 * The MAC of one exchange step is built in pieces; OpenSSL fails here only
 * when out of memory, hence ST_ENOMEM.
 */
static int
tsig_mac_start(const struct dns_tsig_key *key, EVP_MAC_CTX **out)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	EVP_MAC_CTX *c;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return ST_ENOMEM;
	c = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (c == NULL)
		return ST_ENOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)dns_tsig_alg(key->alg)->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(c, key->secret, key->secretlen, params) != 1) {
		EVP_MAC_CTX_free(c);
		return ST_ENOMEM;
	}
	*out = c;
	return ST_OK;
}

static int
tsig_mac_add(EVP_MAC_CTX *c, const uint8_t *p, size_t n)
{
	return n == 0 || EVP_MAC_update(c, p, n) == 1;
}

/* A MAC as a field: its size, then its octets (prior and request MACs). */
static int
tsig_mac_add_mac(EVP_MAC_CTX *c, const uint8_t *mac, size_t len)
{
	uint8_t size[2];

	wire_wr16(size, (uint16_t)len);
	return tsig_mac_add(c, size, 2) && tsig_mac_add(c, mac, len);
}

/* msg[0..len) with the header's id and ARCOUNT replaced. */
static int
tsig_mac_add_msg(EVP_MAC_CTX *c, const uint8_t *msg, size_t len, uint16_t id,
    uint16_t arcount)
{
	uint8_t hdr[DNS_HDR_LEN];

	memcpy(hdr, msg, DNS_HDR_LEN);
	wire_wr16(hdr, id);
	wire_wr16(hdr + 10, arcount);
	return tsig_mac_add(c, hdr, DNS_HDR_LEN) &&
	    tsig_mac_add(c, msg + DNS_HDR_LEN, len - DNS_HDR_LEN);
}

/* The TSIG variables (RFC 8945 4.3.3), or the timers only. */
static int
tsig_mac_add_vars(EVP_MAC_CTX *c, const struct dns_tsig_rr *rr,
    int timers_only)
{
	uint8_t b[2 * DNS_NAME_MAX + 22], *p = b;

	if (!timers_only) {
		memcpy(p, rr->name, rr->namelen);
		p += rr->namelen;
		wire_wr16(p, rr->class);
		wire_wr32(p + 2, rr->ttl);
		p += 6;
		memcpy(p, rr->alg, rr->alglen);
		p += rr->alglen;
	}
	tsig_wr48(p, rr->time_signed);
	wire_wr16(p + 6, rr->fudge);
	p += 8;
	if (!timers_only) {
		wire_wr16(p, rr->error);
		wire_wr16(p + 2, rr->otherlen);
		p += 4;
	}
	return tsig_mac_add(c, b, (size_t)(p - b)) &&
	    (timers_only || tsig_mac_add(c, rr->other, rr->otherlen));
}

static int
tsig_mac_end(EVP_MAC_CTX *c, uint8_t *mac, size_t *len)
{
	int ok = EVP_MAC_final(c, mac, len, DNS_TSIG_MAC_MAX) == 1;

	EVP_MAC_CTX_free(c);
	return ok ? ST_OK : ST_ENOMEM;
}

/*
 * The full MAC of the signed message msg (its TSIG RR parsed into rr), for
 * the exchange step mode. run: a MAC under way that holds the prior MAC and
 * the unsigned messages since (it is freed), or NULL.
 */
static int
tsig_mac_verify(const struct dns_tsig_ctx *ctx, EVP_MAC_CTX *run,
    const uint8_t *msg, const struct dns_tsig_rr *rr, enum tsig_mode mode,
    uint8_t *mac, size_t *maclen)
{
	EVP_MAC_CTX *c = run;
	int ok;

	if (c == NULL) {
		if (tsig_mac_start(ctx->key, &c) != ST_OK)
			return ST_ENOMEM;
		if (mode != TSIG_REQUEST &&
		    !tsig_mac_add_mac(c, ctx->mac, ctx->maclen)) {
			EVP_MAC_CTX_free(c);
			return ST_ENOMEM;
		}
	}
	ok = tsig_mac_add_msg(c, msg, rr->off, rr->orig_id,
	    (uint16_t)(wire_rd16(msg + 10) - 1)) &&
	    tsig_mac_add_vars(c, rr, mode == TSIG_NEXT);
	if (!ok) {
		EVP_MAC_CTX_free(c);
		return ST_ENOMEM;
	}
	return tsig_mac_end(c, mac, maclen);
}

/* RFC 8945 5.2.2.1: longer than the hash, or below its half or 10 octets. */
static int
tsig_maclen_ok(const struct dns_tsig_key *key, size_t maclen)
{
	size_t size = dns_tsig_alg(key->alg)->size;
	size_t min = size / 2 > 10 ? size / 2 : 10;

	return maclen <= size && maclen >= min;
}

static int
tsig_time_ok(uint64_t time_signed, uint16_t fudge, uint64_t now)
{
	return now <= time_signed + fudge && time_signed <= now + fudge;
}

/*
 * Check the MAC of the signed message msg (its TSIG RR parsed into rr) for
 * the exchange step mode, taking in the MAC under way in ctx->run. A match
 * becomes ctx's prior MAC; a mismatch sets ctx->error to BADSIG (ST_OK).
 * ST_EFORMAT for a MAC size the key does not allow, ST_ENOMEM.
 */
static int
tsig_mac_check(struct dns_tsig_ctx *ctx, const uint8_t *msg,
    const struct dns_tsig_rr *rr, enum tsig_mode mode)
{
	uint8_t mac[DNS_TSIG_MAC_MAX];
	EVP_MAC_CTX *run;
	size_t maclen;
	int rc;

	if (!tsig_maclen_ok(ctx->key, rr->maclen))
		return ST_EFORMAT;
	run = ctx->run;
	ctx->run = NULL;
	if ((rc = tsig_mac_verify(ctx, run, msg, rr, mode, mac,
	    &maclen)) != ST_OK)
		return rc;
	rc = CRYPTO_memcmp(mac, rr->mac, rr->maclen);
	explicit_bzero(mac, sizeof(mac));
	if (rc != 0) {
		ctx->error = DNS_TSIG_BADSIG;
		return ST_OK;
	}
	/* Answers cover the request's MAC as sent, truncated or not. */
	memcpy(ctx->mac, rr->mac, rr->maclen);
	ctx->maclen = rr->maclen;
	return ST_OK;
}

void
dns_tsig_ctx_deinit(struct dns_tsig_ctx *ctx)
{
	EVP_MAC_CTX_free(ctx->run);
	explicit_bzero(ctx, sizeof(*ctx));
}

int
dns_tsig_verify_request(struct dns_tsig_ctx *ctx,
    const struct dns_tsig_keyring *kr, const uint8_t *msg, size_t len,
    uint64_t now)
{
	struct dns_tsig_rr rr;
	enum dns_tsig_alg alg;
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	if ((rc = dns_tsig_rr_find(msg, len, &rr)) != ST_OK)
		return rc;
	memcpy(ctx->keyname, rr.name, rr.namelen);
	ctx->keynamelen = rr.namelen;
	memcpy(ctx->algname, rr.alg, rr.alglen);
	ctx->algnamelen = rr.alglen;
	ctx->time_signed = rr.time_signed;
	ctx->msglen = rr.off;
	ctx->key = dns_tsig_keyring_find(kr, rr.name);
	if (ctx->key == NULL || dns_tsig_alg_from_wire(rr.alg, &alg) != ST_OK ||
	    alg != ctx->key->alg) {
		ctx->key = NULL;
		ctx->error = DNS_TSIG_BADKEY;
		return ST_OK;
	}
	if ((rc = tsig_mac_check(ctx, msg, &rr, TSIG_REQUEST)) != ST_OK ||
	    ctx->error == DNS_TSIG_BADSIG)
		return rc;
	if (!tsig_time_ok(rr.time_signed, rr.fudge, now))
		ctx->error = DNS_TSIG_BADTIME;
	else if (rr.maclen < ctx->key->maclen)
		ctx->error = DNS_TSIG_BADTRUNC;
	return ST_OK;
}

/* MACs go out with errors that the key or MAC did not cause (5.3.2). */
static int
tsig_signs(const struct dns_tsig_ctx *ctx)
{
	return ctx->key != NULL && ctx->error != DNS_TSIG_BADKEY &&
	    ctx->error != DNS_TSIG_BADSIG;
}

size_t
dns_tsig_space(const struct dns_tsig_ctx *ctx)
{
	return ctx->keynamelen + 10 + ctx->algnamelen + TSIG_FIXED_LEN +
	    (tsig_signs(ctx) ? ctx->key->maclen : 0) + TSIG_OTHER_TIME_LEN;
}

/* Write rr at p (ctx->keyname, no compression); returns its length. */
static size_t
tsig_rr_write(uint8_t *p, const struct dns_tsig_rr *rr)
{
	uint8_t *start = p;
	size_t rdlen = rr->alglen + TSIG_FIXED_LEN + rr->maclen + rr->otherlen;

	memcpy(p, rr->name, rr->namelen);
	p += rr->namelen;
	wire_wr16(p, DNS_TYPE_TSIG);
	wire_wr16(p + 2, rr->class);
	wire_wr32(p + 4, rr->ttl);
	wire_wr16(p + 8, (uint16_t)rdlen);
	p += 10;
	memcpy(p, rr->alg, rr->alglen);
	p += rr->alglen;
	tsig_wr48(p, rr->time_signed);
	wire_wr16(p + 6, rr->fudge);
	wire_wr16(p + 8, rr->maclen);
	p += 10;
	if (rr->maclen > 0)
		memcpy(p, rr->mac, rr->maclen);
	p += rr->maclen;
	wire_wr16(p, rr->orig_id);
	wire_wr16(p + 2, rr->error);
	wire_wr16(p + 4, rr->otherlen);
	p += 6;
	if (rr->otherlen > 0)
		memcpy(p, rr->other, rr->otherlen);
	p += rr->otherlen;
	return (size_t)(p - start);
}

/* Sign msg for the exchange step mode and append the TSIG RR. */
static int
tsig_sign_msg(struct dns_tsig_ctx *ctx, uint8_t *msg, size_t *len,
    size_t cap, uint64_t now, enum tsig_mode mode)
{
	uint8_t mac[DNS_TSIG_MAC_MAX], other[TSIG_OTHER_TIME_LEN];
	struct dns_tsig_rr rr;
	EVP_MAC_CTX *c;
	size_t maclen = 0;
	int ok;

	if (*len < DNS_HDR_LEN || wire_rd16(msg + 10) == UINT16_MAX)
		return ST_EINVAL;
	memset(&rr, 0, sizeof(rr));
	memcpy(rr.name, ctx->keyname, ctx->keynamelen);
	rr.namelen = ctx->keynamelen;
	rr.class = DNS_CLASS_ANY;
	memcpy(rr.alg, ctx->algname, ctx->algnamelen);
	rr.alglen = ctx->algnamelen;
	rr.time_signed = now;
	rr.fudge = DNS_TSIG_FUDGE;
	rr.orig_id = wire_rd16(msg);
	rr.error = ctx->error;
	if (ctx->error == DNS_TSIG_BADTIME) {
		/* The requester can verify it, and learns our clock. */
		rr.time_signed = ctx->time_signed;
		tsig_wr48(other, now);
		rr.other = other;
		rr.otherlen = sizeof(other);
	}
	if (tsig_signs(ctx)) {
		if (tsig_mac_start(ctx->key, &c) != ST_OK)
			return ST_ENOMEM;
		ok = (mode == TSIG_REQUEST ||
		    tsig_mac_add_mac(c, ctx->mac, ctx->maclen)) &&
		    tsig_mac_add_msg(c, msg, *len, rr.orig_id,
		    wire_rd16(msg + 10)) &&
		    tsig_mac_add_vars(c, &rr, mode == TSIG_NEXT);
		if (!ok) {
			EVP_MAC_CTX_free(c);
			return ST_ENOMEM;
		}
		if (tsig_mac_end(c, mac, &maclen) != ST_OK)
			return ST_ENOMEM;
		rr.mac = mac;
		rr.maclen = (uint16_t)ctx->key->maclen;
	}
	if (*len + rr.namelen + 10 + rr.alglen + TSIG_FIXED_LEN + rr.maclen +
	    rr.otherlen > cap) {
		explicit_bzero(mac, sizeof(mac));
		return ST_ESPACE;
	}
	*len += tsig_rr_write(msg + *len, &rr);
	wire_wr16(msg + 10, (uint16_t)(wire_rd16(msg + 10) + 1));
	memcpy(ctx->mac, mac, rr.maclen);
	ctx->maclen = rr.maclen;
	explicit_bzero(mac, sizeof(mac));
	return ST_OK;
}

int
dns_tsig_sign(struct dns_tsig_ctx *ctx, uint8_t *msg, size_t *len,
    size_t cap, uint64_t now)
{
	int rc;

	rc = tsig_sign_msg(ctx, msg, len, cap, now,
	    ctx->nmsg == 0 ? TSIG_FIRST : TSIG_NEXT);
	if (rc == ST_OK)
		ctx->nmsg++;
	return rc;
}

int
dns_tsig_sign_request(struct dns_tsig_ctx *ctx,
    const struct dns_tsig_key *key, uint8_t *msg, size_t *len, size_t cap,
    uint64_t now)
{
	const struct dns_tsig_algdef *a = dns_tsig_alg(key->alg);

	memset(ctx, 0, sizeof(*ctx));
	ctx->key = key;
	memcpy(ctx->keyname, key->name, key->namelen);
	ctx->keynamelen = key->namelen;
	ctx->algnamelen = a->wire[0] + 2u;
	memcpy(ctx->algname, a->wire, ctx->algnamelen);
	ctx->time_signed = now;
	return tsig_sign_msg(ctx, msg, len, cap, now, TSIG_REQUEST);
}

/* Take an unsigned message of a TCP answer into the next signed one's MAC. */
static int
tsig_verify_unsigned(struct dns_tsig_ctx *ctx, const uint8_t *msg,
    size_t len)
{
	ctx->msglen = len;
	if (ctx->nmsg == 0 || ctx->unsigned_run >= TSIG_UNSIGNED_MAX) {
		ctx->error = DNS_TSIG_BADSIG;
		return ST_OK;
	}
	if (ctx->run == NULL) {
		if (tsig_mac_start(ctx->key, &ctx->run) != ST_OK)
			return ST_ENOMEM;
		if (!tsig_mac_add_mac(ctx->run, ctx->mac, ctx->maclen))
			return ST_ENOMEM;
	}
	if (!tsig_mac_add(ctx->run, msg, len))
		return ST_ENOMEM;
	ctx->unsigned_run++;
	ctx->nmsg++;
	return ST_ENOTFOUND;
}

int
dns_tsig_verify_response(struct dns_tsig_ctx *ctx, const uint8_t *msg,
    size_t len, uint64_t now)
{
	struct dns_tsig_rr rr;
	int rc;

	ctx->error = DNS_TSIG_NOERROR;
	ctx->other_time = 0;
	rc = dns_tsig_rr_find(msg, len, &rr);
	if (rc == ST_ENOTFOUND)
		return tsig_verify_unsigned(ctx, msg, len);
	if (rc != ST_OK)
		return rc;
	ctx->msglen = rr.off;
	if (!dns_name_equal(rr.name, ctx->keyname) ||
	    !dns_name_equal(rr.alg, ctx->algname) || ctx->key == NULL) {
		ctx->error = DNS_TSIG_BADKEY;
		return ST_OK;
	}
	if (rr.maclen == 0 && rr.error != DNS_TSIG_NOERROR) {
		/* The server could not check our MAC; nothing to verify. */
		ctx->error = rr.error;
		return ST_OK;
	}
	if ((rc = tsig_mac_check(ctx, msg, &rr,
	    ctx->nmsg == 0 ? TSIG_FIRST : TSIG_NEXT)) != ST_OK ||
	    ctx->error == DNS_TSIG_BADSIG)
		return rc;
	ctx->nmsg++;
	ctx->unsigned_run = 0;
	if (rr.error != DNS_TSIG_NOERROR) {
		ctx->error = rr.error;
		if (rr.error == DNS_TSIG_BADTIME &&
		    rr.otherlen == TSIG_OTHER_TIME_LEN)
			ctx->other_time = tsig_rd48(rr.other);
	} else if (!tsig_time_ok(rr.time_signed, rr.fudge, now)) {
		ctx->error = DNS_TSIG_BADTIME;
	} else if (rr.maclen < ctx->key->maclen) {
		ctx->error = DNS_TSIG_BADTRUNC;
	}
	return ST_OK;
}
