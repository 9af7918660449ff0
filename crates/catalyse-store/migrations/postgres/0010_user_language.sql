-- The language a member reads (fr or en): mails sent to her outside a request use it.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'fr';
