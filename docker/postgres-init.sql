-- The two roles docs/postgres.md asks a DBA for, for the compose `postgres` service (development
-- passwords: never production). The image runs this once, on an empty data volume, as superuser.
CREATE ROLE engine_owner LOGIN PASSWORD 'engine_owner';
CREATE ROLE engine LOGIN PASSWORD 'engine';
CREATE DATABASE support OWNER engine_owner;
REVOKE ALL ON DATABASE support FROM PUBLIC;
GRANT CONNECT ON DATABASE support TO engine;
