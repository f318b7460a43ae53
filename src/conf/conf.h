/*
 * conf.h -- stadiond's configuration: one table of options drives the JSON
 * config file, the command line flags, `stadiond -n` and the man page test.
 *
 * Order of precedence: built-in defaults < config file (-c) < flags.
 */
#ifndef STADION_CONF_CONF_H
#define STADION_CONF_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "util/log.h"

struct conf {
	char *config_file;	/* -c, NULL if none */
	char *state_dir;
	char **dns_listen;	/* "ADDR:PORT" / "[V6]:PORT" */
	size_t n_dns_listen;
	char *http_listen;	/* "ADDR:PORT" */
	char *domain;		/* e.g. "mesos", no trailing dot */
	char *framework;	/* e.g. "marathon" */
	char *zones_dir;
	char *address;		/* stadiond's own address for leader/master/ns1;
				   NULL: first non-wildcard dns_listen address */
	enum log_level log_level;
	int foreground;
	int syslog;
	unsigned threads;	/* 0: one per core */
	uint32_t ttl;		/* TTL of registry records */
	char *soa_mname;	/* NULL: ns1.<domain> */
	char *soa_rname;	/* NULL: root.ns1.<domain> */
	uint32_t soa_refresh, soa_retry, soa_expire, soa_minimum;
	char *chaos_version;	/* "" disables version.bind */
	char *chaos_id;		/* "" disables id.server; NULL: hostname */
	uint32_t edns_udp_size;	/* largest UDP answer we send with EDNS */
	uint32_t tcp_idle_timeout;	/* seconds */
	uint32_t tcp_max_clients;	/* per worker thread */
	uint32_t watch_max_wait;	/* seconds, cap of ?wait= */
	uint32_t port_range_min, port_range_max;	/* instances' host ports */
	char *docker_endpoint;	/* "unix:///var/run/docker.sock", "tcp://..." */
	char *docker_tls_ca, *docker_tls_cert, *docker_tls_key;
	char **alert_webhook;	/* URLs stadion's alerts are POSTed to */
	size_t n_alert_webhook;
	uint32_t events_max_buffer;	/* octets a slow /v2/events reader may lag */
	char **forwarder;	/* "ADDR[:PORT]"; none: resolv_conf's */
	size_t n_forwarder;
	char *resolv_conf;
	uint32_t forward_timeout;	/* milliseconds per upstream */
	char **recursion_allow;	/* "NET/BITS", "any", "none" */
	size_t n_recursion_allow;
	uint32_t cache_size;	/* octets, 0: no cache */
	uint32_t rrl_responses_per_second;	/* 0: no rate limit */
	uint32_t rrl_slip;
	char **rrl_exempt;
	size_t n_rrl_exempt;
	char **tsig_keyfile;	/* BIND key files, for dynamic updates */
	size_t n_tsig_keyfile;
	struct json_t *tsig_keys;	/* [{name, algorithm, secret}], or NULL */
	struct json_t *update_policy;	/* rules (dns/policy.h), or NULL */
	char **allow_transfer;	/* TSIG key names, ADDR[/BITS]; none: nobody */
	size_t n_allow_transfer;
	char **notify;		/* secondaries, "ADDR:PORT" */
	size_t n_notify;
	uint32_t ixfr_journal_max;	/* changes kept per zone for IXFR */
};

enum conf_type {
	CONF_STRING,
	CONF_STRING_LIST,	/* JSON array of strings; a flag may repeat */
	CONF_UINT,		/* bounded by min/max */
	CONF_BOOL,
	CONF_LOG_LEVEL,
	CONF_JSON,		/* any JSON value, checked by its user */
};

/* One row of the option table. */
struct conf_option {
	const char *key;	/* JSON key, e.g. "dns_listen" */
	const char *flag;	/* long flag without "--", e.g. "dns-listen"; NULL if file only */
	char short_flag;	/* e.g. 'f', 0 if none */
	enum conf_type type;
	uint64_t min, max;	/* CONF_UINT range */
	const char *def;	/* default, as text, for the help and man page;
				   a list's items separated by spaces */
	const char *help;
	size_t offset;		/* into struct conf */
};

/* The option table and its length. */
const struct conf_option *conf_options(size_t *count);

/* What the command line asks of the program besides options. */
struct conf_cli {
	int check_only;		/* -n */
	int help;		/* -h / --help */
	int version;		/* -V / --version */
};

/* Fill c with the built-in defaults. ST_ENOMEM on failure. */
int conf_init(struct conf *c);
void conf_deinit(struct conf *c);

/*
 * Fill c (do not conf_init it first): defaults, then the file named by -c
 * (if any), then the flags. With -h or -V only the defaults are set. On error
 * c is torn down (conf_deinit stays safe), and the call returns ST_ECONFIG
 * (or ST_ENOMEM) with a one-line message in err:
 * "FILE:LINE:COLUMN: unknown key 'x'", "FILE:LINE:COLUMN: key 'ttl': expected
 * an integer from 0 to 2147483647", or "option --x: ..." for flags.
 */
int conf_load(struct conf *c, struct conf_cli *cli, int argc, char **argv,
    char *err, size_t errlen);

/*
 * Check values against each other (names valid, addresses parse, ...).
 * ST_ECONFIG with the key named in err.
 */
int conf_validate(const struct conf *c, char *err, size_t errlen);

/* Print the usage text, generated from the table, to f. */
void conf_usage(void *f, const char *progname);

#endif
