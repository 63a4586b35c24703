/**
 * The lab pool: N QEMU machines on the Surplus host, each with its own disk, MAC and forwarded SSH
 * port, controlled only through the virtual BMC this pool serves on its own loopback listener. The
 * machines are enrolled like physical ones (bmc_provider 'lab', bmc_url = this BMC, bmc_system_path =
 * their System), so provisioning them runs the physical code path: Redfish client → BMC → machine.
 *
 * State under <dataDir>/lab: pool.json (pool id, BMC port, SSH ports), bmc-password.sealed (the
 * generated BMC password, sealed with the deployment's secret key), accelerator.json (KVM probe
 * verdict), machines/<id>/ (disk.qcow2, machine.json, console.log, qemu.log, qemu.pid).
 */

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { type Accelerator, probeAccelerator } from './accelerator.ts';
import { QemuMachine } from './qemu-machine.ts';
import { systemPath, VirtualBmc } from './virtual-bmc.ts';

export type LabPoolOptions = {
  /** Surplus's data directory; the pool keeps its state in <dataDir>/lab. */
  dataDir: string;
  /** Seals the generated BMC password at rest. */
  secrets: SecretBox;
  /**
   * The iPXE script URL as the guests reach it; `{mac}` and `{id}` are filled in per machine. In
   * QEMU's user network the host is 10.0.2.2, e.g. http://10.0.2.2:8081/boot/ipxe?mac={mac}.
   */
  bootUrl: string;
  /** Where the BMC listens (default 127.0.0.1; the port is remembered, or any free one). */
  host?: string;
  port?: number;
  /** lab-N's SSH is forwarded from 127.0.0.1:(sshBasePort + N); default: free ports, remembered. */
  sshBasePort?: number;
  cpus?: number;
  memoryMiB?: number;
  diskGiB?: number;
  /** 'tcg' (default), 'kvm', or 'auto': smoke-test KVM and fall back to tcg (see acceleratorSetting). */
  accelerator?: 'auto' | Accelerator;
  qemuBinary?: string;
  qemuImgBinary?: string;
  log?: (line: string) => void;
};

export type LabMachine = {
  id: string;
  index: number;
  hostname: string;
  mac: string;
  sshPort: number;
  systemPath: string;
  dir: string;
  diskPath: string;
  consoleLogPath: string;
};

/** What the inventory needs to enroll a lab machine like any other (the password is sealed there too). */
export type LabEnrollment = {
  hostname: string;
  macAddresses: string[];
  bmcProvider: 'lab';
  bmcUrl: string;
  bmcUsername: string;
  bmcPassword: string;
  bmcSystemPath: string;
  isLab: true;
  labSshPort: number;
};

type PoolState = { poolId: string; bmcPort?: number; sshPorts: Record<string, number> };

export const LAB_BMC_USERNAME = 'admin';
const PASSWORD_CONTEXT = 'lab:bmc-password';

/** Whether QEMU is installed (`npm start` sets up a demo lab pool only then). */
export function isQemuAvailable(qemuBinary = 'qemu-system-x86_64'): boolean {
  try {
    execFileSync(qemuBinary, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** lab-N's MAC: QEMU's locally administered 52:54:00 prefix, then 5c and the index. */
export function labMac(index: number): string {
  if (index < 1 || index > 0xffff) throw new Error('lab machine index must be 1..65535');
  return `52:54:00:5c:${((index >> 8) & 0xff).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`;
}

export class LabPool {
  private readonly options: LabPoolOptions;
  private readonly labDir: string;
  private readonly log: (line: string) => void;
  private readonly qemuMachines = new Map<string, QemuMachine>();
  private bmc: VirtualBmc | null = null;
  private bmcPassword = '';
  private acceleratorChoice: Promise<Accelerator> | null = null;
  private state: PoolState = { poolId: '', sshPorts: {} };

  constructor(options: LabPoolOptions) {
    this.options = options;
    this.labDir = join(options.dataDir, 'lab');
    this.log = options.log ?? (() => {});
  }

  /** Prepares `count` machines (runtime dirs, disks) and serves their BMC. QEMU starts only on power on. */
  async start(count: number): Promise<void> {
    if (this.bmc) throw new Error('the lab pool is already started');
    if (!Number.isInteger(count) || count < 1) throw new Error('a lab pool needs at least one machine');
    await mkdir(join(this.labDir, 'machines'), { recursive: true });
    await this.loadState();
    this.bmcPassword = await this.password();
    this.acceleratorChoice = this.chooseAccelerator();

    const socketDir = await this.socketDir();
    for (let index = 1; index <= count; index++) {
      const id = `lab-${index}`;
      const dir = join(this.labDir, 'machines', id);
      const machine = new QemuMachine({
        id,
        index,
        uuid: this.uuidOf(index),
        mac: labMac(index),
        cpus: this.options.cpus ?? 1,
        memoryMiB: this.options.memoryMiB ?? 1024,
        diskGiB: this.options.diskGiB ?? 2,
        dir,
        socketPath: join(socketDir, `${id}.qmp`),
        sshPort: await this.sshPort(id, index),
        bootUrl: this.options.bootUrl,
        accelerator: () => this.accelerator(),
        qemuBinary: this.options.qemuBinary ?? 'qemu-system-x86_64',
        qemuImgBinary: this.options.qemuImgBinary ?? 'qemu-img',
        log: this.log,
      });
      await machine.prepare();
      this.qemuMachines.set(id, machine);
    }

    // The remembered port keeps bmc_url stable across restarts; if it is taken now, any free one
    // (the inventory is updated from enrollments() at start-up).
    const remembered = this.state.bmcPort && (await isPortFree(this.state.bmcPort)) ? this.state.bmcPort : 0;
    const bmc = new VirtualBmc({
      machines: [...this.qemuMachines.values()],
      username: LAB_BMC_USERNAME,
      password: this.bmcPassword,
      host: this.options.host ?? '127.0.0.1',
      port: this.options.port ?? remembered,
    });
    await bmc.listen();
    this.bmc = bmc;
    this.state.bmcPort = Number(new URL(bmc.url).port);
    await this.saveState();
    this.log(`lab: virtual BMC for ${count} machine(s) at ${bmc.url}`);
  }

  /** The BMC's base URL (http://127.0.0.1:PORT), as enrolled in machines.bmc_url. */
  get url(): string {
    if (!this.bmc) throw new Error('the lab pool is not started');
    return this.bmc.url;
  }

  get credentials(): { username: string; password: string } {
    return { username: LAB_BMC_USERNAME, password: this.bmcPassword };
  }

  machines(): LabMachine[] {
    return [...this.qemuMachines.values()].map((machine) => ({
      id: machine.info.id,
      index: machine.spec.index,
      hostname: machine.info.id,
      mac: machine.info.mac,
      sshPort: machine.spec.sshPort,
      systemPath: systemPath(machine.info.id),
      dir: machine.spec.dir,
      diskPath: machine.diskPath,
      consoleLogPath: machine.consoleLogPath,
    }));
  }

  /** The QEMU machine behind a System (tests and diagnostics; workflows go through Redfish). */
  machine(id: string): QemuMachine | undefined {
    return this.qemuMachines.get(id);
  }

  enrollments(): LabEnrollment[] {
    return this.machines().map((machine) => ({
      hostname: machine.hostname,
      macAddresses: [machine.mac],
      bmcProvider: 'lab',
      bmcUrl: this.url,
      bmcUsername: LAB_BMC_USERNAME,
      bmcPassword: this.bmcPassword,
      bmcSystemPath: machine.systemPath,
      isLab: true,
      labSshPort: machine.sshPort,
    }));
  }

  /** KVM or TCG, decided once per pool (the probe runs in the background from start()). */
  accelerator(): Promise<Accelerator> {
    this.acceleratorChoice ??= this.chooseAccelerator();
    return this.acceleratorChoice;
  }

  /** Kills every QEMU this pool started (or adopted) and closes the BMC. */
  async stop(): Promise<void> {
    await Promise.all([...this.qemuMachines.values()].map((machine) => machine.kill()));
    await this.bmc?.close();
    this.bmc = null;
  }

  private async chooseAccelerator(): Promise<Accelerator> {
    const wanted = this.options.accelerator ?? 'tcg';
    if (wanted !== 'auto') return wanted;
    try {
      const { accelerator } = await probeAccelerator({
        qemuBinary: this.options.qemuBinary ?? 'qemu-system-x86_64',
        cacheFile: join(this.labDir, 'accelerator.json'),
        log: this.log,
      });
      return accelerator;
    } catch (error) {
      this.log(`lab: accelerator probe failed (${(error as Error).message}); using tcg`);
      return 'tcg';
    }
  }

  private async password(): Promise<string> {
    const file = join(this.labDir, 'bmc-password.sealed');
    try {
      return this.options.secrets.open(await readFile(file), PASSWORD_CONTEXT);
    } catch {
      const password = randomBytes(18).toString('base64url');
      await writeFile(file, this.options.secrets.seal(password, PASSWORD_CONTEXT), { mode: 0o600 });
      await chmod(file, 0o600);
      return password;
    }
  }

  private async sshPort(id: string, index: number): Promise<number> {
    if (this.options.sshBasePort) return this.options.sshBasePort + index;
    const remembered = this.state.sshPorts[id];
    if (remembered && (await isPortFree(remembered))) return remembered;
    // A remembered port may be held by this machine's own QEMU, still running from before a crash.
    if (remembered && (await isOwnQemuRunning(join(this.labDir, 'machines', id)))) return remembered;
    const port = await freePort();
    this.state.sshPorts[id] = port;
    return port;
  }

  private uuidOf(index: number): string {
    const hex = createHash('sha256').update(`${this.state.poolId}:${index}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  private async socketDir(): Promise<string> {
    // Unix socket paths are limited to 107 bytes: a deep data dir gets a short directory in /tmp.
    const own = join(this.labDir, 'run');
    const dir = own.length + '/lab-65535.qmp'.length < 100 ? own : join(tmpdir(), `surplus-lab-${this.state.poolId.slice(0, 12)}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  private async loadState() {
    try {
      this.state = JSON.parse(await readFile(join(this.labDir, 'pool.json'), 'utf8')) as PoolState;
    } catch {
      this.state = { poolId: randomBytes(16).toString('hex'), sshPorts: {} };
    }
    this.state.sshPorts ??= {};
  }

  private async saveState() {
    await writeFile(join(this.labDir, 'pool.json'), JSON.stringify(this.state, null, 2));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function isOwnQemuRunning(dir: string): Promise<boolean> {
  try {
    const pid = Number((await readFile(join(dir, 'qemu.pid'), 'utf8')).trim());
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
