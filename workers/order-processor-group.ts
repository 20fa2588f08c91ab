/** The Kafka consumer group of the orders consumer (DESIGN.md, The order flow). */
export const ORDER_PROCESSOR_GROUP = 'order-processor-group';
