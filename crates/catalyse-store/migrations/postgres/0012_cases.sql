-- Pratiques innovantes: case studies, moderated like places, and the files their images use.
CREATE TABLE cases (
    id BIGSERIAL PRIMARY KEY,
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

-- Moderation decisions and reports may be about a case (the column checks PostgreSQL named
-- when 0007 created them).
ALTER TABLE moderation_decisions DROP CONSTRAINT moderation_decisions_subject_check;
ALTER TABLE moderation_decisions ADD CONSTRAINT moderation_decisions_subject_check
    CHECK (subject IN ('member', 'place', 'case'));
ALTER TABLE reports DROP CONSTRAINT reports_subject_check;
ALTER TABLE reports ADD CONSTRAINT reports_subject_check
    CHECK (subject IN ('member', 'place', 'case'));
