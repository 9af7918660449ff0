-- When registration opens and closes (UTC seconds); none: open until the event starts.
ALTER TABLE events ADD COLUMN registration_opens_at BIGINT;
ALTER TABLE events ADD COLUMN registration_closes_at BIGINT;
