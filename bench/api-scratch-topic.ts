// The real order API process (workers/api.ts, unchanged), except that OrderCreated goes to the
// scratch topic named by BENCH_ORDERS_TOPIC instead of `orders`. Every orders consumer on this stack
// shares the group `order-processor-group` on `orders`; tens of thousands of benchmark orders there
// would start as many workflows in whichever worker (a test's, `npm start`'s) consumes them next.
import { TOPICS } from '../infra/kafka/topics';

const topic = process.env.BENCH_ORDERS_TOPIC;
if (topic === undefined || topic === '') throw new Error('BENCH_ORDERS_TOPIC must name the scratch topic to publish orders to');
(TOPICS as { orders: string }).orders = topic;

import('../workers/api').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
