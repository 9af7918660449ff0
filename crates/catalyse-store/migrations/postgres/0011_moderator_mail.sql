-- How a moderator hears of what waits moderation: one mail a submission ('immediate'), one
-- digest a day ('daily') or none ('never').
ALTER TABLE users ADD COLUMN moderation_mail TEXT NOT NULL DEFAULT 'daily'
    CHECK (moderation_mail IN ('immediate', 'daily', 'never'));
-- The day (Paris, AAAA-MM-JJ) of the last daily digest she was sent: at most one a day.
ALTER TABLE users ADD COLUMN digest_day TEXT;
