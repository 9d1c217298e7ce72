/** Deleting a device, from the list or from its own page: the question says what goes with it. */
import { api } from '../../api.ts';
import { ConfirmDialog } from '../../components/modal.tsx';
import { type DeviceConfig, paths, tagCount } from './config-api.ts';

export function DeleteDeviceDialog({ device, onClose, onDeleted }: { device: DeviceConfig; onClose: () => void; onDeleted: () => Promise<void> | void }) {
  const groups = device.groups.length;
  const tags = tagCount(device);
  return (
    <ConfirmDialog
      title={`Delete ${device.name}?`}
      confirmLabel={`Delete ${device.name}`}
      danger
      onClose={onClose}
      onConfirm={async () => {
        await api('DELETE', paths.device(device.name));
        await onDeleted();
      }}
    >
      <p>
        The gateway stops polling <strong>{device.name}</strong> and forgets its {groups} group{groups === 1 ? '' : 's'} and {tags} tag
        {tags === 1 ? '' : 's'}. Sparkplug hosts see the device go offline.
      </p>
      <p class="muted">To keep the configuration but stop polling, disable the device instead.</p>
    </ConfirmDialog>
  );
}
