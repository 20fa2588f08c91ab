import type { Logger } from '../../infra/logger';
import type { ChannelSink } from '../channels';
import { ORDERS_CHANNEL, updateFrame, wireChannel } from './protocol';

/** What the hub fans out to: a connection, handed the update already encoded (the same bytes for every subscriber). */
export interface ChannelSubscriber {
  deliver(hubChannel: string, frame: Buffer): void;
}

interface ChannelState {
  /** The sequence of the last update published on the channel (0 before the first). */
  seq: number;
  readonly wireName: string;
  readonly subscribers: Set<ChannelSubscriber>;
}

export interface ChannelHubStats {
  channels: number;
  subscriptions: number;
  published: number;
  /** Updates whose data could not be encoded as JSON (logged; not sequenced, so no subscriber sees a gap). */
  unencodable: number;
}

/**
 * Channels, their sequences and their subscribers. The state publishes here; every update gets the channel's
 * next sequence and is encoded once. A channel exists from its first subscription; public channels are kept
 * (few: symbols × 7) so their sequence only ever grows, a private one goes with its last subscriber.
 */
export class ChannelHub implements ChannelSink {
  private readonly channels = new Map<string, ChannelState>();
  private published = 0;
  private unencodable = 0;

  constructor(private readonly logger: Logger) {}

  publish(channel: string, data: unknown): void {
    const state = this.channels.get(channel);
    if (state === undefined) return;
    if (state.subscribers.size === 0) {
      state.seq += 1;
      return;
    }
    let frame: Buffer;
    try {
      frame = Buffer.from(JSON.stringify(updateFrame(state.wireName, state.seq + 1, data)));
    } catch (error) {
      this.unencodable += 1;
      this.logger.error({ err: error, channel }, 'market-data.ws.update-unencodable');
      return;
    }
    state.seq += 1;
    this.published += 1;
    // A subscriber cut off as a slow consumer leaves the set during the loop; a Set iterator allows that.
    for (const subscriber of state.subscribers) subscriber.deliver(channel, frame);
  }

  /** Adds the subscriber (again is harmless) and returns the channel's current sequence, for its snapshot. */
  subscribe(channel: string, subscriber: ChannelSubscriber): number {
    let state = this.channels.get(channel);
    if (state === undefined) {
      state = { seq: 0, wireName: wireChannel(channel), subscribers: new Set() };
      this.channels.set(channel, state);
    }
    state.subscribers.add(subscriber);
    return state.seq;
  }

  unsubscribe(channel: string, subscriber: ChannelSubscriber): void {
    const state = this.channels.get(channel);
    if (state === undefined) return;
    state.subscribers.delete(subscriber);
    if (state.subscribers.size === 0 && state.wireName === ORDERS_CHANNEL) this.channels.delete(channel);
  }

  /** The current sequence of a channel nobody may be subscribed to (0 when the hub does not know it). */
  sequence(channel: string): number {
    return this.channels.get(channel)?.seq ?? 0;
  }

  stats(): ChannelHubStats {
    let subscriptions = 0;
    for (const state of this.channels.values()) subscriptions += state.subscribers.size;
    return { channels: this.channels.size, subscriptions, published: this.published, unencodable: this.unencodable };
  }
}
