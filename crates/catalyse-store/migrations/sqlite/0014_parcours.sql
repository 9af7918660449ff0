-- Parcours d'expérience: cohorts of territory teams over months, their people, their
-- sessions (events), the deliverables each team hands in, and the cohort's space of
-- exchanges. Dates without a time (a cohort's start and end, a deliverable's due date) are
-- ISO 8601 text (YYYY-MM-DD).
CREATE TABLE cohorts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- JSON list of the kit's module slugs the participants follow.
    modules TEXT NOT NULL DEFAULT '[]',
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE cohort_teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    territory_level TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    UNIQUE (cohort_id, territory_level, territory_code)
);

CREATE TABLE cohort_members (
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('participant', 'animateur')),
    -- A participant's team; animators have none.
    team_id BIGINT REFERENCES cohort_teams (id) ON DELETE SET NULL,
    notify_replies BOOLEAN NOT NULL DEFAULT TRUE,
    -- The weekly digest of the cohort's space: whether she wants it, and when it last went.
    weekly_digest BOOLEAN NOT NULL DEFAULT TRUE,
    digest_sent_at BIGINT,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_members_user ON cohort_members (user_id);

-- An event is the session of at most one cohort.
CREATE TABLE cohort_sessions (
    event_id BIGINT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    step INTEGER NOT NULL
);
CREATE INDEX cohort_sessions_cohort ON cohort_sessions (cohort_id, step);

CREATE TABLE cohort_deliverables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    step INTEGER NOT NULL,
    due_on TEXT
);
CREATE INDEX cohort_deliverables_cohort ON cohort_deliverables (cohort_id, step);

-- What a team handed in: a file (kept in the file store by the SHA-256 of its content), a
-- link, or recorded by an animator. The latest per team and deliverable is the one that
-- counts; earlier ones stay as the history.
CREATE TABLE cohort_submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deliverable_id BIGINT NOT NULL REFERENCES cohort_deliverables (id) ON DELETE CASCADE,
    team_id BIGINT NOT NULL REFERENCES cohort_teams (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('fichier', 'lien', 'constate')),
    link TEXT,
    file_sha256 TEXT,
    file_name TEXT,
    file_content_type TEXT,
    file_size BIGINT,
    note TEXT NOT NULL DEFAULT '',
    submitted_at BIGINT NOT NULL,
    CHECK ((kind = 'fichier') = (file_sha256 IS NOT NULL)),
    CHECK ((kind = 'lien') = (link IS NOT NULL))
);
CREATE INDEX cohort_submissions_team ON cohort_submissions (team_id, deliverable_id);
CREATE INDEX cohort_submissions_file ON cohort_submissions (file_sha256);

-- The cohort's space: short messages and the answers to them (one level of threads: an
-- answer's parent is a message, never another answer). Markdown, sanitised when shown.
CREATE TABLE cohort_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES cohort_posts (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX cohort_posts_cohort ON cohort_posts (cohort_id, created_at);
CREATE INDEX cohort_posts_parent ON cohort_posts (parent_id, created_at);
