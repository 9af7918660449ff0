-- Kit de formation: modules (shipped in data/reference/formation.toml, then editable by
-- animators), their ordered units, and what each member did of them. A member's reflections
-- are hers alone: no page, export or animator's view reads them.
CREATE TABLE formation_modules (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    -- From the shipped file (the loader keeps it in step until an animator edits it).
    shipped BOOLEAN NOT NULL DEFAULT FALSE,
    -- Set by an animator's edit: from then on the loader leaves the module as she left it.
    edited_at BIGINT,
    edited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- Grows by one at every write, so that an edit made on an older version is refused.
    revision BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX formation_modules_position ON formation_modules (position, id);

CREATE TABLE formation_units (
    module_id BIGINT NOT NULL REFERENCES formation_modules (id) ON DELETE CASCADE,
    unit_key TEXT NOT NULL,
    position BIGINT NOT NULL,
    section TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('resource', 'replay', 'reflection', 'quiz')),
    -- The resource's or the event's slug (resource, replay).
    target TEXT NOT NULL DEFAULT '',
    -- The prompt (reflection) or the questions as JSON (quiz).
    body TEXT NOT NULL DEFAULT '',
    minutes BIGINT NOT NULL,
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (module_id, unit_key)
);
CREATE INDEX formation_units_position ON formation_units (module_id, position);

-- A unit done by a member: the first time is kept; a quiz keeps her last answers and score.
CREATE TABLE formation_progress (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module_id BIGINT NOT NULL REFERENCES formation_modules (id) ON DELETE CASCADE,
    unit_key TEXT NOT NULL,
    completed_at BIGINT NOT NULL,
    score BIGINT,
    out_of BIGINT,
    answers TEXT,
    PRIMARY KEY (user_id, module_id, unit_key)
);
CREATE INDEX formation_progress_module ON formation_progress (module_id);

CREATE TABLE formation_reflections (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module_id BIGINT NOT NULL REFERENCES formation_modules (id) ON DELETE CASCADE,
    unit_key TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, module_id, unit_key)
);
CREATE INDEX formation_reflections_module ON formation_reflections (module_id);
