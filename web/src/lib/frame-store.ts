import { useSyncExternalStore } from 'react';

type Schedule = (callback: () => void) => void;
const onNextFrame: Schedule = (callback) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => callback());
  else setTimeout(callback, 16);
};

/**
 * State that changes faster than a screen refreshes (the book: up to 50 updates a second). Writers mutate it
 * freely; readers (React) are told at most once per animation frame, and the derived view is computed once per
 * frame, whatever the update rate.
 */
export class FrameStore<S, V> {
  private listeners = new Set<() => void>();
  private scheduled = false;
  private view: V;

  constructor(
    readonly state: S,
    private readonly derive: (state: S) => V,
    private readonly schedule: Schedule = onNextFrame,
  ) {
    this.view = derive(state);
  }

  /** Call after changing `state`. */
  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.view = this.derive(this.state);
      for (const listener of this.listeners) listener();
    });
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getView = (): V => this.view;
}

export function useFrameStore<S, V>(store: FrameStore<S, V>): V {
  return useSyncExternalStore(store.subscribe, store.getView);
}
