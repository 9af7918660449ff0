-- The resource centre: documents of the kit and what animators publish, with their history.
CREATE TABLE resources (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    nature TEXT NOT NULL,
    subgroup TEXT NOT NULL DEFAULT '',
    -- JSON arrays of strings: read and written whole with the resource.
    levers TEXT NOT NULL DEFAULT '[]',
    themes TEXT NOT NULL DEFAULT '[]',
    authors TEXT NOT NULL DEFAULT '[]',
    year INTEGER,
    format TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'fr',
    licence TEXT NOT NULL DEFAULT '',
    url TEXT,
    -- The file, stored by the SHA-256 of its content (see the web crate's files module).
    file_sha256 TEXT,
    file_name TEXT,
    file_content_type TEXT,
    file_size BIGINT,
    state TEXT NOT NULL DEFAULT 'draft',
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX resources_updated ON resources (updated_at, id);
CREATE INDEX resources_file ON resources (file_sha256);

-- Who changed what, when: one row per creation, edit or change of state.
CREATE TABLE resource_history (
    id BIGSERIAL PRIMARY KEY,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    -- JSON object: field -> [before, after].
    changes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX resource_history_resource ON resource_history (resource_id, id);
