/**
 * Typed wrappers over knex.raw: positional `?` bindings, JS arrays bound as
 * PostgreSQL arrays (write `?::uuid[]`). The only SQL entry point of the
 * repositories.
 */
import type { Knex } from 'knex';

export type Executor = Knex | Knex.Transaction;

export async function query<T>(db: Executor, text: string, params: readonly unknown[] = []): Promise<T[]> {
  const result = (await db.raw(text, params as Knex.RawBinding[])) as { rows: T[] };
  return result.rows;
}

export async function exec(db: Executor, text: string, params: readonly unknown[] = []): Promise<void> {
  await db.raw(text, params as Knex.RawBinding[]);
}
