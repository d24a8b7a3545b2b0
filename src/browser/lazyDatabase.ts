import { openDB, type DBSchema, type IDBPDatabase, type OpenDBCallbacks } from 'idb';

/**
 * One shared, lazily opened connection to an IndexedDB database. It is dropped (and reopened on
 * the next call) when opening fails, when the browser terminates it, or when a newer version of
 * the app in another tab wants to upgrade the schema: then this tab closes it to let that happen.
 */
export function lazyDatabase<S extends DBSchema>(
  name: string,
  version: number,
  upgrade: NonNullable<OpenDBCallbacks<S>['upgrade']>,
): () => Promise<IDBPDatabase<S>> {
  let connection: Promise<IDBPDatabase<S>> | null = null;
  return () => {
    if (!connection) {
      const opening = openDB<S>(name, version, {
        upgrade,
        blocking() {
          void opening.then((d) => d.close());
          connection = null;
        },
        terminated() {
          connection = null;
        },
      });
      opening.catch(() => {
        connection = null;
      });
      connection = opening;
    }
    return connection;
  };
}
