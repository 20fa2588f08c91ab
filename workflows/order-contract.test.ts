import * as workflows from './index';
import {
  cancelSignal,
  getOrderQuery,
  ORDER_SEARCH_ATTRIBUTE_KEYS,
  ORDER_WORKFLOW_TYPE,
  orderWorkflowId,
  venueReportSignal,
  type OrderLifecycleWorkflow,
} from './order-contract';

describe('the order workflow contract', () => {
  it('names the workflow the bundle exports, with the signature the callers use', () => {
    const exported: OrderLifecycleWorkflow = workflows[ORDER_WORKFLOW_TYPE];
    expect(exported.name).toBe(ORDER_WORKFLOW_TYPE);
  });

  // These names are recorded in running orders' histories (and in workflows/histories/): renaming one breaks them.
  it('keeps the signal, query and workflow id names that running orders were started with', () => {
    expect([cancelSignal.name, venueReportSignal.name, getOrderQuery.name]).toEqual(['cancel', 'venueReport', 'getOrder']);
    expect(orderWorkflowId('3f1c')).toBe('order-3f1c');
  });

  it('lists the search attributes the stack registers, as keywords', () => {
    expect(ORDER_SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, key.type])).toEqual([
      ['OrderStatus', 'KEYWORD'],
      ['Symbol', 'KEYWORD'],
      ['AccountId', 'KEYWORD'],
      ['Side', 'KEYWORD'],
      ['OrderType', 'KEYWORD'],
    ]);
  });
});
