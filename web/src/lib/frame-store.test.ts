import { FrameStore } from './frame-store';

describe('FrameStore', () => {
  it('derives the view and tells its readers at most once per frame, however many changes came', () => {
    const frames: Array<() => void> = [];
    let derived = 0;
    const store = new FrameStore({ n: 0 }, (s) => {
      derived += 1;
      return { shown: s.n };
    }, (callback) => frames.push(callback));
    let notified = 0;
    store.subscribe(() => (notified += 1));
    derived = 0;

    for (let i = 1; i <= 50; i += 1) {
      store.state.n = i;
      store.changed();
    }
    expect(frames).toHaveLength(1);
    expect(store.getView()).toEqual({ shown: 0 });
    frames.shift()!();
    expect([derived, notified]).toEqual([1, 1]);
    expect(store.getView()).toEqual({ shown: 50 });

    store.state.n = 51;
    store.changed();
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(store.getView()).toEqual({ shown: 51 });
    expect(notified).toBe(2);
  });
});
