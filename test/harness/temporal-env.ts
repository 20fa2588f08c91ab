import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalBinary } from '../../scripts/stack/servers/temporal';
import { loadStackSettings } from '../../scripts/stack/settings';
import { ORDER_SEARCH_ATTRIBUTE_KEYS } from '../../workflows/order-contract';

/**
 * A Temporal test environment running the CLI dev server the stack provisioned (never a download:
 * these machines have no internet), on a random port, in memory, with the order search attributes.
 */
export function createTestWorkflowEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBinary(loadStackSettings()) },
      ip: '127.0.0.1',
      searchAttributes: [...ORDER_SEARCH_ATTRIBUTE_KEYS],
      extraArgs: ['--dynamic-config-value', 'frontend.enableServerVersionCheck=false'],
    },
  });
}
