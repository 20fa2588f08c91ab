// The lifecycle benchmark's baseline: a workflow with as many activities as an order runs to reach
// ACCEPTED (recordTransition NEW, reserveFunds, recordTransition ACCEPTED), here no-ops.
import { proxyActivities } from '@temporalio/workflow';

export interface BareActivities {
  step(n: number): Promise<void>;
}

const { step } = proxyActivities<BareActivities>({ startToCloseTimeout: '15s' });

export async function bareWorkflow(): Promise<void> {
  await step(1);
  await step(2);
  await step(3);
}
