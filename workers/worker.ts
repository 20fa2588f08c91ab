import { serve } from '@hono/node-server';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createOrderActivities } from '../activities/order-activities';
import { createInternalSigner } from '../infra/http/internal-auth';
import { RiskClient } from '../infra/http/risk-client';
import { VenueClient } from '../infra/http/venue-client';
import { OrderCreatedEventSchema } from '../domain/events';
import { VenueReportSchema } from '../domain/venue-events';
import { ConfigError, internalSigningSecrets, loadConfig } from '../infra/config';
import { createKafka, pingKafka } from '../infra/kafka/client';
import { createServiceApp } from '../infra/http/service-app';
import { initProcessMetrics } from '../infra/metrics/registry';
import { startStuckOrdersMonitor } from '../infra/metrics/stuck-orders-monitor';
import { fetchTemporalMetrics, temporalMetricsTelemetry } from '../infra/temporal/sdk-metrics';
import { parseMessage, startConsumer } from '../infra/kafka/consumer';
import { KafkaEventPublisher } from '../infra/kafka/event-publisher';
import { dlqTopic, TOPIC_PARTITIONS } from '../infra/kafka/topics';
import { createLogger } from '../infra/logger';
import { MongoFillStore } from '../infra/mongo/fill-store';
import { MongoOrderAnomalyStore } from '../infra/mongo/order-anomaly-store';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';
import { MongoLease } from '../infra/mongo/lease';
import { MongoOrderStore } from '../infra/mongo/order-store';
import { temporalClient, temporalTlsConfig } from '../infra/temporal/client';
import { TemporalOrderWorkflowGateway } from '../infra/temporal/order-workflows';
import { WORKFLOW_BUNDLE_FILES, workerTracing } from '../infra/telemetry/temporal-tracing';
import { workflowPreloadFiles } from '../infra/temporal/workflow-preload';
import { createOrderIntake } from './order-intake';
import { startOrderSweeper } from './order-sweeper';
import { orderProcessorGroups } from './order-processor-group';
import { createVenueReportIntake } from './venue-report-intake';
import { startTracing } from '../infra/telemetry/tracing';
import { onShutdownSignal } from './shutdown';

/**
 * The worker process: the Temporal worker for the `orders` task queue (order workflows and their
 * activities) and the Kafka consumer of `orders` that starts one workflow per order.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // First, so everything the process does from here on can be traced (README "Traces").
  const tracing = startTracing(config.telemetry, 'crypto-oms-worker');
  // Before anything connects: a production process without its secret stops here.
  const signer = createInternalSigner({ caller: 'worker', secrets: internalSigningSecrets(config, 'worker') });
  const { topics } = config.kafka;
  const groups = orderProcessorGroups(config.kafka.prefix);
  const logger = createLogger({ name: 'worker', level: config.logLevel });
  initProcessMetrics('worker');
  // The process owns its shutdown order (consumer first, then the worker): the SDK must not act on signals itself.
  // Installed here, once, before any connection: the Core SDK's metrics go to a loopback port merged into /metrics.
  Runtime.install({ shutdownSignals: [], telemetryOptions: temporalMetricsTelemetry(config.worker.temporalMetricsPort, 'worker') });

  const mongo = await connectMongo(config.mongo);
  await ensureIndexes(mongo.db);
  const kafka = createKafka(config.kafka, logger);
  const publisher = new KafkaEventPublisher(kafka, logger);
  await publisher.start();
  const tls = temporalTlsConfig(config.temporal.tls);
  const connection = await NativeConnection.connect({ address: config.temporal.address, ...(tls === undefined ? {} : { tls }) });
  // The orders consumer's client shares the worker's connection: its starts are eager (the first workflow task comes
  // back with the start, to the worker below), one round trip less per order.
  const client = temporalClient(connection, config.temporal.namespace);
  const workflows = new TemporalOrderWorkflowGateway(client, config.temporal.taskQueue, config.temporal.reconcile, { eagerStart: true });

  const venue = new VenueClient({ url: config.venue.url, signer });
  const anomalies = new MongoOrderAnomalyStore(mongo.db);
  const orders = new MongoOrderStore(mongo.db);
  const activities = createOrderActivities({
    orders,
    fills: new MongoFillStore(mongo.db),
    anomalies,
    publisher,
    executionsTopic: topics.executions,
    risk: new RiskClient({ url: config.risk.url, signer }),
    venue,
    logger,
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...workflowCode(tracing.enabled),
    activities,
    // Workflow, activity and signal spans continuing the trace of the Kafka message that started the workflow.
    ...workerTracing(tracing),
  });
  const running = worker.run();

  // A consumer whose retries are exhausted has stopped for good: exit, so the supervisor restarts the worker.
  const consume = (groupId: string, topic: string, handle: (value: string) => Promise<unknown>) =>
    startConsumer({
      kafka,
      groupId,
      topic,
      dlqTopic: dlqTopic(topic),
      publisher,
      logger,
      // Both topics are keyed by orderId: one order's messages stay in order within their partition, and the
      // partitions' starts and signals (each a Temporal round trip) overlap instead of queueing behind each other.
      partitionsConsumedConcurrently: TOPIC_PARTITIONS,
      onFatal: (error) => {
        logger.fatal({ err: error, groupId }, 'worker.consumer_dead');
        process.exit(1);
      },
      handle: async (message) => {
        await handle(message.value);
      },
    });
  const intake = createOrderIntake({ workflows, logger });
  const consumer = await consume(groups.orders, topics.orders, (value) => intake(parseMessage(OrderCreatedEventSchema, value)));
  const reportIntake = createVenueReportIntake({ workflows, venue, anomalies, logger });
  const reports = await consume(groups.venueReports, topics.venueReports, (value) => reportIntake(parseMessage(VenueReportSchema, value)));
  const stuck = startStuckOrdersMonitor({ db: mongo.db, stuckSeconds: config.worker.stuckOrderSeconds, logger });
  // The lost-report safety net for resting orders (their workflows do not poll the venue while they hear nothing):
  // one worker at a time sweeps, the lease passing on when it stops or dies (after three intervals).
  const { sweepIntervalMs } = config.worker;
  const sweeper = startOrderSweeper({
    orders,
    venue,
    workflows,
    lease: new MongoLease(mongo.db, 'order-sweeper', `${hostname()}:${process.pid}:${randomUUID()}`, 3 * sweepIntervalMs),
    logger,
    intervalMs: sweepIntervalMs,
    graceMs: config.temporal.reconcile.gapGraceMs,
    askAgainMs: config.temporal.reconcile.maxQuietMs,
    maxPerPass: config.worker.sweepMaxPerPass,
  });

  // The probes' and the scraper's port: what the HTTP services have, without routes of its own.
  const app = createServiceApp({
    logger,
    openApi: { title: 'crypto-oms worker', description: 'The order worker (Temporal worker and Kafka consumers): probes and metrics only.' },
    allowedHosts: config.http.allowedHosts,
    extraMetrics: () => fetchTemporalMetrics(config.worker.temporalMetricsPort),
    readiness: {
      mongo: async () => {
        await mongo.db.command({ ping: 1 });
      },
      kafka: () => pingKafka(kafka),
      temporal: async () => {
        await client.workflowService.getSystemInfo({});
      },
      worker: async () => {
        const state = worker.getState();
        if (state !== 'RUNNING') throw new Error(`the Temporal worker is ${state}`);
      },
    },
  });
  const { host, port } = config.worker;
  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  logger.info(
    { taskQueue: config.temporal.taskQueue, groups: [groups.orders, groups.venueReports], topics: [topics.orders, topics.venueReports], url: `http://${host}:${port}` },
    'worker.ready',
  );

  onShutdownSignal(logger, async () => {
    // Stop intake first, then let running activities finish, then close the clients they use.
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await Promise.all([stuck.stop(), sweeper.stop()]);
    await Promise.all([consumer.stop(), reports.stop()]);
    worker.shutdown();
    await running;
    await publisher.stop();
    await connection.close();
    await mongo.client.close();
  });
  await running.catch((error: unknown) => {
    logger.fatal({ err: error }, 'worker.crashed');
    process.exit(1);
  });
}

/**
 * The compiled worker (dist/workers/worker.js) loads the workflow bundle `npm run build` made beside it, with the
 * workflow interceptors when it traces (dist/workflow-bundle.js) and without when it does not
 * (dist/workflow-bundle-untraced.js): no bundling, and no webpack work at start. From source, the SDK bundles
 * workflows/ (with the interceptors workerTracing names). Both preload the modules workflows share
 * (infra/temporal/workflow-preload.ts).
 */
function workflowCode(traced: boolean): { workflowBundle: { codePath: string } } | { workflowsPath: string; bundlerOptions: { preloadModules: string[] } } {
  const prebuilt = join(__dirname, '..', traced ? WORKFLOW_BUNDLE_FILES.traced : WORKFLOW_BUNDLE_FILES.untraced);
  if (existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: require.resolve('../workflows/index'), bundlerOptions: { preloadModules: workflowPreloadFiles(join(__dirname, '..'), '.ts') } };
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `worker: ${error.message}` : error);
  process.exit(1);
});
