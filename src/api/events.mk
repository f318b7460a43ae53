# src/api/events.mk -- the event bus, the /v2/events stream and the alert webhooks
libstadion_a_SOURCES += \
	src/util/bus.c src/util/bus.h \
	src/api/events.c src/api/events.h \
	src/api/webhook.c src/api/webhook.h

if HAVE_CMOCKA
EVENTS_UNIT_TESTS = tests/unit/test_bus tests/unit/test_events \
	tests/unit/test_webhook
check_PROGRAMS += $(EVENTS_UNIT_TESTS)
TESTS += $(EVENTS_UNIT_TESTS)
tests_unit_test_bus_SOURCES = tests/unit/test_bus.c
tests_unit_test_bus_LDADD = $(UNIT_LDADD)
tests_unit_test_bus_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_events_SOURCES = tests/unit/test_events.c
tests_unit_test_events_LDADD = $(UNIT_LDADD)
tests_unit_test_events_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_webhook_SOURCES = tests/unit/test_webhook.c
tests_unit_test_webhook_LDADD = $(UNIT_LDADD)
tests_unit_test_webhook_CFLAGS = $(UNIT_CFLAGS)
endif
