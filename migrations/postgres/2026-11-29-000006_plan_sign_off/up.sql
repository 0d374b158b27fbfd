-- Completion of a plan item can require sign-off by a second account (an organisation setting).
ALTER TABLE organisations ADD COLUMN plan_sign_off BOOLEAN NOT NULL DEFAULT FALSE;
-- Who reported an item done and on which day (Europe/Amsterdam), and who signed it off.
ALTER TABLE plan_items ADD COLUMN completed_by TEXT;
ALTER TABLE plan_items ADD COLUMN completed_on DATE;
ALTER TABLE plan_items ADD COLUMN signed_off_by TEXT;
