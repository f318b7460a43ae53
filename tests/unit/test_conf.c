/*
 * test_conf.c -- the option table: defaults, the JSON file and its error
 * positions, flags, validation, and the man pages naming every option.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "util/error.h"

#define NARGS(...) (sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
/* conf_load with argv[0] "stadiond" and the given flags. */
#define LOAD(c, cli, err, ...) \
	conf_load(c, cli, (int)NARGS("stadiond", __VA_ARGS__), \
	    (char *[]){ "stadiond", __VA_ARGS__, NULL }, err, sizeof(err))

static char tmp_path[64];

/* Write text to a fresh temporary file, named in tmp_path (replacing the
 * previous one). */
static const char *
write_conf(const char *text)
{
	int fd;

	if (tmp_path[0] != '\0')
		unlink(tmp_path);
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test_conf.XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return tmp_path;
}

static int
teardown_file(void **state)
{
	(void)state;
	if (tmp_path[0] != '\0')
		unlink(tmp_path);
	tmp_path[0] = '\0';
	return 0;
}

/* Load text as the config file and expect the error "PATH:" + suffix. */
static void
expect_file_error(const char *text, const char *suffix)
{
	struct conf c;
	struct conf_cli cli;
	char err[256], want[256];
	const char *path = write_conf(text);

	assert_int_equal(LOAD(&c, &cli, err, "-c", (char *)path), ST_ECONFIG);
	snprintf(want, sizeof(want), "%s:%s", path, suffix);
	assert_string_equal(err, want);
	conf_deinit(&c);
}

static void
expect_flag_error(int argc, char **argv, const char *want)
{
	struct conf c;
	struct conf_cli cli;
	char err[256];

	assert_int_equal(conf_load(&c, &cli, argc, argv, err, sizeof(err)),
	    ST_ECONFIG);
	assert_string_equal(err, want);
	conf_deinit(&c);
}

#define EXPECT_FLAG_ERROR(want, ...) \
	expect_flag_error((int)NARGS("stadiond", __VA_ARGS__), \
	    (char *[]){ "stadiond", __VA_ARGS__, NULL }, want)

static void
test_defaults(void **state)
{
	struct conf c;
	struct conf_cli cli;
	char err[256];

	(void)state;
	assert_int_equal(conf_load(&c, &cli, 1, (char *[]){ "stadiond", NULL },
	    err, sizeof(err)), ST_OK);
	assert_null(c.config_file);
	assert_string_equal(c.state_dir, "./state");
	assert_int_equal(c.n_dns_listen, 1);
	assert_string_equal(c.dns_listen[0], "127.0.0.1:5353");
	assert_string_equal(c.http_listen, "127.0.0.1:8053");
	assert_string_equal(c.domain, "mesos");
	assert_string_equal(c.framework, "marathon");
	assert_string_equal(c.zones_dir, "./zones");
	assert_null(c.address);
	assert_int_equal(c.log_level, LOG_LVL_NOTICE);
	assert_false(c.foreground);
	assert_false(c.syslog);
	assert_int_equal(c.threads, 0);
	assert_int_equal(c.ttl, 60);
	assert_null(c.soa_mname);
	assert_null(c.soa_rname);
	assert_int_equal(c.soa_refresh, 60);
	assert_int_equal(c.soa_retry, 600);
	assert_int_equal(c.soa_expire, 86400);
	assert_int_equal(c.soa_minimum, 60);
	assert_string_equal(c.chaos_version, PACKAGE_NAME " " PACKAGE_VERSION);
	assert_null(c.chaos_id);
	assert_int_equal(c.edns_udp_size, 1232);
	assert_int_equal(c.tcp_idle_timeout, 10);
	assert_int_equal(c.tcp_max_clients, 1000);
	assert_int_equal(c.watch_max_wait, 600);
	assert_int_equal(c.n_forwarder, 0);
	assert_string_equal(c.resolv_conf, "/etc/resolv.conf");
	assert_int_equal(c.forward_timeout, 1500);
	/* A list's default of several items. */
	assert_int_equal(c.n_recursion_allow, 6);
	assert_string_equal(c.recursion_allow[0], "127.0.0.0/8");
	assert_string_equal(c.recursion_allow[5], "fc00::/7");
	assert_int_equal(c.n_rrl_exempt, 6);
	assert_int_equal(c.cache_size, 4194304);
	assert_int_equal(c.rrl_responses_per_second, 100);
	assert_int_equal(c.rrl_slip, 2);
	assert_false(cli.check_only || cli.help || cli.version);
	assert_int_equal(conf_validate(&c, err, sizeof(err)), ST_OK);
	conf_deinit(&c);
	conf_deinit(&c);	/* a second teardown is harmless */

	assert_int_equal(conf_init(&c), ST_OK);
	assert_int_equal(c.edns_udp_size, 1232);
	conf_deinit(&c);
}

static void
test_file(void **state)
{
	struct conf c;
	struct conf_cli cli;
	char err[256];
	const char *path = write_conf(
	    "{\n"
	    "  \"state_dir\": \"/var/lib/stadion\",\n"
	    "  \"dns_listen\": [\"0.0.0.0:53\", \"[::]:53\"],\n"
	    "  \"domain\": \"dc1.example\",\n"
	    "  \"address\": \"10.0.0.1\",\n"
	    "  \"log_level\": \"debug\",\n"
	    "  \"foreground\": true,\n"
	    "  \"syslog\": false,\n"
	    "  \"ttl\": 2147483647,\n"
	    "  \"soa_mname\": \"ns.example.\",\n"
	    "  \"chaos_id\": \"\",\n"
	    "  \"edns_udp_size\": 4096\n"
	    "}\n");

	(void)state;
	assert_int_equal(LOAD(&c, &cli, err, "-c", (char *)path), ST_OK);
	assert_string_equal(c.config_file, path);
	assert_string_equal(c.state_dir, "/var/lib/stadion");
	assert_int_equal(c.n_dns_listen, 2);
	assert_string_equal(c.dns_listen[0], "0.0.0.0:53");
	assert_string_equal(c.dns_listen[1], "[::]:53");
	assert_string_equal(c.domain, "dc1.example");
	assert_string_equal(c.address, "10.0.0.1");
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_true(c.foreground);
	assert_false(c.syslog);
	assert_int_equal(c.ttl, 2147483647);
	assert_string_equal(c.soa_mname, "ns.example.");
	assert_string_equal(c.chaos_id, "");
	assert_int_equal(c.edns_udp_size, 4096);
	assert_string_equal(c.framework, "marathon");	/* untouched */
	assert_int_equal(conf_validate(&c, err, sizeof(err)), ST_OK);
	conf_deinit(&c);

	/* An empty object is a valid file that changes nothing. */
	path = write_conf("{}");
	assert_int_equal(LOAD(&c, &cli, err, "--config", (char *)path), ST_OK);
	assert_int_equal(c.ttl, 60);
	conf_deinit(&c);
}

static void
test_flags_override_file(void **state)
{
	struct conf c;
	struct conf_cli cli;
	char err[256];
	const char *path = write_conf(
	    "{ \"ttl\": 30, \"domain\": \"a.example\", \"syslog\": false,"
	    "  \"log_level\": \"error\" }");

	(void)state;
	/* Flags win even when they come before -c. */
	assert_int_equal(LOAD(&c, &cli, err, "--ttl", "90", "-c",
	    (char *)path, "-f", "--syslog", "--log-level=info", "-n"), ST_OK);
	assert_int_equal(c.ttl, 90);
	assert_string_equal(c.domain, "a.example");
	assert_true(c.foreground);
	assert_true(c.syslog);
	assert_int_equal(c.log_level, LOG_LVL_INFO);
	assert_true(cli.check_only);
	assert_false(cli.help);
	conf_deinit(&c);
}

static void
test_list_flag_replaces(void **state)
{
	struct conf c;
	struct conf_cli cli;
	char err[256];
	const char *path = write_conf(
	    "{\"dns_listen\": [\"10.0.0.1:53\", \"10.0.0.2:53\"]}");

	(void)state;
	assert_int_equal(LOAD(&c, &cli, err, "-c", (char *)path), ST_OK);
	assert_int_equal(c.n_dns_listen, 2);
	conf_deinit(&c);

	assert_int_equal(LOAD(&c, &cli, err, "-c", (char *)path,
	    "--dns-listen", "127.0.0.1:53", "--ttl", "1",
	    "--dns-listen", "[::1]:53"), ST_OK);
	assert_int_equal(c.n_dns_listen, 2);
	assert_string_equal(c.dns_listen[0], "127.0.0.1:53");
	assert_string_equal(c.dns_listen[1], "[::1]:53");
	conf_deinit(&c);

	/* The default list is replaced too, not appended to. */
	assert_int_equal(LOAD(&c, &cli, err, "--dns-listen", "127.0.0.2:53"),
	    ST_OK);
	assert_int_equal(c.n_dns_listen, 1);
	assert_string_equal(c.dns_listen[0], "127.0.0.2:53");
	conf_deinit(&c);
}

static void
test_unknown_key_position(void **state)
{
	(void)state;
	expect_file_error("{\n  \"ttl\": 5,\n    \"bogus\": 1\n}",
	    "3:5: unknown key 'bogus'");
	/* Nested keys, escaped quotes, braces in strings and a multi-octet
	 * character before the key must not throw the scanner off. */
	expect_file_error(
	    "{\"chaos_id\": \"\\\"{\\\\\", \"dns_listen\": [\"1.2.3.4:5\"],\n"
	    "\t\"chaos_version\": \"\xc3\xa9}\", \"x\\\"y\": {\"a\": 1}}",
	    "2:25: unknown key 'x\"y'");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	expect_file_error("{\"domain\": \"m\",\n \"ttl\": \"60\"}",
	    "2:2: key 'ttl': expected an integer from 0 to 2147483647");
	expect_file_error("{\"ttl\": 60.0}",
	    "1:2: key 'ttl': expected an integer from 0 to 2147483647");
	expect_file_error("{\"foreground\": 1}",
	    "1:2: key 'foreground': expected true or false");
	expect_file_error("{\"domain\": null}",
	    "1:2: key 'domain': expected a string");
	expect_file_error("{\"dns_listen\": \"127.0.0.1:53\"}",
	    "1:2: key 'dns_listen': expected an array of strings");
	expect_file_error("{\"dns_listen\": [\"127.0.0.1:53\", 53]}",
	    "1:2: key 'dns_listen': expected an array of strings");
	expect_file_error("{\"log_level\": \"loud\"}",
	    "1:2: key 'log_level': "
	    "expected one of error, warning, notice, info, debug");
}

static void
test_out_of_range(void **state)
{
	(void)state;
	expect_file_error("{\"ttl\": -1}",
	    "1:2: key 'ttl': expected an integer from 0 to 2147483647");
	expect_file_error("{\"ttl\": 2147483648}",
	    "1:2: key 'ttl': expected an integer from 0 to 2147483647");
	expect_file_error("{\"edns_udp_size\": 511}",
	    "1:2: key 'edns_udp_size': expected an integer from 512 to 4096");
	expect_file_error("{\"threads\": 257}",
	    "1:2: key 'threads': expected an integer from 0 to 256");
	expect_file_error("{\"tcp_idle_timeout\": 0}",
	    "1:2: key 'tcp_idle_timeout': expected an integer from 1 to 3600");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	expect_file_error("{\n \"ttl\": 5,\n}",
	    "3:1: string or '}' expected near '}'");
	expect_file_error("{\"ttl\": 1, \"ttl\": 2}",
	    "1:16: duplicate object key near '\"ttl\"'");
	expect_file_error("[1, 2]", "1:1: top level must be a JSON object");
	expect_file_error("\n  [\"ttl\", {\"ttl\": 1}]",
	    "2:3: top level must be a JSON object");
}

static void
test_missing_file(void **state)
{
	struct conf c;
	struct conf_cli cli;
	char err[256];

	(void)state;
	assert_int_equal(LOAD(&c, &cli, err, "-c", "/nonexistent/stadion.json"),
	    ST_ECONFIG);
	assert_string_equal(err, "/nonexistent/stadion.json: cannot read "
	    "(No such file or directory)");
	conf_deinit(&c);
}

static void
test_flag_errors(void **state)
{
	(void)state;
	EXPECT_FLAG_ERROR("option --ttl: expected an integer from 0 to "
	    "2147483647", "--ttl", "abc");
	EXPECT_FLAG_ERROR("option --ttl: expected an integer from 0 to "
	    "2147483647", "--ttl", "-1");
	EXPECT_FLAG_ERROR("option --edns-udp-size: expected an integer from "
	    "512 to 4096", "--edns-udp-size=8192");
	EXPECT_FLAG_ERROR("option --log-level: expected one of error, "
	    "warning, notice, info, debug", "--log-level", "loud");
	EXPECT_FLAG_ERROR("unknown option '--bogus'", "--bogus");
	EXPECT_FLAG_ERROR("unknown option '-x'", "-fx");
	EXPECT_FLAG_ERROR("option --ttl: requires an argument", "--ttl");
	EXPECT_FLAG_ERROR("option --config: requires an argument", "-c");
	EXPECT_FLAG_ERROR("option --foreground: takes no argument",
	    "--foreground=yes");
	EXPECT_FLAG_ERROR("unexpected argument 'extra'", "-f", "extra");
}

static void
test_help_ignores_file(void **state)
{
	struct conf c;
	struct conf_cli cli;
	char err[256];
	const char *path = write_conf("{ broken");

	(void)state;
	assert_int_equal(LOAD(&c, &cli, err, "-c", (char *)path, "-h"), ST_OK);
	assert_true(cli.help);
	conf_deinit(&c);
	assert_int_equal(LOAD(&c, &cli, err, "--version"), ST_OK);
	assert_true(cli.version);
	assert_false(cli.help);
	conf_deinit(&c);
}

static void
expect_invalid(const char *flag, const char *value, const char *want)
{
	struct conf c;
	struct conf_cli cli;
	char err[256];

	assert_int_equal(conf_load(&c, &cli, 3,
	    (char *[]){ "stadiond", (char *)flag, (char *)value, NULL },
	    err, sizeof(err)), ST_OK);
	if (want == NULL) {
		assert_int_equal(conf_validate(&c, err, sizeof(err)), ST_OK);
	} else {
		assert_int_equal(conf_validate(&c, err, sizeof(err)),
		    ST_ECONFIG);
		assert_string_equal(err, want);
	}
	conf_deinit(&c);
}

static void
test_validate(void **state)
{
	char label[64], longer[80], want[160];

	(void)state;
	memset(label, 'a', 63);
	label[63] = '\0';
	expect_invalid("--domain", "dc_1.Example-2", NULL);
	expect_invalid("--domain", label, NULL);
	snprintf(longer, sizeof(longer), "%sa", label);
	snprintf(want, sizeof(want), "key 'domain': '%s' is not a valid DNS name",
	    longer);
	expect_invalid("--domain", longer, want);
	expect_invalid("--domain", "a..b",
	    "key 'domain': 'a..b' is not a valid DNS name");
	expect_invalid("--domain", "mesos.",
	    "key 'domain': 'mesos.' is not a valid DNS name");
	expect_invalid("--domain", "",
	    "key 'domain': '' is not a valid DNS name");
	expect_invalid("--framework", "mara thon",
	    "key 'framework': 'mara thon' is not a valid DNS name");
	expect_invalid("--soa-mname", "ns1.example.", NULL);
	expect_invalid("--soa-rname", "root..example",
	    "key 'soa_rname': 'root..example' is not a valid DNS name");
	expect_invalid("--state-dir", "", "key 'state_dir': is empty");
	expect_invalid("--zones-dir", "", "key 'zones_dir': is empty");

	expect_invalid("--dns-listen", "1.2.3:53",
	    "key 'dns_listen': '1.2.3:53' is not ADDR:PORT");
	expect_invalid("--dns-listen", "1.2.3.4",
	    "key 'dns_listen': '1.2.3.4' is not ADDR:PORT");
	expect_invalid("--dns-listen", "1.2.3.4:0",
	    "key 'dns_listen': '1.2.3.4:0' is not ADDR:PORT");
	expect_invalid("--dns-listen", "1.2.3.4:65536",
	    "key 'dns_listen': '1.2.3.4:65536' is not ADDR:PORT");
	expect_invalid("--dns-listen", "1.2.3.4:+53",
	    "key 'dns_listen': '1.2.3.4:+53' is not ADDR:PORT");
	expect_invalid("--dns-listen", "::1:53",
	    "key 'dns_listen': '::1:53' is not ADDR:PORT");
	expect_invalid("--dns-listen", "[::1]53",
	    "key 'dns_listen': '[::1]53' is not ADDR:PORT");
	expect_invalid("--dns-listen", "[1.2.3.4]:53",
	    "key 'dns_listen': '[1.2.3.4]:53' is not ADDR:PORT");
	expect_invalid("--dns-listen", "[::1]:65535", NULL);
	expect_invalid("--dns-listen", "0.0.0.0:1", NULL);
	expect_invalid("--http-listen", "localhost:8053",
	    "key 'http_listen': 'localhost:8053' is not ADDR:PORT");
	expect_invalid("--address", "fe80::1", NULL);
	expect_invalid("--address", "10.0.0.1:53",
	    "key 'address': '10.0.0.1:53' is not an IPv4 or IPv6 address");

	expect_invalid("--forwarder", "10.0.0.1", NULL);
	expect_invalid("--forwarder", "10.0.0.1:5353", NULL);
	expect_invalid("--forwarder", "fd00::1", NULL);
	expect_invalid("--forwarder", "[fd00::1]:53", NULL);
	expect_invalid("--forwarder", "resolver.example",
	    "key 'forwarder': 'resolver.example' is not ADDR or ADDR:PORT");
	expect_invalid("--forwarder", "10.0.0.1:0",
	    "key 'forwarder': '10.0.0.1:0' is not ADDR or ADDR:PORT");
	expect_invalid("--recursion-allow", "any", NULL);
	expect_invalid("--recursion-allow", "none", NULL);
	expect_invalid("--recursion-allow", "10.1.0.0/16", NULL);
	expect_invalid("--recursion-allow", "10.1.0.0/8", "key "
	    "'recursion_allow': '10.1.0.0/8' is not NET/BITS, ADDR, any or none");
	expect_invalid("--rrl-exempt", "2001:db8::/129", "key "
	    "'rrl_exempt': '2001:db8::/129' is not NET/BITS, ADDR, any or none");
}

static void
test_validate_limits(void **state)
{
	struct conf c;
	struct conf_cli cli;
	char err[512], name[300], label[64];
	const char *path = write_conf("{\"dns_listen\": []}");

	(void)state;
	assert_int_equal(LOAD(&c, &cli, err, "-c", (char *)path), ST_OK);
	assert_int_equal(conf_validate(&c, err, sizeof(err)), ST_ECONFIG);
	assert_string_equal(err,
	    "key 'dns_listen': needs at least one address");
	conf_deinit(&c);

	/* A name of 253 octets passes, 254 do not. */
	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label, label, label,
	    label);
	assert_int_equal(strlen(name), 253);
	expect_invalid("--domain", name, NULL);
	strcat(name, "a");
	assert_int_equal(LOAD(&c, &cli, err, "--domain", name), ST_OK);
	assert_int_equal(conf_validate(&c, err, sizeof(err)), ST_ECONFIG);
	conf_deinit(&c);
}

static void
test_usage(void **state)
{
	char *text = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&text, &len);
	const struct conf_option *opts = conf_options(&n);
	char want[64];

	(void)state;
	assert_non_null(f);
	conf_usage(f, "stadiond");
	fclose(f);
	assert_non_null(strstr(text, "usage: stadiond "));
	assert_non_null(strstr(text, "-c, --config FILE"));
	for (size_t i = 0; i < n; i++) {
		if (opts[i].flag == NULL)
			continue;
		snprintf(want, sizeof(want), "--%s", opts[i].flag);
		assert_non_null(strstr(text, want));
	}
	assert_non_null(strstr(text, "(512-4096, default: 1232)"));
	free(text);
}

/* The page's text with roff's "\-" turned into "-". */
static char *
read_page(const char *name)
{
	char path[1024], *text, *in, *out;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/doc/%s", TOP_SRCDIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	for (in = out = text; *in != '\0'; in++) {
		if (in[0] == '\\' && in[1] == '-')
			in++;
		*out++ = *in;
	}
	*out = '\0';
	return text;
}

/* word occurs in text, not as part of a longer name. */
static int
has_word(const char *text, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = text; (p = strstr(p, word)) != NULL; p++) {
		char after = p[len];
		char before = p == text ? ' ' : p[-1];

		if ((after == '_' || after == '-' ||
		    (after >= 'a' && after <= 'z')) ||
		    before == '_' || (before >= 'a' && before <= 'z'))
			continue;
		return 1;
	}
	return 0;
}

static void
test_man_pages(void **state)
{
	char *page5 = read_page("stadiond.json.5");
	char *page8 = read_page("stadiond.8");
	const char *cmds[] = { "-c", "--config", "-n", "-h", "--help", "-V",
	    "--version" };
	const struct conf_option *opts;
	char flag[64];
	size_t n;

	(void)state;
	opts = conf_options(&n);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		if (!has_word(page5, opts[i].key))
			fail_msg("key '%s' is missing from stadiond.json.5",
			    opts[i].key);
		if (opts[i].flag != NULL) {
			snprintf(flag, sizeof(flag), "--%s", opts[i].flag);
			if (!has_word(page8, flag))
				fail_msg("flag %s is missing from stadiond.8",
				    flag);
		}
		if (opts[i].short_flag != 0) {
			snprintf(flag, sizeof(flag), "-%c", opts[i].short_flag);
			if (!has_word(page8, flag))
				fail_msg("flag %s is missing from stadiond.8",
				    flag);
		}
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!has_word(page8, cmds[i]))
			fail_msg("flag %s is missing from stadiond.8", cmds[i]);
	}
	free(page5);
	free(page8);
}

/* The full example of stadiond.json(5) loads and validates. */
static void
test_man_example(void **state)
{
	struct conf c;
	struct conf_cli cli;
	char err[256];
	char *page = read_page("stadiond.json.5");
	char *start = strstr(page, "\n.EX\n{"), *end;
	const char *path;

	(void)state;
	assert_non_null(start);
	start += strlen("\n.EX\n");
	end = strstr(start, "\n.EE");
	assert_non_null(end);
	*end = '\0';
	path = write_conf(start);
	free(page);
	assert_int_equal(LOAD(&c, &cli, err, "-c", (char *)path), ST_OK);
	assert_int_equal(conf_validate(&c, err, sizeof(err)), ST_OK);
	assert_int_equal(c.n_dns_listen, 2);
	assert_true(c.syslog);
	assert_string_equal(c.chaos_id, "dns1");
	conf_deinit(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_teardown(test_file, teardown_file),
		cmocka_unit_test_teardown(test_flags_override_file,
		    teardown_file),
		cmocka_unit_test_teardown(test_list_flag_replaces,
		    teardown_file),
		cmocka_unit_test_teardown(test_unknown_key_position,
		    teardown_file),
		cmocka_unit_test_teardown(test_wrong_type, teardown_file),
		cmocka_unit_test_teardown(test_out_of_range, teardown_file),
		cmocka_unit_test_teardown(test_syntax_errors, teardown_file),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_flag_errors),
		cmocka_unit_test_teardown(test_help_ignores_file,
		    teardown_file),
		cmocka_unit_test(test_validate),
		cmocka_unit_test_teardown(test_validate_limits,
		    teardown_file),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_man_pages),
		cmocka_unit_test_teardown(test_man_example, teardown_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
