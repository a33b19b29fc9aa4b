/** Request bodies and queries of the auth, users, audit and app-key endpoints (zod). */
import { z } from 'zod';
import { STAFF_ROLES } from '../auth/roles';

const email = z.string().trim().toLowerCase().email().max(254);
/** At least 10 characters; at most 200 so the KDF input stays bounded. */
const password = z.string().min(10, 'must be at least 10 characters').max(200);
const personName = z.string().trim().min(1).max(200).refine((s) => !s.includes('\u0000'), 'must not contain NUL');

export const registerBody = z.object({ email, password, name: personName }).strict();
export const loginBody = z.object({ email, password: z.string().min(1).max(200) }).strict();
export const refreshBody = z.object({ refreshToken: z.string().min(1).max(200) }).strict();
export const logoutBody = z.object({ refreshToken: z.string().min(1).max(200).optional() }).strict();
export const resetRequestBody = z.object({ email }).strict();
export const resetConfirmBody = z.object({ token: z.string().min(1).max(200), password }).strict();

export const createUserBody = z.object({ email, password, name: personName, role: z.enum(STAFF_ROLES) }).strict();
export const patchUserBody = z
  .object({ role: z.enum(STAFF_ROLES).optional(), disabled: z.boolean().optional(), name: personName.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');
export const userListQuery = z.object({
  cursor: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const auditQuery = z.object({
  entity: z.string().min(1).max(64).optional(),
  entityId: z.string().min(1).max(200).optional(),
  actor: z.string().min(1).max(200).optional(),
  /** The id of the last row of the previous page (rows come newest first). */
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** Path parameters: ids are UUIDs. */
export const idParams = z.object({ id: z.string().uuid() });
export const appIdParams = z.object({ appId: z.string().uuid() });

// Answers (documented in the OpenAPI document; the openapi test checks live answers against them).
const list = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const registerAnswer = z.object({ userId: z.string().uuid(), accountId: z.string().uuid() });
export const tokenPairAnswer = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
});
export const meAnswer = z.object({
  kind: z.enum(['admin-token', 'user', 'app']),
  role: z.string(),
  actor: z.string(),
  accountId: z.string().uuid().nullable(),
  userId: z.string().uuid().optional(),
  appId: z.string().uuid().optional(),
});
export const userAnswer = z.object({
  id: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  accountId: z.string().uuid().nullable(),
  disabled: z.boolean(),
  createdAt: z.string(),
});
export const userListAnswer = list(userAnswer);
export const auditListAnswer = list(
  z.object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    entity: z.string(),
    entityId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    detail: z.unknown(),
  }),
);
export const appListAnswer = list(
  z.object({
    appId: z.string().uuid(),
    accountId: z.string().uuid(),
    name: z.string(),
    throughputPerSecond: z.number().int(),
    callbackUrl: z.string().nullable(),
    moUrl: z.string().nullable(),
    senders: z.array(z.string()),
  }),
);
export const rotatedSecretAnswer = z.object({ appId: z.string().uuid(), secret: z.string() });
export const accountAnswer = z.object({ id: z.string().uuid(), name: z.string(), balance: z.number().int(), createdAt: z.string().optional() });
export const balanceAnswer = z.object({ balance: z.number().int() });
export const createdAppAnswer = z.object({
  appId: z.string().uuid(),
  /** Shown only here. */
  secret: z.string(),
  smppSystemId: z.string().max(15),
  /** Shown only here. */
  smppPassword: z.string().max(8),
  name: z.string(),
  throughputPerSecond: z.number().int(),
  callbackUrl: z.string().nullable(),
  moUrl: z.string().nullable(),
  senders: z.array(z.string()),
});
