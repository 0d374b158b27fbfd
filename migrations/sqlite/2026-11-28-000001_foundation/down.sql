DROP TABLE instance_setup;
DROP TABLE user_sessions;
DROP TABLE api_tokens;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organisations;
