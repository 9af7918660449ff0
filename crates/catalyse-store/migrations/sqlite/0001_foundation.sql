-- Foundation: reference frame, geography, accounts, sessions, password resets, settings, audit.
CREATE TABLE reference_state (
    name TEXT PRIMARY KEY,
    checksum TEXT NOT NULL,
    loaded_at BIGINT NOT NULL
);

CREATE TABLE levers (
    slug TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    questions TEXT NOT NULL,
    checksum TEXT NOT NULL
);

CREATE TABLE metier_families (
    slug TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL
);

CREATE TABLE activities (
    slug TEXT PRIMARY KEY,
    family_slug TEXT NOT NULL REFERENCES metier_families (slug) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL
);

CREATE TABLE actor_families (
    slug TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL
);

CREATE TABLE milestones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    date TEXT NOT NULL,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    pillar TEXT NOT NULL,
    date_precision TEXT NOT NULL
);

CREATE TABLE territories (
    level TEXT NOT NULL CHECK (level IN ('region', 'department', 'epci', 'commune')),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    region TEXT,
    department TEXT,
    epci TEXT,
    population BIGINT,
    postcodes TEXT NOT NULL DEFAULT '',
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    checksum TEXT NOT NULL,
    PRIMARY KEY (level, code)
);
CREATE INDEX territories_code ON territories (code);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('member', 'moderator', 'admin')),
    password_hash TEXT NOT NULL,
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT ''
);
