import type { VenueReport, VenueReportBody } from './venue-events';
import type { VenueOrder } from './venue-order';

/** The venue's answer to "what happened to this order" (GET /venue/orders/:id), as far as reconciliation needs it. */
export type VenueOrderTruth = Pick<VenueOrder, 'orderId' | 'accountId' | 'symbol' | 'status' | 'remaining' | 'cancelledQuantity' | 'reason' | 'version' | 'updatedAt' | 'fills'>;

/**
 * The reports numbered after `afterVersion` that the venue sent for this order, rebuilt from its current
 * state: each fill is its own report (same fillId and version as the original), the final status is the
 * last report, and any other number was an acknowledgement. Applying them is idempotent like applying
 * the originals, so a workflow that lost reports (or never got them) reaches the venue's truth.
 */
export function reportsFromVenueTruth(truth: VenueOrderTruth, afterVersion: number): VenueReport[] {
  const fillsByVersion = new Map(truth.fills.map((fill) => [fill.version, fill]));
  const reports: VenueReport[] = [];
  for (let version = afterVersion + 1; version <= truth.version; version += 1) {
    const fill = fillsByVersion.get(version);
    let body: VenueReportBody;
    let occurredAt = truth.updatedAt;
    if (fill !== undefined) {
      const { version: _version, occurredAt: at, contra, ...facts } = fill;
      occurredAt = at;
      body = { type: 'FILL', ...facts, ...(contra === undefined ? {} : { contra }) };
    } else if (version === truth.version && isFinalWithoutFill(truth.status)) {
      body = finalReport(truth.status, truth);
    } else {
      body = { type: 'ACCEPTED' };
    }
    reports.push({
      eventId: `reconciled:${truth.orderId}:${version}`,
      eventType: 'VenueReport',
      occurredAt,
      version,
      orderId: truth.orderId,
      accountId: truth.accountId,
      symbol: truth.symbol,
      report: body,
    });
  }
  return reports;
}

function isFinalWithoutFill(status: VenueOrderTruth['status']): status is 'CANCELLED' | 'EXPIRED' | 'REJECTED' {
  return status === 'CANCELLED' || status === 'EXPIRED' || status === 'REJECTED';
}

function finalReport(status: 'CANCELLED' | 'EXPIRED' | 'REJECTED', truth: VenueOrderTruth): VenueReportBody {
  switch (status) {
    case 'CANCELLED':
      return { type: 'CANCELLED', reason: truth.reason ?? 'USER', remaining: truth.cancelledQuantity };
    case 'EXPIRED':
      return { type: 'EXPIRED', remaining: truth.cancelledQuantity };
    case 'REJECTED':
      return { type: 'REJECTED', reason: truth.reason ?? 'INVALID_ORDER' };
  }
}

/**
 * Whether the venue stands by a report that came over `venue-reports`: the report the venue's own record of the order
 * (GET /venue/orders/:id, asked directly) rebuilds at that version says exactly the same about the same order. Every
 * service can write to the topic, so a fill, a cancel, an expiry or a rejection moves money (a settlement, a release)
 * only once the venue confirms it. False when the venue has no such order, or not that many reports of it.
 */
export function venueStandsBy(report: VenueReport, truth: VenueOrderTruth | null): boolean {
  if (truth === null || truth.orderId !== report.orderId || truth.accountId !== report.accountId || truth.symbol !== report.symbol) return false;
  if (report.version < 1 || report.version > truth.version) return false;
  const rebuilt = reportsFromVenueTruth(truth, report.version - 1)[0];
  return rebuilt !== undefined && sameFacts(rebuilt.report, report.report);
}

/** Field by field (the bodies are flat but for a fill's `contra`); an absent field and an undefined one are alike. */
function sameFacts(a: object, b: object): boolean {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const field of fields) {
    const x: unknown = (a as Record<string, unknown>)[field];
    const y: unknown = (b as Record<string, unknown>)[field];
    if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
      if (!sameFacts(x, y)) return false;
    } else if (x !== y) return false;
  }
  return true;
}
