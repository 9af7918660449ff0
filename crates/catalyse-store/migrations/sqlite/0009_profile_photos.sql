-- The photo of each version of a profile, beside its JSON, so that a photo nobody uses any
-- more (replaced, removed, or its account deleted) is found and deleted from the file store.
ALTER TABLE members ADD COLUMN published_photo TEXT;
ALTER TABLE members ADD COLUMN draft_photo TEXT;
UPDATE members SET published_photo = json_extract(published, '$.photo')
    WHERE published IS NOT NULL;
UPDATE members SET draft_photo = json_extract(draft, '$.photo') WHERE draft IS NOT NULL;
CREATE INDEX members_published_photo ON members (published_photo)
    WHERE published_photo IS NOT NULL;
CREATE INDEX members_draft_photo ON members (draft_photo) WHERE draft_photo IS NOT NULL;
