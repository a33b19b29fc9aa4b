/** Carriers and the routing table; both bump config_versions('routing') so every process reloads. */
import type { CarrierConfig } from '../carriers/types';
import type { Route } from '../routing/routing-table';
import type { Db } from './knex';
import { exec, query } from './sql';

export interface NewCarrier {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string;
  readonly binds?: number;
  readonly window?: number;
  readonly maxTps?: number | null;
}

interface CarrierRow {
  id: string;
  name: string;
  host: string;
  port: number;
  system_id: string;
  password: string;
  system_type: string;
  binds: number;
  window_size: number;
  max_tps: number | null;
  enabled: boolean;
}

const toCarrier = (r: CarrierRow): CarrierConfig => ({
  id: r.id,
  name: r.name,
  host: r.host,
  port: r.port,
  systemId: r.system_id,
  password: r.password,
  systemType: r.system_type,
  binds: r.binds,
  window: r.window_size,
  maxTps: r.max_tps,
  enabled: r.enabled,
});

export class CarrierNameTakenError extends Error {
  override readonly name = 'CarrierNameTakenError';
}

export class UnknownCarrierError extends Error {
  override readonly name = 'UnknownCarrierError';
  constructor(readonly names: readonly string[]) {
    super(`unknown carriers: ${names.join(', ')}`);
  }
}

export class RoutingStore {
  constructor(private readonly db: Db) {}

  async version(): Promise<number> {
    const rows = await query<{ version: number }>(this.db, `SELECT version FROM config_versions WHERE name = 'routing'`);
    return rows[0]?.version ?? 0;
  }

  async carriers(): Promise<CarrierConfig[]> {
    const rows = await query<CarrierRow>(this.db, 'SELECT * FROM carriers ORDER BY name');
    return rows.map(toCarrier);
  }

  /** Creates a carrier, or with `upsert` replaces the one of the same name (used to seed the simulator). */
  async saveCarrier(input: NewCarrier, upsert = false): Promise<CarrierConfig> {
    return this.db.transaction(async (trx) => {
      const values = [
        input.name,
        input.host,
        input.port,
        input.systemId,
        input.password,
        input.systemType ?? '',
        input.binds ?? 1,
        input.window ?? 10,
        input.maxTps ?? null,
      ];
      const conflict = upsert
        ? `ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port, system_id = EXCLUDED.system_id,
             password = EXCLUDED.password, system_type = EXCLUDED.system_type, binds = EXCLUDED.binds,
             window_size = EXCLUDED.window_size, max_tps = EXCLUDED.max_tps, updated_at = now()`
        : 'ON CONFLICT (name) DO NOTHING';
      const rows = await query<CarrierRow>(trx, 
        `INSERT INTO carriers (name, host, port, system_id, password, system_type, binds, window_size, max_tps)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ${conflict} RETURNING *`,
        values,
      );
      if (!rows[0]) throw new CarrierNameTakenError(`a carrier named "${input.name}" exists`);
      await bump(trx);
      return toCarrier(rows[0]);
    });
  }

  async routes(): Promise<Route[]> {
    const rows = await query<{ prefix: string; carrier_ids: string[]; price: number }>(this.db, 
      'SELECT prefix, carrier_ids, price FROM routes ORDER BY prefix',
    );
    return rows.map((r) => ({ prefix: r.prefix, carrierIds: r.carrier_ids, price: r.price }));
  }

  /** Replaces the whole table atomically; carriers are named, stored by id. */
  async replaceRoutes(routes: ReadonlyArray<{ prefix: string; carriers: readonly string[]; price: number }>): Promise<Route[]> {
    return this.db.transaction(async (trx) => {
      const rows = await query<{ id: string; name: string }>(trx, 'SELECT id, name FROM carriers');
      const idByName = new Map(rows.map((r) => [r.name, r.id]));
      const unknown = [...new Set(routes.flatMap((r) => r.carriers).filter((n) => !idByName.has(n)))];
      if (unknown.length > 0) throw new UnknownCarrierError(unknown);
      const resolved = routes.map((r) => ({ prefix: r.prefix, carrierIds: r.carriers.map((n) => idByName.get(n)!), price: r.price }));
      await exec(trx, 'DELETE FROM routes');
      for (const route of resolved) {
        await exec(trx, 'INSERT INTO routes (prefix, carrier_ids, price) VALUES (?, ?::uuid[], ?)', [route.prefix, route.carrierIds, route.price]);
      }
      await bump(trx);
      return resolved;
    });
  }
}

async function bump(db: Db): Promise<void> {
  await exec(db, `UPDATE config_versions SET version = version + 1 WHERE name = 'routing'`);
}
