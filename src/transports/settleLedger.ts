/**
 * Deliveries in arrival order, each settled when its caller is done with it, possibly out of
 * order. Only the longest settled run at the front is released: a Kafka partition may commit no
 * further than its oldest unfinished record, and MQTT acknowledges QoS 1 deliveries in the order
 * they came. A closed ledger (its connection or partition assignment is gone) releases nothing.
 */
export class SettleLedger<T> {
  private items: T[] = [];
  private settled: boolean[] = [];
  /** Index in `items` of the oldest unreleased entry. */
  private head = 0;
  /** Ticket of `items[0]`. */
  private base = 0;
  private open = true;

  /** Entries added and not yet released. */
  get size(): number {
    return this.items.length - this.head;
  }

  get closed(): boolean {
    return !this.open;
  }

  /** Adds a delivery and returns its ticket for settle(). */
  add(item: T): number {
    this.items.push(item);
    this.settled.push(false);
    return this.base + this.items.length - 1;
  }

  /**
   * Marks a ticket settled and returns the entries it releases, oldest first: none while an
   * older entry is unsettled, none for a ticket settled before or a closed ledger.
   */
  settle(ticket: number): T[] {
    const at = ticket - this.base;
    if (!this.open || at < this.head || at >= this.items.length || this.settled[at] === true) {
      return [];
    }
    this.settled[at] = true;
    const start = this.head;
    while (this.head < this.items.length && this.settled[this.head] === true) this.head += 1;
    const released = this.items.slice(start, this.head);
    this.compact();
    return released;
  }

  /** The oldest entry not yet released, if any. */
  oldest(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /**
   * Releases the oldest entry whether settled or not, with the settled run behind it; for an
   * input that must acknowledge before its caller is done (see MqttInput's unsettled limit).
   */
  forceOldest(): T[] {
    if (!this.open || this.head >= this.items.length) return [];
    return this.settle(this.base + this.head);
  }

  /** Drops every entry; later settles release nothing. Returns how many were unreleased. */
  close(): number {
    const dropped = this.size;
    this.open = false;
    this.items = [];
    this.settled = [];
    this.base += this.head;
    this.head = 0;
    return dropped;
  }

  /** Forgets released entries once they are most of the arrays, keeping tickets stable. */
  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.items.length) return;
    this.items = this.items.slice(this.head);
    this.settled = this.settled.slice(this.head);
    this.base += this.head;
    this.head = 0;
  }
}
