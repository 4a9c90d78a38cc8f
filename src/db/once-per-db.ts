// A repository's statements are prepared once per connection, not on every call: callers that still receive the
// connection (the send engine, the locks) get the same repository object each time through this cache. The
// connection being a WeakMap key, a closed and dropped connection takes its statements with it.
import type { Db } from './open.js';

export function oncePerDb<R>(build: (db: Db) => R): (db: Db) => R {
  const built = new WeakMap<Db, R>();
  return (db) => {
    let r = built.get(db);
    if (!r) built.set(db, (r = build(db)));
    return r;
  };
}
