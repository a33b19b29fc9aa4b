/**
 * Carriers and the routing table; every change bumps
 * config_versions('routing') in the same transaction, so every process's
 * LiveRouting reloads within its poll interval.
 *
 * Deleting a carrier is soft: its messages and parts keep referring to it,
 * so the row stays (deleted_at set, disabled, never bound nor routed to) and
 * its name is free for a new carrier. A carrier still listed by a route
 * cannot be deleted.
 */
import type { BindMode, CarrierConcat, CarrierConfig } from '../carriers/types';
import type { Route } from '../routing/routing-table';
import { recordAudit } from './audit-store';
import type { Db } from './knex';
import { exec, query, type Executor } from './sql';

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
  readonly bindMode?: BindMode;
  readonly concat?: CarrierConcat;
  readonly cost?: number;
  readonly enabled?: boolean;
}

export type CarrierPatch = Partial<NewCarrier>;

/** A route as the operator writes it: carriers by name, optional weight and rank each. */
export interface RouteInput {
  readonly prefix: string;
  readonly carriers: ReadonlyArray<string | { readonly name: string; readonly weight?: number; readonly rank?: number }>;
  readonly price: number;
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
  bind_mode: BindMode;
  concat: CarrierConcat;
  cost: number;
  deleted_at: Date | null;
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
  enabled: r.enabled && r.deleted_at === null,
  bindMode: r.bind_mode,
  concat: r.concat,
  cost: r.cost,
  deleted: r.deleted_at !== null,
});

/** Patchable fields -> columns (the one place a field name meets SQL). */
const CARRIER_COLUMNS: Readonly<Record<keyof NewCarrier, string>> = {
  name: 'name',
  host: 'host',
  port: 'port',
  systemId: 'system_id',
  password: 'password',
  systemType: 'system_type',
  binds: 'binds',
  window: 'window_size',
  maxTps: 'max_tps',
  bindMode: 'bind_mode',
  concat: 'concat',
  cost: 'cost',
  enabled: 'enabled',
};

/** A carrier as the audit trail shows it: the password never, only whether it changed. */
const auditCarrier = (r: CarrierRow) => {
  const { password: _password, ...rest } = toCarrier(r);
  return rest;
};

const UNIQUE_VIOLATION = '23505';

export class CarrierNameTakenError extends Error {
  override readonly name = 'CarrierNameTakenError';
}

export class UnknownCarrierError extends Error {
  override readonly name = 'UnknownCarrierError';
  constructor(readonly names: readonly string[]) {
    super(`unknown carriers: ${names.join(', ')}`);
  }
}

export class CarrierInUseError extends Error {
  override readonly name = 'CarrierInUseError';
  constructor(readonly prefixes: readonly string[]) {
    super(`the carrier is listed by routes ${prefixes.map((p) => `"${p}"`).join(', ')}`);
  }
}

export class RoutingStore {
  constructor(private readonly db: Db) {}

  async version(): Promise<number> {
    const rows = await query<{ version: number }>(this.db, `SELECT version FROM config_versions WHERE name = 'routing'`);
    return rows[0]?.version ?? 0;
  }

  /** Every carrier, deleted ones included (flagged): old messages still name theirs. */
  async carriers(): Promise<CarrierConfig[]> {
    const rows = await query<CarrierRow>(this.db, 'SELECT * FROM carriers ORDER BY name, created_at');
    return rows.map(toCarrier);
  }

  /** Creates a carrier, or with `upsert` replaces the live one of the same name (used to seed the simulator). */
  async saveCarrier(input: NewCarrier, upsert = false, actor?: string): Promise<CarrierConfig> {
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
        input.bindMode ?? 'transceiver',
        input.concat ?? 'udh8',
        input.cost ?? 0,
        input.enabled ?? true,
      ];
      const conflict = upsert
        ? `ON CONFLICT (name) WHERE deleted_at IS NULL DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port,
             system_id = EXCLUDED.system_id, password = EXCLUDED.password, system_type = EXCLUDED.system_type,
             binds = EXCLUDED.binds, window_size = EXCLUDED.window_size, max_tps = EXCLUDED.max_tps, updated_at = now()`
        : 'ON CONFLICT (name) WHERE deleted_at IS NULL DO NOTHING';
      const rows = await query<CarrierRow>(
        trx,
        `INSERT INTO carriers (name, host, port, system_id, password, system_type, binds, window_size, max_tps,
                               bind_mode, concat, cost, enabled)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${conflict} RETURNING *`,
        values,
      );
      if (!rows[0]) throw new CarrierNameTakenError(`a carrier named "${input.name}" exists`);
      await bump(trx);
      if (actor) await recordAudit(trx, { actor, action: 'create', entity: 'carrier', entityId: rows[0].id, after: auditCarrier(rows[0]) });
      return toCarrier(rows[0]);
    });
  }

  /** Changes the given fields of a live carrier; undefined when there is none with this id. */
  async updateCarrier(id: string, patch: CarrierPatch, actor?: string): Promise<CarrierConfig | undefined> {
    const fields = (Object.keys(CARRIER_COLUMNS) as Array<keyof NewCarrier>).filter((f) => patch[f] !== undefined);
    return this.db.transaction(async (trx) => {
      const before = actor ? await query<CarrierRow>(trx, 'SELECT * FROM carriers WHERE id = ? AND deleted_at IS NULL FOR UPDATE', [id]) : [];
      const sets = fields.map((f) => `${CARRIER_COLUMNS[f]} = ?`);
      const rows = await query<CarrierRow>(
        trx,
        `UPDATE carriers SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = ? AND deleted_at IS NULL RETURNING *`,
        [...fields.map((f) => patch[f]), id],
      ).catch((error: { code?: string }) => {
        if (error.code === UNIQUE_VIOLATION) throw new CarrierNameTakenError(`a carrier named "${patch.name}" exists`);
        throw error;
      });
      if (!rows[0]) return undefined;
      await bump(trx);
      if (actor && before[0]) {
        await recordAudit(trx, {
          actor,
          action: 'update',
          entity: 'carrier',
          entityId: id,
          before: auditCarrier(before[0]),
          after: auditCarrier(rows[0]),
          detail: { fields, ...(patch.password !== undefined ? { passwordChanged: true } : {}) },
        });
      }
      return toCarrier(rows[0]);
    });
  }

  /** Soft-deletes a live carrier; false when there is none; CarrierInUseError while a route lists it. */
  async deleteCarrier(id: string, actor?: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const rows = await query<CarrierRow>(trx, 'SELECT * FROM carriers WHERE id = ? AND deleted_at IS NULL FOR UPDATE', [id]);
      if (!rows[0]) return false;
      const routes = await query<{ prefix: string }>(trx, 'SELECT prefix FROM routes WHERE ?::uuid = ANY(carrier_ids) ORDER BY prefix', [id]);
      if (routes.length > 0) throw new CarrierInUseError(routes.map((r) => r.prefix));
      await exec(trx, 'UPDATE carriers SET deleted_at = now(), enabled = false, updated_at = now() WHERE id = ?', [id]);
      await bump(trx);
      if (actor) await recordAudit(trx, { actor, action: 'delete', entity: 'carrier', entityId: id, before: auditCarrier(rows[0]) });
      return true;
    });
  }

  async routes(): Promise<Route[]> {
    const rows = await query<{ prefix: string; carrier_ids: string[]; price: number; carrier_weights: number[] | null; carrier_ranks: number[] | null }>(
      this.db,
      'SELECT prefix, carrier_ids, price, carrier_weights, carrier_ranks FROM routes ORDER BY prefix',
    );
    return rows.map((r) => ({
      prefix: r.prefix,
      carrierIds: r.carrier_ids,
      price: r.price,
      ...(r.carrier_weights ? { weights: r.carrier_weights } : {}),
      ...(r.carrier_ranks ? { ranks: r.carrier_ranks } : {}),
    }));
  }

  /** Replaces the whole table atomically; carriers are named (live ones only), stored by id. */
  async replaceRoutes(routes: readonly RouteInput[], actor?: string): Promise<Route[]> {
    return this.db.transaction(async (trx) => {
      // The table as it was, for the audit trail (carriers by name, as the operator wrote them).
      const before = actor
        ? await query<{ prefix: string; carriers: string[]; price: number }>(
            trx,
            `SELECT r.prefix, ARRAY(SELECT c.name FROM unnest(r.carrier_ids) WITH ORDINALITY AS u(id, n) JOIN carriers c ON c.id = u.id ORDER BY u.n) AS carriers, r.price
               FROM routes r ORDER BY r.prefix`,
          )
        : [];
      const rows = await query<{ id: string; name: string }>(trx, 'SELECT id, name FROM carriers WHERE deleted_at IS NULL');
      const idByName = new Map(rows.map((r) => [r.name, r.id]));
      const entries = routes.map((r) => r.carriers.map((c) => (typeof c === 'string' ? { name: c } : c)));
      const unknown = [...new Set(entries.flat().map((c) => c.name).filter((n) => !idByName.has(n)))];
      if (unknown.length > 0) throw new UnknownCarrierError(unknown);
      const resolved: Route[] = routes.map((r, i) => {
        const list = entries[i]!;
        const weights = list.some((c) => c.weight !== undefined) ? list.map((c) => c.weight ?? 1) : undefined;
        const ranks = list.some((c) => c.rank !== undefined) ? list.map((c, position) => c.rank ?? position + 1) : undefined;
        return {
          prefix: r.prefix,
          carrierIds: list.map((c) => idByName.get(c.name)!),
          price: r.price,
          ...(weights ? { weights } : {}),
          ...(ranks ? { ranks } : {}),
        };
      });
      await exec(trx, 'DELETE FROM routes');
      for (let i = 0; i < resolved.length; i += 1000) {
        const chunk = resolved.slice(i, i + 1000);
        await exec(
          trx,
          `INSERT INTO routes (prefix, carrier_ids, price, carrier_weights, carrier_ranks)
           SELECT t.prefix, ARRAY(SELECT jsonb_array_elements_text(t.ids)::uuid), t.price,
                  CASE WHEN t.weights IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(t.weights)::int) END,
                  CASE WHEN t.ranks IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(t.ranks)::int) END
           FROM unnest(?::text[], ?::jsonb[], ?::bigint[], ?::jsonb[], ?::jsonb[]) AS t(prefix, ids, price, weights, ranks)`,
          [
            chunk.map((r) => r.prefix),
            chunk.map((r) => JSON.stringify(r.carrierIds)),
            chunk.map((r) => r.price),
            chunk.map((r) => (r.weights ? JSON.stringify(r.weights) : null)),
            chunk.map((r) => (r.ranks ? JSON.stringify(r.ranks) : null)),
          ],
        );
      }
      await bump(trx);
      if (actor) {
        // Whole tables up to 5,000 routes; beyond that only the counts (an audit row stays small).
        const small = before.length + resolved.length <= 5_000;
        const after = resolved.map((r, i) => ({ prefix: r.prefix, carriers: entries[i]!.map((c) => c.name), price: r.price }));
        await recordAudit(trx, {
          actor,
          action: 'replace',
          entity: 'route',
          entityId: null,
          ...(small ? { before, after } : {}),
          detail: { routesBefore: before.length, routesAfter: resolved.length },
        });
      }
      return resolved;
    });
  }
}

async function bump(db: Executor): Promise<void> {
  await exec(db, `UPDATE config_versions SET version = version + 1 WHERE name = 'routing'`);
}
