/** The Kafka consumer group of the orders consumer (DESIGN.md, The order flow). */
export const ORDER_PROCESSOR_GROUP = 'order-processor-group';

/** The Kafka consumer group that turns venue reports into signals to the order workflows. */
export const VENUE_REPORT_PROCESSOR_GROUP = 'venue-report-processor-group';
