/**
 * KVM or software emulation for the lab's QEMU machines. /dev/kvm existing is not enough: on nested,
 * paravirtualized hosts a KVM guest hangs (LAB.md). So KVM is smoke-tested: a 512-byte boot sector
 * writes to QEMU's isa-debug-exit port, which ends QEMU with exit status 99 — the firmware ran and
 * the guest CPU executed code. Anything else within the timeout means: use TCG. The verdict is cached
 * per QEMU version in the lab directory, so only the first start pays for a hanging probe.
 */
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export type Accelerator = 'kvm' | 'tcg';

// mov al, 0x31; out 0xf4, al; hlt; jmp $-1 — QEMU exits with (0x31 << 1) | 1 = 99.
const BOOT_SECTOR_CODE = [0xb0, 0x31, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd];
const EXPECTED_EXIT = 99;

function bootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from(BOOT_SECTOR_CODE).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** Runs the boot sector under `accel`; true when it reached the debug-exit port in time. */
export async function smokeTest(
  qemuBinary: string,
  accel: Accelerator,
  timeoutMs: number,
): Promise<{ isWorking: boolean; detail: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'surplus-accel-'));
  try {
    const image = join(dir, 'boot.img');
    await writeFile(image, bootSector());
    const args = ['-accel', accel, '-m', '16', '-display', 'none', '-no-reboot', '-nodefaults'];
    args.push('-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-drive', `file=${image},format=raw,if=floppy`);
    return await new Promise((resolve) => {
      // coreutils' `timeout` ends a hung probe even when Surplus is stopped or killed during it: the
      // timer below dies with this process, and a hung KVM guest would otherwise run on for good.
      const seconds = String(Math.ceil(timeoutMs / 1000) + 1);
      const child = spawn('timeout', ['--signal=KILL', seconds, qemuBinary, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {}
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ isWorking: false, detail: `cannot run ${qemuBinary}: ${error.message}` });
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === EXPECTED_EXIT) resolve({ isWorking: true, detail: `${accel}: test guest ran` });
        // 137: `timeout` killed it (128 + SIGKILL).
        else if (signal || code === 137)
          resolve({ isWorking: false, detail: `${accel}: test guest did not finish within ${timeoutMs} ms (hung)` });
        else resolve({ isWorking: false, detail: `${accel}: QEMU exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}` });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function qemuVersion(qemuBinary: string): Promise<string> {
  const { stdout } = await promisify(execFile)(qemuBinary, ['--version']);
  return stdout.split('\n')[0]?.trim() ?? 'unknown';
}

/** KVM when /dev/kvm is usable and passes the smoke test, TCG otherwise; cached in `cacheFile`. */
export async function probeAccelerator(options: {
  qemuBinary: string;
  cacheFile: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}): Promise<{ accelerator: Accelerator; detail: string }> {
  const version = await qemuVersion(options.qemuBinary);
  try {
    const cached = JSON.parse(await readFile(options.cacheFile, 'utf8')) as {
      qemuVersion: string;
      accelerator: Accelerator;
      detail: string;
    };
    if (cached.qemuVersion === version) return { accelerator: cached.accelerator, detail: `${cached.detail} (cached)` };
  } catch {}
  let result: { accelerator: Accelerator; detail: string };
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
    const test = await smokeTest(options.qemuBinary, 'kvm', options.timeoutMs ?? 8_000);
    result = test.isWorking ? { accelerator: 'kvm', detail: test.detail } : { accelerator: 'tcg', detail: `KVM unusable (${test.detail})` };
  } catch {
    result = { accelerator: 'tcg', detail: 'no usable /dev/kvm' };
  }
  options.log?.(`lab: accelerator ${result.accelerator}: ${result.detail}`);
  await writeFile(options.cacheFile, JSON.stringify({ qemuVersion: version, ...result, probedAt: new Date().toISOString() }));
  return result;
}

/**
 * SURPLUS_LAB_ACCELERATOR: `tcg` (the default), `kvm`, or `auto` (KVM when the smoke test above
 * passes). TCG is the default because the smoke test is not proof: on nested, paravirtualized hosts
 * the boot sector runs under KVM while a Linux guest then hangs in its first second (seen on the
 * build machines whenever they were quiet enough for the probe to finish).
 */
export function acceleratorSetting(value: string | undefined): 'auto' | Accelerator {
  if (value === undefined || value === '') return 'tcg';
  if (value === 'tcg' || value === 'kvm' || value === 'auto') return value;
  throw new Error(`SURPLUS_LAB_ACCELERATOR must be tcg, kvm or auto, not ${JSON.stringify(value)}`);
}
