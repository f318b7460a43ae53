# src/orch/docker.mk -- sources and tests of this piece
