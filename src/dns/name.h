/*
 * name.h -- domain names in wire form, lookup keys and Mesos-DNS labels.
 *
 * A "wire name" is an uncompressed RFC 1035 name ending in the root label.
 * A "key" is the name's labels in reverse order, lowercased, each followed by
 * a 0 octet ("mesos\0marathon\0web\0"; the root is the empty key), so that a
 * name's descendants are exactly the keys it prefixes.
 */
#ifndef STADION_DNS_NAME_H
#define STADION_DNS_NAME_H

#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 255
#define DNS_LABEL_MAX 63
#define DNS_KEY_MAX 256

/*
 * Read the (possibly compressed) name at pkt[*pos] into out (DNS_NAME_MAX
 * octets), set *outlen and move *pos past the name as it stands in the
 * packet. ST_EFORMAT on truncation, pointer loops or forward pointers,
 * over-long names or reserved label types.
 */
int dns_name_unpack(const uint8_t *pkt, size_t pktlen, size_t *pos,
    uint8_t *out, size_t *outlen);

/* Length of the uncompressed wire name at name (ST_EFORMAT if malformed). */
int dns_name_wire_len(const uint8_t *name, size_t maxlen, size_t *len);

/*
 * Key of a wire name into key (DNS_KEY_MAX octets). ST_EFORMAT when a label
 * holds a 0 octet (it could not be told apart from a label boundary).
 */
int dns_name_to_key(const uint8_t *name, size_t len, uint8_t *key,
    size_t *keylen);

/*
 * Wire name of a key (DNS_NAME_MAX octets), its labels in their order again
 * (lowercase, as keys are). The root's key may be empty or, as the store
 * hands it back, a single 0 octet. ST_EFORMAT for a malformed key.
 */
int dns_name_from_key(const uint8_t *key, size_t klen, uint8_t *name,
    size_t *len);

/* Presentation form ("web.marathon.mesos." or "web.marathon.mesos") to wire. */
int dns_name_from_text(const char *text, uint8_t *out, size_t *outlen);
/* Wire to presentation form with a trailing dot; ST_ESPACE if too small. */
int dns_name_to_text(const uint8_t *name, size_t len, char *out,
    size_t outsize);

/* Number of labels, the root not counted. */
int dns_name_labels(const uint8_t *name);
/* Case-insensitive comparison of two wire names; 1 if equal. */
int dns_name_equal(const uint8_t *a, const uint8_t *b);
/* Wire name of the i'th parent: 0 is name itself; NULL past the root. */
const uint8_t *dns_name_parent(const uint8_t *name, int i);

/*
 * RFC 1123 label from arbitrary text, as Mesos-DNS does: lowercase, every
 * character outside [a-z0-9-] becomes '-', leading and trailing '-' are
 * trimmed, at most maxlen (<= 63) octets. ST_EINVAL if nothing remains.
 */
int dns_label_sanitize(const char *in, size_t maxlen, char *out,
    size_t outsize);

/*
 * Label of an app id: path reversed and joined by '-', then sanitized:
 * "/prod/web" -> "web-prod", "web" -> "web". ST_EINVAL if empty.
 */
int dns_label_from_app_id(const char *id, char *out, size_t outsize);

#endif
