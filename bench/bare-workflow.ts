// The lifecycle benchmark's baseline: a workflow with as many activities as an order runs to reach SETTLED
// (recordTransition NEW, reserveFunds, recordTransition ACCEPTED, submitToVenue, settleFill,
// recordTransition FILLED, releaseFunds, recordTransition SETTLED), here no-ops.
import { proxyActivities } from '@temporalio/workflow';

export interface BareActivities {
  step(n: number): Promise<void>;
}

const { step } = proxyActivities<BareActivities>({ startToCloseTimeout: '15s' });

export async function bareWorkflow(steps: number): Promise<void> {
  for (let n = 1; n <= steps; n += 1) await step(n);
}
