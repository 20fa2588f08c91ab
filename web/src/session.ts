/**
 * The API key lives in this tab's sessionStorage only: gone when the tab closes, never in localStorage or a
 * cookie, and sent only to this origin (lib/api.ts) and to the market data WebSocket the API's config names.
 */
const KEY = 'crypto-oms.apiKey';

export function loadApiKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveApiKey(apiKey: string | null): void {
  try {
    if (apiKey === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, apiKey);
  } catch {
    // storage refused (private mode): the key lasts as long as the page
  }
}
