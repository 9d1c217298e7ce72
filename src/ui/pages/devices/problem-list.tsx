/** The gateway's problems that belong to no field or row on screen, each with the place it names, in words. */
import type { ErrorDetail } from '../../api.ts';
import { type Named as Device, describePath } from './error-paths.ts';

function Problems({ details, device, class: cls }: { details: readonly ErrorDetail[]; device?: Device; class: string }) {
  return (
    <ul class={cls}>
      {details.map((d) => (
        <li key={`${d.path}:${d.message}`}>
          {describePath(d.path, device)}: {d.message}
        </li>
      ))}
    </ul>
  );
}

/** A list in red under a dialog's form; nothing when there is none. */
export function ProblemList({ details, device }: { details: readonly ErrorDetail[]; device?: Device }) {
  if (details.length === 0) return null;
  return <Problems details={details} device={device} class="field-error" />;
}

/** An alert with a title ("The tags were not saved:") and the list; nothing when there is none. */
export function ProblemBanner({ title, details, device }: { title: string; details: readonly ErrorDetail[]; device?: Device }) {
  if (details.length === 0) return null;
  return (
    <div class="banner banner-bad" role="alert">
      <div class="banner-body">
        <p class="banner-message">
          <strong>{title}</strong>
        </p>
        <Problems details={details} device={device} class="banner-details" />
      </div>
    </div>
  );
}
