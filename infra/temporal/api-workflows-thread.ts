import { parentPort, workerData } from 'node:worker_threads';
import { crossError, inProcessApiWorkflows, type ApiWorkflowsSettings, type ThreadMessage, type ThreadRequest } from './api-workflows';

/**
 * The worker thread of the order API's Temporal client (api-workflows.ts threadedApiWorkflows): connects, says
 * `ready` (or `failed`), then answers each call by its id, errors as CrossedError, until `close`.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('api-workflows-thread: not a worker thread');
  const post = (message: ThreadMessage) => port.postMessage(message);
  let workflows;
  try {
    workflows = await inProcessApiWorkflows(workerData as ApiWorkflowsSettings);
  } catch (error) {
    post({ type: 'failed', error: crossError(error) });
    return;
  }
  const connected = workflows;
  port.on('message', (request: ThreadRequest) => {
    if (request.op === 'close') {
      void connected.close().finally(() => port.close());
      return;
    }
    const answer = (async () => {
      switch (request.op) {
        case 'requestCancel':
          return connected.requestCancel(...request.args);
        case 'requestReconcile':
          return connected.requestReconcile(...request.args);
        case 'query':
          return connected.query(...request.args);
        case 'ping':
          return connected.ping();
      }
    })();
    answer.then(
      (value) => post({ type: 'answer', id: request.id, ok: true, value }),
      (error: unknown) => post({ type: 'answer', id: request.id, ok: false, error: crossError(error) }),
    );
  });
  post({ type: 'ready' });
}

void main();
