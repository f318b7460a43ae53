# src/dns/tsig.mk -- TSIG (RFC 8945): keys, key files, signing, verifying
libstadion_a_SOURCES += src/dns/tsig.c src/dns/tsigkey.c src/dns/tsig.h
EXTRA_DIST += src/dns/tsig.mk
