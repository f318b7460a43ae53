# src/api/marathon.mk -- the /v2 Marathon API
