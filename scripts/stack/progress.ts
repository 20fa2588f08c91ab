/** Progress lines for long provisioning steps: what runs, where its log is, and the elapsed time. */
export type Say = (line: string) => void;

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Runs `work`, printing a start line, a heartbeat every `tickMs` while it runs, and how long it took.
 * A heartbeat matters for the five-minute Temporal build: silence that long looks like a hang.
 */
export async function step<T>(say: Say, label: string, work: () => Promise<T>, tickMs = 15_000): Promise<T> {
  const started = Date.now();
  say(`${label} ...`);
  const ticker = setInterval(() => say(`${label} ... still running (${formatElapsed(Date.now() - started)})`), tickMs);
  try {
    const result = await work();
    say(`${label}: done in ${formatElapsed(Date.now() - started)}`);
    return result;
  } catch (error) {
    say(`${label}: FAILED after ${formatElapsed(Date.now() - started)}`);
    throw error;
  } finally {
    clearInterval(ticker);
  }
}
