import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { OrderView } from '../../domain/order';
import type { OrderSnapshot } from '../../domain/order-snapshot';
import type { VenueReport } from '../../domain/venue-events';
import {
  AccountIdKey,
  cancelSignal,
  getOrderQuery,
  ORDER_WORKFLOW_TYPE,
  orderWorkflowId,
  OrderStatusKey,
  OrderTypeKey,
  reconcileSignal,
  SideKey,
  SymbolKey,
  venueReportSignal,
  type CancelRequest,
  type OrderLifecycleInput,
  type OrderLifecycleWorkflow,
  type ReconcileRequest,
  type ReconcileTiming,
} from '../../workflows/order-contract';

const QUERY_DEADLINE_MS = 2_000;

function isDeadlineExceeded(error: unknown): boolean {
  // gRPC status 4 (DEADLINE_EXCEEDED), possibly wrapped by the SDK.
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === 4) return true;
  }
  return false;
}

/** What the API and the consumers need of the order workflows, so tests of them can pass a fake. */
export interface OrderWorkflowGateway {
  /** Starts the order's workflow; 'duplicate' when it exists or existed (REJECT_DUPLICATE). */
  start(order: OrderSnapshot): Promise<'started' | 'duplicate'>;
  /**
   * Signals cancel. With `startFrom`, a workflow that does not exist yet is started from that order
   * (signal-with-start), so a cancel that overtakes the OrderCreated event still wins.
   */
  requestCancel(orderId: string, request: CancelRequest, startFrom?: OrderSnapshot): Promise<'signalled' | 'closed' | 'not-found'>;
  /** Signals reconcile (the workflow asks the venue now); 'closed' when the workflow has finished, 'not-found' when there is none. */
  requestReconcile(orderId: string, request: ReconcileRequest): Promise<'signalled' | 'closed' | 'not-found'>;
  /** Delivers a venue report as the venueReportSignal; 'closed' or 'not-found' when no running workflow takes it. */
  deliverVenueReport(report: VenueReport): Promise<'delivered' | 'closed' | 'not-found'>;
  /** The running or finished workflow's view of the order, or null when there is no such workflow. */
  query(orderId: string): Promise<OrderView | null>;
}

export class TemporalOrderWorkflowGateway implements OrderWorkflowGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** Handed to every workflow this starts; the workflow's defaults otherwise. */
    private readonly reconcile?: ReconcileTiming,
    /**
     * callDeadlineMs: how long a cancel (signal, signal-with-start, describe) may take before it fails with gRPC
     * DEADLINE_EXCEEDED, a 503 for the order API's caller (infra/dependency-errors.ts). Unbounded when not given: the
     * SDK retries an unavailable server for a long while, which the worker's consumers want.
     * eagerStart: start() asks for eager workflow start. Only for a client on the NativeConnection of a worker polling
     * `taskQueue` in the same process (the worker's orders consumer): the start's answer carries the first workflow
     * task, which that worker runs at once, saving the task's poll. The server falls back to a plain start when the
     * worker has no free slot or eager start is off; the start is as durable either way.
     */
    private readonly options: { callDeadlineMs?: number; eagerStart?: boolean } = {},
  ) {}

  private bounded<T>(call: () => Promise<T>): Promise<T> {
    const ms = this.options.callDeadlineMs;
    return ms === undefined ? call() : this.client.withDeadline(Date.now() + ms, call);
  }

  private startOptions(order: OrderSnapshot) {
    const input: OrderLifecycleInput = { order, ...(this.reconcile === undefined ? {} : { reconcile: this.reconcile }) };
    return {
      taskQueue: this.taskQueue,
      workflowId: orderWorkflowId(order.orderId),
      args: [input] as [OrderLifecycleInput],
      // The default policy lets a finished order's id start again; a redelivered event must not.
      workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
      typedSearchAttributes: [
        { key: OrderStatusKey, value: order.status },
        { key: SymbolKey, value: order.symbol },
        { key: AccountIdKey, value: order.accountId },
        { key: SideKey, value: order.side },
        { key: OrderTypeKey, value: order.type },
      ],
      staticSummary: `${order.side} ${order.quantity} ${order.symbol} ${order.price === null ? 'MARKET' : `@ ${order.price}`} (${order.timeInForce})`,
      staticDetails: `account ${order.accountId}, client order id ${order.clientOrderId ?? '-'}, created ${order.createdAt}`,
    };
  }

  async start(order: OrderSnapshot): Promise<'started' | 'duplicate'> {
    return (await this.startOrder(order)).outcome;
  }

  /** start(), also telling whether the server started it eagerly (its first workflow task went to this process's worker). */
  async startOrder(order: OrderSnapshot): Promise<{ outcome: 'started'; eagerlyStarted: boolean } | { outcome: 'duplicate' }> {
    try {
      const handle = await this.client.workflow.start<OrderLifecycleWorkflow>(ORDER_WORKFLOW_TYPE, {
        ...this.startOptions(order),
        ...(this.options.eagerStart === true ? { requestEagerStart: true } : {}),
      });
      return { outcome: 'started', eagerlyStarted: handle.eagerlyStarted };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'duplicate' };
      throw error;
    }
  }

  async requestCancel(orderId: string, request: CancelRequest, startFrom?: OrderSnapshot): Promise<'signalled' | 'closed' | 'not-found'> {
    try {
      if (startFrom) {
        await this.bounded(() =>
          this.client.workflow.signalWithStart<OrderLifecycleWorkflow, [CancelRequest]>(ORDER_WORKFLOW_TYPE, {
            ...this.startOptions(startFrom),
            signal: cancelSignal,
            signalArgs: [request],
          }),
        );
      } else {
        await this.bounded(() => this.client.workflow.getHandle(orderWorkflowId(orderId)).signal(cancelSignal, request));
      }
      return 'signalled';
    } catch (error) {
      // signal-with-start on a finished order is refused by REJECT_DUPLICATE; a plain signal to a
      // finished (or unknown) workflow is "not found".
      if (error instanceof WorkflowExecutionAlreadyStartedError) return 'closed';
      if (error instanceof WorkflowNotFoundError) return (await this.exists(orderId)) ? 'closed' : 'not-found';
      throw error;
    }
  }

  private async exists(orderId: string): Promise<boolean> {
    try {
      await this.bounded(() => this.client.workflow.getHandle(orderWorkflowId(orderId)).describe());
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async requestReconcile(orderId: string, request: ReconcileRequest): Promise<'signalled' | 'closed' | 'not-found'> {
    try {
      await this.client.workflow.getHandle(orderWorkflowId(orderId)).signal(reconcileSignal, request);
      return 'signalled';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return (await this.exists(orderId)) ? 'closed' : 'not-found';
      throw error;
    }
  }

  async deliverVenueReport(report: VenueReport): Promise<'delivered' | 'closed' | 'not-found'> {
    try {
      await this.client.workflow.getHandle(orderWorkflowId(report.orderId)).signal(venueReportSignal, report);
      return 'delivered';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return (await this.exists(report.orderId)) ? 'closed' : 'not-found';
      throw error;
    }
  }

  async query(orderId: string): Promise<OrderView | null> {
    try {
      // Bounded: with no worker polling, a query waits for one; the caller has other places to look.
      return await this.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        this.client.workflow.getHandle(orderWorkflowId(orderId)).query(getOrderQuery),
      );
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      if (isDeadlineExceeded(error)) return null;
      throw error;
    }
  }
}
