/*
 * tsig.h -- transaction signatures (RFC 8945): keys, keyrings and BIND key
 * files (tsigkey.c); verifying and signing messages (tsig.c).
 *
 * A server checks a request with dns_tsig_verify_request and signs each
 * message of its answer with dns_tsig_sign (every message of a multi-message
 * TCP answer, RFC 8945 5.3.1). A client signs its request with
 * dns_tsig_sign_request and checks each message of the answer with
 * dns_tsig_verify_response. The state of one exchange (key, previous MAC,
 * messages so far) lives in a struct dns_tsig_ctx.
 *
 * Messages are wire-format buffers. Times are seconds since the epoch passed
 * in by the caller (clock_wall() in the daemon), so tests can move the clock.
 */
#ifndef STADION_DNS_TSIG_H
#define STADION_DNS_TSIG_H

#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

/* The rcode of an answer to a request that failed TSIG (RFC 8945 5.2). */
#define DNS_RCODE_NOTAUTH 9

/* The TSIG RR's Error field (RFC 8945 3). */
enum {
	DNS_TSIG_NOERROR = 0,
	DNS_TSIG_BADSIG = 16,
	DNS_TSIG_BADKEY = 17,
	DNS_TSIG_BADTIME = 18,
	DNS_TSIG_BADTRUNC = 22,
};

#define DNS_TSIG_FUDGE 300	/* seconds of clock skew we allow others */
#define DNS_TSIG_MAC_MAX 64	/* HMAC-SHA512 */
#define DNS_TSIG_SECRET_MAX 256

enum dns_tsig_alg {
	DNS_TSIG_HMAC_SHA1,
	DNS_TSIG_HMAC_SHA224,
	DNS_TSIG_HMAC_SHA256,
	DNS_TSIG_HMAC_SHA384,
	DNS_TSIG_HMAC_SHA512,
	DNS_TSIG_ALG_COUNT
};

/* What we know of an algorithm. */
struct dns_tsig_algdef {
	const char *text;	/* "hmac-sha256", as in key files */
	const uint8_t *wire;	/* its name in the TSIG RR (RFC 4635) */
	const char *digest;	/* OpenSSL's name of the hash */
	size_t size;		/* octets of the full MAC */
};

/* The definition of alg (a valid enum value). */
const struct dns_tsig_algdef *dns_tsig_alg(enum dns_tsig_alg alg);
/* The algorithm of a wire name (any case); ST_ENOTFOUND if unsupported. */
int dns_tsig_alg_from_wire(const uint8_t *name, enum dns_tsig_alg *alg);

struct dns_tsig_key {
	uint8_t name[DNS_NAME_MAX];	/* wire form, lowercase */
	size_t namelen;
	enum dns_tsig_alg alg;
	/*
	 * Octets of MAC we send, and the fewest we accept (shorter is
	 * BADTRUNC): the hash size, or less for BIND's "hmac-sha256-128".
	 */
	size_t maclen;
	uint8_t secret[DNS_TSIG_SECRET_MAX];
	size_t secretlen;
};

/*
 * Fill key from its name ("upd.example" or "upd.example."), algorithm
 * ("hmac-sha256", "hmac-sha256-128"; NULL means hmac-sha256) and base64
 * secret. ST_EINVAL with *why (static text) on a bad name, algorithm or
 * secret; key is then wiped.
 */
int dns_tsig_key_init(struct dns_tsig_key *key, const char *name,
    const char *alg, const char *secret, const char **why);
/* Wipe the secret (and the rest). */
void dns_tsig_key_deinit(struct dns_tsig_key *key);

/* A set of keys with distinct names. Secrets are wiped when dropped. */
struct dns_tsig_keyring {
	struct dns_tsig_key *keys;
	size_t nkeys, cap;
};

void dns_tsig_keyring_init(struct dns_tsig_keyring *kr);
void dns_tsig_keyring_deinit(struct dns_tsig_keyring *kr);
/* Copy key in. ST_EEXIST if a key of that name is there; ST_ENOMEM. */
int dns_tsig_keyring_add(struct dns_tsig_keyring *kr,
    const struct dns_tsig_key *key);
/*
 * The key of a wire name (any case), or NULL. The pointer stays valid until
 * the next add or the deinit.
 */
const struct dns_tsig_key *dns_tsig_keyring_find(
    const struct dns_tsig_keyring *kr, const uint8_t *name);

/*
 * Add the keys of a BIND key file (as tsig-keygen writes it and
 * nsupdate -k reads it: `key "name" { algorithm hmac-sha256; secret "..."; };`,
 * any number of keys, #, // and C comments). All or nothing: on an error
 * the keyring is left as it was and err holds "FILE:LINE: why". Returns
 * ST_EIO (cannot read; err says why), ST_ECONFIG (syntax, bad or duplicate
 * key), ST_ENOMEM.
 */
int dns_tsig_keyfile_load(struct dns_tsig_keyring *kr, const char *path,
    char *err, size_t errlen);
/* The same on text in memory; fname is only for the messages. */
int dns_tsig_keyfile_parse(struct dns_tsig_keyring *kr, const char *text,
    size_t len, const char *fname, char *err, size_t errlen);

/* A TSIG RR as found at the end of a message. */
struct dns_tsig_rr {
	size_t off;		/* where it starts: the message proper ends here */
	uint8_t name[DNS_NAME_MAX];	/* key name, lowercase */
	size_t namelen;
	uint16_t class;
	uint32_t ttl;
	uint8_t alg[DNS_NAME_MAX];	/* algorithm name, lowercase */
	size_t alglen;
	uint64_t time_signed;	/* 48 bits */
	uint16_t fudge;
	uint16_t maclen;
	const uint8_t *mac;	/* in the message */
	uint16_t orig_id;
	uint16_t error;
	uint16_t otherlen;
	const uint8_t *other;	/* in the message */
};

/*
 * Find and parse the TSIG RR of msg. ST_OK; ST_ENOTFOUND when the message
 * carries none; ST_EFORMAT when a TSIG RR is anywhere but last in the
 * additional section, is not of class ANY, its rdata is malformed, or the
 * message is malformed before it.
 */
int dns_tsig_rr_find(const uint8_t *msg, size_t len, struct dns_tsig_rr *rr);

struct evp_mac_ctx_st;

/* One signed exchange. Zero it or let the functions below fill it. */
struct dns_tsig_ctx {
	const struct dns_tsig_key *key;	/* NULL when the request's is unknown */
	uint8_t keyname[DNS_NAME_MAX];	/* as the request names it */
	size_t keynamelen;
	uint8_t algname[DNS_NAME_MAX];
	size_t algnamelen;
	uint16_t error;		/* verdict: DNS_TSIG_NOERROR or DNS_TSIG_BAD* */
	uint64_t time_signed;	/* the request's (a BADTIME answer echoes it) */
	uint64_t other_time;	/* the server's clock in a BADTIME answer */
	size_t msglen;		/* the last message verified, less its TSIG */
	uint8_t mac[DNS_TSIG_MAC_MAX];	/* the previous MAC of the exchange */
	size_t maclen;
	unsigned nmsg;		/* messages of the answer signed or verified */
	unsigned unsigned_run;	/* answer messages since the last signed */
	struct evp_mac_ctx_st *run;	/* MAC over those, client side */
};

/* Free what the exchange holds and wipe it; accepts a zeroed ctx. */
void dns_tsig_ctx_deinit(struct dns_tsig_ctx *ctx);

/*
 * Server: check the request msg against the keys of kr at time now
 * (RFC 8945 5.2: key, then MAC, then time, then truncation policy), and
 * fill ctx (which needs no init; deinit it after use).
 * ST_OK: ctx->error is the verdict: DNS_TSIG_NOERROR (verified), or
 * BADKEY, BADSIG, BADTIME, BADTRUNC: answer NOTAUTH and sign the answer
 * with dns_tsig_sign all the same (it knows which errors go unsigned).
 * ctx->msglen is where the message proper ends (its ARCOUNT still counts
 * the TSIG RR). ST_ENOTFOUND: the request is not signed. ST_EFORMAT:
 * malformed TSIG RR or MAC size: answer FORMERR, unsigned. ST_ENOMEM.
 */
int dns_tsig_verify_request(struct dns_tsig_ctx *ctx,
    const struct dns_tsig_keyring *kr, const uint8_t *msg, size_t len,
    uint64_t now);

/*
 * Space the next dns_tsig_sign may add, to keep free below the size limit
 * of the message (a UDP answer is truncated to fit with its TSIG).
 */
size_t dns_tsig_space(const struct dns_tsig_ctx *ctx);

/*
 * Server: append the TSIG RR to the answer msg (*len octets of cap, ARCOUNT
 * not counting it; the rcode already set) and count it in ARCOUNT. The first
 * message covers the request MAC and all TSIG variables; each later one
 * (TCP) the previous MAC and the timers only. BADKEY and BADSIG answers
 * carry an unsigned TSIG RR; BADTIME and BADTRUNC ones are signed, and
 * BADTIME's carries now in Other Data and the request's time. ST_ESPACE
 * (msg unchanged), ST_EINVAL (no header, or ARCOUNT full), ST_ENOMEM.
 */
int dns_tsig_sign(struct dns_tsig_ctx *ctx, uint8_t *msg, size_t *len,
    size_t cap, uint64_t now);

/*
 * Client: start an exchange in ctx (no init needed; deinit after use) and
 * sign the request msg with key, as dns_tsig_sign does. key must outlive
 * ctx. ST_ESPACE, ST_EINVAL, ST_ENOMEM.
 */
int dns_tsig_sign_request(struct dns_tsig_ctx *ctx,
    const struct dns_tsig_key *key, uint8_t *msg, size_t *len, size_t cap,
    uint64_t now);

/*
 * Client: check the next message of the answer (ctx from
 * dns_tsig_sign_request, or from dns_tsig_verify_request to check a
 * captured exchange). ST_OK: ctx->error is the verdict: NOERROR, a local
 * failure (BADKEY: other key or algorithm; BADSIG: wrong MAC, or an
 * unsigned first message or 100th in a row; BADTIME), or the error the
 * server put in its TSIG RR (ctx->other_time holds its clock on BADTIME).
 * ST_ENOTFOUND: an unsigned message inside a TCP answer, taken into the
 * next signed one's MAC; the last message must be signed. ST_EFORMAT,
 * ST_ENOMEM. The exchange is over after any verdict but NOERROR.
 */
int dns_tsig_verify_response(struct dns_tsig_ctx *ctx, const uint8_t *msg,
    size_t len, uint64_t now);

#endif
