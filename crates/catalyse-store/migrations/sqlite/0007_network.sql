-- Réseau des pionniers: verified accounts, member profiles, places, moderation, reports, contact.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;

-- Single-use links that prove an address when a person joins.
CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);

-- One profile per member: the published (approved) version and the draft under review, as JSON.
CREATE TABLE members (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'members', 'hidden')),
    consent_at BIGINT,
    published TEXT,
    published_at BIGINT,
    draft TEXT,
    review TEXT CHECK (review IN ('pending', 'rejected')),
    review_reason TEXT NOT NULL DEFAULT '',
    revision BIGINT NOT NULL DEFAULT 0,
    submitted_at BIGINT,
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX members_review ON members (review, submitted_at);

CREATE TABLE places (
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
    is_example BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX places_review ON places (review, submitted_at);
CREATE INDEX places_created_by ON places (created_by);

-- The audit trail of moderation decisions.
CREATE TABLE moderation_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    moderator_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    subject TEXT NOT NULL CHECK (subject IN ('member', 'place')),
    subject_id BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    approved BOOLEAN NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX moderation_decisions_subject ON moderation_decisions (subject, subject_id);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    reporter_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    subject TEXT NOT NULL CHECK (subject IN ('member', 'place')),
    subject_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    resolved_at BIGINT,
    resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reports_open ON reports (resolved_at, at);

-- Who wrote to whom and when (never the message): for the per-sender limit and abuse reports.
CREATE TABLE contact_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    sender_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX contact_messages_sender ON contact_messages (sender_id, at);
