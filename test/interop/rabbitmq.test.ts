/**
 * The Sparkplug edge node through RabbitMQ's MQTT plugin (Debian 12: RabbitMQ
 * 3.10, MQTT 3.1.1), started by the test with `mqtt.sparkplug = true`.
 */
import { RabbitMq } from '../helpers/rabbitmq.ts';
import { sparkplugInterop } from '../helpers/sparkplug-interop.ts';

sparkplugInterop('RabbitMQ 3.10 (MQTT plugin)', () => new RabbitMq(), {
  startTimeoutMs: 90_000,
});
