/**
 * Pure money rules. Every amount is an integer number of minor units of the
 * operator's one currency; a route's price is per message part.
 */

export function assertMinorUnits(amount: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`${what} must be an integer number of minor units`);
}

/** A message's price: the route's per-part price times its parts. */
export function messagePrice(partPrice: number, parts: number): number {
  assertMinorUnits(partPrice, 'partPrice');
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError('parts must be a positive integer');
  const price = partPrice * parts;
  assertMinorUnits(price, 'price');
  return price;
}

export interface Chargeable {
  readonly id: string;
  readonly accountId: string;
  readonly price: number;
}

export interface ChargePlan<T extends Chargeable> {
  /** Messages the balances cover, in input order. */
  readonly charge: readonly T[];
  /** Messages left uncovered (the balance ran out), in input order. */
  readonly insufficient: readonly T[];
  /** Total charged per account. */
  readonly totals: ReadonlyMap<string, number>;
}

/**
 * Decides which messages of a batch the balances cover, first come first
 * served. A message the remaining balance cannot cover is refused, but a
 * later, cheaper one may still fit. Balances are not mutated.
 */
export function planCharges<T extends Chargeable>(
  messages: readonly T[],
  balances: ReadonlyMap<string, number>,
): ChargePlan<T> {
  const remaining = new Map(balances);
  const totals = new Map<string, number>();
  const charge: T[] = [];
  const insufficient: T[] = [];
  for (const message of messages) {
    assertMinorUnits(message.price, 'price');
    const available = remaining.get(message.accountId) ?? 0;
    if (message.price <= available) {
      remaining.set(message.accountId, available - message.price);
      totals.set(message.accountId, (totals.get(message.accountId) ?? 0) + message.price);
      charge.push(message);
    } else {
      insufficient.push(message);
    }
  }
  return { charge, insufficient, totals };
}

export type LedgerKind = 'credit' | 'charge' | 'refund';

export interface LedgerEntry {
  readonly kind: LedgerKind;
  /** Signed: credit and refund positive, charge negative. */
  readonly amount: number;
}

/** The balance a ledger implies. The invariant: it equals accounts.balance. */
export function ledgerBalance(entries: Iterable<LedgerEntry>): number {
  let sum = 0;
  for (const entry of entries) {
    assertMinorUnits(entry.amount);
    if (entry.kind === 'charge' && entry.amount > 0) throw new RangeError('a charge must not be positive');
    if (entry.kind !== 'charge' && entry.amount < 0) throw new RangeError(`a ${entry.kind} must not be negative`);
    sum += entry.amount;
  }
  return sum;
}
