-- Registrations to events: seats up to the capacity, then a waiting list in order of arrival.
CREATE TABLE registrations (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    territory TEXT NOT NULL DEFAULT '',
    -- pending (a visitor who has not confirmed yet), confirmed, waiting, cancelled
    status TEXT NOT NULL,
    -- SHA-256 of the secret in the links of every email (confirm, cancel).
    token_hash TEXT NOT NULL UNIQUE,
    consent_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    reminded_day_before BOOLEAN NOT NULL DEFAULT FALSE,
    reminded_hour_before BOOLEAN NOT NULL DEFAULT FALSE,
    attended BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (event_id, email)
);
CREATE INDEX registrations_event ON registrations (event_id, status, id);
