/** The reference of the matrix: the same checks through Mosquitto, the broker the other tests use. */
import { Mosquitto } from '../helpers/mosquitto.ts';
import { sparkplugInterop } from '../helpers/sparkplug-interop.ts';

sparkplugInterop('Mosquitto', () => new Mosquitto({ persistent: true }));
