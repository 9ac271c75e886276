/**
 * The environment variables the Redis client library may read: npm
 * `debug`'s (ioredis's logger). Used by redis_library.ts, which hands the
 * library only these, and by the master's role grants
 * (role_permissions.ts), which name them for the threads that open Redis.
 * Pure.
 */

/** `debug`'s variables: DEBUG and its DEBUG_* options. */
export const REDIS_LIBRARY_ENVIRONMENT: readonly string[] = [
  "DEBUG",
  "DEBUG_COLORS",
  "DEBUG_DEPTH",
  "DEBUG_HIDE_DATE",
  "DEBUG_SHOW_HIDDEN",
];
