DROP TABLE drafts;
DROP TABLE responses;
DROP TABLE response_inbox;
DROP TABLE link_handouts;
DROP TABLE round_counts;
DROP TABLE invitations;
DROP TABLE round_units;
DROP TABLE rounds;
