# src/orch/process.mk -- sources and tests of this piece
