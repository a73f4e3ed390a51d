"""SQLAlchemy Core over asyncpg (PostgreSQL) or aiosqlite (the embedded SQLite file)."""
