/**
 * Live counts of something per source address with a per-address and a global ceiling: the
 * connections of a port that have not authenticated yet. `tryAdd` takes a slot or says which ceiling
 * refused it; `remove` gives it back. Entries vanish at zero, so an attack leaves no state behind.
 */
export class AddressCaps {
  readonly #byAddress = new Map<string, number>();
  #total = 0;

  constructor(
    readonly perAddress: number,
    readonly global: number,
  ) {}

  /** Takes a slot for `address`; the refusal reason when a ceiling is reached. */
  tryAdd(address: string): 'ok' | 'address' | 'global' {
    const n = this.#byAddress.get(address) ?? 0;
    if (n >= this.perAddress) return 'address';
    if (this.#total >= this.global) return 'global';
    this.#byAddress.set(address, n + 1);
    this.#total++;
    return 'ok';
  }

  /** Gives back a slot taken for `address` (at most once per successful {@link tryAdd}). */
  remove(address: string): void {
    const n = this.#byAddress.get(address);
    if (n === undefined) return;
    if (n <= 1) this.#byAddress.delete(address);
    else this.#byAddress.set(address, n - 1);
    this.#total--;
  }

  /** Slots in use. */
  get total(): number {
    return this.#total;
  }

  /** Addresses holding at least one slot. */
  get addresses(): number {
    return this.#byAddress.size;
  }
}
