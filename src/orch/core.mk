# src/orch/core.mk -- sources and tests of this piece
libstadion_a_SOURCES += \
	src/orch/containerizer.c src/orch/containerizer.h \
	src/orch/orch.h src/orch/ctr_process.h src/orch/ctr_docker.h
