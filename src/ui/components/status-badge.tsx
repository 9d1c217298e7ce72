/** Coloured status pills: always a word next to the colour, never colour alone. */
import type { ConnectionStateName, NorthboundState, Quality } from './gateway-types.ts';

export type Tone = 'good' | 'warn' | 'bad' | 'neutral' | 'info';

export function StatusBadge({ tone, children, title }: { tone: Tone; children: preact.ComponentChildren; title?: string }) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      <span class="badge-dot" aria-hidden="true" />
      {children}
    </span>
  );
}

const QUALITY_TONE: Record<Quality, Tone> = { good: 'good', stale: 'warn', bad: 'bad' };
export const QualityBadge = ({ quality, title }: { quality: Quality; title?: string }) => (
  <StatusBadge tone={QUALITY_TONE[quality] ?? 'neutral'} title={title}>
    {quality}
  </StatusBadge>
);

const CONNECTION_TONE: Record<ConnectionStateName, Tone> = { connected: 'good', connecting: 'warn', 'backing-off': 'bad', stopped: 'neutral' };
export const ConnectionBadge = ({ state }: { state: ConnectionStateName }) => <StatusBadge tone={CONNECTION_TONE[state] ?? 'neutral'}>{state}</StatusBadge>;

const NORTHBOUND_TONE: Record<NorthboundState, Tone> = {
  online: 'good',
  connecting: 'warn',
  subscribing: 'warn',
  'waiting-for-host': 'warn',
  disconnected: 'bad',
  stopped: 'neutral',
};
export const NorthboundBadge = ({ state }: { state: NorthboundState }) => <StatusBadge tone={NORTHBOUND_TONE[state] ?? 'neutral'}>{state}</StatusBadge>;
