/*
 * conf_table.c -- the option table, written down once, and the usage
 * text it prints; conf.c parses with it.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "conf/conf_int.h"

#define CONF_TTL_MAX 2147483647u	/* RFC 2181 section 8 */

/* Loopback and the private ranges container networks use. */
#define CONF_PRIVATE_NETS "127.0.0.0/8 ::1/128 10.0.0.0/8 172.16.0.0/12 " \
	"192.168.0.0/16 fc00::/7"

/* The key is the field's name, so each option is written down once. */
#define CONF_OPT(field, flag, sh, type, min, max, def, help) \
	{ #field, flag, sh, type, min, max, def, help, \
	  offsetof(struct conf, field) }

const struct conf_option conf_table[] = {
	CONF_OPT(state_dir, "state-dir", 0, CONF_STRING, 0, 0, "./state",
	    "directory of the registry database"),
	CONF_OPT(dns_listen, "dns-listen", 0, CONF_STRING_LIST, 0, 0,
	    "127.0.0.1:5353",
	    "DNS address and port, UDP and TCP; may be repeated"),
	CONF_OPT(http_listen, "http-listen", 0, CONF_STRING, 0, 0,
	    "127.0.0.1:8053", "HTTP API address and port"),
	CONF_OPT(domain, "domain", 0, CONF_STRING, 0, 0, "mesos",
	    "domain stadiond is authoritative for"),
	CONF_OPT(framework, "framework", 0, CONF_STRING, 0, 0, "marathon",
	    "label of the registry's names under the domain"),
	CONF_OPT(zones_dir, "zones-dir", 0, CONF_STRING, 0, 0, "./zones",
	    "directory of static zone files"),
	CONF_OPT(address, "address", 0, CONF_STRING, 0, 0, NULL,
	    "own address for leader, master and ns1 (default: the first "
	    "non-wildcard dns_listen address)"),
	CONF_OPT(log_level, "log-level", 0, CONF_LOG_LEVEL, 0, 0, "notice",
	    "error, warning, notice, info or debug"),
	CONF_OPT(foreground, "foreground", 'f', CONF_BOOL, 0, 0, "false",
	    "stay in the foreground"),
	CONF_OPT(syslog, "syslog", 0, CONF_BOOL, 0, 0, "false",
	    "log to syslog instead of stderr"),
	CONF_OPT(threads, "threads", 0, CONF_UINT, 0, 256, "0",
	    "DNS worker threads, 0 for one per core"),
	CONF_OPT(ttl, "ttl", 0, CONF_UINT, 0, CONF_TTL_MAX, "60",
	    "TTL of registry records"),
	CONF_OPT(soa_mname, "soa-mname", 0, CONF_STRING, 0, 0, NULL,
	    "SOA primary server (default: ns1.DOMAIN)"),
	CONF_OPT(soa_rname, "soa-rname", 0, CONF_STRING, 0, 0, NULL,
	    "SOA mailbox (default: root.ns1.DOMAIN)"),
	CONF_OPT(soa_refresh, "soa-refresh", 0, CONF_UINT, 0, CONF_TTL_MAX,
	    "60", "SOA refresh, seconds"),
	CONF_OPT(soa_retry, "soa-retry", 0, CONF_UINT, 0, CONF_TTL_MAX,
	    "600", "SOA retry, seconds"),
	CONF_OPT(soa_expire, "soa-expire", 0, CONF_UINT, 0, CONF_TTL_MAX,
	    "86400", "SOA expire, seconds"),
	CONF_OPT(soa_minimum, "soa-minimum", 0, CONF_UINT, 0, CONF_TTL_MAX,
	    "60", "SOA minimum, the TTL of negative answers"),
	CONF_OPT(chaos_version, "chaos-version", 0, CONF_STRING, 0, 0,
	    PACKAGE_NAME " " PACKAGE_VERSION,
	    "answer to version.bind CH TXT, empty to refuse"),
	CONF_OPT(chaos_id, "chaos-id", 0, CONF_STRING, 0, 0, NULL,
	    "answer to id.server CH TXT, empty to refuse "
	    "(default: the host name)"),
	CONF_OPT(edns_udp_size, "edns-udp-size", 0, CONF_UINT, 512, 4096,
	    "1232", "largest UDP answer sent with EDNS, octets"),
	CONF_OPT(tcp_idle_timeout, "tcp-idle-timeout", 0, CONF_UINT, 1, 3600,
	    "10", "seconds before an idle DNS TCP connection is closed"),
	CONF_OPT(tcp_max_clients, "tcp-max-clients", 0, CONF_UINT, 1, 100000,
	    "1000", "DNS TCP connections per worker thread"),
	CONF_OPT(watch_max_wait, "watch-max-wait", 0, CONF_UINT, 1, 3600,
	    "600", "cap of a blocking HTTP query's ?wait=, seconds"),
	CONF_OPT(port_range_min, "port-range-min", 0, CONF_UINT, 1, 65535,
	    "31000", "first host port given to app instances"),
	CONF_OPT(port_range_max, "port-range-max", 0, CONF_UINT, 1, 65535,
	    "32000", "last host port given to app instances"),
	CONF_OPT(docker_endpoint, "docker-endpoint", 0, CONF_STRING, 0, 0,
	    "unix:///var/run/docker.sock",
	    "Docker Engine API: unix://PATH or tcp://HOST:PORT"),
	CONF_OPT(docker_tls_ca, "docker-tls-ca", 0, CONF_STRING, 0, 0, NULL,
	    "CA certificate of a tcp:// Docker engine (enables TLS)"),
	CONF_OPT(docker_tls_cert, "docker-tls-cert", 0, CONF_STRING, 0, 0,
	    NULL, "client certificate for a tcp:// Docker engine"),
	CONF_OPT(docker_tls_key, "docker-tls-key", 0, CONF_STRING, 0, 0, NULL,
	    "client key for a tcp:// Docker engine"),
	CONF_OPT(alert_webhook, "alert-webhook", 0, CONF_STRING_LIST, 0, 0,
	    NULL, "URL that stadion's alerts are POSTed to; may be repeated"),
	CONF_OPT(events_max_buffer, "events-max-buffer", 0, CONF_UINT, 4096,
	    1073741824, "1048576",
	    "octets a /v2/events reader may lag behind before it is dropped"),
	CONF_OPT(forwarder, "forwarder", 0, CONF_STRING_LIST, 0, 0, NULL,
	    "upstream resolver, ADDR or ADDR:PORT, for names outside the "
	    "zones; may be repeated (default: those of resolv_conf)"),
	CONF_OPT(resolv_conf, "resolv-conf", 0, CONF_STRING, 0, 0,
	    "/etc/resolv.conf",
	    "file whose nameservers are the upstreams when none is given"),
	CONF_OPT(forward_timeout, "forward-timeout", 0, CONF_UINT, 10, 30000,
	    "1500", "milliseconds an upstream resolver has to answer"),
	CONF_OPT(recursion_allow, "recursion-allow", 0, CONF_STRING_LIST, 0, 0,
	    CONF_PRIVATE_NETS,
	    "client network (NET/BITS, any, none) whose queries outside the "
	    "zones are forwarded; may be repeated"),
	CONF_OPT(cache_size, "cache-size", 0, CONF_UINT, 0, 1073741824,
	    "4194304", "octets of forwarded answers cached, 0 for none"),
	CONF_OPT(rrl_responses_per_second, "rrl-responses-per-second", 0,
	    CONF_UINT, 0, 1000000, "100",
	    "UDP answers per second to one client /24 or /56, 0 for no limit"),
	CONF_OPT(rrl_slip, "rrl-slip", 0, CONF_UINT, 0, 10, "2",
	    "of the answers over the rate, every Nth is sent truncated, "
	    "the others dropped; 0 drops all"),
	CONF_OPT(rrl_exempt, "rrl-exempt", 0, CONF_STRING_LIST, 0, 0,
	    CONF_PRIVATE_NETS,
	    "client network (NET/BITS, any, none) not rate limited; "
	    "may be repeated"),
	CONF_OPT(tsig_keyfile, "tsig-keyfile", 0, CONF_STRING_LIST, 0, 0, NULL,
	    "BIND key file (as tsig-keygen writes) whose keys may sign "
	    "dynamic updates; may be repeated"),
	CONF_OPT(tsig_keys, NULL, 0, CONF_JSON, 0, 0, NULL,
	    "TSIG keys inline: [{\"name\", \"algorithm\", \"secret\"}]"),
	CONF_OPT(update_policy, NULL, 0, CONF_JSON, 0, 0, NULL,
	    "rules of which key may update which names and types "
	    "(stadiond.json(5))"),
	CONF_OPT(allow_transfer, "allow-transfer", 0, CONF_STRING_LIST, 0, 0,
	    NULL, "TSIG key name or client network (ADDR/PREFIX) allowed "
	    "AXFR and IXFR; may be repeated (default: nobody)"),
	CONF_OPT(notify, "notify", 0, CONF_STRING_LIST, 0, 0, NULL,
	    "secondary, ADDR:PORT, sent a NOTIFY when a zone changes; "
	    "may be repeated"),
	CONF_OPT(ixfr_journal_max, "ixfr-journal-max", 0, CONF_UINT, 0,
	    1000000, "1000",
	    "changes kept per zone for IXFR, 0 for none (AXFR only)"),
};

const size_t conf_nopts = sizeof(conf_table) / sizeof(conf_table[0]);
_Static_assert(sizeof(conf_table) / sizeof(conf_table[0]) <= CONF_NOPTS_MAX,
    "raise CONF_NOPTS_MAX");

/* CONF_UINT writes a uint32_t; threads is declared unsigned. */
_Static_assert(_Generic(((struct conf *)0)->threads, uint32_t: 1, default: 0),
    "CONF_UINT fields must be uint32_t");
/* A CONF_STRING_LIST's count is the size_t right after its array. */
_Static_assert(offsetof(struct conf, n_dns_listen) ==
    offsetof(struct conf, dns_listen) + sizeof(char **),
    "a list's count must follow its array");
_Static_assert(offsetof(struct conf, n_alert_webhook) ==
    offsetof(struct conf, alert_webhook) + sizeof(char **),
    "a list's count must follow its array");
_Static_assert(offsetof(struct conf, n_forwarder) ==
    offsetof(struct conf, forwarder) + sizeof(char **),
    "a list's count must follow its array");
_Static_assert(offsetof(struct conf, n_recursion_allow) ==
    offsetof(struct conf, recursion_allow) + sizeof(char **),
    "a list's count must follow its array");
_Static_assert(offsetof(struct conf, n_tsig_keyfile) ==
    offsetof(struct conf, tsig_keyfile) + sizeof(char **),
    "a list's count must follow its array");
_Static_assert(offsetof(struct conf, n_rrl_exempt) ==
    offsetof(struct conf, rrl_exempt) + sizeof(char **),
    "a list's count must follow its array");
_Static_assert(offsetof(struct conf, n_allow_transfer) ==
    offsetof(struct conf, allow_transfer) + sizeof(char **),
    "a list's count must follow its array");
_Static_assert(offsetof(struct conf, n_notify) ==
    offsetof(struct conf, notify) + sizeof(char **),
    "a list's count must follow its array");

const struct conf_cmd conf_cmds[] = {
	{ "config", 'c', "FILE", "read the configuration from FILE (JSON)" },
	{ NULL, 'n', NULL, "check the configuration and exit" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ "version", 'V', NULL, "print the version and exit" },
};

const size_t conf_ncmds = sizeof(conf_cmds) / sizeof(conf_cmds[0]);
_Static_assert(sizeof(conf_cmds) / sizeof(conf_cmds[0]) <= CONF_NCMDS_MAX,
    "raise CONF_NCMDS_MAX");

const struct conf_option *
conf_options(size_t *count)
{
	*count = conf_nopts;
	return conf_table;
}

static void
conf_usage_line(FILE *f, char short_flag, const char *flag, const char *arg,
    const char *help)
{
	char left[64];

	snprintf(left, sizeof(left), "%c%c%s%s%s%s%s",
	    short_flag ? '-' : ' ', short_flag ? short_flag : ' ',
	    short_flag && flag ? ", " : "  ", flag ? "--" : "",
	    flag ? flag : "", arg ? " " : "", arg ? arg : "");
	fprintf(f, "  %-26s %s", left, help);
}

void
conf_usage(void *fp, const char *progname)
{
	static const char *const metavar[] = {
		[CONF_STRING] = "TEXT", [CONF_STRING_LIST] = "TEXT",
		[CONF_UINT] = "N", [CONF_LOG_LEVEL] = "LEVEL", [CONF_BOOL] = NULL,
		[CONF_JSON] = "JSON",
	};
	FILE *f = fp;

	fprintf(f, "usage: %s [-c FILE] [-n] [OPTION ...]\n\n", progname);
	for (size_t i = 0; i < conf_ncmds; i++) {
		const struct conf_cmd *cmd = &conf_cmds[i];

		conf_usage_line(f, cmd->short_flag, cmd->flag, cmd->arg,
		    cmd->help);
		fputc('\n', f);
	}
	for (size_t i = 0; i < conf_nopts; i++) {
		const struct conf_option *o = &conf_table[i];

		if (o->flag == NULL && o->short_flag == 0)
			continue;
		conf_usage_line(f, o->short_flag, o->flag, metavar[o->type],
		    o->help);
		if (o->type == CONF_UINT)
			fprintf(f, " (%llu-%llu, default: %s)",
			    (unsigned long long)o->min,
			    (unsigned long long)o->max, o->def);
		else if (o->def != NULL && o->type != CONF_BOOL)
			fprintf(f, " (default: %s)", o->def);
		fputc('\n', f);
	}
	fprintf(f, "\nEvery option is also a key of the JSON file given with "
	    "-c; see stadiond.json(5).\n");
}
