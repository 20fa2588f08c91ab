/**
 * The Kafka consumer groups of the worker, under the configured prefix (config.kafka.prefix, KAFKA_PREFIX):
 * `orders` is the consumer of `orders` that starts the workflows (DESIGN.md, The order flow); `venueReports`
 * turns venue reports into signals to the order workflows.
 */
export function orderProcessorGroups(kafkaPrefix: string): { readonly orders: string; readonly venueReports: string } {
  return { orders: `${kafkaPrefix}order-processor-group`, venueReports: `${kafkaPrefix}venue-report-processor-group` };
}
