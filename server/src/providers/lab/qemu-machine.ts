/**
 * One lab machine: a QEMU process with its own qcow2 disk, MAC, forwarded loopback SSH port and QMP
 * socket, under its runtime directory. Powered through QMP and the process itself: on starts (or
 * resumes) QEMU, ForceOff quits it, GracefulShutdown presses the ACPI power button, ForceRestart
 * resets. A pending boot override decides the next start's `-boot`; "Once" is consumed by that start.
 *
 * QEMU runs in its own process group and outlives a crash of Surplus, as a physical machine would:
 * the next start adopts it from its pid file (checking the command line names this machine's QMP socket).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Accelerator } from './accelerator.ts';
import { type QmpCommand, qmp } from './qmp.ts';
import {
  type BootOverride,
  bootDevice,
  LabMachineError,
  type LabResetType,
  type VirtualMachine,
  type VirtualMachineInfo,
  type VirtualPowerState,
} from './virtual-machine.ts';

export type QemuMachineSpec = VirtualMachineInfo & {
  index: number;
  /** Runtime directory: disk.qcow2, machine.json (boot override), qemu.pid, console.log, qemu.log. */
  dir: string;
  /** QMP socket path (kept short: unix socket paths are limited to 107 bytes). */
  socketPath: string;
  sshPort: number;
  /** The iPXE script URL as the guest reaches it (10.0.2.2 is the host in QEMU's user network). */
  bootUrl: string;
  accelerator: () => Promise<Accelerator>;
  qemuBinary: string;
  qemuImgBinary: string;
  log: (line: string) => void;
};

type Running = { pid: number; exited: Promise<void>; isChild: boolean };

const START_TIMEOUT_MS = 15_000;
const QUIT_TIMEOUT_MS = 5_000;

export class QemuMachine implements VirtualMachine {
  readonly info: VirtualMachineInfo;
  readonly spec: QemuMachineSpec;
  private override: BootOverride = { enabled: 'Disabled', target: 'None' };
  private running: Running | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(spec: QemuMachineSpec) {
    this.spec = spec;
    const { id, uuid, mac, cpus, memoryMiB, diskGiB } = spec;
    this.info = { id, uuid, mac, cpus, memoryMiB, diskGiB };
  }

  get diskPath() {
    return join(this.spec.dir, 'disk.qcow2');
  }

  get consoleLogPath() {
    return join(this.spec.dir, 'console.log');
  }

  /** The QEMU process id while it runs. */
  get pid(): number | null {
    return this.running?.pid ?? null;
  }

  /** Creates the runtime directory and disk, reads the saved boot override, adopts a QEMU still running. */
  async prepare(): Promise<void> {
    await mkdir(this.spec.dir, { recursive: true });
    if (!existsSync(this.diskPath))
      await promisify(execFile)(this.spec.qemuImgBinary, ['create', '-q', '-f', 'qcow2', this.diskPath, `${this.spec.diskGiB}G`]);
    try {
      const saved = JSON.parse(await readFile(join(this.spec.dir, 'machine.json'), 'utf8')) as { bootOverride?: BootOverride };
      if (saved.bootOverride) this.override = saved.bootOverride;
    } catch {}
    await this.adopt();
  }

  private async adopt() {
    const pidFile = join(this.spec.dir, 'qemu.pid');
    try {
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      if (!commandLine.some((arg) => arg.includes(this.spec.socketPath))) return;
      this.running = { pid, exited: waitForExit(pid), isChild: false };
      this.running.exited.then(() => this.forget(pid));
      this.spec.log(`lab: ${this.info.id}: adopted QEMU ${pid} still running from an earlier start`);
    } catch {}
  }

  async powerState(): Promise<VirtualPowerState> {
    if (!this.running) return 'Off';
    try {
      const [status] = (await this.serialized(() => qmp(this.spec.socketPath, [{ execute: 'query-status' }]))) as { status: string }[];
      if (status?.status === 'paused' || status?.status === 'suspended') return 'Paused';
      if (status?.status === 'shutdown') return 'Off';
      return 'On';
    } catch {
      // Between spawn and QMP being ready, or exiting right now: the process decides.
      return this.running ? 'On' : 'Off';
    }
  }

  bootOverride(): BootOverride {
    return this.override;
  }

  async setBootOverride(override: BootOverride): Promise<void> {
    await this.serialized(async () => {
      this.override = override;
      await this.save();
    });
  }

  reset(type: LabResetType): Promise<void> {
    return this.serialized(async () => {
      const state = this.running ? await this.status() : 'Off';
      switch (type) {
        case 'On':
        case 'ForceOn':
          if (state === 'Off') await this.start();
          else if (state === 'Paused') await this.command({ execute: 'cont' });
          return;
        case 'ForceOff':
          await this.stopProcess();
          return;
        case 'GracefulShutdown':
          if (state !== 'Off') await this.command({ execute: 'system_powerdown' });
          return;
        case 'ForceRestart':
          if (state === 'Off') await this.start();
          // A pending override needs new `-boot` arguments: a fresh process is a reset to the guest.
          else if (bootDevice(this.override)) {
            await this.stopProcess();
            await this.start();
          } else {
            await this.command({ execute: 'system_reset' });
            if (state === 'Paused') await this.command({ execute: 'cont' });
          }
          return;
        case 'PowerCycle':
          await this.stopProcess();
          await this.start();
          return;
        case 'Nmi':
          if (state === 'Off') throw new LabMachineError(409, `${this.info.id} is off: no NMI to inject`);
          await this.command({ execute: 'inject-nmi' });
          return;
        case 'Pause':
          if (state === 'Off') throw new LabMachineError(409, `${this.info.id} is off: nothing to pause`);
          await this.command({ execute: 'stop' });
          return;
        case 'Resume':
          if (state === 'Off') throw new LabMachineError(409, `${this.info.id} is off: nothing to resume`);
          await this.command({ execute: 'cont' });
          return;
      }
    });
  }

  /** Kills QEMU (used when the pool stops). */
  kill(): Promise<void> {
    return this.serialized(() => this.stopProcess(true));
  }

  /** The arguments of the next start, for the given boot device ('n', 'c' or none: disk, then network). */
  arguments(accelerator: Accelerator, device: 'n' | 'c' | null): string[] {
    const { dir, socketPath, mac, bootUrl, sshPort, cpus, memoryMiB, id } = this.spec;
    // `order` is the machine's normal boot order, as on a server: its disk, then the network.
    // `once` applies to this start only; a reset from the guest goes back to the normal order.
    const boot = device === null ? 'order=cn' : this.override.enabled === 'Once' ? `order=cn,once=${device}` : `order=${device}`;
    return [
      '-name',
      `surplus-${id}`,
      '-accel',
      accelerator,
      '-smp',
      String(cpus),
      '-m',
      String(memoryMiB),
      '-display',
      'none',
      '-monitor',
      'none',
      '-chardev',
      `file,id=console,path=${join(dir, 'console.log')},append=on`,
      '-serial',
      'chardev:console',
      '-qmp',
      `unix:${socketPath},server=on,wait=off`,
      '-pidfile',
      join(dir, 'qemu.pid'),
      '-drive',
      `file=${join(dir, 'disk.qcow2')},if=virtio,format=qcow2`,
      '-nic',
      `user,model=virtio-net-pci,mac=${mac},bootfile=${bootUrl.replaceAll('{mac}', mac).replaceAll('{id}', id)},hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
      '-boot',
      boot,
    ];
  }

  private async start() {
    const accelerator = await this.spec.accelerator();
    const device = bootDevice(this.override);
    const args = this.arguments(accelerator, device);
    if (this.override.enabled === 'Once') {
      this.override = { ...this.override, enabled: 'Disabled' };
      await this.save();
    }
    await rm(this.spec.socketPath, { force: true });
    const note = device === 'n' ? 'network boot' : device === 'c' ? 'disk boot' : 'normal boot order';
    await appendFile(this.consoleLogPath, `\n--- surplus lab: power on ${new Date().toISOString()} (${note}, ${accelerator}) ---\n`);
    const stderr = openSync(join(this.spec.dir, 'qemu.log'), 'a');
    const child = spawn(this.spec.qemuBinary, args, { detached: true, stdio: ['ignore', 'ignore', stderr] });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new LabMachineError(500, `${this.info.id}: cannot start ${this.spec.qemuBinary}`);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.running = { pid, exited, isChild: true };
    exited.then(() => this.forget(pid));
    this.spec.log(`lab: ${this.info.id}: QEMU ${pid} started (${note})`);

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (this.running?.pid !== pid) {
        const log = await readFile(join(this.spec.dir, 'qemu.log'), 'utf8').catch(() => '');
        throw new LabMachineError(500, `${this.info.id}: QEMU exited at start: ${log.trim().split('\n').at(-1) ?? 'no message'}`);
      }
      try {
        await qmp(this.spec.socketPath, [{ execute: 'query-status' }], 2_000);
        return;
      } catch {}
      if (Date.now() > deadline)
        throw new LabMachineError(500, `${this.info.id}: QEMU's QMP socket did not answer within ${START_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** `quit` through QMP; if QEMU does not exit in time, SIGKILL to its process group. */
  private async stopProcess(isImmediate = false) {
    const running = this.running;
    if (!running) return;
    if (!isImmediate) await qmp(this.spec.socketPath, [{ execute: 'quit' }], 2_000).catch(() => {});
    const isGone = await Promise.race([running.exited.then(() => true), delay(isImmediate ? 0 : QUIT_TIMEOUT_MS).then(() => false)]);
    if (!isGone) {
      try {
        process.kill(-running.pid, 'SIGKILL');
      } catch {
        try {
          process.kill(running.pid, 'SIGKILL');
        } catch {}
      }
      await running.exited;
    }
    this.forget(running.pid);
    this.spec.log(`lab: ${this.info.id}: QEMU ${running.pid} stopped`);
  }

  private forget(pid: number) {
    if (this.running?.pid === pid) this.running = null;
  }

  private async status(): Promise<VirtualPowerState> {
    try {
      const [status] = (await qmp(this.spec.socketPath, [{ execute: 'query-status' }])) as { status: string }[];
      return status?.status === 'paused' || status?.status === 'suspended' ? 'Paused' : 'On';
    } catch {
      return this.running ? 'On' : 'Off';
    }
  }

  private async command(command: QmpCommand) {
    try {
      await qmp(this.spec.socketPath, [command]);
    } catch (error) {
      throw new LabMachineError(500, `${this.info.id}: QMP ${command.execute} failed: ${(error as Error).message}`);
    }
  }

  private async save() {
    const file = join(this.spec.dir, 'machine.json');
    await writeFile(`${file}.tmp`, JSON.stringify({ bootOverride: this.override }));
    await rename(`${file}.tmp`, file);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => {});
    return result;
  }
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when a process that is not our child exits (polled: only a parent gets exit events). */
function waitForExit(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(timer);
        resolve();
      }
    }, 500);
    timer.unref();
  });
}
