/** The Sparkplug edge node through aedes, the embedded broker we ship (in memory: nothing survives its restart). */
import { AedesBroker } from '../helpers/aedes.ts';
import { sparkplugInterop } from '../helpers/sparkplug-interop.ts';

sparkplugInterop('aedes (embedded broker)', () => new AedesBroker());
