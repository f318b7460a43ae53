/*
 * tsigtool.c -- stadion's TSIG code on the command line, for the system
 * tests against BIND's and Knot's clients:
 *
 *   tsigtool verify KEYFILE MSGFILE [NOW]
 *	check a signed request (captured to a file) and print the verdict:
 *	NOERROR, BADKEY, BADSIG, BADTIME, BADTRUNC, FORMERR or UNSIGNED.
 *   tsigtool serve [-s SKEW] [-m AXFR_MSGS] [-b BREAK] KEYFILE PORTFILE
 *	answer on UDP and TCP of 127.0.0.1 (the port written to PORTFILE)
 *	until killed, with signed answers: A 192.0.2.1 to a query, NOERROR to
 *	an UPDATE, and over TCP an AXFR of AXFR_MSGS messages (default 4)
 *	each signed in the chain. Our clock runs SKEW seconds ahead (default
 *	0). -b: the MAC of message BREAK (0: the first) of each answer goes
 *	out with a bit flipped, to see the clients notice. Prints
 *	"PROTO OPCODE QNAME VERDICT" a line per request.
 *
 * Exits 1 on an error (on stderr), 2 on a usage error.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/pkt.h"
#include "dns/tsig.h"
#include "util/error.h"
#include "util/wire.h"

#define TT_AXFR_RRS 40		/* A records per AXFR message */

/* How serve answers. */
struct tt_opts {
	long skew;
	int axfr_msgs;
	int brk;		/* message whose MAC is spoilt, or -1 */
};

static const char *
tt_verdict(int rc, const struct dns_tsig_ctx *ctx)
{
	if (rc == ST_ENOTFOUND)
		return "UNSIGNED";
	if (rc == ST_EFORMAT)
		return "FORMERR";
	if (rc != ST_OK)
		return st_strerror(rc);
	switch (ctx->error) {
	case DNS_TSIG_NOERROR:
		return "NOERROR";
	case DNS_TSIG_BADKEY:
		return "BADKEY";
	case DNS_TSIG_BADSIG:
		return "BADSIG";
	case DNS_TSIG_BADTIME:
		return "BADTIME";
	case DNS_TSIG_BADTRUNC:
		return "BADTRUNC";
	}
	return "?";
}

static int
tt_keys(struct dns_tsig_keyring *kr, const char *path)
{
	char err[512];

	dns_tsig_keyring_init(kr);
	if (dns_tsig_keyfile_load(kr, path, err, sizeof(err)) != ST_OK) {
		fprintf(stderr, "tsigtool: %s\n", err);
		return -1;
	}
	return 0;
}

static int
tt_verify(const char *keyfile, const char *msgfile, const char *now)
{
	struct dns_tsig_keyring kr;
	struct dns_tsig_ctx ctx;
	uint8_t msg[65535];
	size_t len;
	FILE *f;
	int rc;

	if (tt_keys(&kr, keyfile) != 0)
		return 1;
	if ((f = fopen(msgfile, "rb")) == NULL) {
		fprintf(stderr, "tsigtool: %s: %s\n", msgfile, strerror(errno));
		dns_tsig_keyring_deinit(&kr);
		return 1;
	}
	len = fread(msg, 1, sizeof(msg), f);
	fclose(f);
	rc = dns_tsig_verify_request(&ctx, &kr, msg, len,
	    now != NULL ? strtoull(now, NULL, 10) : (uint64_t)time(NULL));
	printf("%s\n", tt_verdict(rc, &ctx));
	dns_tsig_ctx_deinit(&ctx);
	dns_tsig_keyring_deinit(&kr);
	return 0;
}

/* Sign the finished message of p and send it (with its length on TCP). */
static int
tt_send(int fd, const struct sockaddr_in *to, int tcp, struct dns_pkt *p,
    struct dns_tsig_ctx *ctx, int sign, uint64_t now, int spoil)
{
	size_t len = dns_pkt_finish(p);
	uint8_t *buf = p->buf;
	struct dns_tsig_rr rr;
	int rc;

	if (sign && (rc = dns_tsig_sign(ctx, buf, &len, p->cap, now)) !=
	    ST_OK) {
		fprintf(stderr, "tsigtool: sign: %s\n", st_strerror(rc));
		return -1;
	}
	if (spoil && dns_tsig_rr_find(buf, len, &rr) == ST_OK &&
	    rr.maclen > 0)
		buf[rr.mac - buf] ^= 1;
	if (tcp) {
		uint8_t l[2];

		wire_wr16(l, (uint16_t)len);
		if (write(fd, l, 2) != 2 || write(fd, buf, len) != (ssize_t)len)
			return -1;
		return 0;
	}
	return sendto(fd, buf, len, 0, (const struct sockaddr *)to,
	    sizeof(*to)) == (ssize_t)len ? 0 : -1;
}

static int
tt_put_a(struct dns_pkt *p, const uint8_t *name, uint32_t addr)
{
	uint8_t rdata[4];

	wire_wr32(rdata, addr);
	return dns_pkt_put_rr(p, DNS_SEC_AN, name, DNS_TYPE_A, DNS_CLASS_IN,
	    60, rdata, 4);
}

static int
tt_put_soa(struct dns_pkt *p, const uint8_t *zone, size_t zonelen)
{
	uint8_t rdata[2 * DNS_NAME_MAX + 20];

	memcpy(rdata, zone, zonelen);
	memcpy(rdata + zonelen, zone, zonelen);
	memset(rdata + 2 * zonelen, 0, 20);
	wire_wr32(rdata + 2 * zonelen, 1);
	wire_wr32(rdata + 2 * zonelen + 4, 3600);
	return dns_pkt_put_rr(p, DNS_SEC_AN, zone, DNS_TYPE_SOA, DNS_CLASS_IN,
	    60, rdata, (uint16_t)(2 * zonelen + 20));
}

/* An AXFR of nmsg messages: SOA, the A records, SOA; each one signed. */
static int
tt_axfr(int fd, const struct dns_query *q, struct dns_tsig_ctx *ctx,
    const struct tt_opts *o, uint64_t now)
{
	static uint8_t buf[65535];
	struct dns_pkt p;
	uint8_t name[DNS_NAME_MAX + 8];

	for (int m = 0; m < o->axfr_msgs; m++) {
		dns_pkt_init(&p, buf, sizeof(buf), sizeof(buf) -
		    dns_tsig_space(ctx), q, DNS_FLAG_AA, DNS_RCODE_NOERROR);
		if (m == 0 && (dns_pkt_put_question(&p, q) != ST_OK ||
		    tt_put_soa(&p, q->qname, q->qname_len) != ST_OK))
			return -1;
		for (int i = 0; i < TT_AXFR_RRS; i++) {
			char label[16];
			int n = snprintf(label, sizeof(label), "h%d-%d", m, i);

			name[0] = (uint8_t)n;
			memcpy(name + 1, label, (size_t)n);
			memcpy(name + 1 + n, q->qname, q->qname_len);
			if (tt_put_a(&p, name, 0xc0000200u + (uint32_t)i) !=
			    ST_OK)
				return -1;
		}
		if (m == o->axfr_msgs - 1 &&
		    tt_put_soa(&p, q->qname, q->qname_len) != ST_OK)
			return -1;
		if (tt_send(fd, NULL, 1, &p, ctx, 1, now, m == o->brk) != 0)
			return -1;
	}
	return 0;
}

/* Answer one request; returns -1 when the connection should close. */
static int
tt_answer(int fd, const struct sockaddr_in *from, int tcp,
    const uint8_t *msg, size_t len, const struct dns_tsig_keyring *kr,
    const struct tt_opts *o)
{
	static uint8_t buf[65535];
	uint64_t now = (uint64_t)time(NULL) + (uint64_t)o->skew;
	struct dns_tsig_ctx ctx;
	struct dns_query q;
	struct dns_pkt p;
	char qname[1024] = ".";
	uint8_t rcode = DNS_RCODE_NOERROR;
	int vrc, sign = 0, rc = 0;

	if (dns_pkt_parse_query(msg, len, &q) == ST_EINVAL)
		return 0;
	if (q.has_question)
		dns_name_to_text(q.qname, q.qname_len, qname, sizeof(qname));
	vrc = dns_tsig_verify_request(&ctx, kr, msg, len, now);
	printf("%s %u %s %s\n", tcp ? "tcp" : "udp", q.opcode, qname,
	    tt_verdict(vrc, &ctx));
	fflush(stdout);
	if (vrc == ST_ENOTFOUND)
		rcode = DNS_RCODE_REFUSED;
	else if (vrc != ST_OK)
		rcode = DNS_RCODE_FORMERR;
	else if (ctx.error != DNS_TSIG_NOERROR)
		rcode = DNS_RCODE_NOTAUTH;
	sign = vrc == ST_OK;
	if (rcode == DNS_RCODE_NOERROR && tcp && q.qtype == DNS_TYPE_AXFR) {
		rc = tt_axfr(fd, &q, &ctx, o, now);
		goto out;
	}
	dns_pkt_init(&p, buf, sizeof(buf), (tcp ? sizeof(buf) : q.udp_size) -
	    (sign ? dns_tsig_space(&ctx) : 0), &q, DNS_FLAG_AA, rcode);
	if (q.has_question && dns_pkt_put_question(&p, &q) != ST_OK)
		return -1;
	if (rcode == DNS_RCODE_NOERROR && q.opcode == DNS_OPCODE_QUERY &&
	    q.qtype == DNS_TYPE_A && tt_put_a(&p, q.qname, 0xc0000201u) != ST_OK)
		return -1;
	rc = tt_send(fd, from, tcp, &p, &ctx, sign, now, o->brk == 0);
out:
	dns_tsig_ctx_deinit(&ctx);
	return rc;
}

/* One TCP connection: requests until the client closes or stalls. */
static void
tt_tcp_conn(int fd, const struct dns_tsig_keyring *kr,
    const struct tt_opts *o)
{
	static uint8_t msg[65535];
	struct timeval tv = { 5, 0 };
	uint8_t l[2];

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		size_t len, got = 0;

		if (recv(fd, l, 2, MSG_WAITALL) != 2)
			break;
		len = wire_rd16(l);
		while (got < len) {
			ssize_t n = recv(fd, msg + got, len - got, 0);

			if (n <= 0)
				goto done;
			got += (size_t)n;
		}
		if (tt_answer(fd, NULL, 1, msg, len, kr, o) != 0)
			break;
	}
done:
	close(fd);
}

/* A TCP listener and a UDP socket on the same loopback port. */
static int
tt_bind(int *tfd, int *ufd, const char *portfile)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char tmp[4096];
	int one = 1;
	FILE *f;

	for (int attempt = 0; attempt < 20; attempt++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*tfd = socket(AF_INET, SOCK_STREAM, 0);
		*ufd = socket(AF_INET, SOCK_DGRAM, 0);
		if (*tfd < 0 || *ufd < 0)
			return -1;
		setsockopt(*tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(*tfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    getsockname(*tfd, (struct sockaddr *)&sin, &sl) == 0 &&
		    bind(*ufd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    listen(*tfd, 16) == 0)
			break;
		close(*tfd);
		close(*ufd);
		*tfd = *ufd = -1;
	}
	if (*tfd < 0)
		return -1;
	/* Renamed into place: a reader never sees half a port. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, portfile);
}

static int
tt_serve(const char *keyfile, const char *portfile, const struct tt_opts *o)
{
	static uint8_t msg[65535];
	struct dns_tsig_keyring kr;
	int tfd, ufd;

	if (tt_keys(&kr, keyfile) != 0)
		return 1;
	if (tt_bind(&tfd, &ufd, portfile) != 0) {
		fprintf(stderr, "tsigtool: bind: %s\n", strerror(errno));
		dns_tsig_keyring_deinit(&kr);
		return 1;
	}
	for (;;) {
		struct pollfd pfd[2] = { { tfd, POLLIN, 0 }, { ufd, POLLIN, 0 } };
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			int cfd = accept(tfd, NULL, NULL);

			if (cfd >= 0)
				tt_tcp_conn(cfd, &kr, o);
		}
		if (pfd[1].revents & POLLIN) {
			n = recvfrom(ufd, msg, sizeof(msg), 0,
			    (struct sockaddr *)&from, &fl);
			if (n > 0)
				tt_answer(ufd, &from, 0, msg, (size_t)n, &kr,
				    o);
		}
	}
	fprintf(stderr, "tsigtool: poll: %s\n", strerror(errno));
	dns_tsig_keyring_deinit(&kr);
	return 1;
}

static int
tt_usage(void)
{
	fprintf(stderr, "usage: tsigtool verify KEYFILE MSGFILE [NOW]\n"
	    "       tsigtool serve [-s SKEW] [-m AXFR_MSGS] [-b BREAK] "
	    "KEYFILE PORTFILE\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct tt_opts o = { 0, 4, -1 };
	int c;

	if (argc >= 4 && argc <= 5 && strcmp(argv[1], "verify") == 0)
		return tt_verify(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (argc < 2 || strcmp(argv[1], "serve") != 0)
		return tt_usage();
	optind = 2;
	while ((c = getopt(argc, argv, "s:m:b:")) != -1) {
		switch (c) {
		case 's':
			o.skew = strtol(optarg, NULL, 10);
			break;
		case 'm':
			o.axfr_msgs = atoi(optarg);
			break;
		case 'b':
			o.brk = atoi(optarg);
			break;
		default:
			return tt_usage();
		}
	}
	if (argc - optind != 2 || o.axfr_msgs < 1)
		return tt_usage();
	return tt_serve(argv[optind], argv[optind + 1], &o);
}
