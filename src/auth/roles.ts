/**
 * Roles and the caller of a request (the principal). Authorization decisions
 * are made on these values only (src/http/authorize.ts); how the caller proved
 * who it is (ADMIN_TOKEN, a user's access token, an app's Basic credentials)
 * is recorded in `kind`.
 */
export const USER_ROLES = ['admin', 'reviewer', 'finance', 'customer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Roles a staff member may be given by an admin (customers register themselves). */
export const STAFF_ROLES = ['admin', 'reviewer', 'finance'] as const satisfies readonly UserRole[];

export type Principal =
  /** Bearer ADMIN_TOKEN: automation; always admin. */
  | { readonly kind: 'admin-token'; readonly role: 'admin'; readonly actor: 'operator'; readonly accountId: null }
  /** Bearer access token of a user; role and account as stored now, not as in the token. */
  | {
      readonly kind: 'user';
      readonly role: UserRole;
      readonly actor: string;
      readonly userId: string;
      /** The customer's own account; null for staff. */
      readonly accountId: string | null;
      readonly jti: string;
      readonly expiresAt: Date;
    }
  /** HTTP Basic appId:secret: an application of one account. */
  | { readonly kind: 'app'; readonly role: 'app'; readonly actor: string; readonly appId: string; readonly accountId: string };

export type PrincipalRole = Principal['role'];
