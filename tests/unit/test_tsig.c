/*
 * test_tsig.c -- TSIG (RFC 8945): sign/verify round trips with every
 * algorithm, every error (BADKEY, BADSIG, BADTIME, BADTRUNC, FORMERR), the
 * fudge window, truncated MACs, compressed names, multi-message answers,
 * room for the TSIG RR. BIND's and Knot's messages: test_tsig_interop.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dns/pkt.h"
#include "dns/tsig.h"
#include "util/error.h"
#include "util/wire.h"
#include "testlib.h"
#include "tsig_fixture.h"

#define NOW 1700000000u

/* A query for name (with EDNS when edns), signed with k at now. */
static size_t
query(struct dns_tsig_ctx *client, const struct dns_tsig_key *k,
    const char *name, uint16_t qtype, int edns, uint64_t now)
{
	size_t len = testlib_query(tf_req, TF_BUF, 0x1234, name, qtype,
	    DNS_CLASS_IN, edns ? 1232 : 0);

	assert_int_equal(dns_tsig_sign_request(client, k, tf_req, &len, TF_BUF,
	    now), ST_OK);
	return len;
}

/* The answer to tf_req (A 192.0.2.1 when rcode is NOERROR), signed by srv. */
static size_t
answer(struct dns_tsig_ctx *srv, size_t reqlen, uint8_t rcode, uint64_t now)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	struct dns_query q;
	struct dns_pkt p;
	size_t len;

	assert_int_equal(dns_pkt_parse_query(tf_req, reqlen, &q), ST_OK);
	dns_pkt_init(&p, tf_resp, TF_BUF, TF_BUF - dns_tsig_space(srv), &q,
	    DNS_FLAG_AA, rcode);
	assert_int_equal(dns_pkt_put_question(&p, &q), ST_OK);
	if (rcode == DNS_RCODE_NOERROR)
		assert_int_equal(dns_pkt_put_rr(&p, DNS_SEC_AN, q.qname,
		    DNS_TYPE_A, DNS_CLASS_IN, 60, a, 4), ST_OK);
	len = dns_pkt_finish(&p);
	assert_int_equal(dns_tsig_sign(srv, tf_resp, &len, TF_BUF, now), ST_OK);
	return len;
}

/* Replace n octets at off of buf (*len long) by the m octets of with. */
static void
splice(uint8_t *buf, size_t *len, size_t off, size_t n, const void *with,
    size_t m)
{
	memmove(buf + off + m, buf + off + n, *len - off - n);
	memcpy(buf + off, with, m);
	*len = *len - n + m;
}

/* Where the TSIG RR starts. */
static size_t
tsig_off(const uint8_t *msg, size_t len)
{
	struct dns_tsig_rr rr;

	assert_int_equal(dns_tsig_rr_find(msg, len, &rr), ST_OK);
	return rr.off;
}

/* Where its rdata starts (owner uncompressed). */
static size_t
rdata_off(const uint8_t *msg, size_t len)
{
	struct dns_tsig_rr rr;

	assert_int_equal(dns_tsig_rr_find(msg, len, &rr), ST_OK);
	return rr.off + rr.namelen + 10;
}

/* Where its MAC Size field is (algorithm name uncompressed). */
static size_t
macsize_off(const uint8_t *msg, size_t len)
{
	struct dns_tsig_rr rr;

	assert_int_equal(dns_tsig_rr_find(msg, len, &rr), ST_OK);
	return rdata_off(msg, len) + rr.alglen + 8;
}

/* Set the TSIG RR's RDLENGTH after editing its rdata. */
static void
fix_rdlen(uint8_t *msg, size_t len, size_t rdoff)
{
	wire_wr16(msg + rdoff - 2, (uint16_t)(len - rdoff));
}

static void
test_roundtrip(void **state)
{
	static const char *names[] = { "k1.example", "k224.example",
	    "k256.example", "k384.example", "k512.example", "t256.example" };
	struct dns_tsig_ctx client, saved, srv;
	struct dns_tsig_rr rr;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct dns_tsig_key *k = tf_key(names[i]);
		size_t unsigned_len = testlib_query(tf_req, TF_BUF, 0x1234,
		    "www.example", DNS_TYPE_A, DNS_CLASS_IN, 1232);
		size_t len = query(&client, k, "www.example", DNS_TYPE_A, 1,
		    NOW);

		assert_int_equal(wire_rd16(tf_req + 10), 2);
		assert_int_equal(dns_tsig_rr_find(tf_req, len, &rr), ST_OK);
		assert_int_equal(rr.off, unsigned_len);
		assert_int_equal(rr.maclen, k->maclen);
		assert_int_equal(rr.time_signed, NOW);
		assert_int_equal(rr.fudge, DNS_TSIG_FUDGE);
		assert_int_equal(rr.orig_id, 0x1234);
		/* A forwarder may change the id: the original is signed. */
		wire_wr16(tf_req, 0x9999);
		assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req,
		    len, NOW + 1), ST_OK);
		assert_int_equal(srv.error, DNS_TSIG_NOERROR);
		assert_ptr_equal(srv.key, k);
		assert_int_equal(srv.msglen, unsigned_len);

		len = answer(&srv, len, DNS_RCODE_NOERROR, NOW + 2);
		assert_int_equal(dns_tsig_rr_find(tf_resp, len, &rr), ST_OK);
		assert_memory_equal(rr.name, k->name, k->namelen);
		assert_memory_equal(rr.alg, dns_tsig_alg(k->alg)->wire,
		    rr.alglen);
		assert_int_equal(rr.class, DNS_CLASS_ANY);
		assert_int_equal(rr.ttl, 0);
		assert_int_equal(rr.time_signed, NOW + 2);
		assert_int_equal(rr.maclen, k->maclen);
		assert_int_equal(rr.orig_id, 0x9999);
		assert_int_equal(rr.error, 0);
		assert_int_equal(rr.otherlen, 0);
		saved = client;
		assert_int_equal(dns_tsig_verify_response(&client, tf_resp, len,
		    NOW + 3), ST_OK);
		assert_int_equal(client.error, DNS_TSIG_NOERROR);
		/* A changed answer does not verify. */
		tf_resp[DNS_HDR_LEN + 1] ^= 0x20;
		assert_int_equal(dns_tsig_verify_response(&saved, tf_resp, len,
		    NOW + 3), ST_OK);
		assert_int_equal(saved.error, DNS_TSIG_BADSIG);
		dns_tsig_ctx_deinit(&srv);
		dns_tsig_ctx_deinit(&client);
	}
}

static void
test_badkey_badsig(void **state)
{
	struct dns_tsig_ctx client, srv;
	struct dns_tsig_key other;
	struct dns_tsig_rr rr;
	const char *why;
	uint16_t err;
	size_t len;

	/* Unsigned. */
	len = testlib_query(tf_req, TF_BUF, 1, "www.example", DNS_TYPE_A,
	    DNS_CLASS_IN, 1232);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_ENOTFOUND);

	/* A key we do not have: BADKEY, answered unsigned, named as asked. */
	assert_int_equal(dns_tsig_key_init(&other, "Other.Example", NULL,
	    "c2VjcmV0", &why), ST_OK);
	len = query(&client, &other, "www.example", DNS_TYPE_A, 1, NOW);
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len, NOW),
	    ST_OK);
	assert_int_equal(srv.error, DNS_TSIG_BADKEY);
	assert_null(srv.key);
	len = answer(&srv, len, DNS_RCODE_NOTAUTH, NOW);
	assert_int_equal(tf_resp[3] & 0x0f, DNS_RCODE_NOTAUTH);
	assert_int_equal(dns_tsig_rr_find(tf_resp, len, &rr), ST_OK);
	assert_memory_equal(rr.name, "\5other\7example", 15);
	assert_int_equal(rr.maclen, 0);
	assert_int_equal(rr.error, DNS_TSIG_BADKEY);
	assert_int_equal(dns_tsig_verify_response(&client, tf_resp, len, NOW),
	    ST_OK);
	assert_int_equal(client.error, DNS_TSIG_BADKEY);
	dns_tsig_ctx_deinit(&srv);
	dns_tsig_ctx_deinit(&client);

	/* A name we know under another algorithm: BADKEY too. */
	assert_int_equal(dns_tsig_key_init(&other, "k256.example",
	    "hmac-sha512", "c2VjcmV0", &why), ST_OK);
	len = query(&client, &other, "www.example", DNS_TYPE_A, 1, NOW);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
	assert_int_equal(err, DNS_TSIG_BADKEY);
	dns_tsig_ctx_deinit(&client);

	/* The right name and algorithm, the wrong secret: BADSIG, unsigned. */
	assert_int_equal(dns_tsig_key_init(&other, "k256.example", NULL,
	    "c2VjcmV0", &why), ST_OK);
	len = query(&client, &other, "www.example", DNS_TYPE_A, 1, NOW);
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len, NOW),
	    ST_OK);
	assert_int_equal(srv.error, DNS_TSIG_BADSIG);
	assert_ptr_equal(srv.key, tf_key("k256.example"));
	len = answer(&srv, len, DNS_RCODE_NOTAUTH, NOW);
	assert_int_equal(dns_tsig_rr_find(tf_resp, len, &rr), ST_OK);
	assert_int_equal(rr.maclen, 0);
	assert_int_equal(rr.error, DNS_TSIG_BADSIG);
	assert_int_equal(dns_tsig_verify_response(&client, tf_resp, len, NOW),
	    ST_OK);
	assert_int_equal(client.error, DNS_TSIG_BADSIG);
	dns_tsig_ctx_deinit(&srv);
	dns_tsig_ctx_deinit(&client);
	dns_tsig_key_deinit(&other);

	/*
	 * Any octet changed that the MAC covers: flags, the question (its
	 * case too), the OPT RR, time signed, fudge, the MAC itself.
	 */
	{
		size_t ms, flips[8];

		len = query(&client, tf_key("k256.example"), "www.example",
		    DNS_TYPE_A, 1, NOW);
		ms = macsize_off(tf_req, len);
		flips[0] = 2;
		flips[1] = DNS_HDR_LEN + 1;
		flips[2] = 30;
		flips[3] = ms - 3;
		flips[4] = ms - 1;
		flips[5] = ms + 2;
		flips[6] = ms + 2 + 31;
		flips[7] = ms + 2 + 32 + 1;	/* the original id */
		for (size_t i = 0; i < 8; i++) {
			tf_req[flips[i]] ^= 0x20;
			assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
			assert_int_equal(err, DNS_TSIG_BADSIG);
			tf_req[flips[i]] ^= 0x20;
		}
		assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
		assert_int_equal(err, DNS_TSIG_NOERROR);
		dns_tsig_ctx_deinit(&client);
	}
}

static void
test_badtime(void **state)
{
	struct dns_tsig_ctx client, srv;
	struct dns_tsig_rr rr;
	uint16_t err;
	size_t len;

	len = query(&client, tf_key("k256.example"), "www.example", DNS_TYPE_A,
	    1, NOW);
	/* The fudge window is inclusive, both ways. */
	assert_int_equal(tf_verify(tf_req, len, NOW + 300, &err), ST_OK);
	assert_int_equal(err, DNS_TSIG_NOERROR);
	assert_int_equal(tf_verify(tf_req, len, NOW - 300, &err), ST_OK);
	assert_int_equal(err, DNS_TSIG_NOERROR);
	assert_int_equal(tf_verify(tf_req, len, NOW - 301, &err), ST_OK);
	assert_int_equal(err, DNS_TSIG_BADTIME);

	/* Answered signed, with the request's time and our clock. */
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len,
	    NOW + 301), ST_OK);
	assert_int_equal(srv.error, DNS_TSIG_BADTIME);
	len = answer(&srv, len, DNS_RCODE_NOTAUTH, NOW + 301);
	assert_int_equal(dns_tsig_rr_find(tf_resp, len, &rr), ST_OK);
	assert_int_equal(rr.error, DNS_TSIG_BADTIME);
	assert_int_equal(rr.time_signed, NOW);
	assert_int_equal(rr.maclen, 32);
	assert_int_equal(rr.otherlen, 6);
	assert_int_equal(wire_rd16(rr.other), 0);
	assert_int_equal(wire_rd32(rr.other + 2), NOW + 301);
	/* The client verifies it, then learns the server's clock. */
	assert_int_equal(dns_tsig_verify_response(&client, tf_resp, len, NOW),
	    ST_OK);
	assert_int_equal(client.error, DNS_TSIG_BADTIME);
	assert_int_equal(client.other_time, NOW + 301);
	dns_tsig_ctx_deinit(&srv);
	dns_tsig_ctx_deinit(&client);

	/* A client takes no answer signed too long ago either. */
	len = query(&client, tf_key("k256.example"), "www.example", DNS_TYPE_A,
	    1, NOW);
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len, NOW),
	    ST_OK);
	len = answer(&srv, len, DNS_RCODE_NOERROR, NOW);
	assert_int_equal(dns_tsig_verify_response(&client, tf_resp, len,
	    NOW + 301), ST_OK);
	assert_int_equal(client.error, DNS_TSIG_BADTIME);
	assert_int_equal(client.other_time, 0);
	dns_tsig_ctx_deinit(&srv);
	dns_tsig_ctx_deinit(&client);
}

/* Rewrite the request's MAC to n octets (RDLENGTH and MAC size too). */
static void
set_maclen(size_t *len, size_t n)
{
	uint8_t pad[64] = { 0 };
	size_t rd = rdata_off(tf_req, *len), at = macsize_off(tf_req, *len);
	size_t old = wire_rd16(tf_req + at);

	if (n < old)
		splice(tf_req, len, at + 2 + n, old - n, "", 0);
	else
		splice(tf_req, len, at + 2 + old, 0, pad, n - old);
	wire_wr16(tf_req + at, (uint16_t)n);
	fix_rdlen(tf_req, *len, rd);
}

static void
test_truncation(void **state)
{
	struct dns_tsig_ctx client, srv;
	struct dns_tsig_key k;
	struct dns_tsig_rr rr;
	uint16_t err;
	size_t len;

	/* t256 allows MACs of 128 bits: NOERROR, answered with as many. */
	len = query(&client, tf_key("t256.example"), "www.example", DNS_TYPE_A,
	    1, NOW);
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len, NOW),
	    ST_OK);
	assert_int_equal(srv.error, DNS_TSIG_NOERROR);
	assert_int_equal(srv.maclen, 16);
	len = answer(&srv, len, DNS_RCODE_NOERROR, NOW);
	assert_int_equal(dns_tsig_rr_find(tf_resp, len, &rr), ST_OK);
	assert_int_equal(rr.maclen, 16);
	assert_int_equal(dns_tsig_verify_response(&client, tf_resp, len, NOW),
	    ST_OK);
	assert_int_equal(client.error, DNS_TSIG_NOERROR);
	dns_tsig_ctx_deinit(&srv);
	dns_tsig_ctx_deinit(&client);

	/* k256 wants all 256 bits: a valid truncated MAC is BADTRUNC, signed. */
	k = *tf_key("k256.example");
	k.maclen = 16;
	len = query(&client, &k, "www.example", DNS_TYPE_A, 1, NOW);
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len, NOW),
	    ST_OK);
	assert_int_equal(srv.error, DNS_TSIG_BADTRUNC);
	len = answer(&srv, len, DNS_RCODE_NOTAUTH, NOW);
	assert_int_equal(dns_tsig_rr_find(tf_resp, len, &rr), ST_OK);
	assert_int_equal(rr.error, DNS_TSIG_BADTRUNC);
	assert_int_equal(rr.maclen, 32);
	assert_int_equal(dns_tsig_verify_response(&client, tf_resp, len, NOW),
	    ST_OK);
	assert_int_equal(client.error, DNS_TSIG_BADTRUNC);
	dns_tsig_ctx_deinit(&srv);
	/* But a wrong truncated MAC is BADSIG: the MAC is checked first. */
	len = query(&client, &k, "www.example", DNS_TYPE_A, 1, NOW);
	tf_req[DNS_HDR_LEN + 1] ^= 0x20;
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
	assert_int_equal(err, DNS_TSIG_BADSIG);
	dns_tsig_ctx_deinit(&client);

	/* Shorter than half the hash, or than 10 octets: FORMERR. */
	len = query(&client, tf_key("k256.example"), "www.example", DNS_TYPE_A,
	    1, NOW);
	set_maclen(&len, 15);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	set_maclen(&len, 0);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	/* Longer than the hash: FORMERR. */
	set_maclen(&len, 33);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	dns_tsig_ctx_deinit(&client);
	k = *tf_key("k1.example");
	k.maclen = 10;
	len = query(&client, &k, "www.example", DNS_TYPE_A, 1, NOW);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
	assert_int_equal(err, DNS_TSIG_BADTRUNC);
	set_maclen(&len, 9);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	dns_tsig_ctx_deinit(&client);
	dns_tsig_key_deinit(&k);
}

static void
test_formerr(void **state)
{
	static const uint8_t extra[] = { 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
	    192, 0, 2, 1 };
	struct dns_tsig_ctx client;
	struct dns_tsig_rr rr;
	uint8_t tsig[512];
	uint16_t err;
	size_t len, off, tlen, nl;

	len = query(&client, tf_key("k256.example"), "www.example", DNS_TYPE_A,
	    1, NOW);
	assert_int_equal(dns_tsig_rr_find(tf_req, len, &rr), ST_OK);
	off = rr.off;
	nl = rr.namelen;
	tlen = len - off;
	memcpy(tsig, tf_req + off, tlen);

	/* Not last: an RR after it. */
	splice(tf_req, &len, len, 0, extra, sizeof(extra));
	wire_wr16(tf_req + 10, 3);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	/* Two of them. */
	len = off + tlen;
	splice(tf_req, &len, len, 0, tsig, tlen);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	/* Octets after it. */
	len = off + tlen;
	wire_wr16(tf_req + 10, 2);
	splice(tf_req, &len, len, 0, "", 1);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	/* Cut short, anywhere. */
	for (size_t n = DNS_HDR_LEN; n < off + tlen; n++)
		assert_int_equal(tf_verify(tf_req, n, NOW, &err), ST_EFORMAT);
	len = off + tlen;
	/* Not of class ANY. */
	wire_wr16(tf_req + off + nl + 2, DNS_CLASS_IN);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	wire_wr16(tf_req + off + nl + 2, DNS_CLASS_ANY);
	/* RDLENGTH off by one, either way. */
	wire_wr16(tf_req + off + nl + 8, (uint16_t)(tlen - nl - 10 - 1));
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	wire_wr16(tf_req + off + nl + 8, (uint16_t)(tlen - nl - 10 + 1));
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	wire_wr16(tf_req + off + nl + 8, (uint16_t)(tlen - nl - 10));
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
	/* Other Len past the end. */
	tf_req[len - 1] = 1;
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	tf_req[len - 1] = 0;
	/* An owner that points at itself. */
	splice(tf_req, &len, off, nl, "\xc0\x00", 2);
	wire_wr16(tf_req + off, (uint16_t)(0xc000 | off));
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_EFORMAT);
	dns_tsig_ctx_deinit(&client);

	/* In the answer section (a query without EDNS, ANCOUNT 1). */
	len = query(&client, tf_key("k256.example"), "www.example", DNS_TYPE_A,
	    0, NOW);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
	wire_wr16(tf_req + 6, 1);
	wire_wr16(tf_req + 10, 0);
	assert_int_equal(dns_tsig_rr_find(tf_req, len, &rr), ST_EFORMAT);
	dns_tsig_ctx_deinit(&client);
}

/* Names compressed or in another case are the same names to the MAC. */
static void
test_names(void **state)
{
	struct dns_tsig_ctx client;
	size_t len, off, rd;
	uint16_t err;

	/* The owner: a pointer to the question, "k256.example". */
	len = query(&client, tf_key("k256.example"), "k256.example",
	    DNS_TYPE_TXT, 0, NOW);
	off = tsig_off(tf_req, len);
	splice(tf_req, &len, off, 14, "\xc0\x0c", 2);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
	assert_int_equal(err, DNS_TSIG_NOERROR);
	dns_tsig_ctx_deinit(&client);

	/* The owner in capitals. */
	len = query(&client, tf_key("k256.example"), "www.example", DNS_TYPE_A,
	    1, NOW);
	off = tsig_off(tf_req, len);
	memcpy(tf_req + off, "\4K256\7EXAMPLE", 14);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
	assert_int_equal(err, DNS_TSIG_NOERROR);
	dns_tsig_ctx_deinit(&client);

	/* The algorithm: a pointer to a question for "HMAC-SHA256". */
	len = query(&client, tf_key("k256.example"), "HMAC-SHA256", DNS_TYPE_TXT,
	    0, NOW);
	rd = rdata_off(tf_req, len);
	splice(tf_req, &len, rd, 13, "\xc0\x0c", 2);
	fix_rdlen(tf_req, len, rd);
	assert_int_equal(tf_verify(tf_req, len, NOW, &err), ST_OK);
	assert_int_equal(err, DNS_TSIG_NOERROR);
	dns_tsig_ctx_deinit(&client);
}

#define MSG_CAP 4096

/* Answer message m of a transfer: 20 A records, the first the question. */
static size_t
axfr_msg(int m, const struct dns_query *q, uint8_t *buf, size_t limit)
{
	uint8_t name[DNS_NAME_MAX], a[4] = { 192, 0, 2, 0 };
	struct dns_pkt p;

	dns_pkt_init(&p, buf, MSG_CAP, limit, q, DNS_FLAG_AA,
	    DNS_RCODE_NOERROR);
	if (m == 0)
		assert_int_equal(dns_pkt_put_question(&p, q), ST_OK);
	for (int i = 0; i < 20; i++) {
		a[3] = (uint8_t)i;
		memcpy(name, "\2h0", 3);
		name[2] = (uint8_t)('a' + m);
		memcpy(name + 3, q->qname, q->qname_len);
		assert_int_equal(dns_pkt_put_rr(&p, DNS_SEC_AN, name,
		    DNS_TYPE_A, DNS_CLASS_IN, 60, a, 4), ST_OK);
	}
	return dns_pkt_finish(&p);
}

static uint8_t msgs[6][MSG_CAP];
static size_t msglens[6];

static void
test_multi_message(void **state)
{
	struct dns_tsig_ctx client, start, srv;
	struct dns_query q;
	size_t len;

	len = query(&client, tf_key("k512.example"), "example", DNS_TYPE_AXFR, 0,
	    NOW);
	start = client;
	assert_int_equal(dns_pkt_parse_query(tf_req, len, &q), ST_OK);
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len, NOW),
	    ST_OK);
	for (int m = 0; m < 6; m++) {
		msglens[m] = axfr_msg(m, &q, msgs[m],
		    sizeof(msgs[m]) - dns_tsig_space(&srv));
		assert_int_equal(dns_tsig_sign(&srv, msgs[m], &msglens[m],
		    sizeof(msgs[m]), NOW + (uint64_t)m), ST_OK);
	}
	assert_int_equal(srv.nmsg, 6);
	for (int m = 0; m < 6; m++) {
		assert_int_equal(dns_tsig_verify_response(&client, msgs[m],
		    msglens[m], NOW + 6), ST_OK);
		assert_int_equal(client.error, DNS_TSIG_NOERROR);
	}
	assert_int_equal(client.nmsg, 6);

	/* A message lost, the order changed, a message changed. */
	client = start;
	dns_tsig_verify_response(&client, msgs[0], msglens[0], NOW);
	dns_tsig_verify_response(&client, msgs[2], msglens[2], NOW);
	assert_int_equal(client.error, DNS_TSIG_BADSIG);
	client = start;
	dns_tsig_verify_response(&client, msgs[1], msglens[1], NOW);
	assert_int_equal(client.error, DNS_TSIG_BADSIG);
	client = start;
	msgs[1][40] ^= 1;
	dns_tsig_verify_response(&client, msgs[0], msglens[0], NOW);
	assert_int_equal(client.error, DNS_TSIG_NOERROR);
	dns_tsig_verify_response(&client, msgs[1], msglens[1], NOW);
	assert_int_equal(client.error, DNS_TSIG_BADSIG);
	msgs[1][40] ^= 1;
	dns_tsig_ctx_deinit(&srv);
	dns_tsig_ctx_deinit(&client);
}

/*
 * RFC 8945 5.3.1: a TCP answer may leave up to 99 messages in a row
 * unsigned; the next signed one covers them. Our server signs every
 * message, so the test signs such a one itself with OpenSSL's HMAC().
 */
static void
test_unsigned_messages(void **state)
{
	const struct dns_tsig_key *k = tf_key("k256.example");
	struct dns_tsig_ctx client, start, srv;
	static uint8_t cover[TF_BUF];
	struct dns_query q;
	unsigned int maclen;
	size_t len, n = 0;
	uint8_t *rdata;

	len = query(&client, k, "example", DNS_TYPE_AXFR, 0, NOW);
	start = client;
	assert_int_equal(dns_pkt_parse_query(tf_req, len, &q), ST_OK);
	assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req, len, NOW),
	    ST_OK);
	for (int m = 0; m < 4; m++)
		msglens[m] = axfr_msg(m, &q, msgs[m], 3000);
	assert_int_equal(dns_tsig_sign(&srv, msgs[0], &msglens[0], MSG_CAP,
	    NOW), ST_OK);
	/* Message 3 covers messages 1 and 2: signed by us for its TSIG RR. */
	assert_int_equal(dns_tsig_sign(&srv, msgs[3], &msglens[3], MSG_CAP,
	    NOW), ST_OK);
	wire_wr16(cover, 32);
	memcpy(cover + 2, msgs[0] + msglens[0] - 6 - 32, 32);
	n = 34;
	for (int m = 1; m < 3; m++) {
		memcpy(cover + n, msgs[m], msglens[m]);
		n += msglens[m];
	}
	len = tsig_off(msgs[3], msglens[3]);
	memcpy(cover + n, msgs[3], len);
	wire_wr16(cover + n + 10, 0);
	n += len;
	rdata = msgs[3] + rdata_off(msgs[3], msglens[3]);
	memcpy(cover + n, rdata + 13, 8);	/* the timers */
	n += 8;
	assert_non_null(HMAC(EVP_sha256(), k->secret, (int)k->secretlen,
	    cover, n, rdata + 13 + 10, &maclen));
	assert_int_equal(maclen, 32);

	for (int m = 0; m < 4; m++) {
		int rc = dns_tsig_verify_response(&client, msgs[m],
		    msglens[m], NOW);

		assert_int_equal(rc, m == 1 || m == 2 ? ST_ENOTFOUND : ST_OK);
		assert_int_equal(client.error, DNS_TSIG_NOERROR);
	}
	dns_tsig_ctx_deinit(&client);
	/* One of the unsigned messages changed. */
	client = start;
	msgs[2][30] ^= 1;
	for (int m = 0; m < 4; m++)
		dns_tsig_verify_response(&client, msgs[m], msglens[m], NOW);
	assert_int_equal(client.error, DNS_TSIG_BADSIG);
	dns_tsig_ctx_deinit(&client);
	/* The first message must be signed; 99 unsigned in a row, not 100. */
	client = start;
	assert_int_equal(dns_tsig_verify_response(&client, msgs[1],
	    msglens[1], NOW), ST_OK);
	assert_int_equal(client.error, DNS_TSIG_BADSIG);
	client = start;
	dns_tsig_verify_response(&client, msgs[0], msglens[0], NOW);
	for (int i = 0; i < 99; i++)
		assert_int_equal(dns_tsig_verify_response(&client, msgs[1],
		    msglens[1], NOW), ST_ENOTFOUND);
	assert_int_equal(dns_tsig_verify_response(&client, msgs[1],
	    msglens[1], NOW), ST_OK);
	assert_int_equal(client.error, DNS_TSIG_BADSIG);
	dns_tsig_ctx_deinit(&client);
	dns_tsig_ctx_deinit(&srv);
}

static void
test_space(void **state)
{
	struct dns_tsig_ctx client, srv;
	struct dns_tsig_key other;
	uint8_t copy[512];
	const char *why;
	size_t len, need, cut;

	for (int c = 0; c < 3; c++) {
		if (c == 1) {
			assert_int_equal(dns_tsig_key_init(&other, "nosuch",
			    NULL, "AAAA", &why), ST_OK);
			len = query(&client, &other, "www.example",
			    DNS_TYPE_A, 1, NOW);
		} else {
			len = query(&client, tf_key("k512.example"),
			    "www.example", DNS_TYPE_A, 1, NOW);
		}
		assert_int_equal(dns_tsig_verify_request(&srv, &tf_ring, tf_req,
		    len, c == 2 ? NOW + 1000 : NOW), ST_OK);
		assert_int_equal(srv.error, c == 0 ? DNS_TSIG_NOERROR :
		    c == 1 ? DNS_TSIG_BADKEY : DNS_TSIG_BADTIME);
		len = answer(&srv, len, DNS_RCODE_NOERROR, NOW);
		cut = tsig_off(tf_resp, len);
		need = len - cut;
		assert_true(need <= dns_tsig_space(&srv));
		assert_true(need + 6 >= dns_tsig_space(&srv));
		/* No room: ST_ESPACE, the message as it was. */
		srv.nmsg = 0;
		len = cut;
		wire_wr16(tf_resp + 10, (uint16_t)(wire_rd16(tf_resp + 10) - 1));
		memcpy(copy, tf_resp, len);
		assert_int_equal(dns_tsig_sign(&srv, tf_resp, &len,
		    cut + need - 1, NOW), ST_ESPACE);
		assert_int_equal(len, cut);
		assert_memory_equal(copy, tf_resp, len);
		assert_int_equal(dns_tsig_sign(&srv, tf_resp, &len, cut + need,
		    NOW), ST_OK);
		dns_tsig_ctx_deinit(&srv);
		dns_tsig_ctx_deinit(&client);
	}
	dns_tsig_key_deinit(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_badkey_badsig),
		cmocka_unit_test(test_badtime),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_formerr),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_multi_message),
		cmocka_unit_test(test_unsigned_messages),
		cmocka_unit_test(test_space),
	};

	return cmocka_run_group_tests(tests, tf_setup, tf_teardown);
}
