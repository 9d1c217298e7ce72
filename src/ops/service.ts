/**
 * `plexus install-service`: a systemd unit for the installed package, with a
 * dedicated user, the data directory under /var/lib, restart on failure and
 * hardening that still lets the service open serial ports.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlexusError } from '../errors.ts';

export interface ServiceOptions {
  user: string;
  dataDir: string;
  /** The configuration file the service imports when it changes (copied to /etc/plexus). */
  config?: string;
  /** Writes under this folder instead of / (packaging, tests); users and ownership are then left to do. */
  root: string;
}

const CONFIG_PATH = '/etc/plexus/plexus.yaml';

/** The command the service runs: this Node.js and this package's compiled entry point. */
function entryPoint(): string {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  if (!fs.existsSync(main))
    throw new PlexusError('PLX_NOT_INSTALLED', 'install-service works from the installed package (npm install -g), not from the sources');
  return main;
}

export function unitFile(opts: Pick<ServiceOptions, 'user' | 'dataDir'> & { config: boolean }): string {
  const start = [process.execPath, entryPoint(), 'start', ...(opts.config ? ['--config', CONFIG_PATH] : [])].join(' ');
  return `[Unit]
Description=Plexus industrial protocol gateway
Documentation=https://www.npmjs.com/package/plexus-gateway
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${opts.user}
Group=${opts.user}
# Serial adapters (/dev/ttyUSB*, /dev/ttyACM*, /dev/ttyS*) belong to the dialout group.
SupplementaryGroups=dialout
Environment=NODE_ENV=production PLEXUS_DATA_DIR=${opts.dataDir}
ExecStart=${start}
# SIGTERM: stop polling, NDEATH, close the store; a second signal or the timeout ends it at once.
KillSignal=SIGTERM
TimeoutStopSec=20
Restart=on-failure
RestartSec=5
UMask=0027

# Hardening. Devices stay closed except serial ports (PrivateDevices would hide them).
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${opts.dataDir}
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
DevicePolicy=closed
DeviceAllow=char-ttyS rw
DeviceAllow=char-ttyUSB rw
DeviceAllow=char-ttyACM rw
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK

[Install]
WantedBy=multi-user.target
`;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Writes the unit (and the configuration); as root on the real system, also the user and the data directory. Returns what is left to do. */
export function installService(opts: ServiceOptions): { written: string[]; next: string[] } {
  const at = (p: string) => path.join(opts.root, p);
  const onSystem = path.resolve(opts.root) === '/';
  if (onSystem && process.getuid?.() !== 0)
    throw new PlexusError('PLX_NOT_ROOT', 'installing a service needs root: run it with sudo (or use --root DIR to stage the files)');
  const written: string[] = [];
  const next: string[] = [];
  if (opts.config) {
    fs.mkdirSync(at('/etc/plexus'), { recursive: true, mode: 0o750 });
    fs.copyFileSync(opts.config, at(CONFIG_PATH));
    fs.chmodSync(at(CONFIG_PATH), 0o640);
    written.push(at(CONFIG_PATH));
  }
  const unit = at('/etc/systemd/system/plexus.service');
  fs.mkdirSync(path.dirname(unit), { recursive: true });
  fs.writeFileSync(unit, unitFile({ user: opts.user, dataDir: opts.dataDir, config: !!opts.config }));
  written.push(unit);
  fs.mkdirSync(at(opts.dataDir), { recursive: true, mode: 0o750 });
  written.push(at(opts.dataDir));
  const userSteps = [
    `id ${opts.user} || useradd --system --home-dir ${opts.dataDir} --shell /usr/sbin/nologin ${opts.user}`,
    `usermod -aG dialout ${opts.user}`,
    `chown -R ${opts.user}: ${opts.dataDir}${opts.config ? ` && chgrp ${opts.user} ${CONFIG_PATH}` : ''}`,
  ];
  if (onSystem) {
    try {
      run('id', [opts.user]);
    } catch {
      run('useradd', ['--system', '--home-dir', opts.dataDir, '--shell', '/usr/sbin/nologin', opts.user]);
    }
    run('usermod', ['-aG', 'dialout', opts.user]);
    run('chown', ['-R', `${opts.user}:`, opts.dataDir]);
    if (opts.config) run('chgrp', [opts.user, CONFIG_PATH]);
    run('systemctl', ['daemon-reload']);
  } else next.push(...userSteps, 'systemctl daemon-reload');
  next.push('systemctl enable --now plexus', 'journalctl -u plexus -f   (the first start logs the link that creates the admin user)');
  return { written, next };
}
