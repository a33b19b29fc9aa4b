/** Inbound (MO) messages, stored before the carrier is acknowledged. */
import type { InboundMo } from '../pipeline/inbound';
import type { Db } from './knex';
import { exec } from './sql';

export class MoStore {
  constructor(private readonly db: Db) {}

  async insert(mo: InboundMo): Promise<void> {
    await exec(this.db, 
      `INSERT INTO mo_messages (id, carrier_id, from_number, to_number, text, received_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [mo.id, mo.carrierId, mo.from, mo.to, mo.text.replaceAll('\u0000', ''), mo.receivedAt],
    );
  }
}
