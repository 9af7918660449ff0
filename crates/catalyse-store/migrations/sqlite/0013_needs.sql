-- Besoins des territoires: needs expressed by members or by visitors who confirm by email,
-- moderated like cases, followed by a dated trail; the offers of help and requests to be
-- put in touch; the draft needs of webinar registrations; a member's opt-out of suggestions.
CREATE TABLE needs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    -- The member who expressed it; NULL for a visitor, imported or example data, or once
    -- her account is deleted (the need stays).
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- A visitor's address, never shown.
    author_email TEXT,
    -- SHA-256 (hex) of the secret of a visitor's confirmation link, and until when it holds.
    confirm_token_hash TEXT UNIQUE,
    confirm_expires_at BIGINT,
    -- When the author's address was confirmed (a member's need: at once); until then the
    -- need waits outside moderation.
    confirmed_at BIGINT,
    published TEXT,
    published_at BIGINT,
    draft TEXT,
    review TEXT CHECK (review IN ('pending', 'rejected')),
    review_reason TEXT NOT NULL DEFAULT '',
    revision BIGINT NOT NULL DEFAULT 0,
    submitted_at BIGINT,
    status TEXT NOT NULL DEFAULT 'ouvert'
        CHECK (status IN ('ouvert', 'en-relation', 'resolu', 'clos')),
    origin TEXT NOT NULL DEFAULT 'formulaire'
        CHECK (origin IN ('formulaire', 'webinaire', 'import', 'exemple')),
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    -- Of the published version, to select without reading its JSON (NULL until published).
    territory_level TEXT,
    territory_code TEXT,
    fragility TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX needs_review ON needs (review, submitted_at);
CREATE INDEX needs_author ON needs (author_id);
CREATE INDEX needs_status ON needs (status, published_at);
CREATE INDEX needs_territory ON needs (territory_level, territory_code);
CREATE INDEX needs_fragility ON needs (fragility);
CREATE INDEX needs_unconfirmed ON needs (confirm_expires_at) WHERE confirmed_at IS NULL;

-- The dated trail of a need's statuses.
CREATE TABLE need_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    need_id BIGINT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ouvert', 'en-relation', 'resolu', 'clos')),
    note TEXT NOT NULL DEFAULT '',
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX need_events_need ON need_events (need_id, at);

-- « Je peux aider » (offer) and « Demander une mise en relation » (request): who, to whom,
-- when, never the message. The rows a member sent go with her account; those addressed to
-- her lose her id.
CREATE TABLE need_contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    need_id BIGINT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    from_user BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_user BIGINT REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('offer', 'request')),
    at BIGINT NOT NULL
);
CREATE INDEX need_contacts_need ON need_contacts (need_id, at);
CREATE INDEX need_contacts_from ON need_contacts (from_user, at);

-- The answer to the webinar registration's question « Quel est votre besoin ? »: a draft
-- need for its author to complete; used once it became a need.
CREATE TABLE need_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    event_id BIGINT REFERENCES events (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX need_drafts_user ON need_drafts (user_id);
CREATE INDEX need_drafts_email ON need_drafts (email);

-- A member may refuse to be suggested to the authors of needs.
ALTER TABLE members ADD COLUMN suggestible BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX members_unsuggestible ON members (user_id) WHERE NOT suggestible;

-- Moderation decisions and reports may be about a need. SQLite cannot change a CHECK: each
-- table is rebuilt with its rows, its ids, its next id and its index, as 0012 did.
CREATE TABLE moderation_decisions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    moderator_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    subject TEXT NOT NULL CHECK (subject IN ('member', 'place', 'case', 'need')),
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
    subject TEXT NOT NULL CHECK (subject IN ('member', 'place', 'case', 'need')),
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
