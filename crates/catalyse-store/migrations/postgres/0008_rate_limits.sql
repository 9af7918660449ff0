-- Rate limits, kept in the database so that every instance counts the same events.
-- One row per budget key (a hash, with a readable prefix: no address or IP in clear), holding
-- the GCRA "theoretical arrival time" of the next event, in milliseconds since the epoch. A
-- row whose time is past counts as no row at all: the housekeeping task deletes those.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat_ms BIGINT NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat_ms);
