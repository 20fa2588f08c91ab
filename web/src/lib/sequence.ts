/**
 * Per-channel sequence check of the market data WebSocket (PROTOCOL.md, Sequences): a snapshot carries the
 * channel's sequence N, the updates after it are N+1, N+2, ... Any other number means something was missed and
 * the client must resubscribe for a fresh snapshot; until that snapshot comes, the channel's updates are dropped.
 */
export type SequenceVerdict = 'apply' | 'gap' | 'drop';

export class SequenceTracker {
  private readonly expected = new Map<string, number>();
  private readonly awaiting = new Set<string>();

  /** The channel was (re)subscribed: drop its updates until the snapshot. */
  resubscribing(channel: string): void {
    this.awaiting.add(channel);
    this.expected.delete(channel);
  }

  snapshot(channel: string, seq: number): void {
    this.awaiting.delete(channel);
    this.expected.set(channel, seq + 1);
  }

  update(channel: string, seq: number): SequenceVerdict {
    const expected = this.expected.get(channel);
    if (this.awaiting.has(channel) || expected === undefined) return 'drop';
    if (seq === expected) {
      this.expected.set(channel, seq + 1);
      return 'apply';
    }
    this.resubscribing(channel);
    return 'gap';
  }

  forget(channel: string): void {
    this.expected.delete(channel);
    this.awaiting.delete(channel);
  }

  reset(): void {
    this.expected.clear();
    this.awaiting.clear();
  }
}
