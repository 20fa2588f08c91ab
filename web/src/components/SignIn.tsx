import { useState, type FormEvent } from 'react';
import { ApiError } from '../lib/api';

export function SignIn(props: { onSignIn: (apiKey: string) => Promise<void> }) {
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (apiKey.trim() === '') return;
    setBusy(true);
    setError(null);
    props
      .onSignIn(apiKey.trim())
      .catch((e: unknown) => setError(e instanceof ApiError ? `${e.code}: ${e.message}` : `Could not reach the API: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => setBusy(false));
  };
  return (
    <section className="panel signin" aria-labelledby="signin-heading">
      <div className="panel-head">
        <h2 id="signin-heading">Sign in to trade</h2>
      </div>
      <form onSubmit={submit} className="form">
        <div className="field">
          <label htmlFor="signin-key">API key</label>
          <input id="signin-key" type="password" autoComplete="off" spellCheck={false} value={apiKey} onChange={(e) => setApiKey(e.target.value)} placeholder="demo-alice-key" />
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        {error !== null && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <p className="muted small">The key is kept in this tab only (session storage) and sent only to this system.</p>
      </form>
    </section>
  );
}
