import type { RequestContext } from '../../context';

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

interface RequestState<V> {
  cache: Map<string, Promise<V | undefined>>;
  queue: Map<string, Waiter<V>>;
}

/**
 * Collects the ids that field resolvers ask for while one list is resolved
 * and fetches them in one query, then caches the results for the rest of the
 * request. Without it, a page of 100 images would cost 100 queries per field.
 */
export class RequestBatcher<V> {
  private readonly states = new WeakMap<RequestContext, RequestState<V>>();

  constructor(private readonly fetch: (ctx: RequestContext, ids: string[]) => Promise<Map<string, V>>) {}

  load(ctx: RequestContext, id: string): Promise<V | undefined> {
    const state = this.stateOf(ctx);
    const cached = state.cache.get(id);
    if (cached) return cached;

    const promise = new Promise<V | undefined>((resolve, reject) => state.queue.set(id, { resolve, reject }));
    state.cache.set(id, promise);
    // graphql-js starts the resolvers of every item of a list in one synchronous pass, so
    // waiting until the I/O phase collects the whole list into one batch.
    if (state.queue.size === 1) setImmediate(() => void this.dispatch(ctx, state));
    return promise;
  }

  /** Stores a value already known, for example from the query that listed the images. */
  prime(ctx: RequestContext, id: string, value: V | undefined): void {
    this.stateOf(ctx).cache.set(id, Promise.resolve(value));
  }

  private stateOf(ctx: RequestContext): RequestState<V> {
    let state = this.states.get(ctx);
    if (!state) {
      state = { cache: new Map(), queue: new Map() };
      this.states.set(ctx, state);
    }
    return state;
  }

  private async dispatch(ctx: RequestContext, state: RequestState<V>): Promise<void> {
    const waiting = new Map(state.queue);
    state.queue.clear();
    try {
      const values = await this.fetch(ctx, [...waiting.keys()]);
      for (const [id, waiter] of waiting) waiter.resolve(values.get(id));
    } catch (error) {
      for (const [id, waiter] of waiting) {
        state.cache.delete(id);
        waiter.reject(error);
      }
    }
  }
}
