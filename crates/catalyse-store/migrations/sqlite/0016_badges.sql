-- Open Badges 3.0: the achievements (shipped in a file, then editable by animators), the
-- credentials issued for them (the signed VC-JWT kept as issued), and the counter that gives
-- each credential its place in a Bitstring Status List.
CREATE TABLE achievements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    -- The AchievementFields as JSON.
    fields TEXT NOT NULL,
    -- Its place in the shipped file (NULL for the animators' own).
    position BIGINT,
    -- From the shipped file (the loader keeps it in step until an animator edits it).
    shipped BOOLEAN NOT NULL DEFAULT FALSE,
    -- Set by an animator's edit: from then on the loader leaves the achievement alone.
    edited_at BIGINT,
    edited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE credentials (
    -- A UUID, given by the issuer.
    id TEXT PRIMARY KEY,
    achievement_id BIGINT NOT NULL REFERENCES achievements (id) ON DELETE RESTRICT,
    -- NULL once the earner deleted her account (her credentials are revoked first).
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- The signed VC-JWT, as issued: never rewritten.
    jwt TEXT NOT NULL,
    status_list BIGINT NOT NULL,
    status_index BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    -- NULL when a rule issued it.
    issued_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- An animator's reason for a manual award.
    reason TEXT,
    public BOOLEAN NOT NULL DEFAULT FALSE,
    revoked_at BIGINT,
    revoked_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    revoked_reason TEXT,
    UNIQUE (status_list, status_index)
);
-- At most one live credential per person and achievement.
CREATE UNIQUE INDEX credentials_live ON credentials (user_id, achievement_id)
    WHERE revoked_at IS NULL;
CREATE INDEX credentials_user ON credentials (user_id, issued_at);
CREATE INDEX credentials_achievement ON credentials (achievement_id, issued_at);
CREATE INDEX credentials_issued ON credentials (issued_at);

-- One row (id 1, created by the first allocation): how many status slots were given. Slot n
-- (from 0) is index n % 131072 of list n / 131072 + 1.
CREATE TABLE badge_status_slots (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    allocated BIGINT NOT NULL
);
