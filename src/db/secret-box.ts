/**
 * Encrypts app signing secrets at rest (AES-256-GCM). Callbacks are signed
 * with the app secret itself, so it must be recoverable; the auth path only
 * ever sees its SHA-256 hash. The key comes from the settings table,
 * generated once; an operator who wants it outside the database sets it
 * there from a secret store (documented in the README).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Db } from './knex';
import { exec, query } from './sql';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static async load(db: Db): Promise<SecretBox> {
    const generated = randomBytes(32).toString('base64');
    await exec(db, `INSERT INTO settings (name, value) VALUES ('secret-box-key', ?) ON CONFLICT (name) DO NOTHING`, [generated]);
    const rows = await query<{ value: string }>(db, `SELECT value FROM settings WHERE name = 'secret-box-key'`);
    return new SecretBox(Buffer.from(rows[0]!.value, 'base64'));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unrecognised sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
