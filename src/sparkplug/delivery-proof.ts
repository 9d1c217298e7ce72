/**
 * Which published batches the broker has provably read. MQTT runs over one
 * ordered TCP stream and a broker answers packets in order, so a PINGRESP
 * proves that every packet written before its PINGREQ was read. QoS 0 data
 * stays in the store until then; whatever is unproven when the connection is
 * lost is sent again (as historical data).
 */
export class DeliveryProof {
  private sendNo = 0;
  private unproven: { id: number; sendNo: number }[] = [];
  /** For each PINGREQ written and not yet answered: the last send it covers. */
  private markers: number[] = [];

  /** Batches just written to the connection. */
  sent(ids: readonly number[]): void {
    for (const id of ids) this.unproven.push({ id, sendNo: ++this.sendNo });
  }

  /** A PINGREQ (ours or the keepalive's) was written to the connection. */
  pingSent(): void {
    this.markers.push(this.sendNo);
  }

  /** A PINGRESP arrived: returns the batches it proves delivered. */
  pingAnswered(): number[] {
    const upTo = this.markers.shift();
    if (upTo === undefined) return [];
    const proven: typeof this.unproven = [];
    const rest: typeof this.unproven = [];
    for (const u of this.unproven) (u.sendNo <= upTo ? proven : rest).push(u);
    this.unproven = rest;
    return proven.map((u) => u.id);
  }

  /** Batches sent and not yet proven. */
  get pending(): number {
    return this.unproven.length;
  }

  /** True when a PINGREQ already written will prove everything sent so far. */
  get covered(): boolean {
    return this.markers.length > 0 && (this.markers[this.markers.length - 1] as number) >= this.sendNo;
  }

  /** The connection is gone: nothing is proven, nothing is awaited. */
  reset(): void {
    this.unproven = [];
    this.markers = [];
  }
}
