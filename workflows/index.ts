// The workflow bundle's entry point: every workflow the `orders` task queue runs.
export { orderLifecycle } from './order-lifecycle';
