# src/orch/app.mk -- sources and tests of this piece
