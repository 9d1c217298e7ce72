/** A device's live state as people read it: the connection badge, why it is not connected, and what to do about a certificate. */
import { formatDuration } from '../../components/format.ts';
import type { DeviceStatus } from '../../components/gateway-types.ts';
import { ConnectionBadge, StatusBadge } from '../../components/status-badge.tsx';
import { needsCertificateTrust } from './config-api.ts';

export function DeviceState({ enabled, status }: { enabled: boolean; status?: DeviceStatus }) {
  if (!enabled)
    return (
      <StatusBadge tone="neutral" title="Disabled devices are not polled">
        disabled
      </StatusBadge>
    );
  if (!status)
    return (
      <StatusBadge tone="neutral" title="The gateway has not started this device yet">
        starting
      </StatusBadge>
    );
  const { state, reason, retryInMs } = status.connection;
  return (
    <span class="dv-state">
      <ConnectionBadge state={state} />
      {reason && (
        <span class="dv-state-reason">
          {reason}
          {retryInMs !== undefined && state === 'backing-off' && <> · retry in {formatDuration(retryInMs)}</>}
        </span>
      )}
      {needsCertificateTrust(reason) && (
        <a class="dv-cert-link" href="#/certificates">
          Trust the server certificate
        </a>
      )}
    </span>
  );
}
