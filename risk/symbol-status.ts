import type { SymbolRegistry, SymbolSpec, SymbolStatus } from '../domain/symbols';
import type { Logger } from '../infra/logger';
import type { SymbolStatusRecord } from '../infra/mongo/symbol-status-store';

/** Where the runtime statuses are kept (Mongo `symbol_status`): MongoSymbolStatusStore. */
export interface SymbolStatusSource {
  list(symbols: readonly string[]): Promise<SymbolStatusRecord[]>;
  get(symbol: string): Promise<SymbolStatusRecord | null>;
  set(symbol: string, status: SymbolStatus, at: string): Promise<SymbolStatusRecord | null>;
}

/**
 * The symbols' trading status at runtime: the static table's, unless an admin set one (stored, then announced to every
 * risk process, which reads it again). One entry per symbol of the table, so it is bounded by the table; the hold check
 * reads it from memory.
 */
export class SymbolStatusBook {
  private readonly overrides = new Map<string, SymbolStatus>();
  private turns: Promise<void> = Promise.resolve();

  constructor(
    private readonly symbols: SymbolRegistry,
    private readonly store: SymbolStatusSource,
    private readonly logger: Logger,
  ) {}

  /** The status in force; the static one for a symbol no admin touched. */
  statusOf(spec: SymbolSpec): SymbolStatus {
    return this.overrides.get(spec.symbol) ?? spec.status;
  }

  /** The spec with its runtime status. */
  effective(spec: SymbolSpec): SymbolSpec {
    const status = this.statusOf(spec);
    return status === spec.status ? spec : { ...spec, status };
  }

  /** Reads every stored status (at start-up and after a missed announcement). */
  reload(): Promise<void> {
    return this.inTurn(async () => {
      const known = this.symbols.list().map((spec) => spec.symbol);
      const stored = await this.store.list(known);
      this.overrides.clear();
      for (const record of stored) this.overrides.set(record.symbol, record.status);
    });
  }

  /** Reads one symbol's stored status again (after an announcement). */
  refresh(symbol: string): Promise<void> {
    if (this.symbols.get(symbol) === undefined) return Promise.resolve();
    return this.inTurn(async () => {
      const record = await this.store.get(symbol);
      if (record === null) this.overrides.delete(symbol);
      else this.overrides.set(symbol, record.status);
      this.logger.info({ symbol, status: record?.status ?? 'static' }, 'risk.symbol_status_refreshed');
    });
  }

  /**
   * One read of the store at a time, in the order asked: two announcements in quick succession must not have their
   * reads overtake each other (the older answer applied last would undo the newer one).
   */
  private inTurn(read: () => Promise<void>): Promise<void> {
    const turn = this.turns.then(read);
    this.turns = turn.catch(() => undefined);
    return turn;
  }

  /** Stores the status and applies it here; the caller announces it to the other processes. */
  async set(spec: SymbolSpec, status: SymbolStatus, at: string): Promise<{ previousStatus: SymbolStatus }> {
    const before = await this.store.set(spec.symbol, status, at);
    this.overrides.set(spec.symbol, status);
    return { previousStatus: before?.status ?? spec.status };
  }
}

/** The announcement channel (infra/redis/symbol-status-updates.ts RedisSymbolStatusUpdates). */
export interface SymbolStatusChannel {
  publish(symbol: string): Promise<unknown>;
  listen(listener: { onChanged(symbol: string): void; onResubscribed(): void }): Promise<void>;
  close(): Promise<void>;
}

export interface SymbolStatusRuntime {
  book: SymbolStatusBook;
  /** Tells every risk process (this one included, harmlessly) that the symbol's stored status changed. */
  announce: (symbol: string) => Promise<void>;
  close(): Promise<void>;
}

const RETRY_MS = 1_000;

/**
 * The runtime statuses of one risk process: subscribed first, then loaded, so no change between the two is missed.
 * A store read that fails after an announcement is retried (everything again, one retry pending at a time) until it
 * succeeds, so a process never keeps a stale status longer than the store is away.
 */
export async function startSymbolStatus(deps: { symbols: SymbolRegistry; store: SymbolStatusSource; channel: SymbolStatusChannel; logger: Logger }): Promise<SymbolStatusRuntime> {
  const book = new SymbolStatusBook(deps.symbols, deps.store, deps.logger);
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const reloadSoon = (error: unknown) => {
    deps.logger.warn({ err: error }, 'risk.symbol_status_reload_failed');
    if (retry !== undefined || closed) return;
    retry = setTimeout(() => {
      retry = undefined;
      book.reload().catch(reloadSoon);
    }, RETRY_MS);
    retry.unref();
  };
  await deps.channel.listen({
    onChanged: (symbol) => {
      book.refresh(symbol).catch(reloadSoon);
    },
    onResubscribed: () => {
      book.reload().catch(reloadSoon);
    },
  });
  await book.reload();
  return {
    book,
    announce: async (symbol) => {
      await deps.channel.publish(symbol);
    },
    close: async () => {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      await deps.channel.close();
    },
  };
}
