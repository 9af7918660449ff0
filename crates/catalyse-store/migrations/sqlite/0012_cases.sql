-- Pratiques innovantes: case studies, moderated like places, and the files their images use.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    published TEXT,
    published_at BIGINT,
    draft TEXT,
    review TEXT CHECK (review IN ('pending', 'rejected')),
    review_reason TEXT NOT NULL DEFAULT '',
    revision BIGINT NOT NULL DEFAULT 0,
    submitted_at BIGINT,
    archived_at BIGINT,
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    is_reference BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cases_review ON cases (review, submitted_at);
CREATE INDEX cases_created_by ON cases (created_by);
CREATE INDEX cases_published_at ON cases (published_at);
CREATE INDEX cases_archived_at ON cases (archived_at);
CREATE INDEX cases_is_example ON cases (is_example);
CREATE INDEX cases_is_reference ON cases (is_reference);

-- The image files of each case's versions (published and draft), so that the file store
-- keeps them and sweeps them once no version uses them.
CREATE TABLE case_files (
    case_id BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (case_id, sha256)
);
CREATE INDEX case_files_sha256 ON case_files (sha256);

-- Moderation decisions and reports may be about a case. SQLite cannot change a CHECK: each
-- table is rebuilt with its rows, its ids, its next id and its index (no table refers to
-- either, so foreign keys are not involved).
CREATE TABLE moderation_decisions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    moderator_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    subject TEXT NOT NULL CHECK (subject IN ('member', 'place', 'case')),
    subject_id BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    approved BOOLEAN NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
INSERT INTO moderation_decisions_new (id, at, moderator_id, subject, subject_id, revision,
    approved, reason)
    SELECT id, at, moderator_id, subject, subject_id, revision, approved, reason
    FROM moderation_decisions;
DELETE FROM sqlite_sequence WHERE name = 'moderation_decisions_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'moderation_decisions_new', seq FROM sqlite_sequence
    WHERE name = 'moderation_decisions';
DROP TABLE moderation_decisions;
ALTER TABLE moderation_decisions_new RENAME TO moderation_decisions;
CREATE INDEX moderation_decisions_subject ON moderation_decisions (subject, subject_id);

CREATE TABLE reports_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    reporter_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    subject TEXT NOT NULL CHECK (subject IN ('member', 'place', 'case')),
    subject_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    resolved_at BIGINT,
    resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    resolution TEXT NOT NULL DEFAULT ''
);
INSERT INTO reports_new (id, at, reporter_id, subject, subject_id, reason, resolved_at,
    resolved_by, resolution)
    SELECT id, at, reporter_id, subject, subject_id, reason, resolved_at, resolved_by,
    resolution FROM reports;
DELETE FROM sqlite_sequence WHERE name = 'reports_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'reports_new', seq FROM sqlite_sequence WHERE name = 'reports';
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX reports_open ON reports (resolved_at, at);
