/**
 * Per-account price overrides: {prefix, price per part}. When one or more
 * override prefixes match a destination, the longest wins over the route's
 * price; when none matches, the route's price applies. Pure.
 */
import { assertMinorUnits } from './charges';

export interface RateOverride {
  /** 0-15 digits; "" matches every number. */
  readonly prefix: string;
  /** Per message part, minor units. */
  readonly price: number;
}

export class RateOverrides {
  /** Longest prefix first. */
  private readonly sorted: readonly RateOverride[];

  constructor(rates: readonly RateOverride[]) {
    for (const r of rates) assertMinorUnits(r.price, 'price');
    this.sorted = [...rates].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  static readonly none = new RateOverrides([]);

  get size(): number {
    return this.sorted.length;
  }

  /** The override's price per part for a normalised number, or undefined (use the route's price). */
  partPrice(to: string): number | undefined {
    for (const r of this.sorted) if (to.startsWith(r.prefix)) return r.price;
    return undefined;
  }

  list(): RateOverride[] {
    return [...this.sorted].sort((a, b) => a.prefix.localeCompare(b.prefix));
  }
}
