-- A delivery is a daily or a weekly digest (weekly readers get the best of the past 7 days on WEEKLY_DIGEST_DAY):
-- the sender renders each with its own subject and heading.
ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'daily' CHECK (kind IN ('daily', 'weekly'));
