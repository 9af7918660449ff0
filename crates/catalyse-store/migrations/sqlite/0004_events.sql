-- Events of the programme and the series they belong to.
CREATE TABLE event_series (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    -- The rule in words, as shown; the rule itself is code (catalyse_core::events).
    rule TEXT NOT NULL DEFAULT ''
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    series_id BIGINT REFERENCES event_series (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    levers TEXT NOT NULL DEFAULT '[]',
    themes TEXT NOT NULL DEFAULT '[]',
    -- UTC seconds; shown in the event's time zone.
    starts_at BIGINT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'Europe/Paris',
    online_url TEXT,
    commune TEXT,
    address TEXT,
    speakers TEXT NOT NULL DEFAULT '[]',
    capacity INTEGER,
    status TEXT NOT NULL DEFAULT 'scheduled',
    replay_url TEXT,
    resources TEXT NOT NULL DEFAULT '[]',
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX events_start ON events (starts_at);
CREATE INDEX events_series ON events (series_id, starts_at);
